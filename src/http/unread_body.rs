//! A response sent before the request's body was read says `Connection: close`.
//!
//! A request refused by its token, its role or a rate limit is answered before its body is
//! read. hyper cannot reuse that connection unless the rest of the body is already in its
//! buffer, so it closes it after the response; told nothing, a keep-alive client (a kiosk's
//! HTTP library) sends its next request into the closing connection and gets no answer
//! ("server disconnected"). [`BodyWatch::close_if_unread`] adds `Connection: close` whenever
//! the body was not read to its end, so the client opens a new connection instead; the
//! router's outermost middleware (`middleware::edge`) runs it.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

/// Whether a request's body was read to its end, told by [`watch`].
pub struct BodyWatch(Option<Arc<AtomicBool>>);

/// The request with its body watched (a request without a body needs no watching).
pub fn watch(request: Request) -> (Request, BodyWatch) {
    let (parts, body) = request.into_parts();
    if body.is_end_stream() {
        return (Request::from_parts(parts, body), BodyWatch(None));
    }
    let read = Arc::new(AtomicBool::new(false));
    let body = Body::new(Watched {
        inner: body,
        read: read.clone(),
    });
    (Request::from_parts(parts, body), BodyWatch(Some(read)))
}

impl BodyWatch {
    /// Marks `response` `Connection: close` if the body was not read to its end.
    pub fn close_if_unread<B>(&self, response: &mut axum::http::Response<B>) {
        if let Some(read) = &self.0
            && !read.load(Ordering::Acquire)
        {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
    }
}

/// A request body that records when it has been read to its end.
struct Watched {
    inner: Body,
    read: Arc<AtomicBool>,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || this.inner.is_end_stream() {
            this.read.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
