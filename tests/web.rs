//! Browser glue tests: run in headless Chromium by wasm-bindgen-test (`make test-wasm`).
#![cfg(target_arch = "wasm32")]

use evolvy_widget::model::{build_event, EventName};
use evolvy_widget::web::collect::{collect, CollectOptions};
use serde_json::json;
use wasm_bindgen::JsCast;
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

/// Agent content that the backend would refuse still cannot become script, a foreign scheme or
/// markup in the widget's DOM: only http(s) links and images, text as text, labelled form fields.
#[wasm_bindgen_test]
fn widget_view_renders_hostile_agent_content_safely() {
    use evolvy_widget::model::widget_api::{WidgetMessage, WidgetSender};
    use evolvy_widget::widget::i18n::Locale;
    use evolvy_widget::widget::view::View;

    let doc = web_sys::window().unwrap().document().unwrap();
    let view = View::build(&doc, Locale::PtBr).expect("view");
    let message =
        |id: u64, content_type: &str, content: &str, attrs: serde_json::Value| WidgetMessage {
            id,
            content: Some(content.into()),
            message_type: 1,
            content_type: content_type.into(),
            content_attributes: attrs,
            created_at: 1_795_620_000,
            conversation_id: 1,
            sender: Some(WidgetSender {
                id: 1,
                name: "<b>Ana</b>".into(),
                avatar_url: String::new(),
                kind: "user".into(),
            }),
        };
    let text = message(
        1,
        "text",
        "<img src=x onerror=alert(1)> javascript:alert(1) https://ok.example/a",
        json!({}),
    );
    let li = view
        .upsert_platform_message("m1", &text, Locale::PtBr, "10:00")
        .expect("render text");
    assert_eq!(li.query_selector_all("img").unwrap().length(), 0);
    assert_eq!(li.query_selector_all("b").unwrap().length(), 0);
    let links = li.query_selector_all("a").unwrap();
    assert_eq!(links.length(), 1);
    let a: web_sys::Element = links.item(0).unwrap().dyn_into().unwrap();
    assert_eq!(
        a.get_attribute("href").as_deref(),
        Some("https://ok.example/a")
    );
    assert_eq!(
        a.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    assert_eq!(a.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(
        li.query_selector(".sender")
            .unwrap()
            .unwrap()
            .text_content()
            .as_deref(),
        Some("<b>Ana</b>")
    );

    let cards = message(
        2,
        "cards",
        "",
        json!({"items": [{
            "title": "<script>x</script>", "description": "d",
            "media_url": "javascript:alert(1)",
            "actions": [
                {"type": "link", "text": "bad", "uri": "javascript:alert(1)"},
                {"type": "link", "text": "data", "uri": "data:text/html,<script>alert(1)</script>"},
                {"type": "link", "text": "good", "uri": "https://ok.example/card"},
                {"type": "postback", "text": "go", "payload": "GO"}
            ]
        }]}),
    );
    let li = view
        .upsert_platform_message("m2", &cards, Locale::PtBr, "10:01")
        .expect("render cards");
    assert_eq!(li.query_selector_all("img, script").unwrap().length(), 0);
    let links = li.query_selector_all("a").unwrap();
    assert_eq!(links.length(), 1, "only the https link is drawn");
    let a: web_sys::Element = links.item(0).unwrap().dyn_into().unwrap();
    assert_eq!(
        a.get_attribute("href").as_deref(),
        Some("https://ok.example/card")
    );
    assert_eq!(
        li.query_selector("h2")
            .unwrap()
            .unwrap()
            .text_content()
            .as_deref(),
        Some("<script>x</script>")
    );
    assert_eq!(
        li.query_selector_all("button[data-action=postback]")
            .unwrap()
            .length(),
        1
    );

    let form = message(
        3,
        "form",
        "Dados",
        json!({"items": [
            {"type": "text", "name": "nome", "label": "Nome", "required": true},
            {"type": "email", "name": "email", "label": "E-mail"}
        ]}),
    );
    let li = view
        .upsert_platform_message("m3", &form, Locale::PtBr, "10:02")
        .expect("render form");
    let controls = li.query_selector_all("input").unwrap();
    assert_eq!(controls.length(), 2);
    for i in 0..2 {
        let c: web_sys::Element = controls.item(i).unwrap().dyn_into().unwrap();
        let id = c.id();
        let label = li.query_selector(&format!("label[for='{id}']")).unwrap();
        assert!(label.is_some(), "field {id} is labelled");
    }
    let nome = li.query_selector("#f3-0").unwrap().unwrap();
    assert!(nome.has_attribute("required"));
    assert_eq!(nome.get_attribute("aria-required").as_deref(), Some("true"));
    // Redrawn in place, never twice.
    view.upsert_platform_message("m3", &form, Locale::PtBr, "10:02")
        .unwrap();
    assert_eq!(
        doc.query_selector_all("li[data-key='m3']")
            .unwrap()
            .length(),
        1
    );
}

/// Form field patterns are checked by the browser's own RegExp, as an `<input pattern>` is:
/// whole-value matches, the `v` flag's syntax (Unicode property classes), and a pattern that
/// does not compile leaves the field unchecked.
#[wasm_bindgen_test]
fn form_patterns_are_checked_like_an_input_pattern() {
    use evolvy_widget::widget::answer::pattern_matches;

    assert_eq!(pattern_matches(r"\d{5}-\d{3}", "01310-100"), Some(true));
    assert_eq!(pattern_matches(r"\d{5}-\d{3}", "01310-1000"), Some(false));
    assert_eq!(pattern_matches("[a-z]+", "abc"), Some(true));
    assert_eq!(pattern_matches("[a-z]+", "ABC"), Some(false));
    assert_eq!(pattern_matches("a|b", "ab"), Some(false));
    assert_eq!(pattern_matches(r"\p{L}+", "Conceição"), Some(true));
    assert_eq!(pattern_matches("(", "x"), None);
}
