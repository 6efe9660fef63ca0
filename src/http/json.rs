//! JSON answers, serialized into a buffer sized for a typical answer from the start.
//!
//! Why not `axum::Json` for answers: it starts from 128 bytes and doubles, so a hold's answer
//! (about 700 bytes) cost three reallocations, the last past 1 KiB, where glibc's allocator
//! first consolidates its fast bins. In a profile of the holds level (256 clients) that
//! growth was 2.7 % of the server's CPU. Request bodies are read by `extract::ApiJson`.

use axum::body::Body;
use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An answer's body as `application/json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// Room for a typical answer (a hold, a booking, a page of a few items) in one allocation.
/// Kept under 1,008 bytes, glibc's smallest "large" request, which would make it
/// consolidate its fast bins first; a larger answer grows the buffer as before.
const FIRST_CAPACITY: usize = 1000;

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(FIRST_CAPACITY);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => {
                let mut response = Body::from(body).into_response();
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                response
            }
            Err(e) => crate::error::Error::internal(format!("cannot serialize an answer: {e}"))
                .into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    #[tokio::test]
    async fn an_answer_is_its_json_with_the_json_content_type() {
        let response = Json(serde_json::json!({"id": "hld_1", "seats": ["A-1"]})).into_response();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        let body = to_bytes(response.into_body(), 1 << 20).await.expect("body");
        assert_eq!(&body[..], br#"{"id":"hld_1","seats":["A-1"]}"#);
    }

    #[tokio::test]
    async fn a_value_that_cannot_be_serialized_is_a_problem_not_a_panic() {
        // serde_json refuses maps whose keys are not strings.
        let map = std::collections::BTreeMap::from([((1, 2), "x")]);
        let response = Json(map).into_response();
        assert_eq!(response.status(), 500);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/problem+json");
    }
}
