//! Signing in and out through the real forms in a real browser.

use super::Browser;
use crate::console::{Console, PASSWORD};
use crate::helpers::TestApp;

#[tokio::test]
async fn signing_in_and_out_through_the_forms() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_concert(&admin, 3, 8).await;
    app.account("sam", "staff").await;
    let browser = Browser::start(&app).await;

    // Anonymous: the console sends the browser to the sign-in form.
    browser.goto("/admin/").await;
    assert_eq!(browser.current_path().await, "/admin/login");
    assert_eq!(browser.text("h1").await, "Sign in to the console");
    browser.screenshot("login").await;

    // A wrong password shows why, on the form again.
    browser
        .sign_in("sam@example.test", "not the password")
        .await;
    assert_eq!(
        browser.text("#login-problem p").await,
        "The email or password is wrong."
    );
    assert!(browser.cookie("rezerve_console").await.is_none());
    browser.screenshot("login-failed").await;

    browser.sign_in("sam@example.test", PASSWORD).await;
    assert_eq!(browser.current_path().await, "/admin/");
    assert_eq!(browser.text("h1").await, "Dashboard");
    assert_eq!(browser.text(".who .role").await, "staff");
    assert!(
        browser
            .text("#events-upcoming")
            .await
            .contains("Evening Raga")
    );
    browser.screenshot("dashboard").await;
    let cookie = browser
        .cookie("rezerve_console")
        .await
        .expect("a session cookie");

    browser.sign_out().await;
    assert_eq!(browser.current_path().await, "/admin/login");
    assert_eq!(browser.text("h1").await, "Sign in to the console");
    browser.goto("/admin/").await;
    assert!(browser.current_path().await.starts_with("/admin/login"));

    // The old cookie is no key any more.
    let mut old = Console::anonymous(&app);
    old.cookie = Some(cookie);
    old.get("/admin/").await.assert_redirect_to_login();
}
