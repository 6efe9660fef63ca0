//! Accounts: sign-up, sign-in, `me`, the admin's user management, the role matrix over every
//! route that exists, and bearer tokens that have been expired, edited, unsigned, signed with
//! another key or mangled.

use crate::helpers::{Reply, TestApp, concert_body};
use base64::Engine;
use reqwest::Method;
use rezerve::clock::Clock;
use serde_json::{Value, json};
use std::collections::HashSet;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const PASSWORD: &str = "correct horse battery";

fn registration(name: &str) -> Value {
    json!({"email": format!("{name}@example.test"), "password": PASSWORD, "name": name})
}

/// Sends a request with a raw `Authorization` header (or none).
async fn with_authorization(app: &TestApp, path: &str, authorization: Option<&str>) -> Reply {
    let mut request = app.http.get(format!("{}{path}", app.base_url));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    TestApp::reply(request.send().await.expect("request sent")).await
}

/// Asserts a 401 that tells the client to bring a bearer token.
#[track_caller]
fn assert_unauthorized(reply: &Reply) {
    reply.assert_problem(401, "unauthorized");
    let challenge = reply
        .headers
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer"),
        "WWW-Authenticate {challenge:?} on {}",
        reply.text
    );
}

/// The id of the account behind a token.
async fn user_id(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/v1/auth/me", Some(token)).await;
    me.assert_status(200);
    me.body["id"].as_str().expect("id").to_string()
}

/// Creates an account of `role` through the admin API and returns its id.
async fn create_user(app: &TestApp, admin: &str, name: &str, role: &str) -> String {
    let mut body = registration(name);
    body["role"] = json!(role);
    let reply = app.post("/api/v1/users", Some(admin), body).await;
    reply.assert_status(201);
    assert_eq!(reply.body["role"], role);
    reply.body["id"].as_str().expect("id").to_string()
}

fn parse_time(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("a time string"), &Rfc3339).expect("RFC 3339")
}

// ---- register ----

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

// ---- login and me ----

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

// ---- the admin's user management ----

#[tokio::test]
async fn admins_create_accounts_of_any_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (name, role) in [("cust", "customer"), ("desk", "staff"), ("boss2", "admin")] {
        let id = create_user(&app, &admin, name, role).await;
        let token = app.login(&format!("{name}@example.test"), PASSWORD).await;
        let me = app.get("/api/v1/auth/me", Some(&token)).await;
        assert_eq!(me.body["id"], id.as_str());
        assert_eq!(me.body["role"], role);
        let fetched = app.get(&format!("/api/v1/users/{id}"), Some(&admin)).await;
        fetched.assert_status(200);
        assert_eq!(fetched.body["email"], format!("{name}@example.test"));
    }

    let mut body = registration("odd");
    body["role"] = json!("superuser");
    let reply = app.post("/api/v1/users", Some(&admin), body).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), vec!["role".to_string()]);

    let mut body = registration("desk");
    body["role"] = json!("staff");
    app.post("/api/v1/users", Some(&admin), body)
        .await
        .assert_problem(409, "email_taken");

    let reply = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"email": "x", "password": "short", "name": "", "role": "staff"}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields().len(), 3, "{}", reply.text);
}

#[tokio::test]
async fn unknown_users_are_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for id in [
        "usr_0193b7c4e1d27c3a9f1e2d3c4b5a6978",
        "nope",
        "usr_'%20OR%201=1",
    ] {
        app.get(&format!("/api/v1/users/{id}"), Some(&admin))
            .await
            .assert_problem(404, "not_found");
        app.patch(
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            json!({"name": "Ghost"}),
        )
        .await
        .assert_problem(404, "not_found");
    }
}

#[tokio::test]
async fn the_user_list_filters_by_role_and_text() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create_user(&app, &admin, "alice", "staff").await;
    create_user(&app, &admin, "malika", "staff").await;
    create_user(&app, &admin, "bob", "customer").await;
    app.customer("alina").await;

    let emails = |reply: &Reply| -> Vec<String> {
        reply.assert_status(200);
        reply.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["email"].as_str().expect("email").to_string())
            .collect()
    };
    let staff = app.get("/api/v1/users?role=staff", Some(&admin)).await;
    assert_eq!(
        emails(&staff),
        ["alice@example.test", "malika@example.test"]
    );
    let customers = app.get("/api/v1/users?role=customer", Some(&admin)).await;
    assert_eq!(
        emails(&customers),
        ["bob@example.test", "alina@example.test"]
    );
    let text = app.get("/api/v1/users?q=ALI", Some(&admin)).await;
    assert_eq!(
        emails(&text),
        [
            "alice@example.test",
            "malika@example.test",
            "alina@example.test"
        ]
    );
    let both = app
        .get("/api/v1/users?q=ali&role=customer", Some(&admin))
        .await;
    assert_eq!(emails(&both), ["alina@example.test"]);
    // LIKE wildcards in the search are literal characters, not patterns.
    for wildcard in ["%25", "_", "a%25e"] {
        let reply = app
            .get(&format!("/api/v1/users?q={wildcard}"), Some(&admin))
            .await;
        assert!(
            emails(&reply).is_empty(),
            "q={wildcard} matched: {}",
            reply.text
        );
    }
    let bad = app.get("/api/v1/users?role=superuser", Some(&admin)).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), vec!["role".to_string()]);
}

#[tokio::test]
async fn the_user_list_pages_through_every_account_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for i in 0..6 {
        app.customer(&format!("c{i}")).await;
    }
    create_user(&app, &admin, "desk", "staff").await;

    let all = app.get("/api/v1/users?limit=200", Some(&admin)).await;
    all.assert_status(200);
    assert!(all.body["next_cursor"].is_null());
    let expected: Vec<Value> = all.body["items"].as_array().expect("items").clone();
    assert_eq!(expected.len(), 8);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=3&cursor={c}"),
            None => "/api/v1/users?limit=3".to_string(),
        };
        let page = app.get(&path, Some(&admin)).await;
        page.assert_status(200);
        let items = page.body["items"].as_array().expect("items");
        assert!(items.len() <= 3);
        seen.extend(items.iter().cloned());
        pages += 1;
        assert!(pages <= 4, "pagination does not end");
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen, expected,
        "pages are the full list, in order, each account once"
    );

    // A filter holds across pages.
    let first = app
        .get("/api/v1/users?role=customer&limit=4", Some(&admin))
        .await;
    let next = first.body["next_cursor"].as_str().expect("a second page");
    let second = app
        .get(
            &format!("/api/v1/users?role=customer&limit=4&cursor={next}"),
            Some(&admin),
        )
        .await;
    second.assert_status(200);
    assert!(second.body["next_cursor"].is_null());
    let customers: Vec<&Value> = first.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .chain(second.body["items"].as_array().expect("items"))
        .collect();
    assert_eq!(customers.len(), 6);
    assert!(customers.iter().all(|u| u["role"] == "customer"));
    let ids: HashSet<&str> = customers
        .iter()
        .map(|u| u["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 6);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=many", "limit"),
        ("cursor=%25%25junk", "cursor"),
    ] {
        let reply = app
            .get(&format!("/api/v1/users?{query}"), Some(&admin))
            .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(
            reply.error_fields(),
            vec![field.to_string()],
            "{query}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn patch_changes_what_it_names_and_validates_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ada = app.customer("ada").await;
    let id = user_id(&app, &ada).await;
    let path = format!("/api/v1/users/{id}");

    let reply = app
        .patch(
            &path,
            Some(&admin),
            json!({"name": "Ada Lovelace", "phone": "+44 20 7946 0000"}),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["name"], "Ada Lovelace");
    assert_eq!(reply.body["phone"], "+442079460000");
    assert_eq!(reply.body["role"], "customer");
    // A name change does not sign anyone out.
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&ada)).await.body["name"],
        "Ada Lovelace"
    );

    let reply = app
        .patch(
            &path,
            Some(&admin),
            json!({"name": " ", "password": "short"}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    let fields = reply.error_fields();
    assert!(
        fields.contains(&"name".to_string()) && fields.contains(&"password".to_string()),
        "{}",
        reply.text
    );
    app.patch(&path, Some(&admin), json!({"role": "root"}))
        .await
        .assert_problem(422, "validation_failed");
    // Fields that cannot be patched are refused, not silently dropped.
    app.patch(&path, Some(&admin), json!({"email": "someone@else.test"}))
        .await
        .assert_problem(422, "validation_failed");

    let after = app.get(&path, Some(&admin)).await;
    assert_eq!(after.body["name"], "Ada Lovelace");
    assert_eq!(after.body["email"], "ada@example.test");
    app.get("/api/v1/auth/me", Some(&ada))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn patching_in_a_taken_phone_is_409() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut ada = registration("ada");
    ada["phone"] = json!("+91 98765 43210");
    app.post("/api/v1/auth/register", None, ada)
        .await
        .assert_status(201);
    let bob = app.customer("bob").await;
    let bob_id = user_id(&app, &bob).await;
    let path = format!("/api/v1/users/{bob_id}");
    for phone in ["+91 98765 43210", "+919876543210"] {
        app.patch(
            &path,
            Some(&admin),
            json!({"phone": phone, "name": "Bob B"}),
        )
        .await
        .assert_problem(409, "phone_taken");
    }
    let after = app.get(&path, Some(&admin)).await;
    assert_eq!(after.body["phone"], Value::Null);
    assert_eq!(after.body["name"], "bob", "a refused patch changes nothing");
    // Clearing and setting a free number work.
    let set = app
        .patch(&path, Some(&admin), json!({"phone": "+44 20 7946 0000"}))
        .await;
    set.assert_status(200);
    let cleared = app.patch(&path, Some(&admin), json!({"phone": ""})).await;
    cleared.assert_status(200);
    assert_eq!(cleared.body["phone"], Value::Null);
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_be_demoted_or_disabled() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let first = user_id(&app, &admin).await;
    let first_path = format!("/api/v1/users/{first}");

    app.patch(&first_path, Some(&admin), json!({"role": "staff"}))
        .await
        .assert_problem(409, "last_admin");
    app.patch(&first_path, Some(&admin), json!({"disabled": true}))
        .await
        .assert_problem(409, "last_admin");
    // Refused changes change nothing and revoke nothing.
    let still = app.get(&first_path, Some(&admin)).await;
    still.assert_status(200);
    assert_eq!(still.body["role"], "admin");
    assert_eq!(still.body["disabled"], false);

    // A disabled second admin does not count.
    let second = create_user(&app, &admin, "second", "admin").await;
    let second_path = format!("/api/v1/users/{second}");
    app.patch(&second_path, Some(&admin), json!({"disabled": true}))
        .await
        .assert_status(200);
    app.patch(&first_path, Some(&admin), json!({"role": "customer"}))
        .await
        .assert_problem(409, "last_admin");

    // With another enabled admin, the first may step down; then the second is the last.
    app.patch(&second_path, Some(&admin), json!({"disabled": false}))
        .await
        .assert_status(200);
    let demoted = app
        .patch(&first_path, Some(&admin), json!({"role": "staff"}))
        .await;
    demoted.assert_status(200);
    assert_eq!(demoted.body["role"], "staff");
    let second_token = app.login("second@example.test", PASSWORD).await;
    app.patch(
        &second_path,
        Some(&second_token),
        json!({"role": "customer"}),
    )
    .await
    .assert_problem(409, "last_admin");
    app.patch(&second_path, Some(&second_token), json!({"disabled": true}))
        .await
        .assert_problem(409, "last_admin");
    app.get("/api/v1/users", Some(&second_token))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = TestApp::spawn().await;
    let first = app.admin().await;
    let first_id = user_id(&app, &first).await;
    let second_id = create_user(&app, &first, "second", "admin").await;
    let second = app.login("second@example.test", PASSWORD).await;
    let (second_path, first_path) = (
        format!("/api/v1/users/{second_id}"),
        format!("/api/v1/users/{first_id}"),
    );
    let (a, b) = tokio::join!(
        app.patch(&second_path, Some(&first), json!({"role": "staff"})),
        app.patch(&first_path, Some(&second), json!({"role": "staff"})),
    );
    let statuses = [a.status.as_u16(), b.status.as_u16()];
    // Either one demotion wins and the other is refused (as the last admin, or because the
    // winner's token was revoked with its role), or both are refused; never both applied.
    assert!(
        statuses.iter().filter(|s| **s == 200).count() <= 1,
        "{a:?} {b:?}"
    );
    for reply in [&a, &b].into_iter().filter(|r| r.status.as_u16() != 200) {
        let code = reply.body["code"].as_str().unwrap_or_default();
        assert!(["last_admin", "unauthorized"].contains(&code), "{reply:?}");
    }
    let fresh = app.login("admin@example.test", PASSWORD).await;
    let fresh = match app
        .get("/api/v1/users?role=admin", Some(&fresh))
        .await
        .status
        .as_u16()
    {
        200 => fresh,
        _ => app.login("second@example.test", PASSWORD).await,
    };
    let admins = app.get("/api/v1/users?role=admin", Some(&fresh)).await;
    admins.assert_status(200);
    assert_eq!(
        admins.body["items"].as_array().expect("items").len(),
        1,
        "{}",
        admins.text
    );
}

/// Applies `patch` to a customer and checks their old token stops working while a fresh
/// login (with `password`) works.
#[tokio::test]
async fn racing_first_admins_make_one_and_the_rest_are_told_why() {
    let app = TestApp::spawn().await;
    let core = rezerve::app::Core::open(app.config.clone(), std::sync::Arc::new(app.clock.clone()))
        .await
        .expect("core opens beside the server");
    assert!(core.auth.existing_admin().await.expect("asked").is_none());
    let attempts = (0..4).map(|i| {
        let auth = core.auth.clone();
        tokio::spawn(async move {
            auth.create_first_admin(&format!("boss{i}@example.test"), PASSWORD, "Boss")
                .await
        })
    });
    let mut winners = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        match attempt.await.expect("joined") {
            Ok(user) => winners.push(user.email),
            Err(rezerve::Error::Conflict { code, .. }) => assert_eq!(code, "admin_exists"),
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let admin = core
        .auth
        .existing_admin()
        .await
        .expect("asked")
        .expect("one admin");
    assert_eq!(admin.email, winners[0]);
    core.close().await;
    // The winner is a real admin.
    let token = app.login(&winners[0], PASSWORD).await;
    app.get("/api/v1/users", Some(&token))
        .await
        .assert_status(200);
}

async fn assert_patch_revokes(patch: Value, password: &str, role_after: &str) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ada = app.customer("ada").await;
    let id = user_id(&app, &ada).await;
    app.patch(&format!("/api/v1/users/{id}"), Some(&admin), patch.clone())
        .await
        .assert_status(200);
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&ada)).await);
    let fresh = app.login("ada@example.test", password).await;
    let me = app.get("/api/v1/auth/me", Some(&fresh)).await;
    me.assert_status(200);
    assert_eq!(me.body["role"], role_after, "after {patch}");
    // The old token stays dead after the fresh login.
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&ada)).await);
}

#[tokio::test]
async fn a_role_change_revokes_tokens() {
    assert_patch_revokes(json!({"role": "staff"}), PASSWORD, "staff").await;
}

#[tokio::test]
async fn a_new_password_revokes_tokens() {
    assert_patch_revokes(
        json!({"password": "a brand new password"}),
        "a brand new password",
        "customer",
    )
    .await;
}

#[tokio::test]
async fn disabling_revokes_tokens() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let desk = app.account("desk", "staff").await;
    let id = user_id(&app, &desk).await;
    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        json!({"disabled": true}),
    )
    .await
    .assert_status(200);
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&desk)).await);
    // Re-enabling does not resurrect the old token; a fresh login works.
    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        json!({"disabled": false}),
    )
    .await
    .assert_status(200);
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&desk)).await);
    let fresh = app.login("desk@example.test", PASSWORD).await;
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&fresh)).await.body["role"],
        "staff"
    );
}

#[tokio::test]
async fn the_old_password_stops_working_after_a_change() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ada = app.customer("ada").await;
    let id = user_id(&app, &ada).await;
    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        json!({"password": "a brand new password"}),
    )
    .await
    .assert_status(200);
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "ada@example.test", "password": PASSWORD}),
    )
    .await
    .assert_problem(401, "invalid_credentials");
}

#[tokio::test]
async fn a_patch_that_changes_no_access_keeps_tokens() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ada = app.customer("ada").await;
    let id = user_id(&app, &ada).await;
    for patch in [
        json!({"role": "customer"}),
        json!({"disabled": false}),
        json!({"name": "Ada L"}),
        json!({}),
    ] {
        app.patch(&format!("/api/v1/users/{id}"), Some(&admin), patch.clone())
            .await
            .assert_status(200);
        app.get("/api/v1/auth/me", Some(&ada))
            .await
            .assert_status(200);
    }
}

// ---- the role matrix ----

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq)]
enum May {
    Anyone,
    SignedIn,
    Staff,
    Admin,
}

/// One call of the matrix.
struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
    may: May,
    ok: u16,
}

fn call(method: Method, path: impl Into<String>, body: Option<Value>, may: May, ok: u16) -> Call {
    Call {
        method,
        path: path.into(),
        body,
        may,
        ok,
    }
}

fn venue_body(name: &str) -> Value {
    json!({"name": name, "seat_map": {"sections": [{"name": "Main", "rows": [{"row": "A", "seats": 4}]}]}})
}

#[tokio::test]
async fn every_route_answers_each_role_as_api_md_says() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = app.account("desk", "staff").await;
    let customer = app.customer("cust").await;
    let event = app.create_concert(&admin, 1, 4).await;
    let doomed = app.create_concert(&admin, 1, 4).await;
    let holdable = app.create_concert(&admin, 1, 4).await;
    let venue = app
        .post("/api/v1/venues", Some(&admin), venue_body("Hall"))
        .await;
    venue.assert_status(201);
    let venue = venue.body["id"].as_str().expect("venue id").to_string();
    let target = create_user(&app, &admin, "target", "customer").await;

    let callers: [(&str, Option<&str>); 4] = [
        ("anonymous", None),
        ("customer", Some(&customer)),
        ("staff", Some(&staff)),
        ("admin", Some(&admin)),
    ];
    for (who, token) in callers {
        let seat = match who {
            "admin" => "A-2",
            _ => "A-1",
        };
        // Each signed-in caller holds a seat of its own; the anonymous attempt is on A-4.
        let held = match who {
            "customer" => "A-1",
            "staff" => "A-2",
            "admin" => "A-3",
            _ => "A-4",
        };
        let calls = [
            call(
                Method::POST,
                "/api/v1/auth/register",
                Some(registration(&format!("new-{who}"))),
                May::Anyone,
                201,
            ),
            call(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"email": "cust@example.test", "password": PASSWORD})),
                May::Anyone,
                200,
            ),
            call(Method::GET, "/api/v1/auth/me", None, May::SignedIn, 200),
            call(Method::GET, "/api/v1/users", None, May::Admin, 200),
            call(
                Method::POST,
                "/api/v1/users",
                Some(
                    json!({"email": format!("made-by-{who}@example.test"), "password": PASSWORD, "name": "Made", "role": "admin"}),
                ),
                May::Admin,
                201,
            ),
            call(
                Method::GET,
                format!("/api/v1/users/{target}"),
                None,
                May::Admin,
                200,
            ),
            call(
                Method::PATCH,
                format!("/api/v1/users/{target}"),
                Some(json!({"name": format!("renamed by {who}")})),
                May::Admin,
                200,
            ),
            call(Method::GET, "/api/v1/events", None, May::Anyone, 200),
            call(
                Method::GET,
                format!("/api/v1/events/{event}"),
                None,
                May::Anyone,
                200,
            ),
            call(
                Method::GET,
                format!("/api/v1/events/{event}/seats"),
                None,
                May::Anyone,
                200,
            ),
            call(
                Method::POST,
                "/api/v1/events",
                Some(concert_body(
                    json!({"sections": [{"name": "S", "rows": [{"row": "A", "seats": 2}]}]}),
                )),
                May::Admin,
                201,
            ),
            call(
                Method::PATCH,
                format!("/api/v1/events/{event}"),
                Some(json!({"name": format!("renamed by {who}")})),
                May::Admin,
                200,
            ),
            call(
                Method::POST,
                format!("/api/v1/events/{event}/seats/block"),
                Some(json!({"seats": [seat], "reason": "camera"})),
                May::Admin,
                200,
            ),
            call(
                Method::POST,
                format!("/api/v1/events/{event}/seats/unblock"),
                Some(json!({"seats": ["A-3"]})),
                May::Admin,
                200,
            ),
            call(
                Method::DELETE,
                format!("/api/v1/events/{doomed}"),
                None,
                May::Admin,
                204,
            ),
            call(
                Method::GET,
                format!("/api/v1/events/{event}/seats/A-1/history"),
                None,
                May::Staff,
                200,
            ),
            call(
                Method::POST,
                format!("/api/v1/events/{holdable}/holds"),
                Some(json!({"seats": [held]})),
                May::SignedIn,
                201,
            ),
            call(Method::GET, "/api/v1/jobs", None, May::Admin, 200),
            call(Method::GET, "/api/v1/venues", None, May::Admin, 200),
            call(
                Method::POST,
                "/api/v1/venues",
                Some(venue_body(&format!("venue by {who}"))),
                May::Admin,
                201,
            ),
            call(
                Method::GET,
                format!("/api/v1/venues/{venue}"),
                None,
                May::Admin,
                200,
            ),
        ];
        for c in calls {
            let reply = app.request(c.method.clone(), &c.path, token, c.body).await;
            let allowed = match c.may {
                May::Anyone => true,
                May::SignedIn => token.is_some(),
                May::Staff => who == "staff" || who == "admin",
                May::Admin => who == "admin",
            };
            let context = format!("{who} {} {}: {}", c.method, c.path, reply.text);
            if allowed {
                assert_eq!(reply.status.as_u16(), c.ok, "{context}");
            } else if token.is_none() {
                assert_eq!(reply.status.as_u16(), 401, "{context}");
                assert_unauthorized(&reply);
            } else {
                assert_eq!(reply.status.as_u16(), 403, "{context}");
                reply.assert_problem(403, "forbidden");
            }
        }
    }

    // Refused calls wrote nothing: only the admin's changes are visible.
    let target_now = app
        .get(&format!("/api/v1/users/{target}"), Some(&admin))
        .await;
    assert_eq!(target_now.body["name"], "renamed by admin");
    assert_eq!(
        app.get(&format!("/api/v1/events/{event}"), None).await.body["name"],
        "renamed by admin"
    );
    let seats = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    let status = |label: &str| {
        seats.body["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .find(|s| s["label"] == label)
            .map(|s| s["status"].clone())
            .expect("seat")
    };
    assert_eq!(status("A-1"), "available");
    assert_eq!(status("A-2"), "blocked");
    let held = app
        .get(&format!("/api/v1/events/{holdable}/seats"), None)
        .await;
    let held: Vec<(&str, &str)> = held.body["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| {
            (
                s["label"].as_str().expect("label"),
                s["status"].as_str().expect("status"),
            )
        })
        .collect();
    assert_eq!(
        held,
        [
            ("A-1", "held"),
            ("A-2", "held"),
            ("A-3", "held"),
            ("A-4", "available")
        ]
    );
    let events = app.get("/api/v1/events", None).await;
    assert_eq!(
        events.body["items"].as_array().expect("items").len(),
        3,
        "{}",
        events.text
    );
    let venues = app.get("/api/v1/venues", Some(&admin)).await;
    assert_eq!(
        venues.body["items"].as_array().expect("items").len(),
        2,
        "{}",
        venues.text
    );
    let made = app.get("/api/v1/users?q=made-by", Some(&admin)).await;
    let made: Vec<&str> = made.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["email"].as_str().expect("email"))
        .collect();
    assert_eq!(made, ["made-by-admin@example.test"]);
}

#[tokio::test]
async fn admin_only_routes_refuse_before_reading_the_body() {
    // A customer learns nothing about the shape an admin route expects.
    let app = TestApp::spawn().await;
    let customer = app.customer("cust").await;
    app.post("/api/v1/events", Some(&customer), json!({"junk": true}))
        .await
        .assert_problem(403, "forbidden");
    assert_unauthorized(&app.post("/api/v1/users", None, json!({"junk": true})).await);
    app.get(
        "/api/v1/users/usr_0193b7c4e1d27c3a9f1e2d3c4b5a6978",
        Some(&customer),
    )
    .await
    .assert_problem(403, "forbidden");
}

// ---- tokens that must not work ----

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

/// The token with its payload rewritten by `edit`, the header and signature kept.
fn edit_payload(token: &str, edit: impl FnOnce(&mut Value)) -> (String, String, String) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts");
    let mut payload: Value =
        serde_json::from_slice(&b64().decode(parts[1]).expect("base64")).expect("json");
    edit(&mut payload);
    let encoded = b64().encode(serde_json::to_vec(&payload).expect("json"));
    (parts[0].to_string(), encoded, parts[2].to_string())
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.customer("ada").await;
    let ttl = app.config.auth.token_ttl_seconds as i64;
    app.clock.advance(time::Duration::seconds(ttl - 1));
    app.get("/api/v1/auth/me", Some(&token))
        .await
        .assert_status(200);
    app.clock.advance(time::Duration::seconds(1));
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&token)).await);
    // A fresh login, read at the server's moved clock, works.
    let fresh = app.login("ada@example.test", PASSWORD).await;
    app.get("/api/v1/auth/me", Some(&fresh))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_payload_edited_to_admin_is_refused() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let token = app.customer("mallory").await;
    let (header, payload, signature) =
        edit_payload(&token, |claims| claims["role"] = json!("admin"));
    let forged = format!("{header}.{payload}.{signature}");
    assert_unauthorized(&app.get("/api/v1/users", Some(&forged)).await);
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&forged)).await);

    // Nor can the expiry be pushed out, or the account swapped.
    let (h, p, s) = edit_payload(&token, |claims| {
        claims["exp"] = json!(claims["exp"].as_i64().expect("exp") + 86_400)
    });
    assert_unauthorized(
        &app.get("/api/v1/auth/me", Some(&format!("{h}.{p}.{s}")))
            .await,
    );
    // The untouched token still works: the refusals above are about the edits.
    app.get("/api/v1/auth/me", Some(&token))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn an_unsigned_token_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.customer("mallory").await;
    let (_, payload, signature) = edit_payload(&token, |claims| claims["role"] = json!("admin"));
    let (_, original, _) = edit_payload(&token, |_| {});
    for alg in ["none", "None", "NONE"] {
        let header = b64().encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
        for forged in [
            format!("{header}.{payload}."),
            format!("{header}.{payload}"),
            format!("{header}.{original}."),
            format!("{header}.{original}.{signature}"),
        ] {
            assert_unauthorized(&app.get("/api/v1/auth/me", Some(&forged)).await);
        }
    }
    // Another algorithm over the same key and claims (HS256 is the only one accepted).
    let header = b64().encode(r#"{"alg":"HS512","typ":"JWT"}"#);
    assert_unauthorized(
        &app.get(
            "/api/v1/auth/me",
            Some(&format!("{header}.{original}.{signature}")),
        )
        .await,
    );
}

/// Copies a stopped app's data dir (a second installation with the same accounts).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    // Two installations with the same accounts but their own generated keys: a token from
    // one is valid in every claim at the other, except for its signature.
    let app = TestApp::spawn().await;
    app.customer("ada").await;
    let dir = app.stop().await;
    let twin_dir = tempfile::tempdir().expect("temp dir");
    copy_dir(dir.path(), twin_dir.path());
    std::fs::remove_file(twin_dir.path().join("secrets").join("token_key"))
        .expect("the key is a file in secrets/");

    let twin = TestApp::spawn_in(twin_dir).await;
    let app = TestApp::spawn_in(dir).await;
    let foreign = twin.login("ada@example.test", PASSWORD).await;
    let own = app.login("ada@example.test", PASSWORD).await;
    twin.get("/api/v1/auth/me", Some(&foreign))
        .await
        .assert_status(200);
    app.get("/api/v1/auth/me", Some(&own))
        .await
        .assert_status(200);
    let (_, foreign_payload, _) = edit_payload(&foreign, |_| {});
    let (_, own_payload, _) = edit_payload(&own, |_| {});
    assert_eq!(
        serde_json::from_slice::<Value>(&b64().decode(&foreign_payload).expect("b64"))
            .expect("json")["sub"],
        serde_json::from_slice::<Value>(&b64().decode(&own_payload).expect("b64")).expect("json")["sub"],
        "both tokens name the same account"
    );
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&foreign)).await);
    assert_unauthorized(&twin.get("/api/v1/auth/me", Some(&own)).await);
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    // A twin sharing the data dir's key, but configured with another issuer: its tokens are
    // signed correctly and name a real account, and still are not ours.
    let app = TestApp::spawn().await;
    app.customer("ada").await;
    let dir = app.stop().await;
    let twin_dir = tempfile::tempdir().expect("temp dir");
    copy_dir(dir.path(), twin_dir.path());
    let twin = TestApp::spawn_in_with(twin_dir, |c| c.auth.issuer = "someone-else".into()).await;
    let app = TestApp::spawn_in(dir).await;
    let foreign = twin.login("ada@example.test", PASSWORD).await;
    twin.get("/api/v1/auth/me", Some(&foreign))
        .await
        .assert_status(200);
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&foreign)).await);
    let own = app.login("ada@example.test", PASSWORD).await;
    assert_unauthorized(&twin.get("/api/v1/auth/me", Some(&own)).await);
}

#[tokio::test]
async fn garbage_and_malformed_authorization_headers_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.customer("ada").await;
    let bad = [
        "garbage".to_string(),
        token.clone(),
        format!("Token {token}"),
        format!("Basic {token}"),
        format!("Bearer{token}"),
        "Bearer".to_string(),
        "Bearer ".to_string(),
        "Bearer garbage".to_string(),
        "Bearer a.b.c".to_string(),
        format!("Bearer {token}x"),
        format!("Bearer {}", &token[..token.len() - 4]),
        format!("Bearer {token}.{token}"),
    ];
    for value in &bad {
        let reply = with_authorization(&app, "/api/v1/auth/me", Some(value)).await;
        assert_eq!(reply.status.as_u16(), 401, "{value:?} got {}", reply.text);
        assert_unauthorized(&reply);
    }
    assert_unauthorized(&with_authorization(&app, "/api/v1/auth/me", None).await);
    // The scheme is case-insensitive (RFC 9110), so these are the control.
    for scheme in ["Bearer", "bearer", "BEARER"] {
        with_authorization(&app, "/api/v1/auth/me", Some(&format!("{scheme} {token}")))
            .await
            .assert_status(200);
    }
}
