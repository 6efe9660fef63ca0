//! `rezerve serve`: the server started, announced and stopped.

use super::*;

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

/// The server runs with glibc's mmap threshold fixed (`src/cli/malloc.rs`): the binary starts
/// itself again, in the same process, with `GLIBC_TUNABLES` set, and keeps an operator's own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[tokio::test]
async fn serve_runs_with_mallocs_threshold_fixed_and_keeps_the_operators_tunables() {
    /// Whether the serving process (the child we spawned, so the same pid) started with
    /// `GLIBC_TUNABLES` set to `expected`. glibc ends each value it parses with a NUL in place,
    /// so in `/proc/<pid>/environ` the entry reads with NULs where its colons were.
    fn started_with_tunables(server: &Server, expected: &str) -> bool {
        let environ = std::fs::read(format!("/proc/{}/environ", server.child.id()))
            .expect("the server's environment is readable");
        let entry = format!("GLIBC_TUNABLES={expected}");
        environ.windows(entry.len() + 1).any(|window| {
            let (value, end) = window.split_at(entry.len());
            let value: Vec<u8> = value
                .iter()
                .map(|b| if *b == 0 { b':' } else { *b })
                .collect();
            value == entry.as_bytes() && end == [0]
        })
    }
    let work = Workdir::new();
    let cases = [
        (None, "glibc.malloc.mmap_threshold=131072"),
        (Some(""), "glibc.malloc.mmap_threshold=131072"),
        (
            Some("glibc.malloc.arena_max=2"),
            "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072",
        ),
        // The operator's own threshold wins.
        (
            Some("glibc.malloc.mmap_threshold=65536"),
            "glibc.malloc.mmap_threshold=65536",
        ),
    ];
    for (given, expected) in cases {
        let mut command = work.cmd(&["serve"]);
        if let Some(given) = given {
            command = command.env("GLIBC_TUNABLES", given);
        }
        let mut server = command.serve().await;
        server.get("/healthz", None).await.assert_status(200);
        assert!(
            started_with_tunables(&server, expected),
            "given {given:?}, the server did not start with GLIBC_TUNABLES={expected}"
        );
        assert!(server.terminate().success());
    }
    // Once restarted (its mark set), it never starts itself again, even when GLIBC_TUNABLES
    // lacks the threshold, as when glibc removes the variable from a secure-execution start.
    let mut server = work
        .cmd(&["serve"])
        .env("_REZERVE_MALLOC_SETTLED", "1")
        .env("GLIBC_TUNABLES", "")
        .serve()
        .await;
    assert!(
        started_with_tunables(&server, ""),
        "a marked start restarted itself"
    );
    assert!(server.terminate().success());
}

#[test]
fn the_readme_commands_are_the_ones_ci_and_the_binary_know() {
    let readme = include_str!("../../../README.md");
    let ci = include_str!("../../../.ci/run");
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
