//! The accept loop: every connection [`ServeListener`] admits is served by hyper's HTTP/1
//! connection with settings of our own, and the loop shuts down as `axum::serve` does (stop
//! accepting, let each connection finish its request in flight, wait for all of them).
//!
//! Why not `axum::serve`: it offers no say over hyper's connection settings, and one of
//! them costs a hold a tenth of its HTTP work. While a request is being answered, hyper by
//! default keeps reading its connection to notice a client that hangs up; that read finds
//! the read buffer still shared with the request's headers and allocates a new 8 KiB one,
//! on every request that waits for anything (every hold waits for its group commit). With
//! `half_close`, hyper does not read until the answer is out. What that changes: a request
//! whose client hangs up runs to its end (bounded by `server.request_timeout_seconds`)
//! instead of being dropped at the hang-up. No handler relies on being dropped: the work
//! that must not stop half done already runs in tasks of its own
//! ([`super::idempotency`]), and nothing here waits for a client without a time limit.
//!
//! Served as HTTP/1.1 only, as before (the crate builds hyper without HTTP/2).

use super::listener::{PeerAddr, ServeListener};
use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use tokio::sync::watch;
use tower::Service;

/// Serves `router` on `listener` until `shutdown` resolves, then waits for the open
/// connections to answer their requests in flight and close.
pub async fn serve(
    mut listener: ServeListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.half_close(true);
    // Dropping the receiver tells every connection (and the loop) to stop.
    let (stop_tx, stop_rx) = watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        drop(stop_rx);
    });
    // Each connection's task holds a receiver; the loop waits until all are dropped.
    let (closed_tx, closed_rx) = watch::channel(());
    loop {
        let (io, remote) = tokio::select! {
            accepted = axum::serve::Listener::accept(&mut listener) => accepted,
            () = stop_tx.closed() => break,
        };
        let service = PerConnection {
            router: router.clone(),
            peer: PeerAddr::of(&io, remote),
        };
        let connection = http
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        let (stop_tx, closed_rx) = (stop_tx.clone(), closed_rx.clone());
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let mut stopping = std::pin::pin!(stop_tx.closed());
            let mut told = false;
            loop {
                tokio::select! {
                    served = connection.as_mut() => {
                        if let Err(e) = served {
                            tracing::trace!(error = %e, "connection ended");
                        }
                        break;
                    }
                    () = stopping.as_mut(), if !told => {
                        told = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(closed_rx);
        });
    }
    drop(closed_rx);
    drop(listener);
    closed_tx.closed().await;
}

/// The router as one connection serves it: each request gets the connection's
/// `ConnectInfo<PeerAddr>`, as `into_make_service_with_connect_info` gave it.
#[derive(Clone)]
struct PerConnection {
    router: Router,
    peer: PeerAddr,
}

impl hyper::service::Service<hyper::Request<Incoming>> for PerConnection {
    type Response = Response;
    type Error = Infallible;
    type Future = <Router as Service<Request<Incoming>>>::Future;

    fn call(&self, mut request: hyper::Request<Incoming>) -> Self::Future {
        request
            .extensions_mut()
            .insert(ConnectInfo(self.peer.clone()));
        // A router is an `Arc`: cloning it is what `axum::serve` does per request too.
        self.router.clone().call(request)
    }
}

#[cfg(test)]
mod tests;
