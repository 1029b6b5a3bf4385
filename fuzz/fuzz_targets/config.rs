//! Arbitrary bytes → JSON → the emitter configuration (`EmitterConfig::from_value`, then
//! `subscribe`) and the widget's `evolvySettings` (`Settings::from_value`).
//!
//! Checks: no panic, and what validation lets through is usable: webhooks are http(s) without
//! credentials or fragment, unique, with at least one unique known event; limits stay in their
//! documented ranges; a valid platform has tokens and no trailing slash; settings keep at most
//! 20 webhooks and a title of at most 80 characters. Every error names a field path.
#![no_main]

use evolvy_widget::delivery::{EmitterConfig, WebhookInput};
use evolvy_widget::widget::settings::{Settings, MAX_TITLE_CHARS, MAX_WEBHOOKS};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn check_config(cfg: &EmitterConfig) {
    let mut urls = std::collections::HashSet::new();
    for w in &cfg.webhooks {
        let lower = w.url.to_ascii_lowercase();
        assert!(
            lower.starts_with("https://") || lower.starts_with("http://"),
            "{}",
            w.url
        );
        assert!(
            !w.url.contains('#') && !w.url.chars().any(char::is_whitespace),
            "{}",
            w.url
        );
        let authority = lower.split('/').nth(2).unwrap_or("");
        let authority = authority.split('?').next().unwrap_or("");
        assert!(
            !authority.is_empty() && !authority.contains('@'),
            "{}",
            w.url
        );
        assert!(urls.insert(w.url.clone()), "duplicate {}", w.url);
        assert!(!w.events.is_empty());
        let mut seen = std::collections::HashSet::new();
        assert!(w.events.iter().all(|e| seen.insert(*e)), "duplicate event");
    }
    assert!((1..=100_000).contains(&cfg.max_queue));
    let p = &cfg.policy;
    assert!(p.base_ms >= 1 && p.max_ms >= p.base_ms && p.give_up_after_ms >= 1);
    assert!((1..=600_000).contains(&p.timeout_ms));
    assert!(!cfg.storage_key.is_empty());
    if let Some(pl) = &cfg.platform {
        assert!(!pl.base_url.ends_with('/'));
        assert!(!pl.website_token.is_empty() && !pl.auth_token.is_empty() && !pl.locale.is_empty());
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let (mut cfg, errs) = EmitterConfig::from_value(&value);
    check_config(&cfg);
    for e in &errs {
        assert!(!e.message.is_empty());
    }
    // Whatever the config's webhooks were, `subscribe` validates the same way and never lets a
    // duplicate or a bad entry in.
    if let Some(list) = value.get("webhooks").and_then(Value::as_array) {
        for entry in list.iter().take(8) {
            if let Ok(w) = serde_json::from_value::<WebhookInput>(entry.clone()) {
                let before = cfg.webhooks.len();
                match cfg.subscribe(w) {
                    Ok(()) => assert_eq!(cfg.webhooks.len(), before + 1),
                    Err(e) => {
                        assert_eq!(cfg.webhooks.len(), before);
                        assert!(e.path.starts_with("webhooks["), "{}", e.path);
                    }
                }
                check_config(&cfg);
            }
        }
    }

    match Settings::from_value(value) {
        Ok(s) => {
            assert!(s.webhooks.len() <= MAX_WEBHOOKS);
            if let Some(t) = &s.launcher_title {
                assert!(t.chars().count() <= MAX_TITLE_CHARS);
            }
        }
        Err(e) => assert!(e.path.starts_with("evolvySettings"), "{}", e.path),
    }
});
