//! The error responses of an operation, filled in after generation because the server sends
//! them the same way everywhere: every one is `application/problem+json` with the `Problem`
//! schema, names the codes it can carry (`x-problem-codes`) with one example each, and
//! `Problem.code` is the enum of every stable code. Which statuses an operation can send
//! follows from its shape (body, parameters, token, role) plus what its domain adds
//! (`errors.rs`); keeping that derivation in one place is what keeps the document true.

use super::parameters::has_parameter;
use super::{codes, errors};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The problem body schema every error response refers to.
const PROBLEM: &str = "#/components/schemas/Problem";
/// The media type of every error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every error status the operation can send, with its codes: what its shape implies
/// (body, parameters, token, role, whether it writes) and what its domain adds
/// ([`errors::OPERATIONS`]).
pub fn problems(
    operation: &Map<String, Value>,
    id: &str,
    roles: Option<&[String]>,
    writes: bool,
) -> BTreeMap<u16, Vec<&'static str>> {
    let mut out: BTreeMap<u16, Vec<&'static str>> = BTreeMap::new();
    let mut add = |status: u16, codes: &[&'static str]| {
        let entry = out.entry(status).or_default();
        for c in codes {
            if !entry.contains(c) {
                entry.push(c);
            }
        }
    };
    add(500, &["internal"]);
    add(503, &["unavailable", "timeout"]);
    if writes {
        // A request that writes is refused while a store's write queue is full.
        add(503, &["overloaded"]);
    }
    if operation.contains_key("requestBody") && !errors::RAW_BODY.contains(&id) {
        add(400, &["malformed_request"]);
        add(413, &["payload_too_large"]);
        add(415, &["unsupported_media_type"]);
        add(422, &["validation_failed"]);
    }
    let params = |at: &str| {
        operation
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == at))
    };
    if params("query") || params("header") {
        add(422, &["validation_failed"]);
    }
    if params("path") {
        add(404, &["not_found"]);
    }
    if has_parameter(operation, "header", "idempotency-key") {
        add(409, &["idempotency_conflict", "idempotency_in_progress"]);
    }
    if let Some(roles) = roles {
        add(401, &["unauthorized"]);
        if !roles.iter().any(|r| r == "customer") {
            add(403, &["forbidden"]);
        }
    }
    for (status, codes) in errors::extra(id) {
        add(*status, codes);
    }
    out
}

/// An error response: its codes in the description, one example per code, and the headers
/// that come with some of them.
pub fn problem_response(status: u16, codes: &[&'static str]) -> Value {
    let lines: Vec<String> = codes
        .iter()
        .map(|c| {
            let meaning = codes::code(c).map_or("", |(_, m)| m);
            format!("`{c}`: {meaning}")
        })
        .collect();
    let description = if lines.len() == 1 {
        lines[0].clone()
    } else {
        format!("One of:\n- {}", lines.join("\n- "))
    };
    let examples: Map<String, Value> = codes
        .iter()
        .map(|c| {
            let meaning = codes::code(c).map_or("", |(_, m)| m);
            let reason = axum::http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error");
            let mut value = json!({
                "type": format!("urn:rezerve:problem:{c}"), "title": reason, "status": status,
                "detail": meaning, "code": c,
            });
            if *c == "validation_failed" {
                value["errors"] =
                    json!([{"field": "email", "message": "must be an email address"}]);
            }
            if *c == "seat_unavailable" {
                value["seats"] = json!(["A-1", "A-2"]);
            }
            (c.to_string(), json!({"summary": c, "value": value}))
        })
        .collect();
    let mut response = json!({
        "description": description,
        "content": { PROBLEM_JSON: {"schema": {"$ref": PROBLEM}, "examples": examples} },
        "x-problem-codes": codes,
    });
    if codes.contains(&"too_many_attempts") {
        response["headers"] = json!({"Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer", "minimum": 1}
        }});
    }
    if codes.contains(&"overloaded") {
        response["headers"] = json!({"Retry-After": {
            "description": "Seconds to wait before trying again (with `overloaded`)",
            "schema": {"type": "integer", "minimum": 1}
        }});
    }
    if codes.contains(&"unauthorized") {
        response["headers"] = json!({"WWW-Authenticate": {
            "description": "`Bearer`", "schema": {"type": "string"}
        }});
    }
    response
}

/// The `Problem` schema's `code` is the enum of every stable code.
pub fn enumerate_codes(schemas: &mut Map<String, Value>) {
    if let Some(code) = schemas
        .get_mut("Problem")
        .and_then(|p| p.pointer_mut("/properties/code"))
    {
        let names: Vec<&str> = codes::CODES.iter().map(|(c, _, _)| *c).collect();
        code["enum"] = json!(names);
        let others = |codes: &[&str]| format!("`{}`", codes.join("`, `"));
        code["description"] = json!(format!(
            "A stable machine code. Each operation's error responses list the codes they can \
             carry. Not sent by this API: the command line's {} and the staff console's {}; \
             {} is handled inside the server.",
            others(codes::CLI_ONLY),
            others(codes::CONSOLE_ONLY),
            others(codes::NEVER_SENT),
        ));
    }
}
