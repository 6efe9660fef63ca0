//! Every free-text query parameter has a maximum length (200 characters): beyond it the answer
//! is a 422 naming the parameter, never a 500 from SQLite's LIKE pattern limit.

use crate::helpers::TestApp;

/// `path` + `?param=` (or `&param=`) + `value`.
fn with(path: &str, param: &str, value: &str) -> String {
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}{param}={value}")
}

#[tokio::test]
async fn oversized_query_text_is_a_422_naming_the_parameter_not_a_500() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 2).await;
    let seats = format!("/api/v1/events/{event}/seats");
    let huge = "x".repeat(50_000);
    let just_over = "x".repeat(201);
    let at_limit = "x".repeat(200);
    // (list, parameter, needs the admin's token)
    let cases: &[(&str, &str, bool)] = &[
        ("/api/v1/events", "q", false),
        ("/api/v1/events", "origin", false),
        ("/api/v1/events", "destination", false),
        ("/api/v1/events", "cursor", false),
        (&seats, "from", false),
        (&seats, "to", false),
        ("/api/v1/users", "q", true),
        ("/api/v1/bookings", "email", true),
        ("/api/v1/bookings", "event_id", true),
        ("/api/v1/payments", "booking_id", true),
        ("/api/v1/notifications", "recipient", true),
        ("/api/v1/notifications", "cause", true),
        ("/api/v1/notifications", "kind", true),
        ("/api/v1/jobs", "kind", true),
        (
            "/api/v1/pricing/preview?base_minor=10000",
            "category",
            false,
        ),
    ];
    for &(path, param, admin_only) in cases {
        let token = admin_only.then_some(admin.as_str());
        for value in [&huge, &just_over] {
            let reply = app.get(&with(path, param, value), token).await;
            assert_eq!(
                reply.status.as_u16(),
                422,
                "{path} ?{param}= with {} characters: {}",
                value.len(),
                reply.text
            );
            reply.assert_problem(422, "validation_failed");
            let fields = reply.error_fields();
            assert!(
                !fields.is_empty() && fields.iter().all(|f| f == param),
                "{path}: {fields:?}"
            );
        }
    }
    // At the limit a search is still a search.
    for (path, param) in [("/api/v1/events", "q"), ("/api/v1/users", "q")] {
        app.get(&with(path, param, &at_limit), Some(&admin))
            .await
            .assert_status(200);
    }
}

#[tokio::test]
async fn the_openapi_document_states_each_maximum() {
    let app = TestApp::spawn().await;
    let doc = app.get("/api/openapi.json", None).await;
    doc.assert_status(200);
    for (path, param) in [
        ("/api/v1/events", "q"),
        ("/api/v1/users", "q"),
        ("/api/v1/bookings", "email"),
        ("/api/v1/notifications", "recipient"),
    ] {
        let params = doc.body["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("no parameters for {path}"));
        let p = params
            .iter()
            .find(|p| p["name"] == param)
            .unwrap_or_else(|| panic!("{path} has no {param}"));
        assert_eq!(p["schema"]["maxLength"], 200, "{path} {param}: {p}");
    }
}
