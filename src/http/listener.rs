//! What `serve` listens with, and who is on the other end of a request.
//!
//! The peer address reaches handlers as axum `ConnectInfo<PeerAddr>`; [`ClientAddr`] reads
//! it without failing when a router is driven some other way (benches, `oneshot`), so the
//! login throttle and the first-run check degrade to "unknown client" rather than a 500.

use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::serve::IncomingStream;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use tokio::net::TcpListener;

/// The remote address of a connection, as the router records it.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub SocketAddr);

impl Connected<IncomingStream<'_, TcpListener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        PeerAddr(*stream.remote_addr())
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
                .map(|c| c.0.0),
        ))
    }
}
