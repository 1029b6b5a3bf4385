//! `Widget`: the chat widget in its iframe (driven by `www/widget.js`).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use super::error::{from_js_json, model_error};
use crate::model::ModelError;
use crate::widget::controller::{Widget as Controller, WidgetOptions};
use crate::widget::settings::Settings;

/// The chat widget: launcher, window, composer and the `$evolvy` calls.
#[wasm_bindgen]
pub struct Widget {
    controller: Controller,
}

fn string_field(config: &JsValue, name: &str) -> Result<String, JsValue> {
    js_sys::Reflect::get(config, &name.into())
        .ok()
        .and_then(|v| v.as_string())
        .ok_or_else(|| model_error(&ModelError::new(name, "must be a string")))
}

/// `window.evolvySettings` as the widget reads them.
fn parse_settings(settings: JsValue) -> Result<Settings, JsValue> {
    from_js_json(settings, "evolvySettings")
        .and_then(|v| Settings::from_value(v).map_err(|e| model_error(&e)))
}

/// Checks `window.evolvySettings` as `new Widget` reads them: throws the error the widget would
/// report (and then run with the defaults), else returns nothing. The widget's bootstrap calls it
/// one task before building the widget, so the browser compiles the settings code in a task of
/// its own and neither stays long on the page's main thread.
#[wasm_bindgen(js_name = checkWidgetSettings)]
pub fn check_widget_settings(settings: JsValue) -> Result<(), JsValue> {
    super::alive()?;
    parse_settings(settings).map(|_| ())
}

#[wasm_bindgen]
impl Widget {
    /// `new Widget({baseUrl, websiteToken, settings, hostHref, fire})`: builds the widget into this
    /// document. `fire(name, detail)` receives every event for the host page.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Widget, JsValue> {
        super::alive()?;
        if !config.is_object() {
            return Err(model_error(&ModelError::new("config", "must be an object")));
        }
        let base_url = string_field(&config, "baseUrl")?;
        let website_token = string_field(&config, "websiteToken")?;
        let host_href = string_field(&config, "hostHref").unwrap_or_default();
        let fire: js_sys::Function = js_sys::Reflect::get(&config, &"fire".into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| model_error(&ModelError::new("fire", "must be a function")))?;
        let settings_js =
            js_sys::Reflect::get(&config, &"settings".into()).unwrap_or(JsValue::NULL);
        // A bad setting must not take the chat down: report it and run with the defaults.
        let settings = match parse_settings(settings_js) {
            Ok(s) => s,
            Err(error) => {
                let message = js_sys::Reflect::get(&error, &"message".into())
                    .ok()
                    .and_then(|m| m.as_string())
                    .unwrap_or_default();
                let detail = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&detail, &"kind".into(), &"config".into());
                let _ = js_sys::Reflect::set(&detail, &"message".into(), &message.into());
                let _ = fire.call2(&JsValue::UNDEFINED, &"error".into(), &detail);
                Settings::default()
            }
        };
        let controller = Controller::new(WidgetOptions {
            base_url,
            website_token,
            settings,
            host_href,
            fire,
        })?;
        Ok(Widget { controller })
    }

    /// Opens (`true`), closes (`false`) or toggles (no argument) the chat window.
    pub fn toggle(&self, open: Option<bool>) {
        if super::alive().is_err() {
            return;
        }
        self.controller.toggle(open);
    }

    /// The host page navigated (single-page app): later payloads carry `href` as the referer.
    pub fn navigate(&self, href: &str) {
        if super::alive().is_err() {
            return;
        }
        self.controller.navigate(href);
    }

    /// Runs a `$evolvy` method with `args`; the promise resolves with its result or rejects with
    /// an `Error` naming the bad argument.
    pub fn call(&self, method: String, args: js_sys::Array) -> js_sys::Promise {
        if let Err(e) = super::alive() {
            return js_sys::Promise::reject(&e);
        }
        let controller = self.controller.clone();
        let args: Result<Vec<serde_json::Value>, JsValue> = args
            .iter()
            .enumerate()
            .map(|(i, a)| from_js_json(a, &format!("args[{i}]")))
            .collect();
        future_to_promise(async move {
            let args = args?;
            let value = controller
                .call(&method, args)
                .await
                .map_err(|e| model_error(&e))?;
            super::to_js(&value)
        })
    }
}
