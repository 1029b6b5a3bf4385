//! The JSON error every endpoint answers with: `{"error": "...", "path": "..."}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use evolvy_widget::model::ModelError;
use serde_json::json;

use crate::store::StoreError;

/// An HTTP error with a JSON body; `path` names the offending field when there is one.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable message.
    pub error: String,
    /// Dotted path of the offending field.
    pub path: Option<String>,
}

impl ApiError {
    /// An error without a field path.
    pub fn new(status: StatusCode, error: impl Into<String>) -> Self {
        Self {
            status,
            error: error.into(),
            path: None,
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(error: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error)
    }

    /// 401 Unauthorized.
    pub fn unauthorized(error: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, error)
    }

    /// 404 Not Found.
    pub fn not_found(error: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, error)
    }

    /// 422 Unprocessable Entity naming the field.
    pub fn invalid(path: impl Into<String>, error: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: error.into(),
            path: Some(path.into()),
        }
    }

    /// 500, logged; the client sees a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}

impl From<ModelError> for ApiError {
    fn from(e: ModelError) -> Self {
        let path = if e.path.is_empty() {
            ".".to_owned()
        } else {
            e.path
        };
        Self::invalid(path, e.message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Api(a) => a,
            other => Self::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match &self.path {
            Some(p) => json!({"error": self.error, "path": p}),
            None => json!({"error": self.error}),
        };
        (self.status, Json(body)).into_response()
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
