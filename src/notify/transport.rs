//! How email leaves the process: SMTP (a relay, see `smtp`), `.eml` files under the data
//! dir (the embedded default: the demo needs no mail server), or the log.

use super::smtp::Relay;
use crate::config::{MailConfig, MailTransport};
use crate::error::Error;
use lettre::address::Envelope;
use std::path::{Path, PathBuf};

/// Makes a message (templates, QR images): too slow for the async executor.
pub type Compose = Box<dyn FnOnce() -> Result<Vec<u8>, Error> + Send>;

/// What [`Transport::compose_all`] made of a message.
pub enum Handed {
    /// It could not be made: not attempted.
    NotComposed(Error),
    /// Made, for [`Transport::send`].
    Composed(Vec<u8>),
    /// Made and delivered (written, by the file transport): the transport's verdict.
    Sent(Result<(), SendFailure>),
}

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// What went wrong, with the server's own answer when it gave one.
    pub reason: String,
    /// The server refused it for good (an SMTP 5xx): the same message will never go
    /// through, so trying again only delays telling the operator.
    pub permanent: bool,
}

impl SendFailure {
    fn temporary(reason: String) -> SendFailure {
        SendFailure {
            reason,
            permanent: false,
        }
    }
}

impl std::fmt::Display for SendFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// A configured transport.
pub enum Transport {
    Smtp(Relay),
    File(PathBuf),
    Log,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Smtp(_) => f.write_str("Transport::Smtp"),
            Transport::File(dir) => write!(f, "Transport::File({})", dir.display()),
            Transport::Log => f.write_str("Transport::Log"),
        }
    }
}

impl Transport {
    /// The transport `[mail]` describes; files go to `<data_dir>/mail`.
    pub fn from_config(mail: &MailConfig, data_dir: &std::path::Path) -> Result<Transport, Error> {
        match mail.transport {
            MailTransport::Log => Ok(Transport::Log),
            MailTransport::File => Ok(Transport::File(data_dir.join("mail"))),
            MailTransport::Smtp => Ok(Transport::Smtp(Relay::from_config(mail)?)),
        }
    }

    /// Delivers the message `compose` makes; `id` names it in file names and logs. Composing
    /// (templates, QR images) is too slow for the async executor, so it runs on the blocking
    /// pool, and the file transport writes its file in that same trip. `Err` only when the
    /// message cannot be composed; the transport's verdict is the inner result, as for
    /// [`Transport::send`].
    pub async fn send_composed(
        &self,
        id: &str,
        envelope: &Envelope,
        compose: impl FnOnce() -> Result<Vec<u8>, Error> + Send + 'static,
    ) -> Result<Result<(), SendFailure>, Error> {
        let joined = |e: tokio::task::JoinError| Error::internal(format!("composing: {e}"));
        match self {
            Transport::Smtp(_) | Transport::Log => {
                let message = tokio::task::spawn_blocking(compose)
                    .await
                    .map_err(joined)??;
                Ok(self.send(id, envelope, &message).await)
            }
            Transport::File(dir) => {
                let (dir, id) = (dir.clone(), id.to_string());
                tokio::task::spawn_blocking(move || {
                    let message = compose()?;
                    Ok(write_file(&dir, &id, &message))
                })
                .await
                .map_err(joined)?
            }
        }
    }

    /// Makes the messages each `(id, compose)` makes, all in one trip to the blocking pool
    /// (a trip costs two thread wake-ups, more than writing a small file); the file
    /// transport writes each there too. What became of each, in their order.
    pub async fn compose_all(&self, messages: Vec<(String, Compose)>) -> Vec<Handed> {
        let count = messages.len();
        let file = match self {
            Transport::File(dir) => Some(dir.clone()),
            Transport::Smtp(_) | Transport::Log => None,
        };
        let made = tokio::task::spawn_blocking(move || {
            messages
                .into_iter()
                .map(|(id, compose)| match (composed(compose), &file) {
                    (Err(e), _) => Handed::NotComposed(e),
                    (Ok(message), Some(dir)) => Handed::Sent(write_file(dir, &id, &message)),
                    (Ok(message), None) => Handed::Composed(message),
                })
                .collect()
        })
        .await;
        made.unwrap_or_else(|e| {
            (0..count)
                .map(|_| Handed::NotComposed(Error::internal(format!("composing: {e}"))))
                .collect()
        })
    }

    /// Delivers one message; `id` names it in file names and logs. A 4xx answer, a
    /// connection or a file error is temporary; a 5xx answer is permanent.
    pub async fn send(
        &self,
        id: &str,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(), SendFailure> {
        match self {
            Transport::Smtp(relay) => relay.send(envelope, message).await,
            Transport::File(dir) => {
                let (dir, id, message) = (dir.clone(), id.to_string(), message.to_vec());
                tokio::task::spawn_blocking(move || write_file(&dir, &id, &message))
                    .await
                    .unwrap_or_else(|e| Err(SendFailure::temporary(format!("writing: {e}"))))
            }
            Transport::Log => {
                tracing::info!(
                    notification = id,
                    bytes = message.len(),
                    "email (log transport; not sent)"
                );
                Ok(())
            }
        }
    }
}

/// The message `compose` makes. A panic fails this message alone: the others of its trip
/// are still made and written, and recorded as such (a message written but recorded as
/// not made would be sent again by its retry).
fn composed(compose: Compose) -> Result<Vec<u8>, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(compose))
        .unwrap_or_else(|_| Err(Error::internal("composing panicked")))
}

/// Writes `<dir>/<id>.eml`, making the directory first only when it is missing (an
/// operator may have moved it away; checking on every email cost a system call each).
fn write_file(dir: &Path, id: &str, message: &[u8]) -> Result<(), SendFailure> {
    let path = dir.join(format!("{id}.eml"));
    let failed = |e: std::io::Error| SendFailure::temporary(format!("{}: {e}", path.display()));
    match std::fs::write(&path, message) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir)
                .map_err(|e| SendFailure::temporary(format!("{}: {e}", dir.display())))?;
            std::fs::write(&path, message).map_err(failed)
        }
        written => written.map_err(failed),
    }
}
