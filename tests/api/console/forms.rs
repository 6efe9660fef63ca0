//! State-changing forms: a form without its CSRF token, with another session's, or sent from
//! another origin is refused with an HTML page, and nothing changes; bad input gets a clear
//! message and writes nothing.

use super::{Console, PASSWORD};
use crate::helpers::TestApp;

#[tokio::test]
async fn logout_without_the_token_is_refused_and_the_session_lives_on() {
    let app = TestApp::spawn().await;
    let mut console = Console::signed_in(&app, "sam", "staff").await;
    let other = Console::signed_in(&app, "kim", "staff").await;
    let foreign_token = other.csrf().await;
    for fields in [
        vec![],
        vec![("csrf", "")],
        vec![("csrf", foreign_token.as_str())],
    ] {
        let page = console.post_form("/admin/logout", &fields).await;
        page.assert_html(403);
        assert_eq!(page.error_code().as_deref(), Some("csrf_failed"));
        assert!(page.set_cookie().is_none());
    }
    console.get("/admin/").await.assert_html(200);
}

#[tokio::test]
async fn a_form_from_another_origin_is_refused_even_with_the_token() {
    let app = TestApp::spawn().await;
    let mut console = Console::signed_in(&app, "sam", "staff").await;
    let csrf = console.csrf().await;
    for origin in ["https://evil.example", "null", "http://127.0.0.1:1"] {
        let page = console
            .post_form_from("/admin/logout", &[("csrf", &csrf)], Some(origin))
            .await;
        page.assert_html(403);
        assert_eq!(
            page.error_code().as_deref(),
            Some("csrf_failed"),
            "{origin}"
        );
    }
    console.get("/admin/").await.assert_html(200);
    // The right origin (or none, as older clients send) with the token works.
    let page = console
        .post_form_from("/admin/logout", &[("csrf", &csrf)], None)
        .await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
}

#[tokio::test]
async fn a_cross_site_sign_in_is_refused_and_starts_no_session() {
    let app = TestApp::spawn().await;
    app.account("sam", "staff").await;
    let mut console = Console::anonymous(&app);
    let page = console
        .post_form_from(
            "/admin/login",
            &[("email", "sam@example.test"), ("password", PASSWORD)],
            Some("https://evil.example"),
        )
        .await;
    page.assert_html(403);
    assert!(console.cookie.is_none());
    let db = rusqlite::Connection::open(app.data_dir.path().join("rezerve.db")).expect("db");
    let sessions: i64 = db
        .query_row("SELECT count(*) FROM console_sessions", [], |r| r.get(0))
        .expect("count");
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn bad_sign_in_input_gets_a_clear_page_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let mut console = Console::anonymous(&app);
    // Empty fields, an oversized password, junk bytes: a page, never a 500.
    let long = "x".repeat(10_000);
    for fields in [
        vec![("email", ""), ("password", "")],
        vec![("email", "sam@example.test"), ("password", long.as_str())],
        vec![("email", "\u{0}\u{1}"), ("password", "p")],
    ] {
        let page = console.post_form("/admin/login", &fields).await;
        page.assert_html(401);
        assert!(page.text.contains("The email or password is wrong."));
    }
    let page = console
        .post_form("/admin/login", &[("next", "/admin/")])
        .await;
    page.assert_html(401);
    // A body that is not a form at all.
    let page = reqwest::Client::new()
        .post(format!("{}/admin/login", app.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &app.base_url)
        .body("email=%ZZ&&&==")
        .send()
        .await
        .expect("sent");
    assert!(page.status().is_client_error(), "{}", page.status());
    let db = rusqlite::Connection::open(app.data_dir.path().join("rezerve.db")).expect("db");
    let sessions: i64 = db
        .query_row("SELECT count(*) FROM console_sessions", [], |r| r.get(0))
        .expect("count");
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn get_never_changes_state() {
    let app = TestApp::spawn().await;
    let console = Console::signed_in(&app, "sam", "staff").await;
    let page = console.get("/admin/logout").await;
    page.assert_html(405);
    assert_eq!(page.error_code().as_deref(), Some("method_not_allowed"));
    console.get("/admin/").await.assert_html(200);
}
