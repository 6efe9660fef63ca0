//! The shared query and header parameters (`limit`, `cursor`, `Idempotency-Key`, the
//! gateway's signature): the limits the server enforces on them, declared once in the
//! document instead of in every annotation that names them.

use crate::idempotency::MAX_KEY_LEN;
use crate::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
use serde_json::{Map, Value, json};

/// Whether the operation takes the parameter `name` (any case) in `at`.
pub fn has_parameter(operation: &Map<String, Value>, at: &str, name: &str) -> bool {
    operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| {
            ps.iter().any(|p| {
                p["in"] == at
                    && p["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        })
}

/// Declares the limits the server enforces on shared parameters.
pub fn constrain_parameter(param: &mut Value) {
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
        ("header", "rezerve-signature") => {
            param["schema"] = json!({"type": "string", "pattern": "^t=[0-9]+,v1=[0-9a-f]{64}$"});
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
