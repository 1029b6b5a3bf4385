//! The delivery queue and its state machine.
//!
//! One [`Delivery`] per event and target, with an id that never changes (the `webhook-id`): a
//! retry, a beacon at unload, a re-send after reload or by another tab all carry the same id, so
//! receivers can de-duplicate. A delivery leaves the queue only when a readable 2xx (or an opaque
//! `no-cors` response) came back, when the server refuses it for good (4xx other than 408/425/429),
//! when it is older than the give-up time, or when the queue overflows (oldest first). Each of
//! those is reported as a [`Notice`].
//!
//! The machine is driven by the glue: [`Machine::enqueue`], [`Machine::poll`] (what to send now),
//! [`Machine::complete`] (what came back), [`Machine::next_wake_ms`] (when to poll again),
//! [`Machine::unload`] (what to beacon when the page goes away) and
//! [`Machine::snapshot`]/[`Machine::restore`] (what to persist).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::config::PlatformConfig;
use super::platform::{self, PlatformIds, PlatformRoute};
use super::policy::{Class, Outcome, RetryPolicy};

/// Where a delivery goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A webhook receiver.
    Webhook {
        /// Receiver URL.
        url: String,
        /// CORS-simple mode.
        #[serde(default)]
        simple: bool,
    },
    /// The platform's widget API.
    Platform,
}

impl Target {
    /// A short label for notices: the URL, or `platform`.
    pub fn label(&self) -> &str {
        match self {
            Target::Webhook { url, .. } => url,
            Target::Platform => "platform",
        }
    }
}

/// One event on its way to one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Stable id (`webhook-id`): the same on every attempt, in every tab.
    pub id: String,
    /// Event name, e.g. `message_created`.
    pub event: String,
    /// Destination.
    pub target: Target,
    /// The event payload.
    pub payload: Value,
    /// When it was queued (ms since the epoch).
    pub created_ms: u64,
    /// Attempts that got an answer or an error so far.
    #[serde(default)]
    pub attempts: u32,
    /// Not before this time (ms).
    #[serde(default)]
    pub next_at_ms: u64,
    /// Last HTTP status seen, if any (none after a network error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<u16>,
    /// A request is out until this time (a lease, not persisted: after a reload it is due again).
    #[serde(skip)]
    in_flight_until: Option<u64>,
    /// The platform route it was sent on (only while in flight).
    #[serde(skip)]
    route: Option<PlatformRoute>,
}

/// How the browser must send a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestMode {
    /// A normal CORS request; the response is read.
    Cors,
    /// `no-cors`: the receiver needs no CORS headers; the response is opaque.
    NoCors,
}

/// A fully described HTTP POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Absolute URL, query included.
    pub url: String,
    /// Header name/value pairs, `Content-Type` included.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
    /// Fetch mode.
    pub mode: RequestMode,
}

impl HttpRequest {
    /// The bytes this request counts against the keepalive quota (URL + headers + body).
    pub fn cost(&self) -> usize {
        self.url.len()
            + self.body.len()
            + self
                .headers
                .iter()
                .map(|(k, v)| k.len() + v.len() + 4)
                .sum::<usize>()
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// A request to make now, for the delivery `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Send {
    /// The delivery's id; pass it back to [`Machine::complete`].
    pub id: String,
    /// The event name.
    pub event: String,
    /// The request.
    pub request: HttpRequest,
}

/// Something the page should hear about (`delivered` / `failed` callbacks, DOM events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A 2xx (or opaque) response came back.
    Delivered {
        /// Delivery id.
        id: String,
        /// Event name.
        event: String,
        /// Target label.
        target: String,
        /// HTTP status (0 for an opaque response).
        status: u16,
        /// Attempts it took.
        attempts: u32,
    },
    /// The delivery was dropped.
    Failed {
        /// Delivery id.
        id: String,
        /// Event name.
        event: String,
        /// Target label.
        target: String,
        /// The refusing status, if there was one.
        status: Option<u16>,
        /// Beginning of the response body (at most 200 characters).
        body: String,
        /// Why it was dropped.
        reason: String,
    },
}

/// Queue settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MachineConfig {
    /// Retry policy.
    pub policy: RetryPolicy,
    /// Queue bound.
    pub max_queue: usize,
    /// Concurrent requests per webhook (the platform always gets one at a time, in order).
    pub max_in_flight_per_webhook: usize,
}

impl Default for MachineConfig {
    fn default() -> Self {
        Self {
            policy: RetryPolicy::default(),
            max_queue: 1000,
            max_in_flight_per_webhook: 4,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Snapshot {
    v: u32,
    #[serde(default)]
    platform: PlatformIds,
    items: Vec<Delivery>,
}

const SNAPSHOT_VERSION: u32 = 1;
const BODY_EXCERPT: usize = 200;

/// The queue state machine. Pure: every method takes the time (`now_ms`) it should act at.
#[derive(Debug, Clone)]
pub struct Machine {
    cfg: MachineConfig,
    items: Vec<Delivery>,
    platform: PlatformIds,
    online: bool,
}

impl Machine {
    /// An empty queue.
    pub fn new(cfg: MachineConfig) -> Self {
        Self {
            cfg,
            items: Vec::new(),
            platform: PlatformIds::default(),
            online: true,
        }
    }

    /// Deliveries still queued (in flight included).
    pub fn pending(&self) -> usize {
        self.items.len()
    }

    /// The queued deliveries, oldest first.
    pub fn items(&self) -> &[Delivery] {
        &self.items
    }

    /// Ids the platform returned so far.
    pub fn platform_ids(&self) -> &PlatformIds {
        &self.platform
    }

    /// Queues `payload` for every target, one delivery (and one new id from `new_id`) each.
    /// Returns `failed` notices for deliveries dropped because the queue overflowed.
    pub fn enqueue(
        &mut self,
        event: &str,
        payload: &Value,
        targets: &[Target],
        now_ms: u64,
        new_id: &mut dyn FnMut() -> String,
    ) -> Vec<Notice> {
        for t in targets {
            self.items.push(Delivery {
                id: new_id(),
                event: event.to_string(),
                target: t.clone(),
                payload: payload.clone(),
                created_ms: now_ms,
                attempts: 0,
                next_at_ms: now_ms,
                last_status: None,
                in_flight_until: None,
                route: None,
            });
        }
        self.trim()
    }

    fn trim(&mut self) -> Vec<Notice> {
        let mut out = Vec::new();
        while self.items.len() > self.cfg.max_queue.max(1) {
            let d = self.items.remove(0);
            out.push(failed(
                &d,
                None,
                "",
                format!(
                    "queue full ({} deliveries): dropped the oldest",
                    self.cfg.max_queue
                ),
            ));
        }
        out
    }

    /// Tells the machine whether the browser is online. Going online makes every delivery that
    /// was waiting after a network error due at once.
    pub fn set_online(&mut self, online: bool, now_ms: u64) {
        let was = self.online;
        self.online = online;
        if online && !was {
            for d in &mut self.items {
                if d.in_flight_until.is_none() && d.last_status.is_none() && d.next_at_ms > now_ms {
                    d.next_at_ms = now_ms;
                }
            }
        }
    }

    /// Whether the machine believes the browser is online.
    pub fn online(&self) -> bool {
        self.online
    }

    /// Drops deliveries past the give-up time and returns the requests due now, marking them
    /// in flight. Nothing is sent while offline. Platform deliveries go one at a time, in order.
    pub fn poll(
        &mut self,
        now_ms: u64,
        platform: Option<&PlatformConfig>,
    ) -> (Vec<Send>, Vec<Notice>) {
        let mut notices = self.expire(now_ms);
        let mut sends = Vec::new();
        if !self.online {
            return (sends, notices);
        }
        // Leases that ran out without an answer (a lost promise, a beacon) make the item due.
        for d in &mut self.items {
            if d.in_flight_until.is_some_and(|t| t <= now_ms) {
                d.in_flight_until = None;
                d.route = None;
            }
        }
        let mut busy: std::collections::HashMap<Target, usize> = Default::default();
        for d in self.items.iter().filter(|d| d.in_flight_until.is_some()) {
            *busy.entry(d.target.clone()).or_default() += 1;
        }
        let mut platform_blocked = busy.contains_key(&Target::Platform);
        let mut drop_ids = Vec::new();
        let lease = self.cfg.policy.timeout_ms + 5_000;
        for i in 0..self.items.len() {
            let d = &self.items[i];
            if d.in_flight_until.is_some() {
                continue;
            }
            let is_platform = d.target == Target::Platform;
            if is_platform && platform_blocked {
                continue;
            }
            if d.next_at_ms > now_ms {
                // The platform head waits, and so does every platform delivery behind it.
                platform_blocked |= is_platform;
                continue;
            }
            let limit = if is_platform {
                1
            } else {
                self.cfg.max_in_flight_per_webhook.max(1)
            };
            let n = busy.entry(d.target.clone()).or_default();
            if *n >= limit {
                continue;
            }
            match self.build(i, now_ms, platform) {
                Ok((req, route)) => {
                    *n += 1;
                    platform_blocked |= is_platform;
                    let d = &mut self.items[i];
                    d.in_flight_until = Some(now_ms + lease);
                    d.route = route;
                    sends.push(Send {
                        id: d.id.clone(),
                        event: d.event.clone(),
                        request: req,
                    });
                }
                Err(reason) => drop_ids.push((i, reason)),
            }
        }
        for (i, reason) in drop_ids.into_iter().rev() {
            let d = self.items.remove(i);
            notices.push(failed(&d, None, "", reason));
        }
        (sends, notices)
    }

    fn expire(&mut self, now_ms: u64) -> Vec<Notice> {
        let limit = self.cfg.policy.give_up_after_ms;
        let mut out = Vec::new();
        self.items.retain(|d| {
            let dead = d.in_flight_until.is_none() && now_ms.saturating_sub(d.created_ms) > limit;
            if dead {
                out.push(failed(
                    d,
                    d.last_status,
                    "",
                    format!(
                        "gave up after {} attempts over {} s",
                        d.attempts,
                        now_ms.saturating_sub(d.created_ms) / 1000
                    ),
                ));
            }
            !dead
        });
        out
    }

    fn build(
        &self,
        i: usize,
        now_ms: u64,
        platform: Option<&PlatformConfig>,
    ) -> Result<(HttpRequest, Option<PlatformRoute>), String> {
        let d = &self.items[i];
        match &d.target {
            Target::Webhook { url, simple } => {
                let mut payload = d.payload.clone();
                self.platform.adopt_into(&mut payload);
                let body = serde_json::to_string(&payload).map_err(|e| e.to_string())?;
                let ts = (now_ms / 1000).to_string();
                let req = if *simple {
                    let sep = if url.contains('?') { '&' } else { '?' };
                    HttpRequest {
                        url: format!(
                            "{url}{sep}webhook-id={}&webhook-timestamp={ts}&event={}",
                            platform::encode(&d.id),
                            platform::encode(&d.event)
                        ),
                        headers: vec![("Content-Type".into(), "text/plain;charset=UTF-8".into())],
                        body,
                        mode: RequestMode::NoCors,
                    }
                } else {
                    HttpRequest {
                        url: url.clone(),
                        headers: vec![
                            ("Content-Type".into(), "application/json".into()),
                            ("webhook-id".into(), d.id.clone()),
                            ("webhook-timestamp".into(), ts),
                            ("X-Evolvy-Event".into(), d.event.clone()),
                        ],
                        body,
                        mode: RequestMode::Cors,
                    }
                };
                Ok((req, None))
            }
            Target::Platform => {
                let cfg = platform.ok_or("the platform backend is no longer configured")?;
                let (route, url, body) =
                    platform::request(cfg, &self.platform, &d.event, &d.payload)?;
                Ok((
                    HttpRequest {
                        url,
                        headers: vec![
                            ("Content-Type".into(), "application/json".into()),
                            ("X-Auth-Token".into(), cfg.auth_token.clone()),
                        ],
                        body,
                        mode: RequestMode::Cors,
                    },
                    Some(route),
                ))
            }
        }
    }

    /// Records what came back for delivery `id` (`rand01` in [0, 1) drives the jitter).
    /// Unknown ids (already delivered, or adopted by another tab) are ignored.
    pub fn complete(
        &mut self,
        id: &str,
        outcome: Outcome,
        now_ms: u64,
        rand01: f64,
    ) -> Vec<Notice> {
        let Some(i) = self.items.iter().position(|d| d.id == id) else {
            return Vec::new();
        };
        let mut notices = Vec::new();
        let d = &mut self.items[i];
        d.in_flight_until = None;
        let route = d.route.take();
        d.attempts += 1;
        let (status, retry_after, body) = match &outcome {
            Outcome::Status {
                status,
                retry_after,
                body,
            } => (Some(*status), retry_after.clone(), body.as_str()),
            _ => (None, None, ""),
        };
        d.last_status = status;
        match outcome.class() {
            Class::Delivered => {
                let d = self.items.remove(i);
                if let Some(route) = route {
                    if let Err(e) = platform::adopt_response(&mut self.platform, route, body) {
                        notices.push(failed(&d, status, body, e));
                    }
                }
                notices.push(Notice::Delivered {
                    id: d.id,
                    event: d.event,
                    target: d.target.label().to_string(),
                    status: status.unwrap_or(0),
                    attempts: d.attempts,
                });
            }
            Class::Drop => {
                let d = self.items.remove(i);
                let st = status.unwrap_or(0);
                notices.push(failed(&d, status, body, format!("refused with HTTP {st}")));
            }
            Class::Retry => {
                let delay = self
                    .cfg
                    .policy
                    .delay_ms(d.attempts, retry_after.as_deref(), rand01);
                d.next_at_ms = now_ms + delay;
                if d.next_at_ms.saturating_sub(d.created_ms) > self.cfg.policy.give_up_after_ms {
                    let d = self.items.remove(i);
                    let why = match &outcome {
                        Outcome::Status { status, .. } => format!("HTTP {status}"),
                        Outcome::Timeout => "timeout".into(),
                        Outcome::Network(e) => e.clone(),
                        Outcome::Opaque => String::new(),
                    };
                    notices.push(failed(
                        &d,
                        status,
                        body,
                        format!("gave up after {} attempts (last: {why})", d.attempts),
                    ));
                }
            }
        }
        notices
    }

    /// When the next delivery becomes due (or a lease runs out), if anything is queued.
    /// Platform deliveries behind the platform head do not count: they wait for it.
    pub fn next_wake_ms(&self) -> Option<u64> {
        let head = self.items.iter().position(|d| d.target == Target::Platform);
        self.items
            .iter()
            .enumerate()
            .filter(|(i, d)| {
                d.target != Target::Platform || Some(*i) == head || d.in_flight_until.is_some()
            })
            .map(|(_, d)| d.in_flight_until.unwrap_or(d.next_at_ms))
            .min()
    }

    /// The requests to hand to `sendBeacon` / `fetch(keepalive)` when the page is going away,
    /// oldest first, while their total [`HttpRequest::cost`] stays within `budget` bytes.
    /// Deliveries already in flight are included only when `include_in_flight` (at `pagehide`
    /// their plain fetches are about to be cancelled). Everything stays queued — a beacon's
    /// response cannot be read — under a lease, so the next page (or this one, if it lives on)
    /// re-sends it with the same id unless a response is read first.
    pub fn unload(
        &mut self,
        now_ms: u64,
        budget: usize,
        include_in_flight: bool,
        platform: Option<&PlatformConfig>,
    ) -> Vec<Send> {
        let mut sends = Vec::new();
        let mut used = 0usize;
        let lease = self.cfg.policy.timeout_ms + 5_000;
        let mut platform_taken = false;
        for i in 0..self.items.len() {
            let d = &self.items[i];
            if d.in_flight_until.is_some() && !include_in_flight {
                continue;
            }
            let is_platform = d.target == Target::Platform;
            // The platform needs the conversation id from a readable response first.
            if is_platform && platform_taken {
                continue;
            }
            let Ok((req, route)) = self.build(i, now_ms, platform) else {
                continue;
            };
            if route == Some(PlatformRoute::Conversation) {
                platform_taken = true;
            }
            let cost = req.cost();
            if used + cost > budget {
                continue;
            }
            used += cost;
            let d = &mut self.items[i];
            d.in_flight_until = Some(now_ms + lease);
            d.route = route;
            sends.push(Send {
                id: d.id.clone(),
                event: d.event.clone(),
                request: req,
            });
        }
        sends
    }

    /// Makes every delivery that is not in flight due at `now_ms` (an explicit `flush()`).
    pub fn hurry(&mut self, now_ms: u64) {
        for d in &mut self.items {
            if d.in_flight_until.is_none() {
                d.next_at_ms = d.next_at_ms.min(now_ms);
            }
        }
    }

    /// Releases the leases of `ids` (a beacon the browser refused): they are due again.
    pub fn release(&mut self, ids: &[String]) {
        for d in &mut self.items {
            if ids.contains(&d.id) {
                d.in_flight_until = None;
                d.route = None;
            }
        }
    }

    /// The persisted form (JSON): deliveries without their leases, and the platform ids.
    pub fn snapshot(&self) -> String {
        let s = Snapshot {
            v: SNAPSHOT_VERSION,
            platform: self.platform.clone(),
            items: self.items.clone(),
        };
        serde_json::to_string(&s).unwrap_or_else(|_| "{\"v\":1,\"items\":[]}".into())
    }

    /// Merges a persisted queue (this tab's after a reload, or one adopted from a dead tab) into
    /// this one. Ids already present are skipped, so nothing is ever queued twice.
    /// Restored deliveries are due at `now_ms` at the latest: a new page tries them at once
    /// rather than waiting out a backoff computed by a page that is gone.
    /// Returns overflow notices; an unreadable snapshot is an error and changes nothing.
    pub fn restore(&mut self, json: &str, now_ms: u64) -> Result<Vec<Notice>, String> {
        let s: Snapshot =
            serde_json::from_str(json).map_err(|e| format!("unreadable queue snapshot: {e}"))?;
        if s.v != SNAPSHOT_VERSION {
            return Err(format!(
                "queue snapshot version {} is not {SNAPSHOT_VERSION}",
                s.v
            ));
        }
        self.platform.merge(&s.platform);
        let known: HashSet<String> = self.items.iter().map(|d| d.id.clone()).collect();
        let mut incoming: Vec<Delivery> = s
            .items
            .into_iter()
            .filter(|d| !known.contains(&d.id))
            .map(|mut d| {
                d.next_at_ms = d.next_at_ms.min(now_ms);
                d
            })
            .collect();
        incoming.append(&mut self.items);
        incoming.sort_by_key(|d| d.created_ms);
        self.items = incoming;
        Ok(self.trim())
    }
}

fn failed(d: &Delivery, status: Option<u16>, body: &str, reason: String) -> Notice {
    Notice::Failed {
        id: d.id.clone(),
        event: d.event.clone(),
        target: d.target.label().to_string(),
        status,
        body: body.chars().take(BODY_EXCERPT).collect(),
        reason,
    }
}
