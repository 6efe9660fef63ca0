//! `rezerve mail preview` and `rezerve mail test` as an operator runs them (the built binary
//! in a temp working dir), and the `file` transport, the embedded default, writing one
//! `.eml` per message under the data dir.

use super::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_rezerve");

/// Runs `rezerve <args>` in `dir` with `env` (and no REZERVE_* from outside), off the
/// executor so the sink and the app keep running.
async fn rezerve(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("REZERVE_") {
            command.env_remove(key);
        }
    }
    for (key, value) in env {
        command.env(key, value);
    }
    tokio::task::spawn_blocking(move || command.output().expect("rezerve runs"))
        .await
        .expect("joined")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[tokio::test]
async fn preview_writes_a_whole_message_with_its_qr_image_or_its_html() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = rezerve(
        dir.path(),
        &["mail", "preview", "booking-confirmed", "--out", "x.eml"],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let raw = std::fs::read(dir.path().join("x.eml")).expect("x.eml written");
    let m = Mail::parse(&raw);
    assert!(m.subject.starts_with("Your tickets for"), "{}", m.subject);
    assert_eq!(
        m.structure,
        "multipart/alternative(text/plain, multipart/related(text/html, image/png))"
    );
    assert_eq!(m.images.len(), 1);
    assert!(m.images[0].bytes.starts_with(b"\x89PNG"));
    assert!(m.html.contains(&format!("src=\"cid:{}\"", m.images[0].cid)));
    assert!(m.text.contains("RZ1."), "{}", m.text);
    assert!(
        !m.html.contains("<b>Raghunathan</b>"),
        "escaped: {}",
        m.html
    );
    assert!(
        m.html_as_read().contains("<b>Raghunathan</b>"),
        "{}",
        m.html
    );
    assert!(m.text.contains("山田 花子"), "{}", m.text);

    let out = rezerve(
        dir.path(),
        &["mail", "preview", "event-cancelled", "--out", "x.html"],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("x.html")).expect("x.html written");
    assert!(
        html.trim_start()
            .to_lowercase()
            .starts_with("<!doctype html>"),
        "{html}"
    );
    assert!(unescape(&html).contains("संध्या राग"), "{html}");
    assert!(!html.contains("<Friends>"), "{html}");
    assert!(unescape(&html).contains("We have refunded"), "{html}");

    // Without --out the plain text goes to stdout.
    let out = rezerve(dir.path(), &["mail", "preview", "welcome"], &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Welcome to Rezerve"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test]
async fn preview_of_an_unknown_kind_fails_naming_the_kinds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = rezerve(dir.path(), &["mail", "preview", "newsletter"], &[]).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("newsletter"), "{err}");
    for kind in [
        "welcome",
        "booking-confirmed",
        "payment-failed",
        "booking-expired",
        "booking-cancelled",
        "event-cancelled",
    ] {
        assert!(err.contains(kind), "{kind} not named: {err}");
    }
    let out = rezerve(
        dir.path(),
        &["mail", "preview", "welcome", "--out", "x.pdf"],
        &[],
    )
    .await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains(".eml"), "{}", stderr(&out));
}

#[tokio::test]
async fn mail_test_delivers_one_message_and_fails_clearly_without_a_server() {
    let mut sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let env = [
        ("REZERVE_MAIL__TRANSPORT", "smtp".to_string()),
        ("REZERVE_MAIL__SMTP_URL", sink.url()),
        ("REZERVE_MAIL__OPERATOR_NAME", OPERATOR.to_string()),
    ];
    let args = ["mail", "test", "--to", "someone@example.test"];
    let out = rezerve(dir.path(), &args, &env).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("someone@example.test"),
        "{}",
        stdout(&out)
    );

    let m = mail(&sink, "someone@example.test", "test email").await;
    assert_eq!(m.rcpt_to, ["someone@example.test"]);
    assert_eq!(m.subject, format!("{OPERATOR}: test email"));
    assert_eq!(
        m.from,
        [("Rezerve".to_string(), "noreply@localhost".to_string())]
    );
    assert!(m.text.contains("mail delivery works"), "{}", m.text);
    assert!(
        m.html_as_read().contains("mail delivery works"),
        "{}",
        m.html
    );
    assert_eq!(sink.messages().len(), 1, "exactly one message");

    sink.stop();
    let out = rezerve(dir.path(), &args, &env).await;
    assert!(!out.status.success(), "succeeded with the server down");
    let err = stderr(&out);
    assert!(err.contains("mail delivery failed"), "{err}");
    assert!(err.contains("smtp"), "{err}");
    sink.restart().await;
    assert_eq!(sink.messages().len(), 1, "nothing more arrived");
}

#[tokio::test]
async fn the_file_transport_writes_one_eml_per_message_under_the_data_dir() {
    let app = TestApp::spawn_with(|c| {
        c.mail.transport = MailTransport::File;
        c.mail.operator_name = OPERATOR.into();
    })
    .await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    buy(&app, &alice, &event, &["A-1"]).await;

    let mail_dir = app.data_dir.path().join("mail");
    // Two welcomes (admin, alice) and alice's tickets.
    let sent = eventually("three emails logged as sent", || async {
        let sent = notifications(&app, &admin, "status=sent&limit=100").await;
        (sent.len() == 3).then_some(sent)
    })
    .await;
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(&mail_dir)
        .expect("mail dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    let stems: BTreeSet<String> = files
        .iter()
        .map(|f| {
            assert_eq!(f.extension().and_then(|e| e.to_str()), Some("eml"), "{f:?}");
            f.file_stem()
                .and_then(|s| s.to_str())
                .expect("name")
                .to_string()
        })
        .collect();
    let ids: BTreeSet<String> = sent.iter().map(|n| text(n, "id")).collect();
    assert_eq!(stems, ids, "one file per logged email, named by its id");

    let confirmation = sent
        .iter()
        .find(|n| n["kind"] == "booking-confirmed")
        .expect("the confirmation");
    let raw = std::fs::read(mail_dir.join(format!("{}.eml", text(confirmation, "id"))))
        .expect("the confirmation's file");
    let m = Mail::parse(&raw);
    assert_eq!(m.to, ["alice@example.test"]);
    assert_eq!(m.subject, "Your tickets for Evening Raga");
    assert_eq!(m.images.len(), 1);
    assert!(m.html_as_read().contains(OPERATOR));
}
