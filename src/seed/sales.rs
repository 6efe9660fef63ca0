//! The demo's sales, so a newcomer's console is not empty: a few bookings across the catalog,
//! and tonight's showing at the cinema with a box-office queue behind it — cash and card
//! sales, people already through the door, a seat pair taken off sale for a camera and a
//! customer's seats on hold.

use crate::app::App;
use crate::auth::Caller;
use crate::booking::checkin::CheckinRequest;
use crate::booking::saga::PayRequest;
use crate::booking::{BookRequest, BookingView};
use crate::payment::provider::CARD_OK;
use serde_json::{Value, json};

/// A few bookings so the demo shows sold seats and moved prices: the customer paid for two
/// concert seats by card, the box office sold a walk-in two movie seats for cash, and the
/// customer has a bus seat waiting for payment.
pub async fn bookings(app: &App, staff: &Caller, customer: &Caller) -> anyhow::Result<usize> {
    let events = app
        .core()
        .catalog
        .list_events(
            Default::default(),
            crate::pagination::PageRequest::parse(Some(50), None, 2)?,
        )
        .await?
        .items;
    let find = |category: &str| {
        events
            .iter()
            .find(|e| e.category.as_str() == category && !e.general_admission)
            .map(|e| e.id.clone())
    };
    let plan = [
        (
            find("concert"),
            customer,
            json!({"seats": ["S-A-7", "S-A-8"]}),
            Some(("test", Some(CARD_OK))),
            None,
        ),
        (
            find("movie"),
            staff,
            json!({"quantity": 2, "category": "standard"}),
            Some(("cash", None)),
            Some("walk-in@demo.rezerve.test"),
        ),
        (
            find("bus"),
            customer,
            json!({"seats": ["3-1"], "from": "Delhi", "to": "Neemrana"}),
            None,
            None,
        ),
    ];
    let mut made = 0;
    for (event, caller, hold, payment, walk_in) in plan {
        let Some(event) = event else { continue };
        sell(app, caller, &event, hold, walk_in, payment).await?;
        made += 1;
    }
    Ok(made)
}

/// Tonight's showing: seven sales (five at the box office for cash, two by card online), the
/// first three parties already admitted at the door, two seats blocked for a camera, and two
/// seats a customer is holding right now. Returns the bookings made.
pub async fn tonight(
    app: &App,
    event: &str,
    [admin, staff, customer]: [&Caller; 3],
) -> anyhow::Result<usize> {
    app.core()
        .catalog
        .set_blocked(
            admin,
            event,
            vec!["J-6".into(), "J-7".into()],
            Some("camera position".into()),
        )
        .await?;
    let sales: [(&Caller, Value, &str); 7] = [
        (staff, json!({"quantity": 2, "category": "premium"}), "cash"),
        (
            staff,
            json!({"quantity": 3, "category": "standard"}),
            "cash",
        ),
        (customer, json!({"seats": ["E-6", "E-7"]}), "test"),
        (
            staff,
            json!({"quantity": 4, "category": "standard"}),
            "cash",
        ),
        (staff, json!({"accessible": 1, "quantity": 2}), "cash"),
        (customer, json!({"seats": ["H-1", "H-2"]}), "test"),
        (staff, json!({"quantity": 2, "category": "premium"}), "cash"),
    ];
    let mut booked = Vec::with_capacity(sales.len());
    for (caller, hold, method) in sales {
        let card = (method == "test").then_some(CARD_OK);
        let booking = sell(app, caller, event, hold, None, Some((method, card))).await?;
        booked.push(booking.id);
    }
    for booking in booked.iter().take(3) {
        for ticket in app.bookings().tickets(staff, booking).await? {
            let request = CheckinRequest {
                code: ticket.code,
                event_id: Some(event.to_string()),
            };
            app.bookings().check_in(staff, request).await?;
        }
    }
    app.inventory()
        .hold(
            customer,
            event,
            serde_json::from_value(json!({"seats": ["G-6", "G-7"]}))?,
        )
        .await?;
    Ok(booked.len())
}

/// Holds what `hold` asks for, books it and, given a `(method, card)`, pays it in full: one
/// sale as the demo makes them. Staff sell at the box office, to a walk-in who gives
/// `customer_email` or no email at all.
async fn sell(
    app: &App,
    caller: &Caller,
    event: &str,
    hold: Value,
    customer_email: Option<&str>,
    payment: Option<(&str, Option<&str>)>,
) -> anyhow::Result<BookingView> {
    let hold = app
        .inventory()
        .hold(caller, event, serde_json::from_value(hold)?)
        .await?;
    let request = BookRequest {
        hold_id: hold.id().to_string(),
        customer_email: customer_email.map(str::to_string),
        walk_in: customer_email.is_none() && caller.may_see_all(),
    };
    let booking = app.bookings().book(caller, request).await?;
    if let Some((method, card)) = payment {
        let request = PayRequest {
            method: method.into(),
            amount_minor: booking.total.amount_minor,
            currency: None,
            card_number: card.map(str::to_string),
        };
        app.bookings().pay(caller, &booking.id, request).await?;
    }
    Ok(booking)
}
