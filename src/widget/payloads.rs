//! The webhook events the widget fires, built from what the widget knows: the visitor's session
//! (from the widget API's config), the collected context, and the platform's responses. Pure,
//! tested natively; every event goes through the model's types.

use serde_json::{Map, Value};

use crate::model::time::platform_datetime;
use crate::model::widget_api::{WidgetConfigResponse, WidgetMessage};
use crate::model::{
    Account, BrowserInfo, Contact, ContactInbox, ContentAttributes, ContentType, Conversation,
    ConversationAdditionalAttributes, ConversationMeta, ConversationStatus, Event, EventInfo,
    Inbox, InitiatedAt, Message, MessageEvent, MessageType, Sender, TypingEvent, User,
    WebwidgetTriggered,
};

/// The visitor as the widget knows them: the session the platform issued plus `setUser` details.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Visitor {
    /// contact_inbox id (the `id` of webwidget_triggered).
    pub contact_inbox_id: u64,
    /// Contact id.
    pub contact_id: u64,
    /// Source id in the inbox.
    pub source_id: String,
    /// The inbox.
    pub inbox: Inbox,
    /// The account.
    pub account: Account,
    /// `setUser` identifier.
    pub identifier: Option<String>,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone number.
    pub phone_number: Option<String>,
    /// Avatar URL.
    pub avatar: String,
    /// Contact custom attributes (`setCustomAttributes`).
    pub custom_attributes: Map<String, Value>,
}

impl Visitor {
    /// The visitor of a widget config response.
    pub fn from_config(config: &WidgetConfigResponse) -> Visitor {
        Visitor {
            contact_inbox_id: config.contact_inbox_id,
            contact_id: config.contact_id,
            source_id: config.source_id.clone(),
            inbox: config.inbox.clone(),
            account: config.account.clone(),
            ..Visitor::default()
        }
    }

    /// This visitor (as `setUser` and `setCustomAttributes` left them) under the ids of a
    /// config response.
    pub fn with_session(&self, config: &WidgetConfigResponse) -> Visitor {
        Visitor {
            identifier: self.identifier.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            phone_number: self.phone_number.clone(),
            avatar: self.avatar.clone(),
            custom_attributes: self.custom_attributes.clone(),
            ..Visitor::from_config(config)
        }
    }

    /// The contact object.
    pub fn contact(&self, with_account: bool) -> Contact {
        Contact {
            id: self.contact_id,
            name: self.name.clone(),
            avatar: self.avatar.clone(),
            account: with_account.then(|| self.account.clone()),
            email: self.email.clone(),
            phone_number: self.phone_number.clone(),
            identifier: self.identifier.clone(),
            custom_attributes: self.custom_attributes.clone(),
            ..Contact::default()
        }
    }
}

/// What the widget knows of its conversation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationFacts {
    /// Display id.
    pub id: u64,
    /// Unix seconds it was created.
    pub created_at: i64,
    /// Status as the platform reported it.
    pub status: ConversationStatus,
    /// The visitor's context when the conversation started.
    pub event_info: EventInfo,
    /// Conversation custom attributes.
    pub custom_attributes: Map<String, Value>,
    /// Labels.
    pub labels: Vec<String>,
}

/// `webwidget_triggered` for an opening of the widget.
pub fn webwidget_triggered(
    visitor: &Visitor,
    event_info: EventInfo,
    current: Option<Conversation>,
) -> Event {
    Event::WebwidgetTriggered(WebwidgetTriggered {
        id: visitor.contact_inbox_id,
        contact: visitor.contact(true),
        inbox: visitor.inbox.clone(),
        account: visitor.account.clone(),
        current_conversation: current,
        source_id: visitor.source_id.clone(),
        event_info,
    })
}

/// The conversation object, with `messages` as given.
pub fn conversation(
    visitor: &Visitor,
    facts: &ConversationFacts,
    messages: &[WidgetMessage],
) -> Conversation {
    let info = &facts.event_info;
    Conversation {
        additional_attributes: ConversationAdditionalAttributes {
            browser: Some(info.browser.clone()).filter(|b| *b != BrowserInfo::default()),
            referer: Some(info.referer.clone()).filter(|r| !r.is_empty()),
            initiated_at: Some(InitiatedAt {
                timestamp: info.initiated_at.timestamp.clone(),
            })
            .filter(|t| !t.timestamp.is_empty()),
            browser_language: Some(info.browser_language.clone()).filter(|l| !l.is_empty()),
        },
        id: facts.id,
        inbox_id: visitor.inbox.id,
        contact_inbox: Some(ContactInbox {
            id: visitor.contact_inbox_id,
            contact_id: visitor.contact_id,
            inbox_id: visitor.inbox.id,
            source_id: visitor.source_id.clone(),
            ..ContactInbox::default()
        }),
        messages: messages
            .iter()
            .map(|m| message_object(visitor, m))
            .collect(),
        labels: facts.labels.clone(),
        meta: ConversationMeta {
            sender: Some(visitor.contact(false)),
            ..ConversationMeta::default()
        },
        status: facts.status,
        custom_attributes: facts.custom_attributes.clone(),
        timestamp: messages
            .iter()
            .map(|m| m.created_at)
            .max()
            .unwrap_or(facts.created_at),
        contact_last_seen_at: facts.created_at,
        account_id: visitor.account.id,
        ..Conversation::default()
    }
}

/// A widget API message as it appears inside `conversation.messages[]`.
pub fn message_object(visitor: &Visitor, m: &WidgetMessage) -> Message {
    let message_type = MessageType::from_int(u64::from(m.message_type)).unwrap_or_default();
    Message {
        id: m.id,
        content: m.content.clone(),
        message_type,
        created_at: m.created_at,
        private: false,
        source_id: None,
        content_type: content_type(&m.content_type),
        content_attributes: content_attributes(&m.content_attributes),
        sender: message_sender(visitor, m, message_type),
        account_id: Some(visitor.account.id),
        inbox_id: Some(visitor.inbox.id),
        conversation_id: Some(m.conversation_id),
    }
}

/// The visitor for their own messages; the agent (a `user`) for an agent's, as far as the widget
/// API names them; none for bots and unnamed senders.
fn message_sender(visitor: &Visitor, m: &WidgetMessage, t: MessageType) -> Option<Sender> {
    if t == MessageType::Incoming {
        return Some(Sender::Contact(visitor.contact(false)));
    }
    m.sender
        .as_ref()
        .filter(|s| s.kind == "user")
        .map(|s| Sender::User(agent_user(s)))
}

fn agent_user(s: &crate::model::widget_api::WidgetSender) -> User {
    User {
        id: s.id,
        name: s.name.clone(),
        available_name: Some(s.name.clone()),
        avatar_url: Some(s.avatar_url.clone()).filter(|a| !a.is_empty()),
        ..User::default()
    }
}

/// `conversation_typing_on` (or `_off`) for the visitor typing in the composer.
pub fn visitor_typing(visitor: &Visitor, facts: &ConversationFacts, on: bool) -> Event {
    let payload = TypingEvent {
        user: Sender::Contact(visitor.contact(false)),
        conversation: conversation(visitor, facts, &[]),
        is_private: false,
    };
    if on {
        Event::ConversationTypingOn(payload)
    } else {
        Event::ConversationTypingOff(payload)
    }
}

fn content_type(name: &str) -> ContentType {
    serde_json::from_value(Value::String(name.to_string())).unwrap_or_default()
}

fn content_attributes(value: &Value) -> ContentAttributes {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

/// `conversation_created` for a conversation whose first message is `first`.
pub fn conversation_created(
    visitor: &Visitor,
    facts: &ConversationFacts,
    first: &WidgetMessage,
) -> Event {
    Event::ConversationCreated(conversation(visitor, facts, std::slice::from_ref(first)))
}

/// `message_created` (or `message_updated` when `updated`) for a visitor or agent message.
pub fn message_event(
    visitor: &Visitor,
    facts: &ConversationFacts,
    m: &WidgetMessage,
    updated: bool,
) -> Event {
    let object = message_object(visitor, m);
    let payload = MessageEvent {
        id: m.id,
        content: m.content.clone(),
        message_type: object.message_type,
        created_at: platform_datetime(m.created_at),
        private: false,
        source_id: None,
        content_type: object.content_type,
        content_attributes: object.content_attributes,
        sender: object.sender,
        account: visitor.account.clone(),
        conversation: conversation(visitor, facts, std::slice::from_ref(m)),
        inbox: visitor.inbox.clone(),
    };
    if updated {
        Event::MessageUpdated(payload)
    } else {
        Event::MessageCreated(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EventName;

    fn visitor() -> Visitor {
        Visitor {
            contact_inbox_id: 11,
            contact_id: 7,
            source_id: "src-1".into(),
            inbox: Inbox {
                id: 2,
                name: "Site".into(),
            },
            account: Account {
                id: 1,
                name: "Evolvy".into(),
            },
            name: "Ana".into(),
            email: Some("ana@example.com".into()),
            ..Visitor::default()
        }
    }

    fn info() -> EventInfo {
        EventInfo {
            initiated_at: InitiatedAt {
                timestamp: "Wed Nov 25 2026 12:00:00 GMT-0300 (Brasilia Standard Time)".into(),
            },
            referer: "https://shop.example/p?x=1".into(),
            widget_language: "pt_BR".into(),
            browser_language: "pt".into(),
            browser: BrowserInfo {
                browser_name: "Chrome".into(),
                browser_version: "142.0.7444".into(),
                device_name: "Unknown".into(),
                platform_name: "Windows".into(),
                platform_version: "11".into(),
            },
        }
    }

    fn first() -> WidgetMessage {
        WidgetMessage {
            id: 99,
            content: Some("Olá".into()),
            message_type: 0,
            content_type: "text".into(),
            content_attributes: Value::Object(Map::new()),
            created_at: 1_795_620_252,
            conversation_id: 5,
            sender: None,
        }
    }

    /// Every event the widget builds must read back through the model unchanged.
    fn round_trips(event: &Event) -> Value {
        let value = event.to_value();
        let back = Event::from_value(value.clone()).expect("model accepts what the widget builds");
        assert_eq!(back.to_value(), value);
        value
    }

    #[test]
    fn a_new_session_keeps_what_set_user_gave() {
        let config = WidgetConfigResponse {
            auth_token: "t".into(),
            contact_inbox_id: 21,
            source_id: "src-2".into(),
            contact_id: 9,
            inbox: Inbox {
                id: 3,
                name: "Shop".into(),
            },
            account: Account {
                id: 1,
                name: "Evolvy".into(),
            },
        };
        let mut before = visitor();
        before.identifier = Some("user-1".into());
        before.avatar = "https://example.com/a.png".into();
        let after = before.with_session(&config);
        assert_eq!(
            (after.contact_id, after.contact_inbox_id, after.inbox.id),
            (9, 21, 3)
        );
        assert_eq!(after.source_id, "src-2");
        assert_eq!(after.name, "Ana");
        assert_eq!(after.email.as_deref(), Some("ana@example.com"));
        assert_eq!(after.identifier.as_deref(), Some("user-1"));
        assert_eq!(after.avatar, "https://example.com/a.png");
    }

    #[test]
    fn webwidget_triggered_carries_session_and_context() {
        let v = round_trips(&webwidget_triggered(&visitor(), info(), None));
        assert_eq!(v["event"], "webwidget_triggered");
        assert_eq!(v["id"], 11);
        assert_eq!(v["contact"]["type"], "contact");
        assert_eq!(v["contact"]["account"]["id"], 1);
        assert!(v["current_conversation"].is_null());
        assert_eq!(v["event_info"]["browser"]["platform_version"], "11");
        assert_eq!(v["source_id"], "src-1");
    }

    #[test]
    fn conversation_and_message_events_share_the_conversation() {
        let facts = ConversationFacts {
            id: 5,
            created_at: 1_795_620_252,
            event_info: info(),
            ..ConversationFacts::default()
        };
        let c = round_trips(&conversation_created(&visitor(), &facts, &first()));
        assert_eq!(c["event"], "conversation_created");
        assert_eq!(c["id"], 5);
        assert_eq!(
            c["additional_attributes"]["referer"],
            "https://shop.example/p?x=1"
        );
        assert_eq!(c["additional_attributes"]["browser_language"], "pt");
        assert_eq!(c["messages"][0]["message_type"], 0);
        assert_eq!(c["meta"]["sender"]["id"], 7);
        assert_eq!(c["contact_inbox"]["source_id"], "src-1");

        let m = round_trips(&message_event(&visitor(), &facts, &first(), false));
        assert_eq!(m["event"], "message_created");
        assert_eq!(m["message_type"], "incoming");
        assert_eq!(m["created_at"], "2026-11-25 15:24:12 UTC");
        assert_eq!(m["conversation"]["id"], 5);
        assert_eq!(m["sender"]["type"], "contact");
        let u = message_event(&visitor(), &facts, &first(), true);
        assert_eq!(u.name(), EventName::MessageUpdated);
    }

    #[test]
    fn an_answered_agent_message_is_message_updated_with_the_agent_as_sender() {
        let facts = ConversationFacts {
            id: 5,
            created_at: 1_795_620_252,
            event_info: info(),
            ..ConversationFacts::default()
        };
        let m = WidgetMessage {
            id: 100,
            content: Some("Escolha".into()),
            message_type: 1,
            content_type: "input_select".into(),
            content_attributes: serde_json::json!({
                "items": [{"title": "Sim", "value": "yes"}],
                "submitted_values": [{"title": "Sim", "value": "yes"}]
            }),
            created_at: 1_795_620_300,
            conversation_id: 5,
            sender: Some(crate::model::widget_api::WidgetSender {
                id: 3,
                name: "Ana".into(),
                avatar_url: String::new(),
                kind: "user".into(),
            }),
        };
        let v = round_trips(&message_event(&visitor(), &facts, &m, true));
        assert_eq!(v["event"], "message_updated");
        assert_eq!(v["message_type"], "outgoing");
        assert_eq!(v["content_type"], "input_select");
        assert_eq!(
            v["content_attributes"]["submitted_values"][0]["value"],
            "yes"
        );
        assert_eq!(v["sender"]["type"], "user");
        assert_eq!(v["sender"]["name"], "Ana");
        assert_eq!(v["conversation"]["messages"][0]["message_type"], 1);
        let mut bot = m.clone();
        bot.sender.as_mut().unwrap().kind = "agent_bot".into();
        let v = round_trips(&message_event(&visitor(), &facts, &bot, true));
        assert!(v.get("sender").is_none_or(|s| s.is_null()));
    }

    #[test]
    fn visitor_typing_events_carry_the_contact_and_the_conversation() {
        let facts = ConversationFacts {
            id: 5,
            created_at: 1_795_620_252,
            event_info: info(),
            ..ConversationFacts::default()
        };
        let on = round_trips(&visitor_typing(&visitor(), &facts, true));
        assert_eq!(on["event"], "conversation_typing_on");
        assert_eq!(on["user"]["type"], "contact");
        assert_eq!(on["user"]["id"], 7);
        assert_eq!(on["conversation"]["id"], 5);
        assert_eq!(on["is_private"], false);
        let keys: Vec<&String> = on.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["event", "user", "conversation", "is_private"]);
        let off = round_trips(&visitor_typing(&visitor(), &facts, false));
        assert_eq!(off["event"], "conversation_typing_off");
    }
}
