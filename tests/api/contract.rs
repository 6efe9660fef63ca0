//! The API contract as a client developer meets it: the document the real binary serves,
//! checked by the same Python tools a kiosk developer uses (`pip install
//! openapi-spec-validator openapi-python-client`; `.ci/run` installs them), and a client
//! generated from it driving the real binary through a kiosk's whole flow. A missing tool
//! fails these tests; nothing is skipped.

use crate::cli::{Server, Workdir};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `rezerve serve` on a fresh workdir, with cheap hashing and no mail.
async fn serve(work: &Workdir) -> Server {
    work.cmd(&["serve"])
        .env("REZERVE_AUTH__ARGON2_MEMORY_KIB", "64")
        .env("REZERVE_AUTH__ARGON2_ITERATIONS", "1")
        .env("REZERVE_MAIL__TRANSPORT", "log")
        .serve()
        .await
}

/// Runs a program from the repository root, with `PYTHONPATH` set when given.
async fn run(program: &'static str, args: Vec<String>, python_path: Option<PathBuf>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(program);
        command.args(&args).current_dir(env!("CARGO_MANIFEST_DIR"));
        if let Some(path) = python_path {
            command.env("PYTHONPATH", path);
        }
        command.output().unwrap_or_else(|e| {
            panic!("{program} runs (the contract tests need Python 3 with the packages .ci/run installs): {e}")
        })
    })
    .await
    .expect("the task finishes")
}

/// Runs a Python script of `tests/kiosk/`.
async fn python(args: Vec<String>) -> Output {
    run("python3", args, None).await
}

/// Generates the Python client from the served document into `dir/rezerve_api_client`,
/// refusing any warning from the generator.
async fn generate_client(base_url: &str, dir: &Path) {
    let output = run(
        "openapi-python-client",
        vec![
            "generate".into(),
            "--url".into(),
            format!("{base_url}/api/openapi.json"),
            "--meta".into(),
            "none".into(),
            "--output-path".into(),
            dir.join("rezerve_api_client").display().to_string(),
        ],
        None,
    )
    .await;
    let text = explain(&output);
    assert!(output.status.success(), "the generator failed\n{text}");
    assert!(
        !text.to_ascii_lowercase().contains("warning"),
        "the generator warned\n{text}"
    );
}

fn explain(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn the_served_document_is_valid_openapi_with_method_like_unique_operation_ids() {
    let work = Workdir::new();
    let server = serve(&work).await;
    let url = format!("{}/api/openapi.json", server.base_url);
    let output = python(vec!["tests/kiosk/validate.py".into(), url]).await;
    assert!(output.status.success(), "{}", explain(&output));
}

/// The kiosk example (`tests/kiosk/kiosk.py`), written only against the generated client,
/// through register, browse, seat map, hold, extend, book, pay with a replayed
/// Idempotency-Key, a declined card (a typed 402), a bus segment, a customer refused a staff
/// operation (typed 403), check-in twice (typed 409) and a forged token (typed 401).
#[tokio::test]
async fn a_generated_client_runs_the_kiosk_flow_against_the_real_binary() {
    let work = Workdir::new();
    let server = work
        .cmd(&["serve", "--demo"])
        .env("REZERVE_AUTH__ARGON2_MEMORY_KIB", "64")
        .env("REZERVE_AUTH__ARGON2_ITERATIONS", "1")
        .env("REZERVE_MAIL__TRANSPORT", "log")
        .serve()
        .await;
    let credentials = std::fs::read_to_string(work.data_dir().join("demo-credentials.txt"))
        .expect("serve --demo writes the demo credentials");
    let staff: Vec<&str> = credentials
        .lines()
        .find(|l| l.starts_with("staff"))
        .map(|l| l.split_whitespace().collect())
        .expect("a staff account");
    let (email, password) = (staff[1].to_string(), staff[3].to_string());

    let client = tempfile::tempdir().expect("a dir for the client");
    generate_client(&server.base_url, client.path()).await;
    let output = run(
        "python3",
        vec![
            "tests/kiosk/kiosk.py".into(),
            server.base_url.clone(),
            email,
            password,
        ],
        Some(client.path().to_path_buf()),
    )
    .await;
    let text = explain(&output);
    assert!(output.status.success(), "the kiosk flow failed\n{text}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("kiosk: 31 passed, 0 failed"),
        "the kiosk did not make every call\n{text}"
    );
}
