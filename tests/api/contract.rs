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
    run_with(program, args, python_path, Vec::new()).await
}

/// [`run`] with more environment variables.
async fn run_with(
    program: &'static str,
    args: Vec<String>,
    python_path: Option<PathBuf>,
    env: Vec<(&'static str, String)>,
) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(program);
        command.args(&args).current_dir(env!("CARGO_MANIFEST_DIR"));
        if let Some(path) = python_path {
            command.env("PYTHONPATH", path);
        }
        command.envs(env);
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
/// operation (typed 403), check-in twice (typed 409), a forged token and an expired one
/// (typed 401s).
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

    let expired = expired_token(&work, &server, &email, &password).await;

    let client = tempfile::tempdir().expect("a dir for the client");
    generate_client(&server.base_url, client.path()).await;
    let output = run_with(
        "python3",
        vec![
            "tests/kiosk/kiosk.py".into(),
            server.base_url.clone(),
            email,
            password,
        ],
        Some(client.path().to_path_buf()),
        vec![("KIOSK_EXPIRED_TOKEN", expired)],
    )
    .await;
    let text = explain(&output);
    assert!(output.status.success(), "the kiosk flow failed\n{text}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("kiosk: 32 passed, 0 failed"),
        "the kiosk did not make every call\n{text}"
    );
}

/// A token for the staff account as the server would have issued it two hours ago, signed
/// with the data dir's real key: everything about it is right except that it has expired.
async fn expired_token(work: &Workdir, server: &Server, email: &str, password: &str) -> String {
    let session = server.login(email, password).await;
    session.assert_status(200);
    let fresh = session.body["token"].as_str().expect("a token").to_string();
    let config = rezerve::Config::for_tests(&work.data_dir());
    let secrets = rezerve::store::Secrets::load_or_create(&config).expect("the server's secrets");
    let now = time::OffsetDateTime::now_utc();
    let tokens = rezerve::auth::token::Tokens::new(&secrets.token_key, &config.auth.issuer, 3600);
    let claims = tokens
        .verify(&fresh, now)
        .expect("the fresh token verifies");
    let (expired, expires_at) = tokens
        .issue(
            &claims.sub,
            &claims.email,
            claims.role,
            claims.ver,
            now - time::Duration::hours(2),
        )
        .expect("signed");
    assert!(expires_at < now, "the token has expired");
    // The same token, unexpired, is accepted: only its age is wrong.
    let (current, _) = tokens
        .issue(&claims.sub, &claims.email, claims.role, claims.ver, now)
        .expect("signed");
    server
        .get("/api/v1/auth/me", Some(&current))
        .await
        .assert_status(200);
    expired
}
