//! The ranges and the rules between fields of request bodies that the domain validators
//! enforce, declared so a client (and schemathesis) knows them before sending: pricing
//! rules, general-admission capacities, "a seat map or a capacity", "a venue id or a name".
//!
//! What no JSON Schema can say stays in prose and in the server alone: a cap not below the
//! floor, bucket shares adding up to 1, buckets from cheapest to dearest (comparisons and
//! sums across fields), and anything that depends on stored data.

use crate::catalog::event_input::MAX_CAPACITY;
use crate::catalog::seat_map::MAX_SEATS_PER_ROW;
use crate::money::MAX_PRICE_MINOR;
use serde_json::{Map, Value, json};

/// A category name, as `catalog::seat_map::is_category_name` accepts it.
const CATEGORY_NAME: &str = "^[a-z][a-z0-9_]{0,31}$";

/// Ranges of numeric fields: schema, property, limits.
fn ranges() -> Vec<(&'static str, &'static str, Value)> {
    let above_zero_to = |max: f64| json!({"exclusiveMinimum": 0, "maximum": max});
    vec![
        ("Rule", "floor", json!({"minimum": 0})),
        ("Rule", "cap", above_zero_to(100.0)),
        (
            "Rule",
            "rounding_minor",
            json!({"minimum": 1, "maximum": 1_000_000}),
        ),
        ("TimeFactor", "hours_before", above_zero_to(24.0 * 365.0)),
        ("TimeFactor", "multiplier", above_zero_to(10.0)),
        (
            "DemandFactor",
            "window_minutes",
            json!({"minimum": 1, "maximum": 1440}),
        ),
        (
            "DemandFactor",
            "holds_per_100_seats",
            json!({"exclusiveMinimum": 0}),
        ),
        ("DemandFactor", "multiplier", above_zero_to(10.0)),
        ("Bucket", "share", above_zero_to(1.0)),
        ("Bucket", "multiplier", json!({"minimum": 0})),
        ("FareClass", "multiplier", json!({"exclusiveMinimum": 0})),
        ("FareClass", "mean", json!({"minimum": 0})),
        ("FareClass", "sd", json!({"minimum": 0})),
    ]
}

/// A row name or section prefix, as `catalog::seat_map::is_label_part` accepts it.
const LABEL_PART: &str = "^[A-Za-z0-9_-]{1,8}$";

/// The seat map's parts: schema, property, limits.
fn seat_map() -> Vec<(&'static str, &'static str, Value)> {
    let category = json!({"pattern": CATEGORY_NAME});
    vec![
        ("SeatMapInput", "sections", json!({"minItems": 1})),
        (
            "SectionInput",
            "name",
            json!({"minLength": 1, "maxLength": 100, "pattern": "\\S"}),
        ),
        (
            "SectionInput",
            "prefix",
            json!({"pattern": "^([A-Za-z0-9_-]{1,8})?$"}),
        ),
        ("SectionInput", "rows", json!({"minItems": 1})),
        ("RowInput", "row", json!({"pattern": LABEL_PART})),
        ("RowInput", "category", category.clone()),
        (
            "SeatInput",
            "number",
            json!({"minimum": 1, "maximum": 9_999}),
        ),
        ("SeatInput", "category", category),
    ]
}

/// General-admission places per category: at least one category, each named as categories
/// are, each with 1 to `MAX_CAPACITY` places.
fn capacity() -> Value {
    json!({
        "minProperties": 1,
        "propertyNames": {"pattern": CATEGORY_NAME},
        "additionalProperties": {"type": "integer", "minimum": 1, "maximum": MAX_CAPACITY},
    })
}

/// Adds the rules to `components/schemas`.
pub fn declare(schemas: &mut Map<String, Value>) {
    for (schema, property, limits) in ranges().into_iter().chain(seat_map()) {
        if let Some(Value::Object(prop)) = schemas
            .get_mut(schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{property}")))
            && let Value::Object(limits) = limits
        {
            prop.extend(limits);
        }
    }
    // A row's seats: 1 to MAX_SEATS_PER_ROW, as a count or one by one.
    if let Some(Value::Array(forms)) = schemas.get_mut("RowSeats").and_then(|r| r.get_mut("oneOf"))
    {
        for form in forms {
            if let Value::Object(form) = form {
                let limits = if form.get("type") == Some(&json!("integer")) {
                    json!({"minimum": 1, "maximum": MAX_SEATS_PER_ROW})
                } else {
                    json!({"minItems": 1, "maxItems": MAX_SEATS_PER_ROW})
                };
                if let Value::Object(limits) = limits {
                    form.extend(limits);
                }
            }
        }
    }
    // Base prices per category: named as categories are, each a price.
    for schema in ["CreateEvent", "EventPatch"] {
        if let Some(Value::Object(prices)) = schemas
            .get_mut(schema)
            .and_then(|s| s.pointer_mut("/properties/prices"))
        {
            prices.insert("propertyNames".into(), json!({"pattern": CATEGORY_NAME}));
            prices.insert(
                "additionalProperties".into(),
                json!({"allOf": [
                    {"$ref": "#/components/schemas/Money"},
                    {"properties": {"amount_minor": {"minimum": 0, "maximum": MAX_PRICE_MINOR}}},
                ]}),
            );
        }
    }
    if let Some(Value::Object(currency)) = schemas
        .get_mut("Money")
        .and_then(|m| m.pointer_mut("/properties/currency"))
    {
        currency.insert("pattern".into(), json!("^[A-Z]{3}$"));
    }
    // The curve's table variants: 1 to 26 buckets, 2 to 26 fare classes.
    if let Some(Value::Array(variants)) = schemas.get_mut("Curve").and_then(|c| c.get_mut("oneOf"))
    {
        for variant in variants {
            for (property, min) in [("buckets", 1), ("emsr_b", 2)] {
                if let Some(Value::Object(list)) =
                    variant.pointer_mut(&format!("/properties/{property}"))
                {
                    list.insert("minItems".into(), json!(min));
                    list.insert("maxItems".into(), json!(26));
                }
            }
            // The table is the object's only key: another would be read as the variant.
            if let Value::Object(variant) = variant
                && variant.get("type") == Some(&json!("object"))
            {
                variant.insert("additionalProperties".into(), json!(false));
            }
        }
    }
    // An event's venue is a venue by its id (whose name is used unless one is sent) or a
    // name; a name, when sent, is a name.
    if let Some(Value::Object(venue)) = schemas.get_mut("VenueRef") {
        let given =
            |name: &str| json!({"required": [name], "properties": {name: {"type": "string"}}});
        venue.insert("anyOf".into(), json!([given("id"), given("name")]));
    }
    for schema in ["CreateVenue", "CreateEvent"] {
        let Some(Value::Object(body)) = schemas.get_mut(schema) else {
            continue;
        };
        if let Some(Value::Object(prop)) = body
            .get_mut("properties")
            .and_then(|p| p.get_mut("capacity"))
            && let Value::Object(rules) = capacity()
        {
            prop.extend(rules);
        }
        if schema == "CreateEvent" {
            // Travel events have a route and times of their own; venue events a venue and
            // a start. (An event may take its seat map from the venue it names, so the seat
            // map rule below is the venue's alone.)
            let absent = json!({"type": "null"});
            body.insert(
                "allOf".into(),
                json!([{
                    "if": {"required": ["category"],
                           "properties": {"category": {"enum": ["flight", "bus", "train"]}}},
                    "then": {"required": ["origin", "destination", "departs_at", "arrives_at"],
                             "properties": {"venue": absent, "starts_at": absent,
                                            "ends_at": absent,
                                            "origin": {"type": "string"},
                                            "destination": {"type": "string"},
                                            "departs_at": {"type": "string"},
                                            "arrives_at": {"type": "string"}}},
                    "else": {"required": ["venue", "starts_at"],
                             "properties": {"venue": {"type": "object"},
                                            "starts_at": {"type": "string"},
                                            "origin": absent, "destination": absent,
                                            "departs_at": absent, "arrives_at": absent,
                                            "stops": {"type": ["array", "null"], "maxItems": 0}}},
                },
                // A seat map or a capacity, never both (null counts as absent).
                {"not": {"allOf": [
                    {"required": ["seat_map"], "properties": {"seat_map": {"type": "object"}}},
                    {"required": ["capacity"], "properties": {"capacity": {"type": "object"}}},
                ]}},
                // Seats from a seat map, a capacity, or the seat map of the venue it names.
                {"anyOf": [
                    {"required": ["seat_map"], "properties": {"seat_map": {"type": "object"}}},
                    {"required": ["capacity"], "properties": {"capacity": {"type": "object"}}},
                    {"required": ["venue"], "properties": {"venue": {
                        "type": "object", "required": ["id"],
                        "properties": {"id": {"type": "string"}}}}},
                ]}]),
            );
            continue;
        }
        // A seat map or a capacity: one of them, not both (null counts as absent).
        let present =
            |name: &str| json!({"required": [name], "properties": {name: {"type": "object"}}});
        let rule = json!([
            {"anyOf": [present("seat_map"), present("capacity")]},
            {"not": {"allOf": [present("seat_map"), present("capacity")]}},
        ]);
        match body.get_mut("allOf") {
            Some(Value::Array(all)) => all.extend(rule.as_array().cloned().unwrap_or_default()),
            _ => {
                body.insert("allOf".into(), rule);
            }
        }
    }
}

/// Rules on an operation's inline request body.
pub fn constrain_body(operation_id: &str, operation: &mut Map<String, Value>) {
    if operation_id != "replace_pricing_rules" {
        return;
    }
    if let Some(Value::Object(body)) = operation
        .get_mut("requestBody")
        .and_then(|b| b.pointer_mut("/content/application~1json/schema"))
    {
        // At least one event category, each by its name.
        body.insert("minProperties".into(), json!(1));
        body.insert(
            "propertyNames".into(),
            json!({"$ref": "#/components/schemas/EventCategory"}),
        );
    }
}
