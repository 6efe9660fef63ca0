//! A restore starts the hold store afresh (`holds.redb` belongs to the old state) while the
//! restored database remembers how far the relay had moved the old store's outbox. Seat
//! changes made after the restore must still reach the seat history: the new store numbers
//! its outbox after that mark, or the relay would skip its entries as already recorded.

use crate::bookings::binary::{PASSWORD, add_admin, serve_with};
use crate::cli::{Server, Workdir};
use reqwest::Method;
use serde_json::json;

async fn serve(work: &Workdir) -> Server {
    serve_with(work, 600, 30).await
}

/// Whether the seat's history shows the hold `id` taking it, polling for the relay.
async fn reaches_history(server: &Server, admin: &str, event: &str, seat: &str, id: &str) -> bool {
    let history = format!("/api/v1/events/{event}/seats/{seat}/history?limit=200");
    let cause = format!("hold:{id}");
    for _ in 0..200 {
        let reply = server.get(&history, Some(admin)).await;
        reply.assert_status(200);
        let found = reply.body["items"].as_array().is_some_and(|items| {
            items
                .iter()
                .any(|e| e["cause"] == cause.as_str() && e["to"] == "held")
        });
        if found {
            return true;
        }
        tokio::time::sleep(super::POLL).await;
    }
    false
}

#[tokio::test]
async fn seat_changes_after_a_restore_reach_the_seat_history() {
    let work = Workdir::new();
    add_admin(&work);

    let mut server = serve(&work).await;
    let login = server.login("admin@example.test", PASSWORD).await;
    login.assert_status(200);
    let admin = login.body["token"].as_str().expect("token").to_string();
    let created = server
        .post(
            "/api/v1/events",
            Some(&admin),
            crate::helpers::concert_body(json!({"sections": [{"name": "Stalls", "rows": [
                {"row": "A", "seats": 10}
            ]}]})),
        )
        .await;
    created.assert_status(201);
    let event = created.body["id"].as_str().expect("id").to_string();
    // Several changes relayed before the backup: the relay's mark is well past 1.
    let mut last = String::new();
    for seat in ["A-1", "A-2", "A-3"] {
        let held = server
            .post(
                &format!("/api/v1/events/{event}/holds"),
                Some(&admin),
                json!({ "seats": [seat] }),
            )
            .await;
        held.assert_status(201);
        let id = held.body["id"].as_str().expect("id").to_string();
        server
            .request(
                Method::DELETE,
                &format!("/api/v1/holds/{id}"),
                Some(&admin),
                None,
            )
            .await
            .assert_status(204);
        last = id;
    }
    assert!(reaches_history(&server, &admin, &event, "A-3", &last).await);
    let backup = work.path().join("before.tar");
    let backup_arg = backup.to_str().expect("utf-8 path");
    work.run(&["backup", "--out", backup_arg]).assert_success();
    assert!(server.terminate().success());

    work.run(&["restore", backup_arg, "--force"])
        .assert_success();
    let server = serve(&work).await;
    let login = server.login("admin@example.test", PASSWORD).await;
    login.assert_status(200);
    let admin = login.body["token"].as_str().expect("token").to_string();
    let held = server
        .post(
            &format!("/api/v1/events/{event}/holds"),
            Some(&admin),
            json!({ "seats": ["A-5"] }),
        )
        .await;
    held.assert_status(201);
    let id = held.body["id"].as_str().expect("id").to_string();
    assert!(
        reaches_history(&server, &admin, &event, "A-5", &id).await,
        "a hold made after the restore never reached the seat history"
    );
}
