//! The JavaScript-facing edge, exported with wasm-bindgen.

use wasm_bindgen::prelude::*;

/// The crate version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_string()
}

mod emitter;

pub use emitter::EvolvyEmitter;
