//! End-to-end tests of the local backend, started in-process on an ephemeral 127.0.0.1 port.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use evolvy_server::{serve, Config, Server};
use serde_json::{json, Value};

const TOKEN: &str = evolvy_server::DEFAULT_WEBSITE_TOKEN;
const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

fn config(dir: &std::path::Path) -> Config {
    let mut c = Config::new(dir.join("data"));
    c.port = 0;
    c.www_dir = dir.join("www");
    c.pkg_dir = dir.join("pkg");
    c.relay.base_delay = Duration::from_millis(50);
    c.relay.max_delay = Duration::from_millis(200);
    c.relay.max_attempts = 5;
    c
}

async fn start(dir: &std::path::Path) -> Server {
    serve(config(dir)).await.expect("server starts")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn auth_token(base: &str) -> String {
    let r = client()
        .post(format!("{base}/api/v1/widget/config?website_token={TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["auth_token"].as_str().unwrap().to_owned()
}

async fn events(base: &str) -> Vec<Value> {
    client()
        .get(format!("{base}/api/v1/events?limit=1000"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn triggered_payload() -> Value {
    json!({
        "id": 7, "event": "webwidget_triggered", "source_id": "abc",
        "contact": {"id": 3, "name": "Ana", "account": {"id": 1, "name": "Acme"}},
        "inbox": {"id": 1, "name": "Site"}, "account": {"id": 1, "name": "Acme"},
        "current_conversation": null,
        "event_info": {
            "initiated_at": {"timestamp": "Wed Jan 05 2023 19:24:12 GMT-0300 (Brasilia Standard Time)"},
            "referer": "https://shop.example/p/1", "widget_language": "pt_BR", "browser_language": "pt",
            "browser": {"browser_name": "Chrome", "browser_version": "126.0.6478.126", "device_name": "Unknown",
                        "platform_name": "macOS", "platform_version": "14.5.0"}
        }
    })
}

#[tokio::test]
async fn widget_api_flow_produces_platform_events() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let c = client();
    let token = auth_token(&base).await;

    // Opening the widget: the server fills languages and browser from the request.
    let r = c
        .post(format!(
            "{base}/api/v1/widget/events?website_token={TOKEN}&locale=pt_BR"
        ))
        .header("X-Auth-Token", &token)
        .header("Accept-Language", "pt-BR,pt;q=0.9,en;q=0.8")
        .header("User-Agent", CHROME_MAC)
        .json(&json!({"name": "webwidget.triggered", "event_info": {
            "initiated_at": {"timestamp": "Wed Jan 05 2023 19:24:12 GMT-0300"},
            "referer": "https://shop.example/cart"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let evs = events(&base).await;
    let t = &evs[0]["payload"];
    assert_eq!(t["event"], "webwidget_triggered");
    assert_eq!(t["event_info"]["widget_language"], "pt_BR");
    assert_eq!(t["event_info"]["browser_language"], "pt");
    assert_eq!(t["event_info"]["browser"]["browser_name"], "Chrome");
    assert_eq!(t["event_info"]["browser"]["platform_name"], "Mac OS X");
    assert_eq!(t["event_info"]["referer"], "https://shop.example/cart");
    assert_eq!(t["current_conversation"], Value::Null);
    assert_eq!(evs[1]["payload"]["event"], "contact_created");

    // The first message creates the conversation.
    let r = c
        .post(format!("{base}/api/v1/widget/conversations?website_token={TOKEN}"))
        .header("X-Auth-Token", &token)
        .header("User-Agent", CHROME_MAC)
        .json(&json!({"contact": {"name": "Ana", "email": "ana@example.com"},
                      "message": {"content": "Olá!", "timestamp": "Wed Jan 05 2023", "referer_url": "https://shop.example/cart"},
                      "custom_attributes": {"plan": "pro"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let conv: evolvy_widget::model::widget_api::ConversationCreateResponse =
        r.json().await.unwrap();
    assert_eq!(conv.status, "open");
    assert_eq!(conv.messages.len(), 1);
    assert_eq!(conv.contact["email"], "ana@example.com");

    let r = c
        .post(format!("{base}/api/v1/widget/messages?website_token={TOKEN}"))
        .header("X-Auth-Token", &token)
        .json(&json!({"message": {"content": "Tem em azul?", "timestamp": "Wed Jan 05 2023", "reply_to": conv.messages[0].id}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let m: evolvy_widget::model::widget_api::WidgetMessage = r.json().await.unwrap();
    assert_eq!(m.conversation_id, conv.id);
    assert!(m.id > conv.messages[0].id);

    let list: Vec<evolvy_widget::model::widget_api::WidgetMessage> = c
        .get(format!(
            "{base}/api/v1/widget/messages?website_token={TOKEN}"
        ))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list.iter()
            .map(|m| m.content.clone().unwrap())
            .collect::<Vec<_>>(),
        ["Olá!", "Tem em azul?"]
    );

    let names: Vec<String> = events(&base)
        .await
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "message_created",
            "message_created",
            "conversation_created",
            "webwidget_triggered",
            "contact_created"
        ]
    );
    let evs = events(&base).await;
    let created = &evs[2]["payload"];
    assert_eq!(created["id"], conv.id);
    assert_eq!(
        created["additional_attributes"]["browser"]["browser_name"],
        "Chrome"
    );
    assert_eq!(
        created["additional_attributes"]["referer"],
        "https://shop.example/cart"
    );
    assert_eq!(created["messages"][0]["message_type"], 0);
    assert_eq!(evs[0]["payload"]["message_type"], "incoming");
    assert_eq!(
        evs[0]["payload"]["conversation"]["messages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Reopening with the same token keeps the contact and shows the conversation.
    let r: Value = c
        .post(format!("{base}/api/v1/widget/config?website_token={TOKEN}"))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["contact_id"], created["meta"]["sender"]["id"]);
    server.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_clear_errors_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let c = client();
    let token = auth_token(&base).await;
    let before = events(&base).await.len();
    let open = json!({"name": "webwidget.triggered", "event_info": {"initiated_at": {"timestamp": "x"}, "referer": ""}});
    let ev_url = format!("{base}/api/v1/widget/events?website_token={TOKEN}&locale=en");

    // Malformed JSON.
    let r = c
        .post(format!("{base}/webhooks/receive"))
        .body("{\"event\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(v["error"].as_str().unwrap().contains("JSON"), "{v}");

    // Unknown event.
    let mut p = triggered_payload();
    p["event"] = json!("webwidget.opened");
    let r = c
        .post(format!("{base}/webhooks/receive"))
        .json(&p)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["path"], "event");

    // A field of the wrong type, named by its path.
    let mut p = triggered_payload();
    p["event_info"]["browser"]["browser_version"] = json!(126);
    let r = c
        .post(format!("{base}/webhooks/receive"))
        .json(&p)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["path"],
        "event_info.browser.browser_version"
    );

    // Widget body missing a field.
    let r = c
        .post(&ev_url)
        .header("X-Auth-Token", &token)
        .json(&json!({"name": "webwidget.triggered", "event_info": {"referer": ""}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["path"],
        "event_info.initiated_at"
    );

    // Oversize body.
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(1024 * 1024 + 10));
    let r = c
        .post(format!("{base}/webhooks/receive"))
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(r.json::<Value>().await.unwrap()["error"].is_string());

    // Missing, wrong and expired tokens.
    let r = c.post(&ev_url).json(&open).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(&ev_url)
        .header("X-Auth-Token", format!("{token}x"))
        .json(&open)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("signature"));
    let signer =
        evolvy_server::token::TokenSigner::load_or_create(&dir.path().join("data")).unwrap();
    let good = signer.verify(&token, 0).unwrap();
    let expired = signer.sign(&evolvy_server::token::Claims {
        exp: 1_000,
        iat: 500,
        ..good
    });
    let r = c
        .post(&ev_url)
        .header("X-Auth-Token", expired)
        .json(&open)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("expired"));
    let r = c
        .post(format!("{base}/api/v1/widget/events?website_token=nope"))
        .header("X-Auth-Token", &token)
        .json(&open)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A message before any conversation.
    let r = c
        .post(format!(
            "{base}/api/v1/widget/messages?website_token={TOKEN}"
        ))
        .header("X-Auth-Token", &token)
        .json(&json!({"message": {"content": "hi", "timestamp": "t"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    assert_eq!(events(&base).await.len(), before, "nothing was stored");
    // And the valid request still works.
    let r = c
        .post(&ev_url)
        .header("X-Auth-Token", &token)
        .json(&open)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(events(&base).await.len(), before + 1);
    server.shutdown().await;
}

#[tokio::test]
async fn received_webhooks_are_deduplicated_and_cors_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let c = client();
    let body = triggered_payload().to_string();
    for expected in ["stored", "duplicate"] {
        let r = c
            .post(format!("{base}/webhooks/receive"))
            .header("Content-Type", "text/plain;charset=UTF-8")
            .header("webhook-id", "evt_1")
            .header("webhook-timestamp", "1700000000")
            .header("X-Evolvy-Event", "webwidget_triggered")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        assert_eq!(r.json::<Value>().await.unwrap()["status"], expected);
    }
    let evs = events(&base).await;
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0]["uid"], "evt_1");
    assert_eq!(evs[0]["source"], "received");

    // A header that contradicts the body.
    let r = c
        .post(format!("{base}/webhooks/receive"))
        .header("X-Evolvy-Event", "message_created")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    let r = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{base}/api/v1/widget/events"),
        )
        .header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,x-auth-token",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for h in [
        "content-type",
        "x-auth-token",
        "webhook-id",
        "webhook-timestamp",
        "x-evolvy-event",
    ] {
        assert!(allowed.contains(h), "{h} in {allowed}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn static_files_and_inspector_are_served() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
    std::fs::create_dir_all(dir.path().join("www")).unwrap();
    std::fs::write(
        dir.path().join("pkg/evolvy_widget_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    std::fs::write(dir.path().join("www/index.html"), "<h1>demo</h1>").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "no").unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let c = client();
    let r = c
        .get(format!("{base}/pkg/evolvy_widget_bg.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/wasm");
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let r = c.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-cache");
    assert_eq!(r.text().await.unwrap(), "<h1>demo</h1>");
    let r = c
        .get(format!("{base}/%2e%2e/secret.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .get(format!("{base}/pkg/..%2fsecret.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c.get(format!("{base}/inspector")).send().await.unwrap();
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    assert!(r.text().await.unwrap().contains("/inspector/inspector.js"));
    let js = c
        .get(format!("{base}/inspector/inspector.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!js.contains("innerHTML"));
    let h: Value = c
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h["status"], "ok");
    server.shutdown().await;
}

#[tokio::test]
async fn webhook_subscriptions_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let c = client();
    let url = format!("{base}/api/v1/accounts/1/webhooks");
    let r = c
        .post(&url)
        .json(&json!({"url": "ftp://x", "subscriptions": ["message_created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["path"], "url");
    let r = c.post(&url).json(&json!({"webhook": {"url": "http://127.0.0.1:9/x", "subscriptions": ["message_created", "nope"]}})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["path"],
        "webhook.subscriptions[1]"
    );
    let r = c
        .post(format!("{base}/api/v1/accounts/2/webhooks"))
        .json(&json!({"url": "http://a.example", "subscriptions": ["message_created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r: Value = c
        .post(&url)
        .json(&json!({"url": "http://a.example/h", "subscriptions": ["message_created"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = r["payload"]["webhook"]["id"].as_i64().unwrap();
    assert_eq!(
        r["payload"]["webhook"]["secret"].as_str().unwrap().len(),
        64
    );
    let list: Value = c.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["payload"].as_array().unwrap().len(), 1);
    assert_eq!(
        c.delete(format!("{url}/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.delete(format!("{url}/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    server.shutdown().await;
}

#[tokio::test]
async fn restart_on_the_same_data_dir_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let c = client();
    let token = auth_token(&base).await;
    c.post(format!(
        "{base}/api/v1/widget/conversations?website_token={TOKEN}"
    ))
    .header("X-Auth-Token", &token)
    .json(&json!({"message": {"content": "keep me", "timestamp": "t"}}))
    .send()
    .await
    .unwrap()
    .error_for_status()
    .unwrap();
    c.post(format!("{base}/api/v1/accounts/1/webhooks"))
        .json(&json!({"url": "http://a.example/h", "subscriptions": ["webwidget_triggered"]}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let before = events(&base).await;
    server.shutdown().await;

    let server = start(dir.path()).await;
    let base = server.url();
    assert_eq!(events(&base).await, before);
    let msgs: Value = c
        .get(format!(
            "{base}/api/v1/widget/messages?website_token={TOKEN}"
        ))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(msgs[0]["content"], "keep me");
    let hooks: Value = c
        .get(format!("{base}/api/v1/accounts/1/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hooks["payload"][0]["url"], "http://a.example/h");
    server.shutdown().await;
}

/// What a test subscriber saw.
#[derive(Clone, Debug)]
struct Seen {
    delivery: String,
    timestamp: String,
    signature: String,
    event: String,
    body: String,
}

/// A webhook receiver on 127.0.0.1 that answers 500 `fail_first` times, then 200.
async fn subscriber(fail_first: usize) -> (String, Arc<Mutex<Vec<Seen>>>) {
    use axum::http::{HeaderMap, StatusCode};
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let s2 = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let seen = s2.clone();
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let mut s = seen.lock().unwrap();
                s.push(Seen {
                    delivery: h("x-evolvy-delivery"),
                    timestamp: h("x-evolvy-timestamp"),
                    signature: h("x-evolvy-signature"),
                    event: h("x-evolvy-event"),
                    body,
                });
                if s.len() <= fail_first {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn relay_retries_until_the_subscriber_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let c = client();
    let (hook, seen) = subscriber(2).await;
    let created: Value = c
        .post(format!("{base}/api/v1/accounts/1/webhooks"))
        .json(&json!({"url": hook, "subscriptions": ["webwidget_triggered"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["payload"]["webhook"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent = triggered_payload();
    c.post(format!("{base}/webhooks/receive"))
        .header("webhook-id", "evt_relay")
        .json(&sent)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ds: Value = c
            .get(format!("{base}/api/v1/deliveries"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if ds[0]["status"] == "delivered" {
            assert_eq!(ds[0]["attempts"], 3);
            let log = ds[0]["attempt_log"].as_array().unwrap();
            let codes: Vec<i64> = log
                .iter()
                .map(|a| a["status_code"].as_i64().unwrap())
                .collect();
            assert_eq!(codes, [500, 500, 200]);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not delivered in time: {ds}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert!(seen
        .iter()
        .all(|s| s.delivery == seen[0].delivery && !s.delivery.is_empty()));
    for s in &seen {
        assert_eq!(s.event, "webwidget_triggered");
        let ts: i64 = s.timestamp.parse().unwrap();
        assert_eq!(
            s.signature,
            evolvy_server::token::webhook_signature(&secret, ts, s.body.as_bytes())
        );
        assert_ne!(
            s.signature,
            evolvy_server::token::webhook_signature("wrong", ts, s.body.as_bytes())
        );
        assert_eq!(serde_json::from_str::<Value>(&s.body).unwrap(), sent);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn pending_deliveries_resume_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    // A port nobody listens on yet.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let mut cfg = config(dir.path());
    cfg.relay.base_delay = Duration::from_millis(300);
    let server = serve(cfg).await.unwrap();
    let base = server.url();
    let c = client();
    c.post(format!("{base}/api/v1/accounts/1/webhooks"))
        .json(&json!({"url": format!("http://127.0.0.1:{port}/hook"), "subscriptions": ["webwidget_triggered"]}))
        .send().await.unwrap().error_for_status().unwrap();
    c.post(format!("{base}/webhooks/receive"))
        .json(&triggered_payload())
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ds: Value = c
            .get(format!("{base}/api/v1/deliveries"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if ds[0]["attempts"].as_i64().unwrap_or(0) >= 1 {
            assert_eq!(ds[0]["status"], "pending");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.shutdown().await;

    // The subscriber comes up on that port; the restarted server finishes the delivery.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let got = Arc::new(Mutex::new(0usize));
    let g2 = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let g = g2.clone();
            async move {
                *g.lock().unwrap() += 1;
                "ok"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let server = start(dir.path()).await;
    let base = server.url();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ds: Value = c
            .get(format!("{base}/api/v1/deliveries"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if ds[0]["status"] == "delivered" {
            assert_eq!(*got.lock().unwrap(), 1);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{ds}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.shutdown().await;
}

#[tokio::test]
async fn inspector_stream_shows_a_new_event() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let c = client();
    let mut stream = c
        .get(format!("{base}/api/v1/stream/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut text = String::new();
    // Wait for the subscription to be live before posting.
    while !text.contains("event: ready") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    c.post(format!("{base}/webhooks/receive"))
        .header("webhook-id", "evt_live")
        .json(&triggered_payload())
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !text.contains("evt_live") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("event in time")
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("event: event"));
    assert!(text.contains("\"kind\":\"event\""));
    // Shutdown is not held up by the open stream.
    tokio::time::timeout(Duration::from_secs(5), server.shutdown())
        .await
        .expect("clean shutdown");
}

#[tokio::test]
async fn webhooks_file_is_loaded_and_reloaded_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let file = data.join("webhooks.json");
    std::fs::write(&file, r#"[{"url": "http://127.0.0.1:9/a", "subscriptions": ["message_created"], "secret": "0123456789abcdef"}]"#).unwrap();
    let server = start(dir.path()).await;
    let c = client();
    let url = format!("{}/api/v1/accounts/1/webhooks", server.url());
    let hooks: Value = c.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(hooks["payload"][0]["origin"], "file");
    assert_eq!(hooks["payload"][0]["secret"], "0123456789abcdef");
    let id = hooks["payload"][0]["id"].clone();
    server.shutdown().await;

    // Same URL, more events: the webhook keeps its id (and its pending deliveries).
    std::fs::write(&file, r#"{"webhooks": [{"url": "http://127.0.0.1:9/a", "subscriptions": ["message_created", "webwidget_triggered"]}]}"#).unwrap();
    let server = start(dir.path()).await;
    let url = format!("{}/api/v1/accounts/1/webhooks", server.url());
    let hooks: Value = c.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(hooks["payload"].as_array().unwrap().len(), 1);
    assert_eq!(hooks["payload"][0]["id"], id);
    assert_eq!(
        hooks["payload"][0]["subscriptions"],
        json!(["message_created", "webwidget_triggered"])
    );
    server.shutdown().await;

    // An invalid file stops the start with a message naming the field.
    std::fs::write(
        &file,
        r#"[{"url": "http://a.example", "subscriptions": ["nope"]}]"#,
    )
    .unwrap();
    let err = serve(config(dir.path())).await.err().expect("start fails");
    assert!(
        err.to_string().contains("webhooks[0].subscriptions[0]"),
        "{err}"
    );
}
