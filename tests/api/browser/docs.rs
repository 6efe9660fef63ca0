//! The API docs viewer under its Content-Security-Policy: Swagger UI's own scripts and
//! styles load from the binary and the document is fetched from this origin, so the viewer
//! still draws every operation with framing, inline scripts and other origins forbidden.

use super::Browser;
use crate::helpers::TestApp;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_docs_viewer_still_works_under_its_content_security_policy() {
    let app = TestApp::spawn().await;
    let browser = Browser::start(&app).await;
    browser.goto("/api/docs/").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !browser.has(".opblock").await {
        assert!(
            Instant::now() < deadline,
            "Swagger UI drew no operations under its CSP:\n{}",
            browser.source().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let operations = browser.all(".opblock").await.len();
    assert!(operations > 20, "only {operations} operations drawn");
    // swagger-ui.css applied (a style sheet the CSP must allow from 'self').
    let radius = browser
        .execute(
            "return getComputedStyle(document.querySelector('.swagger-ui .opblock')).borderRadius;",
            json!([]),
        )
        .await;
    assert_eq!(radius, "4px");
    browser.screenshot_wide("api-docs").await;
}
