//! Look-alike identities: an email typed with fullwidth or other compatibility characters is
//! the account it looks like (NFKC, lower-case), and names cannot hold the bidirectional
//! controls that make them read as something else.

use crate::helpers::TestApp;
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn a_fullwidth_look_alike_email_is_the_same_account_not_a_new_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = app.customer("customer").await;
    let me = app.get("/api/v1/auth/me", Some(&token)).await;
    me.assert_status(200);

    // U+FF43 FULLWIDTH LATIN SMALL LETTER C, and the whole address in fullwidth capitals.
    for look_alike in [
        "\u{ff43}ustomer@example.test",
        "ＣＵＳＴＯＭＥＲ@ＥＸＡＭＰＬＥ.ＴＥＳＴ",
        " Customer@Example.test ",
    ] {
        app.post(
            "/api/v1/auth/register",
            None,
            json!({"email": look_alike, "password": PASSWORD, "name": "Mallory"}),
        )
        .await
        .assert_problem(409, "email_taken");
        app.post(
            "/api/v1/users",
            Some(&admin),
            json!({"email": look_alike, "password": PASSWORD, "name": "Mallory", "role": "staff"}),
        )
        .await
        .assert_problem(409, "email_taken");
        // Signing in with the look-alike reaches the one account.
        let signed_in = app.login(look_alike, PASSWORD).await;
        let again = app.get("/api/v1/auth/me", Some(&signed_in)).await;
        assert_eq!(again.body["id"], me.body["id"], "{look_alike}");
        assert_eq!(again.body["email"], "customer@example.test");
    }
    // A new account typed in fullwidth is stored in its plain form.
    let created = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "ｎｅｗ@example.test", "password": PASSWORD, "name": "New"}),
        )
        .await;
    created.assert_status(201);
    assert_eq!(
        created.body["user"]["email"], "new@example.test",
        "{}",
        created.text
    );
    // Invisible characters are not part of an address.
    app.post(
        "/api/v1/auth/register",
        None,
        json!({"email": "cust\u{200b}omer@example.test", "password": PASSWORD, "name": "Zed"}),
    )
    .await
    .assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn names_with_bidirectional_controls_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = app.customer("victim").await;
    let me = app.get("/api/v1/auth/me", Some(&token)).await;
    let id = me.body["id"].as_str().expect("id").to_string();
    for (i, control) in [
        '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}',
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("Invoice{control}fdp.exe");
        let reply = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": format!("bidi{i}@example.test"), "password": PASSWORD, "name": name}),
            )
            .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), vec!["name"], "{:?}", control);
        let reply = app
            .patch(
                &format!("/api/v1/users/{id}"),
                Some(&admin),
                json!({"name": name}),
            )
            .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), vec!["name"], "{:?}", control);
    }
    // Nothing was created and the name is unchanged; ordinary right-to-left text is fine.
    let me = app.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(me.body["name"], "victim");
    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        json!({"name": "שרה כהן"}),
    )
    .await
    .assert_status(200);
}
