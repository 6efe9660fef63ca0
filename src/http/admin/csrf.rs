//! Cross-site request forgery protection for every state-changing console form, in two
//! layers: the browser's own word on where a request comes from (`Sec-Fetch-Site`, else
//! `Origin` against `Host`), and a per-session token every form carries in a hidden `csrf`
//! field. Nothing in the console changes state on GET, so these two guard every change.
//!
//! Plain-HTTP LAN origins get no `Sec-Fetch-Site` from some browsers; the `Origin` check and
//! the token still hold there.

use super::render::PageError;
use super::session;
use crate::auth::session::ConsoleSession;
use crate::auth::{Auth, Role};
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Refuses a request another site made the browser send.
pub fn same_origin(parts: &Parts) -> Result<(), PageError> {
    let refused = || {
        PageError::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "This form was sent from another site, so it was refused and nothing changed.",
        )
    };
    if let Some(site) = parts.headers.get("sec-fetch-site") {
        // `none` is a person typing the URL or using a bookmark. The browser sets this header
        // itself (a page cannot), so when it is there it is the answer: `Origin` may then be
        // `null` even for our own forms (a page served with a strict referrer policy).
        return match site.to_str() {
            Ok("same-origin") | Ok("none") => Ok(()),
            _ => Err(refused()),
        };
    }
    if let Some(origin) = parts.headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| refused())?;
        let authority = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .ok_or_else(refused)?;
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .ok_or_else(refused)?;
        if !authority.eq_ignore_ascii_case(host) {
            return Err(refused());
        }
    }
    Ok(())
}

/// Compares without leaking, through timing, how much of a guess was right.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[derive(Deserialize)]
struct TokenField {
    #[serde(default)]
    csrf: String,
}

/// Reads a urlencoded body into `T`; a field of the wrong shape is a 422 page naming it.
async fn read_form<T: DeserializeOwned>(
    body: axum::body::Body,
    limit: usize,
) -> Result<(T, axum::body::Bytes), PageError> {
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        PageError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The form is larger than this server accepts.",
        )
    })?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
    let value = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("The form field `{field}` is missing or not valid."),
        )
    })?;
    Ok((value, bytes))
}

/// Bodies of console forms are small; this bounds what is read before checks.
const FORM_LIMIT: usize = 256 * 1024;

/// A form from a signed-in staff member or admin, its origin and CSRF token checked.
pub struct CsrfForm<T> {
    pub session: ConsoleSession,
    pub form: T,
}

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        same_origin(&parts)?;
        let next = parts.uri.path().to_string();
        let session = session::current(&mut parts, state)
            .await?
            .filter(|s| s.role >= Role::Staff)
            .ok_or(PageError::SignIn { next })?;
        let (form, bytes) = read_form::<T>(body, FORM_LIMIT).await?;
        let token: TokenField = serde_urlencoded::from_bytes(&bytes).unwrap_or(TokenField {
            csrf: String::new(),
        });
        if !same_token(&token.csrf, &session.csrf_token) {
            return Err(PageError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "This form is out of date or was not sent from the console, so nothing changed. Go back, reload the page and try again.",
            ));
        }
        Ok(CsrfForm { session, form })
    }
}

/// A form sent before anyone is signed in (sign-in, first-run setup): there is no session
/// token yet, so only the origin is checked.
pub struct OriginCheckedForm<T>(pub T);

impl<S, T> FromRequest<S> for OriginCheckedForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = PageError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, PageError> {
        let (parts, body) = req.into_parts();
        same_origin(&parts)?;
        let (form, _) = read_form::<T>(body, FORM_LIMIT).await?;
        Ok(OriginCheckedForm(form))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut builder = axum::http::Request::builder().uri("/admin/logout");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).expect("request").into_parts().0
    }

    #[test]
    fn same_origin_requests_pass_and_foreign_ones_fail() {
        assert!(same_origin(&parts(&[("host", "box:8080")])).is_ok());
        assert!(
            same_origin(&parts(&[
                ("host", "box:8080"),
                ("origin", "http://box:8080")
            ]))
            .is_ok()
        );
        assert!(
            same_origin(&parts(&[
                ("host", "box:8080"),
                ("origin", "https://evil.example")
            ]))
            .is_err()
        );
        assert!(same_origin(&parts(&[("host", "box:8080"), ("origin", "null")])).is_err());
        assert!(same_origin(&parts(&[("host", "box"), ("sec-fetch-site", "cross-site")])).is_err());
        assert!(same_origin(&parts(&[("host", "box"), ("sec-fetch-site", "same-site")])).is_err());
        assert!(
            same_origin(&parts(&[
                ("host", "box"),
                ("sec-fetch-site", "same-origin")
            ]))
            .is_ok()
        );
        // What Chromium sends for a same-origin form on a page with a strict referrer policy.
        assert!(
            same_origin(&parts(&[
                ("host", "box"),
                ("sec-fetch-site", "same-origin"),
                ("origin", "null")
            ]))
            .is_ok()
        );
        assert!(
            same_origin(&parts(&[
                ("host", "box"),
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://box")
            ]))
            .is_err()
        );
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
        assert!(!same_token("", "a"));
    }
}
