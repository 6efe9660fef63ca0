//! Every console page × anonymous / customer / staff / admin. A page added to the console
//! adds its row to `PAGES`: who may see it, and the text that proves it rendered. A path
//! may name `{id}` (a concert nothing is sold for), `{event}` (another, with a paid
//! booking) and `{booking}` (that booking).

use super::{Console, PASSWORD};
use crate::helpers::TestApp;

/// Who may see a page.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Least {
    Staff,
    Admin,
}

/// (path, least role, text the page shows); `{id}` is an event the test creates.
const PAGES: &[(&str, Least, &str)] = &[
    ("/admin/", Least::Staff, "<h1>Dashboard</h1>"),
    ("/admin/events", Least::Staff, "<h1>Events</h1>"),
    ("/admin/events/new", Least::Admin, "<h1>New event</h1>"),
    (
        "/admin/events/new?kind=travel",
        Least::Admin,
        "id=\"route\"",
    ),
    (
        "/admin/events/new?kind=ga",
        Least::Admin,
        "Places and prices",
    ),
    ("/admin/events/{id}", Least::Staff, "id=\"event-name\""),
    (
        "/admin/events/{id}/edit",
        Least::Admin,
        "<h1>Edit event</h1>",
    ),
    (
        "/admin/events/{id}/cancel",
        Least::Admin,
        "id=\"consequences\"",
    ),
    (
        "/admin/events/{id}/delete",
        Least::Admin,
        "id=\"confirm-delete\"",
    ),
    ("/admin/bookings", Least::Staff, "<h1>Bookings</h1>"),
    (
        "/admin/bookings/{booking}",
        Least::Staff,
        "<h2 id=\"tickets-h\">",
    ),
    (
        "/admin/bookings/{booking}/cancel",
        Least::Staff,
        "<h1>Cancel booking",
    ),
    ("/admin/door", Least::Staff, "<h1>Door check-in</h1>"),
    ("/admin/door/{event}", Least::Staff, "id=\"scan-form\""),
    ("/admin/pricing", Least::Admin, "<h1>Pricing rules</h1>"),
    (
        "/admin/events/{id}/prices",
        Least::Admin,
        "<h1>Prices: Evening Raga</h1>",
    ),
    ("/admin/jobs", Least::Admin, "<h1>Jobs</h1>"),
    // The customer's sign-up made job 1, their welcome email.
    (
        "/admin/jobs/1",
        Least::Admin,
        "<h1>Job 1: user-created</h1>",
    ),
    ("/admin/emails", Least::Admin, "<h1>Emails</h1>"),
    ("/admin/users", Least::Admin, "<h1>Users</h1>"),
    ("/admin/users/new", Least::Admin, "<h1>Create a user</h1>"),
    ("/admin/system", Least::Admin, "<h1>System</h1>"),
    ("/admin/system/check", Least::Admin, "id=\"check-summary\""),
];

#[tokio::test]
async fn every_page_for_every_role() {
    let app = TestApp::spawn().await;
    let anonymous = Console::anonymous(&app);
    // A customer has no console session: the sign-in refuses them, and their API token is
    // no key to the console either.
    let customer_token = app.customer("cara").await;
    let mut customer = Console::anonymous(&app);
    customer
        .sign_in("cara@example.test", PASSWORD)
        .await
        .assert_html(401);
    let staff = Console::signed_in(&app, "sam", "staff").await;
    let admin = Console::signed_in(&app, "ada", "admin").await;
    let admin_token = app.login("ada@example.test", PASSWORD).await;
    let event = app.create_concert(&admin_token, 2, 5).await;
    // `{id}` stays unsold (it may be deleted); `{event}` has a paid booking.
    let sold = app.create_concert(&admin_token, 1, 5).await;
    let booking = crate::bookings::bought(&app, &customer_token, &sold, &["A-1"]).await;
    let booking = booking["id"].as_str().expect("booking id").to_string();

    for (path, least, marker) in PAGES {
        let path = &path
            .replace("{id}", &event)
            .replace("{event}", &sold)
            .replace("{booking}", &booking);
        for who in [&anonymous, &customer] {
            let page = who.get(path).await;
            page.assert_redirect_to_login();
            assert!(!page.text.contains(marker));
        }
        let bearer = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
            .get(format!("{}{path}", app.base_url))
            .bearer_auth(&customer_token)
            .send()
            .await
            .expect("sent");
        assert_eq!(bearer.status().as_u16(), 303, "{path}: never a JSON 401");

        let page = staff.get(path).await;
        if *least <= Least::Staff {
            page.assert_html(200);
            assert!(page.text.contains(marker), "{path} for staff");
        } else {
            page.assert_html(403);
            assert_eq!(page.error_code().as_deref(), Some("forbidden"));
            assert!(!page.text.contains(marker));
        }
        let page = admin.get(path).await;
        page.assert_html(200);
        assert!(page.text.contains(marker), "{path} for admin");
        // Pages are never cached and never framed.
        assert_eq!(page.headers["cache-control"], "no-store");
        assert_eq!(page.headers["x-frame-options"], "DENY");
        // A stricter policy makes browsers without Sec-Fetch-Site send `Origin: null` on our
        // own forms, which the CSRF check refuses.
        assert_eq!(page.headers["referrer-policy"], "same-origin");
        assert!(
            page.headers["content-security-policy"]
                .to_str()
                .expect("csp")
                .contains("frame-ancestors 'none'")
        );
    }
}

#[tokio::test]
async fn the_sign_in_page_is_open_to_everyone() {
    let app = TestApp::spawn().await;
    let page = Console::anonymous(&app).get("/admin/login").await;
    page.assert_html(200);
    for label in ["<label for=\"email\">", "<label for=\"password\">"] {
        assert!(page.text.contains(label), "{label}");
    }
    assert_eq!(
        Console::anonymous(&app).get("/admin").await.location(),
        "/admin/"
    );
}

#[tokio::test]
async fn unknown_pages_and_wrong_methods_are_html_pages_with_codes() {
    let app = TestApp::spawn().await;
    let staff = Console::signed_in(&app, "sam", "staff").await;
    let page = staff.get("/admin/no-such-page").await;
    page.assert_html(404);
    assert_eq!(page.error_code().as_deref(), Some("not_found"));
    let response = reqwest::Client::new()
        .put(format!("{}/admin/login", app.base_url))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 405);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/html")
    );
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("method_not_allowed")
    );
    // The API keeps answering in JSON.
    app.get("/api/v1/nothing-here", None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn the_navigation_shows_each_role_its_pages() {
    let app = TestApp::spawn().await;
    let staff = Console::signed_in(&app, "sam", "staff").await;
    let page = staff.get("/admin/").await;
    assert!(
        page.text.contains("aria-current=\"page\">Dashboard"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Sign out"));
    assert!(page.text.contains("<span class=\"role\">staff</span>"));
}

#[tokio::test]
async fn the_operations_pages_are_in_the_navigation_of_admins_only() {
    let app = TestApp::spawn().await;
    let staff = Console::signed_in(&app, "sam", "staff").await;
    let admin = Console::signed_in(&app, "ada", "admin").await;
    let links = [
        "/admin/jobs\"",
        "/admin/emails\"",
        "/admin/users\"",
        "/admin/system\"",
    ];
    let staff_page = staff.get("/admin/").await;
    for link in links {
        assert!(!staff_page.text.contains(link), "{link} shown to staff");
    }
    let admin_page = admin.get("/admin/users").await;
    let at: Vec<usize> = links
        .iter()
        .map(|link| {
            admin_page
                .text
                .find(&format!("href=\"{link}"))
                .unwrap_or_else(|| panic!("{link} not in the admin's navigation"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "in nav order: {at:?}");
    assert!(
        admin_page
            .text
            .contains("href=\"/admin/users\" aria-current=\"page\">Users")
    );
}
