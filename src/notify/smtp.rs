//! SMTP delivery to the configured relay over sockets this module opens itself, with
//! Nagle's algorithm off, kept in a small pool as lettre's `AsyncSmtpTransport` keeps them.
//!
//! lettre 0.11.23 (its newest release) never sets `TCP_NODELAY` and writes a message's end
//! marker as a small write of its own, so every message waited for the relay's delayed
//! acknowledgement, about 40 ms: 16 connections moved 23,333 emails in 57 s. Its transport
//! opens its sockets where we cannot reach them; its fix (lettre PR #1159) is not released.
//! So lettre still speaks SMTP here (greeting, EHLO, STARTTLS, AUTH, the message) over a
//! socket we hand it, and this module does what its transport did around that: read the
//! URL, connect, and keep connections for the next messages, each checked with a NOOP
//! before reuse and closed after a minute unused. When a lettre release sets the option,
//! this module can go back to `AsyncSmtpTransport`.
//!
//! Every conversation with the relay is bounded by `mail.smtp_timeout_seconds`: lettre's
//! async connection has no timeout of its own once connected, so a relay that accepted and
//! then stalled (after its greeting, after DATA) held the send, and its connection, forever.
//!
//! Never holds its lock across an await: a send waits on the relay, not on other sends.

use super::transport::SendFailure;
use crate::config::{MailConfig, SmtpTls};
use crate::error::Error;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
#[allow(deprecated)] // lettre's own stream type, the one way to reuse its TLS over our socket
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{SMTP_PORT, SUBMISSION_PORT, SUBMISSIONS_PORT};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// Connections kept open between messages. lettre's pool kept 10, but under load the
/// notifier sends more at once, and each send beyond the kept ones opened a connection for
/// one message (greeting, EHLO, over TLS a handshake, AUTH) and closed it after: in a 5 s
/// flows level over the bench's SMTP sink about half of some 6,000 emails did. With 32
/// almost none did.
const MAX_PARKED: usize = 32;
/// A connection unused this long is closed (lettre's pool's default).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The relay `mail.smtp_url` names, and the connections open to it.
pub struct Relay {
    host: String,
    port: u16,
    tls: Tls,
    hello: ClientId,
    credentials: Option<Credentials>,
    /// How long one message's conversation may take, all of it: connecting, the greeting,
    /// STARTTLS, AUTH, a kept connection's NOOP, MAIL, RCPT and DATA; and closing one.
    timeout: Duration,
    parked: Arc<Mutex<Vec<Parked>>>,
}

/// A connection waiting for the next message.
struct Parked {
    connection: AsyncSmtpConnection,
    since: Instant,
}

impl Relay {
    /// The relay `[mail]` describes, read as lettre's `AsyncSmtpTransport::from_url` reads
    /// the URL: `smtp://` plain (port 25), `?tls=required` or `?tls=opportunistic` STARTTLS
    /// (port 587), `smtps://` TLS from the first byte (port 465), a path as the EHLO name,
    /// user and password as credentials; then `smtp_tls`, `smtp_username` and
    /// `smtp_password` override it. Must run inside the runtime: it starts the task that
    /// closes idle connections.
    pub fn from_config(mail: &MailConfig) -> Result<Relay, Error> {
        let text = mail
            .smtp_url
            .as_deref()
            .ok_or_else(|| Error::invalid("mail.smtp_url", "is required for SMTP"))?;
        let invalid = |e: &dyn std::fmt::Display| Error::invalid("mail.smtp_url", e.to_string());
        let url = url::Url::parse(text).map_err(|e| invalid(&e))?;
        let host = url
            .host_str()
            .ok_or_else(|| invalid(&"has no host"))?
            .to_string();
        let parameters =
            |key| TlsParameters::new(host.clone()).map_err(|e| Error::invalid(key, e.to_string()));
        let tls_query = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let (default_port, mut tls) = match (url.scheme(), tls_query.as_deref()) {
            ("smtp", None) => (SMTP_PORT, Tls::None),
            ("smtp", Some("required")) => {
                (SUBMISSION_PORT, Tls::Required(parameters("mail.smtp_url")?))
            }
            ("smtp", Some("opportunistic")) => (
                SUBMISSION_PORT,
                Tls::Opportunistic(parameters("mail.smtp_url")?),
            ),
            ("smtps", _) => (SUBMISSIONS_PORT, Tls::Wrapper(parameters("mail.smtp_url")?)),
            (scheme, tls) => {
                return Err(invalid(&format!(
                    "unknown scheme {scheme:?} or tls parameter {tls:?}"
                )));
            }
        };
        if let Some(mode) = mail.smtp_tls {
            tls = match mode {
                SmtpTls::None => Tls::None,
                SmtpTls::Starttls => Tls::Required(parameters("mail.smtp_tls")?),
                SmtpTls::Tls => Tls::Wrapper(parameters("mail.smtp_tls")?),
            };
        }
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_string()),
        };
        let decoded = |part: &str| {
            percent_encoding::percent_decode_str(part)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|e| invalid(&e))
        };
        let mut credentials = match url.password() {
            Some(password) => Some(Credentials::new(
                decoded(url.username())?,
                decoded(password)?,
            )),
            None => None,
        };
        if let (Some(user), Some(password)) = (&mail.smtp_username, &mail.smtp_password) {
            credentials = Some(Credentials::new(user.clone(), password.0.clone()));
        }
        let parked = Arc::new(Mutex::new(Vec::new()));
        let timeout = Duration::from_secs(mail.smtp_timeout_seconds);
        close_idle_connections(Arc::downgrade(&parked), timeout);
        Ok(Relay {
            port: url.port().unwrap_or(default_port),
            host,
            tls,
            hello,
            credentials,
            timeout,
            parked,
        })
    }

    /// Hands one message to the relay. A 4xx answer, a connection error or a conversation
    /// that outlasts the timeout is temporary; a 5xx answer is permanent.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendFailure> {
        let conversation = async {
            let mut connection = self.connection().await?;
            let sent = connection.send(envelope, message).await;
            Ok((connection, sent))
        };
        // A connection the deadline cuts off is dropped with `conversation` (its socket
        // closed), never parked: the relay may still answer the command it stalled on. A
        // relay that stalled after the message's end marker may have taken the message, so
        // its retry may deliver it twice, as with any SMTP client that gives up waiting.
        let (connection, sent) = tokio::time::timeout(self.timeout, conversation)
            .await
            .map_err(|_| SendFailure {
                reason: format!(
                    "smtp: {}:{} did not finish within {} s",
                    self.host,
                    self.port,
                    self.timeout.as_secs()
                ),
                permanent: false,
            })??;
        self.park(connection).await;
        sent.map(|_| ()).map_err(refused)
    }

    /// A parked connection that still answers a NOOP, or a new one.
    async fn connection(&self) -> Result<AsyncSmtpConnection, SendFailure> {
        loop {
            let parked = self.lock().pop();
            let Some(Parked { mut connection, .. }) = parked else {
                return self.open().await;
            };
            if connection.test_connected().await {
                return Ok(connection);
            }
            close(connection, self.timeout).await;
        }
    }

    /// Keeps `connection` for the next message, unless it broke or enough are kept.
    async fn park(&self, connection: AsyncSmtpConnection) {
        let surplus = if connection.has_broken() {
            Some(connection)
        } else {
            let mut parked = self.lock();
            if parked.len() < MAX_PARKED {
                parked.push(Parked {
                    connection,
                    since: Instant::now(),
                });
                None
            } else {
                Some(connection)
            }
        };
        if let Some(connection) = surplus {
            close(connection, self.timeout).await;
        }
    }

    /// A new connection: greeted, encrypted as configured, authenticated.
    async fn open(&self) -> Result<AsyncSmtpConnection, SendFailure> {
        let socket = self.open_socket().await.map_err(|e| SendFailure {
            reason: format!("smtp: connecting to {}:{}: {e}", self.host, self.port),
            permanent: false,
        })?;
        let stream: Box<dyn AsyncTokioStream> = match &self.tls {
            Tls::Wrapper(parameters) => {
                #[allow(deprecated)]
                let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(socket));
                stream
                    .upgrade_tls(parameters.clone())
                    .await
                    .map_err(refused)?;
                Box::new(Encrypted(stream))
            }
            _ => Box::new(socket),
        };
        let mut connection = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(refused)?;
        match &self.tls {
            Tls::Opportunistic(parameters) if connection.can_starttls() => {
                connection.starttls(parameters.clone(), &self.hello).await
            }
            Tls::Required(parameters) => connection.starttls(parameters.clone(), &self.hello).await,
            _ => Ok(()),
        }
        .map_err(refused)?;
        if let Some(credentials) = &self.credentials {
            connection
                .auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(refused)?;
        }
        Ok(connection)
    }

    /// A TCP connection to the relay with `TCP_NODELAY` set: the reason this module exists
    /// (see the module doc). Each address the host resolves to is tried in turn, each
    /// within the timeout, as lettre tried them.
    async fn open_socket(&self) -> io::Result<TcpStream> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
        for address in tokio::net::lookup_host((self.host.as_str(), self.port)).await? {
            match tokio::time::timeout(self.timeout, TcpStream::connect(address)).await {
                Ok(Ok(socket)) => {
                    socket.set_nodelay(true)?;
                    return Ok(socket);
                }
                Ok(Err(e)) => last = e,
                Err(_) => last = io::Error::new(io::ErrorKind::TimedOut, "connection timed out"),
            }
        }
        Err(last)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Parked>> {
        // A panic while the lock was held left the list whole (pushes and pops only).
        self.parked.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Every minute, closes the connections parked for more than a minute, until the relay
/// is dropped: a relay may drop them itself, and an idle venue holds none open.
fn close_idle_connections(parked: Weak<Mutex<Vec<Parked>>>, timeout: Duration) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(IDLE_TIMEOUT).await;
            let Some(parked) = parked.upgrade() else {
                return;
            };
            let idle: Vec<Parked> = {
                let mut parked = parked.lock().unwrap_or_else(PoisonError::into_inner);
                let (idle, fresh) = std::mem::take(&mut *parked)
                    .into_iter()
                    .partition(|p| p.since.elapsed() > IDLE_TIMEOUT);
                *parked = fresh;
                idle
            };
            drop(parked);
            for Parked { connection, .. } in idle {
                close(connection, timeout).await;
            }
        }
    });
}

/// Says QUIT (unless the connection broke) and closes `connection`, or, when the relay
/// does not answer within `timeout`, just drops it: lettre waits for QUIT's answer, and a
/// stalled relay would hold the closing send (or the idle closer) forever.
async fn close(mut connection: AsyncSmtpConnection, timeout: Duration) {
    let _ = tokio::time::timeout(timeout, connection.abort()).await;
}

/// What lettre's error says, as a send's failure.
fn refused(e: lettre::transport::smtp::Error) -> SendFailure {
    SendFailure {
        reason: format!("smtp: {e}"),
        permanent: e.is_permanent(),
    }
}

/// A TLS stream lettre made over our socket (`smtps://`), handed back to lettre as the
/// stream its connection speaks over. lettre's stream speaks the `futures` I/O traits,
/// its connections take tokio's: this translates.
#[allow(deprecated)]
#[derive(Debug)]
struct Encrypted(AsyncNetworkStream);

impl AsyncTokioStream for Encrypted {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

impl tokio::io::AsyncRead for Encrypted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let read = ready!(futures_io::AsyncRead::poll_read(
            Pin::new(&mut self.0),
            cx,
            buf.initialize_unfilled()
        ))?;
        buf.advance(read);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for Encrypted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(Pin::new(&mut self.0), cx)
    }
}

#[cfg(test)]
mod tests;
