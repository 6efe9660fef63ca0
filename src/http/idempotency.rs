//! `Idempotency-Key` for unsafe POSTs that move money or take seats: the same key and body
//! replays the first response; the same key with another body is 409
//! `idempotency_conflict`. The work runs in its own task, so a client that disconnects
//! mid-request cannot leave a payment half-done or a key stuck "in progress".

use super::extract::{RawJson, parse_json};
use super::rejection::Rejection;
use crate::error::Error;
use crate::idempotency::{self, Begin, MAX_KEY_LEN};
use crate::store::Sqlite;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use std::future::Future;

/// The header clients send.
pub const HEADER: &str = "idempotency-key";
/// Set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";

/// The key of a request, if any; a malformed one is 422.
pub fn key(headers: &HeaderMap) -> Result<Option<String>, Error> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| Error::invalid("Idempotency-Key", "must be printable ASCII"))?
        .trim();
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(Error::invalid(
            "Idempotency-Key",
            format!("must be 1 to {MAX_KEY_LEN} characters"),
        ));
    }
    Ok(Some(key.to_string()))
}

/// An answer of [`run`] as a console page reads it back: its status and JSON body (`null`
/// when it has none). A megabyte is more than any answer of the operations pages run.
pub async fn status_and_json(response: Response) -> (StatusCode, serde_json::Value) {
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1024 * 1024)
        .await
        .unwrap_or_default();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

/// Runs `work` once per (owner, key): replays or refuses as the stored key says.
// Each argument is a distinct part of what a key stands for; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn run<F>(
    db: &Sqlite,
    owner: &str,
    key: Option<String>,
    method: &str,
    path: &str,
    body: &[u8],
    now_ms: i64,
    work: F,
) -> Response
where
    F: Future<Output = Response> + Send + 'static,
{
    let Some(key) = key else {
        return spawn(work).await;
    };
    let hash = idempotency::request_hash(method, path, body);
    let (owner, claimed) = (owner.to_string(), key.clone());
    let begun = {
        let owner = owner.clone();
        db.write(move |conn| idempotency::begin(conn, &owner, &claimed, &hash, now_ms))
            .await
    };
    match begun {
        Err(e) => e.into_response(),
        Ok(Begin::Replay { status, body }) => replay(status, body),
        Ok(Begin::Fresh) => {
            let response = spawn(work).await;
            let status = response.status();
            let (parts, body) = response.into_parts();
            let bytes = match axum::body::to_bytes(body, 4 * 1024 * 1024).await {
                Ok(b) => b,
                Err(e) => return Error::internal(format!("response body: {e}")).into_response(),
            };
            let text = String::from_utf8_lossy(&bytes).to_string();
            let stored = if status.is_server_error() {
                db.write(move |conn| idempotency::abandon(conn, &owner, &key))
                    .await
            } else {
                db.write(move |conn| {
                    idempotency::finish(conn, &owner, &key, status.as_u16(), &text)
                })
                .await
            };
            if let Err(e) = stored {
                tracing::error!(error = %e, "cannot store an idempotent response");
            }
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}

async fn spawn<F>(work: F) -> Response
where
    F: Future<Output = Response> + Send + 'static,
{
    match tokio::spawn(work).await {
        Ok(response) => response,
        Err(e) => Error::internal(format!("request task: {e}")).into_response(),
    }
}

fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_client_error() || status.is_server_error() {
        "application/problem+json"
    } else {
        "application/json"
    };
    let mut response = if body.is_empty() {
        status.into_response()
    } else {
        (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
    };
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

/// A JSON body that may carry an `Idempotency-Key`: the parsed value, and the path and exact
/// bytes the key's request hash covers (the path is empty without a key). A malformed key
/// or body is refused before any work.
pub struct Idempotent<T> {
    pub key: Option<String>,
    pub path: String,
    pub body: Bytes,
    pub value: T,
}

impl<T> Idempotent<T> {
    /// Runs `work` on the parsed body once per (owner, key) of this POST, as [`run`] does.
    pub async fn run_once<F, Fut>(self, db: &Sqlite, owner: &str, now_ms: i64, work: F) -> Response
    where
        F: FnOnce(T) -> Fut,
        Fut: Future<Output = Response> + Send + 'static,
    {
        let Idempotent {
            key,
            path,
            body,
            value,
        } = self;
        run(db, owner, key, "POST", &path, &body, now_ms, work(value)).await
    }
}

impl<S, T> FromRequest<S> for Idempotent<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Rejection> {
        let key = key(req.headers())?;
        // Only a key's request hash reads the path: no copy of it for a request without one.
        let path = match key {
            Some(_) => req.uri().path().to_string(),
            None => String::new(),
        };
        let RawJson(body) = RawJson::from_request(req, state).await?;
        let value = parse_json(&body)?;
        Ok(Idempotent {
            key,
            path,
            body,
            value,
        })
    }
}
