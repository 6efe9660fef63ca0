//! The CLI verbs as an operator runs them: the built binary spawned in its own temp working
//! dir, exit codes and output asserted, the data dir inspected afterwards (with rusqlite,
//! read-only, or to break an invariant on purpose). A `serve` started here is killed when its
//! guard drops, so a failing test never leaves a server behind; servers listen on
//! `127.0.0.1:0` and announce the address they got, so no port is fixed or guessed.

mod check;
mod configuration;
mod help;
mod init;
mod migrate;
mod seed_demo;
mod serve;
mod user;

use crate::helpers::{Reply, TestApp};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_rezerve");
/// The longest any one run may take before the test calls it hung (a loaded CI machine).
const RUN_LIMIT: Duration = Duration::from_secs(60);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(20);
/// The config file `rezerve init` writes: the repo's documented one.
const SHIPPED_CONFIG: &str = include_str!("../../rezerve.toml");

// ---------------------------------------------------------------------------------------
// Harness: a working dir, a command run in it, and a server process guard.
// ---------------------------------------------------------------------------------------

/// A temp working dir for one test; the binary runs in it, so `./rezerve.toml` and `./data`
/// are the test's own. Output files live beside it, not in it.
pub(crate) struct Workdir {
    dir: tempfile::TempDir,
    logs: tempfile::TempDir,
    runs: AtomicUsize,
}

impl Workdir {
    pub(crate) fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp working dir"),
            logs: tempfile::tempdir().expect("temp log dir"),
            runs: AtomicUsize::new(0),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The default data dir, `./data`.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.path().join("data")
    }

    /// Writes a file into the working dir.
    pub(crate) fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, contents).expect("write file");
        path
    }

    /// `rezerve <args>` in this dir, to be adjusted and run.
    pub(crate) fn cmd(&self, args: &[&str]) -> Rezerve<'_> {
        Rezerve {
            workdir: self,
            args: args.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
            stdin: None,
        }
    }

    /// Runs `rezerve <args>` with no stdin and the inherited environment minus REZERVE_*.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.cmd(args).run()
    }

    /// A read-only connection to the data dir's database.
    pub(crate) fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(
            self.data_dir().join("rezerve.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("database opens read-only")
    }

    /// A writable connection, for tests that break the data on purpose.
    pub(crate) fn db_rw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.data_dir().join("rezerve.db")).expect("database opens")
    }

    fn output_file(&self, stream: &str) -> PathBuf {
        let n = self.runs.fetch_add(1, Ordering::Relaxed);
        self.logs.path().join(format!("run-{n}.{stream}"))
    }
}

/// One command line, built up before it runs.
pub(crate) struct Rezerve<'a> {
    workdir: &'a Workdir,
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<String>,
}

impl Rezerve<'_> {
    pub(crate) fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Text piped to stdin (otherwise stdin is empty, never the test's terminal).
    pub(crate) fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.into());
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(BIN);
        command.args(&self.args).current_dir(self.workdir.path());
        // Only what the test sets reaches the process's config.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("REZERVE_") {
                command.env_remove(key);
            }
        }
        // Tests run side by side: the metrics listener's fixed default port would collide.
        if !self
            .env
            .iter()
            .any(|(k, _)| k == "REZERVE_SERVER__METRICS_LISTEN")
        {
            command.env("REZERVE_SERVER__METRICS_LISTEN", "127.0.0.1:0");
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        command
    }

    /// Runs to completion (at most [`RUN_LIMIT`]) and collects the exit code and output.
    pub(crate) fn run(self) -> Run {
        let stdout_path = self.workdir.output_file("stdout");
        let stderr_path = self.workdir.output_file("stderr");
        let mut child = self
            .command()
            .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
            .spawn()
            .expect("rezerve starts");
        if let Some(text) = &self.stdin {
            let mut stdin = child.stdin.take().expect("piped stdin");
            // The process may exit before reading (e.g. a clap error): a broken pipe is fine.
            let _ = stdin.write_all(text.as_bytes());
        }
        let status = wait_for_exit(&mut child, RUN_LIMIT);
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        let run = Run {
            args: self.args.join(" "),
            status: status.ok(),
            stdout: read(&stdout_path),
            stderr: read(&stderr_path),
        };
        if run.status.is_none() {
            panic!(
                "`rezerve {}` did not exit within {RUN_LIMIT:?}\n{}",
                run.args,
                run.both()
            );
        }
        run
    }

    /// Starts a server: `listen` defaults to `127.0.0.1:0`, the announced address is read
    /// from stdout, and `/healthz` is polled until it answers.
    pub(crate) async fn serve(mut self) -> Server {
        if !self.env.iter().any(|(k, _)| k == "REZERVE_SERVER__LISTEN") {
            self = self.env("REZERVE_SERVER__LISTEN", "127.0.0.1:0");
        }
        let stderr_path = self.workdir.output_file("stderr");
        let mut child = self
            .command()
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
            .spawn()
            .expect("rezerve serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines_tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        // From here on a panic drops the guard, which kills the process.
        let mut server = Server {
            child,
            lines,
            stderr_path,
            startup_output: Vec::new(),
            base_url: String::new(),
            metrics_url: String::new(),
            http: reqwest::Client::new(),
        };
        let deadline = Instant::now() + RUN_LIMIT;
        loop {
            match server
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) => {
                    let announced = line
                        .split_once("serving on http://")
                        .and_then(|(_, rest)| rest.split_once('/'))
                        .map(|(addr, _)| format!("http://{addr}"));
                    if let Some(url) = line.strip_prefix("Prometheus metrics: ") {
                        server.metrics_url = url.to_string();
                    }
                    server.startup_output.push(line);
                    if let Some(url) = announced {
                        server.base_url = url;
                        break;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "the server did not announce its address in time\n{}",
                        server.diagnostics()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = wait_for_exit(&mut server.child, RUN_LIMIT);
                    panic!(
                        "the server exited before serving ({status:?})\n{}",
                        server.diagnostics()
                    )
                }
            }
        }
        loop {
            let up = server
                .http
                .get(format!("{}/healthz", server.base_url))
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if up {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "/healthz never answered\n{}",
                server.diagnostics()
            );
            tokio::time::sleep(POLL).await;
        }
        server
    }
}

/// Waits for a child until `limit`; kills it and answers `Err` when time runs out.
fn wait_for_exit(child: &mut Child, limit: Duration) -> Result<ExitStatus, ()> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait on child") {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(());
        }
        std::thread::sleep(POLL);
    }
}

/// A finished run.
#[derive(Debug)]
pub(crate) struct Run {
    pub args: String,
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub(crate) fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }

    fn both(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }

    #[track_caller]
    pub(crate) fn assert_success(&self) -> &Self {
        assert_eq!(
            self.code(),
            Some(0),
            "`rezerve {}` failed\n{}",
            self.args,
            self.both()
        );
        self
    }

    #[track_caller]
    pub(crate) fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            Some(code),
            "`rezerve {}` exit code\n{}",
            self.args,
            self.both()
        );
        self
    }

    #[track_caller]
    pub(crate) fn assert_failure(&self) -> &Self {
        assert!(
            matches!(self.code(), Some(c) if c != 0),
            "`rezerve {}` should have failed\n{}",
            self.args,
            self.both()
        );
        self
    }

    #[track_caller]
    pub(crate) fn assert_stdout(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "`rezerve {}`: stdout lacks {needle:?}\n{}",
            self.args,
            self.both()
        );
        self
    }

    #[track_caller]
    pub(crate) fn assert_stderr(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "`rezerve {}`: stderr lacks {needle:?}\n{}",
            self.args,
            self.both()
        );
        self
    }
}

/// A running `rezerve serve`, killed on drop unless it has already exited.
pub(crate) struct Server {
    child: Child,
    lines: Receiver<String>,
    stderr_path: PathBuf,
    /// Everything printed to stdout up to and including the "serving on" line.
    pub startup_output: Vec<String>,
    pub base_url: String,
    /// `/metrics` on the metrics listener, as `serve` announced it.
    pub metrics_url: String,
    pub http: reqwest::Client,
}

impl Server {
    fn diagnostics(&self) -> String {
        let mut stdout = self.startup_output.join("\n");
        while let Ok(line) = self.lines.try_recv() {
            stdout.push('\n');
            stdout.push_str(&line);
        }
        let stderr = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        format!("--- stdout\n{stdout}\n--- stderr\n{stderr}")
    }

    pub(crate) async fn request(
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
        TestApp::reply(request.send().await.expect("request sent")).await
    }

    pub(crate) async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    pub(crate) async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(Method::POST, path, token, Some(body)).await
    }

    /// POST /api/v1/auth/login.
    pub(crate) async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM (as systemd does) and waits for the process to exit.
    pub(crate) fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let kill = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(kill.success(), "kill -TERM {pid} failed");
        match wait_for_exit(&mut self.child, RUN_LIMIT) {
            Ok(status) => status,
            Err(()) => panic!("the server ignored SIGTERM\n{}", self.diagnostics()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The file mode bits of a path.
fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The value after `password: ` on every line that has one.
fn printed_passwords(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split_once("password: "))
        .map(|(_, p)| p.trim().to_string())
        .collect()
}

fn count(db: &rusqlite::Connection, sql: &str) -> i64 {
    db.query_row(sql, [], |r| r.get(0)).expect("count query")
}
