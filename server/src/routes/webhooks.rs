//! Webhooks: receiving full payloads from the browser module, and managing subscriptions the
//! way the platform does (`/api/v1/accounts/{id}/webhooks`).

use std::path::Path as FsPath;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use evolvy_widget::model::{EventName, ModelError};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{body_bytes, header_str, json_body};
use crate::error::{ApiError, ApiResult};
use crate::payload;
use crate::store::{self, EventSource, Store, WebhookRow};
use crate::token::random_secret;
use crate::AppState;

/// `POST /webhooks/receive`: a full webhook payload from the module's webhook transport (JSON or
/// `text/plain` JSON). Deduplicated by `webhook-id`: a repeat answers 200 `duplicate` and is not
/// stored again.
pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = body_bytes(body)?;
    let payload: Value = json_body(&body)?;
    let name = payload::validate_event(&payload)?;
    if let Some(h) = header_str(&headers, "x-evolvy-event") {
        if h != name.as_str() {
            return Err(ApiError::invalid(
                "event",
                format!("X-Evolvy-Event says `{h}` but the payload is `{name}`"),
            ));
        }
    }
    if let Some(ts) = header_str(&headers, "webhook-timestamp") {
        if ts.parse::<u64>().is_err() {
            return Err(ApiError::bad_request(
                "webhook-timestamp must be Unix seconds",
            ));
        }
    }
    let uid = match header_str(&headers, "webhook-id") {
        Some(id) if id.len() <= 200 => id.to_owned(),
        Some(_) => {
            return Err(ApiError::bad_request(
                "webhook-id is longer than 200 characters",
            ))
        }
        None => uuid::Uuid::new_v4().to_string(),
    };
    let uid2 = uid.clone();
    let stored = state
        .store
        .tx(move |tx| {
            store::insert_event(tx, &uid2, name.as_str(), EventSource::Received, &payload)
        })
        .await?;
    match stored {
        Some((ev, queued)) => {
            state.published(ev, queued);
            Ok((StatusCode::OK, Json(json!({"status": "stored", "id": uid}))))
        }
        None => {
            tracing::info!(uid = %uid, "duplicate webhook ignored");
            Ok((
                StatusCode::OK,
                Json(json!({"status": "duplicate", "id": uid})),
            ))
        }
    }
}

/// A webhook as created through the API or listed in the webhooks file.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookInput {
    /// Target URL (http or https).
    pub url: String,
    /// Event names.
    pub subscriptions: Vec<String>,
    /// HMAC secret (generated when absent).
    #[serde(default)]
    pub secret: Option<String>,
}

/// Checks the URL and the event names; returns the deduplicated names. `prefix` prefixes paths.
pub fn validate_webhook(w: &WebhookInput, prefix: &str) -> Result<Vec<String>, ModelError> {
    let at = |f: &str| format!("{prefix}{f}");
    match reqwest::Url::parse(&w.url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
        Ok(_) => {
            return Err(ModelError::new(
                at("url"),
                "must be an http(s) URL with a host",
            ))
        }
        Err(e) => return Err(ModelError::new(at("url"), format!("not a URL: {e}"))),
    }
    if w.subscriptions.is_empty() {
        return Err(ModelError::new(
            at("subscriptions"),
            "subscribe to at least one event",
        ));
    }
    let mut names: Vec<String> = Vec::new();
    for (i, s) in w.subscriptions.iter().enumerate() {
        let n: EventName = s.parse().map_err(|e: ModelError| {
            ModelError::new(at(&format!("subscriptions[{i}]")), e.message)
        })?;
        if !names.iter().any(|x| x == n.as_str()) {
            names.push(n.as_str().to_owned());
        }
    }
    if let Some(s) = &w.secret {
        if s.len() < 16 {
            return Err(ModelError::new(at("secret"), "use at least 16 characters"));
        }
    }
    Ok(names)
}

fn check_account(state: &AppState, account_id: u64) -> ApiResult<i64> {
    if account_id == state.scene.account.id {
        Ok(account_id as i64)
    } else {
        Err(ApiError::not_found("no such account"))
    }
}

/// `GET /api/v1/accounts/{id}/webhooks` → `{"payload": [webhook…]}`.
pub async fn list(
    State(state): State<AppState>,
    Path(account_id): Path<u64>,
) -> ApiResult<Json<Value>> {
    let account = check_account(&state, account_id)?;
    let hooks = state.store.with(|c| store::list_webhooks(c)).await?;
    let hooks: Vec<WebhookRow> = hooks
        .into_iter()
        .filter(|h| h.account_id == account)
        .collect();
    Ok(Json(json!({"payload": hooks})))
}

/// `POST /api/v1/accounts/{id}/webhooks` with `{url, subscriptions}` (or `{webhook: {...}}`) →
/// `{"payload": {"webhook": {...}}}` including the signing `secret`.
pub async fn create(
    State(state): State<AppState>,
    Path(account_id): Path<u64>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let account = check_account(&state, account_id)?;
    let body = body_bytes(body)?;
    let raw: Value = json_body(&body)?;
    let (inner, prefix) = match raw.get("webhook") {
        Some(w) => (w.clone(), "webhook."),
        None => (raw, ""),
    };
    let input: WebhookInput = payload::typed(&inner, prefix.trim_end_matches('.'))?;
    let names = validate_webhook(&input, prefix)?;
    let secret = input.secret.clone().unwrap_or_else(random_secret);
    let row = state
        .store
        .with(move |c| store::insert_webhook(c, account, &input.url, &names, &secret, "api"))
        .await?;
    tracing::info!(webhook = row.id, url = %row.url, "webhook created");
    Ok(Json(json!({"payload": {"webhook": row}})))
}

/// `DELETE /api/v1/accounts/{id}/webhooks/{webhook_id}`: 200, or 404 when there is none.
pub async fn delete(
    State(state): State<AppState>,
    Path((account_id, webhook_id)): Path<(u64, i64)>,
) -> ApiResult<StatusCode> {
    let account = check_account(&state, account_id)?;
    let deleted = state
        .store
        .tx(move |tx| store::delete_webhook(tx, account, webhook_id))
        .await?;
    if deleted {
        Ok(StatusCode::OK)
    } else {
        Err(ApiError::not_found("no such webhook"))
    }
}

/// Loads `path` (`[{url, subscriptions, secret?}]` or `{"webhooks": [...]}`) as the file-defined
/// webhooks of account 1, replacing the previous file-defined set. Webhooks whose URL is
/// unchanged keep their id, so their pending deliveries survive.
pub async fn load_file(store: &Store, path: &FsPath) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let raw: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: invalid JSON: {e}", path.display()))?;
    let list = raw.get("webhooks").cloned().unwrap_or(raw);
    let inputs: Vec<WebhookInput> =
        payload::typed(&list, "webhooks").map_err(|e| format!("{}: {e}", path.display()))?;
    let mut checked = Vec::new();
    for (i, w) in inputs.into_iter().enumerate() {
        let names = validate_webhook(&w, &format!("webhooks[{i}]."))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        checked.push((w, names));
    }
    let n = checked.len();
    store
        .tx(move |tx| {
            let existing: Vec<WebhookRow> = store::list_webhooks(tx)?
                .into_iter()
                .filter(|h| h.origin == "file")
                .collect();
            let mut kept = Vec::new();
            for (w, names) in &checked {
                if let Some(h) = existing
                    .iter()
                    .find(|h| h.url == w.url && !kept.contains(&h.id))
                {
                    let secret = w.secret.clone().unwrap_or_else(|| h.secret.clone());
                    tx.execute(
                        "UPDATE webhooks SET subscriptions = ?2, secret = ?3 WHERE id = ?1",
                        rusqlite::params![h.id, serde_json::to_string(names)?, secret],
                    )?;
                    kept.push(h.id);
                } else {
                    let secret = w.secret.clone().unwrap_or_else(random_secret);
                    let row = store::insert_webhook(tx, 1, &w.url, names, &secret, "file")?;
                    kept.push(row.id);
                }
            }
            for h in existing.iter().filter(|h| !kept.contains(&h.id)) {
                store::delete_webhook(tx, h.account_id, h.id)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(file = %path.display(), webhooks = n, "webhooks file loaded");
    Ok(())
}
