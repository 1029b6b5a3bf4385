//! Bad input, endpoint by endpoint: the real server in-process on 127.0.0.1:0, one table of
//! requests that must be refused. Every refusal is a 4xx whose body is JSON `{"error", "path"?}`
//! naming the offending field where there is one; the server never panics, stays healthy, and
//! nothing is half-applied: the events, deliveries, webhooks and the visitor's messages read
//! through the list endpoints are exactly what they were before the request.
//!
//! The body is read as JSON whatever its `Content-Type` says (the browser module posts
//! `text/plain` JSON in CORS-simple mode), so a "wrong content type" is a body that is not
//! JSON: a form post, multipart, plain text.

use std::time::Duration;

use evolvy_server::{serve, Config, Server};
use serde_json::{json, Value};

const TOKEN: &str = evolvy_server::DEFAULT_WEBSITE_TOKEN;
const TEN_MB: usize = 10 * 1024 * 1024;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn start(dir: &std::path::Path) -> Server {
    let mut c = Config::new(dir.join("data"));
    c.port = 0;
    c.www_dir = dir.join("www");
    c.pkg_dir = dir.join("pkg");
    serve(c).await.expect("server starts")
}

async fn get_json(base: &str, path: &str, token: &str) -> Value {
    let r = client()
        .get(format!("{base}{path}"))
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "GET {path}");
    r.json().await.unwrap()
}

/// Everything a request could have changed, read through the list endpoints.
async fn state(base: &str, token: &str) -> Value {
    json!({
        "events": get_json(base, "/api/v1/events?limit=1000", token).await,
        "deliveries": get_json(base, "/api/v1/deliveries?limit=1000", token).await,
        "webhooks": get_json(base, "/api/v1/accounts/1/webhooks", token).await,
        "messages": get_json(base, &format!("/api/v1/widget/messages?website_token={TOKEN}"), token).await,
    })
}

/// A request body: JSON, or raw bytes with a content type.
enum Body {
    Empty,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

struct Case {
    what: &'static str,
    method: &'static str,
    /// Path and query; `{T}` is replaced by the website token.
    path: &'static str,
    /// Send the visitor's `X-Auth-Token`.
    auth: bool,
    body: Body,
    status: u16,
    /// The `path` the error must name (`None`: no field to name).
    field: Option<&'static str>,
    /// A word the error message must contain.
    says: &'static str,
}

fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_in(prefix: &str, depth: usize, suffix: &str) -> Vec<u8> {
    format!("{prefix}{}{suffix}", nested(depth)).into_bytes()
}

fn big_json(field: &str) -> Vec<u8> {
    format!("{{\"{field}\": \"{}\"}}", "a".repeat(TEN_MB)).into_bytes()
}

fn open_body() -> Value {
    json!({"name": "webwidget.triggered", "event_info": {"initiated_at": {"timestamp": "x"}, "referer": ""}})
}

fn triggered() -> Value {
    json!({
        "id": 7, "event": "webwidget_triggered", "source_id": "abc",
        "contact": {"id": 3, "name": "Ana", "account": {"id": 1, "name": "Acme"}},
        "inbox": {"id": 1, "name": "Site"}, "account": {"id": 1, "name": "Acme"},
        "current_conversation": null,
        "event_info": {
            "initiated_at": {"timestamp": "Wed Jan 05 2023 19:24:12 GMT-0300"},
            "referer": "https://shop.example/p/1", "widget_language": "pt_BR", "browser_language": "pt",
            "browser": {"browser_name": "Chrome", "browser_version": "126.0.0", "device_name": "Unknown",
                        "platform_name": "macOS", "platform_version": "14.5.0"}
        }
    })
}

fn with(mut v: Value, pointer: &str, new: Value) -> Value {
    *v.pointer_mut(pointer).expect("pointer exists") = new;
    v
}

fn without(mut v: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    v.pointer_mut(if parent.is_empty() { "" } else { parent })
        .and_then(Value::as_object_mut)
        .expect("parent object")
        .remove(key);
    v
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Body::{Empty, Json, Raw};
    let ev = "/api/v1/widget/events?website_token={T}&locale=en";
    let conv = "/api/v1/widget/conversations?website_token={T}";
    let msg = "/api/v1/widget/messages?website_token={T}";
    let recv = "/webhooks/receive";
    let hooks = "/api/v1/accounts/1/webhooks";
    let conv_ok = json!({"contact": {"name": "Ana"}, "message": {"content": "hi", "timestamp": "t"}});
    let hook = |url: Value| json!({"url": url, "subscriptions": ["message_created"]});
    let c = |what, method, path, auth, body, status, field, says| Case { what, method, path, auth, body, status, field, says };
    let form = |s: &str| Raw("application/x-www-form-urlencoded", s.as_bytes().to_vec());
    let bad_utf8 = |prefix: &str, suffix: &str| {
        let mut b = prefix.as_bytes().to_vec();
        b.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
        b.extend_from_slice(suffix.as_bytes());
        Raw("application/json", b)
    };
    vec![
        // ---- POST /api/v1/widget/config
        c("config: no website token", "POST", "/api/v1/widget/config", false, Empty, 404, None, "website_token"),
        c("config: unknown website token", "POST", "/api/v1/widget/config?website_token=nope", false, Empty, 404, None, "website_token"),
        // ---- POST /api/v1/widget/events
        c("events: wrong type of name", "POST", ev, true, Json(with(open_body(), "/name", json!(1))), 422, Some("name"), "invalid type"),
        c("events: unknown widget event", "POST", ev, true, Json(with(open_body(), "/name", json!("webwidget.opened"))), 422, Some("name"), "unknown widget event"),
        c("events: missing event_info", "POST", ev, true, Json(without(open_body(), "/event_info")), 422, Some("event_info"), "missing"),
        c("events: missing initiated_at", "POST", ev, true, Json(without(open_body(), "/event_info/initiated_at")), 422, Some("event_info.initiated_at"), "missing"),
        c("events: referer of the wrong type", "POST", ev, true, Json(with(open_body(), "/event_info/referer", json!({"href": "x"}))), 422, Some("event_info.referer"), "invalid type"),
        c("events: body is an array", "POST", ev, true, Json(json!([open_body()])), 422, Some("[0]"), "invalid type"),
        c("events: 10 MB body", "POST", ev, true, Raw("application/json", big_json("name")), 413, None, "length limit"),
        // A typed body stops at the first value of the wrong type, before any recursion.
        c("events: 10,000 levels deep", "POST", ev, true, Raw("application/json", nested_in("{\"name\": \"webwidget.triggered\", \"event_info\": {\"referer\": ", 10_000, "}}")), 422, Some("event_info.referer"), "invalid type"),
        c("events: invalid UTF-8", "POST", ev, true, bad_utf8("{\"name\": \"", "\"}"), 400, Some("."), "invalid JSON"),
        c("events: form post", "POST", ev, true, form("name=webwidget.triggered"), 400, Some("."), "invalid JSON"),
        c("events: empty body", "POST", ev, true, Raw("application/json", Vec::new()), 400, Some("."), "invalid JSON"),
        c("events: no auth token", "POST", ev, false, Json(open_body()), 401, None, "X-Auth-Token"),
        // ---- POST /api/v1/widget/conversations
        c("conversations: missing message", "POST", conv, true, Json(without(conv_ok.clone(), "/message")), 422, Some("message"), "missing"),
        c("conversations: content of the wrong type", "POST", conv, true, Json(with(conv_ok.clone(), "/message/content", json!(5))), 422, Some("message.content"), "invalid type"),
        c("conversations: blank content", "POST", conv, true, Json(with(conv_ok.clone(), "/message/content", json!("  \n "))), 422, Some("message.content"), "empty"),
        c("conversations: contact name of the wrong type", "POST", conv, true, Json(with(conv_ok.clone(), "/contact/name", json!(["Ana"]))), 422, Some("contact.name"), "invalid type"),
        c("conversations: custom attributes not an object", "POST", conv, true, Json(json!({"message": {"content": "hi", "timestamp": "t"}, "custom_attributes": "x"})), 422, Some("custom_attributes"), "invalid type"),
        c("conversations: 10 MB body", "POST", conv, true, Raw("application/json", big_json("message")), 413, None, "length limit"),
        c("conversations: 10,000 levels deep", "POST", conv, true, Raw("application/json", nested_in("{\"custom_attributes\": {\"a\": ", 10_000, "}}")), 400, Some("."), "recursion limit"),
        c("conversations: invalid UTF-8", "POST", conv, true, bad_utf8("{\"message\": {\"content\": \"", "\", \"timestamp\": \"t\"}}"), 400, Some("."), "invalid JSON"),
        c("conversations: multipart", "POST", conv, true, Raw("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhi\r\n--x--\r\n".to_vec()), 400, Some("."), "invalid JSON"),
        // ---- POST /api/v1/widget/messages (no conversation exists in this test: a valid body is a 404)
        c("messages: missing message", "POST", msg, true, Json(json!({})), 422, Some("message"), "missing"),
        c("messages: reply_to of the wrong type", "POST", msg, true, Json(json!({"message": {"content": "hi", "timestamp": "t", "reply_to": "1"}})), 422, Some("message.reply_to"), "invalid type"),
        c("messages: valid but no conversation yet", "POST", msg, true, Json(json!({"message": {"content": "hi", "timestamp": "t"}})), 404, None, "no conversation"),
        c("messages: 10 MB body", "POST", msg, true, Raw("application/json", big_json("message")), 413, None, "length limit"),
        c("messages: 10,000 levels deep", "POST", msg, true, Raw("application/json", nested_in("{\"message\": ", 10_000, "}")), 422, Some("message[0]"), "invalid type"),
        c("messages: text/plain that is not JSON", "POST", msg, true, Raw("text/plain", b"hello".to_vec()), 400, Some("."), "invalid JSON"),
        // ---- POST /webhooks/receive
        c("receive: unknown event", "POST", recv, false, Json(with(triggered(), "/event", json!("webwidget.opened"))), 422, Some("event"), "webwidget.opened"),
        c("receive: event of the wrong type", "POST", recv, false, Json(with(triggered(), "/event", json!(3))), 422, Some("event"), "invalid type"),
        c("receive: missing contact", "POST", recv, false, Json(without(triggered(), "/contact")), 422, Some("contact"), "missing"),
        c("receive: wrong type deep inside", "POST", recv, false, Json(with(triggered(), "/event_info/browser/browser_version", json!(126))), 422, Some("event_info.browser.browser_version"), "invalid type"),
        c("receive: id out of range", "POST", recv, false, Json(with(triggered(), "/id", json!(-1))), 422, Some("id"), "invalid"),
        c("receive: 100 levels deep (JSON, but deeper than the model)", "POST", recv, false, Raw("application/json", format!("{{\"event\": \"webwidget_triggered\", \"x\": {}}}", nested(100)).into_bytes()), 422, None, "nested"),
        c("receive: 10,000 levels deep", "POST", recv, false, Raw("application/json", nested_in("{\"event\": \"webwidget_triggered\", \"x\": ", 10_000, "}")), 400, Some("."), "recursion limit"),
        c("receive: 10 MB body", "POST", recv, false, Raw("text/plain;charset=UTF-8", big_json("event")), 413, None, "length limit"),
        c("receive: invalid UTF-8", "POST", recv, false, bad_utf8("{\"event\": \"", "\"}"), 400, Some("."), "invalid JSON"),
        c("receive: form post", "POST", recv, false, form("event=webwidget_triggered"), 400, Some("."), "invalid JSON"),
        // ---- /api/v1/accounts/{id}/webhooks
        c("webhooks: javascript: URL", "POST", hooks, false, Json(hook(json!("javascript:alert(1)"))), 422, Some("url"), "http(s)"),
        c("webhooks: data: URL", "POST", hooks, false, Json(hook(json!("data:text/html,<script>alert(1)</script>"))), 422, Some("url"), "http(s)"),
        c("webhooks: ftp: URL", "POST", hooks, false, Json(hook(json!("ftp://files.example/h"))), 422, Some("url"), "http(s)"),
        c("webhooks: no host", "POST", hooks, false, Json(hook(json!("http://"))), 422, Some("url"), "URL"),
        c("webhooks: no scheme", "POST", hooks, false, Json(hook(json!("//hooks.example/h"))), 422, Some("url"), "URL"),
        c("webhooks: empty URL", "POST", hooks, false, Json(hook(json!(""))), 422, Some("url"), "URL"),
        c("webhooks: URL of the wrong type", "POST", hooks, false, Json(hook(json!(["https://a.example"]))), 422, Some("url"), "invalid type"),
        c("webhooks: nested form, bad URL", "POST", hooks, false, Json(json!({"webhook": hook(json!("javascript:x"))})), 422, Some("webhook.url"), "http(s)"),
        c("webhooks: missing subscriptions", "POST", hooks, false, Json(json!({"url": "https://a.example/h"})), 422, Some("subscriptions"), "missing"),
        c("webhooks: no subscription", "POST", hooks, false, Json(json!({"url": "https://a.example/h", "subscriptions": []})), 422, Some("subscriptions"), "at least one"),
        c("webhooks: unknown event", "POST", hooks, false, Json(json!({"url": "https://a.example/h", "subscriptions": ["message_created", "message.created"]})), 422, Some("subscriptions[1]"), "message.created"),
        c("webhooks: subscriptions of the wrong type", "POST", hooks, false, Json(json!({"url": "https://a.example/h", "subscriptions": "message_created"})), 422, Some("subscriptions"), "invalid type"),
        c("webhooks: short secret", "POST", hooks, false, Json(json!({"url": "https://a.example/h", "subscriptions": ["message_created"], "secret": "x"})), 422, Some("secret"), "16"),
        c("webhooks: 10 MB body", "POST", hooks, false, Raw("application/json", big_json("url")), 413, None, "length limit"),
        c("webhooks: 10,000 levels deep", "POST", hooks, false, Raw("application/json", nested_in("{\"url\": ", 10_000, "}")), 400, Some("."), "recursion limit"),
        c("webhooks: invalid UTF-8", "POST", hooks, false, bad_utf8("{\"url\": \"https://a.example/", "\", \"subscriptions\": [\"message_created\"]}"), 400, Some("."), "invalid JSON"),
        c("webhooks: form post", "POST", hooks, false, form("url=https%3A%2F%2Fa.example&subscriptions=message_created"), 400, Some("."), "invalid JSON"),
        c("webhooks: unknown account", "POST", "/api/v1/accounts/2/webhooks", false, Json(hook(json!("https://a.example/h"))), 404, None, "account"),
        c("webhooks: account id not a number", "POST", "/api/v1/accounts/abc/webhooks", false, Json(hook(json!("https://a.example/h"))), 400, None, "Cannot parse `abc`"),
        c("webhooks: delete unknown", "DELETE", "/api/v1/accounts/1/webhooks/999", false, Empty, 404, None, "no such webhook"),
        c("webhooks: delete id not a number", "DELETE", "/api/v1/accounts/1/webhooks/x", false, Empty, 400, None, "value `x`"),
        // ---- admin lists
        c("events: limit not a number", "GET", "/api/v1/events?limit=lots", false, Empty, 400, None, "limit"),
        c("deliveries: limit negative", "GET", "/api/v1/deliveries?limit=-1", false, Empty, 400, None, "limit"),
    ]
}

async fn send(c: &reqwest::Client, base: &str, token: &str, case: &Case) -> reqwest::Response {
    let url = format!("{base}{}", case.path.replace("{T}", TOKEN));
    let mut rb = match case.method {
        "GET" => c.get(url),
        "DELETE" => c.delete(url),
        _ => c.post(url),
    };
    if case.auth {
        rb = rb.header("X-Auth-Token", token);
    }
    rb = match &case.body {
        Body::Empty => rb,
        Body::Json(v) => rb.json(v),
        Body::Raw(ct, bytes) => rb.header("Content-Type", *ct).body(bytes.clone()),
    };
    rb.send()
        .await
        .unwrap_or_else(|e| panic!("{}: no response: {e}", case.what))
}

#[tokio::test]
async fn every_bad_request_is_a_clear_json_4xx_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let c = client();
    let r = c
        .post(format!("{base}/api/v1/widget/config?website_token={TOKEN}"))
        .send()
        .await
        .unwrap();
    let token = r.json::<Value>().await.unwrap()["auth_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = state(&base, &token).await;
    let mut failures = Vec::new();
    for case in cases() {
        let r = send(&c, &base, &token, &case).await;
        let status = r.status().as_u16();
        let ctype = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = r.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let error = body["error"].as_str().unwrap_or("");
        let mut wrong = Vec::new();
        if status != case.status {
            wrong.push(format!("status {status}, expected {}", case.status));
        }
        if !ctype.starts_with("application/json") || error.is_empty() {
            wrong.push(format!("not a JSON error ({ctype}): {text:.200}"));
        }
        if let Some(f) = case.field {
            if body["path"] != f {
                wrong.push(format!("path {}, expected {f}", body["path"]));
            }
        }
        if !error.contains(case.says) {
            wrong.push(format!("error {error:?} does not say {:?}", case.says));
        }
        // Nothing half-applied, and the server still answers.
        let now = state(&base, &token).await;
        if now != before {
            wrong.push("the store changed".into());
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}", case.what, wrong.join("; ")));
        }
    }
    let health = c.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases().len(),
        failures.join("\n")
    );
    server.shutdown().await;
}

/// Referers are not refused (the platform keeps whatever the widget saw, and a referer is
/// informational), but one that is not an http(s) URL with a host is never stored as given.
#[tokio::test]
async fn unsafe_referers_are_dropped_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let c = client();
    let bad = [
        "javascript:alert(document.domain)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example/x",
        "https://",
        "http:///no-host",
        "https://a.example/\u{0}x",
        "vbscript:msgbox(1)",
        "//shop.example/p",
    ];
    for referer in bad {
        let token = c
            .post(format!("{base}/api/v1/widget/config?website_token={TOKEN}"))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["auth_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = c
            .post(format!("{base}/api/v1/widget/events?website_token={TOKEN}"))
            .header("X-Auth-Token", &token)
            .json(&with(open_body(), "/event_info/referer", json!(referer)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "{referer:?}");
        let r = c
            .post(format!(
                "{base}/api/v1/widget/conversations?website_token={TOKEN}"
            ))
            .header("X-Auth-Token", &token)
            .json(&json!({"message": {"content": "hi", "timestamp": "t", "referer_url": referer}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{referer:?}");
        let evs = get_json(&base, "/api/v1/events?limit=3", &token).await;
        let stored: Vec<&Value> = evs
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["payload"])
            .collect();
        let triggered = stored
            .iter()
            .find(|p| p["event"] == "webwidget_triggered")
            .expect("webwidget_triggered stored");
        assert_eq!(triggered["event_info"]["referer"], "", "{referer:?}");
        let created = stored
            .iter()
            .find(|p| p["event"] == "conversation_created")
            .expect("conversation_created stored");
        assert!(
            created["additional_attributes"].get("referer").is_none(),
            "{referer:?} stored as {}",
            created["additional_attributes"]["referer"]
        );
    }
    server.shutdown().await;
}
