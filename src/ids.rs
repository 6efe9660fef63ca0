//! Opaque identifiers. Every id the API hands out is a short type prefix and a time-ordered
//! UUIDv7, so ids sort by creation (kind to SQLite's b-trees) and say what they name in a log.

/// A new id such as `evt_0193b7c4e1d27c3a9f1e2d3c4b5a6978`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// Whether `id` has the shape [`new_id`] makes with `prefix`; lets lookups of junk ids answer
/// 404 without touching a store.
pub fn looks_like(prefix: &str, id: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}
