//! The OpenAPI document clients generate their code from.
//!
//! The paths come from the `#[utoipa::path]` annotation beside each handler, so a route
//! cannot exist undocumented. What every operation shares because the server does it the
//! same way everywhere — extractors, middleware, problem bodies — is added here once, after
//! generation, instead of being repeated (and forgotten) in fifty annotations:
//! - every error response is `application/problem+json` with the `Problem` schema;
//! - a JSON body can always fail with 400, 413, 415 and 422; a query string or path with 422
//!   or 404; a bearer token with 401; a role with 403; any request with 500 and 503;
//! - every response has a description (OpenAPI requires one);
//! - the roles an operation's `security` names are repeated in its description;
//! - `limit` and `Idempotency-Key` carry the limits the server enforces;
//! - a page of items refers to the item's schema instead of a copy of it.

use crate::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::payment::idempotency::MAX_KEY_LEN;
use serde_json::{Map, Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rezerve API",
        description = include_str!("openapi_intro.md"),
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

/// The problem body schema every error response refers to.
const PROBLEM: &str = "#/components/schemas/Problem";
/// The media type of every error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The generated document with the shared parts filled in, as served. (JSON, not utoipa's
/// types: those do not round-trip every schema exactly.)
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
            for operation in item.values_mut() {
                if let Some(operation) = operation.as_object_mut() {
                    complete_operation(operation);
                }
            }
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        refer_page_items(schemas);
    }
}

fn complete_operation(operation: &mut Map<String, Value>) {
    let roles = roles(operation);
    let has_body = operation.contains_key("requestBody");
    let params: Vec<(String, String)> = operation
        .get("parameters")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                    (text("in"), text("name"))
                })
                .collect()
        })
        .unwrap_or_default();
    let summary = operation
        .get("summary")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();

    let mut shared: Vec<u16> = vec![500, 503];
    if has_body {
        shared.extend([400, 413, 415, 422]);
    }
    if params.iter().any(|(at, _)| at == "query" || at == "header") {
        shared.push(422);
    }
    if params.iter().any(|(at, _)| at == "path") {
        shared.push(404);
    }
    if let Some(roles) = &roles {
        shared.push(401);
        if !roles.iter().any(|r| r == "customer") {
            shared.push(403);
        }
    }
    let responses = operation
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    if let Some(responses) = responses {
        for status in shared {
            responses
                .entry(status.to_string())
                .or_insert_with(|| json!({}));
        }
        for (status, response) in responses.iter_mut() {
            complete_response(status, &summary, response);
        }
    }

    if let Some(params) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        for param in params {
            constrain_parameter(param);
        }
    }
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

fn complete_response(status: &str, summary: &str, response: &mut Value) {
    let Some(response) = response.as_object_mut() else {
        return;
    };
    let code: u16 = status.parse().unwrap_or(0);
    if !response.contains_key("description") {
        let text = if (200..300).contains(&code) && !summary.is_empty() {
            summary.to_string()
        } else {
            default_description(code).to_string()
        };
        response.insert("description".into(), Value::String(text));
    }
    if code >= 400 {
        // Keep any example given, but always under the problem media type and schema.
        let examples = response
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.values().find_map(|m| m.get("examples").cloned()));
        let mut media = json!({"schema": {"$ref": PROBLEM}});
        if let Some(examples) = examples {
            media["examples"] = examples;
        }
        response.insert("content".into(), json!({ PROBLEM_JSON: media }));
    }
}

fn default_description(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "Done; no body",
        400 => "`malformed_request`: the body is not valid JSON",
        401 => "`unauthorized`: no bearer token, or an expired, revoked or invalid one",
        402 => "`payment_declined`: the payment was refused",
        403 => "`forbidden`: your role may not call this operation",
        404 => "`not_found`: no such resource, or not one you may see",
        409 => "a conflict with the current state; `code` says which",
        413 => "`payload_too_large`: the body is larger than the server accepts",
        415 => "`unsupported_media_type`: the body must be `application/json`",
        422 => "`validation_failed`: `errors` names each offending field and why",
        500 => "`internal`: a fault on the server's side; it is logged, never detailed here",
        503 => {
            "`unavailable` or `timeout`: shutting down, a store is closed, or the request ran too long; retry later"
        }
        504 => "`payment_timeout`: the payment provider did not answer in time",
        _ => "see the problem's `code`",
    }
}

/// Declares the limits the server enforces on shared parameters.
fn constrain_parameter(param: &mut Value) {
    let at = param["in"].as_str().unwrap_or_default().to_string();
    let name = param["name"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match (at.as_str(), name.as_str()) {
        ("query", "limit") => {
            param["schema"] = json!({
                "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT
            });
            param["description"] = json!(format!(
                "Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."
            ));
        }
        ("query", "cursor") => {
            param["description"] =
                json!("The `next_cursor` of the previous page; omit for the first page.");
        }
        ("header", "idempotency-key") => {
            param["schema"] = json!({
                "type": "string", "minLength": 1, "maxLength": MAX_KEY_LEN,
                "pattern": "^[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?$"
            });
        }
        _ => {}
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
