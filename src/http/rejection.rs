//! A request refused before any domain code runs: a body that is not JSON, too large, or
//! unreadable. These are the transport's words, so they live here rather than in the
//! domains' [`Error`]; anything an extractor refuses in domain words (a field of the wrong
//! shape, a missing token) passes through as that `Error`. `http::problem` gives each its
//! status and stable code.

use crate::error::Error;

/// Why a request was not taken in.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    /// The body could not be read, or is not valid JSON.
    #[error("{0}")]
    Malformed(String),
    /// The body is not JSON (no `Content-Type: application/json`).
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    /// The body is larger than the configured limit.
    #[error("the request body is larger than this server accepts")]
    PayloadTooLarge,
    /// Refused in the domain's words (validation, authentication, a handler's own error).
    #[error(transparent)]
    Domain(#[from] Error),
}
