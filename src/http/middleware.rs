//! Cross-cutting request handling: request ids, metrics by route, timeouts and panics turned
//! into problem+json.

use super::problem::Problem;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::time::{Duration, Instant};
use tower_http::request_id::{MakeRequestId, RequestId};

/// Request count and latency under the route template (never the raw path, which would let
/// clients mint unbounded label values).
pub(super) struct RequestMetrics {
    started: Instant,
    method: &'static str,
    route: String,
}

impl RequestMetrics {
    pub(super) fn start(request: &Request) -> RequestMetrics {
        RequestMetrics {
            started: Instant::now(),
            method: method_label(request.method()),
            route: request
                .extensions()
                .get::<MatchedPath>()
                .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string()),
        }
    }

    pub(super) fn record<B>(self, response: &axum::http::Response<B>) {
        let RequestMetrics {
            started,
            method,
            route,
        } = self;
        let status = response.status().as_u16().to_string();
        metrics::counter!(crate::metric::HTTP_REQUESTS_TOTAL,
            "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
        metrics::histogram!(crate::metric::HTTP_REQUEST_DURATION_SECONDS,
            "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    }
}

/// `x-request-id` for a request that brings none: a random (version 4) UUID, as tower-http's
/// `MakeRequestUuid` makes it, but drawn from the thread's generator instead of a
/// `getrandom` system call per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let uuid = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let text = uuid.hyphenated().encode_lower(&mut text);
        HeaderValue::from_str(text).ok().map(RequestId::new)
    }
}

/// The method as a metric label. Clients may invent methods (`PROBE1`, `PROBE2`, …), so
/// anything but the standard ones is `other`, as unmatched paths are `unmatched`.
fn method_label(method: &Method) -> &'static str {
    const STANDARD: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::PATCH, "PATCH"),
        (Method::DELETE, "DELETE"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    STANDARD
        .iter()
        .find(|(m, _)| m == method)
        .map_or("other", |(_, label)| label)
}

/// Turns an error response that has no body type (one a library made, such as the docs
/// viewer's 404 for an unknown file) into problem+json, so every error a client sees has a
/// `code`.
pub fn problem_for_bare_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "not_found".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed".to_string(),
        s if s.is_server_error() => "internal".to_string(),
        s => s
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
            .replace([' ', '-'], "_"),
    };
    let detail = status.canonical_reason().unwrap_or("error").to_string();
    let mut problem = Problem::new(status, &code, detail).into_response();
    for name in [header::ALLOW, header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            problem.headers_mut().insert(name, value.clone());
        }
    }
    problem
}

/// The 503 `timeout` answer to a request that ran longer than `limit`.
pub fn timed_out(limit: Duration) -> Response {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        format!("the request took longer than {} s", limit.as_secs()),
    )
    .into_response()
}

/// A panic in a handler becomes a 500 problem; the panic message goes to the log only.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = message, "a request handler panicked");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "something went wrong on our side; it has been logged",
    )
    .into_response()
}

/// 404 for any path no route matches.
pub async fn not_found() -> Response {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "no such path").into_response()
}

/// 405 for a known path with a method it does not take.
pub async fn method_not_allowed() -> Response {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not take that method",
    )
    .into_response()
}
