//! What a request produced inside its transaction — webhook events and live frames — to be
//! announced once the transaction has committed ([`crate::AppState::publish`]).

use evolvy_widget::model::widget_api::{LiveEvent, LiveFrame};
use evolvy_widget::model::Event;
use rusqlite::Transaction;

use crate::error::ApiError;
use crate::payload;
use crate::store::{self, EventRow, EventSource, LiveRow, StoreResult};

/// Events and live frames stored by one transaction.
#[derive(Debug, Default)]
pub struct Outbox {
    /// Stored events and how many deliveries each queued.
    pub events: Vec<(EventRow, usize)>,
    /// Stored live frames.
    pub live: Vec<LiveRow>,
}

impl Outbox {
    /// Stores an event built by this server (checked by reading it back through the model) and
    /// queues its deliveries.
    pub fn event(&mut self, tx: &Transaction<'_>, event: &Event) -> StoreResult<()> {
        let (name, payload) = payload::canonical(event).map_err(|e| {
            // The server built this payload: a failure is a bug, not the client's fault.
            ApiError::internal(format!("built an invalid payload: {e}"))
        })?;
        let uid = uuid::Uuid::new_v4().to_string();
        if let Some(stored) =
            store::insert_event(tx, &uid, name.as_str(), EventSource::Widget, &payload)?
        {
            self.events.push(stored);
        }
        Ok(())
    }

    /// Stores a frame for the widget stream of visitor `contact_inbox_id`.
    pub fn live(
        &mut self,
        tx: &Transaction<'_>,
        contact_inbox_id: i64,
        conversation_id: i64,
        event: LiveEvent,
    ) -> StoreResult<()> {
        let row = store::insert_live(tx, contact_inbox_id, conversation_id, |seq| {
            let frame = LiveFrame {
                seq: u64::try_from(seq).unwrap_or_default(),
                event,
            };
            Ok(serde_json::to_string(&frame)?)
        })?;
        self.live.push(row);
        Ok(())
    }
}
