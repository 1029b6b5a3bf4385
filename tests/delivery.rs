//! The delivery state machine driven by a simulated clock and simulated receivers.

use evolvy_widget::delivery::queue::MachineConfig;
use evolvy_widget::delivery::{
    EmitterConfig, Machine, Notice, Outcome, PlatformConfig, RetryPolicy, Send, Target,
};
use serde_json::{json, Value};
use std::collections::HashMap;

fn ids() -> impl FnMut() -> String {
    let mut n = 0;
    move || {
        n += 1;
        format!("id-{n}")
    }
}

fn hook(url: &str) -> Target {
    Target::Webhook {
        url: url.into(),
        simple: false,
    }
}

fn ok() -> Outcome {
    Outcome::Status {
        status: 200,
        retry_after: None,
        body: String::new(),
    }
}

fn status(s: u16) -> Outcome {
    Outcome::Status {
        status: s,
        retry_after: None,
        body: format!("body of {s}"),
    }
}

fn header<'a>(s: &'a Send, name: &str) -> Option<&'a str> {
    s.request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Runs the machine until idle: `answer(attempt_no, send)` scripts the receiver. Returns every
/// request made, in order, and every notice.
fn run(
    m: &mut Machine,
    mut now: u64,
    max_steps: usize,
    mut answer: impl FnMut(usize, &Send, u64) -> Outcome,
) -> (Vec<(u64, Send)>, Vec<Notice>, u64) {
    let mut sent = Vec::new();
    let mut notices = Vec::new();
    for _ in 0..max_steps {
        let (sends, n) = m.poll(now, None);
        notices.extend(n);
        for s in sends {
            let o = answer(sent.len(), &s, now);
            sent.push((now, s.clone()));
            notices.extend(m.complete(&s.id, o, now, 0.5));
        }
        match m.next_wake_ms() {
            Some(t) => now = now.max(t),
            None => break,
        }
    }
    (sent, notices, now)
}

#[test]
fn server_errors_are_retried_with_backoff_and_the_same_id() {
    let mut m = Machine::new(MachineConfig::default());
    m.enqueue(
        "message_created",
        &json!({"n": 1}),
        &[hook("https://a/h")],
        1_000,
        &mut ids(),
    );
    let (sent, notices, _) = run(
        &mut m,
        1_000,
        50,
        |i, _, _| if i < 3 { status(503) } else { ok() },
    );
    assert_eq!(sent.len(), 4);
    assert!(sent
        .iter()
        .all(|(_, s)| header(s, "webhook-id") == Some("id-1")));
    let times: Vec<u64> = sent.iter().map(|(t, _)| *t).collect();
    assert_eq!(times, [1_000, 1_500, 2_500, 4_500]);
    assert_eq!(header(&sent[3].1, "webhook-timestamp"), Some("4"));
    assert_eq!(
        header(&sent[3].1, "X-Evolvy-Event"),
        Some("message_created")
    );
    assert_eq!(sent[3].1.request.content_type(), "application/json");
    assert!(matches!(
        &notices[..],
        [Notice::Delivered {
            attempts: 4,
            status: 200,
            ..
        }]
    ));
    assert_eq!(m.pending(), 0);
}

#[test]
fn client_errors_are_dropped_with_status_and_body() {
    let mut m = Machine::new(MachineConfig::default());
    m.enqueue(
        "contact_created",
        &json!({}),
        &[hook("https://a/h")],
        0,
        &mut ids(),
    );
    let (sent, notices, _) = run(&mut m, 0, 10, |_, _, _| status(422));
    assert_eq!(sent.len(), 1);
    match &notices[..] {
        [Notice::Failed {
            status: Some(422),
            body,
            reason,
            ..
        }] => {
            assert_eq!(body, "body of 422");
            assert!(reason.contains("422"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn retry_after_is_honoured() {
    let mut m = Machine::new(MachineConfig::default());
    m.enqueue(
        "contact_created",
        &json!({}),
        &[hook("https://a/h")],
        0,
        &mut ids(),
    );
    let (sent, _, _) = run(&mut m, 0, 10, |i, _, _| {
        if i == 0 {
            Outcome::Status {
                status: 429,
                retry_after: Some("30".into()),
                body: String::new(),
            }
        } else {
            ok()
        }
    });
    assert_eq!(sent[1].0, 30_000);
}

#[test]
fn gives_up_after_the_bounded_total_time() {
    let policy = RetryPolicy {
        give_up_after_ms: 10 * 60_000,
        ..RetryPolicy::default()
    };
    let mut m = Machine::new(MachineConfig {
        policy,
        ..MachineConfig::default()
    });
    m.enqueue(
        "contact_created",
        &json!({}),
        &[hook("https://a/h")],
        0,
        &mut ids(),
    );
    let (sent, notices, end) = run(&mut m, 0, 1000, |_, _, _| {
        Outcome::Network("refused".into())
    });
    assert!(sent.len() > 5 && sent.len() < 30, "{}", sent.len());
    assert!(end <= 10 * 60_000);
    assert!(matches!(&notices[..], [Notice::Failed { reason, .. }] if reason.contains("gave up")));
    assert_eq!(m.pending(), 0);
}

#[test]
fn offline_holds_and_online_resumes_at_once() {
    let mut m = Machine::new(MachineConfig::default());
    m.enqueue(
        "contact_created",
        &json!({}),
        &[hook("https://a/h")],
        0,
        &mut ids(),
    );
    let (s, _) = m.poll(0, None);
    m.complete(&s[0].id, Outcome::Network("offline".into()), 0, 0.5);
    m.set_online(false, 10);
    assert!(m.poll(100_000, None).0.is_empty());
    // A 429 waits for its Retry-After even when the network comes back; a network error does not.
    m.enqueue(
        "contact_updated",
        &json!({}),
        &[hook("https://a/h")],
        100_000,
        &mut ids(),
    );
    m.set_online(true, 100_000);
    let (s, _) = m.poll(100_000, None);
    assert_eq!(s.len(), 2);
    m.complete(&s[0].id, ok(), 100_000, 0.5);
    m.complete(
        &s[1].id,
        Outcome::Status {
            status: 429,
            retry_after: Some("60".into()),
            body: String::new(),
        },
        100_000,
        0.5,
    );
    m.set_online(false, 100_001);
    m.set_online(true, 100_002);
    assert!(m.poll(100_002, None).0.is_empty());
    assert_eq!(m.poll(160_000, None).0.len(), 1);
}

#[test]
fn fan_out_one_id_per_target_and_concurrency_bound() {
    let mut m = Machine::new(MachineConfig::default());
    let mut gen = ids();
    for n in 0..10 {
        m.enqueue(
            "message_created",
            &json!({"n": n}),
            &[hook("https://a/h"), hook("https://b/h")],
            0,
            &mut gen,
        );
    }
    assert_eq!(m.pending(), 20);
    let (s, _) = m.poll(0, None);
    assert_eq!(s.len(), 8, "4 per webhook");
    let ids: std::collections::HashSet<_> = s.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids.len(), 8);
}

#[test]
fn overflow_drops_the_oldest_and_says_so() {
    let mut m = Machine::new(MachineConfig {
        max_queue: 3,
        ..MachineConfig::default()
    });
    let mut gen = ids();
    let mut notices = Vec::new();
    for n in 0..5 {
        notices.extend(m.enqueue(
            "contact_created",
            &json!({"n": n}),
            &[hook("https://a/h")],
            n,
            &mut gen,
        ));
    }
    assert_eq!(m.pending(), 3);
    assert_eq!(m.items()[0].payload["n"], 2);
    assert_eq!(notices.len(), 2);
    assert!(
        matches!(&notices[0], Notice::Failed { id, reason, .. } if id == "id-1" && reason.contains("queue full"))
    );
}

#[test]
fn snapshot_survives_a_reload_and_keeps_ids() {
    let mut m = Machine::new(MachineConfig::default());
    m.enqueue(
        "contact_created",
        &json!({"n": 1}),
        &[hook("https://a/h")],
        0,
        &mut ids(),
    );
    let (s, _) = m.poll(0, None);
    assert_eq!(s.len(), 1);
    // The page dies with the request in flight: the persisted copy is due again at once.
    let snap = m.snapshot();
    let mut reloaded = Machine::new(MachineConfig::default());
    assert!(reloaded.restore(&snap, 1).unwrap().is_empty());
    let (s2, _) = reloaded.poll(1, None);
    assert_eq!(s2.len(), 1);
    assert_eq!(s2[0].id, "id-1");
    // A delivery persisted while backing off is due at once in the page that restores it.
    let mut backing_off = Machine::new(MachineConfig::default());
    backing_off.enqueue(
        "contact_created",
        &json!({}),
        &[hook("https://a/h")],
        0,
        &mut ids(),
    );
    let (s3, _) = backing_off.poll(0, None);
    backing_off.complete(&s3[0].id, status(503), 0, 0.5);
    assert!(backing_off.poll(10, None).0.is_empty());
    let mut next_page = Machine::new(MachineConfig::default());
    next_page.restore(&backing_off.snapshot(), 10).unwrap();
    let (s4, _) = next_page.poll(10, None);
    assert_eq!(s4.len(), 1);
    assert_eq!(
        next_page.items()[0].attempts,
        1,
        "attempts survive the reload"
    );
    // Merging the same snapshot again (another tab adopting it) never duplicates.
    reloaded.restore(&snap, 1).unwrap();
    assert_eq!(reloaded.pending(), 1);
    assert!(reloaded.restore("{nope", 1).is_err());
    assert!(reloaded.restore(r#"{"v":9,"items":[]}"#, 1).is_err());
}

#[test]
fn unload_fits_the_keepalive_budget_and_keeps_everything_queued() {
    let mut m = Machine::new(MachineConfig::default());
    let mut gen = ids();
    let big = "x".repeat(10_000);
    for n in 0..10 {
        m.enqueue(
            "contact_created",
            &json!({"n": n, "pad": big}),
            &[hook("https://a/h")],
            0,
            &mut gen,
        );
    }
    let (inflight, _) = m.poll(0, None);
    assert_eq!(inflight.len(), 4);
    let hidden = m.unload(0, 52_428, false, None);
    assert_eq!(hidden.len(), 5, "6 do not fit in 0.8 × 64 KiB");
    assert!(hidden
        .iter()
        .all(|s| !inflight.iter().any(|i| i.id == s.id)));
    let total: usize = hidden.iter().map(|s| s.request.cost()).sum();
    assert!(total <= 52_428);
    assert_eq!(m.pending(), 10);
    // At pagehide the in-flight ones (about to be cancelled) go too, if they fit.
    let gone = m.unload(1, 52_428, true, None);
    assert_eq!(gone.len(), 5);
    // Beaconed deliveries come back due when their lease ends without a readable response.
    assert!(m.poll(2, None).0.is_empty());
    assert_eq!(m.poll(20_000, None).0.len(), 4);
    // A refused beacon is released at once.
    let mut m2 = Machine::new(MachineConfig::default());
    m2.enqueue(
        "contact_created",
        &json!({}),
        &[hook("https://a/h")],
        0,
        &mut ids(),
    );
    let b = m2.unload(0, 60_000, false, None);
    m2.release(&[b[0].id.clone()]);
    assert_eq!(m2.poll(0, None).0.len(), 1);
}

#[test]
fn simple_mode_puts_ids_in_the_query_and_sends_text_plain() {
    let mut m = Machine::new(MachineConfig::default());
    m.enqueue(
        "message_created",
        &json!({"a": 1}),
        &[Target::Webhook {
            url: "http://127.0.0.1:9/h?k=v".into(),
            simple: true,
        }],
        5_000,
        &mut ids(),
    );
    let (s, _) = m.poll(5_000, None);
    let r = &s[0].request;
    assert_eq!(
        r.url,
        "http://127.0.0.1:9/h?k=v&webhook-id=id-1&webhook-timestamp=5&event=message_created"
    );
    assert_eq!(r.headers.len(), 1);
    assert_eq!(r.content_type(), "text/plain;charset=UTF-8");
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap(),
        json!({"a": 1})
    );
    m.complete(&s[0].id, Outcome::Opaque, 5_000, 0.5);
    assert_eq!(m.pending(), 0);
}

fn platform_cfg() -> PlatformConfig {
    let (cfg, errs) = EmitterConfig::from_value(&json!({
        "baseUrl": "http://127.0.0.1:1", "websiteToken": "T", "authToken": "J", "locale": "pt_BR"}));
    assert!(errs.is_empty());
    cfg.platform.unwrap()
}

#[test]
fn platform_is_serial_and_adopts_the_conversation_id() {
    let p = platform_cfg();
    let mut m = Machine::new(MachineConfig::default());
    let mut gen = ids();
    let info = json!({"event_info": {"initiated_at": {"timestamp": "T"}, "referer": "https://r/"}});
    m.enqueue(
        "webwidget_triggered",
        &info,
        &[Target::Platform],
        0,
        &mut gen,
    );
    for n in 0..3 {
        m.enqueue(
            "message_created",
            &json!({"content": format!("m{n}"), "timestamp": "T"}),
            &[Target::Platform],
            0,
            &mut gen,
        );
    }
    m.enqueue(
        "message_created",
        &json!({"conversation": {"id": null}}),
        &[hook("https://a/h")],
        0,
        &mut gen,
    );
    let mut paths = Vec::new();
    let mut now = 0;
    let mut fails = 0;
    for _ in 0..50 {
        let (sends, _) = m.poll(now, Some(&p));
        let platform_sends = sends
            .iter()
            .filter(|s| s.request.url.contains("/api/v1/widget/"))
            .count();
        assert!(platform_sends <= 1, "one platform request at a time");
        for s in sends {
            let path = s
                .request
                .url
                .split('?')
                .next()
                .unwrap()
                .replace("http://127.0.0.1:1", "");
            let o = if path.ends_with("/events") {
                assert_eq!(header(&s, "X-Auth-Token"), Some("J"));
                assert!(s.request.url.ends_with("?website_token=T&locale=pt_BR"));
                Outcome::Status {
                    status: 204,
                    retry_after: None,
                    body: String::new(),
                }
            } else if path.ends_with("/conversations") {
                // The first try fails: the messages behind it must wait, not go to /messages.
                fails += 1;
                if fails == 1 {
                    status(502)
                } else {
                    Outcome::Status { status: 200, retry_after: None, body: json!({"id": 77, "inbox_id": 1, "status": "open", "messages": [{"id": 1, "message_type": 0, "created_at": 0, "conversation_id": 77}]}).to_string() }
                }
            } else if path.ends_with("/messages") {
                let id = 2 + paths
                    .iter()
                    .filter(|p: &&String| p.ends_with("/messages"))
                    .count() as u64;
                Outcome::Status {
                    status: 200,
                    retry_after: None,
                    body:
                        json!({"id": id, "message_type": 0, "created_at": 0, "conversation_id": 77})
                            .to_string(),
                }
            } else {
                // The webhook is answered only after the conversation exists, and carries its id.
                // (it is accepted only once its body carries the adopted conversation id).
                let body: Value = serde_json::from_str(&s.request.body).unwrap();
                if body["conversation"]["id"] == 77 {
                    ok()
                } else {
                    status(503)
                }
            };
            paths.push(path);
            m.complete(&s.id, o, now, 0.5);
        }
        match m.next_wake_ms() {
            Some(t) => now = now.max(t),
            None => break,
        }
    }
    let platform: Vec<&str> = paths
        .iter()
        .map(String::as_str)
        .filter(|p| p.starts_with("/api"))
        .collect();
    assert_eq!(
        platform,
        [
            "/api/v1/widget/events",
            "/api/v1/widget/conversations",
            "/api/v1/widget/conversations",
            "/api/v1/widget/messages",
            "/api/v1/widget/messages",
        ]
    );
    assert_eq!(m.platform_ids().conversation_id, Some(77));
    assert_eq!(m.platform_ids().last_message_id, Some(3));
    assert_eq!(m.pending(), 0);
}

/// A fault table in miniature: random receiver failures and reloads, nothing lost.
#[test]
fn chaos_nothing_lost_and_duplicates_share_ids() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut m = Machine::new(MachineConfig::default());
    let mut gen = ids();
    let mut received: HashMap<String, usize> = HashMap::new();
    let mut now = 0u64;
    for n in 0..200u64 {
        m.enqueue(
            "message_created",
            &json!({"n": n}),
            &[hook("https://a/h")],
            now,
            &mut gen,
        );
        let (sends, _) = m.poll(now, None);
        for s in sends {
            let r = rnd();
            if r < 0.3 {
                m.complete(&s.id, status(500), now, rnd());
            } else if r < 0.4 {
                *received.entry(s.id.clone()).or_default() += 1; // arrived, answer lost
                m.complete(&s.id, Outcome::Timeout, now, rnd());
            } else if r < 0.45 {
                // Reload: the in-flight request is lost with the page.
                let snap = m.snapshot();
                m = Machine::new(MachineConfig::default());
                m.restore(&snap, now).unwrap();
            } else {
                *received.entry(s.id.clone()).or_default() += 1;
                m.complete(&s.id, ok(), now, rnd());
            }
        }
        now += 300;
    }
    for _ in 0..10_000 {
        if m.pending() == 0 {
            break;
        }
        now = now.max(m.next_wake_ms().unwrap_or(now));
        let (sends, _) = m.poll(now, None);
        for s in sends {
            *received.entry(s.id.clone()).or_default() += 1;
            m.complete(&s.id, ok(), now, rnd());
        }
    }
    assert_eq!(m.pending(), 0);
    assert_eq!(received.len(), 200, "every event arrived");
    assert!(
        received.values().any(|&c| c > 1),
        "the scenario did produce duplicates"
    );
}

#[test]
fn flush_skips_backoff_and_wake_ignores_platform_items_behind_the_head() {
    let p = platform_cfg();
    let mut m = Machine::new(MachineConfig::default());
    let mut gen = ids();
    for n in 0..2 {
        m.enqueue(
            "message_created",
            &json!({"content": format!("m{n}")}),
            &[Target::Platform],
            0,
            &mut gen,
        );
    }
    let (s, _) = m.poll(0, Some(&p));
    assert_eq!(s.len(), 1, "one platform request at a time");
    m.complete(&s[0].id, status(503), 0, 0.5);
    // The second message is due, but waits behind the head: the wake time is the head's retry.
    assert_eq!(m.next_wake_ms(), Some(500));
    assert!(m.poll(100, Some(&p)).0.is_empty());
    m.hurry(100);
    let (s, _) = m.poll(100, Some(&p));
    assert_eq!(s.len(), 1);
    assert!(s[0].request.url.contains("/conversations"));
}
