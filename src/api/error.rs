//! JS errors that name the offending field.

use wasm_bindgen::prelude::*;

use wasm_bindgen::JsCast;

use crate::model::{ModelError, MAX_DEPTH};

/// A JS `Error` for a [`ModelError`]: `message` names the field, `field` holds its path.
pub fn model_error(err: &ModelError) -> JsValue {
    let js = js_sys::Error::new(&err.to_string());
    let _ = js_sys::Reflect::set(&js, &"field".into(), &JsValue::from_str(&err.path));
    js.into()
}

/// The most JS values [`check_depth`] looks at before giving up on an input.
const MAX_NODES: usize = 1_000_000;

/// Refuses a JS value nested deeper than the model accepts ([`MAX_DEPTH`]) — or cyclic — before
/// any recursive conversion sees it: converting it would overflow the wasm stack and kill the
/// module. Walks iteratively.
pub(crate) fn check_depth(value: &JsValue, what: &str) -> Result<(), JsValue> {
    let mut stack = vec![(value.clone(), 1usize)];
    let mut seen = 0usize;
    while let Some((v, depth)) = stack.pop() {
        if !v.is_object() {
            continue;
        }
        seen += 1;
        if depth > MAX_DEPTH || seen > MAX_NODES {
            return Err(model_error(&ModelError::new(
                what,
                format!("nested deeper than {MAX_DEPTH} levels, cyclic, or larger than {MAX_NODES} values"),
            )));
        }
        let children = js_sys::Object::values(v.unchecked_ref());
        stack.extend(
            children
                .iter()
                .filter(JsValue::is_object)
                .map(|c| (c, depth + 1)),
        );
    }
    Ok(())
}

/// Converts a JS value to JSON for the pure core; `what` names the argument in the error.
pub(crate) fn from_js_json(value: JsValue, what: &str) -> Result<serde_json::Value, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(serde_json::Value::Null);
    }
    check_depth(&value, what)?;
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        model_error(&ModelError::new(
            what,
            format!("must be a plain JSON-like object: {e}"),
        ))
    })
}
