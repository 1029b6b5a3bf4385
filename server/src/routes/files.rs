//! Static files: the demo pages from `www/` and the wasm package from `pkg/`.

use std::path::{Component, Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;

/// Content type by file extension.
pub fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// `rel` joined under `root`, or `None` when it would escape it (`..`, absolute, prefixes).
fn resolve(root: &Path, rel: &str) -> Option<PathBuf> {
    let mut out = root.to_path_buf();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

async fn send(root: &Path, rel: &str, cache: &'static str) -> Response {
    let Some(mut path) = resolve(root, rel) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    if tokio::fs::metadata(&path)
        .await
        .map(|m| m.is_dir())
        .unwrap_or(false)
    {
        path.push("index.html");
    }
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let cache = if path.extension().is_some_and(|e| e == "html") {
                "no-cache"
            } else {
                cache
            };
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(mime(&path))),
                    (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
                ],
                bytes,
            )
                .into_response()
        }
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// `GET /`: `www/index.html`, or a pointer to the inspector when there is no demo page.
pub async fn index(State(state): State<AppState>) -> Response {
    let page = state.config.www_dir.join("index.html");
    if page.exists() {
        return send(&state.config.www_dir, "index.html", "no-cache").await;
    }
    Html(
        "<!doctype html><meta charset=utf-8><title>Evolvy</title>\
         <p>No demo page in www/ yet. See the <a href=\"/inspector\">event inspector</a>.",
    )
    .into_response()
}

/// `GET /pkg/*`: the wasm package (cacheable for an hour, revalidated after).
pub async fn pkg(State(state): State<AppState>, UrlPath(path): UrlPath<String>) -> Response {
    send(
        &state.config.pkg_dir,
        &path,
        "public, max-age=3600, must-revalidate",
    )
    .await
}

/// Anything else: a file under `www/` (no-cache: the demo pages change while developing).
pub async fn www(State(state): State<AppState>, uri: Uri) -> Response {
    let rel = uri.path().trim_start_matches('/');
    let decoded = percent_decode(rel);
    match decoded {
        Some(rel) => send(&state.config.www_dir, &rel, "no-cache").await,
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).ok()?;
    (!text.contains('\0') && !text.contains('\\')).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let root = Path::new("/srv/www");
        assert_eq!(
            resolve(root, "a/b.js"),
            Some(PathBuf::from("/srv/www/a/b.js"))
        );
        assert_eq!(resolve(root, "../etc/passwd"), None);
        assert_eq!(resolve(root, "/etc/passwd"), None);
        assert_eq!(resolve(root, "a/../../x"), None);
        assert_eq!(percent_decode("%2e%2e/x").as_deref(), Some("../x"));
        assert_eq!(percent_decode("a%5cb"), None);
        assert_eq!(mime(Path::new("x.wasm")), "application/wasm");
    }
}
