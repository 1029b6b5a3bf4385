//! The emitter's browser glue: owns the delivery [`Machine`], persists it, drives it with timers,
//! page lifecycle and transport, and reports notices as callbacks and DOM events.
//!
//! Multi-tab rule: each tab owns one queue in localStorage (see [`super::storage`]) and is the
//! only one to flush it while its lock lives. A queue left behind by a closed or reloaded tab is
//! adopted whole, with its delivery ids, by the next tab that sees it — so an event is never
//! re-sent under a new id, and a duplicate always shares its `webhook-id`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::lifecycle::{self, Hooks, PageEvent};
use super::storage::QueueStore;
use super::transport;
use crate::delivery::queue::MachineConfig;
use crate::delivery::{
    platform, EmitterConfig, Machine, Notice, Outcome, RequestMode, Send, Target,
};
use crate::model::{build_event, Event, EventName, ModelError};

/// Keepalive requests in flight must stay under the browser's 64 KiB quota; like PostHog, use
/// at most 0.8 of it.
pub const KEEPALIVE_BUDGET: usize = 64 * 1024 * 8 / 10;
/// Lifetime of a queue lock; the owner renews it every [`HEARTBEAT_MS`].
pub const LOCK_TTL_MS: u64 = 15_000;
/// How often a tab renews its lock and looks for orphaned queues.
pub const HEARTBEAT_MS: u64 = 3_000;

/// Builds the webhook payload of an event with the model ([`build_event`]): validated, defaults
/// filled, `"event"` first. The error names the offending field.
pub fn build_payload(name: &str, input: Value) -> Result<(EventName, Value), String> {
    let event = build_event(name, input).map_err(|e| e.to_string())?;
    Ok((event.name(), event.to_value()))
}

/// What the widget API wants and the webhook payload does not carry (the browser's `timestamp`
/// and `referer_url` of a message): kept for the platform's copy.
fn widget_extras(input: &Value) -> Vec<(String, Value)> {
    ["timestamp", "referer_url"]
        .iter()
        .filter_map(|k| input.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect()
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// A random UUID: `crypto.randomUUID()` where available (secure contexts), else a v4 built
/// from `Math.random` (ids only need to be unique, not secret).
pub fn new_id() -> String {
    if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let f = js_sys::Reflect::get(&c, &"randomUUID".into()).ok();
        if f.is_some_and(|f| f.is_function()) {
            return c.random_uuid();
        }
    }
    let mut b = [0u8; 16];
    for x in &mut b {
        *x = (js_sys::Math::random() * 256.0) as u8;
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

struct Inner {
    cfg: EmitterConfig,
    config_errors: Vec<ModelError>,
    machine: Machine,
    store: Option<QueueStore>,
    tab: String,
    qid: String,
    timer: Option<i32>,
    heartbeat: Option<(i32, Closure<dyn FnMut()>)>,
    hooks: Option<Hooks>,
    in_flight: usize,
    keepalive_bytes: usize,
    listeners: HashMap<String, Vec<js_sys::Function>>,
    flush_waiters: Vec<js_sys::Function>,
    /// After `pagehide`: no more persisting or sending until `pageshow`.
    retired: bool,
    storage_error: Option<String>,
    /// A snapshot write is queued for the end of the current task.
    persist_queued: bool,
}

/// The emitter (cheap to clone: a handle).
#[derive(Clone)]
pub struct Emitter {
    inner: Rc<RefCell<Inner>>,
}

impl Emitter {
    /// Validates `config`, restores this page's queue and any orphaned ones, installs the
    /// lifecycle hooks and starts sending. Fails when no target is usable; the other
    /// configuration errors are available from [`Emitter::config_errors`] (and reported).
    pub fn new(config: &Value) -> Result<Emitter, Vec<ModelError>> {
        let (cfg, errors) = EmitterConfig::from_value(config);
        if !cfg.has_target() {
            let mut errors = errors;
            errors.push(ModelError::new(
                "",
                "no valid target: configure a webhook or the platform (baseUrl, websiteToken, authToken)",
            ));
            return Err(errors);
        }
        let machine = Machine::new(MachineConfig {
            policy: cfg.policy,
            max_queue: cfg.max_queue,
            ..MachineConfig::default()
        });
        let tab = new_id();
        let store = QueueStore::open(&cfg.storage_key);
        let e = Emitter {
            inner: Rc::new(RefCell::new(Inner {
                cfg,
                config_errors: errors.clone(),
                machine,
                store,
                qid: tab.clone(),
                tab,
                timer: None,
                heartbeat: None,
                hooks: None,
                in_flight: 0,
                keepalive_bytes: 0,
                listeners: HashMap::new(),
                flush_waiters: Vec::new(),
                retired: false,
                storage_error: None,
                persist_queued: false,
            })),
        };
        for err in &errors {
            e.report_config_error(err);
        }
        {
            let mut i = e.inner.borrow_mut();
            let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
            i.machine.set_online(online, now());
            if let Some(s) = &i.store {
                s.try_lock(&i.qid, &i.tab, now(), LOCK_TTL_MS);
            }
        }
        e.adopt_orphans();
        e.install_hooks();
        e.start_heartbeat();
        e.pump();
        Ok(e)
    }

    fn weak(&self) -> Weak<RefCell<Inner>> {
        Rc::downgrade(&self.inner)
    }

    /// The emitter behind a timer, fetch or page-event callback; none once a panic disabled the
    /// module (its state may be mid-change: what was persisted is what the next page restores).
    fn from_weak(w: &Weak<RefCell<Inner>>) -> Option<Emitter> {
        if super::events::is_broken() {
            return None;
        }
        w.upgrade().map(|inner| Emitter { inner })
    }

    /// Configuration errors (each names its entry), including later `subscribe` refusals.
    pub fn config_errors(&self) -> Vec<ModelError> {
        self.inner.borrow().config_errors.clone()
    }

    /// Adds a webhook subscription at run time.
    pub fn subscribe(
        &self,
        url: String,
        events: Vec<String>,
        simple: Option<bool>,
    ) -> Result<(), ModelError> {
        let r = self
            .inner
            .borrow_mut()
            .cfg
            .subscribe(crate::delivery::WebhookInput {
                url,
                events,
                simple,
            });
        if let Err(e) = &r {
            self.inner.borrow_mut().config_errors.push(e.clone());
        }
        r
    }

    /// Builds the payload of `name` and queues one delivery per interested target.
    /// Returns the delivery ids (empty when nobody subscribes to the event).
    pub fn emit(&self, name: &str, input: Value) -> Result<Vec<String>, String> {
        let extras = widget_extras(&input);
        let (event, payload) = build_payload(name, input)?;
        Ok(self.enqueue(event, payload, extras))
    }

    /// [`emit`](Self::emit) for an event already built with the model's types (the widget's
    /// payload builders): nothing to parse or validate again.
    pub fn emit_event(&self, event: &Event) -> Vec<String> {
        let payload = event.to_value();
        let extras = widget_extras(&payload);
        self.enqueue(event.name(), payload, extras)
    }

    fn enqueue(
        &self,
        event: EventName,
        payload: Value,
        widget_extras: Vec<(String, Value)>,
    ) -> Vec<String> {
        let (ids, notices) = {
            let mut i = self.inner.borrow_mut();
            let webhooks: Vec<Target> = i
                .cfg
                .webhooks
                .iter()
                .filter(|s| s.wants(event))
                .map(|s| Target::Webhook {
                    url: s.url.clone(),
                    simple: s.simple,
                })
                .collect();
            let mut ids = Vec::new();
            let mut gen = || {
                let id = new_id();
                ids.push(id.clone());
                id
            };
            let mut notices = Vec::new();
            if !webhooks.is_empty() {
                notices.extend(i.machine.enqueue(
                    event.as_str(),
                    &payload,
                    &webhooks,
                    now(),
                    &mut gen,
                ));
            }
            if i.cfg.platform.is_some() && platform::routes(event.as_str(), &payload) {
                let mut for_platform = payload.clone();
                if let Value::Object(m) = &mut for_platform {
                    m.extend(widget_extras);
                }
                notices.extend(i.machine.enqueue(
                    event.as_str(),
                    &for_platform,
                    &[Target::Platform],
                    now(),
                    &mut gen,
                ));
            }
            (ids, notices)
        };
        self.persist_soon();
        self.dispatch(notices);
        self.pump();
        ids
    }

    /// Deliveries still queued.
    pub fn pending(&self) -> usize {
        self.inner.borrow().machine.pending()
    }

    /// Registers a `delivered` or `failed` callback.
    pub fn on(&self, kind: &str, cb: js_sys::Function) -> Result<(), String> {
        if kind != "delivered" && kind != "failed" {
            return Err(format!(
                "unknown event `{kind}`: use \"delivered\" or \"failed\""
            ));
        }
        self.inner
            .borrow_mut()
            .listeners
            .entry(kind.into())
            .or_default()
            .push(cb);
        Ok(())
    }

    /// Sends everything queued now (backoff waits are skipped) and resolves with the number of
    /// deliveries still queued once every request it started has settled.
    pub fn flush(&self) -> js_sys::Promise {
        let this = self.clone();
        js_sys::Promise::new(&mut |resolve, _reject| {
            {
                let mut i = this.inner.borrow_mut();
                i.machine.hurry(now());
                i.flush_waiters.push(resolve);
            }
            this.pump();
        })
    }

    fn pump(&self) {
        let (sends, notices, timeout) = {
            let mut i = self.inner.borrow_mut();
            if i.retired {
                return;
            }
            let cfg_platform = i.cfg.platform.clone();
            let (sends, notices) = i.machine.poll(now(), cfg_platform.as_ref());
            i.in_flight += sends.len();
            (sends, notices, i.cfg.policy.timeout_ms)
        };
        // In-flight leases are not persisted: only drops change the snapshot.
        if !notices.is_empty() {
            self.persist_soon();
        }
        self.dispatch(notices);
        let sent = !sends.is_empty();
        for s in sends {
            let w = self.weak();
            wasm_bindgen_futures::spawn_local(async move {
                let o = transport::send(&s.request, timeout).await;
                if let Some(e) = Emitter::from_weak(&w) {
                    e.finish(&s.id, o, true, 0);
                }
            });
        }
        self.schedule(sent);
        self.resolve_flush_if_idle();
    }

    fn finish(&self, id: &str, outcome: Outcome, counted: bool, keepalive_cost: usize) {
        let notices = {
            let mut i = self.inner.borrow_mut();
            if counted {
                i.in_flight = i.in_flight.saturating_sub(1);
            }
            i.keepalive_bytes = i.keepalive_bytes.saturating_sub(keepalive_cost);
            i.machine
                .complete(id, outcome, now(), js_sys::Math::random())
        };
        self.persist_soon();
        self.dispatch(notices);
        self.pump();
    }

    /// Writes the snapshot once at the end of the current task (a microtask), so a burst of
    /// emits costs one localStorage write. `pagehide` and lock changes write synchronously.
    fn persist_soon(&self) {
        {
            let mut i = self.inner.borrow_mut();
            if i.persist_queued {
                return;
            }
            i.persist_queued = true;
        }
        let w = self.weak();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(e) = Emitter::from_weak(&w) {
                {
                    let mut i = e.inner.borrow_mut();
                    i.persist_queued = false;
                    if !i.retired {
                        i.persist();
                    }
                }
                e.report_storage_error();
            }
        });
    }

    /// Reports (once per occurrence) a queue that localStorage refused or could not read: the
    /// deliveries stay in memory and keep being sent, but would not survive a reload.
    fn report_storage_error(&self) {
        let err = self.inner.borrow_mut().storage_error.take();
        if let Some(msg) = err {
            web_sys::console::warn_1(&format!("evolvy: {msg}").into());
            dispatch_dom("evolvy:error", &json!({"kind": "storage", "message": msg}));
        }
    }

    fn resolve_flush_if_idle(&self) {
        let (waiters, pending) = {
            let mut i = self.inner.borrow_mut();
            if i.in_flight > 0 || i.flush_waiters.is_empty() {
                return;
            }
            (std::mem::take(&mut i.flush_waiters), i.machine.pending())
        };
        for r in waiters {
            let _ = r.call1(&JsValue::NULL, &JsValue::from(pending as u32));
        }
    }

    fn schedule(&self, just_sent: bool) {
        let mut i = self.inner.borrow_mut();
        let Some(w) = web_sys::window() else { return };
        if let Some(t) = i.timer.take() {
            w.clear_timeout_with_handle(t);
        }
        if i.retired || !i.machine.online() {
            return;
        }
        let Some(wake) = i.machine.next_wake_ms() else {
            return;
        };
        let t = now();
        let delay = if wake > t {
            wake - t
        } else if i.in_flight > 0 {
            // Due but held back by concurrency: a completion pumps again.
            return;
        } else if just_sent {
            0
        } else {
            1_000 // nothing could be sent although something is due: do not spin
        };
        let weak = self.weak();
        let cb = Closure::once_into_js(move || {
            if let Some(e) = Emitter::from_weak(&weak) {
                e.inner.borrow_mut().timer = None;
                e.pump();
            }
        });
        i.timer = w
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                cb.unchecked_ref(),
                delay.min(i32::MAX as u64) as i32,
            )
            .ok();
    }

    /// Sends what fits the keepalive quota with `sendBeacon` (CORS-simple deliveries) or
    /// `fetch(keepalive)` (the rest). Everything stays queued until a response is read.
    fn unload(&self, include_in_flight: bool) {
        let sends: Vec<Send> = {
            let mut i = self.inner.borrow_mut();
            let budget = KEEPALIVE_BUDGET.saturating_sub(i.keepalive_bytes);
            let p = i.cfg.platform.clone();
            let s = i
                .machine
                .unload(now(), budget, include_in_flight, p.as_ref());
            i.keepalive_bytes += s
                .iter()
                .filter(|s| s.request.mode == RequestMode::Cors)
                .map(|s| s.request.cost())
                .sum::<usize>();
            s
        };
        let mut refused = Vec::new();
        for s in sends {
            if !refused.is_empty() {
                refused.push(s.id);
                continue;
            }
            if s.request.mode == RequestMode::NoCors {
                if !transport::beacon(&s.request) {
                    refused.push(s.id);
                }
                continue;
            }
            let w = self.weak();
            let cost = s.request.cost();
            wasm_bindgen_futures::spawn_local(async move {
                let o = transport::send_keepalive(&s.request).await;
                if let Some(e) = Emitter::from_weak(&w) {
                    e.finish(&s.id, o, false, cost);
                }
            });
        }
        let mut i = self.inner.borrow_mut();
        i.machine.release(&refused);
        i.persist();
    }

    fn on_page(&self, ev: PageEvent) {
        match ev {
            PageEvent::Hidden => self.unload(false),
            PageEvent::PageHide => {
                self.unload(true);
                let mut i = self.inner.borrow_mut();
                i.persist();
                i.retired = true;
                if let Some(s) = &i.store {
                    s.unlock(&i.qid, &i.tab);
                }
            }
            PageEvent::PageShowPersisted => {
                {
                    let mut i = self.inner.borrow_mut();
                    i.retired = false;
                    let t = now();
                    let kept = match &i.store {
                        Some(s) => {
                            s.load(&i.qid).is_some() && s.try_lock(&i.qid, &i.tab, t, LOCK_TTL_MS)
                        }
                        None => true,
                    };
                    if !kept {
                        // Another tab adopted this queue while the page was cached: it sends them.
                        let ids = i.machine.platform_ids().clone();
                        i.machine = Machine::new(MachineConfig {
                            policy: i.cfg.policy,
                            max_queue: i.cfg.max_queue,
                            ..MachineConfig::default()
                        });
                        let snap =
                            serde_json::json!({"v": 1, "platform": ids, "items": []}).to_string();
                        let _ = i.machine.restore(&snap, now());
                        i.qid = new_id();
                        if let Some(s) = &i.store {
                            s.try_lock(&i.qid, &i.tab, t, LOCK_TTL_MS);
                        }
                    }
                }
                self.adopt_orphans();
                self.pump();
            }
            PageEvent::Online => {
                self.inner.borrow_mut().machine.set_online(true, now());
                self.pump();
            }
            PageEvent::Offline => {
                self.inner.borrow_mut().machine.set_online(false, now());
                self.schedule(false);
            }
        }
    }

    fn install_hooks(&self) {
        let w = self.weak();
        let hooks = lifecycle::install(move |ev| {
            if let Some(e) = Emitter::from_weak(&w) {
                e.on_page(ev);
            }
        });
        self.inner.borrow_mut().hooks = hooks;
    }

    fn start_heartbeat(&self) {
        let w = self.weak();
        let cb = Closure::<dyn FnMut()>::new(move || {
            if let Some(e) = Emitter::from_weak(&w) {
                e.heartbeat();
            }
        });
        let handle = web_sys::window().and_then(|win| {
            win.set_interval_with_callback_and_timeout_and_arguments_0(
                cb.as_ref().unchecked_ref(),
                HEARTBEAT_MS as i32,
            )
            .ok()
        });
        if let Some(h) = handle {
            self.inner.borrow_mut().heartbeat = Some((h, cb));
        }
    }

    fn heartbeat(&self) {
        {
            let mut i = self.inner.borrow_mut();
            if i.retired {
                return;
            }
            let t = now();
            let lost = i
                .store
                .as_ref()
                .is_some_and(|s| !s.try_lock(&i.qid, &i.tab, t, LOCK_TTL_MS));
            if lost {
                // A throttled tab whose lock expired and was taken: keep the deliveries (same
                // ids) under a fresh queue name, so nothing is lost.
                i.qid = new_id();
                if let Some(s) = &i.store {
                    s.try_lock(&i.qid, &i.tab, t, LOCK_TTL_MS);
                }
                i.persist();
            }
        }
        if self.adopt_orphans() {
            self.pump();
        }
    }

    /// Merges queues whose tab is gone into this tab's queue. True when something was adopted.
    fn adopt_orphans(&self) -> bool {
        let notices = {
            let mut i = self.inner.borrow_mut();
            let Some(store) = i.store.clone() else {
                return false;
            };
            let t = now();
            let mut notices = Vec::new();
            let mut adopted = false;
            for qid in store.queue_ids() {
                if qid == i.qid {
                    continue;
                }
                if store.lock(&qid).is_some_and(|l| l.exp > t) {
                    continue;
                }
                if !store.try_lock(&qid, &i.tab, t, LOCK_TTL_MS) {
                    continue;
                }
                if let Some(snap) = store.load(&qid) {
                    match i.machine.restore(&snap, t) {
                        Ok(n) => notices.extend(n),
                        Err(e) => i.storage_error = Some(e),
                    }
                }
                store.remove(&qid);
                adopted = true;
            }
            if adopted {
                i.persist();
            }
            if !adopted {
                return false;
            }
            notices
        };
        self.dispatch(notices);
        self.report_storage_error();
        true
    }

    fn report_config_error(&self, e: &ModelError) {
        web_sys::console::warn_1(&format!("evolvy: configuration error: {e}").into());
        dispatch_dom(
            "evolvy:error",
            &json!({"kind": "config", "path": e.path, "message": e.message}),
        );
    }

    fn dispatch(&self, notices: Vec<Notice>) {
        for n in notices {
            let (kind, dom, detail) = match n {
                Notice::Delivered {
                    id,
                    event,
                    target,
                    status,
                    attempts,
                } => (
                    "delivered",
                    "evolvy:delivered",
                    json!({"id": id, "event": event, "target": target, "status": status, "attempts": attempts}),
                ),
                Notice::Failed {
                    id,
                    event,
                    target,
                    status,
                    body,
                    reason,
                } => (
                    "failed",
                    "evolvy:error",
                    json!({"kind": "delivery", "id": id, "event": event, "target": target,
                           "status": status, "body": body, "message": reason}),
                ),
            };
            let listeners = self
                .inner
                .borrow()
                .listeners
                .get(kind)
                .cloned()
                .unwrap_or_default();
            let js = to_js(&detail);
            for l in listeners {
                let _ = l.call1(&JsValue::NULL, &js);
            }
            dispatch_dom(dom, &detail);
        }
    }
}

impl Inner {
    fn persist(&mut self) {
        let Some(store) = &self.store else { return };
        if let Err(e) = store.save(&self.qid, &self.machine.snapshot()) {
            self.storage_error = Some(e);
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            if let Some(t) = self.timer.take() {
                w.clear_timeout_with_handle(t);
            }
            if let Some((h, _)) = self.heartbeat.take() {
                w.clear_interval_with_handle(h);
            }
        }
    }
}

/// A JSON value as a plain JS object.
pub fn to_js(v: &Value) -> JsValue {
    use serde::Serialize;
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

fn dispatch_dom(name: &str, detail: &Value) {
    let Some(w) = web_sys::window() else { return };
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&to_js(detail));
    if let Ok(ev) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = w.dispatch_event(&ev);
    }
}
