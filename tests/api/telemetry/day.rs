//! A small show day on the real binary, for the tests that look at what it exports: one
//! concert, three sales (one paid through the gateway), a seat conflict, a declined card, a
//! refund, a wrong password and two door scans.

use crate::bookings::binary::{
    PASSWORD, add_admin, book, buy, customer, gateway_succeeds, serve_with,
};
use crate::bookings::{CARD_DECLINED, card, text, total};
use crate::cli::{Server, Workdir};
use serde_json::json;

/// What a day should have exported.
#[derive(Debug, Clone, Copy)]
pub struct Day {
    /// Tickets issued (a cancelled booking's tickets were sold all the same).
    pub seats_sold: u64,
    pub confirmed: u64,
    /// Money taken, INR minor units.
    pub revenue_minor: i64,
    /// Money refunded, INR minor units.
    pub refunds_minor: i64,
}

/// A server with an admin, ready for [`run`].
pub async fn serve(work: &Workdir) -> Server {
    add_admin(work);
    serve_with(work, 600, 10).await
}

/// The admin's token.
pub async fn admin(server: &Server) -> String {
    let reply = server.login("admin@example.test", PASSWORD).await;
    reply.assert_status(200);
    text(&reply.body, "token")
}

/// Creates a 2 × 5 concert (INR) as `admin`; returns its id.
pub async fn concert(server: &Server, admin: &str) -> String {
    let created = server
        .post(
            "/api/v1/events",
            Some(admin),
            crate::helpers::concert_body(json!({"sections": [{"name": "Stalls",
                "rows": [{"row": "A", "seats": 5}, {"row": "B", "seats": 5}]}]})),
        )
        .await;
    created.assert_status(201);
    text(&created.body, "id")
}

/// Runs the day once on a server from [`serve`].
pub async fn run(server: &Server) -> Day {
    let admin = admin(server).await;
    let alice = customer(server, "alice").await;
    let bob = customer(server, "bob").await;
    let event = concert(server, &admin).await;

    let first = buy(server, &alice, &event, &["A-1", "A-2"]).await;
    let second = buy(server, &alice, &event, &["A-3"]).await;
    // Bob wants A-1 too: sold already.
    server
        .post(
            &format!("/api/v1/events/{event}/holds"),
            Some(&bob),
            json!({"seats": ["A-1"]}),
        )
        .await
        .assert_status(409);
    // Bob's card is declined; then he pays for B-1 through the gateway.
    let declined = book(server, &bob, &event, &["A-4"]).await;
    server
        .post(
            &format!("/api/v1/bookings/{}/payments", text(&declined, "id")),
            Some(&bob),
            card(CARD_DECLINED, total(&declined)),
        )
        .await
        .assert_problem(402, "payment_declined");
    let gateway = book(server, &bob, &event, &["B-1"]).await;
    let pending = server
        .post(
            &format!("/api/v1/bookings/{}/payments", text(&gateway, "id")),
            Some(&bob),
            json!({"method": "webhook", "amount_minor": total(&gateway)}),
        )
        .await;
    pending.assert_status(202);
    gateway_succeeds(server, &text(&pending.body["payment"], "id"))
        .await
        .assert_status(200);
    // Alice cancels her first booking: refunded in full.
    server
        .post(
            &format!("/api/v1/bookings/{}/cancel", text(&first, "id")),
            Some(&alice),
            json!({}),
        )
        .await
        .assert_status(200);
    // At the door: her other ticket is admitted, then refused as already in.
    let tickets = server
        .get(
            &format!("/api/v1/bookings/{}/tickets", text(&second, "id")),
            Some(&alice),
        )
        .await;
    tickets.assert_status(200);
    let code = text(&tickets.body[0], "code");
    let scan = || server.post("/api/v1/checkins", Some(&admin), json!({ "code": code }));
    scan().await.assert_status(200);
    scan().await.assert_problem(409, "already_checked_in");
    server
        .login("alice@example.test", "not her password")
        .await
        .assert_status(401);

    Day {
        seats_sold: 4,
        confirmed: 3,
        revenue_minor: total(&first) + total(&second) + total(&gateway),
        refunds_minor: total(&first),
    }
}
