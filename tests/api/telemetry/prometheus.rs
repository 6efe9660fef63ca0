//! Against the real thing: Debian's `promtool` checks the shipped scrape config and alert
//! rules (and runs the rules' unit tests), and a real `/metrics` scrape for naming problems;
//! a real `prometheus` on loopback scrapes the running binary through the shipped config
//! while it sells seats, and its HTTP API must show the sales, the alert rules evaluating and
//! every dashboard query answering.
//!
//! Both tools come from Debian's `prometheus` package (`.ci/run` installs it). A missing
//! tool fails these tests: they never skip.

use super::dashboard::panel_queries;
use super::day;
use super::scrape;
use crate::browser::which;
use crate::cli::Workdir;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "install Debian's `prometheus` package, which ships prometheus and \
                       promtool (apt-get install prometheus; .ci/run does this)";
/// How long Prometheus may take to start, scrape and show a value (a loaded CI machine).
const PATIENCE: Duration = Duration::from_secs(90);

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A tool of the Prometheus package; panics if it is not installed.
fn tool(name: &str) -> PathBuf {
    which(name).unwrap_or_else(|| panic!("`{name}` is not installed: {INSTALL}"))
}

/// Runs `promtool <args>` with `stdin`; its output.
fn promtool(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(tool("promtool"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("promtool does not start: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("promtool reads stdin");
    child.wait_with_output().expect("promtool finishes")
}

fn both(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn promtool_accepts_the_shipped_config_and_rules_and_their_unit_tests() {
    let config = repo("assets/prometheus/prometheus.yml");
    let rules = repo("assets/prometheus/rezerve-alerts.yml");
    let rule_tests = repo("tests/api/telemetry/rezerve-alerts.test.yml");
    // `check config` also loads the rule files the config names.
    let checked = promtool(&["check", "config", config.to_str().expect("utf-8")], "");
    assert!(checked.status.success(), "{}", both(&checked));
    assert!(
        both(&checked).contains("SUCCESS: 1 rule files found"),
        "{}",
        both(&checked)
    );
    let checked = promtool(&["check", "rules", rules.to_str().expect("utf-8")], "");
    assert!(checked.status.success(), "{}", both(&checked));
    assert!(
        both(&checked).contains("SUCCESS: 9 rules found"),
        "{}",
        both(&checked)
    );
    // Each alert fires on its trouble with its annotations, and not on a healthy instance.
    let tested = promtool(&["test", "rules", rule_tests.to_str().expect("utf-8")], "");
    assert!(tested.status.success(), "{}", both(&tested));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promtool_finds_no_naming_problem_in_a_real_scrape() {
    // The check is not vacuous: it reports a badly named series.
    let bad = promtool(
        &["check", "metrics"],
        "# HELP bad_ms Time.\n# TYPE bad_ms counter\nbad_ms 1\n",
    );
    assert!(!bad.status.success(), "{}", both(&bad));
    assert!(both(&bad).contains("bad_ms"), "{}", both(&bad));

    let work = Workdir::new();
    let server = day::serve(&work).await;
    day::run(&server).await;
    let scrape = scrape(&server).await;
    let checked = promtool(&["check", "metrics"], &scrape.0);
    assert!(
        checked.status.success() && both(&checked).trim().is_empty(),
        "promtool check metrics:\n{}\n--- the scrape\n{}",
        both(&checked),
        scrape.0
    );
}

/// A `prometheus` process on loopback with its own storage, killed on drop.
struct Prometheus {
    child: Child,
    base_url: String,
    http: reqwest::Client,
    dir: tempfile::TempDir,
}

impl Prometheus {
    /// Starts Prometheus with the shipped config, its target set to `target` and its
    /// intervals shortened to a second, and waits until it is ready.
    async fn start(target: &str) -> Prometheus {
        let shipped = std::fs::read_to_string(repo("assets/prometheus/prometheus.yml"))
            .expect("shipped config");
        let mut config = shipped.clone();
        for (from, to) in [
            ("scrape_interval: 15s", "scrape_interval: 1s"),
            ("evaluation_interval: 15s", "evaluation_interval: 1s"),
            ("\"127.0.0.1:9464\"", &format!("\"{target}\"")),
        ] {
            assert!(
                config.contains(from),
                "the shipped config no longer has {from}:\n{shipped}"
            );
            config = config.replace(from, to);
        }
        let mut dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("prometheus.yml"), config).expect("config");
        std::fs::copy(
            repo("assets/prometheus/rezerve-alerts.yml"),
            dir.path().join("rezerve-alerts.yml"),
        )
        .expect("rules");
        let binary = tool("prometheus");
        // A free port can be taken between looking and binding: try a few.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log");
            let child = Command::new(&binary)
                .arg(format!(
                    "--config.file={}",
                    dir.path().join("prometheus.yml").display()
                ))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.path().join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("{} does not start: {e}", binary.display()));
            let mut prometheus = Prometheus {
                child,
                base_url: format!("http://127.0.0.1:{port}"),
                http: reqwest::Client::new(),
                dir,
            };
            if prometheus.ready().await {
                return prometheus;
            }
            let log = prometheus.log();
            assert!(
                log.contains("address already in use"),
                "prometheus did not become ready:\n{log}"
            );
            dir = prometheus.into_dir();
        }
        panic!("prometheus found no free port in three tries");
    }

    /// Waits for `/-/ready`; false if the process exits first.
    async fn ready(&mut self) -> bool {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            let ready = self
                .http
                .get(format!("{}/-/ready", self.base_url))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("prometheus was not ready in {PATIENCE:?}:\n{}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// Stops the process and hands back the temp dir (for a retry).
    fn into_dir(mut self) -> tempfile::TempDir {
        self.kill();
        let dir = tempfile::tempdir().expect("temp dir");
        std::mem::replace(&mut self.dir, dir)
    }

    fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }

    /// GET `/api/v1/<path>`: its `data`, asserting the API said success.
    async fn api(&self, path: &str, query: &[(&str, &str)]) -> Value {
        let reply = self
            .http
            .get(format!("{}/api/v1/{path}", self.base_url))
            .query(query)
            .send()
            .await
            .expect("prometheus answers");
        let body: Value = reply.json().await.expect("JSON");
        assert_eq!(body["status"], "success", "{path} {query:?}: {body}");
        body["data"].clone()
    }

    /// An instant query: each series' labels and value.
    async fn query(&self, promql: &str) -> Vec<(BTreeMap<String, String>, f64)> {
        let data = self.api("query", &[("query", promql)]).await;
        data["result"]
            .as_array()
            .expect("a vector")
            .iter()
            .map(|s| {
                let labels = serde_json::from_value(s["metric"].clone()).expect("labels");
                let value = s["value"][1]
                    .as_str()
                    .expect("a value")
                    .parse()
                    .expect("a number");
                (labels, value)
            })
            .collect()
    }

    /// Queries until the one series of `promql` has `expected`; its labels.
    async fn until(&self, promql: &str, expected: f64) -> BTreeMap<String, String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let result = self.query(promql).await;
            if let [(labels, value)] = result.as_slice()
                && *value == expected
            {
                return labels.clone();
            }
            assert!(
                Instant::now() < deadline,
                "{promql} never became {expected}: {result:?}\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Kills the process, asserting it was still running (it did not crash mid-test).
    fn stop(mut self) {
        let running = matches!(self.child.try_wait(), Ok(None));
        self.kill();
        assert!(running, "prometheus exited early:\n{}", self.log());
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_sees_the_sales_of_the_running_binary() {
    let work = Workdir::new();
    let server = day::serve(&work).await;
    // The metrics listener, not the API's: the shipped config's target is that address.
    let target = server
        .metrics_url
        .strip_prefix("http://")
        .and_then(|t| t.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("not a metrics URL: {}", server.metrics_url))
        .to_string();
    assert_ne!(
        format!("http://{target}"),
        server.base_url,
        "/metrics has a listener of its own"
    );
    let prometheus = Prometheus::start(&target).await;

    // The target is up under the shipped job name, its instance the host without the port,
    // and nothing is sold yet.
    let up = prometheus.until("up{job=\"rezerve\"}", 1.0).await;
    assert_eq!(up["instance"], "127.0.0.1", "{up:?}");
    assert_eq!(up["service"], "rezerve", "{up:?}");
    prometheus
        .until("rezerve_booking_seats_sold_total", 0.0)
        .await;

    let day = day::run(&server).await;

    // The sales arrive with their values.
    let sold = prometheus
        .until("rezerve_booking_seats_sold_total", day.seats_sold as f64)
        .await;
    assert_eq!(sold["job"], "rezerve");
    let revenue = prometheus
        .until(
            "rezerve_payment_revenue_minor_total",
            day.revenue_minor as f64,
        )
        .await;
    assert_eq!(revenue["currency"], "INR", "{revenue:?}");
    prometheus
        .until(
            "rezerve_payment_refunds_minor_total{currency=\"INR\"}",
            day.refunds_minor as f64,
        )
        .await;
    for (outcome, n) in [
        ("confirmed", day.confirmed),
        ("failed", 1),
        ("refunded", 1),
        ("expired", 0),
    ] {
        prometheus
            .until(
                &format!("rezerve_booking_outcomes_total{{outcome=\"{outcome}\"}}"),
                n as f64,
            )
            .await;
    }
    prometheus
        .until(
            "sum(rezerve_payment_outcomes_total{outcome=\"succeeded\"})",
            3.0,
        )
        .await;
    prometheus.until("rezerve_holds_conflicts_total", 1.0).await;
    prometheus
        .until("rezerve_checkin_admitted_total", 1.0)
        .await;
    prometheus
        .until(
            "rezerve_checkin_refused_total{reason=\"already_checked_in\"}",
            1.0,
        )
        .await;
    prometheus
        .until(
            "sum(rezerve_notify_emails_total{kind=\"booking-confirmed\",outcome=\"sent\"})",
            3.0,
        )
        .await;
    prometheus.until("min(rezerve_store_writable)", 1.0).await;
    prometheus.until("sum(rezerve_jobs_dead)", 0.0).await;
    prometheus.until("rezerve_holds_active", 0.0).await;
    let rates = prometheus
        .query("rate(rezerve_process_cpu_seconds_total[1m]) > 0")
        .await;
    assert_eq!(rates.len(), 1, "the process used no CPU? {rates:?}");

    // Every alert rule evaluates without error against the real series; the backup alert
    // is pending (this data dir was never backed up) and the trouble alerts are quiet.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let data = prometheus.api("rules", &[]).await;
        let rules: Vec<&Value> = data["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .flat_map(|g| g["rules"].as_array().expect("rules"))
            .collect();
        assert_eq!(rules.len(), 9, "{data}");
        let unhealthy: Vec<_> = rules.iter().filter(|r| r["health"] != "ok").collect();
        if unhealthy.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "rules not evaluated cleanly: {unhealthy:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let alerts = prometheus.api("alerts", &[]).await;
    let active: BTreeMap<String, String> = alerts["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .map(|a| {
            (
                a["labels"]["alertname"].as_str().unwrap_or("").to_string(),
                a["state"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        active.get("RezerveNoRecentBackup").map(String::as_str),
        Some("pending"),
        "{alerts}"
    );
    for quiet in ["RezerveDown", "RezerveNotReady", "RezerveDeadJobs"] {
        assert!(!active.contains_key(quiet), "{quiet} is active: {alerts}");
    }

    // Every dashboard query is valid PromQL here, and every panel but the email failures
    // (none today) draws something once its series have two samples to take a rate from.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let mut empty = Vec::new();
        for (title, queries) in panel_queries() {
            let mut series = 0;
            for query in &queries {
                let promql = query
                    .replace("$__rate_interval", "1m")
                    .replace("$__range", "5m")
                    .replace("$instance", ".*");
                series += prometheus.query(&promql).await.len();
            }
            let failures_only = queries
                .iter()
                .all(|q| q.contains("outcome=~\"failed|dead\""));
            if series == 0 && !failures_only {
                empty.push(format!("{title}: {queries:?}"));
            }
        }
        if empty.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "dashboard panels with no data:\n{}",
            empty.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    prometheus.stop();
}
