//! Accounts: sign-up, sign-in, `me`, the admin's user management, the role matrix over every
//! route that exists, and bearer tokens that have been expired, edited, unsigned, signed with
//! another key or mangled.

mod login;
mod refused_tokens;
mod register;
mod role_matrix;
mod user_management;

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
