//! `buildEvent` and `eventNames`: the payload model at the JS edge.

use wasm_bindgen::prelude::*;

use super::error::{from_js_json, model_error};
use crate::model::{build_event, EventName};

/// Builds the webhook payload of event `name` from `input` (the event's attributes; for
/// `conversation_updated` and `conversation_status_changed`, `{previous, current}`), validating it and
/// filling defaults. Returns the payload as a plain object with `event` first.
///
/// Throws an `Error` whose message names the offending field (and whose `field` property is its path).
#[wasm_bindgen(js_name = buildEvent)]
pub fn build_event_js(name: &str, input: JsValue) -> Result<JsValue, JsValue> {
    super::alive()?;
    let input = from_js_json(input, "input")?;
    let event = build_event(name, input).map_err(|e| model_error(&e))?;
    super::to_js(&event.to_value())
}

/// Every event name `buildEvent` accepts.
#[wasm_bindgen(js_name = eventNames)]
pub fn event_names() -> Vec<String> {
    EventName::ALL
        .iter()
        .map(|n| n.as_str().to_string())
        .collect()
}
