//! Webhook subscriptions and the at-least-once delivery state machine, pure Rust.
