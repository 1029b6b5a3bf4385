//! Relaying stored events to webhook subscribers.
//!
//! Every event queues one delivery per subscribed webhook (in the event's own transaction, see
//! [`crate::store::insert_event`]). This worker sends due deliveries as signed JSON POSTs and
//! records each attempt; failures are retried with exponential backoff up to
//! [`RelayConfig::max_attempts`]. Deliveries live in SQLite, so pending ones resume after a restart.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch, Notify};
use tokio::task::JoinSet;

use crate::store::{self, now_ms, DueDelivery, Store};
use crate::stream::StreamMsg;
use crate::token::webhook_signature;

/// Retry and timeout policy of the relay.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Attempts per delivery before it is marked failed (at least 1).
    pub max_attempts: u32,
    /// Delay before the second attempt; doubled after every failure.
    pub base_delay: Duration,
    /// Longest delay between attempts.
    pub max_delay: Duration,
    /// Timeout of one attempt.
    pub timeout: Duration,
    /// Deliveries in flight at once.
    pub concurrency: usize,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(600),
            timeout: Duration::from_secs(5),
            concurrency: 16,
        }
    }
}

impl RelayConfig {
    /// Delay after the `attempt`-th failure (1-based): base × 2^(attempt−1), capped, ±10 % jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let raw = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let jitter = rand::random_range(0.9..=1.1);
        raw.mul_f64(jitter)
    }
}

/// Handle to wake the relay when deliveries were queued.
#[derive(Clone, Default)]
pub struct RelayWaker(Arc<Notify>);

impl RelayWaker {
    /// Wakes the worker.
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// Starts the relay worker; it stops when `shutdown` turns true (attempts in flight are dropped
/// and stay pending, to be resumed on the next start).
pub fn spawn(
    store: Store,
    config: RelayConfig,
    waker: RelayWaker,
    stream: broadcast::Sender<StreamMsg>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let client = reqwest::Client::builder()
        .user_agent(concat!("evolvy-server/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.timeout)
        .build()
        .unwrap_or_else(|_| reqwest::Client::new());
    let config = Arc::new(config);
    tokio::spawn(async move {
        let mut inflight: HashSet<String> = HashSet::new();
        let mut tasks: JoinSet<String> = JoinSet::new();
        loop {
            if *shutdown.borrow() {
                break;
            }
            let room = config.concurrency.saturating_sub(inflight.len()) as u32;
            let now = now_ms();
            let mut next_due = None;
            if room > 0 {
                let exclude: Vec<String> = inflight.iter().cloned().collect();
                let res = store
                    .with(move |c| {
                        let due = store::due_deliveries(c, now, room, &exclude)?;
                        let next: Option<i64> = c.query_row(
                            "SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending' AND next_attempt_at > ?1",
                            [now],
                            |r| r.get(0),
                        )?;
                        Ok((due, next))
                    })
                    .await;
                match res {
                    Ok((due, next)) => {
                        next_due = next;
                        for d in due {
                            inflight.insert(d.id.clone());
                            tasks.spawn(attempt(
                                client.clone(),
                                store.clone(),
                                config.clone(),
                                stream.clone(),
                                d,
                            ));
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "relay: reading due deliveries failed"),
                }
            }
            let wait = next_due
                .map(|t| Duration::from_millis((t - now_ms()).clamp(1, 5_000) as u64))
                .unwrap_or(Duration::from_secs(5));
            tokio::select! {
                _ = waker.0.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    if let Ok(id) = done { inflight.remove(&id); }
                    // Collect every other finished attempt too.
                    while let Some(done) = tasks.try_join_next() {
                        if let Ok(id) = done { inflight.remove(&id); }
                    }
                }
            }
        }
        tasks.shutdown().await;
        tracing::info!("relay stopped");
    })
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// One attempt of one delivery; returns the delivery id.
async fn attempt(
    client: reqwest::Client,
    store: Store,
    config: Arc<RelayConfig>,
    stream: broadcast::Sender<StreamMsg>,
    d: DueDelivery,
) -> String {
    let ts = now_ms() / 1000;
    let signature = webhook_signature(&d.secret, ts, d.body.as_bytes());
    let started = Instant::now();
    let at = now_ms();
    let res = client
        .post(&d.url)
        .header("Content-Type", "application/json")
        .header("X-Evolvy-Event", &d.event)
        .header("X-Evolvy-Delivery", &d.id)
        .header("X-Evolvy-Timestamp", ts.to_string())
        .header("X-Evolvy-Signature", signature)
        .body(d.body.clone())
        .send()
        .await;
    let duration_ms = started.elapsed().as_millis() as i64;
    let (code, error) = match res {
        Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
        Ok(r) => (
            Some(r.status().as_u16()),
            Some(format!("HTTP {}", r.status())),
        ),
        Err(e) => (None, Some(error_chain(&e))),
    };
    let n = d.attempts + 1;
    let (status, next_at) = if error.is_none() {
        ("delivered", at)
    } else if code == Some(410) || n >= config.max_attempts.max(1) {
        ("failed", at)
    } else {
        ("pending", now_ms() + config.backoff(n).as_millis() as i64)
    };
    match status {
        "delivered" => {
            tracing::info!(delivery = %d.id, event = %d.event, url = %d.url, attempt = n, "delivered")
        }
        _ => {
            tracing::warn!(delivery = %d.id, event = %d.event, url = %d.url, attempt = n, status, error = error.as_deref().unwrap_or(""), "delivery attempt failed")
        }
    }
    let id = d.id.clone();
    let res = store
        .tx(move |tx| {
            store::record_attempt(
                tx,
                &id,
                n,
                at,
                code,
                error.as_deref(),
                duration_ms,
                status,
                next_at,
            )
        })
        .await;
    match res {
        Ok(Some(row)) => {
            let _ = stream.send(StreamMsg::Delivery(row));
        }
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, delivery = %d.id, "recording an attempt failed"),
    }
    d.id
}
