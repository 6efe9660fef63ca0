//! The one login throttle: per account and per address, shared by the API's login and the
//! console's, with the wait in Retry-After and on the page.

use super::{Console, PASSWORD};
use crate::helpers::TestApp;
use serde_json::json;

#[tokio::test]
async fn five_failures_lock_an_account_for_api_and_console_alike() {
    let app = TestApp::spawn().await;
    app.account("sam", "staff").await;
    // Three wrong passwords through the API, two through the console: one count.
    for _ in 0..3 {
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": "sam@example.test", "password": "wrong wrong wrong"}),
        )
        .await
        .assert_problem(401, "invalid_credentials");
    }
    let mut console = Console::anonymous(&app);
    for _ in 0..2 {
        console
            .sign_in("sam@example.test", "wrong wrong wrong")
            .await
            .assert_html(401);
    }
    // Now even the right password waits.
    let api = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "sam@example.test", "password": PASSWORD}),
        )
        .await;
    api.assert_problem(429, "too_many_attempts");
    let retry: u64 = api.headers["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry), "retry after {retry}");
    let page = console.sign_in("sam@example.test", PASSWORD).await;
    page.assert_html(429);
    assert!(
        page.text.contains("Too many failed sign-in attempts"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("15 minutes"),
        "the wait is shown: {}",
        page.text
    );
    assert!(page.headers.contains_key("retry-after"));
    assert!(console.cookie.is_none());

    // Another account is not affected; after the window the right password works.
    app.account("kim", "staff").await;
    app.clock.advance(time::Duration::seconds(901));
    let page = console.sign_in("sam@example.test", PASSWORD).await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
}

#[tokio::test]
async fn an_unknown_email_is_throttled_like_a_known_one() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": "ghost@example.test", "password": "guess guess"}),
        )
        .await
        .assert_problem(401, "invalid_credentials");
    }
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "Ghost@Example.test", "password": "guess guess"}),
    )
    .await
    .assert_problem(429, "too_many_attempts");
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_throttled() {
    let app = TestApp::spawn_with(|c| c.auth.login_max_failures_per_address = 4).await;
    app.account("sam", "staff").await;
    for n in 0..4 {
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": format!("user{n}@example.test"), "password": "guess guess"}),
        )
        .await
        .assert_problem(401, "invalid_credentials");
    }
    // From this address even a fresh account with its right password must wait.
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "sam@example.test", "password": PASSWORD}),
    )
    .await
    .assert_problem(429, "too_many_attempts");
}

#[tokio::test]
async fn a_success_resets_the_account_count() {
    let app = TestApp::spawn().await;
    app.account("sam", "staff").await;
    let mut console = Console::anonymous(&app);
    for round in 0..3 {
        for _ in 0..4 {
            console
                .sign_in("sam@example.test", "wrong wrong wrong")
                .await
                .assert_html(401);
        }
        let page = console.sign_in("sam@example.test", PASSWORD).await;
        assert_eq!(page.status.as_u16(), 303, "round {round}: {}", page.text);
    }
}
