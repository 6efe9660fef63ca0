//! Schemathesis (`pip install schemathesis`; `.ci/run` installs it) over the OpenAPI document
//! the real binary serves, with every check, as an anonymous client, a customer and an admin
//! (issue 14, issue 13 step 6). The server holds the demo catalog, so the generated requests
//! reach events, seat maps, bookings and users that exist. The test fails on any failure
//! schemathesis reports: a 5xx, a status, content type, header or body the document does not
//! declare, schema-invalid data accepted, schema-valid data refused, a missing auth check.
//!
//! One built-in check is swapped for a narrower copy: `tests/fuzz/hooks.py` says which
//! refusals of schema-valid data depend on the server's data (a seat label the event does not
//! have, a cursor it never handed out) and why no schema can express them.
//!
//! Bounded: `FUZZ_SECONDS` per role (default 40 s), so about two minutes in all. The seed is
//! fixed (`FUZZ_SEED` to change it) so a failure in CI can be replayed; each role's figures
//! (requests the server answered, test cases, failures) are printed.

use crate::cli::{Server, Workdir};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const DEFAULT_SECONDS: &str = "40";
const DEFAULT_SEED: &str = "20261206";

/// What schemathesis did as one role.
struct Outcome {
    role: &'static str,
    requests: f64,
    cases: u64,
    failures: Vec<String>,
    exit_ok: bool,
    output: String,
}

/// The server's count of answered requests, from the metrics listener.
async fn requests_answered(server: &Server) -> f64 {
    let scrape = crate::telemetry::scrape(server).await;
    scrape.value("rezerve_http_requests_total", &[])
}

/// The demo account's token for `role` (`admin`, `staff`, `customer`).
async fn token(server: &Server, work: &Workdir, role: &str) -> String {
    let credentials = std::fs::read_to_string(work.data_dir().join("demo-credentials.txt"))
        .expect("seed demo writes the demo credentials");
    let line: Vec<&str> = credentials
        .lines()
        .find(|l| l.split_whitespace().next() == Some(role))
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_else(|| panic!("no {role} in {credentials}"));
    let session = server.login(line[1], line[3]).await;
    session.assert_status(200);
    session.body["token"].as_str().expect("a token").to_string()
}

/// Runs `schemathesis run` against the server as `role`; its report.
async fn schemathesis(
    server: &Server,
    role: &'static str,
    token: Option<String>,
    seconds: u64,
    seed: String,
) -> Outcome {
    let before = requests_answered(server).await;
    let url = format!("{}/api/openapi.json", server.base_url);
    let outcome = tokio::task::spawn_blocking(move || {
        let reports = tempfile::tempdir().expect("a report dir");
        let mut args: Vec<String> = [
            "-m",
            "schemathesis.cli",
            "run",
            &url,
            "--checks",
            "all",
            // Replaced by tests/fuzz/hooks.py's positive_data_acceptance_in_context.
            "--exclude-checks",
            "positive_data_acceptance",
            "--no-color",
            // One worker: with the fixed seed, a run is close to repeatable.
            "--workers",
            "1",
            "--report",
            "json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend([
            "--max-time".into(),
            seconds.to_string(),
            "--seed".into(),
            seed,
            "--report-dir".into(),
            reports.path().display().to_string(),
        ]);
        if let Some(token) = token {
            args.extend(["--header".into(), format!("Authorization: Bearer {token}")]);
        }
        let output = run_bounded(&args, seconds + 120, reports.path());
        let report = std::fs::read_dir(reports.path())
            .expect("the report dir")
            .filter_map(Result::ok)
            .find(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .map(|e| std::fs::read_to_string(e.path()).expect("the report"))
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .unwrap_or(Value::Null);
        (output, report)
    })
    .await
    .expect("schemathesis ran");
    let (output, report) = outcome;
    let failures = report["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{} {} ×{} on {}",
                f["code"], f["title"], f["count"], f["operations"]
            )
        })
        .collect();
    Outcome {
        role,
        requests: requests_answered(server).await - before,
        cases: report["test_cases"]["generated"].as_u64().unwrap_or(0),
        failures,
        exit_ok: output.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// The CPython error schemathesis' generator can hit deep in a nested schema (see
/// `tests/fuzz/hooks.py`): a crash of the tool while drawing a request, nothing sent.
const TOOL_CRASH: &str = "SystemError: AST constructor recursion depth mismatch";

/// True when every error of a run without failures is [`TOOL_CRASH`]; any other error (the
/// server unreachable, a response that cannot be read) still fails the test.
fn tool_crash_only(o: &Outcome) -> bool {
    // Each error is a block headed by a line of its own; the summary repeats the kind.
    let errors = o
        .output
        .lines()
        .filter(|l| l.trim() == "Runtime Error")
        .count();
    let crashes = o.output.matches(TOOL_CRASH).count();
    errors > 0 && crashes >= errors && o.output.contains("Errors:")
}

/// `python3 <args>` with the hooks loaded, killed after `limit` seconds.
fn run_bounded(args: &[String], limit: u64, cwd: &Path) -> Output {
    let hooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    Command::new("timeout")
        .arg(limit.to_string())
        .arg("python3")
        .args(args)
        // The report dir as cwd: no schemathesis.toml or cache from elsewhere is picked up.
        .current_dir(cwd)
        .env("PYTHONPATH", hooks)
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .output()
        .unwrap_or_else(|e| {
            panic!("python3 does not run (pip install schemathesis; .ci/run does): {e}")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "opt-in until stable: seeded runs still find a new gap now and then (README, Development)"]
async fn schemathesis_finds_no_failure_as_anonymous_customer_and_admin() {
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .unwrap_or_else(|_| DEFAULT_SECONDS.into())
        .parse()
        .expect("FUZZ_SECONDS is a number of seconds");
    let seed = std::env::var("FUZZ_SEED").unwrap_or_else(|_| DEFAULT_SEED.into());
    let work = Workdir::new();
    let cheap = [
        ("REZERVE_AUTH__ARGON2_MEMORY_KIB", "64"),
        ("REZERVE_AUTH__ARGON2_ITERATIONS", "1"),
        ("REZERVE_MAIL__TRANSPORT", "log"),
    ];
    let mut seed_demo = work.cmd(&["seed", "demo"]);
    for (k, v) in cheap {
        seed_demo = seed_demo.env(k, v);
    }
    seed_demo.run().assert_success();
    let mut serve = work.cmd(&["serve"]);
    for (k, v) in cheap {
        serve = serve.env(k, v);
    }
    let server = serve.serve().await;
    let customer = token(&server, &work, "customer").await;
    let admin = token(&server, &work, "admin").await;

    let mut outcomes = Vec::new();
    for (role, token) in [
        ("anonymous", None),
        ("customer", Some(customer)),
        ("admin", Some(admin)),
    ] {
        outcomes.push(schemathesis(&server, role, token, seconds, seed.clone()).await);
    }
    for o in &outcomes {
        println!(
            "schemathesis as {}: {} requests answered, {} test cases, {} failures",
            o.role,
            o.requests,
            o.cases,
            o.failures.len()
        );
    }
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !(o.failures.is_empty() && o.cases > 0 && (o.exit_ok || tool_crash_only(o))))
        .map(|o| {
            format!(
                "=== schemathesis as {}: {:?}\n{}",
                o.role, o.failures, o.output
            )
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
