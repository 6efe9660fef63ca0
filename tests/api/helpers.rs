//! The test harness: a real `App` per test on its own port and temp data dir, and a small
//! client that speaks the API.

#![allow(dead_code)]

use reqwest::{Method, StatusCode};
use rezerve::clock::ManualClock;
use rezerve::{App, Config};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running app.
pub struct TestApp {
    pub base_url: String,
    /// Where `/metrics` is served: the metrics listener, not `base_url`.
    pub metrics_url: String,
    pub http: reqwest::Client,
    pub clock: ManualClock,
    pub config: Config,
    /// The served app's job queue: register handlers, run or inspect jobs in-process.
    pub jobs: rezerve::jobs::Jobs,
    /// The served app's domain handles (its SQLite writer, for enqueueing beside it).
    pub core: rezerve::app::Core,
    /// The first-run setup token `serve` would print (the data dir starts with no admin).
    pub setup_token: Option<String>,
    stop: CancellationToken,
    server: Option<JoinHandle<Result<(), rezerve::Error>>>,
    pub data_dir: tempfile::TempDir,
}

/// A response with its status and parsed body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts a problem+json response with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> &Self {
        self.assert_status(status);
        assert!(
            self.content_type.starts_with("application/problem+json"),
            "content type {} for {}",
            self.content_type,
            self.text
        );
        assert_eq!(self.body["code"], code, "problem: {}", self.text);
        assert_eq!(self.body["status"], status, "problem: {}", self.text);
        self
    }

    /// The fields named in a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A test configuration rooted in `dir`.
pub fn test_config(dir: &std::path::Path) -> Config {
    Config::for_tests(dir)
}

impl TestApp {
    /// Starts an app with the test configuration.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Starts an app after `adjust` has changed its configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(data_dir.path());
        adjust(&mut config);
        Self::start(config, data_dir).await
    }

    /// Starts an app on an existing data dir (a restart), with the test configuration.
    pub async fn spawn_in(data_dir: tempfile::TempDir) -> TestApp {
        Self::spawn_in_with(data_dir, |_| {}).await
    }

    /// Starts an app on an existing data dir after `adjust` has changed its configuration.
    pub async fn spawn_in_with(
        data_dir: tempfile::TempDir,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut config = test_config(data_dir.path());
        adjust(&mut config);
        Self::start(config, data_dir).await
    }

    async fn start(config: Config, data_dir: tempfile::TempDir) -> TestApp {
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let metrics = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let metrics_url = format!("http://{}/metrics", metrics.local_addr().expect("addr"));
        let app = App::build_with_clock(config.clone(), Arc::new(clock.clone()))
            .await
            .expect("app builds");
        let (jobs, core) = (app.jobs().clone(), app.core().clone());
        let setup_token = core
            .auth
            .open_first_run_setup()
            .await
            .expect("first-run check");
        let stop = CancellationToken::new();
        let server =
            tokio::spawn(app.serve(listener, Some(metrics), stop.clone().cancelled_owned()));
        TestApp {
            base_url,
            metrics_url,
            http: reqwest::Client::new(),
            clock,
            config,
            jobs,
            core,
            setup_token,
            stop,
            server: Some(server),
            data_dir,
        }
    }

    /// Stops the app as SIGTERM would and asserts the shutdown was clean.
    pub async fn stop(mut self) -> tempfile::TempDir {
        self.stop.cancel();
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("clean shutdown");
        }
        self.data_dir
    }

    /// Sends a request; `token` signs it, `body` is sent as JSON.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        Self::reply(response).await
    }

    /// One scrape of `/metrics` on the metrics listener.
    pub async fn scrape(&self) -> Reply {
        let response = self
            .http
            .get(&self.metrics_url)
            .send()
            .await
            .expect("metrics scraped");
        Self::reply(response).await
    }

    /// Turns a response into a [`Reply`].
    pub async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::DELETE, path, token, None).await
    }

    /// Registers a customer and returns their token.
    pub async fn customer(&self, name: &str) -> String {
        let reply = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": format!("{name}@example.test"), "password": "correct horse battery", "name": name}),
            )
            .await;
        reply.assert_status(201);
        reply.body["token"].as_str().expect("token").to_string()
    }

    /// Creates an account of `role` directly through the domain and signs it in.
    pub async fn account(&self, name: &str, role: &str) -> String {
        let core = rezerve::app::Core::open(self.config.clone(), Arc::new(self.clock.clone()))
            .await
            .expect("core opens beside the server");
        core.auth
            .create_user(rezerve::auth::account::NewUser {
                email: format!("{name}@example.test"),
                password: "correct horse battery".into(),
                name: name.into(),
                phone: None,
                role: role.parse::<rezerve::auth::Role>().expect("role"),
            })
            .await
            .expect("account created");
        core.close().await;
        self.login(&format!("{name}@example.test"), "correct horse battery")
            .await
    }

    /// Signs in and returns the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let reply = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        reply.assert_status(200);
        reply.body["token"].as_str().expect("token").to_string()
    }

    /// An admin token.
    pub async fn admin(&self) -> String {
        self.account("admin", "admin").await
    }

    /// Creates a concert with `rows` rows (A, B, …) of `seats` seats, all `standard`, and
    /// returns its id.
    pub async fn create_concert(&self, admin: &str, rows: usize, seats: u32) -> String {
        let rows: Vec<Value> = (0..rows)
            .map(|i| json!({"row": ((b'A' + i as u8) as char).to_string(), "seats": seats}))
            .collect();
        let reply = self
            .post(
                "/api/v1/events",
                Some(admin),
                concert_body(json!({"sections": [{"name": "Stalls", "rows": rows}]})),
            )
            .await;
        reply.assert_status(201);
        reply.body["id"].as_str().expect("id").to_string()
    }
}

/// An RFC 3339 time `days` from now.
pub fn days_from_now(days: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::days(days))
        .replace_nanosecond(0)
        .expect("valid")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats")
}

/// An RFC 3339 time `hours` from now.
pub fn hours_from_now(hours: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(hours))
        .replace_nanosecond(0)
        .expect("valid")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats")
}

/// A valid concert body with the given seat map, priced in INR for `standard`.
pub fn concert_body(seat_map: Value) -> Value {
    json!({
        "name": "Evening Raga", "category": "concert", "starts_at": days_from_now(30),
        "venue": {"name": "Town Hall"}, "seat_map": seat_map,
        "prices": {"standard": {"amount_minor": 90000, "currency": "INR"}}
    })
}

// ---------------------------------------------------------------------------------------
// Requests with extra headers and raw bodies (Idempotency-Key, webhook signatures); used by
// the booking tests.
// ---------------------------------------------------------------------------------------

impl TestApp {
    /// Sends `body` exactly as given (bytes, as JSON) with extra `headers`: a signature must
    /// cover the very bytes that travel.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        Self::reply(request.send().await.expect("request sent")).await
    }

    /// POSTs JSON with extra `headers` (e.g. `Idempotency-Key`).
    pub async fn post_with(
        &self,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Value,
    ) -> Reply {
        let bytes = serde_json::to_vec(&body).expect("JSON body");
        self.send_raw(Method::POST, path, token, headers, Some(bytes))
            .await
    }
}

// ---------------------------------------------------------------------------------------
// PUT (pricing rules and event overrides); used by the pricing tests.
// ---------------------------------------------------------------------------------------

impl TestApp {
    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(Method::PUT, path, token, Some(body)).await
    }
}

// ---------------------------------------------------------------------------------------
// A real SMTP server in another process (tests/smtp_sink.py on aiosmtpd, `pip install
// aiosmtpd`): the notification tests deliver to it over loopback, stop it to see delivery
// fail, and start it again on the same port to see the retry arrive.
// ---------------------------------------------------------------------------------------

/// How long the sink may take to start listening on a loaded machine.
const SINK_START_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// A message the sink received: its SMTP envelope and the message as it arrived.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The file it was written to (named in arrival order).
    pub file: std::path::PathBuf,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message bytes (without the sink's envelope lines).
    pub raw: Vec<u8>,
}

/// `python3 tests/smtp_sink.py`, killed when dropped.
pub struct SmtpSink {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<std::process::Child>,
}

impl SmtpSink {
    /// Starts a sink on a free loopback port.
    pub async fn start() -> SmtpSink {
        Self::start_deferring(0).await
    }

    /// Starts a sink that answers the first `defer` messages with a transient `451`.
    pub async fn start_deferring(defer: u32) -> SmtpSink {
        let dir = tempfile::tempdir().expect("sink dir");
        let mut sink = SmtpSink {
            port: 0,
            dir,
            child: None,
        };
        sink.launch(0, defer).await.expect("the SMTP sink starts");
        sink
    }

    /// The port it listens on (the same across restarts).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Whether the sink process is running.
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Kills the sink: connections to its port are refused until [`SmtpSink::restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err(),
            "port {} still accepts connections after the sink was killed",
            self.port
        );
    }

    /// Starts the sink again on the same port, into the same directory (deferring nothing).
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "the sink is running already");
        let deadline = std::time::Instant::now() + SINK_START_LIMIT;
        let port = self.port;
        loop {
            match self.launch(port, 0).await {
                Ok(()) => return,
                // The port may linger for a moment after the kill; try again.
                Err(e) if std::time::Instant::now() < deadline => {
                    eprintln!("smtp sink restart on {port}: {e}; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Err(e) => panic!("the SMTP sink does not start again on port {port}: {e}"),
            }
        }
    }

    async fn launch(&mut self, port: u16, defer: u32) -> Result<(), String> {
        use std::io::BufRead;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(self.dir.path())
            .arg(defer.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot run python3 {script}: {e}"))?;
        let stdout = child.stdout.take().expect("piped stdout");
        // The first line is the port; read it off the executor, with a time limit.
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let read = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(read.map(|_| line));
        });
        let line = match tokio::time::timeout(SINK_START_LIMIT, rx).await {
            Ok(Ok(Ok(line))) => line,
            outcome => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "no port from the sink ({outcome:?}); is aiosmtpd installed (python3 -m pip install aiosmtpd)?"
                ));
            }
        };
        let got: u16 = match line.trim().parse() {
            Ok(p) => p,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                return Err(format!(
                    "the sink said {line:?} and exited {status:?}; is aiosmtpd installed (python3 -m pip install aiosmtpd)?"
                ));
            }
        };
        assert!(port == 0 || got == port, "asked for port {port}, got {got}");
        self.port = got;
        self.child = Some(child);
        let deadline = std::time::Instant::now() + SINK_START_LIMIT;
        while tokio::net::TcpStream::connect(("127.0.0.1", got))
            .await
            .is_err()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the sink does not accept connections on {got}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("sink dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|file| {
                let bytes = std::fs::read(&file).expect("read received message");
                let mut rest = &bytes[..];
                let (mut mail_from, mut rcpt_to) = (String::new(), Vec::new());
                for _ in 0..2 {
                    let end = rest
                        .windows(2)
                        .position(|w| w == b"\r\n")
                        .expect("sink envelope line");
                    let line = String::from_utf8_lossy(&rest[..end]).to_string();
                    rest = &rest[end + 2..];
                    if let Some(from) = line.strip_prefix("X-Sink-Mail-From: ") {
                        mail_from = from.to_string();
                    } else if let Some(to) = line.strip_prefix("X-Sink-Rcpt-To: ") {
                        rcpt_to = to.split(", ").map(str::to_string).collect();
                    }
                }
                ReceivedMail {
                    file,
                    mail_from,
                    rcpt_to,
                    raw: rest.to_vec(),
                }
            })
            .collect()
    }

    /// The messages whose envelope names `recipient`.
    pub fn messages_to(&self, recipient: &str) -> Vec<ReceivedMail> {
        self.messages()
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(recipient)))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
