//! The widget's session with the platform's widget API (gloo-net): who the visitor is
//! (`/config`, token kept in localStorage), the widget-open event, and conversation and message
//! creation, whose responses carry the ids every later payload uses.

use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use web_sys::RequestCredentials;

use crate::model::widget_api::{
    ConversationCreateResponse, CreateConversationRequest, CreateMessageRequest, StreamTicket,
    ToggleTypingRequest, UpdateMessageRequest, WidgetConfigResponse, WidgetEventRequest,
    WidgetMessage,
};

/// Why a widget API call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No response (offline, DNS, CORS, aborted): worth retrying.
    Network(String),
    /// A response that is not 2xx.
    Status(u16, String),
    /// A 2xx whose body does not fit the expected type.
    Body(String),
}

impl ApiError {
    /// Whether trying again later can help (network errors, 408, 425, 429, 5xx).
    pub fn retryable(&self) -> bool {
        match self {
            ApiError::Network(_) => true,
            ApiError::Status(s, _) => matches!(s, 408 | 425 | 429) || *s >= 500,
            ApiError::Body(_) => false,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Network(e) => write!(f, "network error: {e}"),
            ApiError::Status(s, body) => write!(f, "HTTP {s}: {body}"),
            ApiError::Body(e) => write!(f, "unexpected response: {e}"),
        }
    }
}

/// What is kept in localStorage between page loads (per website token).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSession {
    /// The config response (token and ids).
    pub config: WidgetConfigResponse,
    /// The conversation's display id once created.
    #[serde(default)]
    pub conversation_id: Option<u64>,
    /// Unix seconds the conversation was created.
    #[serde(default)]
    pub conversation_created_at: i64,
}

/// A client of one inbox's widget API.
#[derive(Debug, Clone)]
pub struct Session {
    base_url: String,
    website_token: String,
    locale: String,
    /// The session state.
    pub stored: Option<StoredSession>,
}

fn storage_key(website_token: &str) -> String {
    format!("evolvy:session:{website_token}")
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

impl Session {
    /// A session for `website_token` on `base_url`, restored from localStorage when present.
    pub fn new(base_url: &str, website_token: &str, locale: &str) -> Session {
        let stored = local_storage()
            .and_then(|s| s.get_item(&storage_key(website_token)).ok().flatten())
            .and_then(|text| serde_json::from_str(&text).ok());
        Session {
            base_url: base_url.trim_end_matches('/').to_string(),
            website_token: website_token.to_string(),
            locale: locale.to_string(),
            stored,
        }
    }

    /// Changes the locale sent with later calls.
    pub fn set_locale(&mut self, locale: &str) {
        self.locale = locale.to_string();
    }

    /// Writes the session to localStorage (a blocked storage only costs a new contact next time).
    pub fn save(&self) {
        if let (Some(storage), Some(stored)) = (local_storage(), &self.stored) {
            if let Ok(text) = serde_json::to_string(stored) {
                let _ = storage.set_item(&storage_key(&self.website_token), &text);
            }
        }
    }

    /// Forgets the visitor (`$evolvy.reset()`).
    pub fn forget(&mut self) {
        self.stored = None;
        if let Some(storage) = local_storage() {
            let _ = storage.remove_item(&storage_key(&self.website_token));
        }
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/api/v1/widget/{path}?website_token={}&locale={}",
            self.base_url,
            encode(&self.website_token),
            encode(&self.locale)
        )
    }

    fn authed(&self, builder: RequestBuilder) -> RequestBuilder {
        let builder = builder.credentials(RequestCredentials::Omit);
        match &self.stored {
            Some(s) => builder.header("X-Auth-Token", &s.config.auth_token),
            None => builder,
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: Result<Request, gloo_net::Error>,
    ) -> Result<Option<T>, ApiError> {
        let request = request.map_err(|e| ApiError::Body(e.to_string()))?;
        let response = request
            .send()
            .await
            .map_err(|e| ApiError::Network(e.to_string()))?;
        let status = response.status();
        if !(200..300).contains(&status) {
            let body: String = response
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            return Err(ApiError::Status(status, body));
        }
        if status == 204 {
            return Ok(None);
        }
        let text = response
            .text()
            .await
            .map_err(|e| ApiError::Network(e.to_string()))?;
        if text.trim().is_empty() {
            return Ok(None);
        }
        serde_json::from_str::<T>(&text)
            .map(Some)
            .map_err(|e| ApiError::Body(e.to_string()))
    }

    /// Makes sure the visitor has a contact and a token (`POST /config` once per browser).
    pub async fn ensure(&mut self) -> Result<&StoredSession, ApiError> {
        if self.stored.is_none() {
            let request = Request::post(&self.url("config"))
                .credentials(RequestCredentials::Omit)
                .build();
            let config: WidgetConfigResponse = self
                .send(request)
                .await?
                .ok_or_else(|| ApiError::Body("empty config response".into()))?;
            self.stored = Some(StoredSession {
                config,
                conversation_id: None,
                conversation_created_at: 0,
            });
            self.save();
        }
        self.stored
            .as_ref()
            .ok_or_else(|| ApiError::Body("no session".into()))
    }

    /// `POST /events` (webwidget.triggered).
    pub async fn trigger(&self, body: &WidgetEventRequest) -> Result<(), ApiError> {
        let request = self.authed(Request::post(&self.url("events"))).json(body);
        self.send::<serde_json::Value>(request).await.map(|_| ())
    }

    /// `POST /conversations`: the first message creates the conversation.
    pub async fn create_conversation(
        &mut self,
        body: &CreateConversationRequest,
    ) -> Result<ConversationCreateResponse, ApiError> {
        let request = self
            .authed(Request::post(&self.url("conversations")))
            .json(body);
        let response: ConversationCreateResponse = self
            .send(request)
            .await?
            .ok_or_else(|| ApiError::Body("empty conversation response".into()))?;
        if let Some(s) = &mut self.stored {
            s.conversation_id = Some(response.id);
            s.conversation_created_at = response
                .messages
                .iter()
                .map(|m| m.created_at)
                .min()
                .unwrap_or_else(|| (js_sys::Date::now() / 1000.0) as i64);
        }
        self.save();
        Ok(response)
    }

    /// `POST /messages`: a later visitor message.
    pub async fn create_message(
        &self,
        body: &CreateMessageRequest,
    ) -> Result<WidgetMessage, ApiError> {
        let request = self.authed(Request::post(&self.url("messages"))).json(body);
        self.send(request)
            .await?
            .ok_or_else(|| ApiError::Body("empty message response".into()))
    }

    /// Whether the visitor has a contact token.
    pub fn has_token(&self) -> bool {
        self.stored.is_some()
    }

    /// The inbox's website token.
    pub fn website_token(&self) -> &str {
        &self.website_token
    }

    /// `POST /stream_ticket`: a short-lived, single-use ticket for the live stream.
    pub async fn stream_ticket(&self) -> Result<StreamTicket, ApiError> {
        let request = self
            .authed(Request::post(&self.url("stream_ticket")))
            .build();
        self.send(request)
            .await?
            .ok_or_else(|| ApiError::Body("empty ticket response".into()))
    }

    /// The live stream's URL for `ticket`, replaying what came after `after`.
    pub fn stream_url(&self, ticket: &str, after: u64) -> String {
        format!(
            "{}/api/v1/widget/stream?website_token={}&ticket={}&after={after}",
            self.base_url,
            encode(&self.website_token),
            encode(ticket)
        )
    }

    /// `PATCH /messages/{id}`: the visitor's answer to an interactive message. Resolves with the
    /// message as the platform now has it, when the response carries it.
    pub async fn update_message(
        &self,
        id: u64,
        body: &UpdateMessageRequest,
    ) -> Result<Option<WidgetMessage>, ApiError> {
        let request = self
            .authed(Request::patch(&self.url(&format!("messages/{id}"))))
            .json(body);
        let value: Option<serde_json::Value> = self.send(request).await?;
        Ok(value.and_then(|v| serde_json::from_value(v).ok()))
    }

    /// `POST /conversations/toggle_typing`.
    pub async fn toggle_typing(&self, body: &ToggleTypingRequest) -> Result<(), ApiError> {
        let request = self
            .authed(Request::post(&self.url("conversations/toggle_typing")))
            .json(body);
        self.send::<serde_json::Value>(request).await.map(|_| ())
    }

    /// `GET /messages`: the conversation so far (restores the thread after a reload).
    pub async fn messages(&self) -> Result<Vec<WidgetMessage>, ApiError> {
        let request = self.authed(Request::get(&self.url("messages"))).build();
        Ok(self.send(request).await?.unwrap_or_default())
    }
}
