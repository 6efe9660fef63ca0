//! The role matrix: every route answers each role as API.md says; admin-only routes refuse
//! before reading the body.

use super::*;

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
