//! The generator's HTTP/1.1 client: one keep-alive connection per simulated client, each
//! request written in one `write` and its answer parsed with `httparse`.
//!
//! Why not reqwest: the generator shares this machine's two cores with the server, so every
//! microsecond it spends is taken from the server it measures. reqwest spent about 20 µs of
//! CPU per request (its URL and header maps, the pool's checkout, hyper's dispatch task and
//! channel) against the server's 13 µs for a whole `GET /healthz`: at the holds target
//! (20,000 holds/s, 40,000 requests) that alone is 0.8 of a core. This client does what the
//! bench needs and nothing else: one request at a time per connection (no pipelining, as a
//! kiosk or an app would), answers by `Content-Length` or chunked, a new connection when the
//! server closes one, and a timeout per request.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one request may take before it counts as a timeout.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Headers an answer may carry; the server sends about ten.
const MAX_HEADERS: usize = 32;

/// Why a request got no answer.
#[derive(Debug, Clone, Copy)]
pub enum Failure {
    Timeout,
    Connect,
    /// The answer was cut short or is not HTTP/1.1 as we read it.
    Body,
    /// Writing the request or reading the answer failed.
    Transport,
}

impl Failure {
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Connect => "cannot connect",
            Failure::Body => "broken body",
            Failure::Transport => "transport error",
        }
    }
}

/// A request: method, path (with query), optional `Bearer …` value and JSON body.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub auth: Option<&'a [u8]>,
    pub json: Option<&'a [u8]>,
}

/// One client's connection to the server, opened on first use and again after the server
/// closes it.
pub struct Wire {
    addr: SocketAddr,
    host: String,
    stream: Option<TcpStream>,
    /// The request being written, reused so a request allocates nothing.
    out: Vec<u8>,
    /// The answer as read: headers, then the body.
    input: Vec<u8>,
    /// A chunked answer's body, joined.
    joined: Vec<u8>,
}

/// Where an answer's body is.
enum Body {
    /// `input[from..to]`.
    Span(usize, usize),
    /// `joined`.
    Joined,
}

impl Wire {
    /// A client of `base` (`http://127.0.0.1:PORT`); nothing is opened yet.
    pub fn new(base: &str) -> anyhow::Result<Wire> {
        let host = base
            .strip_prefix("http://")
            .ok_or_else(|| anyhow::anyhow!("the bench speaks plain HTTP, not {base}"))?
            .trim_end_matches('/')
            .to_string();
        Ok(Wire {
            addr: host.parse()?,
            host,
            stream: None,
            out: Vec::with_capacity(512),
            input: Vec::with_capacity(4096),
            joined: Vec::new(),
        })
    }

    /// Opens the connection now (before a level's clock starts), if it is not open.
    pub async fn connect(&mut self) -> Result<(), Failure> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr)
                .await
                .map_err(|_| Failure::Connect)?;
            stream.set_nodelay(true).map_err(|_| Failure::Connect)?;
            self.stream = Some(stream);
        }
        Ok(())
    }

    /// Sends `request` and reads the whole answer: its status and body.
    pub async fn send(&mut self, request: &Request<'_>) -> Result<(u16, &[u8]), Failure> {
        self.out.clear();
        let out = &mut self.out;
        out.extend_from_slice(request.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(request.path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        out.extend_from_slice(self.host.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(auth) = request.auth {
            out.extend_from_slice(b"Authorization: ");
            out.extend_from_slice(auth);
            out.extend_from_slice(b"\r\n");
        }
        if let Some(json) = request.json {
            out.extend_from_slice(b"Content-Type: application/json\r\nContent-Length: ");
            out.extend_from_slice(json.len().to_string().as_bytes());
            out.extend_from_slice(b"\r\n\r\n");
            out.extend_from_slice(json);
        } else {
            out.extend_from_slice(b"\r\n");
        }
        // A kept-alive connection the server closed meanwhile fails on first use; the
        // request never reached a handler, so it is sent once more on a new connection.
        let reused = self.stream.is_some();
        let first = self.exchange().await;
        let (status, body) = match first {
            Err(Failure::Transport) if reused => self.exchange().await?,
            other => other?,
        };
        Ok((
            status,
            match body {
                Body::Span(from, to) => &self.input[from..to],
                Body::Joined => &self.joined,
            },
        ))
    }

    /// Writes `out`, reads one answer; on any failure the connection is dropped.
    async fn exchange(&mut self) -> Result<(u16, Body), Failure> {
        let answer = match tokio::time::timeout(TIMEOUT, self.round_trip()).await {
            Ok(answer) => answer,
            Err(_) => Err(Failure::Timeout),
        };
        match answer {
            Ok((status, body, keep)) => {
                if !keep {
                    self.stream = None;
                }
                Ok((status, body))
            }
            Err(failure) => {
                self.stream = None;
                Err(failure)
            }
        }
    }

    /// The answer's status, where its body is, and whether the connection stays open.
    async fn round_trip(&mut self) -> Result<(u16, Body, bool), Failure> {
        self.connect().await?;
        let stream = self.stream.as_mut().ok_or(Failure::Connect)?;
        stream
            .write_all(&self.out)
            .await
            .map_err(|_| Failure::Transport)?;
        self.input.clear();
        // The head: read until httparse has every header.
        let (head_len, status, length, chunked, keep) = loop {
            // Only a connection that failed before any byte of the answer reports
            // `Transport`, which `send` may retry: the server never began to answer.
            let read = read_more(stream, &mut self.input).await;
            match read {
                Ok(0) | Err(_) if self.input.is_empty() => return Err(Failure::Transport),
                Ok(0) | Err(_) => return Err(Failure::Body),
                Ok(_) => {}
            }
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&self.input) {
                Ok(httparse::Status::Complete(head_len)) => {
                    let status = response.code.ok_or(Failure::Body)?;
                    let (mut length, mut chunked, mut keep) = (None, false, true);
                    for header in response.headers.iter() {
                        if header.name.eq_ignore_ascii_case("content-length") {
                            length = std::str::from_utf8(header.value)
                                .ok()
                                .and_then(|v| v.trim().parse::<usize>().ok());
                            if length.is_none() {
                                return Err(Failure::Body);
                            }
                        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                            chunked = header.value.eq_ignore_ascii_case(b"chunked");
                        } else if header.name.eq_ignore_ascii_case("connection") {
                            keep = !header.value.eq_ignore_ascii_case(b"close");
                        }
                    }
                    break (head_len, status, length, chunked, keep);
                }
                Ok(httparse::Status::Partial) => continue,
                Err(_) => return Err(Failure::Body),
            }
        };
        let no_body = status == 204 || status == 304 || (100..200).contains(&status);
        if chunked && !no_body {
            let end = read_chunked(stream, &mut self.input, head_len, &mut self.joined).await?;
            if end != self.input.len() {
                return Err(Failure::Body);
            }
            return Ok((status, Body::Joined, keep));
        }
        match (no_body, length) {
            (true, _) => Ok((status, Body::Span(head_len, head_len), keep)),
            (false, Some(length)) => {
                let end = head_len + length;
                while self.input.len() < end {
                    if read_more(stream, &mut self.input).await? == 0 {
                        return Err(Failure::Body);
                    }
                }
                if self.input.len() != end {
                    // More than one answer to one request: not a server we can measure.
                    return Err(Failure::Body);
                }
                Ok((status, Body::Span(head_len, end), keep))
            }
            // No length: the body runs to the end of the connection.
            (false, None) => {
                while read_more(stream, &mut self.input).await? != 0 {}
                let end = self.input.len();
                Ok((status, Body::Span(head_len, end), false))
            }
        }
    }
}

/// Reads what the socket has into the end of `input`; 0 at the end of the stream.
async fn read_more(stream: &mut TcpStream, input: &mut Vec<u8>) -> Result<usize, Failure> {
    if input.capacity() - input.len() < 1024 {
        input.reserve(4096);
    }
    stream.read_buf(input).await.map_err(|_| Failure::Transport)
}

/// Reads a chunked body that starts at `input[at..]` into `joined`; returns where it ended.
async fn read_chunked(
    stream: &mut TcpStream,
    input: &mut Vec<u8>,
    mut at: usize,
    joined: &mut Vec<u8>,
) -> Result<usize, Failure> {
    joined.clear();
    loop {
        // The chunk's size line, then its data and CRLF.
        let size = loop {
            match httparse::parse_chunk_size(&input[at..]) {
                Ok(httparse::Status::Complete((used, size))) => {
                    at += used;
                    break usize::try_from(size).map_err(|_| Failure::Body)?;
                }
                Ok(httparse::Status::Partial) => {
                    if read_more(stream, input).await? == 0 {
                        return Err(Failure::Body);
                    }
                }
                Err(_) => return Err(Failure::Body),
            }
        };
        // The last chunk is followed by an empty trailer line.
        let needed = at + size + 2;
        while input.len() < needed {
            if read_more(stream, input).await? == 0 {
                return Err(Failure::Body);
            }
        }
        if &input[at + size..needed] != b"\r\n" {
            return Err(Failure::Body);
        }
        joined.extend_from_slice(&input[at..at + size]);
        at = needed;
        if size == 0 {
            return Ok(at);
        }
    }
}
