//! The platform's payload model: every documented object and event, as pure serde types.

mod error;
mod event_name;

pub use error::ModelError;
pub use event_name::EventName;
