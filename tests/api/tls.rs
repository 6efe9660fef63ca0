//! HTTPS on loopback, through a rustls client that trusts exactly one certificate: the one
//! `server.tls = "self-signed"` generated into `<data_dir>/tls/`, or the operator's own PEM
//! (`server.tls_cert`/`server.tls_key`). Cookies are `Secure` under TLS, the generated files
//! are private, a restart serves the same certificate, and a bad certificate path stops
//! start-up with a message naming the setting.

use crate::cli::Workdir;
use crate::console::PASSWORD;
use crate::helpers::TestApp;
use rezerve::config::TlsMode;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTP response read off a TLS stream, and the certificate the server showed.
#[derive(Debug)]
struct Response {
    status: u16,
    head: String,
    body: String,
    fingerprint: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// The address a test app listens on.
fn addr_of(app: &TestApp) -> SocketAddr {
    app.base_url
        .trim_start_matches("http://")
        .parse()
        .expect("the app's address")
}

/// One HTTP/1.1 request over TLS to 127.0.0.1, trusting only the certificates in
/// `trusted_pem`; `Err` with rustls' reason when the handshake fails.
async fn https(
    addr: SocketAddr,
    trusted_pem: &[u8],
    request_head: &str,
    body: &str,
) -> Result<Response, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(trusted_pem) {
        roots
            .add(cert.expect("a PEM certificate"))
            .expect("a usable trust anchor");
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .expect("tcp connect");
    let name = ServerName::IpAddress(addr.ip().into());
    let mut tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    let fingerprint = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| rezerve::tls::fingerprint(c.as_ref()))
        .expect("a peer certificate");
    let request = format!(
        "{request_head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(request.as_bytes()).await.expect("request");
    let mut raw = Vec::new();
    // A server may close without close_notify; what arrived is the response.
    if let Err(e) = tls.read_to_end(&mut raw).await {
        assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof, "read: {e}");
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    Ok(Response {
        status,
        head: head.to_string(),
        body: body.to_string(),
        fingerprint,
    })
}

async fn get(addr: SocketAddr, trusted_pem: &[u8], path: &str, cookie: Option<&str>) -> Response {
    let cookie = cookie
        .map(|c| format!("\r\nCookie: {c}"))
        .unwrap_or_default();
    https(
        addr,
        trusted_pem,
        &format!("GET {path} HTTP/1.1{cookie}"),
        "",
    )
    .await
    .unwrap_or_else(|e| panic!("GET {path} over TLS: {e}"))
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A certificate and key for 127.0.0.1 that no server here uses.
fn foreign_cert() -> (String, String) {
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    (cert.pem(), key.serialize_pem())
}

#[tokio::test]
async fn a_self_signed_certificate_is_generated_once_and_served() {
    let app = TestApp::spawn_with(|c| c.server.tls = TlsMode::SelfSigned).await;
    let addr = addr_of(&app);
    let tls_dir = app.data_dir.path().join("tls");
    let (cert_path, key_path) = rezerve::tls::self_signed_paths(app.data_dir.path());
    assert_eq!(
        (cert_path.parent(), key_path.parent()),
        (Some(tls_dir.as_path()), Some(tls_dir.as_path()))
    );
    assert_eq!(mode(&cert_path), 0o600, "cert.pem");
    assert_eq!(mode(&key_path), 0o600, "key.pem");
    assert_eq!(mode(&tls_dir), 0o700, "tls/");
    let cert_pem = std::fs::read(&cert_path).expect("cert.pem");
    let cert_der = CertificateDer::from_pem_slice(&cert_pem).expect("a PEM certificate");
    let generated = rezerve::tls::fingerprint(cert_der.as_ref());

    // Trusting only that certificate, the console answers over HTTPS.
    let login = get(addr, &cert_pem, "/admin/login", None).await;
    assert_eq!(login.status, 200, "{}", login.head);
    assert!(login.body.contains("Sign in to the console"));
    assert_eq!(login.fingerprint, generated);
    // A client that trusts another certificate refuses this server.
    let (other, _) = foreign_cert();
    let refused = https(addr, other.as_bytes(), "GET /admin/login HTTP/1.1", "").await;
    assert!(refused.is_err(), "{refused:?}");
    // Plain HTTP on the TLS port gets no page.
    let plain = reqwest::Client::new()
        .get(format!("{}/admin/login", app.base_url))
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    assert!(
        plain.as_ref().map_or(true, |r| !r.status().is_success()),
        "{plain:?}"
    );

    // Signing in over TLS sets a Secure cookie, and it opens the console.
    app.core
        .auth
        .create_user(rezerve::auth::account::NewUser {
            email: "sam@example.test".into(),
            password: PASSWORD.into(),
            name: "sam".into(),
            phone: None,
            role: rezerve::auth::Role::Staff,
        })
        .await
        .expect("account");
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("email", "sam@example.test"), ("password", PASSWORD)])
        .finish();
    let signed_in = https(
        addr,
        &cert_pem,
        &format!(
            "POST /admin/login HTTP/1.1\r\nOrigin: https://{addr}\r\nContent-Type: application/x-www-form-urlencoded"
        ),
        &form,
    )
    .await
    .expect("sign-in over TLS");
    assert_eq!(signed_in.status, 303, "{}", signed_in.head);
    let cookie = signed_in.header("set-cookie").expect("a session cookie");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(attributes.contains(&attribute), "{attribute} in {cookie}");
    }
    let pair = attributes[0];
    let dashboard = get(addr, &cert_pem, "/admin/", Some(pair)).await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.head);
    assert!(dashboard.body.contains("<h1>Dashboard</h1>"));

    // A restart serves the very same certificate; nothing is generated again.
    let modified = std::fs::metadata(&cert_path)
        .and_then(|m| m.modified())
        .expect("mtime");
    let data_dir = app.stop().await;
    let app = TestApp::spawn_in_with(data_dir, |c| c.server.tls = TlsMode::SelfSigned).await;
    assert_eq!(std::fs::read(&cert_path).expect("cert.pem"), cert_pem);
    assert_eq!(
        std::fs::metadata(&cert_path)
            .and_then(|m| m.modified())
            .expect("mtime"),
        modified
    );
    let again = get(addr_of(&app), &cert_pem, "/admin/login", None).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.fingerprint, generated);
    app.stop().await;
}

#[tokio::test]
async fn an_operators_certificate_is_served_as_given() {
    let pem_dir = tempfile::tempdir().expect("temp dir");
    let (cert_pem, key_pem) = foreign_cert();
    let (cert_path, key_path) = (
        pem_dir.path().join("box.crt"),
        pem_dir.path().join("box.key"),
    );
    std::fs::write(&cert_path, &cert_pem).expect("write cert");
    std::fs::write(&key_path, &key_pem).expect("write key");
    let (c, k) = (cert_path.clone(), key_path.clone());
    let app = TestApp::spawn_with(move |config| {
        config.server.tls_cert = Some(c);
        config.server.tls_key = Some(k);
    })
    .await;
    let login = get(addr_of(&app), cert_pem.as_bytes(), "/admin/login", None).await;
    assert_eq!(login.status, 200, "{}", login.head);
    assert!(login.body.contains("Sign in to the console"));
    let der = CertificateDer::from_pem_slice(cert_pem.as_bytes()).expect("PEM");
    assert_eq!(login.fingerprint, rezerve::tls::fingerprint(der.as_ref()));
    // Nothing was generated beside it.
    assert!(!app.data_dir.path().join("tls").exists());
    app.stop().await;
}

/// `rezerve serve` in `work` with `env`, until it prints its address or exits.
struct Serve {
    child: Child,
    stdout: Vec<String>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn rezerve(work: &Workdir, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rezerve"));
    command.arg("serve").current_dir(work.path());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("REZERVE_") {
            command.env_remove(key);
        }
    }
    command.env("REZERVE_SERVER__LISTEN", "127.0.0.1:0");
    command.env("REZERVE_SERVER__METRICS_LISTEN", "127.0.0.1:0");
    command.envs(env.iter().copied());
    command
}

/// Starts `rezerve serve` and reads stdout up to the line naming its address.
fn serve(work: &Workdir, env: &[(&str, &str)]) -> (Serve, SocketAddr) {
    let mut child = rezerve(work, env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("rezerve serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut serve = Serve {
        child,
        stdout: Vec::new(),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Read to the end even when nobody listens any more: a closed pipe would make the
        // server's next line of output fail.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut addr = None;
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if let Some(rest) = line.split_once("serving on https://").map(|(_, r)| r) {
            addr = rest.split('/').next().and_then(|a| a.parse().ok());
        }
        let done = line.starts_with("TLS:");
        serve.stdout.push(line);
        if done {
            break;
        }
    }
    let addr = addr.unwrap_or_else(|| panic!("no HTTPS address announced: {:?}", serve.stdout));
    (serve, addr)
}

/// The fingerprint `serve` printed.
fn printed_fingerprint(serve: &Serve) -> (String, String) {
    let line = serve
        .stdout
        .iter()
        .find(|l| l.starts_with("TLS:"))
        .unwrap_or_else(|| panic!("no TLS line: {:?}", serve.stdout));
    let how = line.split_whitespace().nth(1).expect("how").to_string();
    let fingerprint = line.rsplit(' ').next().expect("fingerprint").to_string();
    (how, fingerprint)
}

#[tokio::test]
async fn the_binary_prints_the_fingerprint_it_serves_and_keeps_it() {
    let work = Workdir::new();
    let env = [("REZERVE_SERVER__TLS", "self-signed")];
    let (first, addr) = serve(&work, &env);
    let (how, printed) = printed_fingerprint(&first);
    assert_eq!(how, "generated", "{:?}", first.stdout);
    let cert_pem = std::fs::read(work.data_dir().join("tls/cert.pem")).expect("cert.pem");
    let login = get(addr, &cert_pem, "/admin/login", None).await;
    assert_eq!(login.status, 200);
    assert_eq!(login.fingerprint, printed);
    assert!(
        first
            .stdout
            .iter()
            .any(|l| l.starts_with("Staff console: https://"))
    );
    drop(first);

    let (second, addr) = serve(&work, &env);
    assert_eq!(
        printed_fingerprint(&second),
        ("using".to_string(), printed.clone())
    );
    let login = get(addr, &cert_pem, "/admin/login", None).await;
    assert_eq!(login.fingerprint, printed);
}

#[test]
fn bad_certificate_settings_stop_the_start_with_a_clear_message() {
    let work = Workdir::new();
    let (cert_pem, key_pem) = foreign_cert();
    let (_, other_key) = foreign_cert();
    let cert = work.write("box.crt", &cert_pem);
    let key = work.write("box.key", &key_pem);
    let wrong_key = work.write("other.key", &other_key);
    let junk = work.write("junk.pem", "not a certificate\n");
    let missing = work.path().join("missing.pem");
    let (cert, key, wrong_key, junk, missing) = (
        cert.display().to_string(),
        key.display().to_string(),
        wrong_key.display().to_string(),
        junk.display().to_string(),
        missing.display().to_string(),
    );
    // (environment, what stderr must say)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: [Case; 6] = [
        (
            &[
                ("REZERVE_SERVER__TLS_CERT", &missing),
                ("REZERVE_SERVER__TLS_KEY", &key),
            ],
            &["server.tls_cert", &missing],
        ),
        (
            &[
                ("REZERVE_SERVER__TLS_CERT", &cert),
                ("REZERVE_SERVER__TLS_KEY", &missing),
            ],
            &["server.tls_key", &missing],
        ),
        (
            &[
                ("REZERVE_SERVER__TLS_CERT", &junk),
                ("REZERVE_SERVER__TLS_KEY", &key),
            ],
            &["server.tls_cert", &junk],
        ),
        (
            &[
                ("REZERVE_SERVER__TLS_CERT", &cert),
                ("REZERVE_SERVER__TLS_KEY", &wrong_key),
            ],
            &["server.tls_key", "does not fit"],
        ),
        (
            &[("REZERVE_SERVER__TLS_CERT", &cert)],
            &["server.tls_key", "required"],
        ),
        (
            &[
                ("REZERVE_SERVER__TLS", "self-signed"),
                ("REZERVE_SERVER__TLS_CERT", &cert),
                ("REZERVE_SERVER__TLS_KEY", &key),
            ],
            &["server.tls", "not both"],
        ),
    ];
    for (i, (env, expected)) in cases.into_iter().enumerate() {
        let out = work.path().join("out");
        let err = work.path().join("err");
        let mut child = Serve {
            child: rezerve(&work, env)
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(&out).expect("stdout file"))
                .stderr(std::fs::File::create(&err).expect("stderr file"))
                .spawn()
                .expect("rezerve runs"),
            stdout: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.child.try_wait().expect("wait") {
                break Some(status);
            }
            if Instant::now() > deadline {
                break None; // still serving: dropping `child` kills it
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = std::fs::read_to_string(&out).unwrap_or_default();
        let stderr = std::fs::read_to_string(&err).unwrap_or_default();
        assert!(
            matches!(status.and_then(|s| s.code()), Some(c) if c != 0),
            "{env:?} should fail: {status:?}\n{stdout}\n{stderr}"
        );
        for needle in expected {
            assert!(
                stderr.contains(needle),
                "{env:?}: stderr lacks {needle:?}:\n{stderr}"
            );
        }
        assert!(!stdout.contains("serving on"), "{env:?}: {stdout}");
        if i < 2 {
            // A file that is not there is a configuration error: no data dir is made.
            assert!(!work.data_dir().exists(), "{env:?}");
        }
    }
}
