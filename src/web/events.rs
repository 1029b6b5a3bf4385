//! `evolvy:*` window events, and the module's broken state after a panic.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::JsValue;

/// Dispatches `CustomEvent(name, {detail})` on `window`; silently does nothing outside a window.
pub fn dispatch(name: &str, detail: &JsValue) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let init = web_sys::CustomEventInit::new();
    init.set_detail(detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = window.dispatch_event(&event);
    }
}

/// Dispatches `evolvy:error` with `detail = {kind, message}`.
pub fn dispatch_error(kind: &str, message: &str) {
    let detail = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&detail, &"kind".into(), &kind.into());
    let _ = js_sys::Reflect::set(&detail, &"message".into(), &message.into());
    dispatch("evolvy:error", &detail);
}

/// Set by the panic hook: from then on no export touches the module's state, which a panic may
/// have left half-updated (a `RefCell` still borrowed, a queue mid-change).
static BROKEN: AtomicBool = AtomicBool::new(false);

thread_local! {
    static BROKEN_MESSAGE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Marks the module broken after a panic with `message`. Returns `false` when it already was
/// (a panic while handling a panic, or a later one): the caller reports only the first.
pub fn mark_broken(message: &str) -> bool {
    if BROKEN.swap(true, Ordering::SeqCst) {
        return false;
    }
    BROKEN_MESSAGE.with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            *m = message.to_string();
        }
    });
    true
}

/// Whether a panic has disabled the module.
pub fn is_broken() -> bool {
    BROKEN.load(Ordering::SeqCst)
}

/// The error every export returns once the module is broken: an `Error` whose `message` says so
/// (with the first panic's message) and whose `kind` property is `"panic"`.
pub fn broken_error() -> JsValue {
    let first = BROKEN_MESSAGE.with(|m| m.try_borrow().map(|m| m.clone()).unwrap_or_default());
    let err = js_sys::Error::new(&format!(
        "evolvy-widget is disabled after an internal error; reload the page to start it again ({first})"
    ));
    let _ = js_sys::Reflect::set(&err, &"kind".into(), &"panic".into());
    err.into()
}
