//! The door page over real TCP, both ways it is used: the plain form (POST, 303, the page
//! showing the scan with the input focused again) and the script's JSON answers. ADMITTED,
//! then ALREADY USED with when and by whom, a forged code, a cancelled booking's code and
//! another event's ticket REFUSED with why, present / total moving, the steward's last
//! scans, and bad input that scans nothing.

use super::Console;
use crate::bookings::{bought, tickets};
use crate::helpers::TestApp;
use serde_json::{Value, json};

/// The code with one character of its signature changed.
fn flip_signature(code: &str) -> String {
    let (signed, signature) = code.rsplit_once('.').expect("three parts");
    let first = if signature.starts_with('A') { "B" } else { "A" };
    format!("{signed}.{first}{}", &signature[1..])
}

fn code_of(tickets: &[Value], seat: &str) -> String {
    tickets
        .iter()
        .find(|t| t["seat"] == seat)
        .and_then(|t| t["code"].as_str())
        .expect("a ticket for the seat")
        .to_string()
}

/// `N / M` as the page shows it.
fn present(text: &str) -> String {
    let grab = |id: &str| {
        let marker = format!("<span id=\"{id}\">");
        let start = text.find(&marker).expect(id) + marker.len();
        text[start..start + text[start..].find('<').expect("end")].to_string()
    };
    format!("{} / {}", grab("present"), grab("total"))
}

/// The scan input is there, empty and focused on load.
#[track_caller]
fn input_ready(text: &str) {
    let start = text.find("<input id=\"code\"").expect("the scan input");
    let tag = &text[start..start + text[start..].find('>').expect("end of tag")];
    assert!(tag.contains("autofocus"), "{tag}");
    assert!(!tag.contains("value="), "empty: {tag}");
}

#[tokio::test]
async fn the_door_admits_once_then_refuses_with_reasons() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 2, 10).await;
    let other_event = app.create_concert(&admin, 1, 5).await;
    let alice = app.customer("alice").await;
    let bob = app.customer("bob").await;
    let hers = bought(&app, &alice, &event, &["A-1", "A-2"]).await;
    let hers_id = hers["id"].as_str().expect("id").to_string();
    let his = bought(&app, &bob, &event, &["B-1"]).await;
    let his_id = his["id"].as_str().expect("id").to_string();
    let elsewhere = bought(&app, &alice, &other_event, &["A-1"]).await;
    let her_tickets = tickets(&app, &alice, &hers_id).await;
    let his_code = code_of(&tickets(&app, &bob, &his_id).await, "B-1");
    let elsewhere_code = code_of(
        &tickets(&app, &alice, elsewhere["id"].as_str().expect("id")).await,
        "A-1",
    );
    // Bob's booking is cancelled (and refunded): its ticket is void.
    app.post(
        &format!("/api/v1/bookings/{his_id}/cancel"),
        Some(&bob),
        json!({}),
    )
    .await
    .assert_status(200);

    let mut door = Console::signed_in(&app, "sam", "staff").await;
    let chooser = door.get("/admin/door").await;
    chooser.assert_html(200);
    assert!(
        chooser
            .text
            .contains(&format!("href=\"/admin/door/{event}\""))
    );
    let path = format!("/admin/door/{event}");
    let page = door.get(&path).await;
    page.assert_html(200);
    assert_eq!(
        present(&page.text),
        "0 / 2",
        "the void ticket does not count"
    );
    assert!(page.text.contains("data-outcome=\"ready\""));
    assert!(
        page.text.contains("/admin/assets/door-"),
        "the script is linked"
    );
    input_ready(&page.text);
    let csrf = page.csrf().expect("csrf");

    // Without JavaScript: POST, 303 to the scan, the page shows it, the input ready again.
    let a1 = code_of(&her_tickets, "A-1");
    let posted = door
        .post_form(&path, &[("csrf", &csrf), ("code", &a1)])
        .await;
    assert_eq!(posted.status.as_u16(), 303, "{}", posted.text);
    assert!(posted.location().starts_with(&format!("{path}?scan=")));
    let page = door.get(posted.location()).await;
    page.assert_html(200);
    assert!(
        page.text.contains("data-outcome=\"admitted\""),
        "{}",
        page.text
    );
    assert!(page.text.contains("ADMITTED"));
    assert!(page.text.contains("Seat <strong>A-1</strong>"));
    assert!(page.text.contains("<p class=\"result-name\">alice</p>"));
    assert_eq!(present(&page.text), "1 / 2");
    input_ready(&page.text);

    // With the script: JSON with the same fragments.
    let answer = door
        .post_form_json(&path, &[("csrf", &csrf), ("code", &a1)])
        .await;
    assert_eq!(answer.status.as_u16(), 200, "{}", answer.text);
    assert!(
        answer.headers["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("application/json")
    );
    let body = answer.json();
    assert_eq!(body["outcome"], "already_used", "{body}");
    assert_eq!(body["code"], "already_checked_in");
    let result = body["result_html"].as_str().expect("result html");
    assert!(result.contains("ALREADY USED"), "{result}");
    assert!(result.contains("let in by sam"), "by whom: {result}");
    assert!(
        result.contains("First used ") && result.contains(" UTC"),
        "when: {result}"
    );
    assert_eq!(body["present"], 1);
    assert_eq!(body["total"], 2);

    for (code, why, reason) in [
        (flip_signature(&a1), "ticket_invalid", "forged"),
        (his_code.clone(), "ticket_void", "cancelled or refunded"),
        (
            elsewhere_code.clone(),
            "wrong_event",
            "for another event: Evening Raga",
        ),
        ("hello world".to_string(), "ticket_invalid", "forged"),
    ] {
        let answer = door
            .post_form_json(&path, &[("csrf", &csrf), ("code", &code)])
            .await;
        assert_eq!(answer.status.as_u16(), 200, "{}", answer.text);
        let body = answer.json();
        assert_eq!(body["outcome"], "refused", "{why}: {body}");
        assert_eq!(body["code"], why);
        let result = body["result_html"].as_str().expect("html");
        assert!(result.contains("REFUSED"), "{result}");
        assert!(result.contains(reason), "{why}: {result}");
    }

    // The second ticket goes in; present moves; the API agrees.
    let answer = door
        .post_form_json(
            &path,
            &[("csrf", &csrf), ("code", &code_of(&her_tickets, "A-2"))],
        )
        .await;
    assert_eq!(answer.json()["outcome"], "admitted");
    assert_eq!(answer.json()["present"], 2);
    let now = tickets(&app, &alice, &hers_id).await;
    assert!(now.iter().all(|t| t["status"] == "checked_in"), "{now:?}");
    // The same scan through the API is ALREADY USED too: one check-in for both.
    app.post("/api/v1/checkins", Some(&admin), json!({"code": a1}))
        .await
        .assert_problem(409, "already_checked_in");

    // The last scans, newest first, each saying its outcome in words.
    let page = door.get(&path).await;
    let recent = &page.text[page.text.find("id=\"recent-list\"").expect("list")..];
    let words: Vec<&str> = ["Admitted", "Refused", "Already used", "Admitted"]
        .into_iter()
        .collect();
    let mut at = 0;
    for word in words {
        let found = recent[at..]
            .find(word)
            .unwrap_or_else(|| panic!("{word} after {at}"));
        at += found + word.len();
    }
    assert_eq!(recent.matches("<li class=\"recent-").count(), 7);
    assert_eq!(present(&page.text), "2 / 2");

    // Another steward's scans are theirs: neither listed nor shown by id.
    let other = Console::signed_in(&app, "kim", "staff").await;
    let page = other.get(posted.location()).await;
    page.assert_html(200);
    assert!(page.text.contains("data-outcome=\"ready\""));
    assert!(page.text.contains("id=\"recent-empty\""));
}

#[tokio::test]
async fn bad_input_at_the_door_scans_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 5).await;
    let mut door = Console::signed_in(&app, "sam", "staff").await;
    let path = format!("/admin/door/{event}");
    let csrf = door.get(&path).await.csrf().expect("csrf");

    let long = "x".repeat(5000);
    for code in ["", "   ", long.as_str()] {
        let page = door
            .post_form(&path, &[("csrf", &csrf), ("code", code)])
            .await;
        page.assert_html(422);
        assert!(page.text.contains("NOT SCANNED"), "{}", page.text);
        assert!(page.text.contains("Nothing was scanned"));
        input_ready(&page.text);
        let answer = door
            .post_form_json(&path, &[("csrf", &csrf), ("code", code)])
            .await;
        assert_eq!(answer.status.as_u16(), 422);
        assert!(
            answer.json()["result_html"]
                .as_str()
                .expect("html")
                .contains("Nothing was scanned")
        );
    }
    // A form with no code field at all.
    let page = door.post_form(&path, &[("csrf", &csrf)]).await;
    page.assert_html(422);
    // Nothing was logged.
    let page = door.get(&path).await;
    assert!(page.text.contains("id=\"recent-empty\""), "{}", page.text);
    // Without the token, or from another site: refused, as HTML, for the script too.
    let page = door.post_form_json(&path, &[("code", "x")]).await;
    page.assert_html(403);
    assert_eq!(page.error_code().as_deref(), Some("csrf_failed"));
    let page = door
        .post_form_from(
            &path,
            &[("csrf", &csrf), ("code", "x")],
            Some("https://evil.example"),
        )
        .await;
    page.assert_html(403);
    // Unknown or malformed events, and a junk scan id.
    for bad in ["evt_00000000000000000000000000000000", "junk"] {
        let page = door.get(&format!("/admin/door/{bad}")).await;
        page.assert_html(404);
        let page = door
            .post_form(
                &format!("/admin/door/{bad}"),
                &[("csrf", &csrf), ("code", "x")],
            )
            .await;
        page.assert_html(404);
    }
    let page = door.get(&format!("{path}?scan=nonsense")).await;
    page.assert_html(200);
    assert!(page.text.contains("data-outcome=\"ready\""));
    // A bearer token is no key to the console's door.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}{path}", app.base_url))
        .bearer_auth(&admin)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("code=x")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 303);
    let page = door.get(&path).await;
    assert!(page.text.contains("id=\"recent-empty\""));
}
