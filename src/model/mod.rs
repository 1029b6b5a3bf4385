//! The platform's payload model: every documented object and event, as pure serde types.

mod browser;
mod error;
mod event_name;
mod objects;
pub mod widget_api;

pub use browser::{BrowserInfo, EventInfo, InitiatedAt};
pub use error::ModelError;
pub use event_name::EventName;
pub use objects::{Account, Inbox};
