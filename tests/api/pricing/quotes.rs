//! A hold quotes the current price and keeps it: a rise after the hold changes neither the
//! booking's total nor what the payment must be, while a new hold quotes the new price.

use super::*;
use crate::helpers::TestApp;

#[tokio::test]
async fn a_seat_held_before_the_rise_is_paid_at_the_old_price() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (alice, bob, carol) = (
        app.customer("alice").await,
        app.customer("bob").await,
        app.customer("carol").await,
    );
    let event = app.create_concert(&admin, 1, 10).await;

    // Alice holds and books one seat at the base price, then takes her time.
    let early = hold(&app, &alice, &event, &["A-1"]).await;
    assert_eq!(minor(&early["total"]), BASE);
    assert_eq!(minor(&early["prices"][0]["unit_price"]), BASE);
    let pending = book(&app, &alice, &early).await;
    assert_eq!(minor(&pending["total"]), BASE);

    // Bob buys half the hall: 1.25 × base.
    sell(&app, &bob, &event, &["A-2", "A-3", "A-4", "A-5", "A-6"]).await;
    wait_for_price(&app, &event, "standard", 112_500).await;

    // A new hold quotes the new price.
    let late = hold(&app, &carol, &event, &["A-7"]).await;
    assert_eq!(minor(&late["total"]), 112_500, "{late:#}");
    assert_eq!(minor(&late["prices"][0]["unit_price"]), 112_500);

    // Alice's hold and booking still say the old price, and the new one is refused.
    let held = app
        .get(
            &format!("/api/v1/holds/{}", text(&early, "id")),
            Some(&alice),
        )
        .await;
    held.assert_status(200);
    assert_eq!(minor(&held.body["total"]), BASE, "{}", held.text);
    let booking_path = format!("/api/v1/bookings/{}", text(&pending, "id"));
    let seen = app.get(&booking_path, Some(&alice)).await;
    seen.assert_status(200);
    assert_eq!(minor(&seen.body["total"]), BASE);
    let overpaid = app
        .post(
            &format!("{booking_path}/payments"),
            Some(&alice),
            json!({"method": "test", "amount_minor": 112_500, "card_number": CARD_OK}),
        )
        .await;
    assert_eq!(overpaid.status.as_u16(), 422, "{}", overpaid.text);

    let confirmed = pay(&app, &alice, &pending).await;
    assert_eq!(minor(&confirmed["total"]), BASE);
    assert_eq!(minor(&confirmed["items"][0]["unit_price"]), BASE);

    // Carol pays what she was quoted, even though Alice's sale moved the price again.
    let carols = book(&app, &carol, &late).await;
    assert_eq!(minor(&carols["total"]), 112_500);
    wait_for_price(&app, &event, "standard", concert_price(BASE, 6, 10)).await;
    let paid = pay(&app, &carol, &carols).await;
    assert_eq!(minor(&paid["total"]), 112_500);
}
