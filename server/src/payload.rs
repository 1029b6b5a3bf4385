//! Every webhook payload this server builds or accepts, in one place.
//!
//! Validation and building go through this module only. Validation is the crate's event model
//! (`evolvy_widget::model::Event::from_value`, the same Rust code the wasm module runs); the
//! builders assemble platform-shaped payloads from stored rows, which are then parsed by that
//! model and stored in its canonical form ([`canonical`]).

use evolvy_widget::model::time::{iso8601_ms, platform_datetime};
use evolvy_widget::model::{Account, BrowserInfo, Event, EventInfo, EventName, Inbox, ModelError};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::store::{ContactInboxRow, ContactRow, ConversationRow, MessageRow};

/// The longest referer kept (the platform rejects top-level attribute strings of 1500+ chars).
pub const MAX_REFERER: usize = 1499;

// ---------------------------------------------------------------------------------------------
// Validation

/// serde names the struct for a missing field; name the field itself: `a` + "missing field `b`"
/// → `a.b`.
pub fn refine_path(path: String, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match missing {
        Some(f) if path.is_empty() || path == "." => f.to_owned(),
        Some(f) => format!("{path}.{f}"),
        None => path,
    }
}

/// Deserialises `v` as `T`, naming the failing field below `prefix`.
pub fn typed<T: DeserializeOwned>(v: &Value, prefix: &str) -> Result<T, ModelError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let inner = e.path().to_string();
        let path = match (prefix.is_empty(), inner == ".") {
            (true, _) => inner,
            (false, true) => prefix.to_owned(),
            (false, false) => format!("{prefix}.{inner}"),
        };
        let message = e.into_inner().to_string();
        ModelError::new(refine_path(path, &message), message)
    })
}

/// Checks a complete webhook payload with the crate's event model (the same code the wasm
/// module runs) and returns its event name. Errors name the offending field.
pub fn validate_event(v: &Value) -> Result<EventName, ModelError> {
    Event::from_value(v.clone()).map(|e| e.name())
}

/// Parses a payload this server built through the model and returns it in the model's canonical
/// wire form (what is stored and relayed).
pub fn canonical(v: Value) -> Result<(EventName, Value), ModelError> {
    let event = Event::from_value(v)?;
    Ok((event.name(), event.to_value()))
}

// ---------------------------------------------------------------------------------------------
// Context helpers

/// The primary language subtag of an `Accept-Language` header's first entry: `pt-BR,pt;q=0.9` → `pt`.
pub fn primary_language(accept_language: &str) -> String {
    accept_language
        .split(',')
        .next()
        .and_then(|first| first.split(';').next())
        .and_then(|tag| tag.trim().split(['-', '_']).next())
        .filter(|t| !t.is_empty() && *t != "*" && t.chars().all(|c| c.is_ascii_alphabetic()))
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_default()
}

/// The referer as the platform keeps it: http(s) only, at most [`MAX_REFERER`] characters.
/// A URL without a host (`https://`, `http:///x`) or with control characters is dropped too, as
/// the browser module does (`context::referer::sanitize_referer`).
pub fn clean_referer(referer: &str) -> String {
    evolvy_widget::context::referer::sanitize_referer(referer, false)
        .map(|r| r.chars().take(MAX_REFERER).collect())
        .unwrap_or_default()
}

/// The visitor's browser from its User-Agent, with the crate's own derivation
/// (`evolvy_widget::context::derive_browser`, the code the browser module runs).
pub fn derive_browser(user_agent: &str) -> BrowserInfo {
    evolvy_widget::context::derive_browser(user_agent, None)
}

// ---------------------------------------------------------------------------------------------
// Building

/// The account and inbox every payload names.
#[derive(Debug, Clone)]
pub struct Scene {
    /// The account.
    pub account: Account,
    /// The web-widget inbox.
    pub inbox: Inbox,
}

fn contact_object(scene: &Scene, c: &ContactRow) -> Value {
    json!({
        "account": {"id": scene.account.id, "name": scene.account.name},
        "additional_attributes": c.additional_attributes,
        "avatar": "",
        "custom_attributes": c.custom_attributes,
        "email": c.email,
        "id": c.id,
        "identifier": c.identifier,
        "name": c.name,
        "phone_number": c.phone_number,
        "thumbnail": "",
        "blocked": false,
    })
}

fn contact_sender(c: &ContactRow) -> Value {
    json!({
        "additional_attributes": c.additional_attributes,
        "custom_attributes": c.custom_attributes,
        "email": c.email,
        "id": c.id,
        "identifier": c.identifier,
        "name": c.name,
        "phone_number": c.phone_number,
        "thumbnail": "",
        "blocked": false,
        "type": "contact",
    })
}

fn message_in_conversation(scene: &Scene, m: &MessageRow, contact: &ContactRow) -> Value {
    json!({
        "id": m.id,
        "content": m.content,
        "account_id": scene.account.id,
        "inbox_id": scene.inbox.id,
        "conversation_id": m.conversation_id,
        "message_type": m.message_type,
        "created_at": m.created_at / 1000,
        "updated_at": iso8601_ms(m.created_at),
        "private": false,
        "status": "sent",
        "source_id": null,
        "content_type": m.content_type,
        "content_attributes": m.content_attributes,
        "sender_type": "Contact",
        "sender_id": contact.id,
        "external_source_ids": {},
        "additional_attributes": {},
        "processed_message_content": m.content,
        "sentiment": {},
        "conversation": {"assignee_id": null, "unread_count": 1, "last_activity_at": m.created_at / 1000,
                         "contact_inbox": {"source_id": null}},
        "sender": contact_sender(contact),
    })
}

/// The conversation object of conversation events (and `conversation` of message events).
pub fn conversation_object(
    scene: &Scene,
    conv: &ConversationRow,
    ci: &ContactInboxRow,
    contact: &ContactRow,
    messages: &[MessageRow],
) -> Value {
    let last_activity = messages.last().map_or(conv.updated_at, |m| m.created_at) / 1000;
    json!({
        "additional_attributes": conv.additional_attributes,
        "can_reply": true,
        "channel": "Channel::WebWidget",
        "contact_inbox": {
            "id": ci.id,
            "contact_id": ci.contact_id,
            "inbox_id": ci.inbox_id,
            "source_id": ci.source_id,
            "created_at": iso8601_ms(ci.created_at),
            "updated_at": iso8601_ms(ci.created_at),
            "hmac_verified": false,
            "pubsub_token": null,
        },
        "id": conv.id,
        "inbox_id": conv.inbox_id,
        "messages": messages.iter().map(|m| message_in_conversation(scene, m, contact)).collect::<Vec<_>>(),
        "labels": [],
        "meta": {
            "sender": contact_sender(contact),
            "assignee": null,
            "team": null,
            "hmac_verified": false,
        },
        "status": conv.status,
        "custom_attributes": conv.custom_attributes,
        "snoozed_until": null,
        "unread_count": messages.iter().filter(|m| m.message_type == 0).count(),
        "first_reply_created_at": null,
        "priority": null,
        "waiting_since": conv.created_at / 1000,
        "agent_last_seen_at": 0,
        "contact_last_seen_at": 0,
        "last_activity_at": last_activity,
        "timestamp": last_activity,
        "created_at": conv.created_at / 1000,
        "updated_at": conv.updated_at as f64 / 1000.0,
        "account_id": scene.account.id,
    })
}

fn with_event(mut v: Value, name: EventName) -> Value {
    if let Value::Object(o) = &mut v {
        o.insert("event".into(), Value::String(name.as_str().into()));
    }
    v
}

/// `contact_created` for a contact made by the widget config call.
pub fn contact_created(scene: &Scene, contact: &ContactRow) -> Value {
    with_event(contact_object(scene, contact), EventName::ContactCreated)
}

/// `webwidget_triggered`: the visitor opened the widget.
pub fn webwidget_triggered(
    scene: &Scene,
    ci: &ContactInboxRow,
    contact: &ContactRow,
    current_conversation: Option<Value>,
    event_info: &EventInfo,
) -> Value {
    json!({
        "id": ci.id,
        "contact": contact_object(scene, contact),
        "inbox": {"id": scene.inbox.id, "name": scene.inbox.name},
        "account": {"id": scene.account.id, "name": scene.account.name},
        "current_conversation": current_conversation,
        "source_id": ci.source_id,
        "event": EventName::WebwidgetTriggered.as_str(),
        "event_info": event_info,
    })
}

/// `conversation_created`.
pub fn conversation_created(
    scene: &Scene,
    conv: &ConversationRow,
    ci: &ContactInboxRow,
    contact: &ContactRow,
    messages: &[MessageRow],
) -> Value {
    with_event(
        conversation_object(scene, conv, ci, contact, messages),
        EventName::ConversationCreated,
    )
}

/// `message_created` for a visitor message.
pub fn message_created(
    scene: &Scene,
    m: &MessageRow,
    conv: &ConversationRow,
    ci: &ContactInboxRow,
    contact: &ContactRow,
    messages: &[MessageRow],
) -> Value {
    let kind = match m.message_type {
        1 => "outgoing",
        3 => "template",
        _ => "incoming",
    };
    json!({
        "account": {"id": scene.account.id, "name": scene.account.name},
        "additional_attributes": {},
        "content_attributes": m.content_attributes,
        "content_type": m.content_type,
        "content": m.content,
        "conversation": conversation_object(scene, conv, ci, contact, messages),
        "created_at": platform_datetime(m.created_at.div_euclid(1000)),
        "id": m.id,
        "inbox": {"id": scene.inbox.id, "name": scene.inbox.name},
        "message_type": kind,
        "private": false,
        "sender": contact_sender(contact),
        "source_id": null,
        "event": EventName::MessageCreated.as_str(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_referers() {
        assert_eq!(primary_language("pt-BR,pt;q=0.9,en;q=0.8"), "pt");
        assert_eq!(primary_language("EN_us"), "en");
        assert_eq!(primary_language("*"), "");
        assert_eq!(primary_language(""), "");
        assert_eq!(clean_referer("javascript:alert(1)"), "");
        assert_eq!(clean_referer("HTTPS://a.example/x"), "HTTPS://a.example/x");
        for no_host in [
            "https://",
            "http:///x",
            "https://?q",
            "https://a.example/\u{0}",
        ] {
            assert_eq!(clean_referer(no_host), "", "{no_host:?}");
        }
        assert_eq!(
            clean_referer(&format!("https://a/{}", "x".repeat(3000))).len(),
            MAX_REFERER
        );
    }

    #[test]
    fn validation_names_the_field() {
        let e = validate_event(&json!({"event": "nope"})).unwrap_err();
        assert_eq!(e.path, "event");
        let e = validate_event(&json!([])).unwrap_err();
        assert_eq!(e.path, "");
        let e = validate_event(&json!({"event": "message_created", "id": 1, "message_type": "incoming",
            "content_type": "text", "content": "hi", "conversation": {"id": 1, "inbox_id": 1, "status": "open",
            "messages": [{"id": 1, "message_type": "x"}]}}))
        .unwrap_err();
        assert_eq!(e.path, "conversation.messages[0].message_type");
        let e = validate_event(&json!({"event": "webwidget_triggered", "id": 1, "contact": {"id": 2},
            "inbox": {"id": 1, "name": "w"}, "account": {"id": 1, "name": "a"}, "source_id": "s",
            "current_conversation": null, "event_info": {"initiated_at": {"timestamp": 5}, "referer": ""}}))
        .unwrap_err();
        assert_eq!(e.path, "event_info.initiated_at.timestamp");
    }
}
