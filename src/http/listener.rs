//! What `serve` listens with, and who is on the other end of a request.
//!
//! [`ServeListener`] is plain TCP or TLS over it. TLS handshakes run in their own tasks (with
//! a time limit), so one slow or silent client never stalls the accept loop. Every accepted
//! stream is admitted through [`Connections`] (the cap) and wrapped in [`Guarded`] (the
//! header-read and keep-alive timeouts) before anything reads it.
//!
//! The peer address reaches handlers as axum `ConnectInfo<PeerAddr>`; [`ClientAddr`] reads
//! it without failing when a router is driven some other way (benches, `oneshot`), so the
//! login throttle and the first-run check degrade to "unknown client" rather than a 500.

use crate::http::connections::{ConnState, Connections, Guarded};
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::serve::IncomingStream;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_util::either::Either;

/// A client that has not finished its TLS handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for the server to take them.
const READY_QUEUE: usize = 64;

/// The socket `serve` accepts on: plain, or TLS over TCP.
pub enum ServeListener {
    Plain {
        listener: TcpListener,
        connections: Connections,
    },
    Tls {
        local: SocketAddr,
        ready: mpsc::Receiver<(TlsStream<Guarded<TcpStream>>, SocketAddr)>,
    },
}

impl ServeListener {
    /// Serves plain HTTP on `listener`.
    pub fn plain(listener: TcpListener, connections: Connections) -> Self {
        ServeListener::Plain {
            listener,
            connections,
        }
    }

    /// Serves TLS on `listener`: accepts in a task of its own that ends with the listener.
    pub fn tls(
        listener: TcpListener,
        acceptor: tokio_rustls::TlsAcceptor,
        connections: Connections,
    ) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(READY_QUEUE);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = tx.closed() => break,
                    accepted = listener.accept() => accepted,
                };
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let stream = connections.admit(stream).await;
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(ServeListener::Tls { local, ready })
    }
}

impl axum::serve::Listener for ServeListener {
    type Io = Either<Guarded<TcpStream>, TlsStream<Guarded<TcpStream>>>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, SocketAddr) {
        match self {
            ServeListener::Plain {
                listener,
                connections,
            } => {
                let (io, addr) = axum::serve::Listener::accept(listener).await;
                (Either::Left(connections.admit(io).await), addr)
            }
            ServeListener::Tls { ready, .. } => match ready.recv().await {
                Some((io, addr)) => (Either::Right(io), addr),
                // The accept task only ends when this receiver is gone; never resolves.
                None => std::future::pending().await,
            },
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        match self {
            ServeListener::Plain { listener, .. } => listener.local_addr(),
            ServeListener::Tls { local, .. } => Ok(*local),
        }
    }
}

impl PeerAddr {
    /// The peer of a connection `ServeListener` accepted from `addr`, with its request count.
    pub fn of(io: &<ServeListener as axum::serve::Listener>::Io, addr: SocketAddr) -> Self {
        let conn = match io {
            Either::Left(plain) => plain.state(),
            Either::Right(tls) => tls.get_ref().0.state(),
        };
        PeerAddr {
            addr,
            conn: Some(conn),
        }
    }
}

/// The remote address of a connection, as the router records it, and the connection's
/// request count (for its time limits) when `serve` accepted it.
#[derive(Debug, Clone)]
pub struct PeerAddr {
    pub addr: SocketAddr,
    pub conn: Option<Arc<ConnState>>,
}

impl Connected<IncomingStream<'_, TcpListener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        PeerAddr {
            addr: *stream.remote_addr(),
            conn: None,
        }
    }
}

/// The client's address, when the connection's is known.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<SocketAddr>);

impl ClientAddr {
    /// The client's IP.
    pub fn ip(&self) -> Option<IpAddr> {
        self.0.map(|a| a.ip())
    }

    /// True for a client on this machine's loopback interface.
    pub fn is_loopback(&self) -> bool {
        self.ip().is_some_and(|ip| match ip {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
            IpAddr::V4(v4) => v4.is_loopback(),
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<PeerAddr>>()
                .map(|c| c.0.addr),
        ))
    }
}
