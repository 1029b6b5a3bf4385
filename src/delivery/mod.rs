//! Webhook subscriptions and the at-least-once delivery state machine, pure Rust.
//!
//! Nothing here touches the browser: time is passed in as milliseconds, randomness (backoff
//! jitter) and ids are injected, and requests are plain descriptions ([`HttpRequest`]) that the
//! browser glue (`web::transport`) turns into `fetch` calls. That keeps every decision — what to
//! send next, when to retry, what to persist, when to give up — testable natively with a
//! simulated clock.
//!
//! - [`config`]: the emitter configuration, validated (https-only webhooks, known event names,
//!   no duplicates). Invalid entries are reported one by one; valid ones keep working.
//! - [`policy`]: which responses are retried and after how long.
//! - [`platform`]: mapping events onto the platform's widget API and adopting the ids it returns.
//! - [`queue`]: the persisted queue and its state machine.

pub mod config;
pub mod platform;
pub mod policy;
pub mod queue;
mod url;

pub use config::{EmitterConfig, PlatformConfig, Subscription, WebhookInput};
pub use platform::{PlatformIds, PlatformRoute};
pub use policy::{Outcome, RetryPolicy};
pub use queue::{Delivery, HttpRequest, Machine, Notice, RequestMode, Send, Target};
