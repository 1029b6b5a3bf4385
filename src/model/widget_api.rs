//! Request and response bodies of the platform's widget API (`/api/v1/widget/*`), as the browser
//! sends them and the local backend receives them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Account, EventInfo, Inbox, InitiatedAt};

/// The wire name of the widget-open event on the widget API (the webhook says `webwidget_triggered`).
pub const WIDGET_TRIGGERED: &str = "webwidget.triggered";

/// `POST /api/v1/widget/events?website_token=T&locale=L` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetEventRequest {
    /// Always [`WIDGET_TRIGGERED`].
    pub name: String,
    /// What the browser knows; the platform adds `widget_language`, `browser_language` and
    /// `browser` itself when they are missing.
    pub event_info: WidgetEventInfo,
}

/// The `event_info` the browser sends with [`WidgetEventRequest`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WidgetEventInfo {
    /// When the widget was opened.
    pub initiated_at: InitiatedAt,
    /// The host page's URL.
    pub referer: String,
    /// The widget locale (also sent as the `locale` query parameter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget_language: Option<String>,
    /// The browser's primary language subtag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_language: Option<String>,
    /// The browser as derived in the browser (UA + Client Hints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<super::BrowserInfo>,
}

impl From<EventInfo> for WidgetEventInfo {
    fn from(e: EventInfo) -> Self {
        Self {
            initiated_at: e.initiated_at,
            referer: e.referer,
            widget_language: Some(e.widget_language),
            browser_language: Some(e.browser_language),
            browser: Some(e.browser),
        }
    }
}

/// The visitor's details sent with the first message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetContactInput {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number (E.164).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// A visitor message as the widget sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetMessageInput {
    /// The text typed by the visitor.
    pub content: String,
    /// Id of the message this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<u64>,
    /// The browser's `Date.toString()` when it was sent.
    pub timestamp: String,
    /// The host page's URL when it was sent.
    #[serde(default)]
    pub referer_url: String,
}

/// `POST /api/v1/widget/conversations` body: the first message creates the conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateConversationRequest {
    /// The visitor's details.
    #[serde(default)]
    pub contact: WidgetContactInput,
    /// The first message.
    pub message: WidgetMessageInput,
    /// Conversation custom attributes.
    #[serde(default)]
    pub custom_attributes: Map<String, Value>,
}

/// `POST /api/v1/widget/messages` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateMessageRequest {
    /// The message.
    pub message: WidgetMessageInput,
}

/// Response of `POST /api/v1/widget/config?website_token=T`: who the visitor is for this inbox.
/// The local backend issues `auth_token` (the `X-Auth-Token` of every later call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetConfigResponse {
    /// Signed, expiring contact token.
    pub auth_token: String,
    /// The contact_inbox id (the `id` of webwidget_triggered).
    pub contact_inbox_id: u64,
    /// The contact's source id in the inbox.
    pub source_id: String,
    /// The contact id.
    pub contact_id: u64,
    /// The web-widget inbox.
    pub inbox: Inbox,
    /// The account that owns the inbox.
    pub account: Account,
}

/// A message as the widget API returns it (create responses and message lists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetMessage {
    /// Message id.
    pub id: u64,
    /// Text content.
    #[serde(default)]
    pub content: Option<String>,
    /// 0 incoming, 1 outgoing, 2 activity, 3 template.
    pub message_type: u8,
    /// Content type, e.g. `"text"`.
    #[serde(default)]
    pub content_type: String,
    /// Content attributes (items, submitted_values, ...).
    #[serde(default)]
    pub content_attributes: Value,
    /// Unix seconds.
    pub created_at: i64,
    /// The conversation's display id.
    pub conversation_id: u64,
    /// Who wrote it (absent on the visitor's own messages in older responses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<WidgetSender>,
}

/// The author of a [`WidgetMessage`], as much as the visitor may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetSender {
    /// User or contact id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Avatar URL (may be empty).
    #[serde(default)]
    pub avatar_url: String,
    /// `"user"` (an agent), `"contact"` (the visitor) or `"agent_bot"`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// `PATCH /api/v1/widget/messages/{id}` body: the visitor's answer to an interactive message.
/// `submitted_values` is `[{title, value}]` for input_select, `[{name, value}]` for form and
/// `{csat_survey_response: {rating, feedback_message}}` for input_csat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateMessageRequest {
    /// The answer, in the shape of the message's content type.
    pub submitted_values: Value,
}

/// `POST /api/v1/widget/conversations/toggle_typing` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToggleTypingRequest {
    /// Whether the visitor is typing now.
    pub typing_status: TypingStatus,
}

/// `"on"` or `"off"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypingStatus {
    /// Typing started.
    On,
    /// Typing stopped.
    Off,
}

/// Response of `POST /api/v1/widget/stream_ticket` (with `X-Auth-Token`): a short-lived,
/// single-use ticket to open the live stream, so the long-lived contact token never travels in
/// a URL (EventSource cannot send headers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamTicket {
    /// Opaque ticket for `GET /api/v1/widget/stream?ticket=…`.
    pub ticket: String,
    /// Seconds the ticket stays valid for opening a stream.
    pub expires_in: u64,
}

/// One event on the widget's live stream,
/// `GET /api/v1/widget/stream?website_token=T&ticket=K&after=SEQ` (server-sent events).
///
/// Each SSE message is the default `message` event with `id: <seq>` and `data:` this JSON.
/// `seq` increases per event across the whole backend; the stream first replays every event of
/// the visitor's conversations with `seq > after` (`after=0`: everything), then stays live, with
/// a `: ping` comment every 15 s. A client keeps the highest `seq` it has applied and reconnects
/// with it, so nothing is missed; it applies messages by `id`, so replays never duplicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveFrame {
    /// The event's sequence number (also the SSE `id:`).
    pub seq: u64,
    /// What happened.
    #[serde(flatten)]
    pub event: LiveEvent,
}

/// What a [`LiveFrame`] reports, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A new message in the conversation (an agent's reply, or the visitor's own from
    /// another tab).
    MessageCreated {
        /// The message.
        message: WidgetMessage,
    },
    /// A message changed (edited by the agent, or answered by the visitor).
    MessageUpdated {
        /// The message as it is now.
        message: WidgetMessage,
    },
    /// The conversation's status changed (`open`, `pending`, `resolved`, `snoozed`).
    ConversationStatusChanged {
        /// The conversation's display id.
        conversation_id: u64,
        /// The new status.
        status: String,
    },
    /// The conversation's assignee changed (`None`: unassigned).
    AssigneeChanged {
        /// The conversation's display id.
        conversation_id: u64,
        /// The agent now handling it.
        #[serde(default)]
        assignee: Option<WidgetSender>,
    },
    /// An agent started or stopped typing.
    Typing {
        /// The conversation's display id.
        conversation_id: u64,
        /// On or off.
        typing_status: TypingStatus,
        /// Who is typing.
        user: WidgetSender,
    },
}

/// Response of `POST /api/v1/widget/conversations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationCreateResponse {
    /// The conversation's display id.
    pub id: u64,
    /// Inbox id.
    pub inbox_id: u64,
    /// Unix seconds the contact last saw it.
    #[serde(default)]
    pub contact_last_seen_at: i64,
    /// Conversation status, e.g. `"open"`.
    pub status: String,
    /// Messages so far (the first one).
    #[serde(default)]
    pub messages: Vec<WidgetMessage>,
    /// Custom attributes.
    #[serde(default)]
    pub custom_attributes: Map<String, Value>,
    /// The contact.
    #[serde(default)]
    pub contact: Value,
}
