//! The JavaScript-facing edge, exported with wasm-bindgen.
//!
//! Every export validates its input and reports bad input as a thrown JS `Error` whose message names
//! the offending field (and whose `field` property holds the path); nothing here panics on input.

use wasm_bindgen::prelude::*;

mod context;
mod error;
mod model;
pub mod ua;
mod widget;

pub use error::model_error;

/// Runs once when the module is instantiated: routes Rust panics to the console and to an
/// `evolvy:error` window event instead of a silent trap.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!("evolvy-widget: internal error (a bug, please report it): {info}");
        web_sys::console::error_1(&JsValue::from_str(&message));
        crate::web::events::dispatch_error("panic", &message);
    }));
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

mod emitter;

pub use emitter::EvolvyEmitter;
