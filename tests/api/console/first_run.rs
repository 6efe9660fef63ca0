//! First run: with no admin, a one-time setup link (shown on the sign-in page only to this
//! machine) lets the first admin choose an email and password in the browser.

use super::Console;
use crate::helpers::TestApp;

fn link(app: &TestApp) -> String {
    format!(
        "/admin/setup?token={}",
        app.setup_token
            .as_deref()
            .expect("setup is open on a fresh data dir")
    )
}

fn setup_fields<'a>(token: &'a str, email: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("token", token),
        ("email", email),
        ("name", "First Admin"),
        ("password", password),
        ("confirm", password),
    ]
}

#[tokio::test]
async fn the_first_admin_is_created_in_the_browser_once() {
    let app = TestApp::spawn().await;
    let token = app.setup_token.clone().expect("token");
    // The sign-in page shows the link to a browser on this machine.
    let login = Console::anonymous(&app).get("/admin/login").await;
    assert!(
        login.text.contains(&link(&app).replace('&', "&amp;")),
        "{}",
        login.text
    );
    Console::anonymous(&app)
        .get(&link(&app))
        .await
        .assert_html(200);

    let mut console = Console::anonymous(&app);
    let page = console
        .post_form(
            "/admin/setup",
            &setup_fields(&token, "boss@example.test", "a long passphrase"),
        )
        .await;
    assert_eq!(page.location(), "/admin/", "{}", page.text);
    let dashboard = console.get("/admin/").await;
    dashboard.assert_html(200);
    assert!(dashboard.text.contains("<span class=\"role\">admin</span>"));

    // Single use: the link is dead, the sign-in page no longer shows it.
    let again = Console::anonymous(&app).get(&link(&app)).await;
    again.assert_html(409);
    assert_eq!(again.error_code().as_deref(), Some("setup_closed"));
    let mut other = Console::anonymous(&app);
    let page = other
        .post_form(
            "/admin/setup",
            &setup_fields(&token, "thief@example.test", "a long passphrase"),
        )
        .await;
    page.assert_html(409);
    assert!(other.cookie.is_none());
    assert!(
        !Console::anonymous(&app)
            .get("/admin/login")
            .await
            .text
            .contains("setup-link")
    );
    // The admin can sign in normally; the API knows them.
    let token = app.login("boss@example.test", "a long passphrase").await;
    let me = app.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(me.body["role"], "admin");
}

#[tokio::test]
async fn bad_setup_input_shows_every_problem_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let token = app.setup_token.clone().expect("token");
    let mut console = Console::anonymous(&app);
    let page = console
        .post_form(
            "/admin/setup",
            &[
                ("token", &token),
                ("email", "not-an-email"),
                ("name", ""),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    page.assert_html(422);
    for id in ["email-error", "name-error", "password-error"] {
        assert!(page.text.contains(id), "{id} missing: {}", page.text);
    }
    let page = console
        .post_form(
            "/admin/setup",
            &[
                ("token", &token),
                ("email", "boss@example.test"),
                ("name", "Boss"),
                ("password", "a long passphrase"),
                ("confirm", "another one"),
            ],
        )
        .await;
    page.assert_html(422);
    assert!(page.text.contains("confirm-error"));
    assert!(console.cookie.is_none());
    let db = rusqlite::Connection::open(app.data_dir.path().join("rezerve.db")).expect("db");
    let users: i64 = db
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .expect("count");
    assert_eq!(users, 0);
    // The link still works after a mistake.
    Console::anonymous(&app)
        .get(&link(&app))
        .await
        .assert_html(200);
}

#[tokio::test]
async fn a_wrong_or_expired_token_is_refused() {
    let app = TestApp::spawn().await;
    let page = Console::anonymous(&app)
        .get("/admin/setup?token=guess")
        .await;
    page.assert_html(409);
    assert_eq!(page.error_code().as_deref(), Some("setup_closed"));
    app.clock.advance(time::Duration::minutes(61));
    Console::anonymous(&app)
        .get(&link(&app))
        .await
        .assert_html(409);
}

#[tokio::test]
async fn an_admin_made_from_the_shell_closes_the_link() {
    let app = TestApp::spawn().await;
    app.account("ada", "admin").await;
    Console::anonymous(&app)
        .get(&link(&app))
        .await
        .assert_html(409);
    assert!(
        !Console::anonymous(&app)
            .get("/admin/login")
            .await
            .text
            .contains("setup-link")
    );
}

#[tokio::test]
async fn serve_prints_the_setup_link_when_no_admin_exists() {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("rezerve.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nmetrics_listen = \"127.0.0.1:0\"\n[storage]\ndata_dir = {:?}\n[mail]\ntransport = \"log\"\n",
            dir.path().join("data")
        ),
    )
    .expect("config");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rezerve"))
        .args(["--config", config.to_str().expect("path"), "serve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let lines = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut seen = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.expect("line");
            let done = line.contains("/admin/setup?token=");
            seen.push(line);
            if done {
                break;
            }
        }
        seen
    });
    let lines = tokio::time::timeout(std::time::Duration::from_secs(30), lines)
        .await
        .expect("serve printed in time")
        .expect("reader");
    let _ = child.kill();
    let _ = child.wait();
    let all = lines.join("\n");
    assert!(all.contains("Staff console: http://127.0.0.1:"), "{all}");
    assert!(all.contains("No admin account exists yet"), "{all}");
    assert!(all.contains("/admin/setup?token="), "{all}");
}
