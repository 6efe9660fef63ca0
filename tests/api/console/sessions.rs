//! Console sessions: the cookie's attributes, expiry (absolute and idle), and revocation by
//! logout, a password change (API or `rezerve user passwd`), a role change and disabling.

use super::{Console, PASSWORD};
use crate::helpers::TestApp;
use serde_json::json;

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_for_admin_only() {
    let app = TestApp::spawn().await;
    app.account("sam", "staff").await;
    let mut console = Console::anonymous(&app);
    let page = console.sign_in("sam@example.test", PASSWORD).await;
    assert_eq!(page.location(), "/admin/");
    let cookie = page.set_cookie().expect("a cookie");
    for part in [
        "rezerve_console=",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/admin",
    ] {
        assert!(cookie.contains(part), "{part} missing in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "no Secure on plain HTTP: {cookie}"
    );
    console.get("/admin/").await.assert_html(200);
}

#[tokio::test]
async fn the_session_id_is_random_and_only_its_hash_is_stored() {
    let app = TestApp::spawn().await;
    let a = Console::signed_in(&app, "sam", "staff").await;
    let mut b = Console::anonymous(&app);
    b.sign_in("sam@example.test", PASSWORD).await;
    let (ca, cb) = (a.cookie.clone().expect("a"), b.cookie.clone().expect("b"));
    assert_ne!(ca, cb);
    assert!(ca.len() >= 40, "{ca}");
    let db = rusqlite::Connection::open(app.data_dir.path().join("rezerve.db")).expect("db");
    let stored: Vec<String> = db
        .prepare("SELECT id_hash FROM console_sessions")
        .expect("sql")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("ids");
    assert_eq!(stored.len(), 2);
    assert!(!stored.contains(&ca) && !stored.contains(&cb));
    // A forged cookie signs nobody in.
    let mut forged = Console::anonymous(&app);
    forged.cookie = Some(stored[0].clone());
    forged.get("/admin/").await.assert_redirect_to_login();
}

#[tokio::test]
async fn a_session_ends_after_its_absolute_lifetime_however_busy() {
    let app = TestApp::spawn().await;
    let console = Console::signed_in(&app, "sam", "staff").await;
    // Active every 50 minutes (under the idle limit) for 12 hours.
    for _ in 0..14 {
        app.clock.advance(time::Duration::minutes(50));
        console.get("/admin/").await.assert_html(200);
    }
    app.clock.advance(time::Duration::minutes(50));
    console.get("/admin/").await.assert_redirect_to_login();
}

#[tokio::test]
async fn a_session_ends_after_an_idle_hour() {
    let app = TestApp::spawn().await;
    let console = Console::signed_in(&app, "sam", "staff").await;
    app.clock.advance(time::Duration::minutes(59));
    console.get("/admin/").await.assert_html(200);
    app.clock.advance(time::Duration::minutes(61));
    console.get("/admin/").await.assert_redirect_to_login();
    // It stays ended: going back in activity does not revive it.
    console.get("/admin/").await.assert_redirect_to_login();
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_the_cookie() {
    let app = TestApp::spawn().await;
    let mut console = Console::signed_in(&app, "sam", "staff").await;
    let old = console.cookie.clone().expect("cookie");
    let page = console.sign_out().await;
    assert_eq!(page.location(), "/admin/login");
    assert!(page.set_cookie().expect("cleared").contains("Max-Age=0"));
    console.cookie = Some(old);
    console.get("/admin/").await.assert_redirect_to_login();
}

#[tokio::test]
async fn a_password_change_through_the_api_signs_the_console_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let console = Console::signed_in(&app, "sam", "staff").await;
    let other = Console::signed_in(&app, "kim", "staff").await;
    let id = app.get("/api/v1/users?q=sam", Some(&admin)).await.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        json!({"password": "a brand new passphrase"}),
    )
    .await
    .assert_status(200);
    console.get("/admin/").await.assert_redirect_to_login();
    other.get("/admin/").await.assert_html(200);
}

#[tokio::test]
async fn a_role_change_or_disabling_signs_the_console_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let demoted = Console::signed_in(&app, "sam", "admin").await;
    let disabled = Console::signed_in(&app, "kim", "staff").await;
    for (name, patch) in [
        ("sam", json!({"role": "staff"})),
        ("kim", json!({"disabled": true})),
    ] {
        let id = app
            .get(&format!("/api/v1/users?q={name}"), Some(&admin))
            .await
            .body["items"][0]["id"]
            .as_str()
            .expect("id")
            .to_string();
        app.patch(&format!("/api/v1/users/{id}"), Some(&admin), patch)
            .await
            .assert_status(200);
    }
    demoted.get("/admin/").await.assert_redirect_to_login();
    disabled.get("/admin/").await.assert_redirect_to_login();
    // The disabled account cannot sign in again either.
    let mut again = Console::anonymous(&app);
    let page = again.sign_in("kim@example.test", PASSWORD).await;
    page.assert_html(403);
    assert!(page.text.contains("disabled"), "{}", page.text);
    assert!(again.cookie.is_none());
}

#[tokio::test]
async fn rezerve_user_passwd_signs_the_console_out() {
    let app = TestApp::spawn().await;
    let console = Console::signed_in(&app, "sam", "staff").await;
    let config = app.data_dir.path().join("rezerve.toml");
    std::fs::write(
        &config,
        format!(
            "[storage]\ndata_dir = {:?}\n[auth]\nargon2_memory_kib = 64\nargon2_iterations = 1\n",
            app.data_dir.path()
        ),
    )
    .expect("config");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rezerve"))
        .args(["--config", config.to_str().expect("path")])
        .args(["user", "passwd", "--email", "sam@example.test"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, "another long passphrase").expect("write");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "passwd failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    console.get("/admin/").await.assert_redirect_to_login();
    let mut again = Console::anonymous(&app);
    let page = again
        .sign_in("sam@example.test", "another long passphrase")
        .await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
}

#[tokio::test]
async fn a_customer_cannot_sign_in_and_hears_the_wrong_password_answer() {
    let app = TestApp::spawn().await;
    app.customer("cara").await;
    app.account("sam", "staff").await;
    let mut console = Console::anonymous(&app);
    let customer = console.sign_in("cara@example.test", PASSWORD).await;
    let wrong = console
        .sign_in("sam@example.test", "not the password")
        .await;
    let unknown = console.sign_in("nobody@example.test", PASSWORD).await;
    for page in [&customer, &wrong, &unknown] {
        page.assert_html(401);
        assert!(page.text.contains("The email or password is wrong."));
        assert!(page.set_cookie().is_none());
    }
    assert!(console.cookie.is_none());
}

#[tokio::test]
async fn after_sign_in_the_browser_goes_back_where_it_was_but_never_off_site() {
    let app = TestApp::spawn().await;
    app.account("sam", "staff").await;
    let anonymous = Console::anonymous(&app);
    let page = anonymous.get("/admin/some/page?x=1").await;
    page.assert_html(404);
    let page = anonymous.get("/admin/").await;
    assert_eq!(page.location(), "/admin/login");
    let mut console = Console::anonymous(&app);
    let page = console
        .post_form(
            "/admin/login",
            &[
                ("email", "sam@example.test"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(page.location(), "/admin/");
    // Signed in, the login page sends the browser on.
    assert_eq!(console.get("/admin/login").await.location(), "/admin/");
}
