//! JS errors that name the offending field.

use wasm_bindgen::prelude::*;

use crate::model::ModelError;

/// A JS `Error` for a [`ModelError`]: `message` names the field, `field` holds its path.
pub fn model_error(err: &ModelError) -> JsValue {
    let js = js_sys::Error::new(&err.to_string());
    let _ = js_sys::Reflect::set(&js, &"field".into(), &JsValue::from_str(&err.path));
    js.into()
}

/// Converts a JS value to JSON for the pure core; `what` names the argument in the error.
pub(crate) fn from_js_json(value: JsValue, what: &str) -> Result<serde_json::Value, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(serde_json::Value::Null);
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        model_error(&ModelError::new(
            what,
            format!("must be a plain JSON-like object: {e}"),
        ))
    })
}
