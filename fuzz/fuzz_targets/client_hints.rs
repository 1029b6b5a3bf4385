//! A User-Agent and a Client Hints object → `derive_browser` with the hints merged in.
//!
//! Two input shapes (chosen by the first byte), so both the JSON reader and the merge logic get
//! explored: `0` — a UA (up to the first NUL, lossy UTF-8) then hints as JSON bytes; anything
//! else — a structured [`ClientHints`] built with `arbitrary` over realistic platforms and brands,
//! with a UA picked from real ones or made up.
//!
//! Checks: no panic; the hints never change the browser or platform *name*; a field they change
//! is bounded and well-formed (a dotted numeric version of ≤ 4 parts of ≤ 9 digits, a model of
//! ≤ 64 bytes without control characters); merging is deterministic.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use evolvy_widget::context::derive_browser;
use evolvy_widget::context::hints::{BrandVersion, ClientHints};
use evolvy_widget::model::BrowserInfo;
use libfuzzer_sys::fuzz_target;

const UAS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
];
const PLATFORMS: &[&str] = &[
    "Windows",
    "macOS",
    "Android",
    "Linux",
    "Chrome OS",
    " Windows ",
];
const BRANDS: &[&str] = &[
    "Google Chrome",
    "Chromium",
    "Microsoft Edge",
    "Opera",
    "Samsung Internet",
    "Not/A)Brand",
    " Google Chrome ",
];

fn pick<'a>(u: &mut Unstructured<'a>, list: &[&str]) -> arbitrary::Result<String> {
    if u.ratio(1, 4)? {
        Ok(String::arbitrary(u)?)
    } else {
        Ok(list[u.choose_index(list.len())?].to_string())
    }
}

fn version(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    if u.ratio(1, 3)? {
        return String::arbitrary(u);
    }
    let parts = u.int_in_range(1..=5)?;
    let v: Vec<String> = (0..parts)
        .map(|_| {
            u64::arbitrary(u)
                .map(|n| (n % 10u64.pow(u.int_in_range(1..=10).unwrap_or(3))).to_string())
        })
        .collect::<arbitrary::Result<_>>()?;
    Ok(v.join("."))
}

fn brands(u: &mut Unstructured<'_>) -> arbitrary::Result<Option<Vec<BrandVersion>>> {
    if !bool::arbitrary(u)? {
        return Ok(None);
    }
    let n = u.int_in_range(0..=4)?;
    (0..n)
        .map(|_| {
            Ok(BrandVersion {
                brand: pick(u, BRANDS)?,
                version: version(u)?,
            })
        })
        .collect::<arbitrary::Result<_>>()
        .map(Some)
}

fn structured(u: &mut Unstructured<'_>) -> arbitrary::Result<(String, ClientHints)> {
    let ua = pick(u, UAS)?;
    let hints = ClientHints {
        brands: brands(u)?,
        full_version_list: brands(u)?,
        platform: if bool::arbitrary(u)? {
            Some(pick(u, PLATFORMS)?)
        } else {
            None
        },
        platform_version: if bool::arbitrary(u)? {
            Some(version(u)?)
        } else {
            None
        },
        model: Option::<String>::arbitrary(u)?,
        mobile: Option::<bool>::arbitrary(u)?,
        architecture: Option::<String>::arbitrary(u)?,
        bitness: Option::<String>::arbitrary(u)?,
    };
    Ok((ua, hints))
}

fn is_numeric_version(v: &str, max_parts: usize) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() <= max_parts
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
}

fn check(ua: &str, hints: &ClientHints) {
    let plain: BrowserInfo = derive_browser(ua, None);
    let merged = derive_browser(ua, Some(hints));
    assert_eq!(
        merged,
        derive_browser(ua, Some(hints)),
        "merge is deterministic"
    );
    assert_eq!(merged.browser_name, plain.browser_name);
    assert_eq!(merged.platform_name, plain.platform_name);
    if merged.platform_version != plain.platform_version {
        assert!(
            is_numeric_version(&merged.platform_version, 4),
            "platform_version {:?}",
            merged.platform_version
        );
    }
    if merged.browser_version != plain.browser_version {
        assert!(
            is_numeric_version(&merged.browser_version, 3),
            "browser_version {:?}",
            merged.browser_version
        );
    }
    if merged.device_name != plain.device_name {
        let d = &merged.device_name;
        assert!(
            !d.is_empty() && d.len() <= 64 && !d.chars().any(char::is_control),
            "device {d:?}"
        );
        assert_eq!(d.trim(), d.as_str());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode == 0 {
        let (ua, json) = match rest.iter().position(|&b| b == 0) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        let ua = String::from_utf8_lossy(ua);
        if let Ok(hints) = serde_json::from_slice::<ClientHints>(json) {
            check(&ua, &hints);
        }
    } else if let Ok((ua, hints)) = structured(&mut Unstructured::new(rest)) {
        check(&ua, &hints);
    }
});
