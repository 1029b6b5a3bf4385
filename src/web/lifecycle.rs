//! Page lifecycle hooks: `pagehide`, `visibilitychange → hidden`, `pageshow`, `online`, `offline`.
//! (Never `unload`/`beforeunload`: they break the back/forward cache.)

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{EventTarget, VisibilityState};

/// What happened to the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageEvent {
    /// The tab was hidden (it may never come back).
    Hidden,
    /// The page is being unloaded or put into the back/forward cache.
    PageHide,
    /// The page came back from the back/forward cache.
    PageShowPersisted,
    /// The browser went online.
    Online,
    /// The browser went offline.
    Offline,
}

type Listener = (
    EventTarget,
    &'static str,
    Closure<dyn FnMut(web_sys::Event)>,
);

/// Keeps the listeners registered; dropping it removes them.
pub struct Hooks {
    listeners: Vec<Listener>,
}

impl Drop for Hooks {
    fn drop(&mut self) {
        for (t, name, cb) in &self.listeners {
            let _ = t.remove_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
        }
    }
}

/// Registers `on` for every [`PageEvent`].
pub fn install(on: impl Fn(PageEvent) + 'static) -> Option<Hooks> {
    let window = web_sys::window()?;
    let document = window.document()?;
    let on = std::rc::Rc::new(on);
    let mut listeners = Vec::new();
    let win: EventTarget = window.clone().into();
    let doc: EventTarget = document.clone().into();
    let specs: [(&EventTarget, &'static str); 5] = [
        (&win, "pagehide"),
        (&win, "pageshow"),
        (&win, "online"),
        (&win, "offline"),
        (&doc, "visibilitychange"),
    ];
    for (target, name) in specs {
        let on = on.clone();
        let document = document.clone();
        let cb = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let ev = match name {
                "pagehide" => Some(PageEvent::PageHide),
                "pageshow" => e
                    .dyn_ref::<web_sys::PageTransitionEvent>()
                    .filter(|p| p.persisted())
                    .map(|_| PageEvent::PageShowPersisted),
                "online" => Some(PageEvent::Online),
                "offline" => Some(PageEvent::Offline),
                _ => (document.visibility_state() == VisibilityState::Hidden)
                    .then_some(PageEvent::Hidden),
            };
            if let Some(ev) = ev {
                on(ev);
            }
        });
        target
            .add_event_listener_with_callback(name, cb.as_ref().unchecked_ref())
            .ok()?;
        listeners.push((target.clone(), name, cb));
    }
    Some(Hooks { listeners })
}
