//! The contact (the visitor) object.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Account;

/// The `type` tag of a [`Contact`]: always `"contact"` on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContactTag {
    /// `"contact"`.
    #[default]
    #[serde(rename = "contact")]
    Contact,
}

/// A contact (the visitor): `{id, name, avatar, type: "contact", account, email, phone_number,
/// identifier, custom_attributes, additional_attributes}`, plus `thumbnail` and `blocked` when
/// the platform sends them (webwidget_triggered does).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// Contact id.
    pub id: u64,
    /// Display name (the platform invents one, e.g. `"quiet-river-123"`, for anonymous visitors).
    #[serde(default)]
    pub name: String,
    /// Avatar URL; `""` when there is none.
    #[serde(default)]
    pub avatar: String,
    /// Always `"contact"`; optional on input.
    #[serde(rename = "type", default)]
    pub kind: ContactTag,
    /// The account the contact belongs to (absent where the platform omits it, e.g. in
    /// `conversation.meta.sender`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    /// Email address, or null.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number (E.164), or null.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// The customer's own identifier for the contact (`setUser`), or null.
    #[serde(default)]
    pub identifier: Option<String>,
    /// Custom attributes set by the customer.
    #[serde(default)]
    pub custom_attributes: Map<String, Value>,
    /// Additional attributes (city, company, social profiles, ...).
    #[serde(default)]
    pub additional_attributes: Map<String, Value>,
    /// Thumbnail URL (same as `avatar` on the platform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    /// Whether the contact is blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
}
