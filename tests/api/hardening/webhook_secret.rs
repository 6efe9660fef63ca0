//! One rule for the webhook HMAC key, wherever the secret comes from (the generated
//! `secrets/webhook_secret` or `payments.webhook_secret`): the README's signing examples,
//! run exactly as written (shell with openssl and curl, and Python), confirm a booking.

use crate::bookings::{booked, pay_by_gateway, status_of, text};
use crate::helpers::TestApp;
use std::path::Path;
use std::process::Command;

/// The code block that follows `marker` in the README.
fn readme_block(marker: &str) -> String {
    let readme = include_str!("../../../README.md");
    let after = &readme[readme
        .find(marker)
        .unwrap_or_else(|| panic!("README has no {marker}"))..];
    let start = after.find("```").expect("a code block after the marker");
    let body = &after[start..];
    let body = &body[body.find('\n').expect("fence line") + 1..];
    body[..body.find("\n```").expect("closing fence")].to_string()
}

/// Runs a README example for a pending gateway payment and returns what it printed.
/// Runs off the test's runtime: the server answering the example runs on it.
async fn run_example(lang: &str, app: &TestApp, secret_file: &Path, payment_id: &str) -> String {
    let (lang, url, file, payment) = (
        lang.to_string(),
        app.base_url.clone(),
        secret_file.to_path_buf(),
        payment_id.to_string(),
    );
    tokio::task::spawn_blocking(move || run_example_blocking(&lang, &url, &file, &payment))
        .await
        .expect("example runner")
}

fn run_example_blocking(
    lang: &str,
    base_url: &str,
    secret_file: &Path,
    payment_id: &str,
) -> String {
    let (program, marker) = match lang {
        "sh" => ("bash", "<!-- webhook-signing-shell"),
        _ => ("python3", "<!-- webhook-signing-python"),
    };
    let mut command = Command::new(program);
    if lang == "sh" {
        command.arg("-euc");
    } else {
        command.arg("-c");
    }
    let output = command
        .arg(readme_block(marker))
        .env("REZERVE_URL", base_url)
        .env("SECRET_FILE", secret_file)
        .env("PAYMENT_ID", payment_id)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{program} example failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Books a seat, starts a gateway payment, signs its callback with the README `lang`
/// example and asserts the booking is confirmed.
async fn confirm_through_readme(
    app: &TestApp,
    event: &str,
    lang: &str,
    seat: &str,
    secret_file: &Path,
) {
    let customer = app.customer(&format!("payer-{lang}-{seat}")).await;
    let booking = booked(app, &customer, event, &[seat]).await;
    let payment_id = pay_by_gateway(app, &customer, &booking).await;
    let printed = run_example(lang, app, secret_file, &payment_id).await;
    let answer: serde_json::Value = serde_json::from_str(printed.trim())
        .unwrap_or_else(|e| panic!("{lang} example printed {printed:?}: {e}"));
    assert_eq!(answer["result"], "applied", "{printed}");
    assert_eq!(
        status_of(app, &customer, &text(&booking, "id")).await,
        "confirmed"
    );
}

#[tokio::test]
async fn the_readme_examples_sign_with_the_generated_secret_file() {
    let app = TestApp::spawn().await;
    let secret_file = app.data_dir.path().join("secrets/webhook_secret");
    let secret = std::fs::read_to_string(&secret_file).expect("generated secret");
    assert!(secret.trim().len() >= 16, "{secret:?}");
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 4).await;
    confirm_through_readme(&app, &event, "sh", "A-1", &secret_file).await;
    confirm_through_readme(&app, &event, "python", "A-2", &secret_file).await;
}

#[tokio::test]
async fn the_readme_examples_sign_with_the_configured_secret() {
    const CONFIGURED: &str = "gateway shared secret 2027/01";
    let app = TestApp::spawn_with(|config| {
        config.payments.webhook_secret = Some(rezerve::config::Secret(CONFIGURED.into()));
    })
    .await;
    // The integrator keeps the configured value in a file of their own, newline and all.
    let dir = tempfile::tempdir().expect("temp dir");
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, format!("{CONFIGURED}\n")).expect("write");
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 4).await;
    confirm_through_readme(&app, &event, "sh", "A-1", &secret_file).await;
    confirm_through_readme(&app, &event, "python", "A-2", &secret_file).await;
}
