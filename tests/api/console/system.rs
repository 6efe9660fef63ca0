//! `/admin/system`: the live invariant check in words (all clear, and a real problem found),
//! and the backup download — a tar that the real binary's `rezerve restore` accepts into an
//! empty data dir and `rezerve check` passes on, with nothing left behind in the server's
//! data dir.

use super::{Console, PASSWORD};
use crate::cli::Workdir;
use crate::helpers::TestApp;

#[tokio::test]
async fn the_live_check_says_all_clear_and_names_a_real_problem() {
    let app = TestApp::spawn().await;
    let admin = Console::signed_in(&app, "ada", "admin").await;
    let token = app.login("ada@example.test", PASSWORD).await;
    app.create_concert(&token, 2, 5).await;

    let before = admin.get("/admin/system").await;
    before.assert_html(200);
    assert!(before.text.contains("Run the check"));
    assert!(
        !before.text.contains("id=\"check-summary\""),
        "not run until asked"
    );
    let clear = admin.get("/admin/system/check").await;
    clear.assert_html(200);
    assert!(
        clear.text.contains("<strong>All clear:</strong> all"),
        "{}",
        clear.text
    );
    assert!(!clear.text.contains("Failed:"));
    assert!(
        clear
            .text
            .contains("<strong>Passed:</strong> every job&#x27;s cause exists")
            || clear
                .text
                .contains("<strong>Passed:</strong> every job&#39;s cause exists"),
        "{}",
        clear.text
    );

    // A job whose cause does not exist: the check names it.
    let now = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    app.core
        .sqlite
        .write(move |conn| {
            rezerve::jobs::queue::enqueue(
                conn,
                &rezerve::jobs::queue::NewJob {
                    kind: "nobody-handles-this",
                    payload: "{}".into(),
                    dedupe_key: None,
                    cause: "user:usr_gone".into(),
                    run_at_ms: now,
                    max_attempts: 1,
                },
                now,
            )
        })
        .await
        .expect("enqueued");
    let found = admin.get("/admin/system/check").await;
    found.assert_html(200);
    assert!(
        found.text.contains("<strong>Problems found:</strong> 1 of"),
        "{}",
        found.text
    );
    assert!(
        found.text.contains("has a missing cause `user:usr_gone`"),
        "{}",
        found.text
    );
    // The API's check agrees.
    let api = app.get("/api/v1/admin/check", Some(&token)).await;
    assert_eq!(api.body["ok"], false);
}

#[tokio::test]
async fn a_downloaded_backup_restores_into_an_empty_dir_and_passes_the_check() {
    let app = TestApp::spawn().await;
    let mut admin = Console::signed_in(&app, "ada", "admin").await;
    let token = app.login("ada@example.test", PASSWORD).await;
    let event = app.create_concert(&token, 2, 5).await;
    let page = admin.get("/admin/system").await;
    assert!(page.text.contains("rezerve restore"), "how to restore it");
    let csrf = admin.csrf().await;

    // Without the form's token, or from staff: no file.
    let refused = admin.post_form("/admin/system/backup", &[]).await;
    refused.assert_html(403);
    let mut staff = Console::signed_in(&app, "sam", "staff").await;
    let staff_csrf = staff.csrf().await;
    staff
        .post_form("/admin/system/backup", &[("csrf", &staff_csrf)])
        .await
        .assert_html(403);

    let response = admin
        .post_form_raw("/admin/system/backup", &[("csrf", &csrf)])
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| {
        response.headers()[name]
            .to_str()
            .expect("header")
            .to_string()
    };
    assert_eq!(header("content-type"), "application/x-tar");
    let disposition = header("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"rezerve-backup-")
            && disposition.ends_with("Z.tar\""),
        "{disposition}"
    );
    let length: usize = header("content-length").parse().expect("length");
    let bytes = response.bytes().await.expect("body");
    assert_eq!(bytes.len(), length);

    // A tar of the manifest, the database and the secrets.
    let mut names: Vec<String> = tar::Archive::new(bytes.as_ref())
        .entries()
        .expect("a tar")
        .map(|e| {
            e.expect("entry")
                .path()
                .expect("path")
                .display()
                .to_string()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "manifest.json",
            "rezerve.db",
            "secrets/ticket_signing_key",
            "secrets/token_key",
            "secrets/webhook_secret"
        ]
    );
    // The scratch file is gone from the server's data dir.
    let left: Vec<String> = std::fs::read_dir(app.data_dir.path())
        .expect("data dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.') || n.ends_with(".tar") || n.ends_with(".partial"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");

    // The real binary restores it into an empty data dir, and the check passes there.
    let work = Workdir::new();
    std::fs::write(work.path().join("download.tar"), &bytes).expect("saved");
    work.run(&["restore", "download.tar"]).assert_success();
    work.run(&["check"])
        .assert_success()
        .assert_stdout("all checks passed");
    let restored: String = work
        .db()
        .query_row("SELECT id FROM events", [], |r| r.get(0))
        .expect("the event is in the restored database");
    assert_eq!(restored, event);
}
