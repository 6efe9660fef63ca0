//! What schemathesis found the server doing unlike its OpenAPI document (issue 14 item 8):
//! integers written as `60.0` refused though JSON Schema counts them as integers, an unknown
//! job or email kind answered with an empty page, and lengths counted after trimming where
//! the document counts the value as sent.

use crate::helpers::TestApp;
use crate::holds::{held, hold};
use serde_json::json;

#[tokio::test]
async fn integers_written_with_a_zero_fraction_are_integers() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 4).await;
    let ana = app.customer("ana").await;

    // A body that is fine as it is.
    hold(
        &app,
        &ana,
        &event,
        json!({"quantity": 1.0, "category": "standard"}),
    )
    .await
    .assert_status(201);
    let id = held(&app, &ana, &event, &["A-3"]).await;
    let extended = app
        .post(
            &format!("/api/v1/holds/{id}/extend"),
            Some(&ana),
            json!({"seconds": 60.0}),
        )
        .await;
    extended.assert_status(200);

    // A fraction is not an integer, and the field is named.
    let refused = app
        .post(
            &format!("/api/v1/holds/{id}/extend"),
            Some(&ana),
            json!({"seconds": 60.5}),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.error_fields(),
        vec!["seconds".to_string()],
        "{}",
        refused.text
    );
    // Beyond 2^53 a float no longer names one integer: refused, not rounded.
    let refused = app
        .post(
            &format!("/api/v1/holds/{id}/extend"),
            Some(&ana),
            json!({"seconds": 1e300}),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn an_unknown_kind_is_refused_not_answered_with_an_empty_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for path in ["/api/v1/jobs?kind=null", "/api/v1/notifications?kind=null"] {
        let reply = app.get(path, Some(&admin)).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(
            reply.error_fields(),
            vec!["kind".to_string()],
            "{path}: {}",
            reply.text
        );
    }
    app.get("/api/v1/jobs?kind=seats-changed", Some(&admin))
        .await
        .assert_status(200);
    app.get("/api/v1/notifications?kind=welcome", Some(&admin))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_phone_is_at_most_32_characters_as_sent() {
    let app = TestApp::spawn().await;
    let register = |phone: &str| {
        json!({"email": format!("p{}@example.test", phone.len()), "password": "correct horse battery",
               "name": "Pat", "phone": phone})
    };
    // 33 characters of which the trimmed number is short: the document's maxLength is 32.
    let padded = format!("{:>33}", "+91 98765 43210");
    let reply = app
        .post("/api/v1/auth/register", None, register(&padded))
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(
        reply.error_fields(),
        vec!["phone".to_string()],
        "{}",
        reply.text
    );
    app.post("/api/v1/auth/register", None, register("+91 98765 43210"))
        .await
        .assert_status(201);
}
