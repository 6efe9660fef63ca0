//! Examples a newcomer can send as they are: the test cards, holds by seat, by quantity and
//! for a bus segment, a travel event with stops, a seat map, a signed gateway callback.

use serde_json::{Map, Value, json};

/// Request-body examples per operation: name, summary, value.
fn requests(operation_id: &str) -> Vec<(&'static str, &'static str, Value)> {
    match operation_id {
        "pay_booking" => vec![
            (
                "card_succeeds",
                "Test card that succeeds (201)",
                json!({"method": "test", "amount_minor": 129900, "card_number": "4242424242424242"}),
            ),
            (
                "card_declined",
                "Test card that is declined (402 payment_declined)",
                json!({"method": "test", "amount_minor": 129900, "card_number": "4000000000000002"}),
            ),
            (
                "card_never_answers",
                "Test card whose provider never answers (504 payment_timeout)",
                json!({"method": "test", "amount_minor": 129900, "card_number": "4000000000009995"}),
            ),
            (
                "cash",
                "Cash at the box office (staff and admins)",
                json!({"method": "cash", "amount_minor": 129900, "currency": "INR"}),
            ),
        ],
        "create_hold" => vec![
            (
                "seats",
                "Two seats by label",
                json!({"seats": ["B-7", "B-8"]}),
            ),
            (
                "best_available",
                "Best available: four seats of a category, one a wheelchair space",
                json!({"quantity": 4, "category": "standard", "accessible": 1}),
            ),
            (
                "bus_segment",
                "A bus seat for part of the route (stop names)",
                json!({"seats": ["3-2"], "from": "Gurugram", "to": "Neemrana"}),
            ),
        ],
        "create_event" => vec![(
            "bus_with_stops",
            "A bus with intermediate stops",
            json!({
                "name": "Pink City Express coach", "category": "bus", "timezone": "Asia/Kolkata",
                "origin": "Delhi", "destination": "Jaipur",
                "departs_at": "2027-03-04T01:30:00Z", "arrives_at": "2027-03-04T07:00:00Z",
                "stops": [
                    {"name": "Gurugram", "arrives_at": "2027-03-04T02:15:00Z", "departs_at": "2027-03-04T02:25:00Z"},
                    {"name": "Neemrana", "arrives_at": "2027-03-04T04:00:00Z", "departs_at": "2027-03-04T04:20:00Z"}
                ],
                "seat_map": {"sections": [{"name": "Coach", "rows": [
                    {"row": "1", "seats": 4, "category": "standard"},
                    {"row": "2", "seats": 4, "category": "standard"}
                ]}]},
                "prices": {"standard": {"amount_minor": 89900, "currency": "INR"}}
            }),
        )],
        "receive_payment_webhook" => vec![(
            "succeeded",
            "The gateway says the payment went through",
            json!({"event_id": "evt_gw_8f2c", "payment_id": "pay_01a2b3c4d5e6f708192a3b4c5d6e7f80", "status": "succeeded"}),
        )],
        "check_in_ticket" => vec![(
            "scan",
            "A scan at the door of one event",
            json!({"code": "RZ1.eyJ0IjoidGt0XzAxIn0.c2lnbmF0dXJl", "event_id": "evt_01a24909b58d7690a4edc3f0b5c082f7"}),
        )],
        "register" => vec![(
            "customer",
            "A new customer",
            json!({"email": "asha@example.com", "password": "a long passphrase", "name": "Asha Rao"}),
        )],
        _ => Vec::new(),
    }
}

/// Success-response examples per operation: status, name, summary, value.
fn responses(operation_id: &str) -> Vec<(&'static str, &'static str, &'static str, Value)> {
    match operation_id {
        "get_seat_map" => vec![(
            "200",
            "bus_segment",
            "Four seats of a bus, for the segment Gurugram → Neemrana",
            json!({
                "event_id": "evt_01a24909b5da74d29557344687b1343d", "from": "Gurugram", "to": "Neemrana",
                "seats": [
                    {"label": "1-1", "section": "Coach", "row": "1", "number": 1, "category": "standard",
                     "flags": [], "status": "sold", "price": {"amount_minor": 89900, "currency": "INR"}},
                    {"label": "1-2", "section": "Coach", "row": "1", "number": 2, "category": "standard",
                     "flags": [], "status": "available", "price": {"amount_minor": 89900, "currency": "INR"}},
                    {"label": "2-1", "section": "Coach", "row": "2", "number": 1, "category": "standard",
                     "flags": [], "status": "held", "price": {"amount_minor": 89900, "currency": "INR"}},
                    {"label": "2-2", "section": "Coach", "row": "2", "number": 2, "category": "standard",
                     "flags": [], "status": "blocked", "blocked_reason": "broken seat",
                     "price": {"amount_minor": 89900, "currency": "INR"}}
                ]
            }),
        )],
        _ => Vec::new(),
    }
}

/// Adds the examples of one operation.
pub fn add(operation_id: &str, operation: &mut Map<String, Value>) {
    let requests = requests(operation_id);
    if !requests.is_empty()
        && let Some(Value::Object(content)) = operation
            .get_mut("requestBody")
            .and_then(|b| b.get_mut("content"))
    {
        for media in content.values_mut() {
            media["examples"] = named(requests.iter().map(|(n, s, v)| (*n, *s, v)));
        }
    }
    for (status, name, summary, value) in responses(operation_id) {
        if let Some(Value::Object(content)) = operation
            .get_mut("responses")
            .and_then(|r| r.get_mut(status))
            .and_then(|r| r.get_mut("content"))
        {
            for media in content.values_mut() {
                media["examples"] = named([(name, summary, &value)].into_iter());
            }
        }
    }
}

fn named<'a>(examples: impl Iterator<Item = (&'a str, &'a str, &'a Value)>) -> Value {
    let map: Map<String, Value> = examples
        .map(|(name, summary, value)| {
            (
                name.to_string(),
                json!({"summary": summary, "value": value}),
            )
        })
        .collect();
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each example names an operation that exists and fits its schema's required fields
    /// (checked against the real document by `tests/kiosk/validate.py`).
    #[test]
    fn examples_name_served_operations() {
        let ids = super::super::served_operation_ids();
        for id in [
            "pay_booking",
            "create_hold",
            "create_event",
            "receive_payment_webhook",
            "check_in_ticket",
            "register",
            "get_seat_map",
        ] {
            assert!(ids.iter().any(|i| i == id), "{id}");
            assert!(!requests(id).is_empty() || !responses(id).is_empty());
        }
    }
}
