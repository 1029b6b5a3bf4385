//! Sending [`HttpRequest`]s: plain fetches through gloo-net (with a timeout), keepalive fetches
//! and `navigator.sendBeacon` for the moment the page goes away. Credentials are always omitted.

use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::{Method, Request, RequestBuilder, Response};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, RequestCredentials, ResponseType};

use crate::delivery::{HttpRequest, Outcome, RequestMode};

fn mode(m: RequestMode) -> web_sys::RequestMode {
    match m {
        RequestMode::Cors => web_sys::RequestMode::Cors,
        RequestMode::NoCors => web_sys::RequestMode::NoCors,
    }
}

async fn outcome(res: Result<Response, gloo_net::Error>, timed_out: bool) -> Outcome {
    match res {
        Ok(r) if r.type_() == ResponseType::Opaque => Outcome::Opaque,
        Ok(r) => {
            let status = r.status();
            let retry_after = r.headers().get("Retry-After");
            let body = r.text().await.unwrap_or_default();
            Outcome::Status {
                status,
                retry_after,
                body,
            }
        }
        Err(_) if timed_out => Outcome::Timeout,
        Err(e) => Outcome::Network(e.to_string()),
    }
}

/// Sends `req` and waits for its response, aborting after `timeout_ms`.
pub async fn send(req: &HttpRequest, timeout_ms: u64) -> Outcome {
    let controller = AbortController::new().ok();
    let mut b = RequestBuilder::new(&req.url)
        .method(Method::POST)
        .credentials(RequestCredentials::Omit)
        .mode(mode(req.mode))
        .abort_signal(controller.as_ref().map(|c| c.signal()).as_ref());
    for (k, v) in &req.headers {
        b = b.header(k, v);
    }
    let request = match b.body(req.body.as_str()) {
        Ok(r) => r,
        Err(e) => return Outcome::Network(e.to_string()),
    };
    let timed_out = Rc::new(Cell::new(false));
    let timer = controller.and_then(|c| {
        let flag = timed_out.clone();
        let cb = Closure::once_into_js(move || {
            flag.set(true);
            c.abort();
        });
        web_sys::window()?
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                cb.unchecked_ref(),
                timeout_ms.min(i32::MAX as u64) as i32,
            )
            .ok()
    });
    let res = request.send().await;
    if let (Some(t), Some(w)) = (timer, web_sys::window()) {
        w.clear_timeout_with_handle(t);
    }
    outcome(res, timed_out.get()).await
}

/// Starts a `fetch(..., {keepalive: true})` (it outlives the page) and returns its outcome
/// when (if) the page is still there to read it. A refusal (keepalive quota) is a network error.
pub async fn send_keepalive(req: &HttpRequest) -> Outcome {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_credentials(RequestCredentials::Omit);
    init.set_mode(mode(req.mode));
    init.set_body(&JsValue::from_str(&req.body));
    // web-sys 0.3.107 has no keepalive setter on RequestInit; the field is standard.
    let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
    let headers = match web_sys::Headers::new() {
        Ok(h) => h,
        Err(e) => return Outcome::Network(format!("{e:?}")),
    };
    for (k, v) in &req.headers {
        if headers.set(k, v).is_err() {
            return Outcome::Network(format!("invalid header `{k}`"));
        }
    }
    init.set_headers(&headers);
    let raw = match web_sys::Request::new_with_str_and_init(&req.url, &init) {
        Ok(r) => r,
        Err(e) => return Outcome::Network(format!("{e:?}")),
    };
    outcome(Request::from(raw).send().await, false).await
}

/// `navigator.sendBeacon(url, body)`: a string body goes as `text/plain;charset=UTF-8`, so it is
/// CORS-simple. Returns false when the browser refused it (quota, size).
pub fn beacon(req: &HttpRequest) -> bool {
    web_sys::window()
        .and_then(|w| {
            w.navigator()
                .send_beacon_with_opt_str(&req.url, Some(&req.body))
                .ok()
        })
        .unwrap_or(false)
}
