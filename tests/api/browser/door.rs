//! The door page in a real browser with its script: a code typed as a USB scanner types it
//! (then Enter) is answered without a page load — ADMITTED, then ALREADY USED with when and
//! by whom, a forged code and a cancelled booking's code REFUSED with why — and after each
//! scan the input is empty and focused for the next one.

use super::Browser;
use crate::bookings::{bought, tickets};
use crate::console::PASSWORD;
use crate::helpers::TestApp;
use serde_json::json;
use std::time::{Duration, Instant};

/// WebDriver's Enter key.
const ENTER: &str = "\u{E007}";

fn code_of(tickets: &[serde_json::Value], seat: &str) -> String {
    tickets
        .iter()
        .find(|t| t["seat"] == seat)
        .and_then(|t| t["code"].as_str())
        .expect("a ticket for the seat")
        .to_string()
}

/// Types `code` into the focused input and presses Enter, as a scanner does; waits until the
/// list of last scans has `n` entries; returns the result panel's outcome and text.
async fn scan(browser: &Browser, code: &str, n: usize) -> (String, String) {
    let focused = browser
        .execute(
            "return document.activeElement && document.activeElement.id;",
            json!([]),
        )
        .await;
    assert_eq!(
        focused,
        json!("code"),
        "the input has focus before the scan"
    );
    let input = browser.field("code").await;
    input.send_keys(code).await.expect("typed");
    input.send_keys(ENTER).await.expect("enter");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let count = browser
            .execute(
                "return document.querySelectorAll('#recent-list li').length;",
                json!([]),
            )
            .await;
        if count.as_u64() == Some(n as u64) {
            break;
        }
        assert!(Instant::now() < deadline, "no answer to scan {n}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let state = browser
        .execute(
            "const i = document.getElementById('code');
             return [document.activeElement === i, i.value,
                     document.getElementById('result').getAttribute('data-outcome')];",
            json!([]),
        )
        .await;
    assert_eq!(state[0], json!(true), "the input is focused again");
    assert_eq!(state[1], json!(""), "the input is empty again");
    let outcome = state[2].as_str().expect("outcome").to_string();
    (outcome, browser.text("#result").await)
}

#[tokio::test]
async fn scanning_at_the_door_with_the_script() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 2, 10).await;
    let alice = app.customer("alice").await;
    let bob = app.customer("bob").await;
    let hers = bought(&app, &alice, &event, &["A-1", "A-2"]).await;
    let her_tickets = tickets(&app, &alice, hers["id"].as_str().expect("id")).await;
    let his = bought(&app, &bob, &event, &["B-1"]).await;
    let his_id = his["id"].as_str().expect("id");
    let his_code = code_of(&tickets(&app, &bob, his_id).await, "B-1");
    app.post(
        &format!("/api/v1/bookings/{his_id}/cancel"),
        Some(&bob),
        json!({}),
    )
    .await
    .assert_status(200);
    app.account("sam", "staff").await;

    let browser = Browser::start(&app).await;
    browser.sign_in("sam@example.test", PASSWORD).await;
    browser.goto("/admin/door").await;
    browser.screenshot("door-choose").await;
    let link = browser
        .client()
        .find(fantoccini::Locator::Css(&format!(
            "a[href='/admin/door/{event}']"
        )))
        .await
        .expect("the event's door");
    browser
        .navigating(async || link.click().await.expect("clicked"))
        .await;
    let path = format!("/admin/door/{event}");
    assert_eq!(browser.current_path().await, path);
    // The script runs: it shows the sound toggle (hidden without it).
    let deadline = Instant::now() + Duration::from_secs(30);
    while !browser
        .execute(
            "return !document.getElementById('sound').hidden;",
            json!([]),
        )
        .await
        .as_bool()
        .unwrap_or(false)
    {
        assert!(Instant::now() < deadline, "the door script did not run");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The camera button shows only where the browser decodes QR codes itself (a secure
    // context with BarcodeDetector; headless Chromium on Linux has none).
    let camera = browser
        .execute(
            "return [document.getElementById('camera').hidden,
                     window.isSecureContext && ('BarcodeDetector' in window)];",
            json!([]),
        )
        .await;
    if camera[1] == json!(false) {
        assert_eq!(
            camera[0],
            json!(true),
            "no camera button without BarcodeDetector"
        );
    }
    assert_eq!(browser.text("#present").await, "0");
    assert_eq!(browser.text("#total").await, "2");
    browser.screenshot("door-ready").await;

    let a1 = code_of(&her_tickets, "A-1");
    let (outcome, text) = scan(&browser, &a1, 1).await;
    assert_eq!(outcome, "admitted", "{text}");
    assert!(
        text.contains("ADMITTED") && text.contains("Seat A-1"),
        "{text}"
    );
    assert!(text.contains("alice"), "the holder's name: {text}");
    assert_eq!(browser.text("#present").await, "1");
    assert_eq!(browser.current_path().await, path, "no page load");
    browser.screenshot("door-admitted").await;

    let (outcome, text) = scan(&browser, &a1, 2).await;
    assert_eq!(outcome, "used", "{text}");
    assert!(text.contains("ALREADY USED"), "{text}");
    assert!(
        text.contains("First used") && text.contains("let in by sam"),
        "{text}"
    );
    assert_eq!(browser.text("#present").await, "1");
    browser.screenshot("door-already-used").await;

    let forged = {
        let (signed, signature) = a1.rsplit_once('.').expect("three parts");
        let first = if signature.starts_with('A') { "B" } else { "A" };
        format!("{signed}.{first}{}", &signature[1..])
    };
    let (outcome, text) = scan(&browser, &forged, 3).await;
    assert_eq!(outcome, "refused", "{text}");
    assert!(
        text.contains("REFUSED") && text.contains("forged"),
        "{text}"
    );
    browser.screenshot("door-refused-forged").await;

    let (outcome, text) = scan(&browser, &his_code, 4).await;
    assert_eq!(outcome, "refused", "{text}");
    assert!(text.contains("cancelled or refunded"), "{text}");
    browser.screenshot("door-refused-cancelled").await;

    let (outcome, _) = scan(&browser, &code_of(&her_tickets, "A-2"), 5).await;
    assert_eq!(outcome, "admitted");
    assert_eq!(browser.text("#present").await, "2");
    assert_eq!(browser.current_path().await, path, "still no page load");
    let words = browser.texts("#recent-list .recent-word").await;
    assert_eq!(
        words,
        [
            "✓ Admitted",
            "✕ Refused",
            "✕ Refused",
            "! Already used",
            "✓ Admitted"
        ]
    );

    // The sound toggle says its state in words, and gives the focus back to the input.
    let sound = browser.field("sound").await;
    sound.click().await.expect("clicked");
    assert_eq!(browser.text("#sound").await, "Sound: off");
    let focused = browser
        .execute("return document.activeElement.id;", json!([]))
        .await;
    assert_eq!(focused, json!("code"));
}
