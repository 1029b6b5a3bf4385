//! `collectContext`: the visitor's context read from the live browser.

use wasm_bindgen::prelude::*;

use super::error::model_error;
use crate::model::BrowserInfo;
use crate::model::ModelError;
use crate::web::collect::{collect, hints_key, prime_cache, CollectOptions};

/// Reads the visitor's context from the live browser: `{browser, referer, widget_language,
/// browser_language, browser_language_tag, languages, initiated_at, timezone, user_agent,
/// client_hints, client_hints_status, derived_from_cache, derive_ms}`.
///
/// `options` (all optional): `{locale, hintsTimeoutMs, dropQuery, referer, cache}`.
#[wasm_bindgen(js_name = collectContext)]
pub async fn collect_context(options: JsValue) -> Result<JsValue, JsValue> {
    super::alive()?;
    let options: CollectOptions = if options.is_undefined() || options.is_null() {
        CollectOptions::default()
    } else {
        super::error::check_depth(&options, "options")?;
        serde_wasm_bindgen::from_value(options)
            .map_err(|e| model_error(&ModelError::new("options", e.to_string())))?
    };
    let context = collect(options).await?;
    super::to_js(&context)
}

/// Stores a browser derived elsewhere (e.g. by `deriveBrowser` in a Worker, off the main thread)
/// for `collectContext` to find: `clientHints` must be the object `getHighEntropyValues` gave.
#[wasm_bindgen(js_name = primeContextCache)]
pub fn prime_context_cache(
    user_agent: &str,
    client_hints: JsValue,
    browser: JsValue,
) -> Result<(), JsValue> {
    super::alive()?;
    super::error::from_js_json(client_hints.clone(), "clientHints")?;
    let key = hints_key(&client_hints);
    super::error::check_depth(&browser, "browser")?;
    let browser: BrowserInfo = serde_wasm_bindgen::from_value(browser)
        .map_err(|e| model_error(&ModelError::new("browser", e.to_string())))?;
    prime_cache(user_agent, &key, &browser);
    Ok(())
}
