//! Enums, formats and limits the server enforces, declared in the schema rather than in
//! prose: named enums for the statuses, kinds and methods that travel as strings, `date-time`
//! on time query parameters, and the lengths and ranges the domain validators check.

use crate::auth::account::MAX_NAME_CHARS;
use crate::auth::password::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};
use crate::booking::TicketStatus;
use crate::booking::saga::WebhookOutcome;
use crate::catalog::MAX_LABELS_PER_REQUEST;
use crate::inventory::hold::MAX_HOLD_SEATS;
use crate::jobs::{JobKind, JobStatus};
use crate::notify::NotificationStatus;
use crate::notify::email::EmailKind;
use crate::payment::PaymentStatus;
use serde_json::{Map, Value, json};

const REF: &str = "#/components/schemas/";

/// The named enums added to `components/schemas`: name, description, values.
fn enums() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    vec![
        (
            "TicketStatus",
            "A ticket's state at the door.",
            TicketStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            "PaymentStatus",
            "A payment's state: `pending` until the provider answers (a gateway calls back).",
            PaymentStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            "PaymentMethod",
            "`test` (card simulator), `cash` (staff and admins only) or `webhook` (a gateway that calls back).",
            vec!["test", "cash", "webhook"],
        ),
        (
            "JobStatus",
            "A job's state in the durable queue.",
            JobStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            "JobKind",
            "What a job does.",
            JobKind::ALL.iter().map(|k| k.as_str()).collect(),
        ),
        (
            "NotificationStatus",
            "An email's state: `failed` will be retried, `dead` will not (out of attempts, or refused for good by the mail server: a 5xx, whose answer is in `last_error`).",
            NotificationStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            "NotificationKind",
            "Which email.",
            EmailKind::ALL.iter().map(|k| k.as_str()).collect(),
        ),
        (
            "WebhookOutcome",
            "What a callback did: `applied`, `duplicate` (seen before; nothing changed) or `already_settled` (the payment had been settled; nothing changed).",
            WebhookOutcome::ALL.iter().map(|s| s.as_str()).collect(),
        ),
    ]
}

/// Properties of response and request schemas that take a named enum.
const PROPERTIES: &[(&str, &str, &str)] = &[
    ("TicketView", "status", "TicketStatus"),
    ("PaymentRow", "status", "PaymentStatus"),
    ("PaymentRow", "method", "PaymentMethod"),
    ("PayRequest", "method", "PaymentMethod"),
    ("JobRow", "status", "JobStatus"),
    ("JobRow", "kind", "JobKind"),
    ("NotificationRow", "status", "NotificationStatus"),
    ("NotificationRow", "kind", "NotificationKind"),
    ("WebhookResult", "result", "WebhookOutcome"),
    ("SeatHistoryEntry", "from", "SeatStatus"),
    ("SeatHistoryEntry", "to", "SeatStatus"),
];

/// Query parameters that take a named enum: operation, parameter, enum.
const PARAMETERS: &[(&str, &str, &str)] = &[
    ("list_payments", "status", "PaymentStatus"),
    ("list_jobs", "status", "JobStatus"),
    ("list_jobs", "kind", "JobKind"),
    ("list_notifications", "status", "NotificationStatus"),
    ("list_notifications", "kind", "NotificationKind"),
    ("preview_pricing_rule", "category", "EventCategory"),
];

/// Query parameters with a range: operation, parameter, minimum, maximum.
const RANGES: &[(&str, &str, i64, i64)] = &[
    (
        "preview_pricing_rule",
        "base_minor",
        0,
        crate::money::MAX_PRICE_MINOR,
    ),
    ("preview_pricing_rule", "capacity", 1, 100_000),
    ("preview_pricing_rule", "points", 2, 201),
];

/// Query parameters that are RFC 3339 times.
const TIMES: &[(&str, &str)] = &[
    ("list_events", "from"),
    ("list_events", "to"),
    ("list_bookings", "from"),
    ("list_bookings", "to"),
];

/// Adds the named enums and points the properties listed above at them.
pub fn declare(schemas: &mut Map<String, Value>) {
    for (name, description, values) in enums() {
        schemas.insert(
            name.to_string(),
            json!({"type": "string", "enum": values, "description": description}),
        );
    }
    for (schema, property, name) in PROPERTIES {
        let Some(prop) = schemas
            .get_mut(*schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{property}")))
        else {
            continue;
        };
        *prop = with_ref(prop, name);
    }
    for (schema, property, limits) in limits() {
        if let Some(Value::Object(prop)) = schemas
            .get_mut(schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{property}")))
            && let Value::Object(limits) = limits
        {
            prop.extend(limits);
        }
    }
    deprecate_repeats(schemas);
    // "Seats or quantity": exactly one of them (null counts as absent). Written with
    // `not` and `if`/`then`, which client generators leave alone, rather than `oneOf`.
    if let Some(Value::Object(hold)) = schemas.get_mut("HoldRequest") {
        hold.insert(
            "not".into(),
            json!({"required": ["seats", "quantity"],
                   "properties": {"seats": {"type": "array"}, "quantity": {"type": "integer"}}}),
        );
        hold.insert(
            "if".into(),
            json!({"properties": {"seats": {"type": "null"}}}),
        );
        hold.insert(
            "then".into(),
            json!({"required": ["quantity"], "properties": {"quantity": {"type": "integer"}}}),
        );
        // `category` and `accessible` choose among a quantity's seats: not with seats.
        hold.insert(
            "allOf".into(),
            json!([{"if": {"required": ["seats"], "properties": {"seats": {"type": "array"}}},
                    "then": {"properties": {"category": {"type": "null"},
                                            "accessible": {"type": "null"}}}}]),
        );
    }
    // A card number with the card simulator (`test`), and only with it.
    if let Some(Value::Object(pay)) = schemas.get_mut("PayRequest") {
        pay.insert(
            "allOf".into(),
            json!([{"if": {"required": ["method"], "properties": {"method": {"const": "test"}}},
                    "then": {"required": ["card_number"],
                             "properties": {"card_number": {"type": "string"}}},
                    "else": {"properties": {"card_number": {"type": "null"}}}}]),
        );
    }
}

/// Fields kept for existing clients that repeat another field in the API's one shape for
/// the concept: Unix-millisecond times beside their RFC 3339 twin, bare minor units beside
/// their `Money`.
const REPEATS: &[(&str, &str, &str)] = &[
    ("PaymentRow", "amount_minor", "amount"),
    ("PaymentRow", "currency", "amount"),
    ("RefundRow", "amount_minor", "amount"),
    ("RefundRow", "currency", "amount"),
    ("HistoryRow", "old_minor", "old_price"),
    ("HistoryRow", "new_minor", "new_price"),
];

/// Marks every repeating field deprecated, naming the field to read instead.
fn deprecate_repeats(schemas: &mut Map<String, Value>) {
    for (name, schema) in schemas.iter_mut() {
        let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        let names: Vec<String> = props.keys().cloned().collect();
        for field in names {
            let twin = if let Some(stem) = field.strip_suffix("_ms") {
                Some(stem.to_string())
            } else {
                REPEATS
                    .iter()
                    .find(|(s, f, _)| s == name && *f == field)
                    .map(|(_, _, twin)| twin.to_string())
            };
            let Some(twin) = twin.filter(|t| props.contains_key(t)) else {
                continue;
            };
            let what = if field.ends_with("_ms") {
                "Unix milliseconds"
            } else {
                "A repeat"
            };
            if let Some(Value::Object(prop)) = props.get_mut(&field) {
                prop.insert("deprecated".into(), json!(true));
                prop.insert(
                    "description".into(),
                    json!(format!(
                        "{what} of `{twin}`, kept for existing clients; read `{twin}`."
                    )),
                );
            }
        }
    }
}

/// A property's schema replaced by a reference to a named enum, keeping its description
/// and whether it may be null.
fn with_ref(prop: &Value, name: &str) -> Value {
    let reference = json!({"$ref": format!("{REF}{name}")});
    let nullable = prop["type"]
        .as_array()
        .is_some_and(|types| types.iter().any(|t| t == "null"));
    let mut out = if nullable {
        json!({"oneOf": [reference, {"type": "null"}]})
    } else {
        reference
    };
    if let Some(description) = prop.get("description") {
        out["description"] = description.clone();
    }
    out
}

/// Characters a person's name may not hold, as a regex class body: control characters and
/// the bidirectional controls that can disguise a name.
const NOT_IN_NAMES: &str = r"\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069";

/// A required text of the catalog, as `catalog::event_input::required_text` accepts it:
/// something besides white space, no control characters, at most `max` characters.
fn text(max: usize) -> Value {
    json!({
        "minLength": 1, "maxLength": max,
        "pattern": r"^\s*[^\s\x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f])?\s*$",
    })
}

/// Lengths and ranges of request fields, as the domain validators check them.
fn limits() -> Vec<(&'static str, &'static str, Value)> {
    let email = json!({"format": "email", "maxLength": 254});
    // What `auth::account::normalize_name` accepts: something besides white space, and no
    // control or bidirectional control characters (white space around it is trimmed).
    let name = json!({
        "minLength": 1, "maxLength": MAX_NAME_CHARS,
        "pattern": format!("^\\s*[^\\s{NOT_IN_NAMES}]([^{NOT_IN_NAMES}]*[^\\s{NOT_IN_NAMES}])?\\s*$"),
    });
    let password = json!({
        "minLength": MIN_PASSWORD_CHARS, "maxLength": MAX_PASSWORD_BYTES,
        "description": format!("At least {MIN_PASSWORD_CHARS} characters, at most {MAX_PASSWORD_BYTES} bytes."),
    });
    // What `auth::account::normalize_phone` accepts: blank (no phone), or 7 to 20 digits
    // among `+`, spaces, dashes, dots and brackets.
    let phone = json!({
        "maxLength": 32,
        "pattern": "^(\\s*|\\s*([ +().-]*[0-9]){7,20}[ +().-]*\\s*)$",
        "description": "7 to 20 digits; `+`, spaces, dashes, dots and brackets allowed.",
    });
    let mut out = Vec::new();
    for schema in ["Registration", "NewUser"] {
        out.push((schema, "email", email.clone()));
        out.push((schema, "name", name.clone()));
        out.push((schema, "password", password.clone()));
        out.push((schema, "phone", phone.clone()));
    }
    out.extend([
        ("CreateEvent", "origin", text(100)),
        ("StopInput", "name", text(100)),
        ("CreateEvent", "destination", text(100)),
        ("UserPatch", "name", name.clone()),
        ("UserPatch", "password", password),
        ("UserPatch", "phone", phone),
        ("Login", "email", json!({"maxLength": 254})),
        ("BookRequest", "customer_email", email.clone()),
        ("PayRequest", "currency", json!({"pattern": "^[A-Z]{3}$"})),
        ("Login", "password", json!({"maxLength": MAX_PASSWORD_BYTES})),
        (
            "Extend",
            "seconds",
            json!({"minimum": 1, "maximum": 86_400, "description":
                "Seconds added to the current expiry, 1 to 86400; the hold never outlives `max_expires_at`."}),
        ),
        (
            "HoldRequest",
            "seats",
            json!({"minItems": 1, "maxItems": MAX_HOLD_SEATS, "uniqueItems": true}),
        ),
        (
            "HoldRequest",
            "quantity",
            json!({"minimum": 1, "maximum": MAX_HOLD_SEATS}),
        ),
        (
            "BlockSeats",
            "seats",
            json!({"minItems": 1, "maxItems": MAX_LABELS_PER_REQUEST}),
        ),
        ("BlockSeats", "reason", text(500)),
        (
            "UnblockSeats",
            "seats",
            json!({"minItems": 1, "maxItems": MAX_LABELS_PER_REQUEST}),
        ),
        ("CreateEvent", "name", text(200)),
        ("CreateEvent", "description", json!({"maxLength": 5_000})),
        ("EventPatch", "name", text(200)),
        ("EventPatch", "description", json!({"maxLength": 5_000})),
        ("CreateVenue", "name", text(200)),
        ("VenueRef", "name", text(200)),
        (
            "WebhookCallback",
            "status",
            json!({"enum": crate::payment::webhook::CallbackStatus::ALL.map(|s| s.as_str())}),
        ),
    ]);
    out
}

/// Declares enums and formats on an operation's query parameters.
pub fn constrain_parameters(operation_id: &str, params: &mut [Value]) {
    for param in params {
        if param["in"] != "query" {
            continue;
        }
        let name = param["name"].as_str().unwrap_or_default().to_string();
        if let Some((_, _, enum_name)) = PARAMETERS
            .iter()
            .find(|(op, p, _)| *op == operation_id && *p == name)
        {
            param["schema"] = json!({"$ref": format!("{REF}{enum_name}")});
        }
        if let Some((_, _, min, max)) = RANGES
            .iter()
            .find(|(op, p, _, _)| *op == operation_id && *p == name)
        {
            param["schema"]["minimum"] = json!(min);
            param["schema"]["maximum"] = json!(max);
        }
        if TIMES.contains(&(operation_id, name.as_str())) {
            param["schema"] = json!({"type": "string", "format": "date-time"});
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A renamed schema, property or parameter must not leave an entry here that no longer
    /// applies to anything.
    #[test]
    fn every_entry_names_a_property_or_parameter_that_exists() {
        let doc = super::super::served_document();
        let schemas = &doc["components"]["schemas"];
        let limited: Vec<(&str, &str)> = limits().iter().map(|(s, p, _)| (*s, *p)).collect();
        for (schema, property) in PROPERTIES.iter().map(|(s, p, _)| (*s, *p)).chain(limited) {
            assert!(
                schemas[schema]["properties"].get(property).is_some(),
                "{schema}.{property} does not exist"
            );
        }
        let params = |op: &str| -> Vec<String> {
            super::super::operations(&doc)
                .filter(|o| o["operationId"] == op)
                .flat_map(|o| o["parameters"].as_array().cloned().unwrap_or_default())
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect()
        };
        let named = PARAMETERS.iter().map(|(o, p, _)| (*o, *p));
        let ranged = RANGES.iter().map(|(o, p, _, _)| (*o, *p));
        for (op, param) in named.chain(ranged).chain(TIMES.iter().copied()) {
            assert!(
                params(op).iter().any(|p| p == param),
                "{op} has no parameter {param}"
            );
        }
    }
}
