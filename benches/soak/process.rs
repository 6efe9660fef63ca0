//! The soaked server: the release `rezerve` binary on a free loopback port over one data dir,
//! started again and again, killed with SIGKILL (never a clean shutdown) between cycles.

use super::{ADMIN_EMAIL, PASSWORD, TTL_SECONDS};
use anyhow::{Context, bail, ensure};
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rezerve");

/// `rezerve <args>` over `dir`'s data dir with the soak's settings.
fn command(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("REZERVE_") {
            command.env_remove(key);
        }
    }
    command
        // The data dir's parent as cwd keeps a ./rezerve.toml in the repo from being read.
        .current_dir(dir)
        .env("REZERVE_STORAGE__DATA_DIR", dir.join("data"))
        .env("REZERVE_SERVER__METRICS_LISTEN", "127.0.0.1:0")
        .env("REZERVE_LOG__LEVEL", "warn")
        .env("REZERVE_MAIL__TRANSPORT", "log")
        .env("REZERVE_HOLDS__TTL_SECONDS", TTL_SECONDS.to_string())
        .env(
            "REZERVE_HOLDS__MAX_LIFETIME_SECONDS",
            TTL_SECONDS.to_string(),
        )
        // Cheap hashing: accounts are set up, not measured.
        .env("REZERVE_AUTH__ARGON2_MEMORY_KIB", "64")
        .env("REZERVE_AUTH__ARGON2_ITERATIONS", "1");
    command
}

/// Creates the admin with the CLI, before the first start.
pub fn add_admin(dir: &Path) -> anyhow::Result<()> {
    let mut add = command(dir)
        .args(["user", "add", "--email", ADMIN_EMAIL, "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("cannot run `rezerve user add`")?;
    writeln!(add.stdin.take().context("piped stdin")?, "{PASSWORD}")?;
    let added = add.wait()?;
    ensure!(added.success(), "`rezerve user add` failed: {added}");
    Ok(())
}

/// `rezerve check` on the stopped data dir: empty if it passed, else its output.
pub fn check(dir: &Path) -> anyhow::Result<String> {
    let out = command(dir).arg("check").output()?;
    if out.status.success() {
        return Ok(String::new());
    }
    Ok(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// A running server.
pub struct Process {
    child: Child,
    pub base: String,
}

impl Process {
    /// Starts `serve` and waits until `/healthz` answers.
    pub async fn start(dir: &Path) -> anyhow::Result<Process> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))?;
        let child = command(dir)
            .arg("serve")
            .env("REZERVE_SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("cannot run `rezerve serve`")?;
        let mut process = Process {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = process.child.try_wait()? {
                bail!(
                    "the server exited at start-up ({status}); see {}",
                    dir.join("server.log").display()
                );
            }
            if let Ok(r) = http.get(format!("{}/healthz", process.base)).send().await
                && r.status().is_success()
            {
                return Ok(process);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        process.kill_9()?;
        bail!("the server did not answer /healthz within 60 s")
    }

    /// SIGKILL, and reap it.
    pub fn kill_9(&mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// SIGTERM (a clean stop) for the last run, so `rezerve check` can open the data dir.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let term = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        ensure!(term.success(), "kill -TERM failed");
        let status = self.child.wait()?;
        ensure!(
            status.success(),
            "the server did not stop cleanly: {status}"
        );
        Ok(())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
