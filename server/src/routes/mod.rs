//! HTTP routes, one module per area.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};
use crate::payload::{Agents, ConversationParts};
use crate::store::{self, ConversationRow, StoreResult};
use crate::AppState;

pub mod admin;
pub mod agent;
pub mod files;
pub mod webhooks;
pub mod widget;

/// The request headers the browser module sends cross-origin.
pub const CORS_ALLOW_HEADERS: &str =
    "Content-Type, X-Auth-Token, webhook-id, webhook-timestamp, webhook-signature, X-Evolvy-Event";

/// The whole application.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let cross_origin = Router::new()
        .route("/api/v1/widget/config", post(widget::config))
        .route("/api/v1/widget/events", post(widget::events))
        .route(
            "/api/v1/widget/conversations",
            post(widget::create_conversation),
        )
        .route(
            "/api/v1/widget/messages",
            post(widget::create_message).get(widget::list_messages),
        )
        .route(
            "/api/v1/widget/messages/{id}",
            patch(widget::update_message),
        )
        .route(
            "/api/v1/widget/conversations/toggle_typing",
            post(widget::toggle_typing),
        )
        .route("/api/v1/widget/stream_ticket", post(crate::live::ticket))
        .route("/api/v1/widget/stream", get(crate::live::stream))
        .route("/webhooks/receive", post(webhooks::receive))
        .layer(middleware::from_fn(cors));
    const C: &str = "/api/v1/accounts/{account_id}/conversations/{id}";
    let agent_api = Router::new()
        .route("/api/v1/accounts/{account_id}/agents", get(agent::agents))
        .route(
            "/api/v1/accounts/{account_id}/conversations",
            get(agent::list_conversations),
        )
        .route(C, get(agent::get_conversation))
        .route(
            &format!("{C}/messages"),
            get(agent::list_messages).post(agent::create_message),
        )
        .route(
            &format!("{C}/messages/{{message_id}}"),
            patch(agent::update_message),
        )
        .route(&format!("{C}/assignments"), post(agent::assign))
        .route(&format!("{C}/toggle_status"), post(agent::toggle_status))
        .route(
            &format!("{C}/toggle_priority"),
            post(agent::toggle_priority),
        )
        .route(&format!("{C}/labels"), post(agent::labels))
        .route(
            &format!("{C}/custom_attributes"),
            post(agent::custom_attributes),
        )
        .route(
            &format!("{C}/toggle_typing_status"),
            post(agent::toggle_typing),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), agent::auth));
    Router::new()
        .merge(cross_origin)
        .merge(agent_api)
        .route(
            "/api/v1/accounts/{account_id}/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/api/v1/accounts/{account_id}/webhooks/{webhook_id}",
            axum::routing::delete(webhooks::delete),
        )
        .route("/api/v1/events", get(admin::events))
        .route("/api/v1/deliveries", get(admin::deliveries))
        .route("/api/v1/stream/events", get(crate::stream::handler))
        .route("/healthz", get(admin::healthz))
        // Everything above answers errors as JSON, axum's own rejections included.
        .layer(middleware::from_fn(json_errors))
        .route("/inspector", get(crate::inspector::page))
        .route("/inspector/inspector.js", get(crate::inspector::script))
        .route("/inspector/inspector.css", get(crate::inspector::style))
        .route("/agent", get(crate::agent_console::page))
        .route("/agent/agent.js", get(crate::agent_console::script))
        .route("/agent/agent.css", get(crate::agent_console::style))
        .route("/", get(files::index))
        .route("/pkg/{*path}", get(files::pkg))
        .fallback(files::www)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// CORS for the widget API and the webhook receiver: any origin (no cookies are used: the
/// contact token travels in `X-Auth-Token`), preflights answered here.
async fn cors(req: Request, next: Next) -> Response {
    let private_network = req
        .headers()
        .contains_key("access-control-request-private-network");
    let mut resp = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PATCH, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(CORS_ALLOW_HEADERS),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    if private_network {
        h.insert(
            "access-control-allow-private-network",
            HeaderValue::from_static("true"),
        );
    }
    resp
}

/// Axum's own rejections (a path segment or query parameter that does not parse, a method not
/// allowed) are `text/plain`; the API answers every error as JSON `{"error": "..."}`.
async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || !(resp.status().is_client_error() || resp.status().is_server_error()) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let error = if text.is_empty() {
        parts
            .status
            .canonical_reason()
            .unwrap_or("error")
            .to_owned()
    } else {
        text
    };
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut out = ApiError::new(parts.status, error).into_response();
    out.headers_mut().extend(parts.headers);
    out
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    resp.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// The request body, or the body-limit / read error as a JSON error (413 for an oversize body).
pub fn body_bytes(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|rej| ApiError::new(rej.status(), rej.body_text()))
}

/// Parses a JSON body as `T`: invalid JSON → 400, a field that does not fit → 422 naming it.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = inner.to_string();
                ApiError::invalid(crate::payload::refine_path(path, &message), message)
            }
            _ => {
                let mut err = ApiError::bad_request(format!("invalid JSON: {inner}"));
                err.path = Some(".".into());
                err
            }
        }
    })
}

/// Everything a conversation's payloads are built from, read in the caller's transaction.
pub fn load_parts(
    c: &rusqlite::Connection,
    conv: ConversationRow,
) -> StoreResult<ConversationParts> {
    let ci = store::get_contact_inbox(c, conv.contact_inbox_id)?.ok_or_else(|| {
        ApiError::internal(format!("conversation {} has no contact_inbox", conv.id))
    })?;
    let contact = store::get_contact(c, conv.contact_id)?
        .ok_or_else(|| ApiError::internal(format!("conversation {} has no contact", conv.id)))?;
    let messages = store::list_messages(c, conv.id)?;
    let agents = Agents(store::list_users(c)?);
    Ok(ConversationParts {
        conv,
        ci,
        contact,
        messages,
        agents,
    })
}

/// A header as text, if present and visible ASCII.
pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}
