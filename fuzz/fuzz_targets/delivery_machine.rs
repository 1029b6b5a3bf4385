//! The pure delivery queue (`delivery::Machine`) driven by arbitrary sequences of operations:
//! enqueue, poll, responses (2xx, opaque, 5xx, 429 with `Retry-After`, 408, 4xx, network
//! error, timeout, late duplicates), clock ticks, going offline/online, `flush`, reload
//! (persist the snapshot, a new page restores it), page hide (beacons, the page lives on) and
//! tab close (beacons, the page is gone, a later page restores what was persisted).
//! At most 64 operations, then a bounded drain where every request succeeds.
//!
//! Invariants, per enqueued delivery id:
//! - every request that carries id X carries X's event and X's payload (its `seq` marker) and
//!   says X (`webhook-id` header, or the query string in CORS-simple mode): two ids are never
//!   merged and a redelivery always carries the same id;
//! - it ends with exactly one outcome: one `Delivered` notice (never two, across reloads), or
//!   one `Failed` notice whose reason the run explains (a 4xx we answered, the queue bound,
//!   the give-up time); nothing is lost: after the drain the queue is empty;
//! - a `Delivered` id was received by the receiver (2xx/opaque answered, or a beacon arrived);
//! - a snapshot always restores.
#![no_main]

use std::collections::HashMap;

use arbitrary::{Arbitrary, Unstructured};
use evolvy_widget::delivery::queue::MachineConfig;
use evolvy_widget::delivery::{
    Machine, Notice, Outcome, PlatformConfig, RequestMode, RetryPolicy, Send, Target,
};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

const MAX_OPS: usize = 64;
const DRAIN_STEPS: usize = 4_000;

#[derive(Debug, Arbitrary)]
enum Op {
    /// Queue event `kind` for the targets in `targets` (bit 0: webhook A, bit 1: simple webhook
    /// B, bit 2: the platform).
    Enqueue {
        kind: u8,
        targets: u8,
    },
    Poll,
    /// Answer the `which`-th request in flight.
    Respond {
        which: u8,
        answer: Answer,
    },
    /// A late answer to a request already answered (a retry raced an earlier attempt).
    Late {
        which: u8,
    },
    Tick(Tick),
    Online(bool),
    Hurry,
    Reload {
        arrived: u8,
    },
    Hide {
        budget: u16,
    },
    /// The beacons of the last `Hide` were refused.
    ReleaseBeacons,
    Close {
        budget: u16,
        arrived: u8,
    },
    /// The page comes back from the back/forward cache (`pageshow` persisted): the glue restores
    /// this tab's own snapshot into its still-populated queue.
    PageShow,
    /// Queue an event in a second, live tab (it keeps it until it adopts this tab's queue).
    OtherEnqueue {
        kind: u8,
        targets: u8,
    },
    /// This tab closes (as `Close`) and the second tab adopts its persisted queue into its own
    /// non-empty one, then carries on as the current page.
    Adopt {
        budget: u16,
        arrived: u8,
    },
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Answer {
    Ok,
    Created,
    ServerError,
    Unavailable(u8),
    TooMany(u16),
    RequestTimeout,
    BadRequest,
    Gone,
    Network,
    Timeout,
    /// A 2xx whose body the platform route cannot read.
    GarbageOk,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Tick {
    Ms(u16),
    Seconds(u8),
    Hour,
    HalfDay,
}

#[derive(Debug, Arbitrary)]
struct Setup {
    small_queue: Option<u8>,
    short_give_up: bool,
    ops: Vec<Op>,
}

struct Expect {
    event: String,
    seq: u64,
    target: Target,
    created_ms: u64,
}

struct World {
    cfg: MachineConfig,
    platform: PlatformConfig,
    page: Option<Machine>,
    /// A second live tab, if one was opened.
    other: Option<Machine>,
    persisted: String,
    now: u64,
    next_id: u64,
    seq: u64,
    /// Requests out on this page: (id, request).
    in_flight: Vec<Send>,
    /// Requests already answered on this page (for late duplicates).
    answered: Vec<Send>,
    beacons: Vec<String>,
    expect: HashMap<String, Expect>,
    received: HashMap<String, u32>,
    delivered: HashMap<String, u32>,
    failed: HashMap<String, Vec<String>>,
    refused: HashMap<String, u16>,
    next_conversation: u64,
}

const EVENTS: &[&str] = &[
    "message_created",
    "webwidget_triggered",
    "contact_updated",
    "conversation_created",
];

fn payload(event: &str, seq: u64) -> Value {
    json!({
        "seq": seq,
        "content": format!("message {seq}"),
        "message_type": "incoming",
        "conversation": {"id": 0},
        "event_info": {"initiated_at": {"timestamp": "Mon Jan 01 2024"}, "referer": format!("https://shop.example/{seq}")},
        "event": event,
    })
}

impl World {
    fn machine(&mut self) -> &mut Machine {
        if self.page.is_none() {
            let mut m = Machine::new(self.cfg);
            let notices = m
                .restore(&self.persisted, self.now)
                .unwrap_or_else(|e| panic!("snapshot does not restore: {e}"));
            self.page = Some(m);
            self.notices(notices, "restore");
        }
        self.page.as_mut().expect("page")
    }

    fn persist(&mut self) {
        if let Some(m) = &self.page {
            self.persisted = m.snapshot();
        }
    }

    fn notices(&mut self, notices: Vec<Notice>, during: &str) {
        for n in notices {
            match n {
                Notice::Delivered { id, .. } => {
                    assert!(self.expect.contains_key(&id), "delivered unknown id {id}");
                    assert!(
                        self.received.contains_key(&id),
                        "{id} delivered but never received"
                    );
                    let c = self.delivered.entry(id.clone()).or_default();
                    *c += 1;
                    assert_eq!(*c, 1, "{id} delivered twice");
                    assert!(
                        !self
                            .failed
                            .get(&id)
                            .is_some_and(|r| r.iter().any(|r| !is_adopt_warning(r))),
                        "{id} delivered after it failed"
                    );
                }
                Notice::Failed {
                    id, reason, status, ..
                } => {
                    let e = self
                        .expect
                        .get(&id)
                        .unwrap_or_else(|| panic!("failed unknown id {id}"));
                    let ok = if reason.starts_with("refused with HTTP") {
                        self.refused.contains_key(&id) && status == self.refused.get(&id).copied()
                    } else if reason.starts_with("queue full") {
                        self.cfg.max_queue < 1000 && (during == "enqueue" || during == "restore")
                    } else if reason.starts_with("gave up") {
                        let slack = self
                            .cfg
                            .policy
                            .max_ms
                            .max(self.cfg.policy.max_retry_after_ms)
                            * 2;
                        self.now + slack > e.created_ms + self.cfg.policy.give_up_after_ms
                    } else {
                        is_adopt_warning(&reason)
                    };
                    assert!(ok, "{id} failed without cause during {during}: {reason}");
                    if !is_adopt_warning(&reason) {
                        assert!(
                            !self.delivered.contains_key(&id),
                            "{id} failed after delivery"
                        );
                        let r = self.failed.entry(id.clone()).or_default();
                        assert!(
                            r.iter().all(|r| is_adopt_warning(r)),
                            "{id} failed twice: {r:?} then {reason}"
                        );
                        r.push(reason);
                    } else {
                        self.failed.entry(id.clone()).or_default().push(reason);
                    }
                }
            }
        }
    }

    /// Checks that a request says exactly which delivery it is and carries its payload.
    fn check_send(&self, s: &Send) {
        let e = self
            .expect
            .get(&s.id)
            .unwrap_or_else(|| panic!("request for unknown id {}", s.id));
        assert_eq!(s.event, e.event, "{} changed event", s.id);
        let req = &s.request;
        match &e.target {
            Target::Webhook { url, simple } => {
                let body: Value = serde_json::from_str(&req.body).expect("webhook body is JSON");
                assert_eq!(
                    body["seq"],
                    json!(e.seq),
                    "{} carries another payload",
                    s.id
                );
                if *simple {
                    assert_eq!(req.mode, RequestMode::NoCors);
                    assert!(req.url.starts_with(url.as_str()));
                    assert!(
                        req.url.contains(&format!("webhook-id={}&", s.id)),
                        "{}",
                        req.url
                    );
                } else {
                    assert_eq!(req.mode, RequestMode::Cors);
                    assert_eq!(&req.url, url);
                    let hid = req
                        .headers
                        .iter()
                        .find(|(k, _)| k == "webhook-id")
                        .map(|(_, v)| v);
                    assert_eq!(hid, Some(&s.id));
                }
            }
            Target::Platform => {
                assert!(
                    req.url.starts_with("https://chat.example/api/v1/widget/"),
                    "{}",
                    req.url
                );
                let marker = if e.event == "message_created" {
                    format!("message {}", e.seq)
                } else {
                    format!("https://shop.example/{}", e.seq)
                };
                assert!(
                    req.body.contains(&marker),
                    "{} carries another payload: {}",
                    s.id,
                    req.body
                );
            }
        }
    }

    fn receive(&mut self, s: &Send) {
        *self.received.entry(s.id.clone()).or_default() += 1;
    }

    fn body_for(&mut self, s: &Send) -> String {
        if s.request.url.contains("/widget/conversations") {
            self.next_conversation += 1;
            json!({"id": self.next_conversation, "inbox_id": 1, "status": "open",
                   "messages": [{"id": self.next_conversation * 100, "message_type": 0,
                                 "created_at": 1, "conversation_id": self.next_conversation}]})
            .to_string()
        } else if s.request.url.contains("/widget/messages") {
            json!({"id": self.seq + 1000, "message_type": 0, "created_at": 1, "conversation_id": 1})
                .to_string()
        } else {
            String::new()
        }
    }

    fn answer(&mut self, s: &Send, a: Answer) -> Outcome {
        let st = |status: u16, retry_after: Option<String>| Outcome::Status {
            status,
            retry_after,
            body: format!("status {status}"),
        };
        let simple = s.request.mode == RequestMode::NoCors;
        let success = matches!(a, Answer::Ok | Answer::Created | Answer::GarbageOk);
        let reached = !matches!(a, Answer::Network | Answer::Timeout);
        if success {
            self.receive(s);
        }
        if simple && reached {
            // The browser hides every answer to a no-cors request.
            if !success {
                // The receiver got the bytes even if it failed; the page cannot tell.
                self.receive(s);
            }
            return Outcome::Opaque;
        }
        match a {
            Answer::Ok => Outcome::Status {
                status: 200,
                retry_after: None,
                body: self.body_for(s),
            },
            Answer::Created => Outcome::Status {
                status: 201,
                retry_after: None,
                body: self.body_for(s),
            },
            Answer::GarbageOk => Outcome::Status {
                status: 200,
                retry_after: None,
                body: "<html>".into(),
            },
            Answer::ServerError => st(500, None),
            Answer::Unavailable(n) => st(503, Some(n.to_string())),
            Answer::TooMany(n) => st(429, Some(n.to_string())),
            Answer::RequestTimeout => st(408, None),
            Answer::BadRequest => {
                self.refused.insert(s.id.clone(), 400);
                st(400, None)
            }
            Answer::Gone => {
                self.refused.insert(s.id.clone(), 410);
                st(410, None)
            }
            Answer::Network => Outcome::Network("TypeError: Failed to fetch".into()),
            Answer::Timeout => Outcome::Timeout,
        }
    }

    fn complete(&mut self, s: &Send, outcome: Outcome) {
        let now = self.now;
        let notices = self.machine().complete(&s.id, outcome, now, 0.5);
        self.notices(notices, "complete");
    }

    fn poll(&mut self) {
        let (now, platform) = (self.now, self.platform.clone());
        let (sends, notices) = self.machine().poll(now, Some(&platform));
        self.notices(notices, "poll");
        for s in sends {
            self.check_send(&s);
            // An earlier request with the same id may still be out (its lease ran out): its
            // answer can still come, and must not count twice.
            self.in_flight.push(s);
        }
    }

    fn beacons_arrive(&mut self, sends: &[Send], arrived: u8) {
        for (i, s) in sends.iter().enumerate() {
            self.check_send(s);
            if arrived & (1 << (i % 8)) != 0 {
                self.receive(s);
            }
        }
    }

    fn enqueue(&mut self, kind: u8, targets: u8, other: bool) {
        let event = EVENTS[kind as usize % EVENTS.len()];
        let mut ts = Vec::new();
        if targets & 1 != 0 {
            ts.push(Target::Webhook {
                url: "https://a.example/h".into(),
                simple: false,
            });
        }
        if targets & 2 != 0 {
            ts.push(Target::Webhook {
                url: "https://b.example/h?k=1".into(),
                simple: true,
            });
        }
        let platform_ok = matches!(event, "message_created" | "webwidget_triggered");
        if targets & 4 != 0 && platform_ok {
            ts.push(Target::Platform);
        }
        self.seq += 1;
        let (seq, now) = (self.seq, self.now);
        let p = payload(event, seq);
        let mut ids = Vec::new();
        let mut next = self.next_id;
        let cfg = self.cfg;
        let machine = if other {
            self.other.get_or_insert_with(|| Machine::new(cfg))
        } else {
            self.machine()
        };
        let notices = machine.enqueue(event, &p, &ts, now, &mut || {
            next += 1;
            let id = format!("id-{next}");
            ids.push(id.clone());
            id
        });
        self.next_id = next;
        assert_eq!(ids.len(), ts.len(), "one id per target");
        for (id, target) in ids.into_iter().zip(ts) {
            let e = Expect {
                event: event.into(),
                seq,
                target,
                created_ms: now,
            };
            assert!(self.expect.insert(id, e).is_none(), "id reused");
        }
        self.notices(notices, "enqueue");
    }

    fn close(&mut self, budget: u16, arrived: u8) {
        let (now, platform) = (self.now, self.platform.clone());
        let sends = self
            .machine()
            .unload(now, usize::from(budget) * 4, true, Some(&platform));
        self.beacons_arrive(&sends, arrived);
        self.persist();
        self.page = None;
        self.in_flight.clear();
        self.answered.clear();
        self.beacons.clear();
    }

    fn step(&mut self, op: Op) {
        match op {
            Op::Enqueue { kind, targets } => self.enqueue(kind, targets, false),
            Op::OtherEnqueue { kind, targets } => self.enqueue(kind, targets, true),
            Op::Adopt { budget, arrived } => {
                let Some(mut other) = self.other.take() else {
                    return;
                };
                self.close(budget, arrived);
                let notices = other
                    .restore(&self.persisted, self.now)
                    .unwrap_or_else(|e| panic!("snapshot does not restore: {e}"));
                self.page = Some(other);
                self.notices(notices, "restore");
            }
            Op::Poll => self.poll(),
            Op::Respond { which, answer } => {
                if self.in_flight.is_empty() {
                    return;
                }
                let s = self.in_flight.remove(which as usize % self.in_flight.len());
                let outcome = self.answer(&s, answer);
                self.complete(&s, outcome);
                self.answered.push(s);
            }
            Op::Late { which } => {
                if self.answered.is_empty() {
                    return;
                }
                let s = self.answered[which as usize % self.answered.len()].clone();
                let outcome = self.answer(&s, Answer::Ok);
                self.complete(&s, outcome);
            }
            Op::Tick(t) => {
                self.now += match t {
                    Tick::Ms(ms) => u64::from(ms),
                    Tick::Seconds(s) => u64::from(s) * 1000,
                    Tick::Hour => 3_600_000,
                    Tick::HalfDay => 12 * 3_600_000 + 1,
                };
            }
            Op::Online(on) => {
                let now = self.now;
                self.machine().set_online(on, now);
            }
            Op::Hurry => {
                let now = self.now;
                self.machine().hurry(now);
            }
            Op::Reload { arrived } => {
                self.persist();
                let lost = std::mem::take(&mut self.in_flight);
                self.beacons_arrive(&lost, arrived);
                self.answered.clear();
                self.beacons.clear();
                self.page = None;
                self.machine();
            }
            Op::Hide { budget } => {
                let (now, platform) = (self.now, self.platform.clone());
                let sends =
                    self.machine()
                        .unload(now, usize::from(budget) * 4, false, Some(&platform));
                self.beacons = sends.iter().map(|s| s.id.clone()).collect();
                // Beacons are fire-and-forget: never answered, possibly received.
                self.beacons_arrive(&sends, 0b0101_0101);
            }
            Op::ReleaseBeacons => {
                let ids = std::mem::take(&mut self.beacons);
                self.machine().release(&ids);
            }
            Op::Close { budget, arrived } => self.close(budget, arrived),
            Op::PageShow => {
                self.persist();
                let (snapshot, now) = (self.persisted.clone(), self.now);
                let notices = self
                    .machine()
                    .restore(&snapshot, now)
                    .unwrap_or_else(|e| panic!("snapshot does not restore: {e}"));
                self.notices(notices, "restore");
            }
        }
        self.persist();
    }

    fn drain(&mut self) {
        let now = self.now;
        // A second tab still open hands its queue over (as if it closed and this one adopted it).
        if let Some(other) = self.other.take() {
            let snapshot = other.snapshot();
            let notices = self
                .machine()
                .restore(&snapshot, now)
                .unwrap_or_else(|e| panic!("snapshot does not restore: {e}"));
            self.notices(notices, "restore");
        }
        self.machine().set_online(true, now);
        // Whatever is still out is answered first (the page lives on), then every request
        // succeeds. When nothing could be sent (all due deliveries are held back by a lease or
        // the concurrency limit), time moves on by a second, as the glue's timer does.
        for _ in 0..DRAIN_STEPS {
            let before = self.in_flight.len();
            self.poll();
            let sent = self.in_flight.len() > before;
            for s in std::mem::take(&mut self.in_flight) {
                let outcome = self.answer(&s, Answer::Ok);
                self.complete(&s, outcome);
            }
            if self.machine().pending() == 0 {
                return;
            }
            let wake = self
                .machine()
                .next_wake_ms()
                .expect("something queued has a wake time");
            self.now = wake.max(self.now + if sent { 1 } else { 1_000 });
        }
        let now = self.now;
        let m = self.machine();
        panic!(
            "queue not drained after {DRAIN_STEPS} steps: {} left at {now} (online {}):\n{:#?}",
            m.pending(),
            m.online(),
            m.items()
        );
    }
}

fn is_adopt_warning(reason: &str) -> bool {
    reason.starts_with("unreadable conversation response")
        || reason.starts_with("unreadable message response")
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(setup) = Setup::arbitrary(&mut u) else {
        return;
    };
    let mut policy = RetryPolicy::default();
    if setup.short_give_up {
        policy.give_up_after_ms = 60_000;
    }
    let cfg = MachineConfig {
        policy,
        max_queue: setup.small_queue.map_or(1000, |n| usize::from(n % 8) + 1),
        max_in_flight_per_webhook: 4,
    };
    let mut w = World {
        cfg,
        platform: PlatformConfig {
            base_url: "https://chat.example".into(),
            website_token: "T".into(),
            auth_token: "J".into(),
            locale: "en".into(),
        },
        page: None,
        other: None,
        persisted: Machine::new(cfg).snapshot(),
        now: 1_700_000_000_000,
        next_id: 0,
        seq: 0,
        in_flight: Vec::new(),
        answered: Vec::new(),
        beacons: Vec::new(),
        expect: HashMap::new(),
        received: HashMap::new(),
        delivered: HashMap::new(),
        failed: HashMap::new(),
        refused: HashMap::new(),
        next_conversation: 0,
    };
    if std::env::var_os("FUZZ_DEBUG").is_some() {
        eprintln!(
            "{:?} queue {}",
            setup.ops.iter().take(MAX_OPS).collect::<Vec<_>>(),
            cfg.max_queue
        );
    }
    for op in setup.ops.into_iter().take(MAX_OPS) {
        w.step(op);
    }
    w.drain();
    for id in w.expect.keys() {
        let delivered = w.delivered.get(id).copied().unwrap_or(0);
        let failed = w
            .failed
            .get(id)
            .map_or(0, |r| r.iter().filter(|r| !is_adopt_warning(r)).count());
        assert_eq!(
            delivered + failed as u32,
            1,
            "{id}: delivered {delivered}, failed {failed}"
        );
    }
});
