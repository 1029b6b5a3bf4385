//! The host page's URL as the platform stores it (`event_info.referer`).

/// The most characters a referer keeps.
pub const MAX_REFERER_CHARS: usize = 1500;

/// `url` if it is an absolute `http:` or `https:` URL (scheme case-insensitive, surrounding
/// whitespace trimmed, no control characters), else `None`. With `drop_query` the `?query` and
/// `#fragment` are removed. The result is cut to at most [`MAX_REFERER_CHARS`] characters, on a
/// character boundary.
///
/// `sanitize_referer("https://shop.example/p?id=1#top", true)` → `Some("https://shop.example/p")`.
pub fn sanitize_referer(url: &str, drop_query: bool) -> Option<String> {
    let url = url.trim();
    let lower_prefix: String = url.chars().take(8).collect::<String>().to_ascii_lowercase();
    let rest = if lower_prefix.starts_with("https://") {
        &url[8..]
    } else if lower_prefix.starts_with("http://") {
        &url[7..]
    } else {
        return None;
    };
    if rest.is_empty() || rest.starts_with(['/', '?', '#']) || url.chars().any(char::is_control) {
        return None;
    }
    let kept = if drop_query {
        url.split(['?', '#']).next().unwrap_or(url)
    } else {
        url
    };
    Some(kept.chars().take(MAX_REFERER_CHARS).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_only() {
        assert_eq!(
            sanitize_referer("https://a.example/x?q=1#f", false).as_deref(),
            Some("https://a.example/x?q=1#f")
        );
        assert_eq!(
            sanitize_referer(" HTTP://a.example ", false).as_deref(),
            Some("HTTP://a.example")
        );
        for bad in [
            "",
            "ftp://a.example",
            "javascript:alert(1)",
            "about:blank",
            "https://",
            "http:///x",
            "a.example",
            "https://a\n.example",
        ] {
            assert_eq!(sanitize_referer(bad, false), None, "{bad:?}");
        }
    }

    #[test]
    fn drop_query_strips_query_and_fragment() {
        assert_eq!(
            sanitize_referer("https://shop.example/p?id=1#top", true).as_deref(),
            Some("https://shop.example/p")
        );
        assert_eq!(
            sanitize_referer("https://shop.example/p#top?x", true).as_deref(),
            Some("https://shop.example/p")
        );
        assert_eq!(
            sanitize_referer("https://shop.example/p?id=1", false).as_deref(),
            Some("https://shop.example/p?id=1")
        );
    }

    #[test]
    fn truncated_on_a_char_boundary() {
        let long = format!("https://a.example/{}", "é".repeat(3000));
        let out = sanitize_referer(&long, false).expect("valid");
        assert_eq!(out.chars().count(), MAX_REFERER_CHARS);
        assert!(out.ends_with('é'));
        let exact = format!("https://a.example/{}", "x".repeat(MAX_REFERER_CHARS - 18));
        assert_eq!(
            sanitize_referer(&exact, false).as_deref(),
            Some(exact.as_str())
        );
    }
}
