//! The agent side and the widget's live stream, end to end: a real server in-process on
//! 127.0.0.1:0 with SQLite in a temp dir, and a webhook receiver of the test's own.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use evolvy_server::{serve, Config, Server};
use evolvy_widget::model::widget_api::{LiveEvent, LiveFrame};
use evolvy_widget::model::Event;
use serde_json::{json, Value};

const TOKEN: &str = evolvy_server::DEFAULT_WEBSITE_TOKEN;
const AGENT: &str = evolvy_server::DEFAULT_AGENT_TOKEN;
const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const ALL_EVENTS: [&str; 10] = [
    "conversation_created",
    "conversation_updated",
    "conversation_status_changed",
    "message_created",
    "message_updated",
    "webwidget_triggered",
    "contact_created",
    "contact_updated",
    "conversation_typing_on",
    "conversation_typing_off",
];

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

/// A visitor who opened the widget and wrote a first message: (contact token, conversation id).
async fn visitor(base: &str, first: &str) -> (String, u64) {
    let c = client();
    let v: Value = c
        .post(format!("{base}/api/v1/widget/config?website_token={TOKEN}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = v["auth_token"].as_str().unwrap().to_owned();
    c.post(format!(
        "{base}/api/v1/widget/events?website_token={TOKEN}&locale=pt_BR"
    ))
    .header("X-Auth-Token", &token)
    .header("User-Agent", CHROME_MAC)
    .header("Accept-Language", "pt-BR,pt;q=0.9")
    .json(&json!({"name": "webwidget.triggered", "event_info": {
        "initiated_at": {"timestamp": "Wed Nov 25 2026 15:00:00 GMT-0300"},
        "referer": "https://shop.example/cart"}}))
    .send()
    .await
    .unwrap()
    .error_for_status()
    .unwrap();
    let conv: Value = c
        .post(format!(
            "{base}/api/v1/widget/conversations?website_token={TOKEN}"
        ))
        .header("X-Auth-Token", &token)
        .header("User-Agent", CHROME_MAC)
        .header("Accept-Language", "pt-BR,pt;q=0.9")
        .json(&json!({"contact": {"name": "Ana"},
                      "message": {"content": first, "timestamp": "Wed Nov 25 2026", "referer_url": "https://shop.example/cart"},
                      "custom_attributes": {"plan": "pro"}}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    (token, conv["id"].as_u64().unwrap())
}

fn agent(c: &reqwest::Client, method: reqwest::Method, url: String) -> reqwest::RequestBuilder {
    c.request(method, url).header("api_access_token", AGENT)
}

async fn agent_post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let r = agent(
        &client(),
        reqwest::Method::POST,
        format!("{base}/api/v1/accounts/1/{path}"),
    )
    .json(&body)
    .send()
    .await
    .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// (event header, body, timestamp header, signature header) of every delivery a receiver got.
type Seen = Arc<Mutex<Vec<(String, String, String, String)>>>;

/// A webhook receiver on 127.0.0.1, subscribed to every event; returns what it saw and the secret.
async fn subscribe(base: &str) -> (Seen, String) {
    use axum::http::HeaderMap;
    let seen: Seen = Arc::default();
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
                seen.lock().unwrap().push((
                    h("x-evolvy-event"),
                    body,
                    h("x-evolvy-timestamp"),
                    h("x-evolvy-signature"),
                ));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let v: Value = client()
        .post(format!("{base}/api/v1/accounts/1/webhooks"))
        .json(&json!({"url": url, "subscriptions": ALL_EVENTS}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        seen,
        v["payload"]["webhook"]["secret"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

/// Waits (bounded) until the receiver holds `n` deliveries.
async fn wait_seen(seen: &Seen, n: usize) -> Vec<(String, String, String, String)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let s = seen.lock().unwrap().clone();
        if s.len() >= n {
            return s;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of {n} deliveries: {:?}",
            s.len(),
            s.iter().map(|x| &x.0).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn agent_routes_refuse_everything_but_the_agent_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let (jwt, conv) = visitor(&base, "hi").await;
    let c = client();
    // (case, headers sent, what the error says)
    type Case = (&'static str, Vec<(&'static str, String)>, &'static str);
    let cases: Vec<Case> = vec![
        ("no token", vec![], "missing api_access_token"),
        (
            "wrong token",
            vec![("api_access_token", "nope".into())],
            "invalid api_access_token",
        ),
        (
            "contact JWT as api_access_token",
            vec![("api_access_token", jwt.clone())],
            "contact token",
        ),
        (
            "contact JWT as X-Auth-Token",
            vec![("X-Auth-Token", jwt.clone())],
            "api_access_token",
        ),
        (
            "contact JWT as Authorization",
            vec![("Authorization", format!("Bearer {jwt}"))],
            "api_access_token",
        ),
        (
            "agent token in the wrong header",
            vec![("X-Auth-Token", AGENT.into())],
            "api_access_token",
        ),
    ];
    let routes: Vec<(reqwest::Method, String)> = vec![
        (reqwest::Method::GET, "agents".into()),
        (reqwest::Method::GET, "conversations".into()),
        (
            reqwest::Method::GET,
            format!("conversations/{conv}/messages"),
        ),
        (
            reqwest::Method::POST,
            format!("conversations/{conv}/toggle_status"),
        ),
        (
            reqwest::Method::POST,
            format!("conversations/{conv}/messages"),
        ),
    ];
    for (name, headers, says) in &cases {
        for (method, path) in &routes {
            let mut rb = c
                .request(method.clone(), format!("{base}/api/v1/accounts/1/{path}"))
                .json(&json!({"status": "resolved", "content": "x"}));
            for (h, v) in headers {
                rb = rb.header(*h, v);
            }
            let r = rb.send().await.unwrap();
            assert_eq!(r.status(), 401, "{name} {method} {path}");
            assert!(r.headers().get("access-control-allow-origin").is_none());
            let v: Value = r.json().await.unwrap();
            assert!(v["error"].as_str().unwrap().contains(says), "{name}: {v}");
        }
    }
    // Nothing changed.
    let conv_now: Value = agent(
        &c,
        reqwest::Method::GET,
        format!("{base}/api/v1/accounts/1/conversations/{conv}"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(conv_now["status"], "open");
    // The right token on another account, or an unknown conversation: 404.
    for path in ["2/conversations", "x/agents", "1/conversations/999"] {
        let r = agent(
            &c,
            reqwest::Method::GET,
            format!("{base}/api/v1/accounts/{path}"),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    // No CORS: a preflight from another origin is not granted.
    let r = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{base}/api/v1/accounts/1/conversations"),
        )
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "api_access_token")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // The agents.
    let agents: Value = agent(
        &c,
        reqwest::Method::GET,
        format!("{base}/api/v1/accounts/1/agents"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let agents = agents.as_array().unwrap();
    assert!(agents.len() >= 2);
    for a in agents {
        assert_eq!(a["type"], "user");
        for k in ["id", "name", "email", "avatar_url", "available_name"] {
            assert!(!a[k].is_null(), "{k} in {a}");
        }
    }
    server.shutdown().await;
}

/// What an action must fire: event name and, for updates, the exact changed_attributes.
type Expect = Vec<(&'static str, Option<Value>)>;

#[tokio::test]
async fn each_action_fires_its_event_with_its_changes() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let (seen, secret) = subscribe(&base).await;
    let (jwt, conv) = visitor(&base, "Olá, preciso de ajuda").await;
    let mut count = wait_seen(&seen, 4).await.len(); // contact, triggered, conversation, message
    let c = client();
    let cv = format!("conversations/{conv}");
    let (_, sel) = agent_post(
        &base,
        &format!("{cv}/messages"),
        json!({"content": "Which plan?", "content_type": "input_select",
               "content_attributes": {"items": [{"title": "Pro", "value": "pro"}, {"title": "Free", "value": "free"}]}}),
    )
    .await;
    count = wait_seen(&seen, count + 1).await.len();
    let sel_id = sel["id"].as_u64().unwrap();

    enum Call {
        Agent(&'static str, String, Value),
        Widget(reqwest::Method, String, Value),
    }
    let cases: Vec<(&str, Call, Expect)> = vec![
        (
            "reply",
            Call::Agent(
                "POST",
                format!("{cv}/messages"),
                json!({"content": "Oi! Como posso ajudar?"}),
            ),
            vec![("message_created", None)],
        ),
        (
            "reply as another agent",
            Call::Agent(
                "POST",
                format!("{cv}/messages"),
                json!({"content": "Sou o Bruno", "sender_id": 2}),
            ),
            vec![("message_created", None)],
        ),
        (
            "cards",
            Call::Agent(
                "POST",
                format!("{cv}/messages"),
                json!({"content": "Veja", "content_type": "cards",
                "content_attributes": {"items": [{"title": "Pro", "description": "Tudo", "media_url": "https://img.example/p.png",
                "actions": [{"type": "link", "text": "Ver", "uri": "https://shop.example/pro"}, {"type": "postback", "text": "Quero", "payload": "PRO"}]}]}}),
            ),
            vec![("message_created", None)],
        ),
        (
            "form",
            Call::Agent(
                "POST",
                format!("{cv}/messages"),
                json!({"content": "Seus dados", "content_type": "form",
                "content_attributes": {"items": [{"type": "email", "name": "email", "label": "Email", "required": true},
                                                 {"type": "text", "name": "nome", "label": "Nome"}]}}),
            ),
            vec![("message_created", None)],
        ),
        (
            "csat",
            Call::Agent(
                "POST",
                format!("{cv}/messages"),
                json!({"content_type": "input_csat"}),
            ),
            vec![("message_created", None)],
        ),
        (
            "private note",
            Call::Agent(
                "POST",
                format!("{cv}/messages"),
                json!({"content": "cliente VIP", "private": true}),
            ),
            vec![("message_created", None)],
        ),
        (
            "edit",
            Call::Agent(
                "PATCH",
                format!("{cv}/messages/{sel_id}"),
                json!({"content": "Which plan do you want?"}),
            ),
            vec![("message_updated", None)],
        ),
        (
            "assign",
            Call::Agent(
                "POST",
                format!("{cv}/assignments"),
                json!({"assignee_id": 2}),
            ),
            vec![(
                "conversation_updated",
                Some(json!([{"assignee_id": {"current_value": 2, "previous_value": null}}])),
            )],
        ),
        (
            "reassign",
            Call::Agent(
                "POST",
                format!("{cv}/assignments"),
                json!({"assignee_id": 1}),
            ),
            vec![(
                "conversation_updated",
                Some(json!([{"assignee_id": {"current_value": 1, "previous_value": 2}}])),
            )],
        ),
        (
            "unassign",
            Call::Agent(
                "POST",
                format!("{cv}/assignments"),
                json!({"assignee_id": null}),
            ),
            vec![(
                "conversation_updated",
                Some(json!([{"assignee_id": {"current_value": null, "previous_value": 1}}])),
            )],
        ),
        (
            "resolve",
            Call::Agent(
                "POST",
                format!("{cv}/toggle_status"),
                json!({"status": "resolved"}),
            ),
            vec![
                (
                    "conversation_status_changed",
                    Some(
                        json!([{"status": {"current_value": "resolved", "previous_value": "open"}}]),
                    ),
                ),
                (
                    "conversation_updated",
                    Some(
                        json!([{"status": {"current_value": "resolved", "previous_value": "open"}}]),
                    ),
                ),
            ],
        ),
        (
            "snooze",
            Call::Agent(
                "POST",
                format!("{cv}/toggle_status"),
                json!({"status": "snoozed", "snoozed_until": 1_795_000_000}),
            ),
            vec![
                (
                    "conversation_status_changed",
                    Some(
                        json!([{"status": {"current_value": "snoozed", "previous_value": "resolved"}}]),
                    ),
                ),
                (
                    "conversation_updated",
                    Some(json!([
                    {"status": {"current_value": "snoozed", "previous_value": "resolved"}},
                    {"snoozed_until": {"current_value": "2026-11-18T11:06:40.000Z", "previous_value": null}}])),
                ),
            ],
        ),
        (
            "reopen",
            Call::Agent(
                "POST",
                format!("{cv}/toggle_status"),
                json!({"status": "open"}),
            ),
            vec![
                (
                    "conversation_status_changed",
                    Some(
                        json!([{"status": {"current_value": "open", "previous_value": "snoozed"}}]),
                    ),
                ),
                (
                    "conversation_updated",
                    Some(json!([
                    {"status": {"current_value": "open", "previous_value": "snoozed"}},
                    {"snoozed_until": {"current_value": null, "previous_value": "2026-11-18T11:06:40.000Z"}}])),
                ),
            ],
        ),
        (
            "priority",
            Call::Agent(
                "POST",
                format!("{cv}/toggle_priority"),
                json!({"priority": "high"}),
            ),
            vec![(
                "conversation_updated",
                Some(json!([{"priority": {"current_value": "high", "previous_value": null}}])),
            )],
        ),
        (
            "priority cleared",
            Call::Agent(
                "POST",
                format!("{cv}/toggle_priority"),
                json!({"priority": null}),
            ),
            vec![(
                "conversation_updated",
                Some(json!([{"priority": {"current_value": null, "previous_value": "high"}}])),
            )],
        ),
        (
            "labels",
            Call::Agent(
                "POST",
                format!("{cv}/labels"),
                json!({"labels": ["vip", "billing", "vip"]}),
            ),
            vec![(
                "conversation_updated",
                Some(
                    json!([{"label_list": {"current_value": ["vip", "billing"], "previous_value": []}}]),
                ),
            )],
        ),
        (
            "custom attributes",
            Call::Agent(
                "POST",
                format!("{cv}/custom_attributes"),
                json!({"custom_attributes": {"plan": "enterprise", "seats": 40}}),
            ),
            vec![(
                "conversation_updated",
                Some(json!([{"custom_attributes": {
                "current_value": {"plan": "enterprise", "seats": 40}, "previous_value": {"plan": "pro"}}}])),
            )],
        ),
        (
            "resolve again",
            Call::Agent(
                "POST",
                format!("{cv}/toggle_status"),
                json!({"status": "resolved"}),
            ),
            vec![
                (
                    "conversation_status_changed",
                    Some(
                        json!([{"status": {"current_value": "resolved", "previous_value": "open"}}]),
                    ),
                ),
                (
                    "conversation_updated",
                    Some(
                        json!([{"status": {"current_value": "resolved", "previous_value": "open"}}]),
                    ),
                ),
            ],
        ),
        (
            "visitor writes: reopened",
            Call::Widget(
                reqwest::Method::POST,
                "messages".into(),
                json!({"message": {"content": "ainda aí?", "timestamp": "t"}}),
            ),
            vec![
                ("message_created", None),
                (
                    "conversation_status_changed",
                    Some(
                        json!([{"status": {"current_value": "open", "previous_value": "resolved"}}]),
                    ),
                ),
                (
                    "conversation_updated",
                    Some(
                        json!([{"status": {"current_value": "open", "previous_value": "resolved"}}]),
                    ),
                ),
            ],
        ),
        (
            "agent typing on",
            Call::Agent(
                "POST",
                format!("{cv}/toggle_typing_status"),
                json!({"typing_status": "on"}),
            ),
            vec![("conversation_typing_on", None)],
        ),
        (
            "agent typing off",
            Call::Agent(
                "POST",
                format!("{cv}/toggle_typing_status"),
                json!({"typing_status": "off"}),
            ),
            vec![("conversation_typing_off", None)],
        ),
        (
            "visitor typing on",
            Call::Widget(
                reqwest::Method::POST,
                "conversations/toggle_typing".into(),
                json!({"typing_status": "on"}),
            ),
            vec![("conversation_typing_on", None)],
        ),
        (
            "visitor answers",
            Call::Widget(
                reqwest::Method::PATCH,
                format!("messages/{sel_id}"),
                json!({"submitted_values": [{"value": "pro"}]}),
            ),
            vec![("message_updated", None)],
        ),
    ];
    for (name, call, expect) in cases {
        let r = match &call {
            Call::Agent(m, path, body) => agent(
                &c,
                m.parse().unwrap(),
                format!("{base}/api/v1/accounts/1/{path}"),
            )
            .json(body)
            .send()
            .await
            .unwrap(),
            Call::Widget(m, path, body) => c
                .request(
                    m.clone(),
                    format!("{base}/api/v1/widget/{path}?website_token={TOKEN}"),
                )
                .header("X-Auth-Token", &jwt)
                .json(body)
                .send()
                .await
                .unwrap(),
        };
        assert!(
            r.status().is_success(),
            "{name}: {} {}",
            r.status(),
            r.text().await.unwrap()
        );
        let all = wait_seen(&seen, count + expect.len()).await;
        let new = &all[count..];
        count = all.len();
        assert_eq!(new.len(), expect.len(), "{name}");
        for (want, changes) in &expect {
            let (header, body, ts, sig) =
                new.iter().find(|(h, ..)| h == want).unwrap_or_else(|| {
                    panic!(
                        "{name}: no {want} in {:?}",
                        new.iter().map(|x| &x.0).collect::<Vec<_>>()
                    )
                });
            let v: Value = serde_json::from_str(body).unwrap();
            let ev = Event::from_value(v.clone()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(ev.name().as_str(), header);
            if let Some(ch) = changes {
                assert_eq!(&v["changed_attributes"], ch, "{name}");
            }
            match (name, &ev) {
                ("reply", Event::MessageCreated(m)) => {
                    assert_eq!(v["message_type"], "outgoing");
                    assert_eq!(v["sender"]["type"], "user");
                    assert_eq!(v["sender"]["id"], 1);
                    assert_eq!(m.conversation.id, conv);
                }
                ("reply as another agent", _) => assert_eq!(v["sender"]["id"], 2),
                ("cards", _) => assert_eq!(
                    v["content_attributes"]["items"][0]["actions"][1]["payload"],
                    "PRO"
                ),
                ("csat", _) => assert_eq!(v["content_type"], "input_csat"),
                ("private note", _) => assert_eq!(v["private"], true),
                ("edit", _) => assert_eq!(v["content"], "Which plan do you want?"),
                ("assign", Event::ConversationUpdated(u)) => {
                    assert_eq!(u.conversation.meta.assignee.as_ref().unwrap().id, 2)
                }
                ("agent typing on", _) => {
                    assert_eq!(v["user"]["type"], "user");
                    assert_eq!(v["is_private"], false);
                    assert_eq!(v["conversation"]["id"], conv);
                }
                ("visitor typing on", _) => assert_eq!(v["user"]["type"], "contact"),
                ("visitor writes: reopened", Event::MessageCreated(m)) => {
                    assert_eq!(v["message_type"], "incoming");
                    assert_eq!(
                        m.conversation.status.as_str(),
                        "resolved",
                        "the message came first"
                    );
                }
                ("visitor writes: reopened", Event::ConversationUpdated(u)) => {
                    assert_eq!(u.conversation.status.as_str(), "open")
                }
                ("visitor answers", _) => {
                    assert_eq!(
                        v["content_attributes"]["submitted_values"],
                        json!([{"title": "Pro", "value": "pro"}])
                    );
                    assert_eq!(v["sender"]["type"], "user");
                }
                _ => {}
            }
            // Signed like every relayed event.
            assert_eq!(
                sig,
                &evolvy_server::token::webhook_signature(
                    &secret,
                    ts.parse().unwrap(),
                    body.as_bytes()
                ),
                "{name}"
            );
        }
    }

    // The agent view of the conversation reflects it all, with the visitor's context.
    let list: Value = agent(
        &c,
        reqwest::Method::GET,
        format!("{base}/api/v1/accounts/1/conversations"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let one = &list["data"]["payload"][0];
    assert_eq!(one["id"], conv);
    assert_eq!(one["labels"], json!(["vip", "billing"]));
    assert_eq!(one["custom_attributes"]["plan"], "enterprise");
    assert_eq!(
        one["additional_attributes"]["browser"]["browser_name"],
        "Chrome"
    );
    assert_eq!(
        one["additional_attributes"]["referer"],
        "https://shop.example/cart"
    );
    assert_eq!(one["additional_attributes"]["browser_language"], "pt");
    assert!(one["additional_attributes"]["initiated_at"]["timestamp"].is_string());
    assert_eq!(one["last_event_info"]["widget_language"], "pt_BR");
    assert_eq!(one["meta"]["sender"]["name"], "Ana");
    assert!(one["last_activity_at"].as_i64().unwrap() > 0);
    // The visitor sees senders, and never the private note.
    let msgs: Value = c
        .get(format!(
            "{base}/api/v1/widget/messages?website_token={TOKEN}"
        ))
        .header("X-Auth-Token", &jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let msgs = msgs.as_array().unwrap();
    assert!(msgs.iter().all(|m| m["content"] != "cliente VIP"));
    assert_eq!(msgs[0]["sender"]["type"], "contact");
    assert_eq!(msgs[1]["sender"]["type"], "user");
    assert_eq!(msgs[1]["sender"]["name"], "Ana");
    assert!(msgs.iter().all(|m| m["sender"].is_object()));
    server.shutdown().await;
}

#[tokio::test]
async fn bad_agent_input_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let (_, conv) = visitor(&base, "hi").await;
    let cv = format!("conversations/{conv}");
    let m = format!("{cv}/messages");
    let cases: Vec<(String, Value, &str)> = vec![
        (m.clone(), json!({"content": ""}), "content"),
        (
            m.clone(),
            json!({"content": "x", "content_type": "imput_select"}),
            "content_type",
        ),
        (
            m.clone(),
            json!({"content": "x", "content_type": "article", "content_attributes": {"items": [{"title": "a"}]}}),
            "content_type",
        ),
        (
            m.clone(),
            json!({"content": "x", "content_type": "input_select"}),
            "content_attributes.items",
        ),
        (
            m.clone(),
            json!({"content": "x", "content_type": "input_select", "content_attributes": {"items": [{"title": "a"}]}}),
            "content_attributes.items[0].value",
        ),
        (
            m.clone(),
            json!({"content": "x", "content_type": "cards", "content_attributes": {"items": [{"title": "a", "actions": [{"type": "jump", "text": "t"}]}]}}),
            "content_attributes.items[0].actions[0].type",
        ),
        (
            m.clone(),
            json!({"content": "x", "content_type": "cards", "content_attributes": {"items": [{"title": "a", "actions": [{"type": "link", "text": "t", "uri": "javascript:alert(1)"}]}]}}),
            "content_attributes.items[0].actions[0].uri",
        ),
        (
            m.clone(),
            json!({"content": "x", "content_type": "form", "content_attributes": {"items": [{"type": "select", "name": "p"}]}}),
            "content_attributes.items[0].options",
        ),
        (
            m.clone(),
            json!({"content": "x", "content_type": "form", "content_attributes": {"items": [{"type": "text", "required": "yes"}]}}),
            "content_attributes.items[0].required",
        ),
        (
            m.clone(),
            json!({"content": "x", "sender_id": 99}),
            "sender_id",
        ),
        (
            m.clone(),
            json!({"content": "x", "content_attributes": {"submitted_values": [{"value": "a"}]}}),
            "content_attributes.submitted_values",
        ),
        (
            format!("{cv}/assignments"),
            json!({"assignee_id": 99}),
            "assignee_id",
        ),
        (format!("{cv}/assignments"), json!({}), "assignee_id"),
        (
            format!("{cv}/toggle_status"),
            json!({"status": "closed"}),
            "status",
        ),
        (
            format!("{cv}/toggle_status"),
            json!({"status": "open", "snoozed_until": 5}),
            "snoozed_until",
        ),
        (
            format!("{cv}/toggle_priority"),
            json!({"priority": "critical"}),
            "priority",
        ),
        (
            format!("{cv}/labels"),
            json!({"labels": ["ok", "no spaces"]}),
            "labels[1]",
        ),
        (format!("{cv}/labels"), json!({"labels": "vip"}), "labels"),
        (
            format!("{cv}/custom_attributes"),
            json!({"custom_attributes": [1]}),
            "custom_attributes",
        ),
        (
            format!("{cv}/toggle_typing_status"),
            json!({"typing_status": "maybe"}),
            "typing_status",
        ),
    ];
    for (path, body, field) in cases {
        let (status, v) = agent_post(&base, &path, body.clone()).await;
        assert_eq!(status, 422, "{path} {body}: {v}");
        assert_eq!(v["path"], field, "{path} {body}: {v}");
    }
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// The widget's live stream

async fn ticket(base: &str, jwt: &str) -> String {
    let v: Value = client()
        .post(format!(
            "{base}/api/v1/widget/stream_ticket?website_token={TOKEN}"
        ))
        .header("X-Auth-Token", jwt)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["expires_in"], 60);
    v["ticket"].as_str().unwrap().to_owned()
}

/// An open stream and the text not yet parsed.
struct Stream {
    resp: reqwest::Response,
    buf: String,
}

async fn open(base: &str, ticket: &str, after: Option<u64>) -> reqwest::Response {
    let after = after.map(|a| format!("&after={a}")).unwrap_or_default();
    client()
        .get(format!(
            "{base}/api/v1/widget/stream?website_token={TOKEN}&ticket={ticket}{after}"
        ))
        .send()
        .await
        .unwrap()
}

async fn stream(base: &str, jwt: &str, after: Option<u64>) -> Stream {
    let t = ticket(base, jwt).await;
    let resp = open(base, &t, after).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    Stream {
        resp,
        buf: String::new(),
    }
}

impl Stream {
    /// The next `n` frames (bounded wait), checking `id:` equals the frame's seq.
    async fn frames(&mut self, n: usize) -> Vec<LiveFrame> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let mut out = Vec::new();
        while out.len() < n {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut id = None;
                let mut data = None;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = Some(v.parse::<u64>().unwrap());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = Some(v.to_owned());
                    } else {
                        assert!(line.starts_with(':') || line.is_empty(), "{line}");
                    }
                }
                if let Some(d) = data {
                    let f: LiveFrame = serde_json::from_str(&d).unwrap();
                    assert_eq!(Some(f.seq), id);
                    out.push(f);
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .unwrap_or_else(|_| panic!("only {} of {n} frames: {out:?}", out.len()))
                .unwrap()
                .expect("stream open");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
        out
    }
}

fn kind(f: &LiveFrame) -> &'static str {
    match &f.event {
        LiveEvent::MessageCreated { .. } => "message_created",
        LiveEvent::MessageUpdated { .. } => "message_updated",
        LiveEvent::ConversationStatusChanged { .. } => "status",
        LiveEvent::AssigneeChanged { .. } => "assignee",
        LiveEvent::Typing { .. } => "typing",
    }
}

#[tokio::test]
async fn tickets_are_single_use_expire_and_stay_with_their_visitor() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.ticket_ttl = Duration::from_secs(3);
    let server = serve(cfg).await.unwrap();
    let base = server.url();
    let (a, conv_a) = visitor(&base, "I am A").await;
    let (b, conv_b) = visitor(&base, "I am B").await;
    let c = client();

    // No token, or a forged one: no ticket.
    let r = c
        .post(format!(
            "{base}/api/v1/widget/stream_ticket?website_token={TOKEN}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Used once only.
    let v: Value = c
        .post(format!(
            "{base}/api/v1/widget/stream_ticket?website_token={TOKEN}"
        ))
        .header("X-Auth-Token", &a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = v["ticket"].as_str().unwrap().to_owned();
    assert!(t.len() >= 40);
    assert_eq!(open(&base, &t, None).await.status(), 200);
    let r = open(&base, &t, None).await;
    assert_eq!(r.status(), 401);
    assert!(r.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("ticket"));
    // Unknown, missing, or expired.
    assert_eq!(open(&base, "nope", None).await.status(), 401);
    let r = c
        .get(format!("{base}/api/v1/widget/stream?website_token={TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = c
        .post(format!(
            "{base}/api/v1/widget/stream_ticket?website_token={TOKEN}"
        ))
        .header("X-Auth-Token", &a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(
        open(&base, v["ticket"].as_str().unwrap(), None)
            .await
            .status(),
        401
    );

    // B's stream never carries A's conversation.
    let t = {
        let v: Value = c
            .post(format!(
                "{base}/api/v1/widget/stream_ticket?website_token={TOKEN}"
            ))
            .header("X-Auth-Token", &b)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["ticket"].as_str().unwrap().to_owned()
    };
    let mut sb = Stream {
        resp: open(&base, &t, None).await,
        buf: String::new(),
    };
    let replay = sb.frames(1).await;
    assert!(
        matches!(&replay[0].event, LiveEvent::MessageCreated { message } if message.conversation_id == conv_b)
    );
    agent_post(
        &base,
        &format!("conversations/{conv_a}/messages"),
        json!({"content": "for A only"}),
    )
    .await;
    agent_post(
        &base,
        &format!("conversations/{conv_a}/toggle_status"),
        json!({"status": "resolved"}),
    )
    .await;
    agent_post(
        &base,
        &format!("conversations/{conv_b}/messages"),
        json!({"content": "for B"}),
    )
    .await;
    let next = sb.frames(1).await;
    match &next[0].event {
        LiveEvent::MessageCreated { message } => {
            assert_eq!(message.conversation_id, conv_b);
            assert_eq!(message.content.as_deref(), Some("for B"));
        }
        other => panic!("{other:?}"),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn stream_replays_then_goes_live_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let (jwt, conv) = visitor(&base, "first").await;
    let cv = format!("conversations/{conv}");
    agent_post(
        &base,
        &format!("{cv}/messages"),
        json!({"content": "hello from Ana"}),
    )
    .await;
    agent_post(
        &base,
        &format!("{cv}/messages"),
        json!({"content": "secret", "private": true}),
    )
    .await;
    agent_post(
        &base,
        &format!("{cv}/assignments"),
        json!({"assignee_id": 2}),
    )
    .await;
    agent_post(
        &base,
        &format!("{cv}/toggle_status"),
        json!({"status": "pending"}),
    )
    .await;

    let mut s = stream(&base, &jwt, Some(0)).await;
    let replay = s.frames(4).await;
    let seqs: Vec<u64> = replay.iter().map(|f| f.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(
        replay.iter().map(kind).collect::<Vec<_>>(),
        ["message_created", "message_created", "assignee", "status"]
    );
    match &replay[0].event {
        LiveEvent::MessageCreated { message } => {
            assert_eq!(message.sender.as_ref().unwrap().kind, "contact");
            assert_eq!(message.content.as_deref(), Some("first"));
        }
        e => panic!("{e:?}"),
    }
    match &replay[1].event {
        LiveEvent::MessageCreated { message } => {
            let s = message.sender.as_ref().unwrap();
            assert_eq!((s.kind.as_str(), s.id, s.name.as_str()), ("user", 1, "Ana"));
        }
        e => panic!("{e:?}"),
    }
    assert!(
        matches!(&replay[2].event, LiveEvent::AssigneeChanged { assignee: Some(a), .. } if a.id == 2)
    );
    assert!(
        matches!(&replay[3].event, LiveEvent::ConversationStatusChanged { status, .. } if status == "pending")
    );

    // Live: an agent reply, typing, an edit and the visitor's own message from another tab.
    let (_, m) = agent_post(
        &base,
        &format!("{cv}/messages"),
        json!({"content": "live one"}),
    )
    .await;
    agent_post(
        &base,
        &format!("{cv}/toggle_typing_status"),
        json!({"typing_status": "on"}),
    )
    .await;
    agent_post(
        &base,
        &format!("{cv}/toggle_typing_status"),
        json!({"typing_status": "on", "is_private": true}),
    )
    .await;
    let r = agent(
        &client(),
        reqwest::Method::PATCH,
        format!("{base}/api/v1/accounts/1/{cv}/messages/{}", m["id"]),
    )
    .json(&json!({"content": "live one (edited)"}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    client()
        .post(format!(
            "{base}/api/v1/widget/messages?website_token={TOKEN}"
        ))
        .header("X-Auth-Token", &jwt)
        .json(&json!({"message": {"content": "from my other tab", "timestamp": "t"}}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let live = s.frames(4).await;
    assert_eq!(
        live.iter().map(kind).collect::<Vec<_>>(),
        [
            "message_created",
            "typing",
            "message_updated",
            "message_created"
        ]
    );
    assert!(live[0].seq > replay[3].seq);
    let all: Vec<LiveFrame> = replay.iter().chain(live.iter()).cloned().collect();
    drop(s);

    // Reconnect after the third frame: only the later ones.
    let mut s = stream(&base, &jwt, Some(all[2].seq)).await;
    let again = s.frames(all.len() - 3).await;
    assert_eq!(again, all[3..].to_vec());
    drop(s);
    server.shutdown().await;

    // Same data dir, new process: the replay is still there, same seqs.
    let server = start(dir.path()).await;
    let base = server.url();
    let mut s = stream(&base, &jwt, None).await;
    assert_eq!(s.frames(all.len()).await, all);
    // And numbering continues.
    agent_post(
        &base,
        &format!("{cv}/messages"),
        json!({"content": "after restart"}),
    )
    .await;
    let next = s.frames(1).await;
    assert!(next[0].seq > all.last().unwrap().seq);
    drop(s);
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// The visitor's answers

#[tokio::test]
async fn answers_are_checked_and_only_for_the_visitors_own_messages() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let (jwt, conv) = visitor(&base, "hi").await;
    let (other, _) = visitor(&base, "other").await;
    let m = format!("conversations/{conv}/messages");
    let (_, select) = agent_post(&base, &m, json!({"content": "Plan?", "content_type": "input_select",
        "content_attributes": {"items": [{"title": "Pro", "value": "pro"}, {"title": "Free", "value": "free"}]}})).await;
    let (_, form) = agent_post(&base, &m, json!({"content": "Data", "content_type": "form",
        "content_attributes": {"items": [{"type": "email", "name": "email", "label": "Email", "required": true},
                                         {"type": "select", "name": "size", "options": [{"label": "S", "value": "s"}]}]}})).await;
    let (_, csat) = agent_post(&base, &m, json!({"content_type": "input_csat"})).await;
    let (_, text) = agent_post(&base, &m, json!({"content": "plain"})).await;
    let id = |v: &Value| v["id"].as_u64().unwrap();
    let cases: Vec<(&str, u64, &str, Value, u16, &str)> = vec![
        (
            "select ok",
            id(&select),
            "me",
            json!([{"title": "Free", "value": "free"}]),
            200,
            "",
        ),
        (
            "select unknown",
            id(&select),
            "me",
            json!([{"value": "gold"}]),
            422,
            "submitted_values[0].value",
        ),
        (
            "select wrong title",
            id(&select),
            "me",
            json!([{"title": "Pro", "value": "free"}]),
            422,
            "submitted_values[0].title",
        ),
        (
            "select as object",
            id(&select),
            "me",
            json!({"value": "pro"}),
            422,
            "submitted_values.csat_survey_response",
        ),
        (
            "select value type",
            id(&select),
            "me",
            json!([{"value": 3}]),
            422,
            "submitted_values[0].value",
        ),
        (
            "form ok",
            id(&form),
            "me",
            json!([{"name": "email", "value": "ana@shop.example"}, {"name": "size", "value": "s"}]),
            200,
            "",
        ),
        (
            "form missing required",
            id(&form),
            "me",
            json!([{"name": "size", "value": "s"}]),
            422,
            "submitted_values",
        ),
        (
            "form bad email",
            id(&form),
            "me",
            json!([{"name": "email", "value": "ana"}]),
            422,
            "submitted_values[0].value",
        ),
        (
            "form unknown field",
            id(&form),
            "me",
            json!([{"name": "email", "value": "a@b.co"}, {"name": "age", "value": "3"}]),
            422,
            "submitted_values[1].name",
        ),
        (
            "form bad option",
            id(&form),
            "me",
            json!([{"name": "email", "value": "a@b.co"}, {"name": "size", "value": "xl"}]),
            422,
            "submitted_values[1].value",
        ),
        (
            "csat ok",
            id(&csat),
            "me",
            json!({"csat_survey_response": {"rating": 4, "feedback_message": "good"}}),
            200,
            "",
        ),
        (
            "csat out of range",
            id(&csat),
            "me",
            json!({"csat_survey_response": {"rating": 9}}),
            422,
            "submitted_values.csat_survey_response.rating",
        ),
        (
            "csat as list",
            id(&csat),
            "me",
            json!([{"value": "4"}]),
            422,
            "submitted_values",
        ),
        (
            "text message",
            id(&text),
            "me",
            json!([{"value": "x"}]),
            422,
            "id",
        ),
        (
            "other visitor",
            id(&select),
            "other",
            json!([{"value": "pro"}]),
            404,
            "id",
        ),
        (
            "no such message",
            99_999,
            "me",
            json!([{"value": "pro"}]),
            404,
            "id",
        ),
        (
            "missing body field",
            id(&select),
            "me",
            json!({}),
            422,
            "submitted_values",
        ),
    ];
    let c = client();
    for (name, mid, who, values, status, path) in cases {
        let tok = if who == "me" { &jwt } else { &other };
        let body = if values == json!({}) {
            json!({})
        } else {
            json!({"submitted_values": values})
        };
        let r = c
            .patch(format!(
                "{base}/api/v1/widget/messages/{mid}?website_token={TOKEN}"
            ))
            .header("X-Auth-Token", tok)
            .header("Origin", "https://shop.example")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{name}");
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let v: Value = r.json().await.unwrap();
        if status == 200 {
            assert_eq!(v["id"], mid, "{name}");
            assert!(
                !v["content_attributes"]["submitted_values"].is_null(),
                "{name}: {v}"
            );
            assert_eq!(v["sender"]["type"], "user", "{name}");
        } else {
            assert_eq!(v["path"], path, "{name}: {v}");
        }
    }
    // The stored answer is what GET returns.
    let msgs: Value = c
        .get(format!(
            "{base}/api/v1/widget/messages?website_token={TOKEN}"
        ))
        .header("X-Auth-Token", &jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sel = msgs
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == select["id"])
        .unwrap();
    assert_eq!(
        sel["content_attributes"]["submitted_values"],
        json!([{"title": "Free", "value": "free"}])
    );
    assert_eq!(sel["content_attributes"]["items"][0]["value"], "pro");
    // PATCH is allowed cross-origin.
    let r = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{base}/api/v1/widget/messages/1"),
        )
        .header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "PATCH")
        .send()
        .await
        .unwrap();
    assert!(r.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("PATCH"));
    server.shutdown().await;
}

#[tokio::test]
async fn agent_console_is_served_with_the_token_and_no_inline_code() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let base = server.url();
    let c = client();
    let r = c.get(format!("{base}/agent")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("content=\"{AGENT}\"")));
    assert!(!html.contains("<script>") && !html.contains("style="));
    // Under another host name (DNS rebinding) the page, and so the token, is refused.
    let r = c
        .get(format!("{base}/agent"))
        .header("Host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(!r.text().await.unwrap().contains(AGENT));
    for asset in ["agent.js", "agent.css"] {
        let r = c.get(format!("{base}/agent/{asset}")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let body = r.text().await.unwrap();
        assert!(!body.contains("innerHTML"), "{asset}");
    }
    server.shutdown().await;
}
