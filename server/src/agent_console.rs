//! The agent console at `/agent`: conversations with the visitor's context, the thread, replies
//! (text and interactive), edits and conversation actions, live through `/api/v1/stream/events`.
//!
//! The page carries the agent token in a `<meta name="evolvy-agent-token">` tag so its script can
//! call the agent API — acceptable for a local demo bound to 127.0.0.1, not for a deployment. It is
//! served only to requests whose `Host` is 127.0.0.1, localhost or [::1].
//! Data is rendered as text only; the page allows same-origin scripts and styles only.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
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

/// Whether the request names this machine's loopback interface as its host. The page hands out
/// the agent token, so it is refused under any other name (a DNS-rebinding page cannot load it).
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "::1"
    )
}

/// `GET /agent`: the page, with the agent token in its meta tag (loopback host names only).
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !loopback_host(&headers) {
        return crate::error::ApiError::new(
            StatusCode::FORBIDDEN,
            "the agent console is served on 127.0.0.1 or localhost only",
        )
        .into_response();
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_get_the_page() {
        let with = |h: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::HOST, HeaderValue::from_str(h).unwrap());
            loopback_host(&m)
        };
        for ok in [
            "127.0.0.1:8787",
            "localhost:8787",
            "LOCALHOST",
            "[::1]:8787",
            "127.0.0.1",
        ] {
            assert!(with(ok), "{ok}");
        }
        for no in [
            "evil.example:8787",
            "127.0.0.1.evil.example",
            "localhost.evil:80",
            "10.0.0.1:8787",
        ] {
            assert!(!with(no), "{no}");
        }
        assert!(!loopback_host(&HeaderMap::new()));
    }
}
