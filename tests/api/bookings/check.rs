//! `rezerve check` knows the saga's invariants: it passes on a healthy data dir and names
//! each broken one — a seat sold twice, a total that is not its quote, a confirmed booking
//! unpaid, a refund that matches no payment, a booking left between states.

use super::binary::{PASSWORD, add_admin, buy, customer, serve_with};
use super::text;
use crate::cli::Workdir;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rezerve_check_names_each_broken_saga_invariant() {
    let work = Workdir::new();
    add_admin(&work);
    let server = serve_with(&work, 600, 10).await;
    let admin = text(
        &server.login("admin@example.test", PASSWORD).await.body,
        "token",
    );
    let created = server
        .post(
            "/api/v1/events",
            Some(&admin),
            crate::helpers::concert_body(json!({"sections": [{"name": "Stalls", "rows": [
                {"row": "A", "seats": 6}
            ]}]})),
        )
        .await;
    created.assert_status(201);
    let event = text(&created.body, "id");
    let (alice, bob) = (
        customer(&server, "alice").await,
        customer(&server, "bob").await,
    );
    let kept = text(&buy(&server, &alice, &event, &["A-1"]).await, "id");
    let refunded = text(&buy(&server, &alice, &event, &["A-2"]).await, "id");
    server
        .post(
            &format!("/api/v1/bookings/{refunded}/cancel"),
            Some(&alice),
            json!({}),
        )
        .await
        .assert_status(200);
    let other = text(&buy(&server, &bob, &event, &["A-3"]).await, "id");
    drop(server);

    let lines = [
        "no seat-leg with two live tickets",
        "every booking totals its quoted prices",
        "every confirmed booking has its seats' tickets and is paid in full",
        "every refund matches a payment",
        "no booking stuck between states",
    ];
    let healthy = work.run(&["check"]);
    healthy.assert_success();
    for line in lines {
        healthy.assert_stdout(&format!("ok    {line}"));
    }

    let db = work.db_rw();
    db.execute_batch(&format!(
        "DROP INDEX ticket_legs_one_live;
         UPDATE ticket_legs SET seat_label = 'A-1'
             WHERE ticket_id IN (SELECT id FROM tickets WHERE booking_id = '{other}');
         UPDATE booking_items SET unit_minor = unit_minor + 1 WHERE booking_id = '{other}';
         UPDATE payments SET amount_minor = amount_minor + 1 WHERE booking_id = '{kept}';
         UPDATE refunds SET amount_minor = amount_minor - 1 WHERE booking_id = '{refunded}';
         UPDATE bookings SET status = 'failed' WHERE id = '{other}';"
    ))
    .expect("break the data");
    drop(db);
    let broken = work.run(&["check"]);
    broken.assert_failure();
    for line in lines {
        broken.assert_stdout(&format!("FAIL  {line}"));
    }
    broken.assert_stdout(&kept);
    broken.assert_stdout(&refunded);
    broken.assert_stdout(&other);
}
