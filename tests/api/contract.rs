//! The API contract as a client developer meets it: the document the real binary serves,
//! checked by the same Python tools a kiosk developer uses (`pip install
//! openapi-spec-validator openapi-python-client`; `.ci/run` installs them).

use crate::cli::{Server, Workdir};
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

/// Runs a Python script of `tests/kiosk/` from the repository root.
async fn python(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("python3 runs (the contract tests need Python 3 with the packages .ci/run installs)")
    })
    .await
    .expect("the python task finishes")
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
