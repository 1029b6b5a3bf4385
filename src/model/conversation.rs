//! The conversation object.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{BrowserInfo, Contact, InitiatedAt, Message, Team, User};

/// `additional_attributes` of a web-widget conversation. Every key is optional (other channels
/// omit them) and omitted when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationAdditionalAttributes {
    /// The visitor's browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<BrowserInfo>,
    /// The host page's URL (http(s) only, at most 1500 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referer: Option<String>,
    /// When the chat was initiated (`{timestamp}`, the browser's `Date.toString()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiated_at: Option<InitiatedAt>,
    /// The browser's primary language subtag, e.g. `"pt"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_language: Option<String>,
}

/// The link between a contact and an inbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactInbox {
    /// contact_inbox id (the `id` of webwidget_triggered).
    pub id: u64,
    /// Contact id.
    pub contact_id: u64,
    /// Inbox id.
    pub inbox_id: u64,
    /// The contact's id in the inbox (a UUID for web widgets).
    #[serde(default)]
    pub source_id: String,
    /// ISO-8601 datetime, e.g. `"2023-01-05T22:24:12.345Z"`.
    #[serde(default)]
    pub created_at: String,
    /// ISO-8601 datetime.
    #[serde(default)]
    pub updated_at: String,
    /// Whether the contact's identity was verified with an HMAC (`setUser` identifier_hash).
    #[serde(default)]
    pub hmac_verified: bool,
}

/// `meta` of a conversation: who it is with and who handles it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationMeta {
    /// The contact (null only in hand-built payloads).
    #[serde(default)]
    pub sender: Option<Contact>,
    /// The assigned agent, or null.
    #[serde(default)]
    pub assignee: Option<User>,
    /// The assigned team, or null.
    #[serde(default)]
    pub team: Option<Team>,
}

/// A conversation's status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Waiting for or being handled by an agent (the default).
    #[default]
    Open,
    /// Closed.
    Resolved,
    /// Handled by a bot, not yet handed to agents.
    Pending,
    /// Put aside until `snoozed_until`.
    Snoozed,
}

impl ConversationStatus {
    /// The wire name, e.g. `"open"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Resolved => "resolved",
            ConversationStatus::Pending => "pending",
            ConversationStatus::Snoozed => "snoozed",
        }
    }
}

/// A conversation's priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

impl Priority {
    /// The wire name, e.g. `"high"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

fn yes() -> bool {
    true
}

fn web_widget() -> String {
    "Channel::WebWidget".to_string()
}

/// A conversation. Only `id` and `inbox_id` are required on input; everything else has the
/// platform's default (`can_reply` true, channel `"Channel::WebWidget"`, status `open`, ...).
/// `id` is the display id (the number agents see). The seed's `can_replay` and `acount_id` are
/// typos for `can_reply` and `account_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Browser, referer, initiated_at and browser_language captured by the widget.
    #[serde(default)]
    pub additional_attributes: ConversationAdditionalAttributes,
    /// Whether agents can still reply (messaging windows of some channels close).
    #[serde(default = "yes")]
    pub can_reply: bool,
    /// The inbox's channel type, e.g. `"Channel::WebWidget"`.
    #[serde(default = "web_widget")]
    pub channel: String,
    /// Display id.
    pub id: u64,
    /// Inbox id.
    pub inbox_id: u64,
    /// The contact's link to the inbox.
    #[serde(default)]
    pub contact_inbox: Option<ContactInbox>,
    /// Messages (the platform sends the latest one); `message_type` and `created_at` are integers here.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// Labels (the `label_list` of changed_attributes).
    #[serde(default)]
    pub labels: Vec<String>,
    /// Contact, assignee and team.
    #[serde(default)]
    pub meta: ConversationMeta,
    /// Status.
    #[serde(default)]
    pub status: ConversationStatus,
    /// Conversation custom attributes.
    #[serde(default)]
    pub custom_attributes: Map<String, Value>,
    /// ISO-8601 datetime the snooze ends, or null.
    #[serde(default)]
    pub snoozed_until: Option<String>,
    /// Incoming messages the agents have not seen.
    #[serde(default)]
    pub unread_count: u64,
    /// ISO-8601 datetime of the first agent reply, or null.
    #[serde(default)]
    pub first_reply_created_at: Option<String>,
    /// Priority, or null.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Unix seconds since the contact has been waiting for a reply (0: not waiting).
    #[serde(default)]
    pub waiting_since: i64,
    /// Unix seconds an agent last saw it.
    #[serde(default)]
    pub agent_last_seen_at: i64,
    /// Unix seconds the contact last saw it.
    #[serde(default)]
    pub contact_last_seen_at: i64,
    /// Unix seconds of the last activity.
    #[serde(default)]
    pub timestamp: i64,
    /// Account id.
    #[serde(default)]
    pub account_id: u64,
}

impl Default for Conversation {
    /// The same defaults as a minimal input: `can_reply` true, a web-widget channel, `open`.
    fn default() -> Self {
        Self {
            additional_attributes: ConversationAdditionalAttributes::default(),
            can_reply: true,
            channel: web_widget(),
            id: 0,
            inbox_id: 0,
            contact_inbox: None,
            messages: Vec::new(),
            labels: Vec::new(),
            meta: ConversationMeta::default(),
            status: ConversationStatus::Open,
            custom_attributes: Map::new(),
            snoozed_until: None,
            unread_count: 0,
            first_reply_created_at: None,
            priority: None,
            waiting_since: 0,
            agent_last_seen_at: 0,
            contact_last_seen_at: 0,
            timestamp: 0,
            account_id: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse::parse;
    use serde_json::json;

    #[test]
    fn default_matches_a_minimal_input() {
        let c: Conversation = parse(json!({"id": 0, "inbox_id": 0}), "").unwrap();
        assert_eq!(c, Conversation::default());
        assert!(c.can_reply);
        assert_eq!(c.channel, "Channel::WebWidget");
    }

    #[test]
    fn seed_typos_are_not_wire_names() {
        // `can_replay` / `acount_id` are ignored, so the real fields keep their defaults.
        let c: Conversation = parse(
            json!({"id": 1, "inbox_id": 1, "can_replay": false, "acount_id": 9}),
            "",
        )
        .unwrap();
        assert!(c.can_reply);
        assert_eq!(c.account_id, 0);
        let v = serde_json::to_value(&c).unwrap();
        assert!(v.get("can_replay").is_none() && v["can_reply"] == true);
    }
}
