//! `collectContext`: the visitor's context read from the live browser.

use wasm_bindgen::prelude::*;

use super::error::model_error;
use crate::model::ModelError;
use crate::web::collect::{collect, CollectOptions};

/// Reads the visitor's context from the live browser: `{browser, referer, widget_language,
/// browser_language, browser_language_tag, languages, initiated_at, timezone, user_agent,
/// client_hints, client_hints_status, derived_from_cache, derive_ms}`.
///
/// `options` (all optional): `{locale, hintsTimeoutMs, dropQuery, referer, cache}`.
#[wasm_bindgen(js_name = collectContext)]
pub async fn collect_context(options: JsValue) -> Result<JsValue, JsValue> {
    let options: CollectOptions = if options.is_undefined() || options.is_null() {
        CollectOptions::default()
    } else {
        serde_wasm_bindgen::from_value(options)
            .map_err(|e| model_error(&ModelError::new("options", e.to_string())))?
    };
    let context = collect(options).await?;
    super::to_js(&context)
}
