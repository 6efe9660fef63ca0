//! The console's own files (its stylesheet and the few scripts it has), compiled into the
//! binary and served under names that carry their content hash: browsers may keep them for
//! a year, and a new build's pages name new files, so nobody ever runs a stale one. The
//! ETag answers revalidations with 304. Nothing is fetched from anywhere else.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One embedded file.
pub struct Asset {
    /// The name before the hash: `admin` in `admin-<hash>.css`.
    pub stem: &'static str,
    /// `css` or `js`.
    pub ext: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
    pub hash: u64,
}

impl Asset {
    const fn new(
        stem: &'static str,
        ext: &'static str,
        content_type: &'static str,
        body: &'static str,
    ) -> Asset {
        Asset {
            stem,
            ext,
            content_type,
            body,
            hash: fnv1a(body.as_bytes()),
        }
    }

    /// The file name pages link: `admin-0123456789abcdef.css`.
    pub fn file(&self) -> String {
        format!("{}-{:016x}.{}", self.stem, self.hash, self.ext)
    }

    /// Where pages link it.
    pub fn href(&self) -> String {
        format!("/admin/assets/{}", self.file())
    }
}

/// The console's stylesheet.
pub const CSS: Asset = Asset::new(
    "admin",
    "css",
    "text/css; charset=utf-8",
    include_str!("../../../assets/admin.css"),
);
/// The door page's scanner loop (fetch, sound, camera); the page works without it.
pub const DOOR_JS: Asset = Asset::new(
    "door",
    "js",
    "text/javascript; charset=utf-8",
    include_str!("../../../assets/door.js"),
);

/// The box office's hold countdown on the sale page; the page works without it.
pub const HOLD_TIMER_JS: Asset = Asset::new(
    "hold-timer",
    "js",
    "text/javascript; charset=utf-8",
    include_str!("../../../assets/hold-timer.js"),
);

/// Every file served under `/admin/assets/`.
pub const ASSETS: &[&Asset] = &[&CSS, &DOOR_JS, &HOLD_TIMER_JS];

/// FNV-1a, computed at compile time: a cache-busting name needs a stable fingerprint of the
/// content, not a cryptographic one.
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

/// Where pages link the stylesheet.
pub fn css_href() -> String {
    CSS.href()
}

/// `GET /admin/assets/{file}`: no session needed (the sign-in page uses the stylesheet).
pub async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.file() == file) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "no such asset",
        )
            .into_response();
    };
    let etag = format!("\"{:016x}\"", asset.hash);
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
        [(header::CONTENT_TYPE, asset.content_type.to_string())],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_its_own_name_and_type() {
        assert_eq!(CSS.content_type, "text/css; charset=utf-8");
        assert_eq!(DOOR_JS.content_type, "text/javascript; charset=utf-8");
        let files: Vec<String> = ASSETS.iter().map(|a| a.file()).collect();
        assert!(files[0].starts_with("admin-") && files[0].ends_with(".css"));
        assert!(files[1].starts_with("door-") && files[1].ends_with(".js"));
        assert_ne!(CSS.hash, DOOR_JS.hash);
    }
}
