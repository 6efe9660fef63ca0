//! A request refused before its body is read (a customer at a staff operation) is answered
//! with `Connection: close`: the server cannot reuse that connection, and a keep-alive client
//! told nothing sends its next request into it and gets no answer (the kiosk flow saw
//! "server disconnected" now and then). A request whose body was read keeps its connection.

use crate::helpers::TestApp;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `request` on `stream` and returns the response head, lower-cased (the body is read
/// and dropped, so the connection can carry another request).
async fn exchange(stream: &mut TcpStream, request: &str) -> String {
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            let text = String::from_utf8_lossy(&received).to_lowercase();
            if let Some(end) = text.find("\r\n\r\n") {
                let head = text[..end].to_string();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().expect("a length"));
                if received.len() >= end + 4 + length {
                    return head;
                }
            }
            let n = stream.read(&mut buf).await.expect("read");
            assert!(n > 0, "the connection closed before a whole response");
            received.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("a response within 10 s")
}

#[tokio::test]
async fn a_refusal_sent_before_the_body_is_read_closes_the_connection_and_says_so() {
    let app = TestApp::spawn().await;
    let token = app.customer("Kiosk").await;
    let addr = app.base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.expect("connect");

    // A body that is read (a wrong password, 401) keeps the connection for the next request.
    let body = r#"{"email":"nobody@example.test","password":"wrong password"}"#;
    let head = exchange(
        &mut stream,
        &format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: rezerve\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(head.starts_with("http/1.1 401"), "{head}");
    assert!(!head.contains("connection: close"), "{head}");

    // The head alone of a check-in by a customer: refused (403) by the role before the
    // announced body, never sent, is read.
    let head = exchange(
        &mut stream,
        &format!(
            "POST /api/v1/checkins HTTP/1.1\r\nHost: rezerve\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n"
        ),
    )
    .await;
    assert!(head.starts_with("http/1.1 403"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
}
