//! The metrics listener: `GET /metrics` (Prometheus text format) on an address of its own,
//! `server.metrics_listen` (loopback by default), never on the API's listener.
//!
//! The scrape tells per-route request counts, logins, accounts created, revenue: figures for
//! the operator, not for every client of the API. On its own listener it stays on loopback
//! (or a management network) whatever address the API faces, and a firewall can tell the
//! two apart by port. It serves nothing else, and it gets the same slow-client limits as the
//! API listener, with a small connection cap (a scraper needs one or two).

use super::connections::{ConnectionLimits, Connections};
use super::listener::ServeListener;
use super::state::Ops;
use super::{middleware, ops};
use crate::config::ServerConfig;
use crate::shutdown::CancellationToken;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

/// Connections the metrics listener keeps open at once (Prometheus uses one per target).
const MAX_CONNECTIONS: usize = 16;

/// The metrics listener's router: `/metrics` and problem+json 404/405 for anything else.
pub fn router(ops: Ops) -> Router {
    Router::new()
        .route("/metrics", get(ops::metrics))
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(axum::middleware::from_fn(
            super::connections::track_requests,
        ))
        .with_state(ops)
}

/// Serves [`router`] on `listener` until `stop` is cancelled; a failure is logged (the API
/// keeps serving without its metrics rather than going down with them).
pub async fn serve(listener: TcpListener, ops: Ops, config: ServerConfig, stop: CancellationToken) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving /metrics");
    }
    let limits = ConnectionLimits {
        max_connections: MAX_CONNECTIONS,
        ..ConnectionLimits::from_config(&config)
    };
    let listener = ServeListener::plain(listener, Connections::new(limits));
    super::serve::serve(listener, router(ops), stop.cancelled_owned()).await;
}
