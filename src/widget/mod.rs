//! The live-chat widget: launcher, chat window, composer, the `$evolvy` calls.
//!
//! `i18n`, `settings`, `payloads`, `thread` (the live thread's state) and `answer` (interactive
//! messages) are pure and tested natively; the DOM and the session run in the widget's
//! iframe (wasm32 only).

pub mod answer;
pub mod i18n;
pub mod payloads;
pub mod settings;
pub mod thread;

#[cfg(target_arch = "wasm32")]
pub mod controller;
#[cfg(target_arch = "wasm32")]
pub mod live;
#[cfg(target_arch = "wasm32")]
pub mod session;
#[cfg(target_arch = "wasm32")]
pub mod view;
