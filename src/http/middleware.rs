//! Cross-cutting request handling: request ids, metrics by route, timeouts and panics turned
//! into problem+json.

use super::problem::Problem;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics::{Counter, Histogram};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tower_http::request_id::{MakeRequestId, RequestId};

/// Request count and latency under the route template (never the raw path, which would let
/// clients mint unbounded label values).
pub(super) struct RequestMetrics {
    started: Instant,
    method: &'static str,
    route: Option<MatchedPath>,
}

impl RequestMetrics {
    pub(super) fn start(request: &Request) -> RequestMetrics {
        RequestMetrics {
            started: Instant::now(),
            method: method_label(request.method()),
            route: request.extensions().get::<MatchedPath>().cloned(),
        }
    }

    /// Records the request under its route's series, which `seen` keeps.
    pub(super) fn record<B>(self, response: &axum::http::Response<B>, seen: &RouteSeries) {
        let route = self.route.as_ref().map_or("unmatched", MatchedPath::as_str);
        seen.record(
            self.method,
            route,
            response.status().as_u16(),
            self.started.elapsed(),
        );
    }
}

/// How many series one route keeps; a route rarely answers more than a few statuses to a
/// method or two. Past that its requests are still counted, only resolved each time.
const SERIES_PER_ROUTE: usize = 16;

/// The request series one route has recorded, with the recorder's handles, so a request
/// records with two atomic additions. Resolving them per request built the labels (the
/// route and the status as new strings), and looked both series up in the recorder's
/// registry: 2.4 % of the holds level's server CPU. Each route's [`super::edge::Edge`] keeps
/// its own (a route is one path, usually one method); the slots fill once and are then
/// only read, without a lock.
#[derive(Default)]
pub(super) struct RouteSeries {
    slots: [OnceLock<Series>; SERIES_PER_ROUTE],
}

/// One `(method, route, status)`: its request counter and its `(method, route)` latency.
struct Series {
    method: &'static str,
    route: Box<str>,
    status: u16,
    requests: Counter,
    duration: Histogram,
}

impl Series {
    fn resolve(method: &'static str, route: &str, status: u16) -> Series {
        Series {
            requests: metrics::counter!(crate::metric::HTTP_REQUESTS_TOTAL,
                "method" => method, "route" => route.to_string(), "status" => status.to_string()),
            duration: metrics::histogram!(crate::metric::HTTP_REQUEST_DURATION_SECONDS,
                "method" => method, "route" => route.to_string()),
            method,
            route: route.into(),
            status,
        }
    }

    fn is(&self, method: &str, route: &str, status: u16) -> bool {
        self.status == status && self.method == method && *self.route == *route
    }

    fn record(&self, took: Duration) {
        self.requests.increment(1);
        self.duration.record(took.as_secs_f64());
    }
}

impl std::fmt::Debug for RouteSeries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.slots.iter().filter(|s| s.get().is_some()).count();
        f.debug_struct("RouteSeries").field("kept", &kept).finish()
    }
}

impl RouteSeries {
    /// Counts one request and its latency.
    fn record(&self, method: &'static str, route: &str, status: u16, took: Duration) {
        for slot in &self.slots {
            // Racing requests of different series each fill a slot; one of the same series
            // waits for the other's and finds it there.
            let series = match slot.get() {
                Some(series) => series,
                None => slot.get_or_init(|| Series::resolve(method, route, status)),
            };
            if series.is(method, route, status) {
                series.record(took);
                return;
            }
        }
        Series::resolve(method, route, status).record(took);
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

#[cfg(test)]
mod tests {
    use super::{RouteSeries, SERIES_PER_ROUTE};
    use metrics_exporter_prometheus::PrometheusBuilder;
    use std::time::Duration;

    #[test]
    fn a_routes_series_keep_their_labels_and_count_past_its_slots() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let seen = RouteSeries::default();
        let route = "/api/v1/events/{id}";
        let took = Duration::from_millis(3);
        metrics::with_local_recorder(&recorder, || {
            for status in [200, 200, 404, 200] {
                seen.record("GET", route, status, took);
            }
            seen.record("DELETE", route, 200, took);
            // More series than slots: the last ones are resolved per request, still counted.
            for status in 500..500 + SERIES_PER_ROUTE as u16 {
                seen.record("GET", route, status, took);
                seen.record("GET", route, status, took);
            }
        });
        let text = handle.render();
        for line in [
            r#"rezerve_http_requests_total{method="GET",route="/api/v1/events/{id}",status="200"} 3"#,
            r#"rezerve_http_requests_total{method="GET",route="/api/v1/events/{id}",status="404"} 1"#,
            r#"rezerve_http_requests_total{method="DELETE",route="/api/v1/events/{id}",status="200"} 1"#,
            r#"rezerve_http_requests_total{method="GET",route="/api/v1/events/{id}",status="515"} 2"#,
            r#"rezerve_http_request_duration_seconds_count{method="GET",route="/api/v1/events/{id}"} 36"#,
            r#"rezerve_http_request_duration_seconds_count{method="DELETE",route="/api/v1/events/{id}"} 1"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert!(seen.slots.iter().all(|slot| slot.get().is_some()));
    }
}
