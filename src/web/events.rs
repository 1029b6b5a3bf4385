//! `evolvy:*` window events.

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
