//! `window.evolvySettings`: what a site owner can configure, validated (pure, tested natively).

use serde::Deserialize;
use serde_json::Value;

use crate::model::ModelError;

/// Where the launcher sits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    /// Bottom right (default).
    #[default]
    Right,
    /// Bottom left.
    Left,
}

/// Colour scheme of the chat window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DarkMode {
    /// Always light (default, as on the platform).
    #[default]
    Light,
    /// Follows the visitor's system preference.
    Auto,
    /// Always dark.
    Dark,
}

/// One webhook as configured on the page: `{url, events, simple?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WebhookSetting {
    /// Where events are POSTed.
    pub url: String,
    /// Event names it subscribes to.
    pub events: Vec<String>,
    /// CORS-simple mode (text/plain body, ids in the query string) for receivers without CORS.
    #[serde(default)]
    pub simple: bool,
}

/// `window.evolvySettings` (camelCase keys; unknown keys are ignored, as the platform does).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// UI locale (`pt_BR`, `en`, `es`); else the browser's language, else English.
    pub locale: Option<String>,
    /// Launcher position.
    pub position: Position,
    /// Launcher label and window title override.
    pub launcher_title: Option<String>,
    /// Hide the unread bubble on the launcher.
    pub hide_message_bubble: bool,
    /// Colour scheme.
    pub dark_mode: DarkMode,
    /// Webhooks the browser delivers events to, besides the platform.
    pub webhooks: Vec<WebhookSetting>,
    /// Log every payload to the console (`$evolvy.debug(true)` at runtime).
    pub debug: bool,
    /// Build payloads without sending them (`$evolvy.dryRun(true)` at runtime).
    pub dry_run: bool,
    /// Drop the referer's query string and fragment before sending it.
    pub drop_referer_query: bool,
}

/// The most webhooks a page may configure.
pub const MAX_WEBHOOKS: usize = 20;
/// The longest launcher title kept.
pub const MAX_TITLE_CHARS: usize = 80;

impl Settings {
    /// Parses `evolvySettings`; `null`/absent gives the defaults. The error names the field.
    pub fn from_value(value: Value) -> Result<Settings, ModelError> {
        if value.is_null() {
            return Ok(Settings::default());
        }
        if !value.is_object() {
            return Err(ModelError::new("evolvySettings", "must be an object"));
        }
        let mut settings: Settings = serde_path_to_error::deserialize(value).map_err(|e| {
            ModelError::new(
                format!("evolvySettings.{}", e.path()),
                e.inner().to_string(),
            )
        })?;
        if settings.webhooks.len() > MAX_WEBHOOKS {
            return Err(ModelError::new(
                "evolvySettings.webhooks",
                format!("at most {MAX_WEBHOOKS} webhooks"),
            ));
        }
        if let Some(title) = &mut settings.launcher_title {
            *title = title.trim().chars().take(MAX_TITLE_CHARS).collect();
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_camel_case_keys() {
        assert_eq!(
            Settings::from_value(Value::Null).unwrap(),
            Settings::default()
        );
        let s = Settings::from_value(json!({
            "locale": "pt_BR", "position": "left", "darkMode": "auto", "dryRun": true,
            "launcherTitle": "  Fale conosco  ", "type": "expanded_bubble",
            "webhooks": [{"url": "https://example.com/h", "events": ["message_created"]}]
        }))
        .unwrap();
        assert_eq!(s.position, Position::Left);
        assert_eq!(s.dark_mode, DarkMode::Auto);
        assert!(s.dry_run);
        assert_eq!(s.launcher_title.as_deref(), Some("Fale conosco"));
        assert_eq!(s.webhooks[0].events, vec!["message_created"]);
    }

    #[test]
    fn bad_settings_name_the_field() {
        let cases = [
            (json!("nope"), "evolvySettings"),
            (json!({"position": "top"}), "evolvySettings.position"),
            (json!({"darkMode": 1}), "evolvySettings.darkMode"),
            (
                json!({"webhooks": [{"url": 5, "events": []}]}),
                "evolvySettings.webhooks[0].url",
            ),
            (
                json!({"webhooks": [{"url": "https://a"}]}),
                "evolvySettings.webhooks[0]",
            ),
            (json!({"debug": "yes"}), "evolvySettings.debug"),
        ];
        for (input, path) in cases {
            let err = Settings::from_value(input.clone()).unwrap_err();
            assert_eq!(err.path, path, "{input} → {err}");
        }
        let many: Vec<Value> = (0..21)
            .map(|i| json!({"url": format!("https://a/{i}"), "events": []}))
            .collect();
        assert_eq!(
            Settings::from_value(json!({ "webhooks": many }))
                .unwrap_err()
                .path,
            "evolvySettings.webhooks"
        );
    }
}
