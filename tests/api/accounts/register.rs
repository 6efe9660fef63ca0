//! Signing up: the account and a working token, what the body may not choose, an email or
//! phone taken once, and every offending field named.

use super::*;

#[tokio::test]
async fn register_returns_the_user_and_a_working_token() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "  Ada@Example.TEST ", "password": PASSWORD, "name": " Ada ", "phone": "+91 98765 43210"}),
        )
        .await;
    reply.assert_status(201);
    let user = &reply.body["user"];
    assert_eq!(
        user["email"], "ada@example.test",
        "emails are stored trimmed and lower-cased"
    );
    assert_eq!(user["name"], "Ada");
    assert_eq!(
        user["phone"], "+919876543210",
        "phones are stored as their digits"
    );
    assert_eq!(user["role"], "customer");
    assert_eq!(user["disabled"], false);
    assert!(
        !reply.text.contains("argon2") && !reply.text.contains(PASSWORD),
        "secrets leaked: {}",
        reply.text
    );

    let token = reply.body["token"].as_str().expect("token");
    let me = app.get("/api/v1/auth/me", Some(token)).await;
    me.assert_status(200);
    assert_eq!(me.body["id"], user["id"]);
    assert_eq!(me.body["email"], "ada@example.test");
    // The new customer can sign in with the address in any case.
    app.login("ADA@example.test", PASSWORD).await;
}

#[tokio::test]
async fn a_role_in_the_registration_body_is_ignored() {
    let app = TestApp::spawn().await;
    let mut body = registration("mallory");
    body["role"] = json!("admin");
    let reply = app.post("/api/v1/auth/register", None, body).await;
    reply.assert_status(201);
    assert_eq!(reply.body["user"]["role"], "customer");
    let token = reply.body["token"].as_str().expect("token");
    assert_eq!(
        app.get("/api/v1/auth/me", Some(token)).await.body["role"],
        "customer"
    );
    app.get("/api/v1/users", Some(token))
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn a_taken_email_is_409_in_any_case() {
    let app = TestApp::spawn().await;
    app.customer("ada").await;
    for email in ["ada@example.test", "ADA@Example.Test", " ada@EXAMPLE.test "] {
        let reply = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": email, "password": "another password", "name": "Imposter"}),
            )
            .await;
        reply.assert_problem(409, "email_taken");
    }
    // The first account is untouched: its password still works, the imposter's does not.
    app.login("ada@example.test", PASSWORD).await;
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "ada@example.test", "password": "another password"}),
    )
    .await
    .assert_problem(401, "invalid_credentials");
    let admin = app.admin().await;
    let list = app.get("/api/v1/users?q=ada", Some(&admin)).await;
    list.assert_status(200);
    assert_eq!(
        list.body["items"].as_array().expect("items").len(),
        1,
        "{}",
        list.text
    );
}

#[tokio::test]
async fn concurrent_sign_ups_with_one_email_make_one_account() {
    let app = TestApp::spawn().await;
    let emails = [
        "race@example.test",
        "RACE@example.test",
        "Race@Example.Test",
        " race@example.test",
    ];
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..12 {
        let request = app
            .http
            .post(format!("{}/api/v1/auth/register", app.base_url))
            .json(&json!({"email": emails[i % emails.len()], "password": PASSWORD, "name": format!("racer {i}")}));
        attempts.spawn(async move { TestApp::reply(request.send().await.expect("sent")).await });
    }
    let replies = attempts.join_all().await;
    let created = replies.iter().filter(|r| r.status.as_u16() == 201).count();
    assert_eq!(created, 1, "{replies:#?}");
    for reply in replies.iter().filter(|r| r.status.as_u16() != 201) {
        reply.assert_problem(409, "email_taken");
    }
    let admin = app.admin().await;
    let list = app.get("/api/v1/users?q=race", Some(&admin)).await;
    assert_eq!(list.body["items"].as_array().expect("items").len(), 1);
}

#[tokio::test]
async fn a_taken_phone_is_409() {
    let app = TestApp::spawn().await;
    let mut first = registration("ada");
    first["phone"] = json!("+91 98765 43210");
    app.post("/api/v1/auth/register", None, first)
        .await
        .assert_status(201);
    let mut second = registration("bob");
    second["phone"] = json!(" +91 98765 43210 ");
    app.post("/api/v1/auth/register", None, second)
        .await
        .assert_problem(409, "phone_taken");
    // Nothing was written for bob.
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "bob@example.test", "password": PASSWORD}),
    )
    .await
    .assert_problem(401, "invalid_credentials");
    // The same number written another way is the same phone.
    for (name, phone) in [
        ("erin", "+919876543210"),
        ("finn", "+91-98765-43210"),
        ("gus", "+91 (98765) 43210"),
    ] {
        let mut body = registration(name);
        body["phone"] = json!(phone);
        app.post("/api/v1/auth/register", None, body)
            .await
            .assert_problem(409, "phone_taken");
    }
    // Accounts without a phone do not collide with each other.
    app.customer("carol").await;
    app.customer("dave").await;
}

#[tokio::test]
async fn invalid_registrations_name_every_offending_field() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "not-an-email", "password": "short", "name": "   "}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    let fields = reply.error_fields();
    for field in ["email", "password", "name"] {
        assert!(
            fields.contains(&field.to_string()),
            "{field} not named: {}",
            reply.text
        );
    }

    let cases = [
        (
            json!({"email": "a@b", "password": PASSWORD, "name": "Ada"}),
            "email",
        ),
        (
            json!({"email": "a b@example.test", "password": PASSWORD, "name": "Ada"}),
            "email",
        ),
        (
            json!({"email": "ada@example.test", "password": "1234567", "name": "Ada"}),
            "password",
        ),
        (
            json!({"email": "ada@example.test", "password": PASSWORD, "name": ""}),
            "name",
        ),
        (
            json!({"email": "ada@example.test", "password": PASSWORD, "name": "Ada", "phone": "call me"}),
            "phone",
        ),
        (
            json!({"email": "ada@example.test", "password": PASSWORD}),
            "name",
        ),
        (
            json!({"email": "ada@example.test", "password": PASSWORD, "name": 42}),
            "name",
        ),
        (
            json!({"email": "ada@example.test", "password": "x".repeat(2000), "name": "Ada"}),
            "password",
        ),
    ];
    for (body, field) in cases {
        let reply = app.post("/api/v1/auth/register", None, body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(
            reply.error_fields(),
            vec![field.to_string()],
            "for {body}: {}",
            reply.text
        );
    }
    // None of those created an account.
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "ada@example.test", "password": PASSWORD}),
    )
    .await
    .assert_problem(401, "invalid_credentials");
}
