//! Cross-cutting request handling: request ids, tracing spans, metrics by route, timeouts
//! and panics turned into problem+json.

use super::problem::Problem;
use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::{Duration, Instant};

/// Records request count and latency under the route template (never the raw path, which
/// would let clients mint unbounded label values).
pub async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = method_label(request.method());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(crate::metric::HTTP_REQUESTS_TOTAL,
        "method" => method, "route" => route.clone(), "status" => status)
    .increment(1);
    metrics::histogram!(crate::metric::HTTP_REQUEST_DURATION_SECONDS,
        "method" => method, "route" => route)
    .record(started.elapsed().as_secs_f64());
    response
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
pub async fn problem_for_bare_errors(response: Response) -> Response {
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

/// Refuses an API request that writes (any method but GET, HEAD, OPTIONS) with 503
/// `overloaded` and `Retry-After` while a store's write queue is full. The check comes
/// before the handler, so a refused request did nothing; one admitted runs to its end.
pub async fn admit_writes(
    axum::extract::State(state): axum::extract::State<super::state::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let reads = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !reads && let Err(refused) = state.ops.admit_write() {
        return refused.into_response();
    }
    next.run(request).await
}

/// Answers 503 `timeout` when a request runs longer than the configured limit.
pub async fn enforce_timeout(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took longer than {} s", limit.as_secs()),
        )
        .into_response(),
    }
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
