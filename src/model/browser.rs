use serde::{Deserialize, Serialize};

/// The visitor's browser as the platform stores it (`event_info.browser` of webwidget_triggered
/// and `additional_attributes.browser` of a conversation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct BrowserInfo {
    /// Browser family, e.g. `"Chrome"`.
    pub browser_name: String,
    /// Browser version, e.g. `"126.0.6478"`.
    pub browser_version: String,
    /// Device family, e.g. `"iPhone"`; `"Unknown"` on desktops.
    pub device_name: String,
    /// Operating system family, e.g. `"Mac OS X"`.
    pub platform_name: String,
    /// Operating system version, e.g. `"10.15.7"`.
    pub platform_version: String,
}

/// When the chat was initiated: `timestamp` is the browser's `Date.toString()` text,
/// e.g. `"Wed Jan 05 2023 19:24:12 GMT-0300 (Brasilia Standard Time)"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct InitiatedAt {
    /// The JS `Date.toString()` form.
    pub timestamp: String,
}

/// The `event_info` of webwidget_triggered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct EventInfo {
    /// When the widget was opened.
    pub initiated_at: InitiatedAt,
    /// The host page's URL (http(s) only, at most 1500 characters).
    pub referer: String,
    /// The widget's configured locale, e.g. `"pt_BR"`.
    #[serde(default)]
    pub widget_language: String,
    /// The browser's primary language subtag, e.g. `"pt"`.
    #[serde(default)]
    pub browser_language: String,
    /// The visitor's browser.
    #[serde(default)]
    pub browser: BrowserInfo,
}
