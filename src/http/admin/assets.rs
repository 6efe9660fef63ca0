//! The console's stylesheet, compiled into the binary and served under a name that carries
//! its content hash: browsers may keep it for a year, and a new build's pages name a new
//! file, so nobody ever sees a stale stylesheet. The ETag answers revalidations with 304.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../../assets/admin.css");

/// FNV-1a over the stylesheet, computed at compile time: a cache-busting name needs a
/// stable fingerprint of the content, not a cryptographic one.
const CSS_HASH: u64 = fnv1a(CSS.as_bytes());

const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

fn css_file() -> String {
    format!("admin-{CSS_HASH:016x}.css")
}

/// Where pages link the stylesheet.
pub fn css_href() -> String {
    format!("/admin/assets/{}", css_file())
}

/// `GET /admin/assets/{file}`: no session needed (the sign-in page uses it too).
pub async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    if file != css_file() {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "no such asset",
        )
            .into_response();
    }
    let etag = format!("\"{CSS_HASH:016x}\"");
    let cached = [
        (header::ETAG, etag.clone()),
        (
            header::CACHE_CONTROL,
            "public, max-age=31536000, immutable".to_string(),
        ),
    ];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return (StatusCode::NOT_MODIFIED, cached).into_response();
    }
    (
        cached,
        [(header::CONTENT_TYPE, "text/css; charset=utf-8".to_string())],
        CSS,
    )
        .into_response()
}
