//! The server under load: the real `rezerve` binary, started as its own process on a free
//! loopback port with a fresh data dir and default durability, optionally pinned to some
//! cores (`taskset`), and stopped when dropped.

use super::proc_stats::{clock_ticks_per_second, cpu_ticks};
use super::smtp_sink::SmtpSink;
use super::{ADMIN_EMAIL, ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, PASSWORD};
use anyhow::{Context, bail, ensure};
use reqwest::StatusCode;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `rezerve` binary serving on a free loopback port from a fresh data dir; stopped on drop.
pub struct Server {
    child: Child,
    pub base: String,
    /// `/metrics` on the server's metrics listener: where the job backlog is read.
    pub metrics: String,
    /// The server's stderr (warnings and errors), kept after the run.
    pub log: PathBuf,
    data: tempfile::TempDir,
    mail: Mail,
}

/// Where the server's emails go (`LOAD_MAIL`).
pub enum Mail {
    /// `.eml` files under the data dir: the embedded default (`file`, the default here too).
    File,
    /// A relay: the generator's own SMTP sink (`smtp`).
    Smtp(SmtpSink),
    /// Logged, not sent (`log`): what composing costs without any delivery.
    Log,
}

impl Mail {
    /// The choice `LOAD_MAIL` names; `smtp` starts the sink.
    pub async fn from_env() -> anyhow::Result<Mail> {
        match std::env::var("LOAD_MAIL").as_deref() {
            Err(_) | Ok("file") => Ok(Mail::File),
            Ok("smtp") => Ok(Mail::Smtp(SmtpSink::start().await?)),
            Ok("log") => Ok(Mail::Log),
            Ok(other) => bail!("LOAD_MAIL: no transport `{other}` (there are file, smtp and log)"),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Mail::File => "file",
            Mail::Smtp(_) => "smtp",
            Mail::Log => "log",
        }
    }
}

impl Server {
    /// Starts the server; with `cpus` (a `taskset` list such as `0`) it runs on those cores.
    pub async fn start(
        target_dir: &Path,
        cpus: Option<&str>,
        mail: Mail,
    ) -> anyhow::Result<Server> {
        // Under target/ rather than /tmp: /tmp may be a tmpfs, where an fsync costs nothing.
        let data = tempfile::Builder::new()
            .prefix("load-data-")
            .tempdir_in(target_dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let listen = format!("127.0.0.1:{port}");
        let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let metrics_listen = format!("127.0.0.1:{metrics_port}");
        let log = target_dir.join("load-server.log");
        let configure = |command: &mut Command| {
            for (key, _) in std::env::vars_os() {
                if key.to_string_lossy().starts_with("REZERVE_") {
                    command.env_remove(key);
                }
            }
            command
                // The data dir as cwd keeps a ./rezerve.toml in the repo from being read.
                .current_dir(data.path())
                .env("REZERVE_SERVER__LISTEN", &listen)
                .env("REZERVE_SERVER__METRICS_LISTEN", &metrics_listen)
                .env("REZERVE_STORAGE__DATA_DIR", data.path().join("data"))
                .env("REZERVE_LOG__LEVEL", "warn")
                .env("REZERVE_HOLDS__TTL_SECONDS", "600")
                .env("REZERVE_AUTH__ARGON2_MEMORY_KIB", ARGON2_MEMORY_KIB)
                .env("REZERVE_AUTH__ARGON2_ITERATIONS", ARGON2_ITERATIONS);
            match &mail {
                Mail::File => {}
                Mail::Smtp(sink) => {
                    command.env("REZERVE_MAIL__TRANSPORT", "smtp").env(
                        "REZERVE_MAIL__SMTP_URL",
                        format!("smtp://127.0.0.1:{}", sink.port),
                    );
                }
                Mail::Log => {
                    command.env("REZERVE_MAIL__TRANSPORT", "log");
                }
            }
        };
        // LOAD_BINARY runs another build (an earlier commit's, to compare back to back).
        let binary = std::env::var("LOAD_BINARY")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_rezerve").to_string());
        let binary = binary.as_str();

        let mut add = Command::new(binary);
        configure(&mut add);
        let mut add = add
            .args(["user", "add", "--email", ADMIN_EMAIL, "--role", "admin"])
            .args(["--name", "Load Admin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .context("cannot run `rezerve user add`")?;
        writeln!(add.stdin.take().context("piped stdin")?, "{PASSWORD}")?;
        let added = add.wait()?;
        ensure!(added.success(), "`rezerve user add` failed: {added}");

        // taskset execs the binary, so the child's pid is the server's.
        let mut serve = match cpus {
            Some(list) => {
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", list, binary]);
                taskset
            }
            None => Command::new(binary),
        };
        configure(&mut serve);
        let child = serve
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .context("cannot run `rezerve serve`")?;
        let server = Server {
            child,
            base: format!("http://{listen}"),
            metrics: format!("http://{metrics_listen}/metrics"),
            log,
            data,
            mail,
        };
        server.wait_until_healthy().await?;
        Ok(server)
    }

    async fn wait_until_healthy(&self) -> anyhow::Result<()> {
        let healthz = format!("{}/healthz", self.base);
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            self.ensure_alive()?;
            if let Ok(answer) = http.get(&healthz).send().await
                && answer.status() == StatusCode::OK
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the server did not answer {healthz} within 30 s")
    }

    /// Waits until the server is idle (under 5% of a core for half a second, at most 60 s),
    /// so work left behind by setup or the previous level (the outbox relay, pricing jobs,
    /// the copy of SQLite's log) is not billed to the next one. Returns how long that took.
    pub async fn settle(&self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let window = Duration::from_millis(500);
        let ticks_per_window = clock_ticks_per_second() * window.as_secs_f64();
        while started.elapsed() < Duration::from_secs(60) {
            let before = cpu_ticks(self.pid())?;
            tokio::time::sleep(window).await;
            if ((cpu_ticks(self.pid())? - before) as f64) < 0.05 * ticks_per_window
                && self.job_backlog().await? == 0
                && self.log_copied()
            {
                break;
            }
        }
        Ok(started.elapsed())
    }

    /// Whether SQLite's log is copied back into the database file: the WAL index counts
    /// every frame of the log (`mxFrame`) as backfilled (`nBackfill`). Read from the `-shm`
    /// file as SQLite documents its WAL-index format: `mxFrame` is at byte 16 of the header,
    /// `nBackfill` at byte 96, both in the machine's byte order.
    pub fn log_copied(&self) -> bool {
        use std::io::Read;
        let shm = self.data.path().join("data").join("rezerve.db-shm");
        let mut head = [0u8; 100];
        // No index, or one too short for its header: no log waits for a copy.
        let read = std::fs::File::open(shm).and_then(|mut f| f.read_exact(&mut head));
        if read.is_err() {
            return true;
        }
        let word =
            |at: usize| u32::from_ne_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
        word(96) >= word(16)
    }

    /// Waits (at most 60 s) until the log is copied back. The server copies its log once it
    /// reaches a size or after a second without writes; a level shorter than the log would
    /// otherwise leave its checkpoint, and the bytes it writes, to the next level or to none.
    pub async fn wait_log_copied(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        while !self.log_copied() {
            ensure!(
                started.elapsed() < Duration::from_secs(60),
                "the server's SQLite log was not copied back within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Jobs queued or running (pricing, emails), read from `/metrics`. A backlog of jobs
    /// that wait on commits costs little CPU, so CPU alone would call the server idle.
    pub async fn job_backlog(&self) -> anyhow::Result<u64> {
        let text = reqwest::get(&self.metrics)
            .await
            .context("cannot scrape the server's metrics")?
            .text()
            .await?;
        let backlog = text
            .lines()
            .filter(|l| {
                l.starts_with("rezerve_jobs_queued{") || l.starts_with("rezerve_jobs_running{")
            })
            .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
            .sum::<f64>();
        Ok(backlog as u64)
    }

    /// Group commits so far: `(commits, writes)` of the SQLite writer and of the hold store's
    /// committer, read from the `_count` and `_sum` of their batch-size histograms.
    pub async fn group_commits(&self) -> anyhow::Result<[(f64, f64); 2]> {
        let text = reqwest::get(&self.metrics)
            .await
            .context("cannot scrape the server's metrics")?
            .text()
            .await?;
        let value = |name: &str| {
            text.lines()
                .find(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
                .and_then(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        Ok([
            "rezerve_store_sqlite_batch_size",
            "rezerve_store_holds_batch_size",
        ]
        .map(|h| (value(&format!("{h}_count")), value(&format!("{h}_sum")))))
    }

    /// After a level: how long the server went on working on what the load left behind
    /// (seat history, pricing, emails). Samples its CPU every 100 ms; the drain ends where
    /// the first 500 ms begin in which it used under 5% of a core, if no job is queued or
    /// running by then (else it goes on). At most 120 s.
    pub async fn drain(&self) -> anyhow::Result<Duration> {
        const SAMPLE: Duration = Duration::from_millis(100);
        const WINDOW: usize = 5;
        let started = Instant::now();
        let quiet_ticks = 0.05 * clock_ticks_per_second() * SAMPLE.as_secs_f64() * WINDOW as f64;
        let mut samples: std::collections::VecDeque<(Duration, u64)> = Default::default();
        let mut ticks = cpu_ticks(self.pid())?;
        // When jobs were last seen waiting: the drain ends after that, however quiet the CPU.
        let mut backlog_seen = Duration::ZERO;
        while started.elapsed() < Duration::from_secs(120) {
            let at = started.elapsed();
            tokio::time::sleep(SAMPLE).await;
            let now = cpu_ticks(self.pid())?;
            samples.push_back((at, now - ticks));
            ticks = now;
            if samples.len() > WINDOW {
                samples.pop_front();
            }
            let used: u64 = samples.iter().map(|(_, t)| t).sum();
            if samples.len() == WINDOW && (used as f64) < quiet_ticks {
                if self.job_backlog().await? == 0 {
                    return Ok(samples[0].0.max(backlog_seen));
                }
                backlog_seen = started.elapsed();
                samples.clear();
                ticks = cpu_ticks(self.pid())?;
            }
        }
        Ok(started.elapsed())
    }

    /// Bytes of the emails delivered so far: the `.eml` files written, or what the SMTP sink
    /// received.
    pub fn mail_bytes(&self) -> u64 {
        match &self.mail {
            Mail::File => {}
            Mail::Smtp(sink) => return sink.bytes(),
            Mail::Log => return 0,
        }
        let Ok(files) = std::fs::read_dir(self.data.path().join("data").join("mail")) else {
            return 0;
        };
        files
            .flatten()
            .filter_map(|f| f.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum()
    }

    /// Where the emails go: `file`, `smtp` or `log`.
    /// Bytes the disk under the data dir has written since boot, read from the block
    /// device's own counters: every process's writes, not only the server's.
    pub fn device_written(&self) -> anyhow::Result<u64> {
        super::proc_stats::device_written_bytes(self.data.path())
    }

    pub fn mail_name(&self) -> &'static str {
        self.mail.name()
    }

    /// Emails the SMTP sink accepted so far (`None` for the other transports).
    pub fn mail_messages(&self) -> Option<u64> {
        match &self.mail {
            Mail::Smtp(sink) => Some(sink.messages()),
            Mail::File | Mail::Log => None,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails with the log's tail if the server has exited.
    pub fn ensure_alive(&self) -> anyhow::Result<()> {
        let status = Path::new("/proc").join(self.pid().to_string()).join("stat");
        let state = std::fs::read_to_string(status).unwrap_or_default();
        let zombie_or_gone = state
            .rsplit_once(')')
            .is_none_or(|(_, rest)| rest.trim_start().starts_with('Z'));
        if zombie_or_gone {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!("the server exited; its log ends:\n{}", tail.join("\n"));
        }
        Ok(())
    }

    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        self.status_kib("VmRSS")
    }

    /// A `kB` line of /proc/<pid>/status, e.g. VmRSS or VmHWM.
    pub fn status_kib(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {field} in /proc/{}/status", self.pid()))
    }
}

impl Drop for Server {
    /// SIGTERM for a clean shutdown, SIGKILL if it is not done in ten seconds.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
