//! A minimal SMTP server inside the generator, for `LOAD_MAIL=smtp`: the server under load
//! delivers its emails to it over loopback as it would to a venue's mail relay, and the sink
//! answers each command at once and counts what arrived.
//!
//! Why not the file transport the bench uses by default: each email there is a new `.eml`
//! file, and on an ext4 without a journal a new inode skips every inode freed in the last
//! minutes, reading each one's inode block. Every bench run deletes tens of thousands of
//! `.eml` files with its data dir, so a flows level right after another run paid for that
//! search (about a quarter of a flow's server CPU in one profile). A relay is also what a
//! venue in production uses. Why not `tests/smtp_sink.py`: Python would take a core at the
//! thousands of emails a second a flows level makes. It shares the generator's runtime, so
//! its CPU is billed to the generator.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A sink listening on a loopback port until the generator exits.
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Received>,
}

#[derive(Default)]
struct Received {
    messages: AtomicU64,
    bytes: AtomicU64,
}

impl SmtpSink {
    pub async fn start() -> anyhow::Result<SmtpSink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let received = Arc::new(Received::default());
        let counts = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counts = counts.clone();
                tokio::spawn(async move {
                    // A client that hangs up mid-conversation ends only its own connection.
                    let _ = converse(stream, &counts).await;
                });
            }
        });
        Ok(SmtpSink { port, received })
    }

    /// Messages accepted so far.
    pub fn messages(&self) -> u64 {
        self.received.messages.load(Ordering::Relaxed)
    }

    /// Bytes of message data (what DATA carried) accepted so far.
    pub fn bytes(&self) -> u64 {
        self.received.bytes.load(Ordering::Relaxed)
    }
}

/// One client's session: greeting, then a reply to each command; a message's data runs to
/// the line holding a single dot.
async fn converse(stream: TcpStream, received: &Received) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::with_capacity(64 * 1024, read);
    write.write_all(b"220 load-sink ESMTP\r\n").await?;
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let verb = line
            .get(..4)
            .map(|v| v.to_ascii_uppercase())
            .unwrap_or_default();
        let reply: &[u8] = match verb.as_slice() {
            b"EHLO" => b"250-load-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            b"HELO" | b"MAIL" | b"RCPT" | b"RSET" | b"NOOP" => b"250 OK\r\n",
            b"DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut size = 0u64;
                loop {
                    line.clear();
                    if read.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" {
                        break;
                    }
                    size += line.len() as u64;
                }
                received.messages.fetch_add(1, Ordering::Relaxed);
                received.bytes.fetch_add(size, Ordering::Relaxed);
                b"250 OK queued\r\n"
            }
            b"QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}
