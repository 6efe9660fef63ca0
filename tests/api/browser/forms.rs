//! CSRF in a real browser: a console form sent without its token, or from a page of another
//! origin, is refused with the `csrf_failed` page and changes nothing.

use super::Browser;
use crate::console::PASSWORD;
use crate::helpers::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    app.account("sam", "staff").await;
    let browser = Browser::start(&app).await;
    browser.sign_in("sam@example.test", PASSWORD).await;
    assert_eq!(browser.current_path().await, "/admin/");

    let removed = browser
        .execute(
            "const f = document.querySelector('form.signout input[name=csrf]'); \
             if (!f) return false; f.remove(); return true;",
            json!([]),
        )
        .await;
    assert_eq!(
        removed,
        json!(true),
        "the sign-out form carries a csrf field"
    );
    browser.sign_out().await;
    assert_eq!(browser.current_path().await, "/admin/logout");
    assert_eq!(browser.error_code().await.as_deref(), Some("csrf_failed"));
    browser.screenshot("csrf-failed").await;

    // Nothing changed: the session still works.
    browser.goto("/admin/").await;
    assert_eq!(browser.current_path().await, "/admin/");
    assert_eq!(browser.text("h1").await, "Dashboard");
}

#[tokio::test]
async fn a_form_posted_from_another_origin_is_refused() {
    let app = TestApp::spawn().await;
    app.account("sam", "staff").await;
    let browser = Browser::start(&app).await;
    browser.sign_in("sam@example.test", PASSWORD).await;
    // Even with the session's own token in it.
    let token = browser
        .execute(
            "return document.querySelector('input[name=csrf]').value;",
            json!([]),
        )
        .await;
    let token = token.as_str().expect("a token").to_string();

    // Another origin: the same host on another port, serving a form aimed at the console.
    let page = format!(
        "<!doctype html><title>Win a prize</title>\
         <form method=post action=\"{}/admin/logout\">\
         <input type=hidden name=csrf value=\"{token}\"><button>Claim</button></form>",
        app.base_url
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let other = format!("http://{}", listener.local_addr().expect("addr"));
    let router = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(page) }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    browser.goto(&format!("{other}/")).await;
    browser.click_button("Claim").await;
    assert_eq!(browser.current_path().await, "/admin/logout");
    assert_eq!(browser.error_code().await.as_deref(), Some("csrf_failed"));

    browser.goto("/admin/").await;
    assert_eq!(browser.current_path().await, "/admin/");
    assert_eq!(browser.text("h1").await, "Dashboard");
    server.abort();
}
