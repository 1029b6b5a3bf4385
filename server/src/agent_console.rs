//! The agent console at `/agent`: conversations with the visitor's context, the thread, replies
//! (text and interactive), edits and conversation actions, live through `/api/v1/stream/events`.
//!
//! The page carries the agent token in a `<meta name="evolvy-agent-token">` tag so its script can
//! call the agent API — acceptable for a local demo bound to 127.0.0.1, not for a deployment.
//! Data is rendered as text only; the page allows same-origin scripts and styles only.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::AppState;

const PAGE: &str = include_str!("../assets/agent.html");
const SCRIPT: &str = include_str!("../assets/agent.js");
const STYLE: &str = include_str!("../assets/agent.css");

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn asset(body: impl Into<axum::body::Body>, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        body.into(),
    )
        .into_response()
}

/// Escapes text for an HTML attribute value.
fn attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&#39;")
}

/// `GET /agent`: the page, with the agent token in its meta tag.
pub async fn page(State(state): State<AppState>) -> Response {
    let html = PAGE.replace("{{AGENT_TOKEN}}", &attr(&state.config.agent_token));
    asset(html, "text/html; charset=utf-8")
}

/// `GET /agent/agent.js`.
pub async fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

/// `GET /agent/agent.css`.
pub async fn style() -> Response {
    asset(STYLE, "text/css; charset=utf-8")
}
