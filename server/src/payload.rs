//! Every webhook payload this server builds or accepts, in one place.
//!
//! Validation and building go through this module only, so that the full event model of the
//! `evolvy_widget::model` crate (`Event::from_value`, `build_event`) can replace the checks here
//! without touching the routes. Until then, the checks below follow the platform's wire format
//! (see the platform notes) and use the crate's `EventName`, `EventInfo`, `BrowserInfo`,
//! `Account` and `Inbox` types, so the server and the wasm module agree on those shapes.

use evolvy_widget::model::{Account, BrowserInfo, EventInfo, EventName, Inbox, ModelError};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use crate::store::{ContactInboxRow, ContactRow, ConversationRow, MessageRow};

/// The longest referer kept (the platform rejects top-level attribute strings of 1500+ chars).
pub const MAX_REFERER: usize = 1499;

/// Content types the platform knows.
pub const CONTENT_TYPES: [&str; 10] = [
    "text",
    "input_text",
    "input_textarea",
    "input_email",
    "input_select",
    "cards",
    "form",
    "article",
    "incoming_email",
    "input_csat",
];

// ---------------------------------------------------------------------------------------------
// Validation

fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ModelError> {
    v.as_object().ok_or_else(|| {
        ModelError::new(
            if path.is_empty() { "." } else { path },
            format!("expected an object, found {}", kind(v)),
        )
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn field<'a>(o: &'a Map<String, Value>, prefix: &str, name: &str) -> Result<&'a Value, ModelError> {
    o.get(name)
        .ok_or_else(|| ModelError::new(join(prefix, name), "missing field"))
}

fn id_field(o: &Map<String, Value>, prefix: &str, name: &str) -> Result<u64, ModelError> {
    let v = field(o, prefix, name)?;
    v.as_u64().ok_or_else(|| {
        ModelError::new(
            join(prefix, name),
            format!("expected a non-negative integer id, found {}", kind(v)),
        )
    })
}

fn str_field<'a>(
    o: &'a Map<String, Value>,
    prefix: &str,
    name: &str,
) -> Result<&'a str, ModelError> {
    let v = field(o, prefix, name)?;
    v.as_str().ok_or_else(|| {
        ModelError::new(
            join(prefix, name),
            format!("expected a string, found {}", kind(v)),
        )
    })
}

fn one_of(
    o: &Map<String, Value>,
    prefix: &str,
    name: &str,
    allowed: &[&str],
) -> Result<(), ModelError> {
    let s = str_field(o, prefix, name)?;
    if allowed.contains(&s) {
        Ok(())
    } else {
        Err(ModelError::new(
            join(prefix, name),
            format!(
                "unknown value `{s}`; expected one of {}",
                allowed.join(", ")
            ),
        ))
    }
}

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

fn validate_conversation(o: &Map<String, Value>, prefix: &str) -> Result<(), ModelError> {
    id_field(o, prefix, "id")?;
    id_field(o, prefix, "inbox_id")?;
    one_of(
        o,
        prefix,
        "status",
        &["open", "resolved", "pending", "snoozed"],
    )?;
    if let Some(msgs) = o.get("messages") {
        let arr = msgs.as_array().ok_or_else(|| {
            ModelError::new(
                join(prefix, "messages"),
                format!("expected an array, found {}", kind(msgs)),
            )
        })?;
        for (i, m) in arr.iter().enumerate() {
            let p = format!("{}[{i}]", join(prefix, "messages"));
            let mo = object(m, &p)?;
            id_field(mo, &p, "id")?;
            let t = field(mo, &p, "message_type")?;
            if !matches!(t.as_u64(), Some(0..=3)) {
                return Err(ModelError::new(
                    join(&p, "message_type"),
                    "expected 0 (incoming), 1 (outgoing), 2 (activity) or 3 (template)",
                ));
            }
        }
    }
    if let Some(attrs) = o.get("additional_attributes") {
        let ao = object(attrs, &join(prefix, "additional_attributes"))?;
        if let Some(b) = ao.get("browser") {
            let _: BrowserInfo = typed(b, &join(prefix, "additional_attributes.browser"))?;
        }
    }
    Ok(())
}

/// Checks a complete webhook payload and returns its event name.
pub fn validate_event(v: &Value) -> Result<EventName, ModelError> {
    let o = object(v, "")?;
    let name: EventName = str_field(o, "", "event")?.parse()?;
    match name {
        EventName::WebwidgetTriggered => {
            id_field(o, "", "id")?;
            id_field(
                object(field(o, "", "contact")?, "contact")?,
                "contact",
                "id",
            )?;
            let _: Inbox = typed(field(o, "", "inbox")?, "inbox")?;
            let _: Account = typed(field(o, "", "account")?, "account")?;
            str_field(o, "", "source_id")?;
            let _: EventInfo = typed(field(o, "", "event_info")?, "event_info")?;
            match field(o, "", "current_conversation")? {
                Value::Null => {}
                c => validate_conversation(
                    object(c, "current_conversation")?,
                    "current_conversation",
                )?,
            }
        }
        EventName::ConversationCreated
        | EventName::ConversationUpdated
        | EventName::ConversationStatusChanged => {
            validate_conversation(o, "")?;
            if let Some(ch) = o.get("changed_attributes") {
                if !ch.is_array() {
                    return Err(ModelError::new(
                        "changed_attributes",
                        format!("expected an array, found {}", kind(ch)),
                    ));
                }
            }
        }
        EventName::MessageCreated | EventName::MessageUpdated => {
            id_field(o, "", "id")?;
            one_of(o, "", "message_type", &["incoming", "outgoing", "template"])?;
            one_of(o, "", "content_type", &CONTENT_TYPES)?;
            match field(o, "", "content")? {
                Value::Null | Value::String(_) => {}
                other => {
                    return Err(ModelError::new(
                        "content",
                        format!("expected a string or null, found {}", kind(other)),
                    ))
                }
            }
            validate_conversation(
                object(field(o, "", "conversation")?, "conversation")?,
                "conversation",
            )?;
        }
        EventName::ConversationTypingOn | EventName::ConversationTypingOff => {
            validate_conversation(
                object(field(o, "", "conversation")?, "conversation")?,
                "conversation",
            )?;
            object(field(o, "", "user")?, "user")?;
            if !field(o, "", "is_private")?.is_boolean() {
                return Err(ModelError::new("is_private", "expected a boolean"));
            }
        }
        EventName::ContactCreated | EventName::ContactUpdated => {
            id_field(o, "", "id")?;
        }
    }
    Ok(name)
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
pub fn clean_referer(referer: &str) -> String {
    let r = referer.trim();
    let lower = r.get(..8).unwrap_or(r).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return String::new();
    }
    r.chars().take(MAX_REFERER).collect()
}

/// The visitor's browser from its User-Agent, with the crate's own derivation.
pub fn derive_browser(user_agent: &str) -> BrowserInfo {
    crate::browser::derive(user_agent)
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

/// RFC 3339 UTC text of Unix milliseconds, e.g. `2023-01-01T18:12:45.123Z`.
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
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
        "updated_at": iso8601(m.created_at),
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
            "created_at": iso8601(ci.created_at),
            "updated_at": iso8601(ci.created_at),
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
        "created_at": iso8601(m.created_at),
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
        assert_eq!(
            clean_referer(&format!("https://a/{}", "x".repeat(3000))).len(),
            MAX_REFERER
        );
    }

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_672_597_965_123), "2023-01-01T18:32:45.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn validation_names_the_field() {
        let e = validate_event(&json!({"event": "nope"})).unwrap_err();
        assert_eq!(e.path, "event");
        let e = validate_event(&json!([])).unwrap_err();
        assert_eq!(e.path, ".");
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
