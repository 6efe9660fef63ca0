//! The seat map in a real browser: seats picked with the mouse and the keyboard, blocked with
//! a reason, seen blocked through the API, and their details opened from the map.

use super::Browser;
use crate::console::PASSWORD;
use crate::helpers::TestApp;
use crate::pricing::sell;

#[tokio::test]
async fn blocking_seats_on_the_map() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 4, 12).await;
    let cara = app.customer("cara").await;
    let sold = sell(&app, &cara, &event, &["A-6", "A-7"]).await;
    let browser = Browser::start(&app).await;
    browser.sign_in("admin@example.test", PASSWORD).await;
    browser.goto(&format!("/admin/events/{event}/seats")).await;
    assert_eq!(browser.text("h1").await, "Seats · Evening Raga");

    // A-1 with the mouse, A-2 by keyboard (focus, Space): seats are checkboxes.
    let seat = |label: &str| format!("input[name=\"seat\"][value=\"{label}\"]");
    browser.all(&seat("A-1")).await[0]
        .click()
        .await
        .expect("clicked");
    let a2 = browser.all(&seat("A-2")).await.remove(0);
    browser
        .execute(
            "arguments[0].focus();",
            serde_json::json!([serde_json::to_value(&a2).expect("element")]),
        )
        .await;
    a2.send_keys(" ").await.expect("space");
    let checked = browser
        .execute(
            "return [...document.querySelectorAll('input[name=seat]:checked')].map(i => i.value);",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(checked, serde_json::json!(["A-1", "A-2"]));
    browser.screenshot("seat-map-selected").await;

    browser.fill("Reason for blocking", "broken armrest").await;
    browser.click_button("Block selected").await;
    assert_eq!(browser.text("#done p").await, "Blocked 2 seats.");
    let seats = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    for s in seats.body["seats"].as_array().expect("seats") {
        let label = s["label"].as_str().expect("label");
        match label {
            "A-1" | "A-2" => {
                assert_eq!(s["status"], "blocked", "{label}");
                assert_eq!(s["blocked_reason"], "broken armrest");
            }
            "A-6" | "A-7" => assert_eq!(s["status"], "sold", "{label}"),
            _ => assert_eq!(s["status"], "available", "{label}"),
        }
    }
    let marks = browser
        .execute(
            "return ['A-1','A-2','A-6','B-1'].map(l => document.querySelector(`input[value='${l}']`).closest('g').getAttribute('class'));",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(
        marks,
        serde_json::json!([
            "seat blocked",
            "seat blocked",
            "seat sold",
            "seat available"
        ])
    );
    browser.screenshot("seat-map").await;

    // Details of a blocked and a sold seat, from the map.
    browser.all(&seat("A-1")).await[0]
        .click()
        .await
        .expect("clicked");
    browser.all(&seat("A-6")).await[0]
        .click()
        .await
        .expect("clicked");
    browser.click_button("Details of selected").await;
    let path = browser.current_path().await;
    assert!(
        path.contains("/seats/details?seat=A-1&seat=A-6"),
        "{path}: {}",
        browser.text("main").await
    );
    let page = browser.text("main").await;
    assert!(page.contains("Blocked because\nbroken armrest"), "{page}");
    assert!(
        page.contains(sold["id"].as_str().expect("booking id")),
        "{page}"
    );
    assert!(page.contains("cara@example.test"), "{page}");
    browser.screenshot("seat-details").await;
}
