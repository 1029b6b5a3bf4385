//! Every webhook payload this server builds or accepts, in one place.
//!
//! Validation and building go through this module only. Validation is the crate's event model
//! (`evolvy_widget::model::Event::from_value`, the same Rust code the wasm module runs); the
//! builders assemble the model's typed objects (`Conversation`, `Message`, `User`, `Event`, …)
//! from stored rows, with `changed_attributes` computed by the model's diff; [`canonical`]
//! writes an event and reads it back through the model before it is stored.

use evolvy_widget::model::time::{iso8601_ms, platform_datetime};
use evolvy_widget::model::widget_api::{WidgetMessage, WidgetSender};
use evolvy_widget::model::{
    changed_attributes, Account, BrowserInfo, Contact, ContactInbox, ContactTag, ContentType,
    Conversation, ConversationMeta, ConversationUpdate, Event, EventInfo, EventName, Inbox,
    Message, MessageEvent, MessageType, ModelError, Sender, TypingEvent, User, UserTag,
    WebwidgetTriggered,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::store::{ContactInboxRow, ContactRow, ConversationRow, MessageRow, UserRow};

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
            (false, false) if inner.starts_with('[') => format!("{prefix}{inner}"),
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

/// The wire form of an event this server built with the model, checked by reading it back
/// through the model (what is stored and relayed).
pub fn canonical(event: &Event) -> Result<(EventName, Value), ModelError> {
    let v = event.to_value();
    let back = Event::from_value(v.clone())?;
    Ok((back.name(), v))
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

/// The agents, to name the senders of outgoing messages and assignees.
#[derive(Debug, Clone, Default)]
pub struct Agents(pub Vec<UserRow>);

impl Agents {
    /// The agent with this id.
    pub fn get(&self, id: i64) -> Option<&UserRow> {
        self.0.iter().find(|u| u.id == id)
    }
}

fn id(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// A contact as the platform sends it at the top level of contact events and webwidget_triggered
/// (with its account).
pub fn contact_model(scene: &Scene, c: &ContactRow) -> Contact {
    Contact {
        account: Some(scene.account.clone()),
        ..contact_sender(c)
    }
}

/// A contact as a message sender or `conversation.meta.sender` (no account).
pub fn contact_sender(c: &ContactRow) -> Contact {
    let map = |v: &Value| match v {
        Value::Object(o) => o.clone(),
        _ => Map::new(),
    };
    Contact {
        id: id(c.id),
        name: c.name.clone(),
        avatar: String::new(),
        kind: ContactTag::Contact,
        account: None,
        email: c.email.clone(),
        phone_number: c.phone_number.clone(),
        identifier: c.identifier.clone(),
        custom_attributes: map(&c.custom_attributes),
        additional_attributes: map(&c.additional_attributes),
        thumbnail: Some(String::new()),
        blocked: Some(false),
    }
}

/// An agent as the platform's `webhook_data`: `{id, name, email, type: "user"}`.
pub fn user_model(u: &UserRow) -> User {
    User {
        id: id(u.id),
        name: u.name.clone(),
        email: Some(u.email.clone()),
        kind: UserTag::User,
        available_name: None,
        avatar_url: None,
        thumbnail: None,
    }
}

/// An agent in the platform's push form (typing events, the agents list): with
/// `available_name`, `avatar_url` and `thumbnail`.
pub fn user_push_model(u: &UserRow) -> User {
    User {
        available_name: Some(u.available_name.clone()),
        avatar_url: Some(u.avatar_url.clone()),
        thumbnail: Some(u.avatar_url.clone()),
        ..user_model(u)
    }
}

/// Who wrote a message: its agent for outgoing messages, else the contact.
pub fn message_sender(m: &MessageRow, contact: &ContactRow, agents: &Agents) -> Option<Sender> {
    match m.sender_id {
        Some(uid) => agents.get(uid).map(|u| Sender::User(user_model(u))),
        None if m.message_type == 0 => Some(Sender::Contact(contact_sender(contact))),
        None => None,
    }
}

/// A message as the visitor may see its author.
pub fn widget_sender(
    m: &MessageRow,
    contact: &ContactRow,
    agents: &Agents,
) -> Option<WidgetSender> {
    match m.sender_id {
        Some(uid) => agents.get(uid).map(agent_widget_sender),
        None if m.message_type == 0 => Some(WidgetSender {
            id: id(contact.id),
            name: contact.name.clone(),
            avatar_url: String::new(),
            kind: "contact".into(),
        }),
        None => None,
    }
}

/// An agent as the visitor sees them.
pub fn agent_widget_sender(u: &UserRow) -> WidgetSender {
    WidgetSender {
        id: id(u.id),
        name: u.available_name.clone(),
        avatar_url: u.avatar_url.clone(),
        kind: "user".into(),
    }
}

/// A stored message as the widget API returns it (with its sender).
pub fn widget_message(m: &MessageRow, contact: &ContactRow, agents: &Agents) -> WidgetMessage {
    WidgetMessage {
        id: id(m.id),
        content: m.content.clone(),
        message_type: m.message_type,
        content_type: m.content_type.clone(),
        content_attributes: m.content_attributes.clone(),
        created_at: m.created_at / 1000,
        conversation_id: id(m.conversation_id),
        sender: widget_sender(m, contact, agents),
    }
}

fn message_type(m: &MessageRow) -> MessageType {
    MessageType::from_int(u64::from(m.message_type)).unwrap_or_default()
}

/// Parses a stored JSON column as a model type; a stored value always came through the model,
/// so a failure falls back to the default rather than failing a request.
fn stored<T: DeserializeOwned + Default>(v: &Value) -> T {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

fn content_type(m: &MessageRow) -> ContentType {
    stored(&Value::String(m.content_type.clone()))
}

/// A message inside `conversation.messages[]`.
pub fn message_model(
    scene: &Scene,
    m: &MessageRow,
    contact: &ContactRow,
    agents: &Agents,
) -> Message {
    Message {
        id: id(m.id),
        content: m.content.clone(),
        message_type: message_type(m),
        created_at: m.created_at / 1000,
        private: m.private,
        source_id: None,
        content_type: content_type(m),
        content_attributes: stored(&m.content_attributes),
        sender: message_sender(m, contact, agents),
        account_id: Some(scene.account.id),
        inbox_id: Some(scene.inbox.id),
        conversation_id: Some(id(m.conversation_id)),
    }
}

/// Everything a conversation object is built from.
#[derive(Debug, Clone)]
pub struct ConversationParts {
    /// The conversation.
    pub conv: ConversationRow,
    /// Its contact_inbox.
    pub ci: ContactInboxRow,
    /// Its contact.
    pub contact: ContactRow,
    /// Its messages, oldest first.
    pub messages: Vec<MessageRow>,
    /// The agents.
    pub agents: Agents,
}

impl ConversationParts {
    /// Unix seconds of the last activity (the last message, else the last change).
    pub fn last_activity_at(&self) -> i64 {
        self.messages.last().map_or(self.conv.updated_at, |m| {
            m.created_at.max(self.conv.updated_at)
        }) / 1000
    }
}

/// The conversation object of conversation events (and `conversation` of message events).
pub fn conversation_model(scene: &Scene, p: &ConversationParts) -> Conversation {
    let (conv, ci, contact) = (&p.conv, &p.ci, &p.contact);
    let last_activity = p.messages.last().map_or(conv.updated_at, |m| m.created_at) / 1000;
    Conversation {
        additional_attributes: stored(&conv.additional_attributes),
        can_reply: true,
        channel: "Channel::WebWidget".into(),
        id: id(conv.id),
        inbox_id: id(conv.inbox_id),
        contact_inbox: Some(ContactInbox {
            id: id(ci.id),
            contact_id: id(ci.contact_id),
            inbox_id: id(ci.inbox_id),
            source_id: ci.source_id.clone(),
            created_at: iso8601_ms(ci.created_at),
            updated_at: iso8601_ms(ci.created_at),
            hmac_verified: false,
        }),
        messages: p
            .messages
            .iter()
            .map(|m| message_model(scene, m, contact, &p.agents))
            .collect(),
        labels: conv.labels.clone(),
        meta: ConversationMeta {
            sender: Some(contact_sender(contact)),
            assignee: conv
                .assignee_id
                .and_then(|a| p.agents.get(a))
                .map(user_model),
            team: None,
        },
        status: stored(&Value::String(conv.status.clone())),
        custom_attributes: match &conv.custom_attributes {
            Value::Object(o) => o.clone(),
            _ => Map::new(),
        },
        snoozed_until: conv.snoozed_until.clone(),
        unread_count: p.messages.iter().filter(|m| m.message_type == 0).count() as u64,
        first_reply_created_at: None,
        priority: conv
            .priority
            .as_ref()
            .and_then(|s| serde_json::from_value(Value::String(s.clone())).ok()),
        waiting_since: conv.created_at / 1000,
        agent_last_seen_at: 0,
        contact_last_seen_at: 0,
        timestamp: last_activity,
        account_id: scene.account.id,
    }
}

/// `contact_created` for a contact made by the widget config call.
pub fn contact_created(scene: &Scene, contact: &ContactRow) -> Event {
    Event::ContactCreated(contact_model(scene, contact))
}

/// `webwidget_triggered`: the visitor opened the widget.
pub fn webwidget_triggered(
    scene: &Scene,
    ci: &ContactInboxRow,
    contact: &ContactRow,
    current_conversation: Option<Conversation>,
    event_info: &EventInfo,
) -> Event {
    Event::WebwidgetTriggered(WebwidgetTriggered {
        id: id(ci.id),
        contact: contact_model(scene, contact),
        inbox: scene.inbox.clone(),
        account: scene.account.clone(),
        current_conversation,
        source_id: ci.source_id.clone(),
        event_info: event_info.clone(),
    })
}

/// `conversation_created`.
pub fn conversation_created(scene: &Scene, p: &ConversationParts) -> Event {
    Event::ConversationCreated(conversation_model(scene, p))
}

/// The payload of message_created / message_updated for message `m` of the conversation.
pub fn message_event(scene: &Scene, m: &MessageRow, p: &ConversationParts) -> MessageEvent {
    MessageEvent {
        id: id(m.id),
        content: m.content.clone(),
        message_type: message_type(m),
        created_at: platform_datetime(m.created_at.div_euclid(1000)),
        private: m.private,
        source_id: None,
        content_type: content_type(m),
        content_attributes: stored(&m.content_attributes),
        sender: message_sender(m, &p.contact, &p.agents),
        account: scene.account.clone(),
        conversation: conversation_model(scene, p),
        inbox: scene.inbox.clone(),
    }
}

/// `message_created`.
pub fn message_created(scene: &Scene, m: &MessageRow, p: &ConversationParts) -> Event {
    Event::MessageCreated(message_event(scene, m, p))
}

/// `message_updated`.
pub fn message_updated(scene: &Scene, m: &MessageRow, p: &ConversationParts) -> Event {
    Event::MessageUpdated(message_event(scene, m, p))
}

/// `conversation_updated` from the conversation before and after a change, with the model's
/// `changed_attributes`; `None` when no tracked attribute changed.
pub fn conversation_updated(previous: &Conversation, current: &Conversation) -> Option<Event> {
    let changes = changed_attributes(previous, current);
    (!changes.is_empty()).then(|| {
        Event::ConversationUpdated(ConversationUpdate {
            changed_attributes: changes,
            conversation: current.clone(),
        })
    })
}

/// `conversation_status_changed` (reporting only `status`, as the model's `build_event` does);
/// `None` when the status did not change.
pub fn conversation_status_changed(
    previous: &Conversation,
    current: &Conversation,
) -> Option<Event> {
    let mut changes = changed_attributes(previous, current);
    changes.retain(|c| c.attribute == "status");
    (!changes.is_empty()).then(|| {
        Event::ConversationStatusChanged(ConversationUpdate {
            changed_attributes: changes,
            conversation: current.clone(),
        })
    })
}

/// `conversation_typing_on` / `_off`.
pub fn typing(user: Sender, conversation: Conversation, on: bool, is_private: bool) -> Event {
    let t = TypingEvent {
        user,
        conversation,
        is_private,
    };
    if on {
        Event::ConversationTypingOn(t)
    } else {
        Event::ConversationTypingOff(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
