//! Admission of API writes: a request that writes (any method but GET, HEAD, OPTIONS) is
//! refused with 503 `overloaded` and `Retry-After` while a store's write queue is full
//! ([`Ops::admit_write`](super::state::Ops::admit_write)). The check comes before the
//! handler, so a refused request did nothing; one admitted runs to its end.
//!
//! A tower layer of its own rather than a `from_fn` middleware: `from_fn` clones the route
//! inside it into a new box and boxes its future on every request, and every API request
//! passes here.

use super::state::AppState;
use axum::extract::Request;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};
use tokio_util::either::Either;
use tower::{Layer, Service};

/// Wraps the API's routes in [`AdmitWrites`].
#[derive(Clone)]
pub struct AdmitWritesLayer(pub AppState);

impl<S> Layer<S> for AdmitWritesLayer {
    type Service = AdmitWrites<S>;

    fn layer(&self, inner: S) -> AdmitWrites<S> {
        AdmitWrites {
            state: self.0.clone(),
            inner,
        }
    }
}

/// Refuses writes while a store's write queue is full; passes everything else to `inner`.
#[derive(Clone)]
pub struct AdmitWrites<S> {
    state: AppState,
    inner: S,
}

impl<S> Service<Request> for AdmitWrites<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    /// The refusal, ready at once, or the route's own future.
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let reads = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
        if !reads && let Err(refused) = self.state.ops.admit_write() {
            return Either::Left(ready(Ok(refused.into_response())));
        }
        Either::Right(self.inner.call(request))
    }
}
