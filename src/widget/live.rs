//! The live stream (server-sent events through gloo-net's `EventSource`): a fresh single-use
//! ticket for every connection, `after=<highest applied seq>` so a reconnect or a reload resumes
//! without a gap, and on any error the stream is closed and opened again after an exponential
//! backoff with jitter (1 s → 30 s, reset after a successful open). What a frame means is decided
//! by [`super::thread::Thread`]; this module only moves frames.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::stream::{self, StreamExt};
use gloo_net::eventsource::futures::EventSource;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};

use super::session::Session;
use super::thread::Backoff;
use crate::model::widget_api::LiveFrame;

/// What the stream reports to its owner.
pub trait LiveHost: Clone + 'static {
    /// The session to authenticate with (None: no contact yet, the stream stops).
    fn session(&self) -> Option<Session>;
    /// The highest `seq` applied so far.
    fn after(&self) -> u64;
    /// A frame arrived.
    fn frame(&self, frame: LiveFrame);
    /// `"open"`, `"reconnecting"` (with the delay in ms) or `"stopped"`, for logs and tests.
    fn state(&self, state: &str, detail: u64);
}

#[derive(Default)]
struct Inner {
    generation: u32,
    running: bool,
    source: Option<EventSource>,
}

/// Handle of the live stream (cheap to clone).
#[derive(Clone, Default)]
pub struct Live {
    inner: Rc<RefCell<Inner>>,
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.min(i32::MAX as u64) as i32,
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}

impl Live {
    /// Whether the stream is running (connected or reconnecting).
    pub fn running(&self) -> bool {
        self.inner.borrow().running
    }

    /// Starts the stream unless it runs already.
    pub fn start<H: LiveHost>(&self, host: H) {
        let generation = {
            let mut i = self.inner.borrow_mut();
            if i.running {
                return;
            }
            i.running = true;
            i.generation = i.generation.wrapping_add(1);
            i.generation
        };
        let live = self.clone();
        spawn_local(async move { live.run(host, generation).await });
    }

    /// Stops the stream and closes the connection (reset, page hidden for good).
    pub fn stop(&self) {
        let source = {
            let mut i = self.inner.borrow_mut();
            i.generation = i.generation.wrapping_add(1);
            i.running = false;
            i.source.take()
        };
        // Dropping closes it; its subscriptions wake up with an error and see they are stale.
        drop(source);
    }

    fn current(&self, generation: u32) -> bool {
        let i = self.inner.borrow();
        i.running && i.generation == generation
    }

    async fn run<H: LiveHost>(&self, host: H, generation: u32) {
        let mut backoff = Backoff::default();
        loop {
            if !self.current(generation) {
                return;
            }
            let Some(session) = host.session() else {
                self.inner.borrow_mut().running = false;
                host.state("stopped", 0);
                return;
            };
            if let Err(e) = self
                .connect(&host, &session, generation, &mut backoff)
                .await
            {
                web_sys::console::debug_1(&JsValue::from_str(&format!(
                    "evolvy-widget: live stream: {e}"
                )));
            }
            if !self.current(generation) {
                return;
            }
            let delay = backoff.next_delay(js_sys::Math::random());
            host.state("reconnecting", delay);
            sleep(delay).await;
        }
    }

    /// One connection: ticket, open, frames until an error. Returns when it is over.
    async fn connect<H: LiveHost>(
        &self,
        host: &H,
        session: &Session,
        generation: u32,
        backoff: &mut Backoff,
    ) -> Result<(), String> {
        let ticket = session.stream_ticket().await.map_err(|e| e.to_string())?;
        if !self.current(generation) {
            return Ok(());
        }
        let url = session.stream_url(&ticket.ticket, host.after());
        let mut source = EventSource::new(&url).map_err(|e| e.to_string())?;
        let subscribe = |source: &mut EventSource, kind: &str| {
            source.subscribe(kind).map_err(|e| e.to_string())
        };
        let opened = subscribe(&mut source, "open")?;
        let frames = subscribe(&mut source, "message")?;
        // Every `error` event, including the browser's own reconnect attempts (which gloo's
        // message streams ignore while the state is CONNECTING): we reconnect ourselves, with
        // a fresh ticket and our own backoff.
        let errors = subscribe(&mut source, "error")?;
        self.inner.borrow_mut().source = Some(source);
        let mut events = stream::select(opened, stream::select(frames, errors));
        while let Some(item) = events.next().await {
            if !self.current(generation) {
                return Ok(());
            }
            let (kind, event) = match item {
                Ok(x) => x,
                Err(e) => return Err(e.to_string()),
            };
            match kind.as_str() {
                "open" => {
                    backoff.reset();
                    host.state("open", host.after());
                }
                "message" => {
                    let Some(data) = event.data().as_string() else {
                        continue;
                    };
                    match serde_json::from_str::<LiveFrame>(&data) {
                        Ok(frame) => host.frame(frame),
                        Err(e) => web_sys::console::warn_1(&JsValue::from_str(&format!(
                            "evolvy-widget: unreadable live frame ({e})"
                        ))),
                    }
                }
                _ => break,
            }
        }
        drop(events);
        let source = self.inner.borrow_mut().source.take();
        drop(source);
        Err("connection lost".into())
    }
}
