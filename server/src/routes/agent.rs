//! The agent side (`/api/v1/accounts/{account_id}/…`), mirroring the platform's application API
//! for the demo account: agents, conversations, messages and conversation actions. Every call
//! needs `api_access_token: <agent token>` ([`auth`]); the routes are same-origin only (no CORS).
//!
//! Each action stores the platform's webhook events (built with the model, `changed_attributes`
//! from its diff), relays them like every other event, and adds the visitor's live frames.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use evolvy_widget::model::widget_api::{LiveEvent, TypingStatus};
use evolvy_widget::model::{
    ActionType, ContentAttributes, ContentType, Conversation, ConversationStatus, EventInfo,
    Message, Priority, Sender, User,
};
use rusqlite::{OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{body_bytes, header_str, json_body, load_parts};
use crate::error::{ApiError, ApiResult};
use crate::outbox::Outbox;
use crate::payload::{self, typed, Agents, ConversationParts, Scene};
use crate::store::{self, ConversationRow, StoreResult, UserRow};
use crate::AppState;

// ---------------------------------------------------------------------------------------------
// Auth and paths

fn same_secret(a: &str, b: &str) -> bool {
    // Constant time in the content (the length is not secret).
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Middleware of every agent route: `api_access_token` must be the agent token. A contact JWT —
/// in `api_access_token`, `X-Auth-Token` or `Authorization` — never opens the agent API.
pub async fn auth(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let refuse = |msg: &str| ApiError::unauthorized(msg).into_response();
    match header_str(headers, "api_access_token") {
        Some(t) if same_secret(t, &state.config.agent_token) => next.run(req).await,
        Some(t) if state.signer.verify(t, store::now_ms() / 1000).is_ok() => refuse(
            "a visitor's contact token cannot call the agent API; send the agent token in api_access_token",
        ),
        Some(_) => refuse("invalid api_access_token"),
        None if headers.contains_key("x-auth-token") || headers.contains_key("authorization") => {
            refuse("the agent API takes the agent token in the api_access_token header (X-Auth-Token and Authorization are not accepted)")
        }
        None => refuse("missing api_access_token header (the agent token)"),
    }
}

fn check_account(state: &AppState, account: &str) -> ApiResult<()> {
    match account.parse::<u64>() {
        Ok(a) if a == state.scene.account.id => Ok(()),
        _ => Err(ApiError::not_found(format!("no account {account}"))),
    }
}

fn number(s: &str, what: &str) -> ApiResult<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(format!("no {what} {s}")))
}

fn conversation(tx: &Transaction<'_>, id: i64) -> StoreResult<ConversationRow> {
    Ok(store::get_conversation(tx, id)?
        .ok_or_else(|| ApiError::not_found(format!("no conversation {id}")))?)
}

fn agent_by_id(agents: &Agents, id: Option<i64>, field: &str) -> Result<UserRow, ApiError> {
    match id {
        None => agents
            .0
            .first()
            .cloned()
            .ok_or_else(|| ApiError::internal("no agents")),
        Some(id) => agents
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::invalid(field, format!("no agent {id}"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// `GET …/agents`: the account's agents (`{id, name, email, available_name, avatar_url,
/// thumbnail, type: "user"}`).
pub async fn agents(
    State(state): State<AppState>,
    Path(account): Path<String>,
) -> ApiResult<Json<Vec<User>>> {
    check_account(&state, &account)?;
    let users = state.store.with(|c| store::list_users(c)).await?;
    Ok(Json(users.iter().map(payload::user_push_model).collect()))
}

/// A conversation as the agent API returns it: the model's conversation object plus what the
/// console lists by.
#[derive(Debug, Serialize)]
pub struct AgentConversation {
    /// The conversation object (as in webhook payloads).
    #[serde(flatten)]
    pub conversation: Conversation,
    /// Unix seconds of the last message or change.
    pub last_activity_at: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// The `event_info` of the visitor's latest widget opening (browser with Client Hints,
    /// widget and browser language, referer, initiated_at), when there was one.
    pub last_event_info: Option<EventInfo>,
}

fn last_event_info(
    c: &rusqlite::Connection,
    contact_inbox_id: i64,
) -> StoreResult<Option<EventInfo>> {
    let payload: Option<String> = c
        .query_row(
            "SELECT json_extract(payload, '$.event_info') FROM events
             WHERE name = 'webwidget_triggered' AND source = 'widget' AND json_extract(payload, '$.id') = ?1
             ORDER BY id DESC LIMIT 1",
            [contact_inbox_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(payload.and_then(|p| serde_json::from_str(&p).ok()))
}

fn agent_conversation(
    c: &rusqlite::Connection,
    scene: &Scene,
    parts: &ConversationParts,
) -> StoreResult<AgentConversation> {
    Ok(AgentConversation {
        conversation: payload::conversation_model(scene, parts),
        last_activity_at: parts.last_activity_at(),
        created_at: parts.conv.created_at / 1000,
        last_event_info: last_event_info(c, parts.ci.id)?,
    })
}

/// `GET …/conversations`: every conversation, most recent activity first, as
/// `{data: {meta: {all_count}, payload: [conversation]}}`.
pub async fn list_conversations(
    State(state): State<AppState>,
    Path(account): Path<String>,
) -> ApiResult<Json<Value>> {
    check_account(&state, &account)?;
    let scene = state.scene.clone();
    let list = state
        .store
        .with(move |c| {
            let mut out = Vec::new();
            for conv in store::list_conversations(c)? {
                out.push(agent_conversation(c, &scene, &load_parts(c, conv)?)?);
            }
            Ok(out)
        })
        .await?;
    Ok(Json(
        json!({"data": {"meta": {"all_count": list.len()}, "payload": list}}),
    ))
}

/// `GET …/conversations/{id}`.
pub async fn get_conversation(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
) -> ApiResult<Json<AgentConversation>> {
    check_account(&state, &account)?;
    let id = number(&id, "conversation")?;
    let scene = state.scene.clone();
    let conv = state
        .store
        .tx(move |tx| {
            let parts = load_parts(tx, conversation(tx, id)?)?;
            agent_conversation(tx, &scene, &parts)
        })
        .await?;
    Ok(Json(conv))
}

/// `GET …/conversations/{id}/messages`: `{meta: {contact, assignee, labels}, payload: [message]}`.
pub async fn list_messages(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    check_account(&state, &account)?;
    let id = number(&id, "conversation")?;
    let scene = state.scene.clone();
    let v = state
        .store
        .tx(move |tx| {
            let parts = load_parts(tx, conversation(tx, id)?)?;
            let conv = payload::conversation_model(&scene, &parts);
            Ok(json!({
                "meta": {"contact": conv.meta.sender, "assignee": conv.meta.assignee, "labels": conv.labels},
                "payload": conv.messages,
            }))
        })
        .await?;
    Ok(Json(v))
}

// ---------------------------------------------------------------------------------------------
// Messages

/// Body of `POST …/conversations/{id}/messages`.
#[derive(Debug, Deserialize)]
pub struct NewMessage {
    /// The text (the question of an interactive message).
    #[serde(default)]
    pub content: Option<String>,
    /// `text` (default), `input_select`, `cards`, `form` or `input_csat`.
    #[serde(default)]
    pub content_type: Option<Value>,
    /// Items of interactive messages.
    #[serde(default)]
    pub content_attributes: Option<Value>,
    /// A private note (never shown to the visitor).
    #[serde(default)]
    pub private: bool,
    /// The writing agent (default: the first agent).
    #[serde(default)]
    pub sender_id: Option<i64>,
    /// Only `"outgoing"` (the default) is accepted.
    #[serde(default)]
    pub message_type: Option<Value>,
}

const MAX_CONTENT: usize = 150_000;

fn web_url(s: &str) -> bool {
    reqwest::Url::parse(s)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .unwrap_or(false)
}

fn non_empty(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// Checks a new agent message's content against its content type (items present and complete,
/// card links http(s) only, form fields named and of a known type).
pub fn check_outgoing(
    content_type: ContentType,
    content: Option<&str>,
    attrs: &ContentAttributes,
) -> Result<(), ApiError> {
    const AT: &str = "content_attributes";
    let has_text = content.is_some_and(|c| !c.trim().is_empty());
    if content.is_some_and(|c| c.chars().count() > MAX_CONTENT) {
        return Err(ApiError::invalid(
            "content",
            format!("longer than {MAX_CONTENT} characters"),
        ));
    }
    if attrs.submitted_values.is_some() {
        return Err(ApiError::invalid(
            "content_attributes.submitted_values",
            "answers come from the visitor, not with the message",
        ));
    }
    let items = attrs.items.as_deref();
    let need_items = || -> Result<&[evolvy_widget::model::ContentItem], ApiError> {
        match items {
            Some(i) if !i.is_empty() => Ok(i),
            _ => Err(ApiError::invalid(
                format!("{AT}.items"),
                format!(
                    "a {} message needs at least one item",
                    content_type_name(content_type)
                ),
            )),
        }
    };
    match content_type {
        ContentType::Text => {
            if !has_text {
                return Err(ApiError::invalid("content", "must not be empty"));
            }
            if items.is_some() {
                return Err(ApiError::invalid(
                    format!("{AT}.items"),
                    "items belong to input_select, cards and form messages",
                ));
            }
        }
        ContentType::InputSelect => {
            if !has_text {
                return Err(ApiError::invalid(
                    "content",
                    "ask something: the options need a question",
                ));
            }
            let items = need_items()?;
            for (i, it) in items.iter().enumerate() {
                let at = |f: &str| format!("{AT}.items[{i}].{f}");
                if !non_empty(&it.title) {
                    return Err(ApiError::invalid(at("title"), "an option needs a title"));
                }
                if !non_empty(&it.value) {
                    return Err(ApiError::invalid(at("value"), "an option needs a value"));
                }
                if items[..i].iter().any(|o| o.value == it.value) {
                    return Err(ApiError::invalid(
                        at("value"),
                        "two options have this value",
                    ));
                }
            }
        }
        ContentType::Cards => {
            for (i, it) in need_items()?.iter().enumerate() {
                let at = |f: &str| format!("{AT}.items[{i}].{f}");
                if !non_empty(&it.title) {
                    return Err(ApiError::invalid(at("title"), "a card needs a title"));
                }
                if let Some(u) = it.media_url.as_deref().filter(|u| !u.is_empty()) {
                    if !web_url(u) {
                        return Err(ApiError::invalid(at("media_url"), "must be an http(s) URL"));
                    }
                }
                for (j, a) in it.actions.as_deref().unwrap_or_default().iter().enumerate() {
                    let at = |f: &str| format!("{AT}.items[{i}].actions[{j}].{f}");
                    if a.text.trim().is_empty() {
                        return Err(ApiError::invalid(at("text"), "a button needs a text"));
                    }
                    match a.action_type {
                        ActionType::Link if !a.uri.as_deref().is_some_and(web_url) => {
                            return Err(ApiError::invalid(
                                at("uri"),
                                "a link button needs an http(s) uri",
                            ))
                        }
                        ActionType::Postback if !non_empty(&a.payload) => {
                            return Err(ApiError::invalid(
                                at("payload"),
                                "a postback button needs a payload",
                            ))
                        }
                        _ => {}
                    }
                }
            }
        }
        ContentType::Form => {
            let items = need_items()?;
            for (i, it) in items.iter().enumerate() {
                let at = |f: &str| format!("{AT}.items[{i}].{f}");
                if !non_empty(&it.name) {
                    return Err(ApiError::invalid(at("name"), "a form field needs a name"));
                }
                if items[..i].iter().any(|o| o.name == it.name) {
                    return Err(ApiError::invalid(at("name"), "two fields have this name"));
                }
                match it.field_type.as_deref() {
                    Some("text" | "text_area" | "email") => {}
                    Some("select") => {
                        if it.options.as_deref().is_none_or(|o| o.is_empty()) {
                            return Err(ApiError::invalid(
                                at("options"),
                                "a select field needs options",
                            ));
                        }
                    }
                    _ => {
                        return Err(ApiError::invalid(
                            at("type"),
                            "a form field's type is text, text_area, email or select",
                        ))
                    }
                }
            }
        }
        ContentType::InputCsat => {
            if items.is_some() {
                return Err(ApiError::invalid(
                    format!("{AT}.items"),
                    "a CSAT survey has no items",
                ));
            }
        }
        other => {
            return Err(ApiError::invalid(
                "content_type",
                format!(
                    "`{}` cannot be sent here; use text, input_select, cards, form or input_csat",
                    content_type_name(other)
                ),
            ))
        }
    }
    Ok(())
}

fn content_type_name(t: ContentType) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// `POST …/conversations/{id}/messages`: an agent's message → `message_created` (outgoing),
/// and the visitor's live frame unless private. Returns the message object.
pub async fn create_message(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Message>> {
    check_account(&state, &account)?;
    let id = number(&id, "conversation")?;
    let body = body_bytes(body)?;
    let req: NewMessage = json_body(&body)?;
    if let Some(t) = &req.message_type {
        if t != "outgoing" && t != 1 {
            return Err(ApiError::invalid(
                "message_type",
                "agents send outgoing messages",
            ));
        }
    }
    let content_type: ContentType = match &req.content_type {
        None | Some(Value::Null) => ContentType::Text,
        Some(v) => typed(v, "content_type")?,
    };
    let attrs: ContentAttributes = match &req.content_attributes {
        None => ContentAttributes::default(),
        Some(v) => typed(v, "content_attributes")?,
    };
    let mut content = req.content.clone();
    check_outgoing(content_type, content.as_deref(), &attrs)?;
    if content_type == ContentType::InputCsat && !non_empty(&content) {
        content = Some("Please rate this conversation".into());
    }
    let in_reply_to = attrs.in_reply_to;
    let attrs_json = serde_json::to_value(&attrs).map_err(ApiError::internal)?;
    let ct_name = content_type_name(content_type);
    let scene = state.scene.clone();
    let (msg, out) = state
        .store
        .tx(move |tx| {
            let conv = conversation(tx, id)?;
            let agents = Agents(store::list_users(tx)?);
            let sender = agent_by_id(&agents, req.sender_id, "sender_id")?;
            if let Some(r) = in_reply_to {
                let known = i64::try_from(r)
                    .map(|r| store::message_in_conversation(tx, conv.id, r))
                    .unwrap_or(Ok(false))?;
                if !known {
                    return Err(ApiError::invalid(
                        "content_attributes.in_reply_to",
                        "no such message in this conversation",
                    )
                    .into());
                }
            }
            let m = store::create_outgoing_message(
                tx,
                conv.id,
                content.as_deref(),
                &ct_name,
                &attrs_json,
                req.private,
                sender.id,
            )?;
            let parts = load_parts(tx, conv)?;
            let mut out = Outbox::default();
            out.event(tx, &payload::message_created(&scene, &m, &parts))?;
            if !m.private {
                out.live(
                    tx,
                    parts.ci.id,
                    parts.conv.id,
                    LiveEvent::MessageCreated {
                        message: payload::widget_message(&m, &parts.contact, &parts.agents),
                    },
                )?;
            }
            Ok((
                payload::message_model(&scene, &m, &parts.contact, &parts.agents),
                out,
            ))
        })
        .await?;
    state.publish(out);
    Ok(Json(msg))
}

/// Body of `PATCH …/messages/{mid}`.
#[derive(Debug, Deserialize)]
pub struct EditMessage {
    /// The new text.
    pub content: String,
}

/// `PATCH …/conversations/{id}/messages/{mid}` `{content}`: edits an agent's message →
/// `message_updated` (and the visitor's frame unless private).
pub async fn update_message(
    State(state): State<AppState>,
    Path((account, id, mid)): Path<(String, String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Message>> {
    check_account(&state, &account)?;
    let id = number(&id, "conversation")?;
    let mid = number(&mid, "message")?;
    let body = body_bytes(body)?;
    let req: EditMessage = json_body(&body)?;
    if req.content.trim().is_empty() {
        return Err(ApiError::invalid("content", "must not be empty"));
    }
    if req.content.chars().count() > MAX_CONTENT {
        return Err(ApiError::invalid(
            "content",
            format!("longer than {MAX_CONTENT} characters"),
        ));
    }
    let scene = state.scene.clone();
    let (msg, out) = state
        .store
        .tx(move |tx| {
            let conv = conversation(tx, id)?;
            let mut m = store::get_message(tx, mid)?
                .filter(|m| m.conversation_id == conv.id)
                .ok_or_else(|| {
                    ApiError::not_found(format!("no message {mid} in conversation {id}"))
                })?;
            if m.sender_id.is_none() {
                return Err(
                    ApiError::invalid("message_id", "only agent messages can be edited").into(),
                );
            }
            m.content = Some(req.content);
            store::update_message(tx, &mut m)?;
            let parts = load_parts(tx, conv)?;
            let mut out = Outbox::default();
            out.event(tx, &payload::message_updated(&scene, &m, &parts))?;
            if !m.private {
                out.live(
                    tx,
                    parts.ci.id,
                    parts.conv.id,
                    LiveEvent::MessageUpdated {
                        message: payload::widget_message(&m, &parts.contact, &parts.agents),
                    },
                )?;
            }
            Ok((
                payload::message_model(&scene, &m, &parts.contact, &parts.agents),
                out,
            ))
        })
        .await?;
    state.publish(out);
    Ok(Json(msg))
}

// ---------------------------------------------------------------------------------------------
// Conversation actions

/// Saves a conversation changed from `previous` (its state before, as the model object) and
/// stores what the change caused: `conversation_status_changed` when the status changed,
/// `conversation_updated` with the model's `changed_attributes` when any tracked attribute
/// changed, and the visitor's frames (status, assignee). Nothing changed → nothing saved or
/// stored.
pub fn save_changes(
    tx: &Transaction<'_>,
    scene: &Scene,
    previous: &Conversation,
    parts: &mut ConversationParts,
    out: &mut Outbox,
) -> StoreResult<()> {
    if payload::conversation_updated(previous, &payload::conversation_model(scene, parts)).is_none()
    {
        return Ok(());
    }
    store::save_conversation(tx, &mut parts.conv)?;
    let current = payload::conversation_model(scene, parts);
    if let Some(status) = payload::conversation_status_changed(previous, &current) {
        out.event(tx, &status)?;
        out.live(
            tx,
            parts.ci.id,
            parts.conv.id,
            LiveEvent::ConversationStatusChanged {
                conversation_id: current.id,
                status: current.status.as_str().into(),
            },
        )?;
    }
    if let Some(updated) = payload::conversation_updated(previous, &current) {
        out.event(tx, &updated)?;
    }
    if previous.meta.assignee.as_ref().map(|u| u.id) != current.meta.assignee.as_ref().map(|u| u.id)
    {
        let assignee = parts
            .conv
            .assignee_id
            .and_then(|a| parts.agents.get(a))
            .map(payload::agent_widget_sender);
        out.live(
            tx,
            parts.ci.id,
            parts.conv.id,
            LiveEvent::AssigneeChanged {
                conversation_id: current.id,
                assignee,
            },
        )?;
    }
    Ok(())
}

/// Applies `change` to conversation `id` in one transaction, then [`save_changes`]. Returns what
/// `change` returned.
async fn change_conversation<R, F>(state: &AppState, id: i64, change: F) -> ApiResult<R>
where
    R: Send + 'static,
    F: FnOnce(&mut ConversationRow, &Agents) -> Result<R, ApiError> + Send + 'static,
{
    let scene = state.scene.clone();
    let (r, out) = state
        .store
        .tx(move |tx| {
            let mut parts = load_parts(tx, conversation(tx, id)?)?;
            let previous = payload::conversation_model(&scene, &parts);
            let r = change(&mut parts.conv, &parts.agents)?;
            let mut out = Outbox::default();
            save_changes(tx, &scene, &previous, &mut parts, &mut out)?;
            Ok((r, out))
        })
        .await?;
    state.publish(out);
    Ok(r)
}

/// The body as an object, and `key` in it (422 naming it when missing).
fn field(body: &[u8], key: &str) -> ApiResult<(Map<String, Value>, Value)> {
    let mut map: Map<String, Value> = json_body(body)?;
    let v = map
        .remove(key)
        .ok_or_else(|| ApiError::invalid(key, "missing field"))?;
    Ok((map, v))
}

/// `POST …/conversations/{id}/assignments` `{assignee_id: number|null}` → `conversation_updated`
/// (`assignee_id`). Returns the assignee (or null).
pub async fn assign(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Option<User>>> {
    check_account(&state, &account)?;
    let id = number(&id, "conversation")?;
    let body = body_bytes(body)?;
    let (_, v) = field(&body, "assignee_id")?;
    let assignee: Option<u64> = typed(&v, "assignee_id")?;
    let user = change_conversation(&state, id, move |conv, agents| {
        let user = match assignee {
            None => None,
            Some(a) => Some(
                i64::try_from(a)
                    .ok()
                    .and_then(|a| agents.get(a))
                    .cloned()
                    .ok_or_else(|| ApiError::invalid("assignee_id", format!("no agent {a}")))?,
            ),
        };
        conv.assignee_id = user.as_ref().map(|u| u.id);
        Ok(user.as_ref().map(payload::user_model))
    })
    .await?;
    Ok(Json(user))
}

/// An ISO-8601 datetime with a zone, e.g. `2026-11-26T09:00:00.000Z` or `…T09:00+01:00`.
fn iso_datetime(s: &str) -> bool {
    regex_lite::Regex::new(
        r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$",
    )
    .map(|re| re.is_match(s))
    .unwrap_or(false)
}

/// `POST …/conversations/{id}/toggle_status` `{status, snoozed_until?}` (snoozed_until: Unix
/// seconds or an ISO-8601 datetime, with `snoozed` only) → `conversation_status_changed` and
/// `conversation_updated`.
pub async fn toggle_status(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    check_account(&state, &account)?;
    let id = number(&id, "conversation")?;
    let body = body_bytes(body)?;
    let (rest, v) = field(&body, "status")?;
    let status: ConversationStatus = typed(&v, "status")?;
    let until = match rest.get("snoozed_until") {
        None | Some(Value::Null) => None,
        Some(_) if status != ConversationStatus::Snoozed => {
            return Err(ApiError::invalid(
                "snoozed_until",
                "only with status `snoozed`",
            ))
        }
        Some(Value::Number(n)) => {
            let secs = n
                .as_i64()
                .filter(|s| *s > 0)
                .ok_or_else(|| ApiError::invalid("snoozed_until", "Unix seconds expected"))?;
            Some(evolvy_widget::model::time::iso8601_ms(
                secs.saturating_mul(1000),
            ))
        }
        Some(Value::String(s)) if iso_datetime(s) => Some(s.clone()),
        Some(_) => {
            return Err(ApiError::invalid(
                "snoozed_until",
                "Unix seconds or an ISO-8601 datetime expected",
            ))
        }
    };
    let conv_status = status.as_str().to_owned();
    let snoozed_until = change_conversation(&state, id, move |conv, _| {
        conv.status = conv_status;
        conv.snoozed_until = until;
        Ok(conv.snoozed_until.clone())
    })
    .await?;
    Ok(Json(json!({"meta": {}, "payload": {
        "success": true, "current_status": status.as_str(), "conversation_id": id,
        "snoozed_until": snoozed_until,
    }})))
}

/// `POST …/conversations/{id}/toggle_priority` `{priority: null|low|medium|high|urgent}` →
/// `conversation_updated` (`priority`).
pub async fn toggle_priority(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    check_account(&state, &account)?;
    let id = number(&id, "conversation")?;
    let body = body_bytes(body)?;
    let (_, v) = field(&body, "priority")?;
    let priority: Option<Priority> = typed(&v, "priority")?;
    change_conversation(&state, id, move |conv, _| {
        conv.priority = priority.map(|p| p.as_str().to_owned());
        Ok(())
    })
    .await?;
    Ok(Json(
        json!({"success": true, "priority": priority.map(|p| p.as_str())}),
    ))
}

/// Longest label, and most labels on one conversation.
const MAX_LABEL: usize = 100;
const MAX_LABELS: usize = 50;

/// `POST …/conversations/{id}/labels` `{labels: [...]}` (replaces the set) →
/// `conversation_updated` (`label_list`). Returns `{payload: labels}`.
pub async fn labels(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    check_account(&state, &account)?;
    let id = number(&id, "conversation")?;
    let body = body_bytes(body)?;
    let (_, v) = field(&body, "labels")?;
    let given: Vec<String> = typed(&v, "labels")?;
    if given.len() > MAX_LABELS {
        return Err(ApiError::invalid(
            "labels",
            format!("at most {MAX_LABELS} labels"),
        ));
    }
    let mut labels: Vec<String> = Vec::new();
    for (i, l) in given.iter().enumerate() {
        let l = l.trim();
        let ok = !l.is_empty()
            && l.len() <= MAX_LABEL
            && l.chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(ApiError::invalid(
                format!("labels[{i}]"),
                "a label is 1 to 100 letters, digits, `-` or `_`",
            ));
        }
        if !labels.iter().any(|x| x == l) {
            labels.push(l.to_owned());
        }
    }
    let out = labels.clone();
    change_conversation(&state, id, move |conv, _| {
        conv.labels = labels;
        Ok(())
    })
    .await?;
    Ok(Json(json!({"payload": out})))
}

/// `POST …/conversations/{id}/custom_attributes` `{custom_attributes: {...}}` (replaces them) →
/// `conversation_updated` (`custom_attributes`).
pub async fn custom_attributes(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    check_account(&state, &account)?;
    let id = number(&id, "conversation")?;
    let body = body_bytes(body)?;
    let (_, v) = field(&body, "custom_attributes")?;
    let attrs: Map<String, Value> = typed(&v, "custom_attributes")?;
    if attrs.keys().any(|k| k.trim().is_empty() || k.len() > 100) {
        return Err(ApiError::invalid(
            "custom_attributes",
            "keys are 1 to 100 characters",
        ));
    }
    let value = Value::Object(attrs);
    let out = value.clone();
    change_conversation(&state, id, move |conv, _| {
        conv.custom_attributes = value;
        Ok(())
    })
    .await?;
    Ok(Json(json!({"custom_attributes": out})))
}

/// Body of `toggle_typing_status`.
#[derive(Debug, Deserialize)]
pub struct AgentTyping {
    /// `on` or `off`.
    pub typing_status: TypingStatus,
    /// Typing a private note (the visitor is not told).
    #[serde(default)]
    pub is_private: bool,
    /// The typing agent (default: the first agent).
    #[serde(default)]
    pub sender_id: Option<i64>,
}

/// `POST …/conversations/{id}/toggle_typing_status` `{typing_status: on|off, is_private?}` →
/// `conversation_typing_on` / `_off` with the agent as `user`, and the visitor's frame unless
/// private.
pub async fn toggle_typing(
    State(state): State<AppState>,
    Path((account, id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    check_account(&state, &account)?;
    let id = number(&id, "conversation")?;
    let body = body_bytes(body)?;
    let req: AgentTyping = json_body(&body)?;
    let scene = state.scene.clone();
    let out = state
        .store
        .tx(move |tx| {
            let parts = load_parts(tx, conversation(tx, id)?)?;
            let agent = agent_by_id(&parts.agents, req.sender_id, "sender_id")?;
            let on = req.typing_status == TypingStatus::On;
            let mut out = Outbox::default();
            out.event(
                tx,
                &payload::typing(
                    Sender::User(payload::user_push_model(&agent)),
                    payload::conversation_model(&scene, &parts),
                    on,
                    req.is_private,
                ),
            )?;
            if !req.is_private {
                out.live(
                    tx,
                    parts.ci.id,
                    parts.conv.id,
                    LiveEvent::Typing {
                        conversation_id: u64::try_from(parts.conv.id).unwrap_or_default(),
                        typing_status: req.typing_status,
                        user: payload::agent_widget_sender(&agent),
                    },
                )?;
            }
            Ok(out)
        })
        .await?;
    state.publish(out);
    Ok(Json(json!({"success": true})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snooze_datetimes() {
        for ok in [
            "2026-11-26T09:00:00.000Z",
            "2026-11-26T09:00Z",
            "2026-11-26T09:00:00+01:00",
        ] {
            assert!(iso_datetime(ok), "{ok}");
        }
        for no in [
            "2026-11-26",
            "tomorrow",
            "2026-11-26T09:00:00",
            "2026-11-26 09:00:00Z",
        ] {
            assert!(!iso_datetime(no), "{no}");
        }
    }

    #[test]
    fn agent_tokens_compare_whole() {
        assert!(same_secret("demo-agent-token", "demo-agent-token"));
        assert!(!same_secret("demo-agent-token", "demo-agent-tokeN"));
        assert!(!same_secret("demo-agent-token", "demo-agent-token "));
        assert!(!same_secret("", "x"));
    }
}
