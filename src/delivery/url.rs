//! The small part of URL parsing that target validation needs (scheme, userinfo, host).

/// Why a target URL is refused.
pub(crate) fn check_target_url(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Err("is empty".into());
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{url}` contains whitespace or control characters"));
    }
    let lower = url.to_ascii_lowercase();
    let (secure, rest) = if let Some(r) = lower.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(format!("`{url}` is not an http(s) URL"));
    };
    if rest.contains('#') {
        return Err(format!("`{url}` has a fragment"));
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(format!(
            "`{url}` carries credentials; nothing secret may live in the browser"
        ));
    }
    let host = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => {
                let after = &authority[end + 1..];
                check_port(url, after)?;
                &authority[..=end]
            }
            None => return Err(format!("`{url}` has an unterminated IPv6 host")),
        }
    } else {
        let (h, after) = match authority.find(':') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        };
        check_port(url, after)?;
        h
    };
    if host.is_empty() {
        return Err(format!("`{url}` has no host"));
    }
    if !secure && !is_loopback(host) {
        return Err(format!(
            "`{url}` must use https (plain http is allowed only for localhost, 127.0.0.1 and [::1])"
        ));
    }
    Ok(())
}

fn check_port(url: &str, after_host: &str) -> Result<(), String> {
    if after_host.is_empty() {
        return Ok(());
    }
    let port = after_host.strip_prefix(':').unwrap_or("x");
    if port.is_empty() || port.parse::<u16>().is_err() {
        return Err(format!("`{url}` has an invalid port"));
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::check_target_url as c;

    #[test]
    fn accepts_https_and_loopback_http() {
        assert!(c("https://example.com/hook").is_ok());
        assert!(c("https://example.com:8443/hook?x=1").is_ok());
        assert!(c("http://localhost:3000/h").is_ok());
        assert!(c("http://127.0.0.1:9/h").is_ok());
        assert!(c("http://[::1]:8080/h").is_ok());
        assert!(c("HTTPS://EXAMPLE.COM").is_ok());
    }

    #[test]
    fn refuses_the_rest_with_a_reason() {
        assert!(c("http://example.com/h").unwrap_err().contains("https"));
        assert!(c("http://localhost.evil.com/h").is_err());
        assert!(c("http://127.0.0.1.nip.io/h").is_err());
        assert!(c("ftp://example.com").unwrap_err().contains("http(s)"));
        assert!(c("https://user:pw@example.com")
            .unwrap_err()
            .contains("credentials"));
        assert!(c("https://").unwrap_err().contains("no host"));
        assert!(c("https://a.com:99999/").unwrap_err().contains("port"));
        assert!(c("https://a.com:/").is_err());
        assert!(c("https://a .com").is_err());
        assert!(c("https://a.com/#x").is_err());
        assert!(c("").is_err());
        assert!(c("https://[::1/").is_err());
    }
}
