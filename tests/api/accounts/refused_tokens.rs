//! Bearer tokens that must not work: expired, edited, unsigned, signed with another key or
//! by another issuer, and malformed headers.

use super::*;

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
