//! A small server-side User-Agent reading, in the platform's vocabulary ("Chrome", "macOS",
//! "Unknown" device on desktops). Used only when the browser did not send its own `browser`.
//! Stand-in until `evolvy_widget::context::derive_browser` is on this branch; the swap is in
//! [`crate::payload::derive_browser`].

use evolvy_widget::model::BrowserInfo;

fn version_after<'a>(ua: &'a str, token: &str) -> Option<&'a str> {
    let start = ua.find(token)? + token.len();
    let rest = &ua[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Browser, device and platform of `ua`.
pub fn derive(ua: &str) -> BrowserInfo {
    let ua = if ua.len() > 2048 { "" } else { ua };
    let (name, version) = [
        ("SamsungBrowser/", "Samsung Browser"),
        ("Edg/", "Microsoft Edge"),
        ("EdgiOS/", "Microsoft Edge"),
        ("EdgA/", "Microsoft Edge"),
        ("OPR/", "Opera"),
        ("FxiOS/", "Firefox"),
        ("Firefox/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
    ]
    .iter()
    .find_map(|(tok, name)| version_after(ua, tok).map(|v| (*name, v.to_owned())))
    .or_else(|| {
        ua.contains("Safari/").then(|| {
            (
                "Safari",
                version_after(ua, "Version/").unwrap_or("").to_owned(),
            )
        })
    })
    .unwrap_or(("Unknown Browser", String::new()));

    let (platform, pver, device) = if let Some(v) = version_after(ua, "iPhone OS ") {
        ("iOS (iPhone)", v.replace('_', "."), "iPhone".to_owned())
    } else if ua.contains("iPad") {
        (
            "iOS (iPad)",
            version_after(ua, "CPU OS ").unwrap_or("").replace('_', "."),
            "iPad".to_owned(),
        )
    } else if let Some(v) = version_after(ua, "Android ") {
        let model = ua
            .find(" Build/")
            .and_then(|end| ua[..end].rsplit("; ").next())
            .map(str::to_owned)
            .unwrap_or_else(|| "Unknown".to_owned());
        ("Android", v.to_owned(), model)
    } else if let Some(v) = version_after(ua, "Windows NT ") {
        ("Windows", v.to_owned(), "Unknown".to_owned())
    } else if let Some(v) = version_after(ua, "Mac OS X ") {
        ("macOS", v.replace('_', "."), "Unknown".to_owned())
    } else if ua.contains("CrOS") {
        ("Chrome OS", String::new(), "Unknown".to_owned())
    } else if ua.contains("Linux") {
        ("Generic Linux", String::new(), "Unknown".to_owned())
    } else {
        ("Unknown", String::new(), "Unknown".to_owned())
    };
    BrowserInfo {
        browser_name: name.to_owned(),
        browser_version: version,
        device_name: device,
        platform_name: platform.to_owned(),
        platform_version: pver,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_agents() {
        let b = derive("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36");
        assert_eq!(
            (b.browser_name.as_str(), b.browser_version.as_str()),
            ("Chrome", "126.0.0.0")
        );
        assert_eq!(
            (
                b.platform_name.as_str(),
                b.platform_version.as_str(),
                b.device_name.as_str()
            ),
            ("macOS", "10.15.7", "Unknown")
        );
        let b = derive("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1");
        assert_eq!(
            (
                b.browser_name.as_str(),
                b.platform_name.as_str(),
                b.platform_version.as_str(),
                b.device_name.as_str()
            ),
            ("Safari", "iOS (iPhone)", "17.5", "iPhone")
        );
        let b = derive("Mozilla/5.0 (Linux; Android 13; SM-S911B Build/TP1A.220624.014) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36");
        assert_eq!(
            (b.browser_name.as_str(), b.device_name.as_str()),
            ("Samsung Browser", "SM-S911B")
        );
        let b = derive("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87");
        assert_eq!(
            (
                b.browser_name.as_str(),
                b.platform_name.as_str(),
                b.platform_version.as_str()
            ),
            ("Microsoft Edge", "Windows", "10.0")
        );
        assert_eq!(derive("").browser_name, "Unknown Browser");
    }
}
