//! The JavaScript-facing edge, exported with wasm-bindgen.
//!
//! Every export validates its input and reports bad input as a thrown JS `Error` whose message names
//! the offending field (and whose `field` property holds the path); nothing here panics on input.

use wasm_bindgen::prelude::*;

mod context;
mod error;
#[cfg(feature = "sdk")]
mod model;
pub mod ua;
mod widget;

pub use error::model_error;

/// Runs once when the module is instantiated: routes Rust panics to the console and to an
/// `evolvy:error` window event (`detail: {kind: "panic", message}`) instead of a silent trap.
///
/// A panic also disables the module for good: its state may be half-updated, so from then on
/// every export returns (or rejects with) an `Error` saying so instead of touching it, timers and
/// fetch callbacks stop, and the widget's page (`www/widget.js`) hides the chat and tells the
/// host page. Only the first panic is logged and reported.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!("evolvy-widget: internal error (a bug, please report it): {info}");
        if !crate::web::events::mark_broken(&message) {
            return;
        }
        web_sys::console::error_1(&JsValue::from_str(&message));
        crate::web::events::dispatch_error("panic", &message);
    }));
}

/// `Err` with the "disabled" error once a panic has broken the module; every export calls it
/// first.
pub(crate) fn alive() -> Result<(), JsValue> {
    if crate::web::events::is_broken() {
        Err(crate::web::events::broken_error())
    } else {
        Ok(())
    }
}

/// A deliberate panic, for tests and for trying the failure path from devtools:
/// `evolvyDebugPanic("panic")`. Any other argument is refused without panicking.
///
/// Why an export rather than a hidden trigger: a panic is only ever a bug, so nothing else can
/// produce one on demand, and the end-to-end test must check what a real bug does (log once,
/// disable the module, hide the chat, tell the host page). This function does exactly that and
/// nothing more — it reads no state and changes none before panicking — and it must be called
/// explicitly with the word `"panic"`, so no stray call breaks a page. It lives in the widget's
/// module, inside the widget's own (cross-origin) iframe, so a host page's scripts cannot reach
/// it there; a page that embeds the npm package can only break its own copy.
#[wasm_bindgen(js_name = evolvyDebugPanic)]
pub fn debug_panic(confirm: &str) -> Result<(), JsValue> {
    alive()?;
    if confirm != "panic" {
        return Err(js_sys::Error::new(
            "evolvyDebugPanic: pass \"panic\" to panic on purpose (the module then disables itself)",
        )
        .into());
    }
    panic!("evolvyDebugPanic(\"panic\"): a deliberate panic");
}

/// The crate version, e.g. `"0.1.0"`.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_string()
}

/// Serializes `value` to a plain JS object (maps as objects, numbers as numbers).
pub(crate) fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("could not convert the result to JS: {e}")).into())
}

#[cfg(feature = "sdk")]
mod emitter;

#[cfg(feature = "sdk")]
pub use emitter::EvolvyEmitter;
