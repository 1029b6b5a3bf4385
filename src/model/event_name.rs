use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ModelError;

/// Every event the platform emits to webhooks, by its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventName {
    /// The visitor opened the live-chat widget.
    WebwidgetTriggered,
    /// A conversation was created.
    ConversationCreated,
    /// A tracked conversation attribute changed.
    ConversationUpdated,
    /// The conversation's status changed.
    ConversationStatusChanged,
    /// A message was created.
    MessageCreated,
    /// A message was updated (edited, or a visitor answered an interactive message).
    MessageUpdated,
    /// Someone started typing.
    ConversationTypingOn,
    /// Someone stopped typing.
    ConversationTypingOff,
    /// A contact was created.
    ContactCreated,
    /// A contact was updated.
    ContactUpdated,
}

impl EventName {
    /// All event names, in documentation order.
    pub const ALL: [EventName; 10] = [
        EventName::WebwidgetTriggered,
        EventName::ConversationCreated,
        EventName::ConversationUpdated,
        EventName::ConversationStatusChanged,
        EventName::MessageCreated,
        EventName::MessageUpdated,
        EventName::ConversationTypingOn,
        EventName::ConversationTypingOff,
        EventName::ContactCreated,
        EventName::ContactUpdated,
    ];

    /// The wire name, e.g. `"webwidget_triggered"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventName::WebwidgetTriggered => "webwidget_triggered",
            EventName::ConversationCreated => "conversation_created",
            EventName::ConversationUpdated => "conversation_updated",
            EventName::ConversationStatusChanged => "conversation_status_changed",
            EventName::MessageCreated => "message_created",
            EventName::MessageUpdated => "message_updated",
            EventName::ConversationTypingOn => "conversation_typing_on",
            EventName::ConversationTypingOff => "conversation_typing_off",
            EventName::ContactCreated => "contact_created",
            EventName::ContactUpdated => "contact_updated",
        }
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventName {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventName::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = EventName::ALL.iter().map(|n| n.as_str()).collect();
                ModelError::new(
                    "event",
                    format!("unknown event `{s}`; known events: {}", known.join(", ")),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for n in EventName::ALL {
            assert_eq!(n.as_str().parse::<EventName>().unwrap(), n);
            assert_eq!(
                serde_json::to_string(&n).unwrap(),
                format!("\"{}\"", n.as_str())
            );
        }
    }

    #[test]
    fn unknown_name_is_an_error_naming_the_field() {
        let e = "webwidget.triggered".parse::<EventName>().unwrap_err();
        assert_eq!(e.path, "event");
        assert!(e.message.contains("webwidget.triggered"));
    }
}
