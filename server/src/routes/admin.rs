//! Read-only views: events, deliveries, health.

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::ApiResult;
use crate::store::{self, DeliveryRow, EventRow};
use crate::AppState;

/// Paging of list endpoints.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
    /// Only events older than this row id.
    pub before: Option<i64>,
}

/// `GET /api/v1/events`: stored events, newest first.
pub async fn events(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<EventRow>>> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let rows = state
        .store
        .with(move |c| store::list_events(c, limit, q.before))
        .await?;
    Ok(Json(rows))
}

/// `GET /api/v1/deliveries`: deliveries with their attempt logs, newest first.
pub async fn deliveries(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<DeliveryRow>>> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let rows = state
        .store
        .with(move |c| store::list_deliveries(c, limit))
        .await?;
    Ok(Json(rows))
}

/// `GET /healthz`: 200 when the database answers.
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let events = state.store.with(|c| store::count_events(c)).await?;
    Ok(Json(
        json!({"status": "ok", "version": evolvy_widget::VERSION, "events": events}),
    ))
}
