//! Messages: the object inside `conversation.messages[]` ([`Message`]) and the top-level
//! payload of message_created / message_updated ([`MessageEvent`]).

use std::fmt;

use serde::de::{Error as _, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Account, ContentAttributes, ContentType, Conversation, Inbox, Sender};

/// Who a message is from. Inside objects (`conversation.messages[]`) it is the integer
/// (0 incoming, 1 outgoing, 2 activity, 3 template); at the top level of message events it is
/// the name (`"incoming"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// From the visitor (0).
    #[default]
    Incoming,
    /// From an agent or bot (1).
    Outgoing,
    /// A system note such as "Conversation was resolved" (2); never sent as a message event.
    Activity,
    /// A template message (3).
    Template,
}

impl MessageType {
    /// All message types, by integer value.
    pub const ALL: [MessageType; 4] = [
        MessageType::Incoming,
        MessageType::Outgoing,
        MessageType::Activity,
        MessageType::Template,
    ];

    /// The integer form.
    pub const fn as_int(self) -> u8 {
        self as u8
    }

    /// The name form, e.g. `"incoming"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageType::Incoming => "incoming",
            MessageType::Outgoing => "outgoing",
            MessageType::Activity => "activity",
            MessageType::Template => "template",
        }
    }

    /// From the integer form.
    pub fn from_int(n: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|t| u64::from(t.as_int()) == n)
    }

    /// From the name form.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Serialized as the integer (the object form).
impl Serialize for MessageType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.as_int())
    }
}

/// Read from the integer (the object form); a name here is an error.
impl<'de> Deserialize<'de> for MessageType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = MessageType;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a message type integer: 0 incoming, 1 outgoing, 2 activity or 3 template",
                )
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<MessageType, E> {
                MessageType::from_int(n)
                    .ok_or_else(|| E::invalid_value(Unexpected::Unsigned(n), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<MessageType, E> {
                Err(E::invalid_value(Unexpected::Signed(n), &self))
            }
        }
        deserializer.deserialize_u64(V)
    }
}

/// `#[serde(with = "message_type_name")]`: the name form used at the top level of message events.
pub mod message_type_name {
    use super::*;

    /// Writes the name, e.g. `"incoming"`.
    pub fn serialize<S: Serializer>(t: &MessageType, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(t.as_str())
    }

    /// Reads the name; an integer here is an error.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<MessageType, D::Error> {
        let s = String::deserialize(deserializer)?;
        MessageType::from_name(&s).ok_or_else(|| {
            D::Error::invalid_value(
                Unexpected::Str(&s),
                &"a message type name: incoming, outgoing, activity or template",
            )
        })
    }
}

/// A message as it appears inside objects (`conversation.messages[]`): `message_type` and
/// `created_at` (unix seconds) are integers, and the conversation, account and inbox are given
/// by id rather than embedded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Message id.
    pub id: u64,
    /// Text content (null for attachments-only messages).
    #[serde(default)]
    pub content: Option<String>,
    /// Integer message type.
    pub message_type: MessageType,
    /// Unix seconds.
    pub created_at: i64,
    /// Private notes are visible to agents only.
    #[serde(default)]
    pub private: bool,
    /// External id for channel integrations, or null.
    #[serde(default)]
    pub source_id: Option<String>,
    /// Content type (default `text`).
    #[serde(default)]
    pub content_type: ContentType,
    /// Content attributes (the seed's `content_ attributes` is a typo).
    #[serde(default)]
    pub content_attributes: ContentAttributes,
    /// The contact or agent who sent it; null for activity messages.
    #[serde(default)]
    pub sender: Option<Sender>,
    /// Account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<u64>,
    /// Inbox id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbox_id: Option<u64>,
    /// Conversation display id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<u64>,
}

/// The payload of message_created / message_updated (without `event`): `message_type` is the
/// name and `created_at` the platform's datetime string (`"2023-01-01 18:12:45 UTC"`); the
/// account, conversation and inbox are embedded objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageEvent {
    /// Message id.
    pub id: u64,
    /// Text content.
    #[serde(default)]
    pub content: Option<String>,
    /// The message type's name.
    #[serde(with = "message_type_name")]
    pub message_type: MessageType,
    /// Datetime string, e.g. `"2023-01-01 18:12:45 UTC"`.
    pub created_at: String,
    /// Private note?
    #[serde(default)]
    pub private: bool,
    /// External id, or null.
    #[serde(default)]
    pub source_id: Option<String>,
    /// Content type.
    #[serde(default)]
    pub content_type: ContentType,
    /// Content attributes.
    #[serde(default)]
    pub content_attributes: ContentAttributes,
    /// The contact or agent who sent it (null for bots without a sender).
    #[serde(default)]
    pub sender: Option<Sender>,
    /// The account.
    pub account: Account,
    /// The conversation, in full.
    pub conversation: Conversation,
    /// The inbox.
    pub inbox: Inbox,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse::parse;
    use serde_json::json;

    #[test]
    fn message_type_forms() {
        for (n, t) in MessageType::ALL.into_iter().enumerate() {
            assert_eq!(serde_json::to_value(t).unwrap(), json!(n));
            assert_eq!(parse::<MessageType>(json!(n), "").unwrap(), t);
            assert_eq!(MessageType::from_name(t.as_str()), Some(t));
        }
        assert!(parse::<MessageType>(json!(4), "").is_err());
        assert!(parse::<MessageType>(json!(-1), "").is_err());
        assert!(parse::<MessageType>(json!("incoming"), "").is_err());
    }

    #[test]
    fn minimal_nested_message_gets_defaults() {
        let m: Message = parse(json!({"id": 1, "message_type": 1, "created_at": 5}), "").unwrap();
        assert_eq!(m.content_type, ContentType::Text);
        assert!(m.sender.is_none() && !m.private);
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"id": 1, "content": null, "message_type": 1, "created_at": 5, "private": false,
                   "source_id": null, "content_type": "text", "content_attributes": {}, "sender": null})
        );
    }
}
