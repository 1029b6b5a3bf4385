//! `EvolvyEmitter`: the JavaScript face of event delivery.

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::web::emitter::{to_js, Emitter};

fn js_error(msg: &str) -> JsValue {
    js_sys::Error::new(msg).into()
}

fn from_js(v: JsValue, what: &str) -> Result<Value, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(Value::Null);
    }
    super::error::check_depth(&v, what)?;
    serde_wasm_bindgen::from_value(v).map_err(|e| js_error(&format!("`{what}`: {e}")))
}

/// Delivers platform events to webhooks and to the platform's widget API, at least once.
///
/// ```js
/// const em = new EvolvyEmitter({webhooks: [{url: "https://hooks.example/evolvy", events: ["message_created"]}]});
/// em.on("failed", (d) => console.warn(d));
/// em.emit("message_created", {content: "hi"});
/// await em.flush();
/// ```
#[wasm_bindgen]
pub struct EvolvyEmitter {
    inner: Emitter,
}

#[wasm_bindgen]
impl EvolvyEmitter {
    /// Validates `config` (`{baseUrl?, websiteToken?, authToken?, locale?, webhooks?: [{url,
    /// events, simple?}], simple?, storageKey?, maxQueue?, retryBaseMs?, retryMaxMs?,
    /// giveUpAfterMs?, maxRetryAfterMs?, timeoutMs?}`) and starts delivering (including what an
    /// earlier page left queued). Throws when no target is valid; other invalid entries are
    /// reported (console.warn, `evolvy:error`, [`configErrors`](Self::config_errors)).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<EvolvyEmitter, JsValue> {
        super::alive()?;
        let cfg = from_js(config, "config")?;
        Emitter::new(&cfg)
            .map(|inner| EvolvyEmitter { inner })
            .map_err(|errs| {
                let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
                js_error(&format!("EvolvyEmitter: {}", text.join("; ")))
            })
    }

    /// Adds a webhook (`simple` for the CORS-simple mode). Throws on an invalid URL or event.
    pub fn subscribe(
        &self,
        url: String,
        events: Vec<String>,
        simple: Option<bool>,
    ) -> Result<(), JsValue> {
        super::alive()?;
        self.inner
            .subscribe(url, events, simple)
            .map_err(|e| js_error(&e.to_string()))
    }

    /// Queues event `name` built from `input`; returns the delivery ids (one per target).
    /// Throws on an unknown event name or an input that does not fit.
    pub fn emit(&self, name: &str, input: JsValue) -> Result<Vec<String>, JsValue> {
        super::alive()?;
        let input = from_js(input, "input")?;
        self.inner.emit(name, input).map_err(|e| js_error(&e))
    }

    /// Sends everything queued now; resolves with the number still queued afterwards.
    pub fn flush(&self) -> js_sys::Promise {
        if let Err(e) = super::alive() {
            return js_sys::Promise::reject(&e);
        }
        self.inner.flush()
    }

    /// Deliveries queued (including those in flight).
    pub fn pending(&self) -> u32 {
        if super::alive().is_err() {
            return 0;
        }
        self.inner.pending() as u32
    }

    /// Registers a callback for `"delivered"` or `"failed"`; it receives the detail object of
    /// the matching DOM event (`evolvy:delivered`, `evolvy:error`).
    pub fn on(&self, kind: &str, cb: js_sys::Function) -> Result<(), JsValue> {
        super::alive()?;
        self.inner.on(kind, cb).map_err(|e| js_error(&e))
    }

    /// Configuration errors so far: `[{path, message}]`.
    #[wasm_bindgen(js_name = configErrors)]
    pub fn config_errors(&self) -> JsValue {
        if super::alive().is_err() {
            return js_sys::Array::new().into();
        }
        let v: Vec<Value> = self
            .inner
            .config_errors()
            .iter()
            .map(|e| serde_json::json!({"path": e.path, "message": e.message}))
            .collect();
        to_js(&Value::Array(v))
    }
}
