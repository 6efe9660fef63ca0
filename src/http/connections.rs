//! Slow and idle clients (slowloris): every connection `serve` accepts is wrapped in
//! [`Guarded`], which closes it when
//! - a request head (from its first byte to its last) takes longer than
//!   `server.header_read_timeout_seconds`, or
//! - no request is in flight and no byte has moved for `server.keep_alive_timeout_seconds`
//!   (a keep-alive connection between requests, or one that never sends anything);
//!
//! and [`Connections`] caps open connections at `server.max_connections`: at the cap, the
//! connection that has waited longest without a request in flight is closed to make room
//! for the new one (a flood of slow connections cannot lock normal clients out), and accepting
//! waits only when every connection is busy with a request.
//!
//! Whether a request is in flight is told by [`track_requests`], a middleware that counts
//! requests per connection through the connection's [`ConnState`] in `ConnectInfo`.

use crate::config::ServerConfig;
use crate::http::listener::PeerAddr;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

/// How long accepting waits for a connection to close before looking again.
const RECHECK: Duration = Duration::from_millis(100);

/// The connection limits of `[server]`.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_read: Duration,
    pub keep_alive: Duration,
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// The limits configured in `[server]`.
    pub fn from_config(config: &ServerConfig) -> Self {
        Self {
            header_read: Duration::from_secs(config.header_read_timeout_seconds),
            keep_alive: Duration::from_secs(config.keep_alive_timeout_seconds),
            max_connections: config.max_connections,
        }
    }
}

/// What one connection shares with the registry and with [`track_requests`].
#[derive(Debug)]
pub struct ConnState {
    in_flight: AtomicUsize,
    requests_done: AtomicU64,
    /// Milliseconds after the registry's start at which the connection last became quiet
    /// (accepted, or its last request answered): the longest quiet goes first at the cap.
    quiet_since_ms: AtomicU64,
    evicted: AtomicBool,
    reader: Mutex<Option<Waker>>,
}

impl ConnState {
    fn busy(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) > 0
    }
}

/// Every open connection, for the cap.
#[derive(Clone)]
pub struct Connections {
    inner: Arc<Registry>,
}

struct Registry {
    limits: ConnectionLimits,
    open: Mutex<HashMap<u64, Arc<ConnState>>>,
    next_id: AtomicU64,
    closed: Notify,
    started: Instant,
}

impl Connections {
    /// An empty registry.
    pub fn new(limits: ConnectionLimits) -> Self {
        Self {
            inner: Arc::new(Registry {
                limits,
                open: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(0),
                closed: Notify::new(),
                started: Instant::now(),
            }),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.inner.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Wraps an accepted stream once there is room for it: below the cap at once; at the cap
    /// after closing the connection quiet the longest, or, if every connection is busy with
    /// a request, after one closes.
    pub async fn admit<T>(&self, io: T) -> Guarded<T> {
        loop {
            let closed = self.inner.closed.notified();
            {
                let mut open = self.inner.open.lock().unwrap_or_else(|p| p.into_inner());
                if open.len() < self.inner.limits.max_connections {
                    let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
                    let state = Arc::new(ConnState {
                        in_flight: AtomicUsize::new(0),
                        requests_done: AtomicU64::new(0),
                        quiet_since_ms: AtomicU64::new(self.now_ms()),
                        evicted: AtomicBool::new(false),
                        reader: Mutex::new(None),
                    });
                    open.insert(id, Arc::clone(&state));
                    return Guarded::new(
                        io,
                        state,
                        self.inner.limits,
                        Admission {
                            id,
                            connections: self.clone(),
                        },
                    );
                }
                let victim = open
                    .values()
                    .filter(|c| !c.busy() && !c.evicted.load(Ordering::Acquire))
                    .min_by_key(|c| c.quiet_since_ms.load(Ordering::Acquire));
                if let Some(victim) = victim {
                    victim.evicted.store(true, Ordering::Release);
                    let waker = victim
                        .reader
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .take();
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                    tracing::debug!("connection cap reached: closing the longest-quiet connection");
                }
            }
            let _ = tokio::time::timeout(RECHECK, closed).await;
        }
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.inner
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }
}

/// A connection's place in the registry, given back when it closes.
struct Admission {
    id: u64,
    connections: Connections,
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.connections
            .inner
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
        self.connections.inner.closed.notify_one();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No request in flight and no byte of the next one yet.
    Quiet,
    /// Bytes of a request head have arrived; the head is not complete.
    Head,
    /// A request is being answered.
    Busy,
}

/// An accepted stream under the time limits.
pub struct Guarded<T> {
    io: T,
    state: Arc<ConnState>,
    limits: ConnectionLimits,
    phase: Phase,
    seen_done: u64,
    deadline: Instant,
    timer: Pin<Box<Sleep>>,
    admission: Admission,
}

impl<T> Guarded<T> {
    fn new(io: T, state: Arc<ConnState>, limits: ConnectionLimits, admission: Admission) -> Self {
        let deadline = Instant::now() + limits.keep_alive;
        Self {
            io,
            state,
            limits,
            phase: Phase::Quiet,
            seen_done: 0,
            deadline,
            timer: Box::pin(tokio::time::sleep_until(deadline)),
            admission,
        }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.io
    }

    /// What [`track_requests`] needs to count this connection's requests.
    pub fn state(&self) -> Arc<ConnState> {
        Arc::clone(&self.state)
    }

    /// Follows the requests [`track_requests`] counted since the last look.
    fn follow_requests(&mut self) {
        if self.state.busy() {
            self.phase = Phase::Busy;
            return;
        }
        let done = self.state.requests_done.load(Ordering::Acquire);
        if self.phase == Phase::Busy || done != self.seen_done {
            self.seen_done = done;
            self.quiet(Instant::now());
        }
    }

    fn quiet(&mut self, now: Instant) {
        self.phase = Phase::Quiet;
        self.deadline = now + self.limits.keep_alive;
        let registry_ms = self.admission.connections.now_ms();
        self.state
            .quiet_since_ms
            .store(registry_ms, Ordering::Release);
    }

    /// Ready with an error once the phase's deadline has passed (or the connection was
    /// chosen to make room); registers the task to be woken for either.
    fn poll_limits(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        if self.phase == Phase::Busy {
            self.state.evicted.store(false, Ordering::Release);
            return Poll::Pending;
        }
        if self.state.evicted.load(Ordering::Acquire) {
            return Poll::Ready(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "closed to make room for a new connection",
            ));
        }
        *self.state.reader.lock().unwrap_or_else(|p| p.into_inner()) = Some(cx.waker().clone());
        if self.timer.deadline() != self.deadline {
            self.timer.as_mut().reset(self.deadline);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                match self.phase {
                    Phase::Head => "request head not received in time",
                    _ => "idle connection closed",
                },
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        this.follow_requests();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before && this.phase == Phase::Quiet {
                    this.phase = Phase::Head;
                    this.deadline = Instant::now() + this.limits.header_read;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => match this.poll_limits(cx) {
                Poll::Ready(e) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.follow_requests();
        let written = Pin::new(&mut this.io).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = written
            && n > 0
            && this.phase == Phase::Quiet
        {
            // An answer still going out: bytes moving are not idleness.
            this.quiet(Instant::now());
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Counts the requests in flight on their connection, so its [`Guarded`] stream knows a
/// quiet socket is a request being worked on, not an idle client.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let _answered = count_request(&request);
    next.run(request).await
}

/// Counts `request` in flight on its connection until the returned guard is dropped (also
/// when the request is cancelled or panics); `None` outside a [`Connections`] listener.
pub fn count_request(request: &Request) -> Option<Answered> {
    let state = request
        .extensions()
        .get::<ConnectInfo<PeerAddr>>()
        .and_then(|c| c.0.conn.clone())?;
    state.in_flight.fetch_add(1, Ordering::AcqRel);
    Some(Answered(state))
}

/// Marks a request answered when dropped (also when it is cancelled or panics).
pub struct Answered(Arc<ConnState>);

impl Drop for Answered {
    fn drop(&mut self) {
        self.0.requests_done.fetch_add(1, Ordering::AcqRel);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}
