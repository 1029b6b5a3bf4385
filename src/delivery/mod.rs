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

//!
//! # What a webhook receiver gets, and must allow
//!
//! Each event is one `POST` per subscription, body = the event payload as JSON, with headers
//! `webhook-id` (a UUID per event and subscription, the same on every retry, after a reload and
//! in every tab: de-duplicate on it), `webhook-timestamp` (unix seconds of the attempt) and
//! `X-Evolvy-Event` (the event name). Delivery is at least once: expect duplicates, never a
//! new id for the same event.
//!
//! **Nothing is signed.** The sender is the visitor's browser, which can hold no secret: a
//! signature made there would prove nothing, so there is no `webhook-signature`. Treat these
//! webhooks as untrusted input (anyone can post the same bytes); authenticated events come from
//! the platform's server-side webhooks.
//!
//! The request is cross-origin and not CORS-simple (JSON body, custom headers), so the receiver
//! must answer the preflight: `OPTIONS` → `Access-Control-Allow-Origin: <page origin or *>`,
//! `Access-Control-Allow-Methods: POST`, `Access-Control-Allow-Headers: content-type,
//! webhook-id, webhook-timestamp, x-evolvy-event`, and on the `POST` itself
//! `Access-Control-Allow-Origin` (plus `Access-Control-Expose-Headers: Retry-After` for a
//! `Retry-After` to be honoured: browsers hide it otherwise). Credentials are never sent.
//!
//! **CORS-simple mode** (`simple: true` per webhook, or globally) is for receivers that cannot
//! do CORS: `Content-Type: text/plain;charset=UTF-8` (the body is still JSON) and the ids in the
//! query string (`?webhook-id=…&webhook-timestamp=…&event=…`), sent with `mode: "no-cors"`. No
//! preflight, but the response is opaque: a connection failure is retried, while any HTTP answer
//! (even a 500) counts as delivered — the browser does not let the page see it.
//!
//! Retries: network errors, timeouts, 408, 425, 429 (honouring `Retry-After` up to 5 min) and
//! 5xx, backing off from 0.5 s doubling to 60 s with ±20 % jitter, for at most 12 h; any other
//! status drops the delivery with a `failed` notice carrying the status and a body excerpt.

pub mod config;
pub mod platform;
pub mod policy;
pub mod queue;
mod url;

pub use config::{EmitterConfig, PlatformConfig, Subscription, WebhookInput};
pub use platform::{PlatformIds, PlatformRoute};
pub use policy::{Outcome, RetryPolicy};
pub use queue::{Delivery, HttpRequest, Machine, Notice, RequestMode, Send, Target};
