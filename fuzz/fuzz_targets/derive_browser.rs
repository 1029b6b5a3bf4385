//! Arbitrary bytes → a User-Agent string and optional Client Hints JSON → `derive_browser`.
//! The input is split at the first NUL: before it the UA (lossy UTF-8), after it the hints.
//! Checks: no panic; the parse equals plain uaparser's (`UserAgentParser::from_bytes` over the
//! full rules, Unicode on); the answer equals the hint-free one when the hints do not parse.
#![no_main]

use std::sync::OnceLock;

use evolvy_widget::context::{derive_browser, hints::ClientHints, locale, referer, ua};
use libfuzzer_sys::fuzz_target;
use uaparser::{Parser, UserAgentParser};

fn plain() -> &'static UserAgentParser {
    static PLAIN: OnceLock<UserAgentParser> = OnceLock::new();
    PLAIN.get_or_init(|| UserAgentParser::from_bytes(ua::REGEXES_YAML).expect("the rules load"))
}

fuzz_target!(|data: &[u8]| {
    let (ua_bytes, hints_bytes) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let ua = String::from_utf8_lossy(ua_bytes);
    assert_eq!(ua::parse(&ua), plain().parse(&ua), "differs from plain uaparser on {ua:?}");
    let plain = derive_browser(&ua, None);
    assert!(
        !plain.browser_name.is_empty()
            && !plain.platform_name.is_empty()
            && !plain.device_name.is_empty()
    );
    if let Some(bytes) = hints_bytes {
        match serde_json::from_slice::<ClientHints>(bytes) {
            Ok(hints) => {
                let with = derive_browser(&ua, Some(&hints));
                assert_eq!(with.browser_name, plain.browser_name);
            }
            Err(_) => assert_eq!(derive_browser(&ua, None), plain),
        }
    }
    let _ = locale::browser_language(&ua);
    if let Some(r) = referer::sanitize_referer(&ua, true) {
        assert!(r.chars().count() <= referer::MAX_REFERER_CHARS);
    }
});
