//! The relay's sockets, its reading of the URL, and its three kinds of connection (plain,
//! STARTTLS, TLS from the first byte) against a scripted relay in this process.

use super::*;
use crate::config::{MailTransport, Secret};
use std::sync::atomic::Ordering;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

fn mail(url: &str) -> MailConfig {
    MailConfig {
        transport: MailTransport::Smtp,
        smtp_url: Some(url.to_string()),
        ..MailConfig::default()
    }
}

#[tokio::test]
async fn the_relay_sockets_send_small_writes_at_once() {
    // lettre writes a message's end marker as a write of its own; with Nagle's algorithm on,
    // that write waits for the relay's delayed acknowledgement of the message (~40 ms).
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let relay = Relay::from_config(&mail(&format!("smtp://127.0.0.1:{port}"))).unwrap();
    let socket = relay.open_socket().await.unwrap();
    assert!(socket.nodelay().unwrap(), "TCP_NODELAY is off");
}

#[tokio::test]
async fn the_url_is_read_as_lettre_read_it_and_the_settings_override_it() {
    let relay = Relay::from_config(&mail("smtp://relay.test")).unwrap();
    assert_eq!((relay.host.as_str(), relay.port), ("relay.test", 25));
    assert!(matches!(relay.tls, Tls::None) && relay.credentials.is_none());
    assert_eq!(relay.hello, ClientId::default());

    let relay = Relay::from_config(&mail("smtp://relay.test?tls=required")).unwrap();
    assert!(matches!(relay.tls, Tls::Required(_)) && relay.port == 587);
    let relay = Relay::from_config(&mail("smtp://relay.test:2525?tls=opportunistic")).unwrap();
    assert!(matches!(relay.tls, Tls::Opportunistic(_)) && relay.port == 2525);

    let relay = Relay::from_config(&mail("smtps://us%40er:p%2Bss@relay.test/venue.test")).unwrap();
    assert!(matches!(relay.tls, Tls::Wrapper(_)) && relay.port == 465);
    assert!(relay.credentials == Some(Credentials::new("us@er".into(), "p+ss".into())));
    assert_eq!(relay.hello, ClientId::Domain("venue.test".into()));
    // A user without a password is no credentials, as before.
    let relay = Relay::from_config(&mail("smtp://user@relay.test")).unwrap();
    assert!(relay.credentials.is_none());

    let relay = Relay::from_config(&MailConfig {
        smtp_tls: Some(SmtpTls::Starttls),
        smtp_username: Some("venue".into()),
        smtp_password: Some(Secret("secret".into())),
        ..mail("smtps://other:pw@relay.test")
    })
    .unwrap();
    assert!(matches!(relay.tls, Tls::Required(_)) && relay.port == 465);
    assert!(relay.credentials == Some(Credentials::new("venue".into(), "secret".into())));
    let relay = Relay::from_config(&MailConfig {
        smtp_tls: Some(SmtpTls::None),
        ..mail("smtp://relay.test?tls=required")
    })
    .unwrap();
    assert!(matches!(relay.tls, Tls::None));

    for bad in [
        "smtp://relay.test?tls=sometimes",
        "smtp:relay",
        "relay.test",
    ] {
        let err = Relay::from_config(&mail(bad)).err().expect(bad);
        assert!(err.to_string().contains("mail.smtp_url"), "{bad}: {err}");
    }
}

#[tokio::test]
async fn starttls_encrypts_before_the_credentials_and_a_connection_serves_two_messages() {
    let heard = two_messages(false).await;
    assert_eq!(
        heard.commands,
        [
            "EHLO", "STARTTLS", "EHLO tls", "AUTH tls", "MAIL tls", "RCPT tls", "DATA tls",
            "NOOP tls", "MAIL tls", "RCPT tls", "DATA tls"
        ]
    );
    assert_eq!(
        heard.messages,
        ["Subject: one\r\n\r\nfirst", "Subject: two\r\n\r\nsecond"]
    );
}

#[tokio::test]
async fn smtps_is_encrypted_from_the_first_byte() {
    let heard = two_messages(true).await;
    assert_eq!(
        heard.commands,
        [
            "EHLO tls", "AUTH tls", "MAIL tls", "RCPT tls", "DATA tls", "NOOP tls", "MAIL tls",
            "RCPT tls", "DATA tls"
        ]
    );
    assert_eq!(
        heard.messages,
        ["Subject: one\r\n\r\nfirst", "Subject: two\r\n\r\nsecond"]
    );
}

/// Sends two messages with credentials through a relay that speaks TLS from the first byte
/// (`implicit`) or offers STARTTLS, trusting the scripted relay's certificate; what it heard.
async fn two_messages(implicit: bool) -> Heard {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let scheme = if implicit { "smtps" } else { "smtp" };
    let mut relay = Relay::from_config(&MailConfig {
        smtp_username: Some("venue".into()),
        smtp_password: Some(Secret("secret".into())),
        ..mail(&format!("{scheme}://localhost:{port}?tls=required"))
    })
    .unwrap();
    let trusted = TlsParameters::builder("localhost".into())
        .add_root_certificate(
            lettre::transport::smtp::client::Certificate::from_der(cert.der().to_vec()).unwrap(),
        )
        .build()
        .unwrap();
    relay.tls = if implicit {
        Tls::Wrapper(trusted)
    } else {
        Tls::Required(trusted)
    };
    let server = tokio::spawn(serve_one(listener, acceptor(&cert, &key), implicit));
    let envelope = Envelope::new(
        Some("box-office@venue.test".parse().unwrap()),
        vec!["guest@customer.test".parse().unwrap()],
    )
    .unwrap();
    relay
        .send(&envelope, b"Subject: one\r\n\r\nfirst")
        .await
        .unwrap();
    relay
        .send(&envelope, b"Subject: two\r\n\r\nsecond")
        .await
        .unwrap();
    // Dropping the relay closes its parked connection, which ends the scripted relay.
    drop(relay);
    let heard = server.await.unwrap();
    // AUTH PLAIN's argument: base64 of "\0venue\0secret".
    assert_eq!(heard.auth.as_deref(), Some("AHZlbnVlAHNlY3JldA=="));
    heard
}

fn acceptor(cert: &rcgen::Certificate, key: &rcgen::KeyPair) -> tokio_rustls::TlsAcceptor {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// What the scripted relay was told: each command's verb (with ` tls` once encrypted), the
/// AUTH PLAIN argument and the messages.
#[derive(Default)]
struct Heard {
    commands: Vec<String>,
    auth: Option<String>,
    messages: Vec<String>,
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Serves one connection until the client closes it: a greeting, then EHLO (offering
/// STARTTLS until encrypted, and AUTH PLAIN), STARTTLS, AUTH, MAIL, RCPT, DATA, NOOP.
async fn serve_one(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    implicit: bool,
) -> Heard {
    let (socket, _) = listener.accept().await.unwrap();
    let stream: Box<dyn Stream> = if implicit {
        Box::new(acceptor.accept(socket).await.unwrap())
    } else {
        Box::new(socket)
    };
    let mut stream = BufReader::new(stream);
    let mut encrypted = implicit;
    let mut heard = Heard::default();
    stream.write_all(b"220 relay.test ESMTP\r\n").await.unwrap();
    loop {
        // The client closes without QUIT when the relay is dropped (over TLS, without a
        // close_notify: an error here).
        let Some(line) = next_line(&mut stream).await else {
            return heard;
        };
        let mut words = line.trim_end().split(' ');
        let verb = words.next().unwrap_or_default().to_ascii_uppercase();
        heard
            .commands
            .push(format!("{verb}{}", if encrypted { " tls" } else { "" }));
        let reply: &[u8] = match verb.as_str() {
            "EHLO" if encrypted => b"250-relay.test\r\n250 AUTH PLAIN\r\n",
            "EHLO" => b"250-relay.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n",
            "STARTTLS" => {
                stream.write_all(b"220 go ahead\r\n").await.unwrap();
                let plain = stream.into_inner();
                stream = BufReader::new(Box::new(acceptor.accept(plain).await.unwrap()));
                encrypted = true;
                continue;
            }
            "AUTH" => {
                heard.auth = words.nth(1).map(str::to_string);
                b"235 ok\r\n"
            }
            "DATA" => {
                stream.write_all(b"354 go on\r\n").await.unwrap();
                let mut message = String::new();
                loop {
                    let mut line = String::new();
                    stream.read_line(&mut line).await.unwrap();
                    if line == ".\r\n" {
                        break;
                    }
                    message.push_str(&line);
                }
                heard.messages.push(message.trim_end().to_string());
                b"250 queued\r\n"
            }
            _ => b"250 ok\r\n",
        };
        stream.write_all(reply).await.unwrap();
    }
}

#[tokio::test]
async fn a_relay_that_stalls_fails_the_send_within_the_timeout_and_its_connection_is_dropped() {
    // "" stalls before the greeting, "EHLO" after it, "." after the message's end marker.
    for stall_at in ["", "EHLO", "MAIL", "."] {
        let (relay, scripted) = stalling(stall_at, 1).await;
        let failure = within_a_while(relay.send(&envelope(), b"Subject: one\r\n\r\nfirst"))
            .await
            .expect_err(stall_at);
        assert!(!failure.permanent, "{stall_at}: {failure}");
        assert!(failure.reason.contains("did not finish"), "{failure}");
        // Dropped, not parked: the relay sees it closed, and the next send opens another.
        within_a_while(scripted.closed.notified()).await;
        within_a_while(relay.send(&envelope(), b"Subject: two\r\n\r\nsecond"))
            .await
            .unwrap();
        assert_eq!(scripted.accepted.load(Ordering::SeqCst), 2, "{stall_at}");
    }
}

#[tokio::test]
async fn a_kept_connection_whose_noop_stalls_fails_the_send_and_is_dropped() {
    let (relay, scripted) = stalling("NOOP", 1).await;
    relay
        .send(&envelope(), b"Subject: one\r\n\r\nfirst")
        .await
        .unwrap();
    let failure = within_a_while(relay.send(&envelope(), b"Subject: two\r\n\r\nsecond"))
        .await
        .unwrap_err();
    assert!(!failure.permanent && failure.reason.contains("did not finish"));
    within_a_while(scripted.closed.notified()).await;
    within_a_while(relay.send(&envelope(), b"Subject: two\r\n\r\nsecond"))
        .await
        .unwrap();
    assert_eq!(scripted.accepted.load(Ordering::SeqCst), 2);
}

fn envelope() -> Envelope {
    Envelope::new(
        Some("box-office@venue.test".parse().unwrap()),
        vec!["guest@customer.test".parse().unwrap()],
    )
    .unwrap()
}

/// `future`'s output; panics instead of waiting on and on (a send the timeout never ends).
async fn within_a_while<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .expect("still waiting a minute later")
}

/// What the stalling relay saw: connections accepted, and a stalled one closed by the client.
#[derive(Default)]
struct Scripted {
    accepted: std::sync::atomic::AtomicUsize,
    closed: tokio::sync::Notify,
}

/// A relay with `mail.smtp_timeout_seconds = 1` and a plain scripted relay behind it that
/// answers as `serve_one` does, except that on its `stalled`th connection it stops
/// answering at `stall_at` (a verb, "." for the message's end marker, "" for the greeting)
/// and keeps the connection open until the client closes it.
async fn stalling(stall_at: &'static str, stalled: usize) -> (Relay, Arc<Scripted>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let relay = Relay::from_config(&MailConfig {
        smtp_timeout_seconds: 1,
        ..mail(&format!("smtp://127.0.0.1:{port}"))
    })
    .unwrap();
    let scripted = Arc::new(Scripted::default());
    let seen = scripted.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let number = seen.accepted.fetch_add(1, Ordering::SeqCst) + 1;
            let stall_at = (number == stalled).then_some(stall_at);
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(socket);
                if answer(&mut stream, stall_at).await {
                    // Stalled: wait for the client to give up on the connection.
                    let mut rest = Vec::new();
                    let _ = tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut rest).await;
                    seen.closed.notify_one();
                }
            });
        }
    });
    (relay, scripted)
}

/// The client's next line, or `None` once it has closed or broken the connection.
async fn next_line(stream: &mut (impl AsyncBufReadExt + Unpin)) -> Option<String> {
    let mut line = String::new();
    matches!(stream.read_line(&mut line).await, Ok(1..)).then_some(line)
}

/// Answers one plain connection until the client closes it or breaks it (`false`) or
/// `stall_at` comes (`true`).
async fn answer(stream: &mut BufReader<TcpStream>, stall_at: Option<&str>) -> bool {
    if stall_at == Some("") {
        return true;
    }
    if stream.write_all(b"220 relay.test ESMTP\r\n").await.is_err() {
        return false;
    }
    loop {
        let Some(line) = next_line(stream).await else {
            return false;
        };
        let verb = line.split_whitespace().next().unwrap_or_default();
        if stall_at == Some(verb) {
            return true;
        }
        if verb == "DATA" {
            if stream.write_all(b"354 go on\r\n").await.is_err() {
                return false;
            }
            loop {
                let Some(line) = next_line(stream).await else {
                    return false;
                };
                if line == ".\r\n" {
                    break;
                }
            }
            if stall_at == Some(".") {
                return true;
            }
        }
        if stream.write_all(b"250 ok\r\n").await.is_err() {
            return false;
        }
    }
}
