//! The widget's live stream: single-use tickets (`POST /api/v1/widget/stream_ticket`) and the
//! server-sent events of `GET /api/v1/widget/stream` (see `evolvy_widget::model::widget_api::
//! LiveFrame` for the contract).
//!
//! Frames are stored in SQLite (`live_events`) in the transaction of the change they report, so a
//! replay (`after=SEQ`) survives a restart; after the replay the stream stays live on the
//! [`crate::AppState::live`] broadcast, filtered to the ticket's visitor.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use evolvy_widget::model::widget_api::StreamTicket;
use futures_util::stream::StreamExt;
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;

use crate::error::{ApiError, ApiResult};
use crate::routes::widget::{check_website_token, claims, visitor, WidgetQuery};
use crate::store::{self, LiveRow};
use crate::AppState;

/// Outstanding tickets, each good for one stream of one visitor (contact_inbox).
#[derive(Clone, Default)]
pub struct Tickets(Arc<Mutex<HashMap<String, (i64, Instant)>>>);

/// Most tickets outstanding at once; issuing more drops the oldest.
const MAX_TICKETS: usize = 10_000;

impl Tickets {
    /// A new random ticket for `contact_inbox_id`, valid for `ttl`.
    pub fn issue(&self, contact_inbox_id: i64, ttl: Duration) -> String {
        let ticket = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let now = Instant::now();
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, (_, exp)| *exp > now);
        if map.len() >= MAX_TICKETS {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, (_, e))| *e)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(ticket.clone(), (contact_inbox_id, now + ttl));
        ticket
    }

    /// Uses up a ticket: its visitor when it exists and has not expired.
    pub fn redeem(&self, ticket: &str) -> Option<i64> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (ci, exp) = map.remove(ticket)?;
        (exp > Instant::now()).then_some(ci)
    }
}

/// `POST /api/v1/widget/stream_ticket?website_token=T` with `X-Auth-Token` → [`StreamTicket`].
pub async fn ticket(
    State(state): State<AppState>,
    Query(q): Query<WidgetQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<StreamTicket>> {
    check_website_token(&state, &q)?;
    let claims = claims(&state, &headers)?;
    let ci = state
        .store
        .tx(move |tx| Ok(visitor(tx, &claims)?.0))
        .await?;
    let ttl = state.config.ticket_ttl;
    Ok(Json(StreamTicket {
        ticket: state.tickets.issue(ci.id, ttl),
        expires_in: ttl.as_secs().max(1),
    }))
}

/// Query string of the stream.
#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    /// The inbox's website token.
    pub website_token: Option<String>,
    /// A ticket from `stream_ticket`.
    pub ticket: Option<String>,
    /// Replay frames after this sequence number (0 or absent: all).
    pub after: Option<String>,
}

fn sse_event(row: &LiveRow) -> Event {
    Event::default().id(row.seq.to_string()).data(&row.frame)
}

/// `GET /api/v1/widget/stream?website_token=T&ticket=K&after=SEQ`: the ticket's visitor's frames
/// with `seq > after`, then live ones; `: ping` every 15 s. Ends on shutdown, or when the client
/// falls too far behind (it reconnects with the last `seq` it applied).
pub async fn stream(
    State(state): State<AppState>,
    Query(q): Query<StreamQuery>,
) -> ApiResult<Response> {
    check_website_token(
        &state,
        &WidgetQuery {
            website_token: q.website_token.clone(),
            locale: None,
        },
    )?;
    let after: i64 = match q.after.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(a) => a
            .parse::<u64>()
            .ok()
            .and_then(|n| i64::try_from(n).ok())
            .ok_or_else(|| ApiError::invalid("after", "must be a sequence number (0 or more)"))?,
    };
    let ticket = q
        .ticket
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized("missing ticket: get one from POST /api/v1/widget/stream_ticket")
        })?;
    let ci = state.tickets.redeem(ticket).ok_or_else(|| {
        ApiError::unauthorized("stream ticket is unknown, expired or already used")
    })?;
    // Subscribe before reading the replay: a frame committed in between is in one or the other
    // (or both, and then skipped by its seq).
    let rx = state.live.subscribe();
    let replay = state
        .store
        .with(move |c| store::live_after(c, ci, after))
        .await?;
    let replayed_up_to = replay.last().map_or(after, |r| r.seq);
    let mut shutdown = state.shutdown.clone();
    let stopped = async move {
        let _ = shutdown.wait_for(|s| *s).await;
    };
    let replay = futures_util::stream::iter(replay.into_iter().map(|r| Ok(sse_event(&r))));
    let live = BroadcastStream::new(rx)
        // Lagged: frames were missed; end the stream so the client resumes from its last seq.
        .take_while(|m| std::future::ready(m.is_ok()))
        .filter_map(move |m| async move {
            match m {
                Ok(row) if row.contact_inbox_id == ci && row.seq > replayed_up_to => {
                    Some(Ok::<_, Infallible>(sse_event(&row)))
                }
                _ => None,
            }
        });
    let body = replay.chain(live).take_until(Box::pin(stopped));
    Ok(Sse::new(body)
        .keep_alive(
            KeepAlive::new()
                .interval(Duration::from_secs(15))
                .text("ping"),
        )
        .into_response())
}
