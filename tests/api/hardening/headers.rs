//! Protective headers: answers that carry a token or personal data are `no-store`; the HTML
//! pages outside the console forbid framing through their Content-Security-Policy.

use crate::bookings::{bought, text};
use crate::helpers::{Reply, TestApp};
use serde_json::json;

fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[track_caller]
fn assert_no_store(what: &str, reply: &Reply) {
    assert!(
        reply.status.is_success(),
        "{what}: {} {}",
        reply.status,
        reply.text
    );
    assert_eq!(header(reply, "cache-control"), "no-store", "{what}");
}

#[tokio::test]
async fn answers_with_tokens_or_personal_data_are_not_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 4).await;
    let register = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "ana@example.test", "password": "correct horse battery", "name": "Ana"}),
        )
        .await;
    assert_no_store("register", &register);
    let token = text(&register.body, "token");
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "ana@example.test", "password": "correct horse battery"}),
        )
        .await;
    assert_no_store("login", &login);
    let user_id = text(&register.body["user"], "id");
    let booking = bought(&app, &token, &event, &["A-1"]).await;
    let booking_id = text(&booking, "id");
    for (what, path, who) in [
        ("me", "/api/v1/auth/me".to_string(), &token),
        ("users", "/api/v1/users".to_string(), &admin),
        ("a user", format!("/api/v1/users/{user_id}"), &admin),
        ("bookings", "/api/v1/bookings".to_string(), &token),
        (
            "a booking",
            format!("/api/v1/bookings/{booking_id}"),
            &token,
        ),
        (
            "tickets",
            format!("/api/v1/bookings/{booking_id}/tickets"),
            &token,
        ),
        ("payments", "/api/v1/payments".to_string(), &token),
    ] {
        assert_no_store(what, &app.get(&path, Some(who)).await);
    }
    // A refusal of a private route is not stored either.
    let refused = app.get("/api/v1/auth/me", None).await;
    assert_eq!(header(&refused, "cache-control"), "no-store");
    // The public catalog holds nothing about anyone and stays cacheable.
    let events = app.get("/api/v1/events", None).await;
    events.assert_status(200);
    assert_ne!(header(&events, "cache-control"), "no-store");
}

#[tokio::test]
async fn html_pages_outside_the_console_forbid_framing() {
    let app = TestApp::spawn().await;
    for path in ["/", "/api/docs/"] {
        let response = app
            .http
            .get(format!("{}{path}", app.base_url))
            .send()
            .await
            .expect("request sent");
        let reply = TestApp::reply(response).await;
        reply.assert_status(200);
        assert!(
            reply.content_type.starts_with("text/html"),
            "{path}: {}",
            reply.content_type
        );
        let csp = header(&reply, "content-security-policy");
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        assert!(
            directives.contains(&"frame-ancestors 'none'"),
            "{path}: {csp:?}"
        );
        assert!(
            directives.contains(&"default-src 'none'"),
            "{path}: {csp:?}"
        );
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{path}: {csp:?}"
        );
    }
}
