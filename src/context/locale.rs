//! The browser's language as the platform stores it: the primary subtag of a BCP 47 tag.

/// The primary language subtag of `tag`, lowercase: `"pt-BR"` → `"pt"`, `"en_US"` → `"en"`,
/// `"ZH-Hant-TW"` → `"zh"`. Empty or invalid tags (not 2–8 ASCII letters before the first `-`
/// or `_`) give `""`.
pub fn browser_language(tag: &str) -> String {
    let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
    if (2..=8).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        primary.to_ascii_lowercase()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::browser_language;

    #[test]
    fn primary_subtag_lowercase() {
        assert_eq!(browser_language("pt-BR"), "pt");
        assert_eq!(browser_language("en_US"), "en");
        assert_eq!(browser_language("ZH-Hant-TW"), "zh");
        assert_eq!(browser_language(" fr "), "fr");
        assert_eq!(browser_language("ast"), "ast");
    }

    #[test]
    fn invalid_is_empty() {
        for bad in [
            "",
            "-",
            "e",
            "123",
            "pt1-BR",
            "português",
            "toolongtag-x",
            "*",
            "en US",
        ] {
            assert_eq!(browser_language(bad), "", "{bad:?}");
        }
    }
}
