//! Visitor context derivation, pure Rust: User-Agent parsing over the uap-core rules, Client Hints
//! corrections, languages and referer.
//!
//! [`derive_browser`] maps the `uaparser` crate's answer (over the vendored uap-core rules, see
//! [`ua`]) to the platform's [`BrowserInfo`]:
//!
//! | `BrowserInfo` field | from | example |
//! |---|---|---|
//! | `browser_name` | UA family | `"Chrome"`, `"Edge"` (Microsoft Edge), `"Mobile Safari"` |
//! | `browser_version` | major[.minor[.patch]], as present | `"126.0.0"`, `"17.5"`, `""` |
//! | `platform_name` | OS family | `"Windows"`, `"Mac OS X"`, `"iOS"`, `"Android"` |
//! | `platform_version` | major[.minor[.patch[.patch_minor]]], as present | `"10"`, `"10.15.7"`, `"17.5.1"` |
//! | `device_name` | device family, uap's `"Other"` → `"Unknown"` | `"iPhone"`, `"Mac"`, `"Unknown"` |
//!
//! A version stops at its first missing part. For
//! `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)
//! Chrome/126.0.0.0 Safari/537.36` the result is `Chrome` `126.0.0` on `Windows` `10`, device
//! `Unknown`. [`hints::ClientHints`] then correct what Chromium's reduced UA string freezes
//! (Windows 11, macOS and Android versions, Android model, full browser version).

pub mod hints;
pub mod locale;
pub mod referer;
mod rule_opcodes;
mod rule_program;
pub mod ua;

use std::borrow::Cow;

use crate::model::BrowserInfo;
use hints::ClientHints;

/// Joins the leading present parts of a version with dots.
fn join_version(parts: &[Option<&Cow<'_, str>>]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Some(p) if !p.is_empty() => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(p);
            }
            _ => break,
        }
    }
    out
}

/// The visitor's browser from a User-Agent string, corrected by Client Hints when given.
/// Pure and total: any input (empty, huge, non-ASCII, control characters) gives a result.
pub fn derive_browser(user_agent: &str, hints: Option<&ClientHints>) -> BrowserInfo {
    let client = ua::parse(user_agent);
    let ua = &client.user_agent;
    let os = &client.os;
    let device_name = match client.device.family.as_ref() {
        "Other" => "Unknown".to_string(),
        family => family.to_string(),
    };
    let mut info = BrowserInfo {
        browser_name: ua.family.to_string(),
        browser_version: join_version(&[ua.major.as_ref(), ua.minor.as_ref(), ua.patch.as_ref()]),
        device_name,
        platform_name: os.family.to_string(),
        platform_version: join_version(&[
            os.major.as_ref(),
            os.minor.as_ref(),
            os.patch.as_ref(),
            os.patch_minor.as_ref(),
        ]),
    };
    if let Some(h) = hints {
        hints::apply(&mut info, h);
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derive(ua: &str) -> (String, String, String, String, String) {
        let b = derive_browser(ua, None);
        (
            b.browser_name,
            b.browser_version,
            b.platform_name,
            b.platform_version,
            b.device_name,
        )
    }

    fn t(a: &str, b: &str, c: &str, d: &str, e: &str) -> (String, String, String, String, String) {
        (a.into(), b.into(), c.into(), d.into(), e.into())
    }

    #[test]
    fn documented_examples() {
        assert_eq!(
            derive("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"),
            t("Chrome", "126.0.0", "Windows", "10", "Unknown")
        );
        assert_eq!(
            derive("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"),
            t("Mobile Safari", "17.5", "iOS", "17.5.1", "iPhone")
        );
        assert_eq!(
            derive("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"),
            t("Safari", "17.5", "Mac OS X", "10.15.7", "Mac")
        );
        assert_eq!(
            derive("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"),
            t("Edge", "126.0.0", "Windows", "10", "Unknown")
        );
    }

    #[test]
    fn bad_input_gives_a_result() {
        assert_eq!(derive(""), t("Other", "", "Other", "", "Unknown"));
        let huge = "Mozilla/5.0 (X11; Linux x86_64) ".repeat(320);
        assert!(huge.len() > 10_000);
        assert_eq!(derive(&huge).2, "Linux");
        let controls: String =
            (0u8..32).map(char::from).collect::<String>() + "Firefox/120.0\u{7f}\0";
        assert_eq!(derive(&controls).0, "Firefox");
        let non_ascii = "Mozilla/5.0 (Linux; Android 14; Ｐｉｘｅｌ) 浏览器/1.0 \u{212A} Chrome/126.0.0.0 Mobile Safari/537.36 😀";
        assert_eq!(derive(non_ascii).0, "Chrome Mobile");
        assert_eq!(derive("\u{FFFD}\u{FFFD}").0, "Other");
    }
}
