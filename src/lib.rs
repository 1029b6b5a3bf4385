//! # evolvy-widget
//!
//! The browser side of the Evolvy live-chat platform (a Chatwoot-derived help desk), in Rust
//! compiled to WebAssembly.
//!
//! Module map (A ← B: B uses A): `model` ← `context` ← `delivery` ← `web` ← `api`.
//!
//! - [`model`]: the platform's payload types (objects and events), pure serde.
//! - [`context`]: visitor context derivation (User-Agent, Client Hints, locale, referer), pure.
//! - [`delivery`]: webhook subscriptions and the at-least-once delivery state machine, pure.
//! - `web` (wasm32 only): browser glue — collecting context, storage, transport, lifecycle.
//! - [`widget`]: the chat widget (settings and UI strings pure; the DOM wasm32 only).
//! - `api` (wasm32 only): the JavaScript-facing edge exported with wasm-bindgen.
//!
//! `model`, `context` and `delivery` never touch web-sys: they build and test natively with
//! `cargo test`, and the local backend (`server/`) reuses them.

pub mod context;
pub mod delivery;
pub mod model;
pub mod widget;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(target_arch = "wasm32")]
pub mod api;

/// The crate version, as in Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
