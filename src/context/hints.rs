//! User-Agent Client Hints: what `navigator.userAgentData.getHighEntropyValues([...])` resolves
//! to, and the corrections they bring to a frozen (reduced) User-Agent string.
//!
//! Chromium freezes parts of its User-Agent string: Windows 11 still says `Windows NT 10.0`,
//! macOS always says `10_15_7`, Android says `Android 10; K` and the browser version is
//! `126.0.0.0`. The hints carry the real values:
//!
//! | field | UA-derived | hint | corrected |
//! |---|---|---|---|
//! | Windows `platformVersion` | `10` | `"15.0.0"` (major ≥ 13) | `11` |
//! | Windows `platformVersion` | `10` | `"10.0.0"` (major 1..=12) | `10` |
//! | macOS `platformVersion` | `10.15.7` | `"14.5.0"` | `14.5.0` |
//! | Android `platformVersion` / `model` | `10` / `K` | `"14.0.0"` / `"Pixel 8"` | `14.0.0` / `Pixel 8` |
//! | `fullVersionList` | `126.0.0` | `Google Chrome` `"126.0.6478.127"` | `126.0.6478` |

use serde::{Deserialize, Serialize};

use crate::model::BrowserInfo;

/// One `{brand, version}` entry of `brands` or `fullVersionList`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BrandVersion {
    /// Brand name, e.g. `"Google Chrome"`, or a GREASE brand like `"Not/A)Brand"`.
    pub brand: String,
    /// Version: the major in `brands`, the full version in `fullVersionList`.
    pub version: String,
}

/// High-entropy Client Hints as resolved by `navigator.userAgentData.getHighEntropyValues(
/// ["platformVersion", "model", "fullVersionList", "architecture", "bitness"])`. Every field is
/// optional; unknown keys are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClientHints {
    /// Low-entropy brands with major versions.
    pub brands: Option<Vec<BrandVersion>>,
    /// Brands with full versions.
    pub full_version_list: Option<Vec<BrandVersion>>,
    /// Platform, e.g. `"Windows"`, `"macOS"`, `"Android"`.
    pub platform: Option<String>,
    /// Platform version, e.g. `"15.0.0"` (Windows 11), `"14.5.0"` (macOS).
    pub platform_version: Option<String>,
    /// Device model (Android), e.g. `"Pixel 8"`; empty on desktops.
    pub model: Option<String>,
    /// Whether the browser prefers a mobile experience.
    pub mobile: Option<bool>,
    /// CPU architecture, e.g. `"x86"`, `"arm"`.
    pub architecture: Option<String>,
    /// CPU bitness, e.g. `"64"`.
    pub bitness: Option<String>,
}

/// A dotted numeric version (`"14"`, `"14.5.0"`, at most 4 parts of at most 9 digits), else None.
fn numeric_version(v: &str) -> Option<&str> {
    let v = v.trim();
    let parts: Vec<&str> = v.split('.').collect();
    let ok = !v.is_empty()
        && parts.len() <= 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(v)
}

/// The first `n` parts of a dotted version.
fn first_parts(v: &str, n: usize) -> String {
    v.split('.').take(n).collect::<Vec<_>>().join(".")
}

/// The `fullVersionList` brands that stand for a uap browser family.
fn brands_for_family(family: &str) -> &'static [&'static str] {
    match family {
        "Chrome" | "Chrome Mobile" | "Chrome Mobile WebView" | "Chrome Mobile iOS" => {
            &["Google Chrome"]
        }
        "Chromium" => &["Chromium"],
        "Edge" | "Edge Mobile" => &["Microsoft Edge"],
        "Opera" | "Opera Mobile" => &["Opera", "Opera GX"],
        "Samsung Internet" => &["Samsung Internet"],
        "Yandex Browser" => &["YaBrowser", "Yandex"],
        "Brave" => &["Brave"],
        "Vivaldi" => &["Vivaldi"],
        "Whale" => &["Whale"],
        _ => &[],
    }
}

/// Applies the corrections the hints carry to a UA-derived `info` (see the module docs).
/// Malformed or mismatching hint values are ignored, never trusted blindly.
pub fn apply(info: &mut BrowserInfo, hints: &ClientHints) {
    let platform = hints.platform.as_deref().map(str::trim).unwrap_or("");
    let platform_version = hints.platform_version.as_deref().and_then(numeric_version);
    match (platform, info.platform_name.as_str()) {
        ("Windows", "Windows") => {
            let major = platform_version.and_then(|v| v.split('.').next()?.parse::<u32>().ok());
            match major {
                Some(13..) => info.platform_version = "11".into(),
                Some(1..=12) => info.platform_version = "10".into(),
                _ => {}
            }
        }
        ("macOS", "Mac OS X") => {
            if let Some(v) = platform_version {
                info.platform_version = v.to_string();
            }
        }
        ("Android", "Android") => {
            if let Some(v) = platform_version {
                info.platform_version = v.to_string();
            }
            if let Some(model) = hints.model.as_deref().map(str::trim) {
                if !model.is_empty() && model.len() <= 64 && !model.chars().any(char::is_control) {
                    info.device_name = model.to_string();
                }
            }
        }
        _ => {}
    }

    let wanted = brands_for_family(&info.browser_name);
    let full = hints
        .full_version_list
        .iter()
        .flatten()
        .filter(|b| wanted.contains(&b.brand.trim()))
        .find_map(|b| numeric_version(&b.version));
    if let Some(full) = full {
        let ua_major = info.browser_version.split('.').next().unwrap_or("");
        let hint_major = full.split('.').next().unwrap_or("");
        if ua_major.is_empty() || ua_major == hint_major {
            info.browser_version = first_parts(full, 3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::derive_browser;

    const CHROME_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
    const EDGE_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0";
    const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
    const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";

    fn hints(json: &str) -> ClientHints {
        serde_json::from_str(json).expect("test hints are valid")
    }

    fn full_list(pairs: &[(&str, &str)]) -> Option<Vec<BrandVersion>> {
        Some(
            pairs
                .iter()
                .map(|(b, v)| BrandVersion {
                    brand: b.to_string(),
                    version: v.to_string(),
                })
                .collect(),
        )
    }

    #[test]
    fn windows_10_and_11_from_platform_version() {
        let w11 = ClientHints {
            platform: Some("Windows".into()),
            platform_version: Some("15.0.0".into()),
            ..Default::default()
        };
        let w10 = ClientHints {
            platform: Some("Windows".into()),
            platform_version: Some("10.0.0".into()),
            ..Default::default()
        };
        let w8 = ClientHints {
            platform: Some("Windows".into()),
            platform_version: Some("0.3.0".into()),
            ..Default::default()
        };
        assert_eq!(
            derive_browser(CHROME_WIN, Some(&w11)).platform_version,
            "11"
        );
        assert_eq!(
            derive_browser(CHROME_WIN, Some(&w10)).platform_version,
            "10"
        );
        assert_eq!(
            derive_browser(CHROME_WIN, Some(&w8)).platform_version,
            "10",
            "0.x keeps the UA's version"
        );
        let plain = derive_browser(CHROME_WIN, None);
        assert_eq!(
            (
                plain.platform_name.as_str(),
                plain.platform_version.as_str()
            ),
            ("Windows", "10")
        );
    }

    #[test]
    fn macos_real_version() {
        let plain = derive_browser(CHROME_MAC, None);
        assert_eq!(
            (
                plain.platform_name.as_str(),
                plain.platform_version.as_str()
            ),
            ("Mac OS X", "10.15.7")
        );
        for v in ["14.5.0", "15.1.0"] {
            let h = ClientHints {
                platform: Some("macOS".into()),
                platform_version: Some(v.into()),
                ..Default::default()
            };
            assert_eq!(derive_browser(CHROME_MAC, Some(&h)).platform_version, v);
        }
        let bad = ClientHints {
            platform: Some("macOS".into()),
            platform_version: Some("14.x".into()),
            ..Default::default()
        };
        assert_eq!(
            derive_browser(CHROME_MAC, Some(&bad)).platform_version,
            "10.15.7"
        );
    }

    #[test]
    fn android_version_and_model() {
        let plain = derive_browser(CHROME_ANDROID, None);
        assert_eq!(plain.platform_version, "10");
        let h = hints(
            r#"{"platform":"Android","platformVersion":"14.0.0","model":"Pixel 8","mobile":true,"brands":[],"unknownKey":1}"#,
        );
        let d = derive_browser(CHROME_ANDROID, Some(&h));
        assert_eq!(
            (d.platform_version.as_str(), d.device_name.as_str()),
            ("14.0.0", "Pixel 8")
        );
        let empty_model = hints(r#"{"platform":"Android","platformVersion":"14","model":""}"#);
        assert_eq!(
            derive_browser(CHROME_ANDROID, Some(&empty_model)).device_name,
            plain.device_name
        );
    }

    #[test]
    fn chrome_and_edge_full_versions_ignore_grease() {
        let list = full_list(&[
            ("Not/A)Brand", "8.0.0.0"),
            ("Chromium", "126.0.6478.127"),
            ("Google Chrome", "126.0.6478.127"),
        ]);
        let h = ClientHints {
            full_version_list: list,
            ..Default::default()
        };
        let d = derive_browser(CHROME_WIN, Some(&h));
        assert_eq!(
            (d.browser_name.as_str(), d.browser_version.as_str()),
            ("Chrome", "126.0.6478")
        );

        let edge = full_list(&[
            ("Not/A)Brand", "8.0.0.0"),
            ("Chromium", "126.0.6478.127"),
            ("Microsoft Edge", "126.0.2592.87"),
        ]);
        let h = ClientHints {
            full_version_list: edge,
            ..Default::default()
        };
        let d = derive_browser(EDGE_WIN, Some(&h));
        assert_eq!(
            (d.browser_name.as_str(), d.browser_version.as_str()),
            ("Edge", "126.0.2592")
        );
        // Edge's hints do not leak into a Chrome UA, nor a different major.
        assert_eq!(
            derive_browser(CHROME_WIN, Some(&h)).browser_version,
            "126.0.0"
        );
        let other_major = ClientHints {
            full_version_list: full_list(&[("Google Chrome", "127.0.1.2")]),
            ..Default::default()
        };
        assert_eq!(
            derive_browser(CHROME_WIN, Some(&other_major)).browser_version,
            "126.0.0"
        );
    }

    #[test]
    fn hints_deserialise_from_camel_case_and_ignore_unknown_keys() {
        let h = hints(
            r#"{"brands":[{"brand":"Google Chrome","version":"126"}],"fullVersionList":[{"brand":"Google Chrome","version":"126.0.6478.127"}],
               "platform":"Windows","platformVersion":"15.0.0","model":"","mobile":false,"architecture":"x86","bitness":"64","wow64":false}"#,
        );
        assert_eq!(h.platform_version.as_deref(), Some("15.0.0"));
        assert_eq!(h.bitness.as_deref(), Some("64"));
        assert_eq!(h.full_version_list.as_ref().map(Vec::len), Some(1));
        assert_eq!(hints("{}"), ClientHints::default());
    }
}
