//! The live feed behind the inspector: stored events and delivery updates, as server-sent events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{Stream, StreamExt};
use serde::Serialize;
use tokio_stream::wrappers::BroadcastStream;

use crate::store::{DeliveryRow, EventRow};
use crate::AppState;

/// One item of the live feed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum StreamMsg {
    /// A stored event (produced or received).
    Event(EventRow),
    /// A delivery changed (an attempt was made).
    Delivery(DeliveryRow),
}

impl StreamMsg {
    fn sse_name(&self) -> &'static str {
        match self {
            StreamMsg::Event(_) => "event",
            StreamMsg::Delivery(_) => "delivery",
        }
    }
}

/// `GET /api/v1/stream/events`: `event: event` / `event: delivery` messages with JSON data.
/// Ends when the server shuts down, so graceful shutdown is not held up by open streams.
pub async fn handler(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = state.stream.subscribe();
    let mut shutdown = state.shutdown.clone();
    let stopped = async move {
        // Done when the flag is (or becomes) true, or the sender is gone.
        let _ = shutdown.wait_for(|s| *s).await;
    };
    let hello =
        futures_util::stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let items = BroadcastStream::new(rx).filter_map(|m| async move {
        match m {
            Ok(msg) => {
                let ev = Event::default()
                    .event(msg.sse_name())
                    .json_data(&msg)
                    .unwrap_or_else(|_| Event::default().comment("unserialisable"));
                Some(Ok(ev))
            }
            // A slow client missed messages: tell it to reload.
            Err(_) => Some(Ok(Event::default().event("lagged").data("{}"))),
        }
    });
    Sse::new(hello.chain(items).take_until(Box::pin(stopped)))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
