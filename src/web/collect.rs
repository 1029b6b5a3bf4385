//! Collects the visitor's context from the live browser: User-Agent (+ Client Hints), languages,
//! referer, when the chat was initiated and the timezone.
//!
//! The UA derivation result is cached in `localStorage` per (UA string, hints, rules version), so a
//! later page load answers in well under a millisecond.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::context::{self, hints::ClientHints};
use crate::model::{BrowserInfo, EventInfo, InitiatedAt};

/// The high-entropy Client Hints asked for.
pub const HINTS_ASKED: [&str; 5] = [
    "platformVersion",
    "model",
    "fullVersionList",
    "architecture",
    "bitness",
];

const CACHE_KEY: &str = "evolvy:ua-cache";

/// What `collectContext` accepts (all optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CollectOptions {
    /// The widget's locale (reported as `widget_language`); default `"en"`.
    pub locale: Option<String>,
    /// How long to wait for Client Hints before falling back to the UA string (ms, default 250,
    /// at most 5000).
    pub hints_timeout_ms: Option<u32>,
    /// Drop the referer's query string and fragment (privacy option).
    pub drop_query: bool,
    /// The host page URL when it is not this document's (the widget's iframe gets it from the loader).
    pub referer: Option<String>,
    /// Use and fill the derivation cache in localStorage (default true).
    pub cache: Option<bool>,
}

/// Everything collected about the visitor.
#[derive(Debug, Clone, Serialize)]
pub struct VisitorContext {
    /// Browser, platform and device.
    pub browser: BrowserInfo,
    /// The host page's URL: http(s) only, at most 1500 characters; `""` otherwise.
    pub referer: String,
    /// The widget's locale.
    pub widget_language: String,
    /// Primary language subtag of `navigator.language`, e.g. `"pt"`.
    pub browser_language: String,
    /// The full `navigator.language` tag, e.g. `"pt-BR"`.
    pub browser_language_tag: String,
    /// `navigator.languages`.
    pub languages: Vec<String>,
    /// Now, in the JS `Date.toString()` form.
    pub initiated_at: InitiatedAt,
    /// IANA timezone, e.g. `"America/Sao_Paulo"`.
    pub timezone: String,
    /// `navigator.userAgent`.
    pub user_agent: String,
    /// The raw high-entropy Client Hints, when the browser gave them.
    pub client_hints: Option<Value>,
    /// `"ok"`, `"unavailable"` (no `navigator.userAgentData`), `"timeout"` or `"error"`.
    pub client_hints_status: &'static str,
    /// Whether the browser fields came from the localStorage cache.
    pub derived_from_cache: bool,
    /// Milliseconds spent deriving the browser fields (cache lookup included).
    pub derive_ms: f64,
}

impl VisitorContext {
    /// The `event_info` of webwidget_triggered.
    pub fn event_info(&self) -> EventInfo {
        EventInfo {
            initiated_at: self.initiated_at.clone(),
            referer: self.referer.clone(),
            widget_language: self.widget_language.clone(),
            browser_language: self.browser_language.clone(),
            browser: self.browser.clone(),
        }
    }
}

/// The cache entry's fields, in order: a format marker, the rules version, the UA string, the
/// hints key, then the five [`BrowserInfo`] fields, joined by this separator. Plain text, not
/// JSON: a later page load reads it before anything else in the module has run, and splitting a
/// string costs far less to compile and run cold than a JSON parser.
const CACHE_SEP: char = '\u{1f}';
const CACHE_FORMAT: &str = "2";

/// A cached derivation for `user_agent` and `hints_key` in `text`, if it is one.
///
/// Written as plain loops over bytes: every distinct function a later page load's hit calls
/// (an iterator adapter, a closure, `from_utf8`, a slice comparison) is one more the browser
/// compiles lazily before answering, at ~20 µs apiece; these loops compile with `collect`.
#[inline(always)]
fn cached_browser(text: &str, user_agent: &str, hints_key: &str) -> Option<BrowserInfo> {
    const FIELDS: usize = 9;
    let bytes = text.as_bytes();
    // Each field's (start, end): the separator is ASCII, so every one is whole UTF-8.
    let mut bounds = [(0usize, 0usize); FIELDS];
    let (mut count, mut start, mut i) = (0, 0, 0);
    while i <= bytes.len() {
        if i == bytes.len() || bytes[i] == CACHE_SEP as u8 {
            if count == FIELDS {
                return None;
            }
            bounds[count] = (start, i);
            count += 1;
            start = i + 1;
        }
        i += 1;
    }
    if count != FIELDS {
        return None;
    }
    let expected = [
        CACHE_FORMAT.as_bytes(),
        cache_version().as_bytes(),
        user_agent.as_bytes(),
        hints_key.as_bytes(),
    ];
    let mut f = 0;
    while f < expected.len() {
        let ((start, end), want) = (bounds[f], expected[f]);
        if end - start != want.len() {
            return None;
        }
        let mut i = 0;
        while i < want.len() {
            if bytes[start + i] != want[i] {
                return None;
            }
            i += 1;
        }
        f += 1;
    }
    macro_rules! field {
        ($i:expr) => {
            String::from(text.get(bounds[$i].0..bounds[$i].1)?)
        };
    }
    Some(BrowserInfo {
        browser_name: field!(4),
        browser_version: field!(5),
        device_name: field!(6),
        platform_name: field!(7),
        platform_version: field!(8),
    })
}

/// The cache text of a derivation; `None` when a field holds the separator (nothing is cached).
fn cache_text(user_agent: &str, hints_key: &str, b: &BrowserInfo) -> Option<String> {
    let fields = [
        CACHE_FORMAT,
        cache_version(),
        user_agent,
        hints_key,
        &b.browser_name,
        &b.browser_version,
        &b.device_name,
        &b.platform_name,
        &b.platform_version,
    ];
    if fields.iter().any(|f| f.contains(CACHE_SEP)) {
        return None;
    }
    Some(fields.join(&CACHE_SEP.to_string()))
}

/// The cache key of a hints object: its JSON text as the browser writes it (`JSON.stringify`,
/// the property order `getHighEntropyValues` gave); `""` without hints.
pub fn hints_key(hints: &JsValue) -> String {
    if hints.is_undefined() || hints.is_null() {
        return String::new();
    }
    js_sys::JSON::stringify(hints)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

fn window() -> Result<web_sys::Window, JsValue> {
    web_sys::window().ok_or_else(|| JsError::new("evolvy-widget: no window (not a page?)").into())
}

/// Reads the context from the live browser.
pub async fn collect(options: CollectOptions) -> Result<VisitorContext, JsValue> {
    let window = window()?;
    let navigator = window.navigator();
    let user_agent = navigator.user_agent().unwrap_or_default();
    let timeout = options.hints_timeout_ms.unwrap_or(250).min(5000);
    let (raw_hints, client_hints_status) = read_client_hints(&window, timeout).await;
    let key = raw_hints.as_ref().map(hints_key).unwrap_or_default();
    let client_hints = raw_hints.and_then(|v| serde_wasm_bindgen::from_value::<Value>(v).ok());

    let started = now_ms(&window);
    let use_cache = options.cache.unwrap_or(true);
    let (browser, derived_from_cache) =
        derive_cached(&window, &user_agent, client_hints.as_ref(), &key, use_cache);
    let derive_ms = now_ms(&window) - started;

    let browser_language_tag = navigator.language().unwrap_or_default();
    let languages = navigator
        .languages()
        .iter()
        .filter_map(|l| l.as_string())
        .collect();
    let href = match options.referer {
        Some(r) => r,
        None => window.location().href().unwrap_or_default(),
    };
    Ok(VisitorContext {
        browser,
        referer: context::referer::sanitize_referer(&href, options.drop_query).unwrap_or_default(),
        widget_language: options
            .locale
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| "en".to_string()),
        browser_language: context::locale::browser_language(&browser_language_tag),
        browser_language_tag,
        languages,
        initiated_at: InitiatedAt {
            timestamp: js_sys::Date::new_0().to_string().into(),
        },
        timezone: timezone(),
        user_agent,
        client_hints,
        client_hints_status,
        derived_from_cache,
        derive_ms,
    })
}

fn now_ms(window: &web_sys::Window) -> f64 {
    window.performance().map(|p| p.now()).unwrap_or_default()
}

fn timezone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// What a cached derivation depends on: the rules and this crate's derivation code.
fn cache_version() -> &'static str {
    context::ua::DERIVATION_VERSION
}

/// Derives the browser fields, through the localStorage cache when allowed.
///
/// The hit path is inlined into [`collect`] (compiled by the browser when `collect` starts) and
/// the miss path kept out of line: every distinct function a later page load's hit calls is one
/// more for the browser to compile lazily, at ~10 µs apiece.
#[inline(always)]
fn derive_cached(
    window: &web_sys::Window,
    user_agent: &str,
    raw_hints: Option<&Value>,
    hints_key: &str,
    use_cache: bool,
) -> (BrowserInfo, bool) {
    if use_cache {
        if let Some(browser) = read_cache_entry(user_agent, hints_key) {
            return (browser, true);
        }
    }
    (
        derive_and_store(window, use_cache, user_agent, raw_hints, hints_key),
        false,
    )
}

#[wasm_bindgen]
extern "C" {
    /// `localStorage.getItem(key)` in one call (no `Storage` object crossing into wasm): `Err`
    /// where storage is blocked or absent.
    #[wasm_bindgen(catch, js_namespace = localStorage, js_name = getItem)]
    fn local_storage_get_item(key: &str) -> Result<Option<String>, JsValue>;
}

/// The cache entry for `user_agent` and `hints_key`, if storage has it.
#[inline(always)]
fn read_cache_entry(user_agent: &str, hints_key: &str) -> Option<BrowserInfo> {
    match local_storage_get_item(CACHE_KEY) {
        Ok(Some(text)) => cached_browser(&text, user_agent, hints_key),
        _ => None,
    }
}

/// The cache miss path: derives, then stores the result when `use_cache` and storage allow.
#[inline(never)]
fn derive_and_store(
    window: &web_sys::Window,
    use_cache: bool,
    user_agent: &str,
    raw_hints: Option<&Value>,
    hints_key: &str,
) -> BrowserInfo {
    let hints: Option<ClientHints> = raw_hints.and_then(|h| serde_json::from_value(h.clone()).ok());
    let browser = context::derive_browser(user_agent, hints.as_ref());
    if use_cache {
        if let Ok(Some(storage)) = window.local_storage() {
            store_cache_entry(&storage, user_agent, hints_key, &browser);
        }
    }
    browser
}

fn store_cache_entry(
    storage: &web_sys::Storage,
    user_agent: &str,
    hints_key: &str,
    browser: &BrowserInfo,
) {
    if let Some(text) = cache_text(user_agent, hints_key, browser) {
        // A full or blocked storage only costs the next page load a derivation.
        let _ = storage.set_item(CACHE_KEY, &text);
    }
}

/// Stores a derivation made elsewhere (the widget derives in a Worker, off the main thread), so
/// that the next [`collect`] with the same UA and hints is a cache hit.
/// `hints_key` is [`hints_key`] of the hints the derivation used.
pub fn prime_cache(user_agent: &str, hints_key: &str, browser: &BrowserInfo) {
    let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return;
    };
    store_cache_entry(&storage, user_agent, hints_key, browser);
}

/// Asks `navigator.userAgentData.getHighEntropyValues` with a bounded wait.
async fn read_client_hints(
    window: &web_sys::Window,
    timeout_ms: u32,
) -> (Option<JsValue>, &'static str) {
    let navigator = window.navigator();
    let Ok(uad) = js_sys::Reflect::get(&navigator, &"userAgentData".into()) else {
        return (None, "unavailable");
    };
    if uad.is_undefined() || uad.is_null() {
        return (None, "unavailable");
    }
    let Some(get) = js_sys::Reflect::get(&uad, &"getHighEntropyValues".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return (None, "unavailable");
    };
    let asked: js_sys::Array = HINTS_ASKED.iter().map(|h| JsValue::from_str(h)).collect();
    let Some(promise) = get
        .call1(&uad, &asked)
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
    else {
        return (None, "error");
    };
    let win = window.clone();
    let timer = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ =
            win.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, timeout_ms as i32);
    });
    let race = js_sys::Promise::race(&js_sys::Array::of2(&promise, &timer));
    match JsFuture::from(race).await {
        Ok(v) if v.is_undefined() => (None, "timeout"),
        Ok(v) if v.is_object() => (Some(v), "ok"),
        _ => (None, "error"),
    }
}
