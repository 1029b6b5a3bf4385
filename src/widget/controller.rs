//! The widget's behaviour in its iframe: opening and closing, the visitor's messages, the
//! `$evolvy` calls, devtools history, and the events it fires to the host page.
//!
//! Borrow rule: `State` is never borrowed across an `.await`; async work copies what it needs,
//! awaits, then re-borrows to write back.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use serde::Serialize;
use serde_json::{json, Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

use super::answer::{self, AnswerError};
use super::i18n::{Locale, Text};
use super::live::{Live, LiveHost};
use super::payloads::{self, ConversationFacts, Visitor};
use super::session::{ApiError, Session};
use super::settings::{DarkMode, Position, Settings};
use super::thread::{Effect, Thread, TypingThrottle, TYPING_IDLE_MS};
use super::view::{Author, View};
use crate::model::widget_api::{
    CreateConversationRequest, CreateMessageRequest, LiveFrame, ToggleTypingRequest, TypingStatus,
    UpdateMessageRequest, WidgetContactInput, WidgetEventRequest, WidgetMessage,
    WidgetMessageInput, WIDGET_TRIGGERED,
};
use crate::model::{Event, ModelError};
use crate::web::collect::{collect, CollectOptions, VisitorContext};
use crate::web::emitter::Emitter;

/// How many payloads `$evolvy.history()` keeps.
pub const HISTORY_LIMIT: usize = 50;
/// The longest message a visitor can send (characters).
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// One built payload and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    /// Event name.
    pub name: String,
    /// The payload.
    pub payload: Value,
    /// `"built"`, `"dry-run"`, `"queued"`, `"delivered"` or `"failed"`.
    pub status: String,
    /// Delivery ids the emitter gave it (one per webhook).
    pub deliveries: Vec<String>,
    /// ISO time it was built.
    pub at: String,
    /// How many of `deliveries` were delivered so far.
    #[serde(skip)]
    delivered: usize,
}

/// Configuration of [`Widget::new`] (from `widget.js`).
pub struct WidgetOptions {
    /// The platform's base URL (the iframe's origin).
    pub base_url: String,
    /// The inbox's website token.
    pub website_token: String,
    /// `evolvySettings`.
    pub settings: Settings,
    /// The host page's URL.
    pub host_href: String,
    /// Called as `fire(name, detail)` for every event the host page should see.
    pub fire: js_sys::Function,
}

/// A shared `POST /config` request (see [`Widget::ensure_session`]).
type SessionFuture = Shared<LocalBoxFuture<'static, Result<Session, ApiError>>>;

struct State {
    settings: Settings,
    locale: Locale,
    view: View,
    fire: js_sys::Function,
    host_href: String,
    open: bool,
    session: Session,
    visitor: Visitor,
    conversation: Option<ConversationFacts>,
    context: Option<VisitorContext>,
    /// Created at first need or in the task after the widget's (see [`Widget::emitter`]).
    emitter: Option<Emitter>,
    /// The emitter's configuration until it is created (`None`: no webhooks, or created).
    emitter_config: Option<Value>,
    /// The `POST /config` in flight, shared by every caller (see [`Widget::ensure_session`]).
    session_pending: Option<SessionFuture>,
    /// Bumped by `reset`: a session request from before it is not kept.
    session_generation: u32,
    debug: bool,
    dry_run: bool,
    history: VecDeque<HistoryEntry>,
    unread: u32,
    outbox: VecDeque<(String, String)>,
    sending: bool,
    retry_ms: u32,
    restored: bool,
    local_seq: u32,
    /// The live thread (messages by id, highest seq, unread, typing, status, assignee).
    thread: Thread,
    /// The live stream.
    live: Live,
    /// When to tell the platform that the visitor is typing.
    throttle: TypingThrottle,
    typing_timer: Option<i32>,
    agent_typing_timer: Option<i32>,
    _listeners: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

/// The widget (a cheap handle).
#[derive(Clone)]
pub struct Widget {
    state: Rc<RefCell<State>>,
}

fn iso_now() -> String {
    js_sys::Date::new_0().to_iso_string().into()
}

fn format_time(locale: Locale, unix: i64) -> String {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
    let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
    let format = js_sys::Intl::DateTimeFormat::new(
        &js_sys::Array::of1(&JsValue::from_str(locale.bcp47())),
        &options,
    );
    let date = js_sys::Date::new(&JsValue::from_f64(unix as f64 * 1000.0));
    format
        .format()
        .call1(&JsValue::UNDEFINED, &date)
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Runs `f` once after `ms`; returns the timer handle.
fn after_ms(ms: u64, f: impl FnOnce() + 'static) -> Option<i32> {
    let cb = Closure::once_into_js(f);
    web_sys::window().and_then(|w| {
        w.set_timeout_with_callback_and_timeout_and_arguments_0(
            cb.unchecked_ref(),
            ms.min(i32::MAX as u64) as i32,
        )
        .ok()
    })
}

fn clear_timer(handle: Option<i32>) {
    if let (Some(h), Some(w)) = (handle, web_sys::window()) {
        w.clear_timeout_with_handle(h);
    }
}

/// localStorage key of the highest applied live `seq`, per website token and contact.
fn seq_key(session: &Session) -> Option<String> {
    session.stored.as_ref().map(|s| {
        format!(
            "evolvy:live-seq:{}:{}",
            session.website_token(),
            s.config.contact_id
        )
    })
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn load_seq(session: &Session) -> u64 {
    seq_key(session)
        .and_then(|k| local_storage()?.get_item(&k).ok().flatten())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn js_of<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

impl Widget {
    /// Builds the chat window into the iframe's document and wires it up.
    pub fn new(options: WidgetOptions) -> Result<Widget, JsValue> {
        let doc = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| JsError::new("evolvy-widget: no document"))?;
        let languages: Vec<String> = web_sys::window()
            .map(|w| {
                w.navigator()
                    .languages()
                    .iter()
                    .filter_map(|l| l.as_string())
                    .collect()
            })
            .unwrap_or_default();
        let locale = Locale::resolve(
            options.settings.locale.as_deref(),
            languages.iter().map(String::as_str),
        );
        let view = View::build(&doc, locale)?;
        if let Some(body) = doc.body() {
            let classes = body.class_list();
            classes.toggle_with_force("left", options.settings.position == Position::Left)?;
            classes.toggle_with_force("dark", options.settings.dark_mode == DarkMode::Dark)?;
            classes.toggle_with_force("auto", options.settings.dark_mode == DarkMode::Auto)?;
        }
        if let Some(title) = &options.settings.launcher_title {
            if !title.is_empty() {
                view.title.set_text_content(Some(title));
            }
        }
        let emitter_config = (!options.settings.webhooks.is_empty()).then(|| {
            json!({ "webhooks": options.settings.webhooks.iter().map(|w| json!({
                "url": w.url, "events": w.events, "simple": w.simple,
            })).collect::<Vec<_>>() })
        });
        let session = Session::new(&options.base_url, &options.website_token, locale.code());
        let visitor = session
            .stored
            .as_ref()
            .map(|s| Visitor::from_config(&s.config))
            .unwrap_or_default();
        let thread = Thread::new(load_seq(&session));
        let widget = Widget {
            state: Rc::new(RefCell::new(State {
                debug: options.settings.debug,
                dry_run: options.settings.dry_run,
                settings: options.settings,
                locale,
                view,
                fire: options.fire,
                host_href: options.host_href,
                open: false,
                session,
                visitor,
                conversation: None,
                context: None,
                emitter: None,
                emitter_config,
                session_pending: None,
                session_generation: 0,
                history: VecDeque::new(),
                unread: 0,
                outbox: VecDeque::new(),
                sending: false,
                retry_ms: 1000,
                restored: false,
                local_seq: 0,
                thread,
                live: Live::default(),
                throttle: TypingThrottle::default(),
                typing_timer: None,
                agent_typing_timer: None,
                _listeners: Vec::new(),
            })),
        };
        widget.restore_conversation_facts();
        widget.wire()?;
        widget.start_emitter_later();
        widget.prepare_context();
        // A returning visitor: the thread so far, then live delivery (unread count while closed).
        if widget.state.borrow().session.has_token() {
            let w = widget.clone();
            spawn_local(async move {
                w.restore_thread().await;
                w.start_live();
            });
        }
        widget.fire("ready", &js_of(&json!({"locale": locale.code()})));
        Ok(widget)
    }

    fn fire(&self, name: &str, detail: &JsValue) {
        let fire = self.state.borrow().fire.clone();
        fire_raw(&fire, name, detail);
    }

    fn error(&self, kind: &str, message: &str) {
        web_sys::console::warn_1(&JsValue::from_str(&format!("evolvy-widget: {message}")));
        self.fire("error", &js_of(&json!({"kind": kind, "message": message})));
    }

    /// The webhook emitter, created on first call: in the task after the widget's own (so each
    /// stays short on the host page's main thread), or earlier if a payload is ready first. It
    /// then delivers what an earlier page left queued. `None` without webhooks.
    fn emitter(&self) -> Option<Emitter> {
        let config = {
            let mut s = self.state.borrow_mut();
            if let Some(e) = &s.emitter {
                return Some(e.clone());
            }
            s.emitter_config.take()?
        };
        let emitter = match Emitter::new(&config) {
            Ok(e) => e,
            Err(errors) => {
                for e in errors {
                    self.fire(
                        "error",
                        &js_of(
                            &json!({"kind": "config", "message": e.to_string(), "field": e.path}),
                        ),
                    );
                }
                return None;
            }
        };
        self.state.borrow_mut().emitter = Some(emitter.clone());
        self.track_deliveries(&emitter);
        Some(emitter)
    }

    fn start_emitter_later(&self) {
        let w = self.clone();
        after_ms(0, move || {
            w.emitter();
        });
    }

    /// Keeps `$evolvy.history()` statuses current: `delivered` once every webhook took the
    /// payload, `failed` as soon as one gave up.
    fn track_deliveries(&self, emitter: &Emitter) {
        for kind in ["delivered", "failed"] {
            let state = Rc::downgrade(&self.state);
            let callback = Closure::<dyn FnMut(JsValue)>::new(move |detail: JsValue| {
                let Some(state) = state.upgrade() else { return };
                let Some(id) = js_sys::Reflect::get(&detail, &"id".into())
                    .ok()
                    .and_then(|v| v.as_string())
                else {
                    return;
                };
                let mut s = state.borrow_mut();
                if let Some(entry) = s.history.iter_mut().find(|e| e.deliveries.contains(&id)) {
                    if kind == "failed" {
                        entry.status = "failed".into();
                    } else if entry.status != "failed" {
                        entry.delivered += 1;
                        if entry.delivered >= entry.deliveries.len() {
                            entry.status = "delivered".into();
                        }
                    }
                }
            });
            // The emitter keeps the callback for the page's lifetime, as long as the widget lives.
            let _ = emitter.on(kind, callback.into_js_value().unchecked_into());
        }
    }

    fn restore_conversation_facts(&self) {
        let mut s = self.state.borrow_mut();
        let facts = s.session.stored.as_ref().and_then(|stored| {
            stored.conversation_id.map(|id| ConversationFacts {
                id,
                created_at: stored.conversation_created_at,
                ..ConversationFacts::default()
            })
        });
        s.conversation = facts;
    }

    fn listen(
        &self,
        target: &web_sys::EventTarget,
        kind: &str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Result<(), JsValue> {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        target.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref())?;
        self.state.borrow_mut()._listeners.push(closure);
        Ok(())
    }

    fn wire(&self) -> Result<(), JsValue> {
        let (launcher, close, composer, input, doc) = {
            let s = self.state.borrow();
            (
                s.view.launcher.clone(),
                s.view.close.clone(),
                s.view.composer.clone(),
                s.view.input.clone(),
                s.view.doc.clone(),
            )
        };
        let w = self.clone();
        self.listen(&launcher, "click", move |_| w.toggle(None))?;
        let w = self.clone();
        self.listen(&close, "click", move |_| w.toggle(Some(false)))?;
        let w = self.clone();
        self.listen(&composer, "submit", move |e| {
            e.prevent_default();
            w.submit();
        })?;
        let w = self.clone();
        self.listen(&input, "keydown", move |e| {
            if let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                if k.key() == "Enter" && !k.shift_key() && !k.is_composing() {
                    e.prevent_default();
                    w.submit();
                }
            }
        })?;
        let w = self.clone();
        self.listen(&doc, "keydown", move |e| {
            if let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                if k.key() == "Escape" && w.state.borrow().open {
                    e.prevent_default();
                    w.toggle(Some(false));
                }
            }
        })?;
        let w = self.clone();
        self.listen(&input, "input", move |_| w.keystroke())?;
        let w = self.clone();
        // `blur` can fire synchronously inside any call that moves focus; handle it after that
        // call has returned (and released the state).
        self.listen(&input, "blur", move |_| {
            let w = w.clone();
            spawn_local(async move { w.typing_stop() });
        })?;
        let list = self.state.borrow().view.list.clone();
        let w = self.clone();
        self.listen(&list, "click", move |e| w.on_list_click(&e))?;
        let w = self.clone();
        self.listen(&list, "submit", move |e| w.on_form_submit(&e))?;
        if let Some(window) = web_sys::window() {
            let w = self.clone();
            self.listen(&window, "online", move |_| w.pump())?;
            let w = self.clone();
            self.listen(&window, "pagehide", move |_| {
                w.typing_stop();
                w.state.borrow().live.stop();
            })?;
            let w = self.clone();
            self.listen(&window, "pageshow", move |e| {
                let persisted = e
                    .dyn_ref::<web_sys::PageTransitionEvent>()
                    .is_some_and(|p| p.persisted());
                if persisted {
                    w.start_live();
                }
            })?;
        }
        Ok(())
    }

    /// Starts live delivery once the visitor has a session (no-op when it runs).
    fn start_live(&self) {
        let (live, ok) = {
            let s = self.state.borrow();
            (s.live.clone(), s.session.has_token())
        };
        if ok {
            live.start(self.clone());
        }
    }

    /// Applies one live frame: the thread decides, the DOM follows, the seq is kept.
    fn apply_frame(&self, frame: LiveFrame) {
        let (effects, key, seq) = {
            let mut s = self.state.borrow_mut();
            let open = s.open;
            let effects = s.thread.apply(&frame, now_ms(), open);
            (effects, seq_key(&s.session), s.thread.last_seq())
        };
        if let (Some(key), Some(storage)) = (key, local_storage()) {
            // Other tabs of the same visitor write here too: the key only ever moves forward.
            let stored: u64 = storage
                .get_item(&key)
                .ok()
                .flatten()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if seq > stored {
                let _ = storage.set_item(&key, &seq.to_string());
            }
        }
        for effect in effects {
            self.effect(effect, frame.seq);
        }
    }

    fn effect(&self, effect: Effect, seq: u64) {
        match effect {
            Effect::Show(m) => self.render_message(&m, None),
            Effect::Arrived(m) => {
                {
                    let s = self.state.borrow();
                    let name = m
                        .sender
                        .as_ref()
                        .map(|x| x.name.clone())
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| s.locale.text(Text::Agent).to_string());
                    let text = m.content.clone().unwrap_or_default();
                    s.view.announce(&format!("{name}: {text}"));
                }
                self.fire("on-message", &js_of(&m));
            }
            Effect::Unread(n) => self.set_unread(n),
            Effect::Status { current, .. } => {
                let s = {
                    let mut s = self.state.borrow_mut();
                    if let Some(c) = &mut s.conversation {
                        c.status = serde_json::from_value(Value::String(current.clone()))
                            .unwrap_or(c.status);
                    }
                    s
                };
                if current == "resolved" {
                    let text = s.locale.text(Text::Resolved);
                    let _ = s.view.notice(&format!("status-{seq}"), text);
                    s.view.announce(text);
                }
            }
            Effect::Assignee(_) => self.show_assignee(),
            Effect::Typing(name) => {
                let mut s = self.state.borrow_mut();
                let text = name
                    .as_deref()
                    .map(|n| s.locale.text(Text::TypingName).replace("{name}", n));
                s.view.set_typing(text.as_deref());
                clear_timer(s.agent_typing_timer.take());
                if let Some(deadline) = s.thread.typing_deadline() {
                    let w = self.clone();
                    s.agent_typing_timer =
                        after_ms(deadline.saturating_sub(now_ms()) + 50, move || {
                            w.expire_agent_typing()
                        });
                }
            }
        }
    }

    fn expire_agent_typing(&self) {
        let expired = {
            let mut s = self.state.borrow_mut();
            s.agent_typing_timer = None;
            s.thread.expire_typing(now_ms())
        };
        match expired {
            Some(e) => self.effect(e, 0),
            None => {
                let deadline = self.state.borrow().thread.typing_deadline();
                if let Some(d) = deadline {
                    let w = self.clone();
                    let t = after_ms(d.saturating_sub(now_ms()) + 50, move || {
                        w.expire_agent_typing()
                    });
                    self.state.borrow_mut().agent_typing_timer = t;
                }
            }
        }
    }

    /// The header subtitle: who handles the conversation, else the default line.
    fn show_assignee(&self) {
        let s = self.state.borrow();
        let text = match s.thread.assignee().map(|a| a.name.trim()) {
            Some(name) if !name.is_empty() => {
                s.locale.text(Text::AssignedTo).replace("{name}", name)
            }
            _ => s.locale.text(Text::Subtitle).to_string(),
        };
        s.view.set_subtitle(&text);
    }

    /// A keystroke in the composer: maybe `typing on`, and the idle check.
    fn keystroke(&self) {
        let status = {
            let mut s = self.state.borrow_mut();
            let status = s.throttle.keystroke(now_ms());
            clear_timer(s.typing_timer.take());
            let w = self.clone();
            s.typing_timer = after_ms(TYPING_IDLE_MS + 20, move || w.typing_tick());
            status
        };
        if let Some(st) = status {
            self.send_typing(st);
        }
    }

    fn typing_tick(&self) {
        let (status, deadline) = {
            let mut s = self.state.borrow_mut();
            s.typing_timer = None;
            let status = s.throttle.tick(now_ms());
            (status, s.throttle.deadline())
        };
        match (status, deadline) {
            (Some(st), _) => self.send_typing(st),
            (None, Some(d)) => {
                let w = self.clone();
                let t = after_ms(d.saturating_sub(now_ms()) + 20, move || w.typing_tick());
                self.state.borrow_mut().typing_timer = t;
            }
            (None, None) => {}
        }
    }

    /// Sent or blurred: `typing off` now if it was on.
    fn typing_stop(&self) {
        let status = {
            let mut s = self.state.borrow_mut();
            clear_timer(s.typing_timer.take());
            s.throttle.stop()
        };
        if let Some(st) = status {
            self.send_typing(st);
        }
    }

    /// Tells the platform (`toggle_typing`) and the browser's webhooks
    /// (`conversation_typing_on/off`); only once there is a conversation.
    fn send_typing(&self, status: TypingStatus) {
        let (facts, visitor, session, dry_run) = {
            let s = self.state.borrow();
            (
                s.conversation.clone(),
                s.visitor.clone(),
                s.session.clone(),
                s.dry_run,
            )
        };
        let Some(facts) = facts else { return };
        self.deliver(&payloads::visitor_typing(
            &visitor,
            &facts,
            status == TypingStatus::On,
        ));
        if dry_run {
            return;
        }
        spawn_local(async move {
            let body = ToggleTypingRequest {
                typing_status: status,
            };
            if let Err(e) = session.toggle_typing(&body).await {
                web_sys::console::debug_1(&JsValue::from_str(&format!(
                    "evolvy-widget: toggle_typing: {e}"
                )));
            }
        });
    }

    fn message_of(&self, mid: u64) -> Option<WidgetMessage> {
        self.state.borrow().thread.message(mid).cloned()
    }

    /// Clicks inside the thread: option buttons, ratings, CSAT submit, card postbacks.
    fn on_list_click(&self, e: &web_sys::Event) {
        let Some(target) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let Ok(Some(button)) = target.closest("button[data-action]") else {
            return;
        };
        if button.has_attribute("disabled") {
            return;
        }
        let num = |name: &str| -> Option<u64> { button.get_attribute(name)?.parse().ok() };
        let (Some(action), Some(mid)) = (button.get_attribute("data-action"), num("data-mid"))
        else {
            return;
        };
        let Some(m) = self.message_of(mid) else {
            return;
        };
        match action.as_str() {
            "select" => {
                if let Some(Ok(v)) =
                    num("data-index").map(|i| answer::select_answer(&m, i as usize))
                {
                    self.send_answer(mid, v);
                }
            }
            "rate" => {
                if let Some(group) = button.parent_element() {
                    let children = group.children();
                    for i in 0..children.length() {
                        if let Some(c) = children.item(i) {
                            let _ = c.set_attribute("aria-pressed", "false");
                        }
                    }
                }
                let _ = button.set_attribute("aria-pressed", "true");
            }
            "csat" => {
                let Ok(Some(container)) = button.closest(".csat") else {
                    return;
                };
                let rating = container
                    .query_selector("button[data-action=rate][aria-pressed=true]")
                    .ok()
                    .flatten()
                    .and_then(|b| b.get_attribute("data-rating")?.parse::<u8>().ok());
                let feedback = container
                    .query_selector("textarea")
                    .ok()
                    .flatten()
                    .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok()?.as_string())
                    .unwrap_or_default();
                match rating.map(|r| answer::csat_answer(r, &feedback)) {
                    Some(Ok(v)) => self.send_answer(mid, v),
                    _ => {
                        if let Some(first) = container
                            .query_selector("button[data-action=rate]")
                            .ok()
                            .flatten()
                            .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
                        {
                            let _ = first.focus();
                        }
                    }
                }
            }
            "postback" => {
                let action = answer::items(&m)
                    .into_iter()
                    .nth(num("data-index").unwrap_or(u64::MAX) as usize)
                    .and_then(|item| {
                        item.actions?
                            .into_iter()
                            .nth(num("data-action-index").unwrap_or(u64::MAX) as usize)
                    });
                if let Some(text) = action.as_ref().and_then(answer::postback_text) {
                    self.enqueue(&text);
                }
            }
            _ => {}
        }
    }

    /// A form message submitted: validate, show what is wrong, or send the answer.
    fn on_form_submit(&self, e: &web_sys::Event) {
        let Some(form) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        if form.get_attribute("data-action").as_deref() != Some("form") {
            return;
        }
        e.prevent_default();
        let Some(mid) = form
            .get_attribute("data-mid")
            .and_then(|v| v.parse::<u64>().ok())
        else {
            return;
        };
        let Some(m) = self.message_of(mid) else {
            return;
        };
        if answer::is_answered(&m) {
            return;
        }
        let doc = self.state.borrow().view.doc.clone();
        let values: Vec<(String, String)> = answer::items(&m)
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let control = doc.get_element_by_id(&format!("f{mid}-{i}"))?;
                let value = js_sys::Reflect::get(&control, &"value".into())
                    .ok()?
                    .as_string()?;
                Some((item.name.clone()?, value))
            })
            .collect();
        let locale = self.state.borrow().locale;
        match answer::form_answer(&m, &values) {
            Ok(v) => {
                let view = self.state.borrow().view.clone();
                let _ = view.show_field_errors(mid, &m, &[], locale);
                self.send_answer(mid, v);
            }
            Err(AnswerError::Fields(problems)) => {
                let view = self.state.borrow().view.clone();
                let _ = view.show_field_errors(mid, &m, &problems, locale);
            }
            Err(AnswerError::NoSuchChoice) => {}
        }
    }

    /// `PATCH /messages/{id}` with the visitor's answer; then the message shows answered and
    /// `message_updated` goes to the browser's webhooks.
    fn send_answer(&self, mid: u64, submitted_values: Value) {
        let (li, session, dry_run) = {
            let s = self.state.borrow();
            let li = s.view.find_message(&format!("m{mid}"));
            if let Some(li) = &li {
                let _ = s.view.set_busy(li, true);
            }
            (li, s.session.clone(), s.dry_run)
        };
        let w = self.clone();
        spawn_local(async move {
            let result = if dry_run {
                Ok(None)
            } else {
                let body = UpdateMessageRequest {
                    submitted_values: submitted_values.clone(),
                };
                session.update_message(mid, &body).await
            };
            match result {
                Ok(response) => {
                    let updated = response.filter(answer::is_answered).or_else(|| {
                        w.message_of(mid)
                            .map(|m| answer::answered(&m, submitted_values))
                    });
                    let Some(updated) = updated else { return };
                    w.render_message(&updated, None);
                    let (visitor, facts) = {
                        let s = w.state.borrow();
                        (s.visitor.clone(), s.conversation.clone())
                    };
                    if let Some(facts) = facts {
                        w.deliver(&payloads::message_event(&visitor, &facts, &updated, true));
                    }
                }
                Err(e) => {
                    {
                        let s = w.state.borrow();
                        if let Some(li) = &li {
                            let _ = s.view.set_busy(li, false);
                            let _ = s.view.message_error(li, s.locale.text(Text::AnswerFailed));
                        }
                    }
                    w.error("answer", &format!("the answer was not accepted: {e}"));
                }
            }
        });
    }

    /// Derives the context ahead of need, in idle time, so opening never waits on it: in a later
    /// task than the one that built the widget (each stays short on the host page's main thread).
    fn prepare_context(&self) {
        let w = self.clone();
        after_ms(0, move || {
            spawn_local(async move {
                let _ = w.fresh_context().await;
            })
        });
    }

    fn collect_options(&self) -> CollectOptions {
        let s = self.state.borrow();
        CollectOptions {
            locale: Some(s.locale.code().to_string()),
            hints_timeout_ms: Some(300),
            drop_query: s.settings.drop_referer_query,
            referer: Some(s.host_href.clone()),
            cache: Some(true),
        }
    }

    async fn fresh_context(&self) -> Result<VisitorContext, JsValue> {
        let context = collect(self.collect_options()).await?;
        self.state.borrow_mut().context = Some(context.clone());
        Ok(context)
    }

    /// Opens (`Some(true)`), closes (`Some(false)`) or toggles (`None`) the chat window.
    pub fn toggle(&self, open: Option<bool>) {
        let (now_open, changed) = {
            let mut s = self.state.borrow_mut();
            let target = open.unwrap_or(!s.open);
            let changed = target != s.open;
            s.open = target;
            (target, changed)
        };
        if !changed {
            return;
        }
        // Tell the host to resize the iframe first, then show the window.
        self.fire(if now_open { "opened" } else { "closed" }, &JsValue::NULL);
        // No borrow held while focus moves: `focus()` fires `blur` on the composer at once.
        let view = self.state.borrow().view.clone();
        if let Err(e) = view.set_open(now_open) {
            web_sys::console::warn_1(&e);
        }
        if now_open {
            self.state.borrow_mut().thread.mark_read();
            self.set_unread(0);
            let w = self.clone();
            spawn_local(async move { w.on_open().await });
        }
    }

    /// The visitor's session with a contact and token. `POST /config` runs at most once at a
    /// time, however many callers ask meanwhile (the opening, and a message typed before its
    /// answer came): one visitor, one contact.
    async fn ensure_session(&self) -> Result<Session, ApiError> {
        let pending = {
            let mut s = self.state.borrow_mut();
            if s.session.stored.is_some() {
                return Ok(s.session.clone());
            }
            match &s.session_pending {
                Some(p) => p.clone(),
                None => {
                    let mut session = s.session.clone();
                    let generation = s.session_generation;
                    let state = Rc::downgrade(&self.state);
                    let request = async move {
                        let result = session.ensure().await.map(|_| ());
                        if let Some(state) = state.upgrade() {
                            let mut st = state.borrow_mut();
                            // Done either way: after a failure the next caller tries again.
                            st.session_pending = None;
                            if result.is_ok() && st.session_generation == generation {
                                if let Some(config) = session.stored.as_ref().map(|x| &x.config) {
                                    st.visitor = st.visitor.with_session(config);
                                }
                                st.session = session.clone();
                            }
                        }
                        result.map(|()| session)
                    }
                    .boxed_local()
                    .shared();
                    s.session_pending = Some(request.clone());
                    request
                }
            }
        };
        pending.await
    }

    async fn on_open(&self) {
        // A fresh initiated_at and referer for every opening, as the platform records them.
        let context = match self.fresh_context().await {
            Ok(c) => c,
            Err(e) => {
                self.error(
                    "context",
                    &format!("could not read the visitor context: {e:?}"),
                );
                return;
            }
        };
        if self.state.borrow().dry_run {
            let visitor = self.state.borrow().visitor.clone();
            let event = payloads::webwidget_triggered(&visitor, context.event_info(), None);
            self.record(&event, "dry-run", Vec::new());
            return;
        }
        let session = match self.ensure_session().await {
            Ok(s) => s,
            Err(e) => {
                self.error("session", &format!("could not start a chat session: {e}"));
                return;
            }
        };
        let request = WidgetEventRequest {
            name: WIDGET_TRIGGERED.into(),
            event_info: context.event_info().into(),
        };
        if let Err(e) = session.trigger(&request).await {
            self.error(
                "platform",
                &format!("webwidget.triggered was not accepted: {e}"),
            );
        }
        let current = self.current_conversation(None);
        let visitor = self.state.borrow().visitor.clone();
        let event = payloads::webwidget_triggered(&visitor, context.event_info(), current);
        self.deliver(&event);
        self.restore_thread().await;
        self.start_live();
    }

    fn current_conversation(
        &self,
        messages: Option<&[WidgetMessage]>,
    ) -> Option<crate::model::Conversation> {
        let s = self.state.borrow();
        s.conversation
            .as_ref()
            .map(|facts| payloads::conversation(&s.visitor, facts, messages.unwrap_or(&[])))
    }

    /// After a reload, shows the conversation so far (once).
    async fn restore_thread(&self) {
        let (session, needed) = {
            let s = self.state.borrow();
            (s.session.clone(), !s.restored && s.conversation.is_some())
        };
        if !needed {
            return;
        }
        match session.messages().await {
            Ok(messages) => {
                self.state.borrow_mut().restored = true;
                for m in &messages {
                    self.render_message(m, None);
                }
            }
            Err(e) => self.error("platform", &format!("could not load the conversation: {e}")),
        }
    }

    /// Draws a platform message by id (in place when drawn already) and remembers it in the
    /// thread. `local_key`: the pending bubble it replaces.
    fn render_message(&self, m: &WidgetMessage, local_key: Option<&str>) {
        self.state.borrow_mut().thread.remember(m);
        let s = self.state.borrow();
        let key = format!("m{}", m.id);
        if let Some(local) = local_key {
            if let Some(li) = s.view.find_message(local) {
                // The live stream may have drawn it first.
                if s.view.find_message(&key).is_some() {
                    li.remove();
                } else {
                    let _ = li.set_attribute("data-key", &key);
                }
            }
        }
        let time = format_time(s.locale, m.created_at);
        if let Err(e) = s.view.upsert_platform_message(&key, m, s.locale, &time) {
            web_sys::console::warn_1(&e);
        }
    }

    fn set_unread(&self, count: u32) {
        let mut s = self.state.borrow_mut();
        s.unread = count;
        let shown = if s.settings.hide_message_bubble {
            0
        } else {
            count
        };
        let _ = s.view.set_unread(s.locale, shown);
        let fire = s.fire.clone();
        drop(s);
        fire_raw(&fire, "unread", &JsValue::from(count));
    }

    fn submit(&self) {
        let text = {
            let s = self.state.borrow();
            s.view.input.value()
        };
        if text.trim().is_empty() {
            return;
        }
        self.state.borrow().view.input.set_value("");
        self.typing_stop();
        self.enqueue(&text);
    }

    /// Queues a visitor message (typed, or a card's postback) and sends it.
    fn enqueue(&self, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let text: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
        {
            let mut s = self.state.borrow_mut();
            s.local_seq += 1;
            let key = format!("local-{}", s.local_seq);
            let sending = s.locale.text(Text::Sending);
            let time = format_time(s.locale, (js_sys::Date::now() / 1000.0) as i64);
            let _ = s
                .view
                .upsert_message(&key, Author::Visitor, &text, &time, Some(sending));
            s.outbox.push_back((key, text));
        }
        self.pump();
    }

    /// Sends the outbox, one message at a time, in order; retries with backoff when the network
    /// or the platform fails in a way that can pass.
    fn pump(&self) {
        {
            let mut s = self.state.borrow_mut();
            if s.sending || s.outbox.is_empty() {
                return;
            }
            s.sending = true;
        }
        let w = self.clone();
        spawn_local(async move {
            loop {
                let next = w.state.borrow().outbox.front().cloned();
                let Some((key, text)) = next else { break };
                match w.send_message(&key, &text).await {
                    Ok(()) => {
                        {
                            let mut s = w.state.borrow_mut();
                            s.outbox.pop_front();
                            s.retry_ms = 1000;
                        }
                        w.start_live();
                    }
                    Err(e) if e.retryable() => {
                        let delay = {
                            let mut s = w.state.borrow_mut();
                            let d = s.retry_ms;
                            s.retry_ms = (s.retry_ms * 2).min(30_000);
                            let failed = s.locale.text(Text::SendFailed);
                            if let Some(li) = s.view.find_message(&key) {
                                li.class_list().add_1("failed").ok();
                                if let Some(meta) = li.last_element_child() {
                                    meta.set_text_content(Some(failed));
                                }
                            }
                            d
                        };
                        w.error(
                            "send",
                            &format!("message not sent yet, retrying in {delay} ms: {e}"),
                        );
                        w.state.borrow_mut().sending = false;
                        let again = w.clone();
                        after_ms(u64::from(delay), move || again.pump());
                        return;
                    }
                    Err(e) => {
                        w.error("send", &format!("message refused by the platform: {e}"));
                        w.state.borrow_mut().outbox.pop_front();
                    }
                }
            }
            w.state.borrow_mut().sending = false;
        });
    }

    async fn send_message(&self, key: &str, text: &str) -> Result<(), ApiError> {
        let cached = self.state.borrow().context.clone();
        let context = match cached {
            Some(c) => c,
            None => self
                .fresh_context()
                .await
                .map_err(|e| ApiError::Body(format!("{e:?}")))?,
        };
        let timestamp: String = js_sys::Date::new_0().to_string().into();
        let mut session = self.ensure_session().await?;
        let message = WidgetMessageInput {
            content: text.to_string(),
            reply_to: None,
            timestamp,
            referer_url: context.referer.clone(),
        };
        let existing = self.state.borrow().conversation.clone();
        match existing {
            None => {
                let (contact, custom_attributes) = {
                    let s = self.state.borrow();
                    (
                        WidgetContactInput {
                            name: Some(s.visitor.name.clone()).filter(|n| !n.is_empty()),
                            email: s.visitor.email.clone(),
                            phone_number: s.visitor.phone_number.clone(),
                        },
                        s.conversation
                            .as_ref()
                            .map(|c| c.custom_attributes.clone())
                            .unwrap_or_default(),
                    )
                };
                let request = CreateConversationRequest {
                    contact,
                    message,
                    custom_attributes,
                };
                let response = session.create_conversation(&request).await?;
                let first = response.messages.first().cloned().unwrap_or(WidgetMessage {
                    id: 0,
                    content: Some(text.to_string()),
                    message_type: 0,
                    content_type: "text".into(),
                    content_attributes: Value::Object(Map::new()),
                    created_at: (js_sys::Date::now() / 1000.0) as i64,
                    sender: None,
                    conversation_id: response.id,
                });
                let facts = {
                    let mut s = self.state.borrow_mut();
                    // The visitor already carries the session's ids (`ensure_session`, or the
                    // stored session at start).
                    s.session = session;
                    let facts = ConversationFacts {
                        id: response.id,
                        created_at: first.created_at,
                        status: serde_json::from_value(Value::String(response.status.clone()))
                            .unwrap_or_default(),
                        event_info: context.event_info(),
                        custom_attributes: response.custom_attributes.clone(),
                        labels: Vec::new(),
                    };
                    s.conversation = Some(facts.clone());
                    s.restored = true;
                    facts
                };
                self.render_message(&first, Some(key));
                let visitor = self.state.borrow().visitor.clone();
                self.deliver(&payloads::conversation_created(&visitor, &facts, &first));
                self.deliver(&payloads::message_event(&visitor, &facts, &first, false));
            }
            Some(mut facts) => {
                let sent = session
                    .create_message(&CreateMessageRequest { message })
                    .await?;
                if facts.event_info.referer.is_empty() {
                    facts.event_info = context.event_info();
                }
                self.render_message(&sent, Some(key));
                let visitor = self.state.borrow().visitor.clone();
                self.deliver(&payloads::message_event(&visitor, &facts, &sent, false));
            }
        }
        Ok(())
    }

    /// Records a payload, logs it in debug mode, fires `evolvy:event`, and hands it to the
    /// emitter for the configured webhooks (unless in dry-run).
    fn deliver(&self, event: &Event) {
        if self.state.borrow().dry_run {
            self.record(event, "dry-run", Vec::new());
            return;
        }
        let emitter = self.emitter();
        let (status, ids) = match &emitter {
            Some(emitter) => match emitter.emit_event(event) {
                ids if ids.is_empty() => ("built".to_string(), ids),
                ids => ("queued".to_string(), ids),
            },
            None => ("built".to_string(), Vec::new()),
        };
        self.record(event, &status, ids);
    }

    fn record(&self, event: &Event, status: &str, deliveries: Vec<String>) {
        let payload = event.to_value();
        let name = event.name().as_str().to_string();
        let debug = self.state.borrow().debug;
        if debug {
            let label = format!("evolvy ▸ {name} ({status})");
            web_sys::console::group_collapsed_1(&JsValue::from_str(&label));
            web_sys::console::log_1(&js_of(&payload));
            web_sys::console::log_1(&JsValue::from_str(
                &serde_json::to_string_pretty(&payload).unwrap_or_default(),
            ));
            web_sys::console::group_end();
        }
        self.fire(
            "event",
            &js_of(&json!({"name": name, "payload": payload, "status": status})),
        );
        let mut s = self.state.borrow_mut();
        s.history.push_back(HistoryEntry {
            name,
            payload,
            status: status.to_string(),
            deliveries,
            at: iso_now(),
            delivered: 0,
        });
        while s.history.len() > HISTORY_LIMIT {
            s.history.pop_front();
        }
    }

    /// The host page moved (SPA navigation): later payloads carry the new referer.
    pub fn navigate(&self, href: &str) {
        self.state.borrow_mut().host_href = href.to_string();
    }

    /// `$evolvy.<method>(...args)`; resolves with the method's result.
    pub async fn call(&self, method: &str, args: Vec<Value>) -> Result<Value, ModelError> {
        let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
        let str_arg = |i: usize, name: &str| -> Result<String, ModelError> {
            match arg(i) {
                Value::String(s) if !s.trim().is_empty() && s.len() <= 1024 => Ok(s),
                _ => Err(ModelError::new(
                    name,
                    "must be a non-empty string of at most 1024 bytes",
                )),
            }
        };
        let object_arg = |i: usize, name: &str| -> Result<Map<String, Value>, ModelError> {
            match arg(i) {
                Value::Object(m) => Ok(m),
                _ => Err(ModelError::new(name, "must be an object")),
            }
        };
        let bool_arg = |i: usize| -> Result<bool, ModelError> {
            match arg(i) {
                Value::Null => Ok(true),
                Value::Bool(b) => Ok(b),
                _ => Err(ModelError::new("enabled", "must be true or false")),
            }
        };
        match method {
            "toggle" => {
                let target = match arg(0) {
                    Value::Null => None,
                    Value::Bool(b) => Some(b),
                    Value::String(s) if s == "open" => Some(true),
                    Value::String(s) if s == "close" => Some(false),
                    Value::String(s) if s == "toggle" => None,
                    _ => {
                        return Err(ModelError::new(
                            "state",
                            "must be \"open\", \"close\" or a boolean",
                        ))
                    }
                };
                self.toggle(target);
                Ok(Value::Bool(self.state.borrow().open))
            }
            "setUser" => {
                let identifier = str_arg(0, "identifier")?;
                let user = match arg(1) {
                    Value::Null => Map::new(),
                    Value::Object(m) => m,
                    _ => return Err(ModelError::new("user", "must be an object")),
                };
                let field = |k: &str| -> Result<Option<String>, ModelError> {
                    match user.get(k) {
                        None | Some(Value::Null) => Ok(None),
                        Some(Value::String(s)) if s.len() <= 1024 => Ok(Some(s.clone())),
                        Some(_) => Err(ModelError::new(
                            format!("user.{k}"),
                            "must be a string of at most 1024 bytes",
                        )),
                    }
                };
                let (name, email, phone, avatar) = (
                    field("name")?,
                    field("email")?,
                    field("phone_number")?,
                    field("avatar_url")?,
                );
                if let Some(a) = &avatar {
                    if !(a.starts_with("https://") || a.starts_with("http://")) {
                        return Err(ModelError::new("user.avatar_url", "must be an http(s) URL"));
                    }
                }
                let mut s = self.state.borrow_mut();
                s.visitor.identifier = Some(identifier);
                if let Some(n) = name {
                    s.visitor.name = n;
                }
                if email.is_some() {
                    s.visitor.email = email;
                }
                if phone.is_some() {
                    s.visitor.phone_number = phone;
                }
                if let Some(a) = avatar {
                    s.visitor.avatar = a;
                }
                Ok(Value::Bool(true))
            }
            "setCustomAttributes" => {
                let attrs = object_arg(0, "customAttributes")?;
                self.state
                    .borrow_mut()
                    .visitor
                    .custom_attributes
                    .extend(attrs);
                Ok(Value::Bool(true))
            }
            "deleteCustomAttribute" => {
                let key = str_arg(0, "key")?;
                self.state
                    .borrow_mut()
                    .visitor
                    .custom_attributes
                    .remove(&key);
                Ok(Value::Bool(true))
            }
            "setConversationCustomAttributes" => {
                let attrs = object_arg(0, "customAttributes")?;
                let mut s = self.state.borrow_mut();
                if let Some(c) = &mut s.conversation {
                    c.custom_attributes.extend(attrs);
                }
                Ok(Value::Bool(true))
            }
            "setLabel" | "removeLabel" => {
                let label = str_arg(0, "label")?;
                let mut s = self.state.borrow_mut();
                if let Some(c) = &mut s.conversation {
                    c.labels.retain(|l| *l != label);
                    if method == "setLabel" {
                        c.labels.push(label);
                    }
                }
                Ok(Value::Bool(true))
            }
            "setLocale" => {
                let tag = str_arg(0, "locale")?;
                let locale = Locale::parse(&tag).ok_or_else(|| {
                    ModelError::new(
                        "locale",
                        format!("unsupported locale `{tag}`: use pt_BR, en or es"),
                    )
                })?;
                let mut s = self.state.borrow_mut();
                s.locale = locale;
                s.session.set_locale(locale.code());
                s.view
                    .set_locale(locale)
                    .map_err(|e| ModelError::new("locale", format!("{e:?}")))?;
                if let Some(t) = s.settings.launcher_title.clone().filter(|t| !t.is_empty()) {
                    s.view.title.set_text_content(Some(&t));
                }
                drop(s);
                self.show_assignee();
                let typist = self
                    .state
                    .borrow()
                    .thread
                    .typing(now_ms())
                    .map(str::to_string);
                if let Some(name) = typist {
                    self.effect(Effect::Typing(Some(name)), 0);
                }
                Ok(Value::String(locale.code().into()))
            }
            "reset" => {
                self.typing_stop();
                let mut s = self.state.borrow_mut();
                s.live.stop();
                if let (Some(key), Some(storage)) = (seq_key(&s.session), local_storage()) {
                    let _ = storage.remove_item(&key);
                }
                s.thread = Thread::new(0);
                clear_timer(s.agent_typing_timer.take());
                s.view.set_typing(None);
                s.view.set_subtitle(s.locale.text(Text::Subtitle));
                s.session.forget();
                s.session_pending = None;
                s.session_generation = s.session_generation.wrapping_add(1);
                s.visitor = Visitor::default();
                s.conversation = None;
                s.outbox.clear();
                s.restored = false;
                s.view.clear_messages();
                Ok(Value::Bool(true))
            }
            "debug" => {
                let on = bool_arg(0)?;
                self.state.borrow_mut().debug = on;
                Ok(Value::Bool(on))
            }
            "dryRun" => {
                let on = bool_arg(0)?;
                self.state.borrow_mut().dry_run = on;
                Ok(Value::Bool(on))
            }
            "context" => {
                let context = self
                    .fresh_context()
                    .await
                    .map_err(|e| ModelError::new("context", format!("{e:?}")))?;
                serde_json::to_value(&context)
                    .map_err(|e| ModelError::new("context", e.to_string()))
            }
            "history" => {
                let s = self.state.borrow();
                serde_json::to_value(&s.history)
                    .map_err(|e| ModelError::new("history", e.to_string()))
            }
            other => Err(ModelError::new(
                "method",
                format!("unknown method `{other}`"),
            )),
        }
    }
}

fn fire_raw(fire: &js_sys::Function, name: &str, detail: &JsValue) {
    if let Err(e) = fire.call2(&JsValue::UNDEFINED, &JsValue::from_str(name), detail) {
        web_sys::console::warn_2(
            &JsValue::from_str("evolvy-widget: event listener failed"),
            &e,
        );
    }
}

impl LiveHost for Widget {
    fn session(&self) -> Option<Session> {
        let s = self.state.borrow();
        s.session.has_token().then(|| s.session.clone())
    }

    fn after(&self) -> u64 {
        self.state.borrow().thread.last_seq()
    }

    fn frame(&self, frame: LiveFrame) {
        self.apply_frame(frame);
    }

    fn state(&self, state: &str, detail: u64) {
        if self.state.borrow().debug {
            web_sys::console::debug_1(&JsValue::from_str(&format!(
                "evolvy ▸ live stream {state} ({detail})"
            )));
        }
    }
}
