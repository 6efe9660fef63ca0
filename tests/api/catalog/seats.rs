//! `GET /events/{id}/seats` with route segments, and admins blocking and unblocking seats.

use super::{bus, category, concert, create, event, general_admission, id_of, query, seat, seats};
use crate::helpers::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_segment_of_a_route_is_chosen_by_stop_names() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut body = bus("Volvo", 4);
    body["stops"] = json!([
        {"name": "Gurugram", "arrives_at": super::at(4, 1), "departs_at": super::at(4, 1)},
        {"name": "Neemrana", "arrives_at": super::at(4, 3), "departs_at": super::at(4, 3)}
    ]);
    let id = id_of(&create(&app, &admin, body).await);
    let path = |pairs: &[(&str, &str)]| format!("/api/v1/events/{id}/seats{}", query(pairs));

    let whole = app.get(&path(&[]), None).await;
    whole.assert_status(200);
    assert!(
        whole.body["from"].is_null() && whole.body["to"].is_null(),
        "{}",
        whole.text
    );
    assert_eq!(whole.body["event_id"], id.as_str());

    for (pairs, from, to) in [
        (
            vec![("from", "Gurugram"), ("to", "Jaipur")],
            "Gurugram",
            "Jaipur",
        ),
        (
            vec![("from", "gurugram"), ("to", "NEEMRANA")],
            "Gurugram",
            "Neemrana",
        ),
        (vec![("from", "Neemrana")], "Neemrana", "Jaipur"),
        (vec![("to", "Gurugram")], "Delhi", "Gurugram"),
        (vec![("from", "Delhi"), ("to", "Jaipur")], "Delhi", "Jaipur"),
    ] {
        let reply = app.get(&path(&pairs), None).await;
        reply.assert_status(200);
        assert_eq!(reply.body["from"], from, "{pairs:?}");
        assert_eq!(reply.body["to"], to, "{pairs:?}");
        let listed = reply.body["seats"].as_array().expect("seats");
        assert_eq!(listed.len(), 40);
        assert!(listed.iter().all(|s| s["status"] == "available"));
    }

    for (pairs, field) in [
        (vec![("from", "Agra")], "from"),
        (vec![("to", "Agra")], "to"),
        (vec![("from", "Jaipur"), ("to", "Delhi")], "to"),
        (vec![("from", "Gurugram"), ("to", "Gurugram")], "to"),
        (vec![("from", "Jaipur")], "to"),
    ] {
        let reply = app.get(&path(&pairs), None).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{pairs:?}: {}", reply.text);
    }

    let concert = id_of(&create(&app, &admin, concert("Evening Raga", "Town Hall", 30)).await);
    let reply = app
        .get(
            &format!("/api/v1/events/{concert}/seats?from=Stalls&to=Circle"),
            None,
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["from"]);
}

#[tokio::test]
async fn blocked_seats_show_their_reason_and_leave_the_counts() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = id_of(&create(&app, &admin, concert("Evening Raga", "Town Hall", 30)).await);
    let block = format!("/api/v1/events/{id}/seats/block");
    let unblock = format!("/api/v1/events/{id}/seats/unblock");

    let reply = app
        .post(
            &block,
            Some(&admin),
            json!({"seats": ["A-1", "A-2", "A-2"], "reason": "camera platform"}),
        )
        .await;
    reply.assert_status(200);
    let changed = reply.body["seats"].as_array().expect("seats");
    assert_eq!(
        changed.len(),
        2,
        "the answer lists each changed seat once: {}",
        reply.text
    );
    assert!(
        changed
            .iter()
            .all(|s| s["status"] == "blocked" && s["blocked_reason"] == "camera platform")
    );

    let a1 = seat(&app, &id, "A-1").await;
    assert_eq!(a1["status"], "blocked");
    assert_eq!(a1["blocked_reason"], "camera platform");
    assert_eq!(seat(&app, &id, "A-3").await["status"], "available");
    assert!(
        seat(&app, &id, "A-3")
            .await
            .get("blocked_reason")
            .is_none_or(|r| r.is_null())
    );
    let counts = json!({"total": 10, "available": 8, "held": 0, "sold": 0, "blocked": 2});
    let shown = event(&app, &id).await;
    assert_eq!(shown["availability"], counts);
    assert_eq!(category(&shown, "standard")["available"], 8);
    assert_eq!(category(&shown, "standard")["blocked"], 2);
    let listed = app.get("/api/v1/events", None).await;
    assert_eq!(
        listed.body["items"][0]["availability"], counts,
        "the list shows it too"
    );

    // Blocking again changes the reason, not the counts.
    app.post(
        &block,
        Some(&admin),
        json!({"seats": ["A-1"], "reason": "broken armrest"}),
    )
    .await
    .assert_status(200);
    assert_eq!(
        seat(&app, &id, "A-1").await["blocked_reason"],
        "broken armrest"
    );
    assert_eq!(event(&app, &id).await["availability"], counts);

    let reply = app
        .post(&unblock, Some(&admin), json!({"seats": ["A-1"]}))
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["seats"][0]["status"], "available");
    let a1 = seat(&app, &id, "A-1").await;
    assert_eq!(a1["status"], "available");
    assert!(a1.get("blocked_reason").is_none_or(|r| r.is_null()), "{a1}");
    assert_eq!(event(&app, &id).await["availability"]["available"], 9);
    // Unblocking a seat that is not blocked is harmless.
    app.post(&unblock, Some(&admin), json!({"seats": ["A-1", "A-2"]}))
        .await
        .assert_status(200);
    assert_eq!(event(&app, &id).await["availability"]["available"], 10);
    assert!(
        seats(&app, &id)
            .await
            .iter()
            .all(|s| s["status"] == "available")
    );
}

#[tokio::test]
async fn a_bad_block_request_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = id_of(&create(&app, &admin, concert("Evening Raga", "Town Hall", 30)).await);
    let block = format!("/api/v1/events/{id}/seats/block");
    let before = seats(&app, &id).await;

    let reply = app
        .post(
            &block,
            Some(&admin),
            json!({"seats": ["A-3", "Z-99", "a-4"], "reason": "house seats"}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["seats"]);
    assert!(
        reply.text.contains("Z-99") && reply.text.contains("a-4"),
        "names the unknown seats: {}",
        reply.text
    );
    assert_eq!(
        seat(&app, &id, "A-3").await["status"],
        "available",
        "all or nothing"
    );

    for (body, field) in [
        (json!({"seats": ["A-3"], "reason": ""}), "reason"),
        (json!({"seats": ["A-3"], "reason": "   "}), "reason"),
        (json!({"seats": ["A-3"]}), "reason"),
        (json!({"seats": [], "reason": "house seats"}), "seats"),
        (json!({"seats": "A-3", "reason": "house seats"}), "seats"),
    ] {
        let reply = app.post(&block, Some(&admin), body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{body}: {}", reply.text);
    }
    let unblock = format!("/api/v1/events/{id}/seats/unblock");
    app.post(&unblock, Some(&admin), json!({"seats": ["A-3", "nope"]}))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(seats(&app, &id).await, before);
    assert_eq!(event(&app, &id).await["availability"]["blocked"], 0);

    let unknown = format!("/api/v1/events/evt_{}/seats/block", "0".repeat(32));
    app.post(
        &unknown,
        Some(&admin),
        json!({"seats": ["A-1"], "reason": "x"}),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        "/api/v1/events/junk/seats/block",
        Some(&admin),
        json!({"seats": ["A-1"], "reason": "x"}),
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn general_admission_has_no_seats_to_block() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = id_of(
        &create(
            &app,
            &admin,
            general_admission("Open Air", json!({"standard": 500}), 20),
        )
        .await,
    );
    let reply = app
        .post(
            &format!("/api/v1/events/{id}/seats/block"),
            Some(&admin),
            json!({"seats": ["A-1"], "reason": "x"}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["seats"]);
    assert_eq!(event(&app, &id).await["availability"]["available"], 500);
}

#[tokio::test]
async fn only_admins_block_seats() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = app.account("sam", "staff").await;
    let customer = app.customer("alice").await;
    let id = id_of(&create(&app, &admin, concert("Evening Raga", "Town Hall", 30)).await);
    let body = json!({"seats": ["A-1"], "reason": "mine now"});
    for token in [Some(customer.as_str()), Some(staff.as_str())] {
        app.post(
            &format!("/api/v1/events/{id}/seats/block"),
            token,
            body.clone(),
        )
        .await
        .assert_problem(403, "forbidden");
        app.post(
            &format!("/api/v1/events/{id}/seats/unblock"),
            token,
            json!({"seats": ["A-1"]}),
        )
        .await
        .assert_problem(403, "forbidden");
    }
    app.post(&format!("/api/v1/events/{id}/seats/block"), None, body)
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(seat(&app, &id, "A-1").await["status"], "available");
}
