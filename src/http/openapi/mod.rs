//! The OpenAPI document clients generate their code from.
//!
//! The paths come from the `#[utoipa::path]` annotation beside each handler, so a route
//! cannot exist undocumented. What every operation shares because the server does it the
//! same way everywhere — extractors, middleware, problem bodies — is added here once, after
//! generation, instead of being repeated (and forgotten) in fifty annotations:
//! - every error response is `application/problem+json` with the `Problem` schema, lists
//!   the codes it can carry (`x-problem-codes`, one example each); `Problem.code` is the
//!   enum of every stable code (`codes.rs`); how an operation's error responses are
//!   derived is `problems.rs`;
//! - a JSON body can always fail with 400, 413, 415 and 422; a query string or path with 422
//!   or 404; a bearer token with 401; a role with 403; an Idempotency-Key with 409; any
//!   request with 500 and 503 (one that writes also with 503 `overloaded`); what the domain
//!   adds (conflicts, 402, 429, …) is in `errors.rs`;
//! - every response has a description (OpenAPI requires one);
//! - the roles an operation's `security` names are repeated in its description;
//! - `limit` and `Idempotency-Key` carry the limits the server enforces;
//! - a page of items refers to the item's schema instead of a copy of it;
//! - enums, formats and limits are declared in the schema (`schemas.rs`), and requests and
//!   responses carry examples (`examples.rs`).

mod body_rules;
mod codes;
mod errors;
mod examples;
mod parameters;
mod problems;
mod schemas;

use parameters::{constrain_parameter, has_parameter};
use problems::{enumerate_codes, problem_response, problems};
use serde_json::{Map, Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rezerve API",
        description = include_str!("intro.md"),
    ),
    servers((url = "/", description = "This server (the document's own origin)")),
    modifiers(&BearerToken),
    tags(
        (name = "auth", description = "Sign up, sign in"),
        (name = "users", description = "Account management (admin)"),
        (name = "events", description = "The catalog"),
        (name = "venues", description = "Reusable seat maps (admin)"),
        (name = "holds", description = "Seat selection with a time limit"),
        (name = "jobs", description = "The durable job queue (admin)"),
        (name = "bookings", description = "The booking saga: book, pay, cancel"),
        (name = "payments", description = "Payments, refunds and gateway callbacks"),
        (name = "tickets", description = "Ticket codes and check-in"),
        (name = "pricing", description = "Dynamic prices, their rules and history"),
        (name = "notifications", description = "The email log (admin)"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The generated document with the shared parts filled in, as served. (JSON, not utoipa's
/// types: those do not round-trip every schema exactly.)
#[allow(
    clippy::expect_used,
    reason = "start-up: the router is built once, from a document the tests serialize"
)]
pub fn finish(doc: &utoipa::openapi::OpenApi) -> Value {
    let mut value = serde_json::to_value(doc).expect("an OpenAPI document serializes");
    complete(&mut value);
    value
}

/// Fills in the shared parts of a serialized document.
pub fn complete(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in item.iter_mut() {
                if let Some(operation) = operation.as_object_mut() {
                    complete_operation(method, operation);
                }
            }
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        refer_page_items(schemas);
        enumerate_codes(schemas);
        schemas::declare(schemas);
        body_rules::declare(schemas);
    }
}

fn complete_operation(method: &str, operation: &mut Map<String, Value>) {
    let roles = roles(operation);
    let id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let summary = operation
        .get("summary")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let writes = !matches!(method, "get" | "head" | "options");
    let statuses = problems(operation, &id, roles.as_deref(), writes);
    let idempotent = has_parameter(operation, "header", "idempotency-key");
    let responses = operation
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    if let Some(responses) = responses {
        for (status, response) in responses.iter_mut() {
            complete_success(status, &summary, idempotent, response);
        }
        for (status, codes) in statuses {
            responses.insert(status.to_string(), problem_response(status, &codes));
        }
    }

    if let Some(params) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        for param in params.iter_mut() {
            constrain_parameter(param);
        }
        schemas::constrain_parameters(&id, params);
    }
    body_rules::constrain_body(&id, operation);
    examples::add(&id, operation);
    if let Some(roles) = roles {
        let who = if roles.len() == 3 {
            "any signed-in role (customer, staff, admin)".to_string()
        } else {
            roles.join(", ")
        };
        let description = operation
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let line = format!("**Roles:** {who}.");
        let description = if description.is_empty() {
            line
        } else {
            format!("{description}\n\n{line}")
        };
        operation.insert("description".into(), Value::String(description));
        operation.insert("x-roles".into(), json!(roles));
    } else {
        operation.insert("x-roles".into(), json!([]));
    }
}

/// The roles named by the operation's bearer requirement, or None for a public operation.
fn roles(operation: &Map<String, Value>) -> Option<Vec<String>> {
    let requirements = operation.get("security")?.as_array()?;
    let roles = requirements
        .iter()
        .filter_map(|r| r.get("bearer"))
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    Some(roles)
}

fn complete_success(status: &str, summary: &str, idempotent: bool, response: &mut Value) {
    let Some(response) = response.as_object_mut() else {
        return;
    };
    let code: u16 = status.parse().unwrap_or(0);
    if !(200..300).contains(&code) {
        return;
    }
    if !response.contains_key("description") {
        let text = if summary.is_empty() {
            default_description(code).to_string()
        } else {
            summary.to_string()
        };
        response.insert("description".into(), Value::String(text));
    }
    if idempotent {
        response.insert(
            "headers".into(),
            json!({"Idempotent-Replayed": {
                "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key",
                "schema": {"type": "string", "enum": ["true"]}
            }}),
        );
    }
}

fn default_description(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "Done; no body",
        _ => "See the body",
    }
}

/// `Page<T>` schemas are generated with a copy of `T` inside; point them at `T` instead, so
/// a generated client has one `EventView` class, not one per list.
fn refer_page_items(schemas: &mut Map<String, Value>) {
    let pages: Vec<String> = schemas
        .keys()
        .filter(|name| name.starts_with("Page_"))
        .cloned()
        .collect();
    for page in pages {
        let item = page.trim_start_matches("Page_").to_string();
        let Some(inline) = schemas
            .get(&page)
            .and_then(|p| p.pointer("/properties/items/items"))
            .cloned()
        else {
            continue;
        };
        if inline.get("$ref").is_some() {
            continue;
        }
        schemas.entry(item.clone()).or_insert(inline);
        if let Some(items) = schemas
            .get_mut(&page)
            .and_then(|p| p.pointer_mut("/properties/items"))
        {
            items["items"] = json!({"$ref": format!("#/components/schemas/{item}")});
        }
    }
}

/// The document the API routes generate, serialized (before [`complete`]).
#[cfg(test)]
fn served_document() -> Value {
    let (_, doc) = crate::http::api_routes();
    serde_json::to_value(&doc).expect("serializes")
}

/// Every operation object of a serialized document.
#[cfg(test)]
fn operations(doc: &Value) -> impl Iterator<Item = &Value> {
    doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(|item| item.as_object())
        .flat_map(|item| item.values())
}

/// The `operationId` of every operation the API routes serve, for the tests that check a
/// table names only real operations.
#[cfg(test)]
fn served_operation_ids() -> std::collections::BTreeSet<String> {
    operations(&served_document())
        .filter_map(|op| op["operationId"].as_str().map(str::to_string))
        .collect()
}
