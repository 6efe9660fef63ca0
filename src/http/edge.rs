//! The two middlewares every route runs in, as tower services: [`Edge`] outermost (the
//! request counted on its connection, its body watched, its metrics), [`Finish`] innermost
//! (the timeout, bare errors as problem+json, `no-store` on private answers).
//!
//! Plain services rather than axum's `from_fn`: `from_fn` clones the service inside it into
//! a new box and boxes its future on every request, three allocations and a copy of a large
//! future per layer, and every request passes through both. Their futures poll the inner
//! one in place, which needs it `Unpin`: it is, since axum boxes each route's future.

use super::connections::{self, Answered};
use super::headers;
use super::middleware::{RequestMetrics, RouteSeries, problem_for_bare_errors, timed_out};
use super::unread_body::{self, BodyWatch};
use axum::extract::Request;
use axum::http;
use axum::response::Response;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::time::Sleep;
use tower::{Layer, Service};

/// Wraps a route in [`Edge`].
#[derive(Debug, Clone, Copy, Default)]
pub struct EdgeLayer;

impl<S> Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Edge<S> {
        Edge {
            inner,
            seen: Arc::default(),
        }
    }
}

/// Counts the request on its connection (see [`connections`]), watches whether its body is
/// read ([`unread_body`]) and records its metrics (under the series its route keeps).
#[derive(Debug, Clone)]
pub struct Edge<S> {
    inner: S,
    seen: Arc<RouteSeries>,
}

impl<S, B> Service<Request> for Edge<S>
where
    S: Service<Request, Response = http::Response<B>, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = http::Response<B>;
    type Error = Infallible;
    type Future = EdgeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let answered = connections::count_request(&request);
        let metrics = RequestMetrics::start(&request);
        let (request, body) = unread_body::watch(request);
        EdgeFuture {
            inner: self.inner.call(request),
            pending: Some(Pending {
                metrics,
                seen: Arc::clone(&self.seen),
                body,
                _answered: answered,
            }),
        }
    }
}

/// What [`Edge`] does once the answer is there; dropped with the future if the request is
/// cancelled (the connection still counts it answered then).
struct Pending {
    metrics: RequestMetrics,
    seen: Arc<RouteSeries>,
    body: BodyWatch,
    _answered: Option<Answered>,
}

/// The future of [`Edge`].
pub struct EdgeFuture<F> {
    inner: F,
    pending: Option<Pending>,
}

impl<F, B> Future for EdgeFuture<F>
where
    F: Future<Output = Result<http::Response<B>, Infallible>> + Unpin,
{
    type Output = Result<http::Response<B>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Ok(mut response) = ready!(Pin::new(&mut this.inner).poll(cx));
        if let Some(pending) = this.pending.take() {
            pending.metrics.record(&response, &pending.seen);
            pending.body.close_if_unread(&mut response);
        }
        Poll::Ready(Ok(response))
    }
}

/// Wraps a route in [`Finish`], with the request time limit.
#[derive(Debug, Clone, Copy)]
pub struct FinishLayer(pub Duration);

impl<S> Layer<S> for FinishLayer {
    type Service = Finish<S>;

    fn layer(&self, inner: S) -> Finish<S> {
        Finish {
            inner,
            limit: self.0,
        }
    }
}

/// Answers 503 `timeout` when a request runs longer than `limit`, turns a bare error into
/// problem+json ([`problem_for_bare_errors`]) and marks private API answers `no-store`
/// ([`headers::no_store_if`]). A timeout's answer gets neither, as when the timeout was a
/// layer outside the other two.
#[derive(Debug, Clone)]
pub struct Finish<S> {
    inner: S,
    limit: Duration,
}

impl<S> Service<Request> for Finish<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = FinishFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let private = headers::is_private(request.method(), request.uri().path());
        FinishFuture {
            inner: self.inner.call(request),
            deadline: Box::pin(tokio::time::sleep(self.limit)),
            limit: self.limit,
            private,
        }
    }
}

/// The future of [`Finish`].
pub struct FinishFuture<F> {
    inner: F,
    deadline: Pin<Box<Sleep>>,
    limit: Duration,
    private: bool,
}

impl<F> Future for FinishFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // The answer first, then the clock, as `tokio::time::timeout` polls them.
        if let Poll::Ready(Ok(response)) = Pin::new(&mut this.inner).poll(cx) {
            let response = problem_for_bare_errors(response);
            return Poll::Ready(Ok(headers::no_store_if(this.private, response)));
        }
        ready!(this.deadline.as_mut().poll(cx));
        Poll::Ready(Ok(timed_out(this.limit)))
    }
}
