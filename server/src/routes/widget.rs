//! The platform's widget API (`/api/v1/widget/*`), as the browser module calls it.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::Path;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use evolvy_widget::model::widget_api::{
    ConversationCreateResponse, CreateConversationRequest, CreateMessageRequest, LiveEvent,
    ToggleTypingRequest, TypingStatus, UpdateMessageRequest, WidgetConfigResponse,
    WidgetEventRequest, WidgetMessage, WIDGET_TRIGGERED,
};
use evolvy_widget::model::{Account, EventInfo, Inbox, Sender};
use rusqlite::Transaction;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{body_bytes, header_str, json_body, load_parts};
use crate::error::{ApiError, ApiResult};
use crate::outbox::Outbox;
use crate::payload::{self, Agents, ConversationParts, Scene};
use crate::store::{self, ContactInboxRow, ContactRow, StoreResult};
use crate::token::Claims;
use crate::AppState;

/// Query string of widget API calls.
#[derive(Debug, Deserialize)]
pub struct WidgetQuery {
    /// The inbox's website token.
    pub website_token: Option<String>,
    /// The widget locale (events only).
    pub locale: Option<String>,
}

/// 404 unless the query names this server's inbox.
pub fn check_website_token(state: &AppState, q: &WidgetQuery) -> ApiResult<()> {
    match q.website_token.as_deref() {
        None | Some("") => Err(ApiError::not_found("missing website_token")),
        Some(t) if t == state.config.website_token => Ok(()),
        Some(_) => Err(ApiError::not_found("unknown website_token")),
    }
}

fn now_s() -> i64 {
    store::now_ms() / 1000
}

/// The verified claims of the `X-Auth-Token` contact JWT (401 otherwise).
pub fn claims(state: &AppState, headers: &HeaderMap) -> ApiResult<Claims> {
    let token = header_str(headers, "x-auth-token")
        .ok_or_else(|| ApiError::unauthorized("missing X-Auth-Token"))?;
    let claims = state
        .signer
        .verify(token, now_s())
        .map_err(|e| ApiError::unauthorized(e.to_string()))?;
    if claims.inbox_id != state.scene.inbox.id {
        return Err(ApiError::unauthorized("auth token is for another inbox"));
    }
    Ok(claims)
}

/// The visitor of a verified token, inside a transaction.
pub fn visitor(
    tx: &Transaction<'_>,
    claims: &Claims,
) -> StoreResult<(ContactInboxRow, ContactRow)> {
    let ci = store::find_contact_inbox(tx, &claims.source_id)?
        .ok_or_else(|| ApiError::unauthorized("auth token names an unknown contact"))?;
    let contact = store::get_contact(tx, ci.contact_id)?
        .ok_or_else(|| ApiError::unauthorized("auth token names an unknown contact"))?;
    Ok((ci, contact))
}

/// The visitor's frame for a message (only messages the visitor may see: no private notes).
fn live_message(
    out: &mut Outbox,
    tx: &Transaction<'_>,
    p: &ConversationParts,
    m: &store::MessageRow,
    created: bool,
) -> StoreResult<()> {
    if m.private {
        return Ok(());
    }
    let message = payload::widget_message(m, &p.contact, &p.agents);
    let event = if created {
        LiveEvent::MessageCreated { message }
    } else {
        LiveEvent::MessageUpdated { message }
    };
    out.live(tx, p.ci.id, p.conv.id, event)
}

/// `POST /api/v1/widget/config?website_token=T`: the visitor's identity for this inbox. A valid
/// `X-Auth-Token` keeps the same contact; otherwise a new contact and contact_inbox are made
/// (and `contact_created` is emitted).
pub async fn config(
    State(state): State<AppState>,
    Query(q): Query<WidgetQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<WidgetConfigResponse>> {
    check_website_token(&state, &q)?;
    let existing = claims(&state, &headers).ok();
    let scene = state.scene.clone();
    let inbox_id = scene.inbox.id as i64;
    let (ci, contact, published) = state
        .store
        .tx(move |tx| {
            if let Some(c) = &existing {
                if let Ok((ci, contact)) = visitor(tx, c) {
                    return Ok((ci, contact, None));
                }
            }
            let source_id = uuid::Uuid::new_v4().to_string();
            let name = format!("Visitor {}", &source_id[..6]);
            let (contact, ci) = store::create_contact(tx, inbox_id, &name, &source_id)?;
            let mut out = Outbox::default();
            out.event(tx, &payload::contact_created(&scene, &contact))?;
            Ok((ci, contact, Some(out)))
        })
        .await?;
    let reused = published.is_none();
    if let Some(out) = published {
        state.publish(out);
    }
    let token = match header_str(&headers, "x-auth-token") {
        Some(t) if reused => t.to_owned(),
        _ => {
            let iat = now_s();
            state.signer.sign(&Claims {
                source_id: ci.source_id.clone(),
                inbox_id: ci.inbox_id as u64,
                iat,
                exp: iat + state.config.token_ttl.as_secs() as i64,
            })
        }
    };
    Ok(Json(WidgetConfigResponse {
        auth_token: token,
        contact_inbox_id: ci.id as u64,
        source_id: ci.source_id,
        contact_id: contact.id as u64,
        inbox: Inbox {
            id: state.scene.inbox.id,
            name: state.scene.inbox.name.clone(),
        },
        account: Account {
            id: state.scene.account.id,
            name: state.scene.account.name.clone(),
        },
    }))
}

/// `POST /api/v1/widget/events?website_token=T&locale=L`: the visitor opened the widget →
/// `webwidget_triggered`. Fills `widget_language`, `browser_language` and `browser` when the
/// body lacks them. 204.
pub async fn events(
    State(state): State<AppState>,
    Query(q): Query<WidgetQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    check_website_token(&state, &q)?;
    let claims = claims(&state, &headers)?;
    let body = body_bytes(body)?;
    let req: WidgetEventRequest = json_body(&body)?;
    if req.name != WIDGET_TRIGGERED {
        return Err(ApiError::invalid(
            "name",
            format!(
                "unknown widget event `{}`; expected `{WIDGET_TRIGGERED}`",
                req.name
            ),
        ));
    }
    let info = req.event_info;
    let event_info = EventInfo {
        initiated_at: info.initiated_at,
        referer: payload::clean_referer(&info.referer),
        widget_language: info
            .widget_language
            .filter(|l| !l.is_empty())
            .or(q.locale.clone())
            .unwrap_or_default(),
        browser_language: info
            .browser_language
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| {
                payload::primary_language(header_str(&headers, "accept-language").unwrap_or(""))
            }),
        browser: info.browser.unwrap_or_else(|| {
            payload::derive_browser(header_str(&headers, "user-agent").unwrap_or(""))
        }),
    };
    let scene = state.scene.clone();
    let published = state
        .store
        .tx(move |tx| {
            let (ci, contact) = visitor(tx, &claims)?;
            let current = match store::latest_conversation(tx, ci.id)? {
                Some(conv) => Some(payload::conversation_model(&scene, &load_parts(tx, conv)?)),
                None => None,
            };
            let mut out = Outbox::default();
            out.event(
                tx,
                &payload::webwidget_triggered(&scene, &ci, &contact, current, &event_info),
            )?;
            Ok(out)
        })
        .await?;
    state.publish(published);
    Ok(StatusCode::NO_CONTENT)
}

fn check_message(m: &evolvy_widget::model::widget_api::WidgetMessageInput) -> ApiResult<()> {
    if m.content.trim().is_empty() {
        return Err(ApiError::invalid("message.content", "must not be empty"));
    }
    if m.content.chars().count() > 150_000 {
        return Err(ApiError::invalid(
            "message.content",
            "longer than 150000 characters",
        ));
    }
    Ok(())
}

/// The events of a new visitor message: `conversation_created` first when it opened the
/// conversation, then `message_created`, and the frame for the visitor's other tabs. A message in
/// a resolved or snoozed conversation reopens it, as on the platform
/// (`conversation_status_changed` and `conversation_updated`).
fn visitor_message_events(
    scene: &Scene,
    tx: &Transaction<'_>,
    p: &mut ConversationParts,
    m: &store::MessageRow,
    created: bool,
) -> StoreResult<Outbox> {
    let mut out = Outbox::default();
    if created {
        out.event(tx, &payload::conversation_created(scene, p))?;
    }
    out.event(tx, &payload::message_created(scene, m, p))?;
    live_message(&mut out, tx, p, m, true)?;
    if p.conv.status == "resolved" || p.conv.status == "snoozed" {
        let previous = payload::conversation_model(scene, p);
        p.conv.status = "open".into();
        p.conv.snoozed_until = None;
        super::agent::save_changes(tx, scene, &previous, p, &mut out)?;
    }
    Ok(out)
}

/// `POST /api/v1/widget/conversations`: the first message → `conversation_created` and
/// `message_created`.
pub async fn create_conversation(
    State(state): State<AppState>,
    Query(q): Query<WidgetQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<ConversationCreateResponse>> {
    check_website_token(&state, &q)?;
    let claims = claims(&state, &headers)?;
    let body = body_bytes(body)?;
    let req: CreateConversationRequest = json_body(&body)?;
    check_message(&req.message)?;
    let mut attrs = serde_json::Map::new();
    attrs.insert(
        "browser".into(),
        serde_json::to_value(payload::derive_browser(
            header_str(&headers, "user-agent").unwrap_or(""),
        ))
        .unwrap_or(Value::Null),
    );
    attrs.insert(
        "browser_language".into(),
        Value::String(payload::primary_language(
            header_str(&headers, "accept-language").unwrap_or(""),
        )),
    );
    let referer = payload::clean_referer(&req.message.referer_url);
    if !referer.is_empty() {
        attrs.insert("referer".into(), Value::String(referer));
    }
    attrs.insert(
        "initiated_at".into(),
        json!({"timestamp": req.message.timestamp}),
    );
    let scene = state.scene.clone();
    let (conv, contact, m, events) = state
        .store
        .tx(move |tx| {
            let (ci, _) = visitor(tx, &claims)?;
            let c = &req.contact;
            store::update_contact_details(
                tx,
                ci.contact_id,
                c.name.as_deref().filter(|s| !s.trim().is_empty()),
                c.email.as_deref().filter(|s| !s.trim().is_empty()),
                c.phone_number.as_deref().filter(|s| !s.trim().is_empty()),
            )?;
            let contact = store::get_contact(tx, ci.contact_id)?
                .ok_or_else(|| ApiError::unauthorized("auth token names an unknown contact"))?;
            let conv = store::create_conversation(
                tx,
                &ci,
                &Value::Object(req.custom_attributes),
                &Value::Object(attrs),
            )?;
            let m = store::create_incoming_message(tx, conv.id, &req.message.content, None)?;
            let mut parts = load_parts(tx, conv.clone())?;
            let events = visitor_message_events(&scene, tx, &mut parts, &m, true)?;
            let wm = payload::widget_message(&m, &contact, &parts.agents);
            Ok((conv, contact, wm, events))
        })
        .await?;
    state.publish(events);
    Ok(Json(ConversationCreateResponse {
        id: conv.id as u64,
        inbox_id: conv.inbox_id as u64,
        contact_last_seen_at: 0,
        status: conv.status.clone(),
        messages: vec![m],
        custom_attributes: match conv.custom_attributes {
            Value::Object(o) => o,
            _ => Default::default(),
        },
        contact: json!({"id": contact.id, "name": contact.name, "email": contact.email,
                        "phone_number": contact.phone_number}),
    }))
}

/// `POST /api/v1/widget/messages`: a further message in the visitor's latest conversation →
/// `message_created`.
pub async fn create_message(
    State(state): State<AppState>,
    Query(q): Query<WidgetQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<WidgetMessage>> {
    check_website_token(&state, &q)?;
    let claims = claims(&state, &headers)?;
    let body = body_bytes(body)?;
    let req: CreateMessageRequest = json_body(&body)?;
    check_message(&req.message)?;
    let scene = state.scene.clone();
    let (m, events) = state
        .store
        .tx(move |tx| {
            let (ci, _) = visitor(tx, &claims)?;
            let conv = store::latest_conversation(tx, ci.id)?.ok_or_else(|| {
                ApiError::not_found(
                    "no conversation yet: start one with POST /api/v1/widget/conversations",
                )
            })?;
            let reply_to = match req.message.reply_to {
                Some(id) => {
                    let id = i64::try_from(id)
                        .map_err(|_| ApiError::invalid("message.reply_to", "no such message"))?;
                    if !store::message_in_conversation(tx, conv.id, id)? {
                        return Err(ApiError::invalid(
                            "message.reply_to",
                            "no such message in this conversation",
                        )
                        .into());
                    }
                    Some(id)
                }
                None => None,
            };
            let m = store::create_incoming_message(tx, conv.id, &req.message.content, reply_to)?;
            let mut parts = load_parts(tx, conv)?;
            let events = visitor_message_events(&scene, tx, &mut parts, &m, false)?;
            Ok((
                payload::widget_message(&m, &parts.contact, &parts.agents),
                events,
            ))
        })
        .await?;
    state.publish(events);
    Ok(Json(m))
}

/// `GET /api/v1/widget/messages`: the messages of the visitor's latest conversation (empty
/// before the first message), each with its sender; private notes are left out.
pub async fn list_messages(
    State(state): State<AppState>,
    Query(q): Query<WidgetQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<WidgetMessage>>> {
    check_website_token(&state, &q)?;
    let claims = claims(&state, &headers)?;
    let msgs = state
        .store
        .tx(move |tx| {
            let (ci, contact) = visitor(tx, &claims)?;
            let msgs = match store::latest_conversation(tx, ci.id)? {
                Some(conv) => store::list_messages(tx, conv.id)?,
                None => Vec::new(),
            };
            let agents = Agents(store::list_users(tx)?);
            Ok(msgs
                .iter()
                .filter(|m| !m.private)
                .map(|m| payload::widget_message(m, &contact, &agents))
                .collect())
        })
        .await?;
    Ok(Json(msgs))
}

/// `PATCH /api/v1/widget/messages/{id}` with [`UpdateMessageRequest`]: the visitor answers an
/// interactive agent message (input_select, form, input_csat) in one of their own
/// conversations. The answer is checked against the message ([`crate::answers`]), stored in
/// `content_attributes.submitted_values`, and fires `message_updated`.
pub async fn update_message(
    State(state): State<AppState>,
    Query(q): Query<WidgetQuery>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<WidgetMessage>> {
    check_website_token(&state, &q)?;
    let claims = claims(&state, &headers)?;
    let no_such = || {
        let mut e = ApiError::not_found("no such message in your conversations");
        e.path = Some("id".into());
        e
    };
    let id: i64 = id.parse().map_err(|_| no_such())?;
    let body = body_bytes(body)?;
    let req: UpdateMessageRequest = json_body(&body)?;
    let scene = state.scene.clone();
    let (m, out) = state
        .store
        .tx(move |tx| {
            let (ci, _) = visitor(tx, &claims)?;
            let mut m = store::get_message(tx, id)?.ok_or_else(no_such)?;
            let conv = store::get_conversation(tx, m.conversation_id)?.ok_or_else(no_such)?;
            if conv.contact_inbox_id != ci.id || m.private {
                return Err(no_such().into());
            }
            let answer = crate::answers::check(&m, &req.submitted_values)?;
            if let Value::Object(attrs) = &mut m.content_attributes {
                attrs.insert("submitted_values".into(), answer);
            } else {
                m.content_attributes = json!({ "submitted_values": answer });
            }
            store::update_message(tx, &mut m)?;
            let parts = load_parts(tx, conv)?;
            let mut out = Outbox::default();
            out.event(tx, &payload::message_updated(&scene, &m, &parts))?;
            live_message(&mut out, tx, &parts, &m, false)?;
            Ok((
                payload::widget_message(&m, &parts.contact, &parts.agents),
                out,
            ))
        })
        .await?;
    state.publish(out);
    Ok(Json(m))
}

/// `POST /api/v1/widget/conversations/toggle_typing` with [`ToggleTypingRequest`]: the visitor
/// is typing (or stopped) in their latest conversation → `conversation_typing_on` / `_off` with
/// the contact as `user`; the agent console shows it. 200.
pub async fn toggle_typing(
    State(state): State<AppState>,
    Query(q): Query<WidgetQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    check_website_token(&state, &q)?;
    let claims = claims(&state, &headers)?;
    let body = body_bytes(body)?;
    let req: ToggleTypingRequest = json_body(&body)?;
    let scene = state.scene.clone();
    let out = state
        .store
        .tx(move |tx| {
            let (ci, contact) = visitor(tx, &claims)?;
            let conv = store::latest_conversation(tx, ci.id)?
                .ok_or_else(|| ApiError::not_found("no conversation yet"))?;
            let parts = load_parts(tx, conv)?;
            let mut out = Outbox::default();
            out.event(
                tx,
                &payload::typing(
                    Sender::Contact(payload::contact_sender(&contact)),
                    payload::conversation_model(&scene, &parts),
                    req.typing_status == TypingStatus::On,
                    false,
                ),
            )?;
            Ok(out)
        })
        .await?;
    state.publish(out);
    Ok(StatusCode::OK)
}
