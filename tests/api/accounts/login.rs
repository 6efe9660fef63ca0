//! Signing in and `me`: a token with its expiry, one answer for a wrong password and an
//! unknown email, disabled accounts refused.

use super::*;

#[tokio::test]
async fn login_returns_a_token_its_expiry_and_the_user() {
    let app = TestApp::spawn().await;
    app.customer("ada").await;
    let reply = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "Ada@Example.Test", "password": PASSWORD}),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["user"]["email"], "ada@example.test");
    assert_eq!(reply.body["user"]["role"], "customer");
    let token = reply.body["token"].as_str().expect("token");
    // `expires_at` is exactly the token's `exp`: the server's clock plus the configured TTL.
    let ttl = time::Duration::seconds(app.config.auth.token_ttl_seconds as i64);
    let expected = (app.clock.now() + ttl).unix_timestamp();
    let (_, payload, _) = edit_payload(token, |_| {});
    let claims: Value =
        serde_json::from_slice(&b64().decode(payload).expect("base64")).expect("json");
    assert_eq!(claims["exp"], expected);
    assert_eq!(
        parse_time(&reply.body["expires_at"]),
        OffsetDateTime::from_unix_timestamp(expected).expect("valid")
    );
    assert_eq!(
        app.get("/api/v1/auth/me", Some(token)).await.body["email"],
        "ada@example.test"
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.customer("ada").await;
    let wrong_password = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "ada@example.test", "password": "wrong password"}),
        )
        .await;
    let unknown_email = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "nobody@example.test", "password": "wrong password"}),
        )
        .await;
    wrong_password.assert_problem(401, "invalid_credentials");
    unknown_email.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong_password.body, unknown_email.body);
    assert_eq!(
        wrong_password.headers.get("www-authenticate"),
        unknown_email.headers.get("www-authenticate")
    );
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ada = app.customer("ada").await;
    let id = user_id(&app, &ada).await;
    let reply = app
        .patch(
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            json!({"disabled": true}),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["disabled"], true);

    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "ada@example.test", "password": PASSWORD}),
    )
    .await
    .assert_problem(403, "account_disabled");
    // Without the password, a disabled account looks like any other failed login.
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "ada@example.test", "password": "wrong password"}),
    )
    .await
    .assert_problem(401, "invalid_credentials");

    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        json!({"disabled": false}),
    )
    .await
    .assert_status(200);
    app.login("ada@example.test", PASSWORD).await;
}

#[tokio::test]
async fn me_answers_each_role_with_itself() {
    let app = TestApp::spawn().await;
    assert_unauthorized(&app.get("/api/v1/auth/me", None).await);
    for (name, role) in [("cust", "customer"), ("desk", "staff"), ("boss", "admin")] {
        let token = app.account(name, role).await;
        let me = app.get("/api/v1/auth/me", Some(&token)).await;
        me.assert_status(200);
        assert_eq!(me.body["email"], format!("{name}@example.test"));
        assert_eq!(me.body["role"], role);
        assert!(me.body.get("password_hash").is_none(), "{}", me.text);
    }
}
