//! Cross-cutting request handling: request ids, tracing spans, metrics by route, timeouts
//! and panics turned into problem+json.

use super::problem::Problem;
use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
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
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(crate::telemetry::HTTP_REQUESTS_TOTAL,
        "method" => method.clone(), "route" => route.clone(), "status" => status)
    .increment(1);
    metrics::histogram!(crate::telemetry::HTTP_REQUEST_DURATION_SECONDS,
        "method" => method, "route" => route)
    .record(started.elapsed().as_secs_f64());
    response
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
