//! The emitter configuration: webhook subscriptions and the platform backend, validated.
//!
//! Validation never fails as a whole: every invalid entry becomes a [`ModelError`] naming it
//! (e.g. `webhooks[1].events[0]`), and the valid entries keep working.

use serde::Deserialize;
use serde_json::Value;

use super::policy::RetryPolicy;
use super::url::check_target_url;
use crate::model::{EventName, ModelError};

/// A webhook entry as configured (`{url, events, simple?}`), before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookInput {
    /// Receiver URL (https, or http on a loopback host).
    pub url: String,
    /// Event names to deliver, e.g. `["message_created"]`.
    #[serde(default)]
    pub events: Vec<String>,
    /// CORS-simple mode for this receiver (`text/plain` body, ids in the query string).
    #[serde(default)]
    pub simple: Option<bool>,
}

/// A validated webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Receiver URL.
    pub url: String,
    /// The events it receives (no duplicates).
    pub events: Vec<EventName>,
    /// CORS-simple mode: `text/plain` body, `no-cors` fetch, ids in the query string.
    pub simple: bool,
}

impl Subscription {
    /// Whether this subscription receives `event`.
    pub fn wants(&self, event: EventName) -> bool {
        self.events.contains(&event)
    }
}

/// The platform backend (Chatwoot-compatible widget API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformConfig {
    /// Base URL without a trailing slash, e.g. `https://chat.example.com`.
    pub base_url: String,
    /// The inbox's website token.
    pub website_token: String,
    /// The contact token sent as `X-Auth-Token`.
    pub auth_token: String,
    /// The widget locale, e.g. `pt_BR` (default `en`).
    pub locale: String,
}

/// A validated emitter configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct EmitterConfig {
    /// The platform backend, when configured and valid.
    pub platform: Option<PlatformConfig>,
    /// Valid webhook subscriptions.
    pub webhooks: Vec<Subscription>,
    /// Default of `simple` for webhooks that do not say.
    pub simple_default: bool,
    /// localStorage key prefix of the queue.
    pub storage_key: String,
    /// Queue bound: past it the oldest delivery is dropped (and reported).
    pub max_queue: usize,
    /// Retry policy.
    pub policy: RetryPolicy,
}

impl Default for EmitterConfig {
    fn default() -> Self {
        Self {
            platform: None,
            webhooks: Vec::new(),
            simple_default: false,
            storage_key: "evolvy:queue".into(),
            max_queue: 1000,
            policy: RetryPolicy::default(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    base_url: Option<Value>,
    website_token: Option<Value>,
    auth_token: Option<Value>,
    locale: Option<Value>,
    webhooks: Option<Value>,
    simple: Option<Value>,
    storage_key: Option<Value>,
    max_queue: Option<Value>,
    retry_base_ms: Option<Value>,
    retry_max_ms: Option<Value>,
    give_up_after_ms: Option<Value>,
    max_retry_after_ms: Option<Value>,
    timeout_ms: Option<Value>,
}

impl EmitterConfig {
    /// Validates a camelCase configuration object (`{baseUrl?, websiteToken?, authToken?, locale?,
    /// webhooks?: [{url, events, simple?}], simple?, storageKey?, maxQueue?, retryBaseMs?,
    /// retryMaxMs?, giveUpAfterMs?, maxRetryAfterMs?, timeoutMs?}`).
    ///
    /// Returns the usable configuration and one error per invalid entry.
    pub fn from_value(v: &Value) -> (Self, Vec<ModelError>) {
        let mut cfg = Self::default();
        let mut errs = Vec::new();
        let raw: RawConfig = match v {
            Value::Object(_) => match serde_json::from_value(v.clone()) {
                Ok(r) => r,
                Err(e) => {
                    errs.push(ModelError::new("", e.to_string()));
                    RawConfig::default()
                }
            },
            Value::Null => RawConfig::default(),
            _ => {
                errs.push(ModelError::new("", "configuration must be an object"));
                RawConfig::default()
            }
        };

        if let Some(b) = opt_bool(&raw.simple, "simple", &mut errs) {
            cfg.simple_default = b;
        }
        if let Some(s) = opt_str(&raw.storage_key, "storageKey", &mut errs) {
            if s.is_empty() {
                errs.push(ModelError::new("storageKey", "must not be empty"));
            } else {
                cfg.storage_key = s;
            }
        }
        if let Some(n) = opt_uint(&raw.max_queue, "maxQueue", 1, 100_000, &mut errs) {
            cfg.max_queue = n as usize;
        }
        let p = &mut cfg.policy;
        let day = 7 * 24 * 3_600_000;
        if let Some(n) = opt_uint(&raw.retry_base_ms, "retryBaseMs", 1, day, &mut errs) {
            p.base_ms = n;
        }
        if let Some(n) = opt_uint(&raw.retry_max_ms, "retryMaxMs", 1, day, &mut errs) {
            p.max_ms = n;
        }
        if let Some(n) = opt_uint(&raw.give_up_after_ms, "giveUpAfterMs", 1, day, &mut errs) {
            p.give_up_after_ms = n;
        }
        if let Some(n) = opt_uint(
            &raw.max_retry_after_ms,
            "maxRetryAfterMs",
            0,
            day,
            &mut errs,
        ) {
            p.max_retry_after_ms = n;
        }
        if let Some(n) = opt_uint(&raw.timeout_ms, "timeoutMs", 1, 600_000, &mut errs) {
            p.timeout_ms = n;
        }
        if p.max_ms < p.base_ms {
            p.max_ms = p.base_ms;
        }

        cfg.platform = platform(&raw, &mut errs);

        match &raw.webhooks {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (i, entry) in list.iter().enumerate() {
                    let path = format!("webhooks[{i}]");
                    let parsed = serde_json::from_value::<WebhookInput>(entry.clone())
                        .map_err(|e| ModelError::new(path.clone(), e.to_string()));
                    match parsed.and_then(|w| cfg.validate_webhook(&path, w)) {
                        Ok(s) => cfg.webhooks.push(s),
                        Err(e) => errs.push(e),
                    }
                }
            }
            Some(_) => errs.push(ModelError::new("webhooks", "must be an array")),
        }
        (cfg, errs)
    }

    /// Validates and adds one subscription (`subscribe(url, events)`).
    pub fn subscribe(&mut self, input: WebhookInput) -> Result<(), ModelError> {
        let path = format!("webhooks[{}]", self.webhooks.len());
        let s = self.validate_webhook(&path, input)?;
        self.webhooks.push(s);
        Ok(())
    }

    /// Whether at least one target (platform or webhook) is usable.
    pub fn has_target(&self) -> bool {
        self.platform.is_some() || !self.webhooks.is_empty()
    }

    fn validate_webhook(&self, path: &str, w: WebhookInput) -> Result<Subscription, ModelError> {
        check_target_url(&w.url).map_err(|m| ModelError::new(format!("{path}.url"), m))?;
        if let Some(j) = self.webhooks.iter().position(|s| s.url == w.url) {
            return Err(ModelError::new(
                format!("{path}.url"),
                format!(
                    "duplicate webhook `{}` (already webhooks[{j}]); list all its events in one entry",
                    w.url
                ),
            ));
        }
        if w.events.is_empty() {
            return Err(ModelError::new(
                format!("{path}.events"),
                format!("webhook `{}` subscribes to no event", w.url),
            ));
        }
        let mut events = Vec::with_capacity(w.events.len());
        for (k, name) in w.events.iter().enumerate() {
            let epath = format!("{path}.events[{k}]");
            let e: EventName = name
                .parse()
                .map_err(|e: ModelError| ModelError::new(epath.clone(), e.message))?;
            if events.contains(&e) {
                return Err(ModelError::new(epath, format!("duplicate event `{name}`")));
            }
            events.push(e);
        }
        Ok(Subscription {
            url: w.url,
            events,
            simple: w.simple.unwrap_or(self.simple_default),
        })
    }
}

fn platform(raw: &RawConfig, errs: &mut Vec<ModelError>) -> Option<PlatformConfig> {
    let base = opt_str(&raw.base_url, "baseUrl", errs);
    let token = opt_str(&raw.website_token, "websiteToken", errs);
    let auth = opt_str(&raw.auth_token, "authToken", errs);
    let locale = opt_str(&raw.locale, "locale", errs);
    let base = base?;
    let base = base.trim_end_matches('/').to_string();
    if let Err(m) = check_target_url(&base) {
        errs.push(ModelError::new("baseUrl", m));
        return None;
    }
    let mut ok = true;
    for (field, v) in [("websiteToken", &token), ("authToken", &auth)] {
        if v.as_deref().unwrap_or("").is_empty() {
            errs.push(ModelError::new(
                field,
                "is required when baseUrl is set; the platform backend is disabled",
            ));
            ok = false;
        }
    }
    ok.then(|| PlatformConfig {
        base_url: base,
        website_token: token.unwrap_or_default(),
        auth_token: auth.unwrap_or_default(),
        locale: locale
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| "en".into()),
    })
}

fn opt_str(v: &Option<Value>, path: &str, errs: &mut Vec<ModelError>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errs.push(ModelError::new(path, "must be a string"));
            None
        }
    }
}

fn opt_bool(v: &Option<Value>, path: &str, errs: &mut Vec<ModelError>) -> Option<bool> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            errs.push(ModelError::new(path, "must be a boolean"));
            None
        }
    }
}

fn opt_uint(
    v: &Option<Value>,
    path: &str,
    min: u64,
    max: u64,
    errs: &mut Vec<ModelError>,
) -> Option<u64> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f >= min as f64 && f <= max as f64 => Some(f as u64),
            _ => {
                errs.push(ModelError::new(
                    path,
                    format!("must be an integer from {min} to {max}"),
                ));
                None
            }
        },
        Some(_) => {
            errs.push(ModelError::new(path, "must be a number"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn valid_entries_survive_invalid_ones() {
        let (cfg, errs) = EmitterConfig::from_value(&json!({
            "webhooks": [
                {"url": "https://a.example/h", "events": ["message_created", "webwidget_triggered"]},
                {"url": "http://evil.example/h", "events": ["message_created"]},
                {"url": "https://b.example/h", "events": ["message_create"]},
                {"url": "https://a.example/h", "events": ["contact_created"]},
                {"url": "https://c.example/h", "events": ["contact_created", "contact_created"]},
                {"url": "https://d.example/h", "events": []},
                {"nope": 1},
                {"url": "http://127.0.0.1:9/h", "events": ["contact_updated"], "simple": true}
            ],
            "maxQueue": 5
        }));
        assert_eq!(cfg.webhooks.len(), 2);
        assert_eq!(cfg.webhooks[0].url, "https://a.example/h");
        assert!(cfg.webhooks[1].simple);
        assert_eq!(cfg.max_queue, 5);
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "webhooks[1].url",
                "webhooks[2].events[0]",
                "webhooks[3].url",
                "webhooks[4].events[1]",
                "webhooks[5].events",
                "webhooks[6]"
            ]
        );
        assert!(errs[1].message.contains("message_create"));
        assert!(errs[2].message.contains("duplicate"));
        assert!(cfg.has_target());
    }

    #[test]
    fn platform_needs_tokens_and_a_safe_url() {
        let (cfg, errs) = EmitterConfig::from_value(&json!({
            "baseUrl": "https://chat.example/", "websiteToken": "T", "authToken": "J"
        }));
        assert!(errs.is_empty(), "{errs:?}");
        let p = cfg.platform.unwrap();
        assert_eq!(p.base_url, "https://chat.example");
        assert_eq!(p.locale, "en");

        let (cfg, errs) = EmitterConfig::from_value(&json!({"baseUrl": "https://chat.example"}));
        assert!(cfg.platform.is_none());
        assert!(!cfg.has_target());
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].path, "websiteToken");

        let (cfg, errs) = EmitterConfig::from_value(
            &json!({"baseUrl": "http://chat.example", "websiteToken": "T", "authToken": "J"}),
        );
        assert!(cfg.platform.is_none());
        assert_eq!(errs[0].path, "baseUrl");
    }

    #[test]
    fn wrong_types_are_named() {
        let (cfg, errs) = EmitterConfig::from_value(
            &json!({"maxQueue": -1, "webhooks": {}, "timeoutMs": "x", "simple": 1}),
        );
        assert_eq!(cfg.max_queue, 1000);
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["simple", "maxQueue", "timeoutMs", "webhooks"]);
        let (_, errs) = EmitterConfig::from_value(&json!([1]));
        assert_eq!(errs.len(), 1);
    }

    #[test]
    fn subscribe_validates_like_the_config() {
        let mut cfg = EmitterConfig::default();
        assert!(cfg
            .subscribe(WebhookInput {
                url: "https://x.example".into(),
                events: vec!["message_created".into()],
                simple: None
            })
            .is_ok());
        let e = cfg
            .subscribe(WebhookInput {
                url: "https://x.example".into(),
                events: vec!["message_created".into()],
                simple: None,
            })
            .unwrap_err();
        assert_eq!(e.path, "webhooks[1].url");
        assert_eq!(cfg.webhooks.len(), 1);
    }
}
