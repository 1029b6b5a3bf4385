//! `deriveBrowser` and the parser's diagnostics, for the web glue and benchmarks.

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::context::{self, hints::ClientHints};
use crate::model::BrowserInfo;

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("serialising the result: {e}")))
}

/// [`super::alive`] as a `JsError` (these exports predate it).
fn broken() -> Result<(), JsError> {
    super::alive().map_err(|e| {
        let message: String = e.unchecked_into::<js_sys::Error>().message().into();
        JsError::new(&message)
    })
}

/// Derives `{browser_name, browser_version, device_name, platform_name, platform_version}` from a
/// User-Agent string, corrected by the object `navigator.userAgentData.getHighEntropyValues(...)`
/// resolved to when given (`undefined`/`null` for none). A malformed hints object throws an
/// `Error` naming the offending field, e.g. `` `platformVersion`: invalid type ``.
#[wasm_bindgen(js_name = deriveBrowser)]
pub fn derive_browser(user_agent: &str, client_hints: JsValue) -> Result<JsValue, JsError> {
    broken()?;
    let hints: Option<ClientHints> = if client_hints.is_undefined() || client_hints.is_null() {
        None
    } else {
        if let Err(e) = super::error::check_depth(&client_hints, "clientHints") {
            let message: String = e.unchecked_into::<js_sys::Error>().message().into();
            return Err(JsError::new(&message));
        }
        let de = serde_wasm_bindgen::Deserializer::from(client_hints);
        let hints = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.inner().to_string();
            let inner = inner.strip_prefix("Error: ").unwrap_or(&inner);
            if path == "." {
                JsError::new(&format!("client hints: {inner}"))
            } else {
                JsError::new(&format!("client hints: `{path}`: {inner}"))
            }
        })?;
        Some(hints)
    };
    Ok(browser_to_js(&context::derive_browser(
        user_agent,
        hints.as_ref(),
    )))
}

/// The same object `to_js` gives for a [`BrowserInfo`], built directly: on a fresh page
/// `deriveBrowser` is usually the module's first call, and the generic serializer's code is
/// then compiled for five strings.
fn browser_to_js(b: &BrowserInfo) -> JsValue {
    // Destructured without `..`: a field added to BrowserInfo fails to compile here instead of
    // silently missing from `deriveBrowser`'s result.
    let BrowserInfo {
        browser_name,
        browser_version,
        device_name,
        platform_name,
        platform_version,
    } = b;
    let object = js_sys::Object::new();
    for (key, value) in [
        ("browser_name", browser_name),
        ("browser_version", browser_version),
        ("device_name", device_name),
        ("platform_name", platform_name),
        ("platform_version", platform_version),
    ] {
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object.into()
}

/// Counters of the User-Agent parser's caches: `{parsers_built, result_hits, result_misses,
/// results_cached}` (see `context::ua::CacheStats`).
#[wasm_bindgen(js_name = uaCacheStats)]
pub fn ua_cache_stats() -> Result<JsValue, JsError> {
    broken()?;
    to_js(&context::ua::cache_stats())
}

/// Empties the per-string result cache: lets a benchmark time the rule
/// path on user agents it has already derived.
#[wasm_bindgen(js_name = uaClearResultCache)]
pub fn ua_clear_result_cache() {
    if broken().is_err() {
        return;
    }
    context::ua::clear_result_cache();
}

/// The key of the embedded uap-core rules, for storage caches of derived results.
#[wasm_bindgen(js_name = uaRulesVersion)]
pub fn ua_rules_version() -> String {
    context::ua::RULES_VERSION.to_string()
}

/// Compiles the code and rules the most common user agents need (see `context::ua::warm_up`):
/// call it when the page is idle so a later `deriveBrowser` is fast.
#[wasm_bindgen(js_name = uaWarmUp)]
pub fn ua_warm_up() {
    if broken().is_err() {
        return;
    }
    context::ua::warm_up();
}
