//! Browser glue tests: run in headless Chromium by wasm-bindgen-test (`make test-wasm`).
#![cfg(target_arch = "wasm32")]

use evolvy_widget::model::{build_event, EventName};
use evolvy_widget::web::collect::{collect, CollectOptions};
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn user_agent() -> String {
    web_sys::window().unwrap().navigator().user_agent().unwrap()
}

#[wasm_bindgen_test]
fn reads_the_real_user_agent_and_derives_chrome() {
    let ua = user_agent();
    assert!(ua.contains("Chrome/"), "unexpected UA {ua}");
    let browser = evolvy_widget::context::derive_browser(&ua, None);
    assert!(browser.browser_name.contains("Chrome"), "{browser:?}");
    assert!(
        browser
            .browser_version
            .starts_with(|c: char| c.is_ascii_digit()),
        "{browser:?}"
    );
    assert_eq!(browser.platform_name, "Linux", "{browser:?}");
    assert_eq!(browser.device_name, "Unknown", "{browser:?}");
}

#[wasm_bindgen_test]
async fn collects_context_with_client_hints_and_builds_webwidget_triggered() {
    let options = CollectOptions {
        locale: Some("pt_BR".into()),
        cache: Some(false),
        ..Default::default()
    };
    let ctx = collect(options).await.expect("collect");
    assert_eq!(ctx.user_agent, user_agent());
    // The test page is served from 127.0.0.1: a secure context, so Chromium exposes Client Hints.
    assert_eq!(ctx.client_hints_status, "ok", "{:?}", ctx.client_hints);
    let hints = ctx.client_hints.as_ref().unwrap();
    assert!(hints["fullVersionList"].is_array(), "{hints}");
    // Full version from the hints: four dotted parts, unlike the frozen UA's "x.0.0.0".
    assert_eq!(
        ctx.browser.browser_version.split('.').count(),
        3,
        "{:?}",
        ctx.browser
    );
    assert!(
        ctx.referer.starts_with("http://127.0.0.1:"),
        "{}",
        ctx.referer
    );
    assert_eq!(ctx.widget_language, "pt_BR");
    assert!(!ctx.browser_language.contains('-'));
    assert!(
        ctx.initiated_at.timestamp.contains("GMT"),
        "{}",
        ctx.initiated_at.timestamp
    );

    let input = json!({
        "id": 7,
        "contact": {"id": 3, "name": "Ana"},
        "inbox": {"id": 1, "name": "Site"},
        "account": {"id": 1, "name": "Evolvy"},
        "source_id": "abc",
        "event_info": serde_json::to_value(ctx.event_info()).unwrap(),
    });
    let event = build_event("webwidget_triggered", input).expect("build");
    assert_eq!(event.name(), EventName::WebwidgetTriggered);
    let payload = event.to_value();
    let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
    assert_eq!(keys[0], "event");
    assert_eq!(payload["event"], "webwidget_triggered");
    assert!(payload["current_conversation"].is_null());
    assert_eq!(
        payload["event_info"]["browser"]["browser_name"],
        json!(ctx.browser.browser_name)
    );
}

#[wasm_bindgen_test]
async fn a_second_collect_is_served_from_the_storage_cache() {
    let _ = collect(CollectOptions::default()).await.expect("first");
    let second = collect(CollectOptions::default()).await.expect("second");
    assert!(second.derived_from_cache);
    assert!(
        second.derive_ms < 5.0,
        "cache lookup took {} ms",
        second.derive_ms
    );
}

#[wasm_bindgen_test]
fn bad_event_input_is_an_error_naming_the_field() {
    let err = build_event("webwidget_triggered", json!({"id": "seven"})).unwrap_err();
    assert!(!err.path.is_empty(), "{err}");
    let err = build_event("no_such_event", json!({})).unwrap_err();
    assert_eq!(err.path, "event");
}
