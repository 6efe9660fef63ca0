//! The CLI verbs as an operator runs them: the built binary spawned in its own temp working
//! dir, exit codes and output asserted, the data dir inspected afterwards (with rusqlite,
//! read-only, or to break an invariant on purpose). A `serve` started here is killed when its
//! guard drops, so a failing test never leaves a server behind; servers listen on
//! `127.0.0.1:0` and announce the address they got, so no port is fixed or guessed.

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

// ---------------------------------------------------------------------------------------
// --help
// ---------------------------------------------------------------------------------------

#[test]
fn every_verb_has_help_and_help_touches_nothing() {
    let work = Workdir::new();
    let top = work.run(&["--help"]);
    top.assert_success().assert_stdout("Usage: rezerve");
    for verb in [
        "serve", "init", "migrate", "seed", "user", "check", "backup", "restore", "mail", "jobs",
    ] {
        top.assert_stdout(&format!("  {verb} "));
    }
    for verb in [
        &["serve"][..],
        &["init"],
        &["migrate"],
        &["seed"],
        &["seed", "demo"],
        &["user"],
        &["user", "add"],
        &["user", "passwd"],
        &["user", "list"],
        &["check"],
        &["backup"],
        &["restore"],
        &["mail"],
        &["mail", "preview"],
        &["mail", "test"],
        &["jobs"],
        &["jobs", "list"],
        &["jobs", "dead"],
        &["jobs", "retry"],
    ] {
        let mut args = verb.to_vec();
        args.push("--help");
        work.run(&args)
            .assert_success()
            .assert_stdout(&format!("Usage: rezerve {}", verb.join(" ")))
            .assert_stdout("--config <PATH>");
    }
    work.run(&["user", "add", "--help"])
        .assert_stdout("--email")
        .assert_stdout("--role");
    work.run(&["--version"])
        .assert_success()
        .assert_stdout(env!("CARGO_PKG_VERSION"));
    let left: Vec<_> = std::fs::read_dir(work.path()).expect("read dir").collect();
    assert!(left.is_empty(), "--help wrote files: {left:?}");
}

#[test]
fn an_unknown_verb_is_a_usage_error() {
    let work = Workdir::new();
    work.run(&["frobnicate"])
        .assert_code(2)
        .assert_stderr("frobnicate");
    assert!(!work.data_dir().exists());
}

// ---------------------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn init_writes_the_config_the_data_dir_its_secrets_and_a_first_admin() {
    let work = Workdir::new();
    let run = work.run(&["init", "--generate-password"]);
    run.assert_success()
        .assert_stdout("wrote rezerve.toml")
        .assert_stdout("created admin admin@rezerve.local");

    let written = std::fs::read_to_string(work.path().join("rezerve.toml")).expect("rezerve.toml");
    assert_eq!(
        written, SHIPPED_CONFIG,
        "init writes the repo's documented rezerve.toml"
    );
    let data = work.data_dir();
    assert_eq!(mode(&data), 0o700, "data dir mode");
    assert_eq!(mode(&data.join("secrets")), 0o700, "secrets dir mode");
    let secrets: Vec<PathBuf> = std::fs::read_dir(data.join("secrets"))
        .expect("secrets dir")
        .map(|entry| entry.expect("entry").path())
        .collect();
    for required in ["token_key", "webhook_secret"] {
        assert!(
            secrets.iter().any(|p| p.ends_with(required)),
            "{required} missing: {secrets:?}"
        );
    }
    for secret in &secrets {
        assert_eq!(mode(secret), 0o600, "{} mode", secret.display());
    }
    assert!(data.join("rezerve.db").exists());

    // The password is printed once, on stdout only, never into the log.
    let passwords = printed_passwords(&run.stdout);
    assert_eq!(passwords.len(), 1, "one password line\n{}", run.stdout);
    let password = &passwords[0];
    assert!(
        password.len() >= 16,
        "a strong generated password: {password}"
    );
    assert_eq!(
        run.stdout.matches(password.as_str()).count(),
        1,
        "{}",
        run.stdout
    );
    assert!(
        !run.stderr.contains(password.as_str()),
        "password leaked to the log"
    );
    let token_key = std::fs::read(data.join("secrets/token_key")).expect("token key");
    for secret in &secrets {
        let secret = std::fs::read(secret).expect("secret");
        let secret = String::from_utf8_lossy(&secret);
        assert!(
            !run.stdout.contains(secret.trim()) && !run.stderr.contains(secret.trim()),
            "a secret was printed"
        );
    }

    // A second init keeps an operator's edits, the secrets and the one admin.
    let edited = format!("{SHIPPED_CONFIG}\n# edited by the operator\n");
    work.write("rezerve.toml", &edited);
    let again = work.run(&["init", "--generate-password"]);
    again
        .assert_success()
        .assert_stdout("exists; leaving it")
        .assert_stdout("an admin already exists (admin@rezerve.local)");
    assert!(
        printed_passwords(&again.stdout).is_empty(),
        "no new password: {}",
        again.stdout
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("rezerve.toml")).expect("toml"),
        edited
    );
    assert_eq!(
        std::fs::read(data.join("secrets/token_key")).expect("token key"),
        token_key
    );
    let list = work.run(&["user", "list"]);
    list.assert_success();
    assert_eq!(list.stdout.matches(" admin ").count(), 1, "{}", list.stdout);

    // The printed password signs the admin in.
    let server = work.cmd(&["serve"]).serve().await;
    let reply = server.login("admin@rezerve.local", password).await;
    reply.assert_status(200);
    assert_eq!(reply.body["user"]["role"], "admin");
    server
        .login("admin@rezerve.local", "not the password")
        .await
        .assert_status(401);
}

#[tokio::test]
async fn init_reads_the_admin_password_from_stdin() {
    let work = Workdir::new();
    let password = "piped in, never echoed";
    let run = work
        .cmd(&[
            "init",
            "--admin-email",
            "boss@example.test",
            "--admin-name",
            "The Boss",
        ])
        .stdin(&format!("{password}\n"))
        .run();
    run.assert_success()
        .assert_stdout("created admin boss@example.test");
    assert!(!run.stdout.contains(password) && !run.stderr.contains(password));
    work.run(&["user", "list"])
        .assert_success()
        .assert_stdout("boss@example.test");

    let server = work.cmd(&[]).serve().await;
    server
        .login("boss@example.test", password)
        .await
        .assert_status(200);
}

#[test]
fn init_without_a_password_creates_no_admin() {
    let work = Workdir::new();
    work.run(&["init"])
        .assert_failure()
        .assert_stderr("no password on stdin");
    work.cmd(&["init"])
        .stdin("short\n")
        .run()
        .assert_failure()
        .assert_stderr("at least 8 characters");
    let list = work.run(&["user", "list"]);
    list.assert_success();
    assert!(
        !list.stdout.contains("admin@rezerve.local"),
        "{}",
        list.stdout
    );
}

// ---------------------------------------------------------------------------------------
// migrate
// ---------------------------------------------------------------------------------------

#[test]
fn migrate_applies_pending_migrations_once() {
    let work = Workdir::new();
    let first = work.run(&["migrate"]);
    first
        .assert_success()
        .assert_stdout("applied 0001_accounts")
        .assert_stdout("applied 0002_catalog");
    let applied = first
        .stdout
        .lines()
        .filter(|l| l.starts_with("applied "))
        .count();
    first.assert_stdout(&format!("schema is at version {applied}"));
    assert_eq!(mode(&work.data_dir()), 0o700);
    let version: i64 = work
        .db()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, applied as i64);

    let second = work.run(&["migrate"]);
    second
        .assert_success()
        .assert_stdout(&format!("schema is up to date (version {applied})"));
    assert!(!second.stdout.contains("applied "), "{}", second.stdout);
}

#[tokio::test]
async fn migrate_is_refused_while_the_data_dir_is_served() {
    let work = Workdir::new();
    let mut server = work.cmd(&["serve"]).serve().await;
    let refused = work.run(&["migrate"]);
    refused
        .assert_code(1)
        .assert_stderr("another rezerve process is using")
        .assert_stderr("stop `rezerve serve` first");
    assert!(!refused.stdout.contains("schema"), "{}", refused.stdout);
    // The server never noticed: it still answers.
    server.get("/readyz", None).await.assert_status(200);
    assert!(server.terminate().success());

    // Once the server has stopped, the same command works.
    work.run(&["migrate"])
        .assert_success()
        .assert_stdout("schema is up to date");
}

#[test]
fn migrate_upgrades_an_old_database_and_keeps_its_data() {
    let work = Workdir::new();
    // A data dir left by a build that only knew the first migration, with an account in it.
    std::fs::create_dir(work.data_dir()).expect("data dir");
    {
        let db = work.db_rw();
        db.execute_batch(include_str!("../../src/store/migrations/0001_accounts.sql"))
            .expect("first migration");
        db.pragma_update(None, "user_version", 1)
            .expect("version 1");
        db.execute(
            "INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
             VALUES ('usr_old', 'early@example.test', 'Early Bird', 'staff', 'x', 0, 0)",
            [],
        )
        .expect("old user");
    }
    let run = work.run(&["migrate"]);
    run.assert_success().assert_stdout("applied 0002_catalog");
    assert!(
        !run.stdout.contains("applied 0001_accounts"),
        "{}",
        run.stdout
    );
    work.run(&["user", "list"])
        .assert_success()
        .assert_stdout("early@example.test");

    // Data made through the CLI survives a later migrate too.
    work.cmd(&[
        "user",
        "add",
        "--email",
        "later@example.test",
        "--role",
        "customer",
    ])
    .stdin("a good long password\n")
    .run()
    .assert_success();
    work.run(&["migrate"])
        .assert_success()
        .assert_stdout("up to date");
    let list = work.run(&["user", "list"]);
    list.assert_stdout("early@example.test")
        .assert_stdout("later@example.test");
    work.run(&["check"]).assert_success();
}

#[test]
fn a_database_newer_than_the_build_is_refused() {
    let work = Workdir::new();
    work.run(&["migrate"]).assert_success();
    work.db_rw()
        .pragma_update(None, "user_version", 9999)
        .expect("set version");

    work.run(&["migrate"])
        .assert_failure()
        .assert_stderr("newer than this build");
    work.cmd(&["serve"])
        .env("REZERVE_SERVER__LISTEN", "127.0.0.1:0")
        .run()
        .assert_failure()
        .assert_stderr("newer than this build");
    work.run(&["user", "list"])
        .assert_failure()
        .assert_stderr("newer than this build");
    work.run(&["check"])
        .assert_code(1)
        .assert_stdout("FAIL  schema version");
    let version: i64 = work
        .db()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 9999, "nothing rewrote the newer database");
}

// ---------------------------------------------------------------------------------------
// user
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn user_add_list_and_passwd_work_beside_a_running_server() {
    let work = Workdir::new();
    let email = "boxoffice@example.test";
    let old = "first password 1";
    let new = "second password 2";
    let added = work
        .cmd(&[
            "user",
            "add",
            "--email",
            email,
            "--role",
            "staff",
            "--name",
            "Box Office",
        ])
        .stdin(&format!("{old}\n"))
        .run();
    added
        .assert_success()
        .assert_stdout(&format!("created staff {email}"));
    assert!(
        !added.stdout.contains(old) && !added.stderr.contains(old),
        "password echoed"
    );

    let list = work.run(&["user", "list"]);
    list.assert_success().assert_stdout("EMAIL");
    let line = list
        .stdout
        .lines()
        .find(|l| l.ends_with(email))
        .expect("listed");
    assert!(
        line.contains(" staff ") && line.contains(" active "),
        "{line}"
    );

    let server = work.cmd(&["serve"]).serve().await;
    let login = server.login(email, old).await;
    login.assert_status(200);
    assert_eq!(login.body["user"]["role"], "staff");
    let old_token = login.body["token"].as_str().expect("token").to_string();
    server
        .get("/api/v1/auth/me", Some(&old_token))
        .await
        .assert_status(200);

    work.cmd(&["user", "passwd", "--email", email])
        .stdin(&format!("{new}\n"))
        .run()
        .assert_success()
        .assert_stdout("password changed");
    server
        .login(email, old)
        .await
        .assert_problem(401, "invalid_credentials");
    server.login(email, new).await.assert_status(200);
    // Tokens issued before the change stop working: at once in the process that made the
    // change, within the server's short access cache when the CLI made it.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let me = server.get("/api/v1/auth/me", Some(&old_token)).await;
        if me.status.as_u16() == 401 {
            me.assert_problem(401, "unauthorized");
            break;
        }
        me.assert_status(200);
        assert!(
            Instant::now() < deadline,
            "the old token still works after `user passwd`"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    work.cmd(&["user", "passwd", "--email", "nobody@example.test"])
        .stdin("whatever password\n")
        .run()
        .assert_failure()
        .assert_stderr("not found");
}

#[test]
fn user_add_refuses_bad_roles_weak_passwords_and_duplicates() {
    let work = Workdir::new();
    work.cmd(&[
        "user",
        "add",
        "--email",
        "x@example.test",
        "--role",
        "wizard",
    ])
    .stdin("a good long password\n")
    .run()
    .assert_code(2)
    .assert_stderr("`wizard` is not a role; use customer, staff or admin");
    assert!(!work.data_dir().exists(), "a usage error touches no data");

    work.cmd(&[
        "user",
        "add",
        "--email",
        "x@example.test",
        "--role",
        "staff",
    ])
    .stdin("short\n")
    .run()
    .assert_failure()
    .assert_stderr("password: must be at least 8 characters");
    work.run(&[
        "user",
        "add",
        "--email",
        "x@example.test",
        "--role",
        "staff",
    ])
    .assert_failure()
    .assert_stderr("no password on stdin");
    work.cmd(&["user", "add", "--email", "not-an-email", "--role", "staff"])
        .stdin("a good long password\n")
        .run()
        .assert_failure()
        .assert_stderr("email");
    let list = work.run(&["user", "list"]);
    assert!(!list.stdout.contains("x@example.test"), "{}", list.stdout);

    work.cmd(&[
        "user",
        "add",
        "--email",
        "x@example.test",
        "--role",
        "staff",
    ])
    .stdin("a good long password\n")
    .run()
    .assert_success();
    work.cmd(&[
        "user",
        "add",
        "--email",
        "X@Example.test",
        "--role",
        "admin",
    ])
    .stdin("another long password\n")
    .run()
    .assert_failure()
    .assert_stderr("already exists");
    let list = work.run(&["user", "list"]);
    assert_eq!(
        list.stdout.to_lowercase().matches("x@example.test").count(),
        1,
        "{}",
        list.stdout
    );
    assert!(
        !list.stdout.contains(" admin "),
        "the duplicate did not land: {}",
        list.stdout
    );
}

// ---------------------------------------------------------------------------------------
// seed demo
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn seed_demo_builds_a_living_catalog_once() {
    let work = Workdir::new();
    let run = work.run(&["seed", "demo"]);
    run.assert_success().assert_stdout("demo catalog");
    let accounts: Vec<(String, String, String)> = run
        .stdout
        .lines()
        .filter(|l| l.contains("password: "))
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            (
                words[0].to_string(),
                words[1].to_string(),
                words[3].to_string(),
            )
        })
        .collect();
    let roles: BTreeSet<&str> = accounts.iter().map(|(role, _, _)| role.as_str()).collect();
    assert_eq!(
        roles,
        BTreeSet::from(["admin", "customer", "staff"]),
        "{}",
        run.stdout
    );
    assert_eq!(mode(&work.data_dir().join("demo-credentials.txt")), 0o600);
    for (_, _, password) in &accounts {
        assert!(
            !run.stderr.contains(password.as_str()),
            "a demo password reached the log"
        );
    }

    let (events, users) = {
        let db = work.db();
        (
            count(&db, "SELECT count(*) FROM events"),
            count(&db, "SELECT count(*) FROM users"),
        )
    };
    work.run(&["seed", "demo"])
        .assert_success()
        .assert_stdout("already has events");
    {
        let db = work.db();
        assert_eq!(
            count(&db, "SELECT count(*) FROM events"),
            events,
            "seeding twice duplicated events"
        );
        assert_eq!(
            count(&db, "SELECT count(*) FROM users"),
            users,
            "seeding twice duplicated accounts"
        );
    }

    let mut server = work.cmd(&["serve"]).serve().await;
    let list = server.get("/api/v1/events?limit=100", None).await;
    list.assert_status(200);
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len() as i64, events);
    let categories: BTreeSet<&str> = items
        .iter()
        .filter_map(|e| e["category"].as_str())
        .collect();
    for category in ["movie", "concert", "flight", "bus", "train"] {
        assert!(
            categories.contains(category),
            "no {category} in {categories:?}"
        );
    }
    let first = |category: &str| {
        items
            .iter()
            .find(|e| e["category"] == category)
            .unwrap_or_else(|| panic!("a {category}"))
            .clone()
    };
    let flight = first("flight");
    assert_eq!(flight["availability"]["total"], 180, "{flight}");
    let premium = flight["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["category"] == "premium")
        .expect("a premium cabin");
    assert!(premium["total"].as_i64().expect("total") > 0);
    let seats = server
        .get(
            &format!(
                "/api/v1/events/{}/seats",
                flight["id"].as_str().expect("id")
            ),
            None,
        )
        .await;
    seats.assert_status(200);
    let seats = seats.body["seats"].as_array().expect("seats");
    assert_eq!(seats.len(), 180);
    assert!(seats.iter().any(|s| s["category"] == "premium"));
    for seat in seats {
        let status = seat["status"].as_str().expect("status");
        assert!(
            ["available", "held", "sold", "blocked"].contains(&status),
            "{seat}"
        );
    }
    assert_eq!(first("bus")["availability"]["total"], 40);

    // The printed passwords work.
    for (role, email, password) in &accounts {
        let login = server.login(email, password).await;
        login.assert_status(200);
        assert_eq!(login.body["user"]["role"], role.as_str());
    }

    // Seeding beside a running server is refused; checking beside it is fine.
    work.run(&["seed", "demo"])
        .assert_failure()
        .assert_stderr("another rezerve process");
    work.run(&["check"]).assert_success();
    assert!(server.terminate().success());
}

#[tokio::test]
async fn serve_demo_seeds_an_empty_catalog_only() {
    let work = Workdir::new();
    let mut server = work.cmd(&["serve", "--demo"]).serve().await;
    let startup = server.startup_output.join("\n");
    assert!(
        startup.contains("demo catalog") && startup.contains("password: "),
        "{startup}"
    );
    let events = server.get("/api/v1/events?limit=100", None).await;
    let seeded = events.body["items"].as_array().expect("items").len();
    assert!(seeded >= 5, "{}", events.text);
    assert!(server.terminate().success());

    let mut server = work.cmd(&["serve", "--demo"]).serve().await;
    let startup = server.startup_output.join("\n");
    assert!(
        startup.contains("already has events") && !startup.contains("password: "),
        "{startup}"
    );
    let events = server.get("/api/v1/events?limit=100", None).await;
    assert_eq!(
        events.body["items"].as_array().expect("items").len(),
        seeded
    );
    assert!(server.terminate().success());
}

// ---------------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------------

#[test]
fn check_passes_a_healthy_dir_and_names_what_is_broken() {
    let work = Workdir::new();
    work.run(&["check"])
        .assert_failure()
        .assert_stderr("no database");
    assert!(
        !work.data_dir().exists(),
        "check does not create a data dir"
    );

    work.run(&["seed", "demo"]).assert_success();
    let healthy = work.run(&["check"]);
    healthy
        .assert_success()
        .assert_stdout("ok    sqlite integrity")
        .assert_stdout("all checks passed");
    assert!(
        healthy
            .stdout
            .lines()
            .filter(|l| l.starts_with("ok "))
            .count()
            >= 4,
        "{}",
        healthy.stdout
    );
    assert!(!healthy.stdout.contains("FAIL"), "{}", healthy.stdout);

    let event_of = |category: &str| -> String {
        work.db()
            .query_row(
                "SELECT id FROM events WHERE category = ?1 AND general_admission = 0 LIMIT 1",
                [category],
                |r| r.get(0),
            )
            .expect("a seated event")
    };

    // A seated event that lost its seats.
    let bus = event_of("bus");
    work.db_rw()
        .execute("DELETE FROM seats WHERE event_id = ?1", [&bus])
        .expect("delete seats");
    let broken = work.run(&["check"]);
    broken
        .assert_code(1)
        .assert_stdout("FAIL  seated events have seats")
        .assert_stdout(&bus)
        .assert_stdout("the data dir has problems");

    // A seated event with a general-admission capacity.
    let flight = event_of("flight");
    work.db_rw()
        .execute(
            "UPDATE price_categories SET capacity = 10 WHERE event_id = ?1",
            [&flight],
        )
        .expect("set capacity");
    work.run(&["check"])
        .assert_code(1)
        .assert_stdout(&flight)
        .assert_stdout(&bus);

    // An event deleted behind the foreign keys' back: its stops and categories are orphans
    // (an unsold one, so they are what the report's first lines name).
    let movie: String = work
        .db()
        .query_row(
            "SELECT id FROM events WHERE category = 'movie' \
             AND id NOT IN (SELECT event_id FROM bookings) LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an unsold movie");
    let db = work.db_rw();
    db.pragma_update(None, "foreign_keys", false)
        .expect("foreign keys off");
    db.execute("DELETE FROM events WHERE id = ?1", [&movie])
        .expect("delete event");
    drop(db);
    work.run(&["check"])
        .assert_code(1)
        .assert_stdout("FAIL  foreign keys")
        .assert_stdout("price_categories row ? points to a missing events")
        .assert_stdout(&bus);

    // Seats whose price categories vanished: reported like everything else, not an abort.
    let concert = event_of("concert");
    let db = work.db_rw();
    db.pragma_update(None, "foreign_keys", false)
        .expect("foreign keys off");
    db.execute(
        "DELETE FROM price_categories WHERE event_id = ?1",
        [&concert],
    )
    .expect("delete categories");
    drop(db);
    work.run(&["check"])
        .assert_code(1)
        .assert_stdout("seats row ? points to a missing price_categories")
        .assert_stdout("FAIL  every event has a priced category")
        .assert_stdout(&concert)
        .assert_stdout("the data dir has problems");
}

#[tokio::test]
async fn backup_while_serving_and_restore_into_an_empty_dir() {
    let source = Workdir::new();
    source.run(&["seed", "demo"]).assert_success();
    let mut server = source.cmd(&["serve"]).serve().await;
    let backup = source.path().join("snapshot.tar");
    let backup_arg = backup.to_str().expect("utf-8 path");
    source
        .run(&["backup", "--out", backup_arg])
        .assert_success()
        .assert_stdout("schema version");
    source
        .run(&["restore", backup_arg, "--force"])
        .assert_failure()
        .assert_stderr("another rezerve process");
    assert!(server.terminate().success());

    let target = Workdir::new();
    target
        .run(&["restore", backup_arg])
        .assert_success()
        .assert_stdout("restored");
    target
        .run(&["user", "list"])
        .assert_success()
        .assert_stdout("customer@demo.rezerve.test");
    target.run(&["check"]).assert_success();
    let events = |work: &Workdir| count(&work.db(), "SELECT count(*) FROM events");
    assert_eq!(events(&target), events(&source));
    let key =
        |work: &Workdir| std::fs::read(work.data_dir().join("secrets/token_key")).expect("key");
    assert_eq!(
        key(&target),
        key(&source),
        "tokens and tickets still verify"
    );

    // A second restore needs --force; a damaged file changes nothing even with it.
    target
        .run(&["restore", backup_arg])
        .assert_failure()
        .assert_stderr("--force");
    let damaged = target.write("damaged.tar", "not a tar file at all");
    target
        .run(&["restore", damaged.to_str().expect("utf-8 path"), "--force"])
        .assert_failure();
    let truncated = std::fs::read(&backup).expect("backup");
    let truncated = &truncated[..truncated.len() / 2];
    std::fs::write(target.path().join("truncated.tar"), truncated).expect("write");
    target
        .run(&["restore", "truncated.tar", "--force"])
        .assert_failure();
    assert_eq!(events(&target), events(&source));
    target.run(&["check"]).assert_success();
}

#[test]
fn mail_verbs_preview_templates_and_send_through_the_file_transport() {
    let work = Workdir::new();
    work.run(&["mail", "preview", "welcome"])
        .assert_success()
        .assert_stdout("priya@example.com");
    work.run(&["mail", "preview", "telegram"])
        .assert_failure()
        .assert_stderr("`telegram` is not an email kind")
        .assert_stderr("booking-confirmed");
    work.run(&[
        "mail",
        "preview",
        "booking-confirmed",
        "--out",
        "confirmed.eml",
    ])
    .assert_success();
    let eml = std::fs::read_to_string(work.path().join("confirmed.eml")).expect("eml");
    assert!(eml.contains("To: ") && eml.contains("Subject: "), "{eml}");

    work.run(&["mail", "test", "--to", "ops@example.test"])
        .assert_success()
        .assert_stdout("ops@example.test");
    // The default transport writes one .eml per message under the data dir.
    let mut delivered = String::new();
    let deadline = Instant::now() + RUN_LIMIT;
    while delivered.is_empty() {
        if let Ok(entries) = std::fs::read_dir(work.data_dir().join("mail")) {
            for entry in entries.flatten() {
                delivered.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        assert!(Instant::now() < deadline, "no .eml under data/mail");
        std::thread::sleep(POLL);
    }
    assert!(delivered.contains("ops@example.test"), "{delivered}");
}

#[test]
fn jobs_verbs_show_the_queue_and_refuse_what_they_cannot_do() {
    let work = Workdir::new();
    work.run(&["seed", "demo"]).assert_success();
    work.run(&["jobs", "list"])
        .assert_success()
        .assert_stdout("KIND");
    work.run(&["jobs", "dead"])
        .assert_success()
        .assert_stdout("(no jobs)");
    work.run(&["jobs", "list", "--status", "sleeping"])
        .assert_failure()
        .assert_stderr("--status");
    work.run(&["jobs", "list", "--limit", "0"])
        .assert_failure()
        .assert_stderr("--limit");
    work.run(&["jobs", "retry", "999999"]).assert_failure();
    work.run(&["jobs", "retry", "not-a-number"]).assert_code(2);
}

// ---------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------

#[test]
fn config_errors_stop_every_verb_before_it_touches_data() {
    struct Case {
        file: Option<&'static str>,
        env: &'static [(&'static str, &'static str)],
        names: &'static str,
    }
    let cases = [
        Case {
            file: Some("[holds]\nttl_secs = 5\n"),
            env: &[],
            names: "holds.ttl_secs",
        },
        Case {
            file: Some("[srever]\nlisten = \"127.0.0.1:1\"\n"),
            env: &[],
            names: "srever",
        },
        Case {
            file: None,
            env: &[("REZERVE_SERVER__PORT", "1")],
            names: "server.port",
        },
        Case {
            file: Some("[server]\nlisten = \"nowhere\"\n"),
            env: &[],
            names: "server.listen",
        },
        Case {
            file: None,
            env: &[("REZERVE_SERVER__LISTEN", "nowhere")],
            names: "server.listen",
        },
        Case {
            file: Some("[holds]\nttl_seconds = \"soon\"\n"),
            env: &[],
            names: "holds.ttl_seconds",
        },
        Case {
            file: None,
            env: &[("REZERVE_HOLDS__TTL_SECONDS", "soon")],
            names: "holds.ttl_seconds",
        },
        Case {
            file: Some("[holds]\nttl_seconds = 600\nmax_lifetime_seconds = 60\n"),
            env: &[],
            names: "holds.max_lifetime_seconds",
        },
        Case {
            file: Some("[mail]\ntransport = \"smtp\"\n"),
            env: &[],
            names: "mail.smtp_url",
        },
        Case {
            file: Some("[mail]\ntransport = \"pigeon\"\n"),
            env: &[],
            names: "mail.transport",
        },
        Case {
            file: Some("[server\nlisten = 1\n"),
            env: &[],
            names: "rezerve.toml",
        },
    ];
    for case in &cases {
        for verb in [
            &["migrate"][..],
            &["serve"],
            &[],
            &["seed", "demo"],
            &["user", "list"],
            &["check"],
        ] {
            let work = Workdir::new();
            // Found as ./rezerve.toml, the default path.
            if let Some(file) = case.file {
                work.write("rezerve.toml", file);
            }
            let mut cmd = work.cmd(verb);
            for (key, value) in case.env {
                cmd = cmd.env(key, value);
            }
            cmd.run().assert_code(2).assert_stderr(case.names);
            assert!(
                !work.data_dir().exists(),
                "`{}` with a bad config created the data dir",
                verb.join(" ")
            );
        }
    }

    // `init` refuses an existing bad file the same way.
    let work = Workdir::new();
    work.write("rezerve.toml", "[holds]\nttl_secs = 5\n");
    work.run(&["init", "--generate-password"])
        .assert_code(2)
        .assert_stderr("holds.ttl_secs");
    assert!(!work.data_dir().exists());
}

#[test]
fn a_named_config_file_must_exist() {
    let work = Workdir::new();
    work.write("rezerve.toml", "");
    for verb in [&["migrate"][..], &["serve"], &["check"]] {
        let mut args = vec!["--config", "elsewhere.toml"];
        args.extend_from_slice(verb);
        work.run(&args)
            .assert_code(2)
            .assert_stderr("elsewhere.toml does not exist");
    }
    assert!(!work.data_dir().exists());
}

#[test]
fn the_environment_overrides_the_file() {
    let work = Workdir::new();
    work.write("custom.toml", "[storage]\ndata_dir = \"./from-file\"\n");
    work.cmd(&["--config", "custom.toml", "migrate"])
        .env("REZERVE_STORAGE__DATA_DIR", "./from-env")
        .run()
        .assert_success();
    assert!(work.path().join("from-env/rezerve.db").exists());
    assert!(!work.path().join("from-file").exists());

    work.run(&["--config", "custom.toml", "migrate"])
        .assert_success();
    assert!(work.path().join("from-file/rezerve.db").exists());

    // Without --config, ./rezerve.toml is read when present.
    work.write(
        "rezerve.toml",
        "[storage]\ndata_dir = \"./from-default-file\"\n",
    );
    work.run(&["migrate"]).assert_success();
    assert!(work.path().join("from-default-file/rezerve.db").exists());
    assert!(!work.data_dir().exists());
}

// ---------------------------------------------------------------------------------------
// serve
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn serve_on_an_empty_dir_starts_answers_and_stops_cleanly_on_sigterm() {
    let work = Workdir::new();
    let mut server = work.cmd(&["serve"]).serve().await;
    let health = server.get("/healthz", None).await;
    health.assert_status(200);
    assert_eq!(health.text, "ok");
    server.get("/readyz", None).await.assert_status(200);
    server
        .get("/api/openapi.json", None)
        .await
        .assert_status(200);
    let data = work.data_dir();
    assert_eq!(mode(&data), 0o700);
    for file in [
        "rezerve.db",
        "holds.redb",
        "secrets/token_key",
        "secrets/webhook_secret",
    ] {
        assert!(data.join(file).exists(), "{file} missing");
    }
    // The data dir is locked while it serves.
    work.run(&["seed", "demo"])
        .assert_failure()
        .assert_stderr("another rezerve process");

    let status = server.terminate();
    assert!(
        status.success(),
        "SIGTERM should stop the server cleanly: {status:?}"
    );
    // The lock went with the process.
    work.run(&["seed", "demo"]).assert_success();

    // With no verb, rezerve serves.
    let mut server = work.cmd(&[]).serve().await;
    let events = server.get("/api/v1/events", None).await;
    events.assert_status(200);
    assert!(!events.body["items"].as_array().expect("items").is_empty());
    assert!(server.terminate().success());
}

#[test]
fn the_readme_commands_are_the_ones_ci_and_the_binary_know() {
    let readme = include_str!("../../README.md");
    let ci = include_str!("../../.ci/run");
    let first_block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README opens with a sh block");
    assert!(
        readme.find("```sh").is_some_and(|at| at < 400),
        "the commands are on the README's first screen"
    );
    let commands: Vec<&str> = first_block
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        commands,
        ["cargo run --release -- serve --demo", "bash .ci/run"],
        "the README's first screen: run the demo, run every test"
    );
    assert!(
        ci.contains("\ncargo test") && ci.contains("pip install"),
        "CI installs the test tools, then runs every test"
    );
    assert!(ci.contains("set -euo pipefail"));
    // `serve --demo` as the README runs it: the flag exists.
    Workdir::new()
        .run(&["serve", "--help"])
        .assert_success()
        .assert_stdout("--demo");
}
