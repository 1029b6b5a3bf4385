//! The platform's payload model: every documented object and event, as pure serde types.
//!
//! Parse with [`Event::from_value`] (a full wire payload) or [`build_event`] (attributes plus an
//! event name); write with [`Event::to_value`]. Every failure is a [`ModelError`] whose `path`
//! names the offending field. See `docs/payloads.md` for the wire reference.

mod browser;
mod contact;
mod content;
mod conversation;
mod diff;
mod error;
mod event;
mod event_name;
mod message;
mod objects;
mod parse;
pub mod time;
#[cfg(test)]
mod ts;
mod user;
pub mod widget_api;

pub use browser::{BrowserInfo, EventInfo, InitiatedAt};
pub use contact::{Contact, ContactTag};
pub use content::{
    ActionType, CardAction, ContentAttributes, ContentItem, ContentType, CsatSubmission,
    CsatSurveyResponse, FormOption, SubmittedValue, SubmittedValues,
};
pub use conversation::{
    ContactInbox, Conversation, ConversationAdditionalAttributes, ConversationMeta,
    ConversationStatus, Priority,
};
pub use diff::{
    changed_attributes, contact_changed_attributes, ChangedAttribute, CONTACT_TRACKED,
    CONVERSATION_TRACKED,
};
pub use error::ModelError;
pub use event::{
    build_event, ContactUpdate, ConversationUpdate, Event, TypingEvent, WebwidgetTriggered,
};
pub use event_name::EventName;
pub use message::{message_type_name, Message, MessageEvent, MessageType};
pub use objects::{Account, Inbox, Team};
pub use parse::MAX_DEPTH;
pub use user::{Sender, User, UserTag};
