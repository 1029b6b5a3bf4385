//! Agents ([`User`]) and message senders ([`Sender`]: a contact or an agent, tagged by `type`).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::{Account, Contact, ContactTag};

/// The `type` tag of a [`User`]: always `"user"` on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserTag {
    /// `"user"`.
    #[default]
    #[serde(rename = "user")]
    User,
}

/// An agent or administrator: `{id, name, email, type: "user"}`; typing events carry the
/// platform's push form with `available_name`, `avatar_url` and `thumbnail` instead of `email`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// User id.
    pub id: u64,
    /// Full name.
    #[serde(default)]
    pub name: String,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Always `"user"`; optional on input.
    #[serde(rename = "type", default)]
    pub kind: UserTag,
    /// The name shown to visitors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_name: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// Thumbnail URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
}

/// Who sent a message or is typing: a contact or an agent, told apart by `type`
/// (`"contact"` | `"user"`, required on input).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
// Plain variants keep matching simple for callers; a sender is never stored in bulk.
#[allow(clippy::large_enum_variant)]
pub enum Sender {
    /// The visitor.
    Contact(Contact),
    /// An agent.
    User(User),
}

impl Sender {
    /// The sender's id.
    pub fn id(&self) -> u64 {
        match self {
            Sender::Contact(c) => c.id,
            Sender::User(u) => u.id,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum SenderKind {
    Contact,
    User,
}

/// Every field either kind may carry. Deserializing through this plain struct (rather than an
/// internally tagged enum, which buffers its input) keeps exact error paths such as
/// `sender.type` or `sender.account.id`.
#[derive(Deserialize)]
struct SenderWire {
    #[serde(rename = "type")]
    kind: SenderKind,
    id: u64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    avatar: Option<String>,
    #[serde(default)]
    account: Option<Account>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone_number: Option<String>,
    #[serde(default)]
    identifier: Option<String>,
    #[serde(default)]
    custom_attributes: Map<String, Value>,
    #[serde(default)]
    additional_attributes: Map<String, Value>,
    #[serde(default)]
    thumbnail: Option<String>,
    #[serde(default)]
    blocked: Option<bool>,
    #[serde(default)]
    available_name: Option<String>,
    #[serde(default)]
    avatar_url: Option<String>,
}

impl<'de> Deserialize<'de> for Sender {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let w = SenderWire::deserialize(deserializer)?;
        Ok(match w.kind {
            SenderKind::Contact => Sender::Contact(Contact {
                id: w.id,
                name: w.name,
                avatar: w.avatar.unwrap_or_default(),
                kind: ContactTag::Contact,
                account: w.account,
                email: w.email,
                phone_number: w.phone_number,
                identifier: w.identifier,
                custom_attributes: w.custom_attributes,
                additional_attributes: w.additional_attributes,
                thumbnail: w.thumbnail,
                blocked: w.blocked,
            }),
            SenderKind::User => Sender::User(User {
                id: w.id,
                name: w.name,
                email: w.email,
                kind: UserTag::User,
                available_name: w.available_name,
                avatar_url: w.avatar_url,
                thumbnail: w.thumbnail,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse::parse;
    use serde_json::json;

    #[test]
    fn sender_is_told_apart_by_type() {
        let s: Sender = parse(
            json!({"type": "user", "id": 3, "name": "Ana", "email": "ana@x.io"}),
            "sender",
        )
        .unwrap();
        assert!(matches!(&s, Sender::User(u) if u.email.as_deref() == Some("ana@x.io")));
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v,
            json!({"id": 3, "name": "Ana", "email": "ana@x.io", "type": "user"})
        );

        let s: Sender = parse(json!({"type": "contact", "id": 9}), "sender").unwrap();
        assert_eq!(s.id(), 9);
        assert_eq!(serde_json::to_value(&s).unwrap()["type"], "contact");
    }

    #[test]
    fn sender_errors_keep_their_path() {
        let e = parse::<Sender>(json!({"type": "bot", "id": 1}), "sender").unwrap_err();
        assert_eq!(e.path, "sender.type");
        let e = parse::<Sender>(json!({"id": 1}), "sender").unwrap_err();
        assert_eq!(e.path, "sender.type");
        let e = parse::<Sender>(
            json!({"type": "contact", "id": 1, "account": {"id": "x"}}),
            "sender",
        )
        .unwrap_err();
        assert_eq!(e.path, "sender.account.id");
    }

    #[test]
    fn a_contact_must_say_contact() {
        let e = parse::<Contact>(json!({"id": 1, "type": "user"}), "contact").unwrap_err();
        assert_eq!(e.path, "contact.type");
    }
}
