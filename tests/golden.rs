//! Golden tests of the payload model: every event's fixture (`tests/fixtures/events/`) parses,
//! re-serializes byte for byte (keys, order, value types) and round-trips; `build_event` fills
//! defaults into the documented shape; and every failure names the offending field exactly.

use std::fs;
use std::path::{Path, PathBuf};

use evolvy_widget::model::{
    build_event, changed_attributes, ChangedAttribute, ContentItem, ContentType, Conversation,
    ConversationStatus, Event, EventName, MessageType, ModelError, Sender, SubmittedValues,
    MAX_DEPTH,
};
use serde_json::{json, Map, Value};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events")
}

fn read_fixture(path: &Path) -> (String, Value) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (text, value)
}

/// Every fixture file: `<event>.json` and its variants `<event>.<variant>.json`.
fn all_fixtures() -> Vec<(EventName, PathBuf)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(fixtures_dir()).expect("fixtures dir") {
        let path = entry.expect("dir entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8 name");
        let name = stem.split('.').next().unwrap_or(stem);
        let event: EventName = name
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push((event, path));
    }
    out.sort();
    out
}

/// Parses a fixture and checks the exact round trip; returns the event.
fn assert_golden(expected_name: EventName, path: &Path) -> Event {
    let (text, value) = read_fixture(path);
    assert_eq!(value["event"], expected_name.as_str(), "{}", path.display());
    let event =
        Event::from_value(value.clone()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(event.name(), expected_name);
    let out = event.to_value();
    // Compact strings compare key order and number forms, not just map contents.
    assert_eq!(
        serde_json::to_string(&out).unwrap(),
        serde_json::to_string(&value).unwrap(),
        "{} does not re-serialize identically",
        path.display()
    );
    assert_eq!(
        serde_json::to_string_pretty(&out).unwrap() + "\n",
        text,
        "{}: pretty form differs",
        path.display()
    );
    assert_eq!(
        out.as_object()
            .and_then(|m| m.keys().next())
            .map(String::as_str),
        Some("event")
    );
    // And the typed value itself round-trips.
    assert_eq!(Event::from_value(out).unwrap(), event);
    event
}

#[test]
fn every_event_name_has_a_golden_fixture() {
    for name in EventName::ALL {
        let path = fixtures_dir().join(format!("{}.json", name.as_str()));
        assert!(path.exists(), "missing fixture {}", path.display());
        assert_golden(name, &path);
    }
}

#[test]
fn every_fixture_variant_round_trips() {
    let fixtures = all_fixtures();
    assert!(fixtures.len() >= EventName::ALL.len() + 4, "{fixtures:?}");
    for (name, path) in fixtures {
        assert_golden(name, &path);
    }
}

#[test]
fn fixtures_also_read_through_serde() {
    for (_, path) in all_fixtures() {
        let (text, _) = read_fixture(&path);
        let event: Event = serde_json::from_str(&text).unwrap();
        let again: Event = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(again, event);
    }
}

#[test]
fn message_type_is_a_name_on_top_and_an_integer_inside() {
    let path = fixtures_dir().join("message_created.json");
    let Event::MessageCreated(m) = assert_golden(EventName::MessageCreated, &path) else {
        panic!("not a message_created");
    };
    assert_eq!(m.message_type, MessageType::Incoming);
    assert_eq!(m.created_at, "2026-11-25 15:24:12 UTC");
    assert_eq!(
        m.conversation.messages[0].message_type,
        MessageType::Incoming
    );
    assert_eq!(m.conversation.messages[0].created_at, 1_795_620_252);
    let v = Event::MessageCreated(m).to_value();
    assert_eq!(v["message_type"], json!("incoming"));
    assert_eq!(v["conversation"]["messages"][0]["message_type"], json!(0));
    assert!(v["conversation"]["messages"][0]["created_at"].is_i64());
}

#[test]
fn content_attributes_are_typed_per_content_type() {
    let load = |file: &str| -> Event {
        let path = fixtures_dir().join(file);
        let name = file.split('.').next().unwrap().parse().unwrap();
        assert_golden(name, &path)
    };
    let message = |e: Event| match e {
        Event::MessageCreated(m) | Event::MessageUpdated(m) => m,
        other => panic!("not a message event: {other:?}"),
    };

    let cards = message(load("message_created.cards.json"));
    assert_eq!(cards.content_type, ContentType::Cards);
    let items = cards.content_attributes.items.as_deref().unwrap();
    let actions = items[0].actions.as_deref().unwrap();
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[1].payload.as_deref(), Some("plan_pro"));

    let form = message(load("message_updated.form.json"));
    assert_eq!(form.content_type, ContentType::Form);
    let fields = form.content_attributes.items.as_deref().unwrap();
    assert_eq!(fields[0].required, Some(true));
    assert_eq!(fields[1].options.as_ref().unwrap()[0].value, "small");
    assert!(matches!(&form.content_attributes.submitted_values,
        Some(SubmittedValues::List(v)) if v[0].name.as_deref() == Some("email")));
    assert!(form.sender.is_none());

    let csat = message(load("message_updated.csat.json"));
    assert!(matches!(&csat.content_attributes.submitted_values,
        Some(SubmittedValues::Csat(c)) if c.csat_survey_response.rating == 5));
    assert_eq!(csat.content_attributes.in_reply_to, Some(1003));
    // An attribute the model does not know survives untouched.
    assert_eq!(
        csat.content_attributes.other["x_evolvy_survey"],
        json!({"campaign": "nov-2026"})
    );

    let select = message(load("message_updated.json"));
    assert_eq!(select.content_type, ContentType::InputSelect);
    assert_eq!(
        select.content_attributes.items.as_deref().unwrap()[1],
        ContentItem {
            title: Some("Plano Pro".into()),
            value: Some("pro".into()),
            ..Default::default()
        }
    );
    assert!(matches!(select.sender, Some(Sender::User(_))));
}

/// The event's attributes: the fixture without `"event"`.
fn attributes(file: &str) -> Value {
    let (_, mut v) = read_fixture(&fixtures_dir().join(file));
    v.as_object_mut().unwrap().shift_remove("event");
    v
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn build_event_from_fixture_attributes_equals_the_fixture() {
    for name in EventName::ALL {
        let file = format!("{}.json", name.as_str());
        let built = match name {
            EventName::ConversationUpdated
            | EventName::ConversationStatusChanged
            | EventName::ContactUpdated => continue,
            _ => build_event(name.as_str(), attributes(&file)).unwrap(),
        };
        let (_, fixture) = read_fixture(&fixtures_dir().join(&file));
        assert_eq!(
            serde_json::to_string(&built.to_value()).unwrap(),
            serde_json::to_string(&fixture).unwrap(),
            "{file}"
        );
    }
    // `event` may be given when it agrees with the name.
    let mut attrs = attributes("contact_created.json");
    attrs["event"] = json!("contact_created");
    assert_eq!(
        build_event("contact_created", attrs).unwrap().name(),
        EventName::ContactCreated
    );
}

#[test]
fn build_webwidget_triggered_from_minimal_input() {
    let e = build_event(
        "webwidget_triggered",
        json!({
            "id": 57,
            "contact": {"id": 42},
            "inbox": {"id": 3},
            "account": {"id": 1},
            "source_id": "b1f7c3e2",
            "event_info": {"initiated_at": {"timestamp": "Wed Nov 25 2026 12:24:12 GMT-0300"}, "referer": "https://x.io/"}
        }),
    )
    .unwrap();
    let v = e.to_value();
    assert_eq!(
        keys(&v),
        [
            "event",
            "id",
            "contact",
            "inbox",
            "account",
            "current_conversation",
            "source_id",
            "event_info"
        ]
    );
    assert_eq!(v["event"], "webwidget_triggered");
    assert!(v["current_conversation"].is_null());
    assert_eq!(v["contact"]["type"], "contact");
    assert_eq!(
        keys(&v["contact"]),
        [
            "id",
            "name",
            "avatar",
            "type",
            "email",
            "phone_number",
            "identifier",
            "custom_attributes",
            "additional_attributes"
        ]
    );
    assert_eq!(
        keys(&v["event_info"]),
        [
            "initiated_at",
            "referer",
            "widget_language",
            "browser_language",
            "browser"
        ]
    );
}

#[test]
fn build_message_created_from_minimal_input() {
    let e = build_event(
        "message_created",
        json!({
            "id": 1001,
            "content": "Oi",
            "message_type": "incoming",
            "created_at": "2026-11-25 15:24:12 UTC",
            "sender": {"type": "contact", "id": 42},
            "account": {"id": 1},
            "inbox": {"id": 3},
            "conversation": {"id": 128, "inbox_id": 3,
                "messages": [{"id": 1001, "message_type": 0, "created_at": 1795620252, "sender": {"type": "contact", "id": 42}}]}
        }),
    )
    .unwrap();
    let v = e.to_value();
    assert_eq!(
        keys(&v),
        [
            "event",
            "id",
            "content",
            "message_type",
            "created_at",
            "private",
            "source_id",
            "content_type",
            "content_attributes",
            "sender",
            "account",
            "conversation",
            "inbox"
        ]
    );
    assert_eq!(v["message_type"], "incoming");
    assert_eq!(v["content_type"], "text");
    assert_eq!(v["content_attributes"], json!({}));
    assert_eq!(v["sender"]["type"], "contact");
    let conv = &v["conversation"];
    assert_eq!(conv["can_reply"], true);
    assert_eq!(conv["channel"], "Channel::WebWidget");
    assert_eq!(conv["status"], "open");
    assert_eq!(conv["messages"][0]["message_type"], 0);
    assert_eq!(conv["messages"][0]["created_at"], 1795620252);
    assert_eq!(conv["messages"][0]["sender"]["type"], "contact");
    assert_eq!(keys(&conv["meta"]), ["sender", "assignee", "team"]);
    let Event::MessageCreated(m) = e else {
        panic!()
    };
    assert!(m.conversation.messages[0].content_attributes.is_empty());
}

#[test]
fn build_conversation_updated_diffs_previous_and_current() {
    let previous = attributes("conversation_created.json");
    let mut current = previous.clone();
    current["status"] = json!("pending");
    current["priority"] = json!("high");
    current["meta"]["team"] = json!({"id": 2, "name": "Vendas"});
    current["unread_count"] = json!(5); // untracked
    let e = build_event(
        "conversation_updated",
        json!({"previous": previous, "current": current}),
    )
    .unwrap();
    let v = e.to_value();
    assert_eq!(
        &keys(&v)[..3],
        ["event", "changed_attributes", "additional_attributes"]
    );
    assert_eq!(
        v["changed_attributes"],
        json!([
            {"team_id": {"current_value": 2, "previous_value": null}},
            {"status": {"current_value": "pending", "previous_value": "open"}},
            {"priority": {"current_value": "high", "previous_value": null}}
        ])
    );
    assert_eq!(v["unread_count"], 5);
    assert_eq!(v["meta"]["team"]["name"], "Vendas");

    // The golden conversation_updated is exactly what build_event computes from its two states.
    let golden = attributes("conversation_updated.json");
    let mut current = golden.clone();
    current
        .as_object_mut()
        .unwrap()
        .shift_remove("changed_attributes");
    let built = build_event(
        "conversation_updated",
        json!({"previous": attributes("conversation_created.json"), "current": current}),
    )
    .unwrap();
    let (_, fixture) = read_fixture(&fixtures_dir().join("conversation_updated.json"));
    assert_eq!(
        serde_json::to_string(&built.to_value()).unwrap(),
        serde_json::to_string(&fixture).unwrap()
    );
}

#[test]
fn build_conversation_status_changed_reports_only_the_status() {
    let previous = attributes("conversation_created.json");
    let mut current = previous.clone();
    current["status"] = json!("resolved");
    current["labels"] = json!(["vendas"]);
    let e = build_event(
        "conversation_status_changed",
        json!({"previous": previous, "current": current}),
    )
    .unwrap();
    let Event::ConversationStatusChanged(u) = &e else {
        panic!()
    };
    assert_eq!(
        u.changed_attributes,
        vec![ChangedAttribute::new(
            "status",
            json!("open"),
            json!("resolved")
        )]
    );
    assert_eq!(u.conversation.status, ConversationStatus::Resolved);
    assert_eq!(e.to_value()["labels"], json!(["vendas"]));
}

#[test]
fn build_contact_updated_from_two_states_or_from_the_contact() {
    let (_, golden) = read_fixture(&fixtures_dir().join("contact_updated.json"));
    let current = {
        let mut c = golden.clone();
        let m = c.as_object_mut().unwrap();
        m.shift_remove("event");
        m.shift_remove("changed_attributes");
        c
    };
    let previous = attributes("contact_created.json");
    let built = build_event(
        "contact_updated",
        json!({"previous": previous, "current": current.clone()}),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&built.to_value()).unwrap(),
        serde_json::to_string(&golden).unwrap()
    );
    // Given just the contact, changed_attributes defaults to empty.
    let v = build_event("contact_updated", current).unwrap().to_value();
    assert_eq!(&keys(&v)[..3], ["event", "changed_attributes", "id"]);
    assert_eq!(v["changed_attributes"], json!([]));
}

#[test]
fn build_typing_event_tags_the_user() {
    let e = build_event(
        "conversation_typing_on",
        json!({"user": {"type": "user", "id": 7, "name": "Carlos"}, "conversation": {"id": 128, "inbox_id": 3}}),
    )
    .unwrap();
    let v = e.to_value();
    assert_eq!(keys(&v), ["event", "user", "conversation", "is_private"]);
    assert_eq!(
        v["user"],
        json!({"id": 7, "name": "Carlos", "type": "user"})
    );
    assert_eq!(v["is_private"], false);
}

#[test]
fn changed_attributes_is_public_and_matches_the_golden_update() {
    let parse = |file: &str| -> Conversation {
        let mut v = attributes(file);
        v.as_object_mut()
            .unwrap()
            .shift_remove("changed_attributes");
        serde_json::from_value(v).unwrap()
    };
    let d = changed_attributes(
        &parse("conversation_created.json"),
        &parse("conversation_updated.json"),
    );
    let names: Vec<&str> = d.iter().map(|c| c.attribute.as_str()).collect();
    assert_eq!(names, ["assignee_id", "label_list"]);
}

/// How a failing case is run.
enum Call {
    FromValue(Value),
    Build(&'static str, Value),
}

fn run(call: Call) -> Result<Event, ModelError> {
    match call {
        Call::FromValue(v) => Event::from_value(v),
        Call::Build(name, v) => build_event(name, v),
    }
}

/// `f` applied to a copy of a fixture (full payload).
fn fixture_with(file: &str, f: impl FnOnce(&mut Value)) -> Value {
    let (_, mut v) = read_fixture(&fixtures_dir().join(file));
    f(&mut v);
    v
}

fn update_input(f: impl FnOnce(&mut Value)) -> Value {
    let previous = attributes("conversation_created.json");
    let mut current = previous.clone();
    current["status"] = json!("resolved");
    let mut input = json!({"previous": previous, "current": current});
    f(&mut input);
    input
}

#[test]
fn errors_name_the_offending_field() {
    let cases: Vec<(&str, Call, &str)> = vec![
        (
            "unknown event",
            Call::FromValue(json!({"event": "webwidget.triggered"})),
            "event",
        ),
        (
            "unknown event (build)",
            Call::Build("conversation_deleted", json!({})),
            "event",
        ),
        ("missing event", Call::FromValue(json!({"id": 1})), "event"),
        (
            "event not a string",
            Call::FromValue(json!({"event": 5})),
            "event",
        ),
        (
            "event disagrees with name",
            Call::Build(
                "contact_created",
                json!({"event": "contact_updated", "id": 1}),
            ),
            "event",
        ),
        ("payload not an object", Call::FromValue(json!([1, 2])), ""),
        (
            "build input not an object",
            Call::Build("contact_created", json!("x")),
            "",
        ),
        (
            "missing contact.id",
            Call::FromValue(fixture_with("webwidget_triggered.json", |v| {
                v["contact"].as_object_mut().unwrap().shift_remove("id");
            })),
            "contact.id",
        ),
        (
            "missing event_info",
            Call::FromValue(fixture_with("webwidget_triggered.json", |v| {
                v.as_object_mut().unwrap().shift_remove("event_info");
            })),
            "event_info",
        ),
        (
            "missing inbox_id",
            Call::FromValue(fixture_with("conversation_created.json", |v| {
                v.as_object_mut().unwrap().shift_remove("inbox_id");
            })),
            "inbox_id",
        ),
        (
            "contact.id a string",
            Call::FromValue(fixture_with("webwidget_triggered.json", |v| {
                v["contact"]["id"] = json!("42")
            })),
            "contact.id",
        ),
        (
            "negative id",
            Call::FromValue(fixture_with("contact_created.json", |v| {
                v["id"] = json!(-1)
            })),
            "id",
        ),
        (
            "bad status",
            Call::FromValue(fixture_with("conversation_created.json", |v| {
                v["status"] = json!("closed")
            })),
            "status",
        ),
        (
            "nested created_at a string",
            Call::FromValue(fixture_with("conversation_created.json", |v| {
                v["messages"][0]["created_at"] = json!("2026-11-25 15:24:12 UTC");
            })),
            "messages[0].created_at",
        ),
        (
            "top-level message_type an integer",
            Call::FromValue(fixture_with("message_created.json", |v| {
                v["message_type"] = json!(0)
            })),
            "message_type",
        ),
        (
            "unknown message_type name",
            Call::FromValue(fixture_with("message_created.json", |v| {
                v["message_type"] = json!("inbound")
            })),
            "message_type",
        ),
        (
            "nested message_type a name",
            Call::FromValue(fixture_with("message_created.json", |v| {
                v["conversation"]["messages"][0]["message_type"] = json!("incoming");
            })),
            "conversation.messages[0].message_type",
        ),
        (
            "nested message_type out of range",
            Call::FromValue(fixture_with("message_created.json", |v| {
                v["conversation"]["messages"][0]["message_type"] = json!(9);
            })),
            "conversation.messages[0].message_type",
        ),
        (
            "seed typo imput_select",
            Call::FromValue(fixture_with("message_updated.json", |v| {
                v["content_type"] = json!("imput_select")
            })),
            "content_type",
        ),
        (
            "bad card action type",
            Call::FromValue(fixture_with("message_created.cards.json", |v| {
                v["content_attributes"]["items"][0]["actions"][0]["type"] = json!("button");
            })),
            "content_attributes.items[0].actions[0].type",
        ),
        (
            "bad sender type",
            Call::FromValue(fixture_with("message_created.json", |v| {
                v["sender"]["type"] = json!("bot")
            })),
            "sender.type",
        ),
        (
            "sender without type",
            Call::FromValue(fixture_with("message_created.json", |v| {
                v["sender"].as_object_mut().unwrap().shift_remove("type");
            })),
            "sender.type",
        ),
        (
            "typing user with bad type",
            Call::FromValue(fixture_with("conversation_typing_on.json", |v| {
                v["user"]["type"] = json!("agent")
            })),
            "user.type",
        ),
        (
            "bad nested sender type (build)",
            Call::Build(
                "conversation_updated",
                update_input(|i| {
                    i["current"]["messages"][0]["sender"]["type"] = json!("bot");
                }),
            ),
            "current.messages[0].sender.type",
        ),
        (
            "contact tagged as user",
            Call::FromValue(fixture_with("contact_created.json", |v| {
                v["type"] = json!("user")
            })),
            "type",
        ),
        (
            "changed attribute with two keys",
            Call::FromValue(fixture_with("conversation_updated.json", |v| {
                v["changed_attributes"][1] = json!({"a": {}, "b": {}});
            })),
            "changed_attributes[1]",
        ),
        (
            "changed_attributes missing",
            Call::FromValue(fixture_with("conversation_status_changed.json", |v| {
                v.as_object_mut()
                    .unwrap()
                    .shift_remove("changed_attributes");
            })),
            "changed_attributes",
        ),
        (
            "conversation_updated with no differences",
            Call::Build(
                "conversation_updated",
                update_input(|i| {
                    i["current"] = i["previous"].clone();
                }),
            ),
            "current",
        ),
        (
            "status_changed with the same status",
            Call::Build(
                "conversation_status_changed",
                update_input(|i| {
                    i["current"]["status"] = json!("open");
                    i["current"]["labels"] = json!(["x"]);
                }),
            ),
            "current.status",
        ),
        (
            "update without previous",
            Call::Build(
                "conversation_updated",
                update_input(|i| {
                    i.as_object_mut().unwrap().shift_remove("previous");
                }),
            ),
            "previous",
        ),
        (
            "previous with a bad field",
            Call::Build(
                "conversation_updated",
                update_input(|i| i["previous"]["unread_count"] = json!(true)),
            ),
            "previous.unread_count",
        ),
        (
            "csat rating a string",
            Call::FromValue(fixture_with("message_updated.csat.json", |v| {
                v["content_attributes"]["submitted_values"]["csat_survey_response"]["rating"] =
                    json!("5");
            })),
            "content_attributes.submitted_values.csat_survey_response.rating",
        ),
        (
            "current_conversation wrong type",
            Call::FromValue(fixture_with("webwidget_triggered.json", |v| {
                v["current_conversation"] = json!(7)
            })),
            "current_conversation",
        ),
    ];
    for (what, call, path) in cases {
        match run(call) {
            Ok(e) => panic!("{what}: expected an error at `{path}`, got {e:?}"),
            Err(e) => {
                assert_eq!(e.path, path, "{what}: {e}");
                assert!(!e.message.is_empty(), "{what}");
            }
        }
    }
}

#[test]
fn hostile_inputs_fail_cleanly_or_pass_without_panicking() {
    // Deep nesting inside a free-form map.
    let mut deep = Value::Null;
    for _ in 0..10_000 {
        let mut m = Map::new();
        m.insert("k".into(), deep);
        deep = Value::Object(m);
    }
    let mut v = attributes("contact_created.json");
    v["custom_attributes"] = deep;
    let e = build_event("contact_created", v).unwrap_err();
    assert!(e.path.starts_with("custom_attributes.k.k"), "{}", e.path);
    assert!(e.message.contains(&MAX_DEPTH.to_string()));

    // A huge string is just a string.
    let big = "á".repeat(2_000_000);
    let v = fixture_with("message_created.json", |v| v["content"] = json!(big));
    let Event::MessageCreated(m) = Event::from_value(v).unwrap() else {
        panic!()
    };
    assert_eq!(m.content.map(|c| c.len()), Some(big.len()));

    // Wrong types everywhere: every top-level attribute of every fixture replaced by each kind.
    for (_, path) in all_fixtures() {
        let (_, fixture) = read_fixture(&path);
        for key in fixture.as_object().unwrap().keys() {
            for replacement in [
                json!(null),
                json!(true),
                json!(-3),
                json!(1.5),
                json!("s"),
                json!([]),
                json!({}),
            ] {
                let mut v = fixture.clone();
                v[key.as_str()] = replacement;
                if let Err(e) = Event::from_value(v) {
                    assert!(
                        e.path.starts_with(key.as_str()),
                        "{}: {key}: {e}",
                        path.display()
                    );
                }
            }
        }
    }
}

#[test]
fn the_payload_reference_shows_every_fixture_unchanged() {
    let docs =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/payloads.md")).unwrap();
    for (_, path) in all_fixtures() {
        let file = path.file_name().unwrap().to_str().unwrap();
        let (text, _) = read_fixture(&path);
        let block = format!("<!-- fixture: {file} -->\n```json\n{text}```");
        assert!(
            docs.contains(&block),
            "docs/payloads.md lacks the current {file}"
        );
    }
}
