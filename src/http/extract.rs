//! Extractors: JSON bodies and query strings whose failures are problem+json, and
//! authorization as a type (`Authenticated`, `StaffOnly`, `AdminOnly`) so no handler checks
//! roles with an `if`.

use super::rejection::Rejection;
use crate::auth::{Auth, Caller, Role};
use crate::error::Error;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts};
use serde::de::DeserializeOwned;

/// A JSON body. Malformed JSON is 400, a wrong shape 422 naming the field, a missing JSON
/// content type 415, an oversized body 413.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Rejection> {
        let RawJson(bytes) = RawJson::from_request(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The raw bytes of a JSON body (content type and size checked), for handlers that must
/// see exactly what was sent: idempotency hashes, webhook signatures.
pub struct RawJson(pub axum::body::Bytes);

impl<S> FromRequest<S> for RawJson
where
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().as_bytes();
                let json_suffix =
                    mime.len() >= 5 && mime[mime.len() - 5..].eq_ignore_ascii_case(b"+json");
                mime.eq_ignore_ascii_case(b"application/json") || json_suffix
            })
            .unwrap_or(false);
        if !is_json {
            return Err(Rejection::UnsupportedMediaType);
        }
        axum::body::Bytes::from_request(req, state)
            .await
            .map(RawJson)
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    Rejection::PayloadTooLarge
                } else {
                    Rejection::Malformed(format!("cannot read the request body: {rejection}"))
                }
            })
    }
}

/// Parses JSON, telling syntax errors (400) from shape errors (422, with the field's path).
///
/// An integer may be written with a zero fraction (`"seconds": 60.0`): JSON Schema, and so
/// the OpenAPI document, counts `60.0` as the integer 60, and generated clients in languages
/// without integers send it that way.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Rejection> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(Rejection::Malformed(format!(
                    "the body is not valid JSON: {inner}"
                )));
            }
            // The slow path, only for a body that failed: read integral floats as integers.
            if let Ok(mut tree) = serde_json::from_slice::<serde_json::Value>(bytes)
                && integral_floats_to_integers(&mut tree)
            {
                return serde_path_to_error::deserialize::<_, T>(tree)
                    .map_err(|e| shape_error(&e.path().to_string(), e.inner()).into());
            }
            return Err(shape_error(&path, &inner).into());
        }
    };
    de.end()
        .map_err(|e| Rejection::Malformed(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// Replaces every number with a zero fraction that fits an `i64`/`u64` exactly by that
/// integer; true if any was replaced.
fn integral_floats_to_integers(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    /// 2^53: beyond it an `f64` no longer holds every integer.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() != 0.0 || f.abs() > EXACT {
                return false;
            }
            *value = if f < 0.0 {
                Value::from(f as i64)
            } else {
                Value::from(f as u64)
            };
            true
        }
        Value::Array(items) => {
            // Every item, not only up to the first replaced.
            let mut any = false;
            for item in items {
                any |= integral_floats_to_integers(item);
            }
            any
        }
        Value::Object(fields) => {
            let mut any = false;
            for field in fields.values_mut() {
                any |= integral_floats_to_integers(field);
            }
            any
        }
        _ => false,
    }
}

/// A 422 for a value of the wrong shape: the field path, and serde's message without the
/// line/column noise.
fn shape_error(path: &str, error: &serde_json::Error) -> Error {
    let full = error.to_string();
    let message = full
        .rsplit_once(" at line ")
        .map(|(m, _)| m.to_string())
        .unwrap_or(full);
    // "missing field `name`" names the field in the message, not in the path.
    let field = match message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        Some(missing) if path == "." || path.is_empty() => missing.to_string(),
        Some(missing) => format!("{path}.{missing}"),
        None if path == "." || path.is_empty() => "body".to_string(),
        None => path.to_string(),
    };
    Error::invalid(field, message)
}

/// A query string; a bad value is 422 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let field = if path == "." {
                    "query".to_string()
                } else {
                    path
                };
                Error::invalid(field, message)
            })
    }
}

/// A path segment; an undecodable one is 404 (nothing can live there).
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|_| Error::NotFound("resource"))
    }
}

/// The bearer token of a request, if it carries one.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

async fn caller_with_role<S>(parts: &Parts, state: &S, least: Role) -> Result<Caller, Error>
where
    Auth: FromRef<S>,
{
    let token = bearer(parts).ok_or(Error::Unauthenticated)?;
    let caller = Auth::from_ref(state).verify(token).await?;
    caller.require(least)?;
    Ok(caller)
}

/// Any signed-in account.
pub struct Authenticated(pub Caller);
/// Staff or admin.
pub struct StaffOnly(pub Caller);
/// Admin.
pub struct AdminOnly(pub Caller);

macro_rules! role_extractor {
    ($name:ident, $role:expr) => {
        impl<S> FromRequestParts<S> for $name
        where
            Auth: FromRef<S>,
            S: Send + Sync,
        {
            type Rejection = Error;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
                caller_with_role(parts, state, $role).await.map($name)
            }
        }
    };
}

role_extractor!(Authenticated, Role::Customer);
role_extractor!(StaffOnly, Role::Staff);
role_extractor!(AdminOnly, Role::Admin);
