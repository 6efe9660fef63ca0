//! `/metrics` is not public (issue 14, item 4): the API's listener answers 404 for it, and
//! the scrape is served on a listener of its own (`server.metrics_listen`, loopback by
//! default) that serves nothing else.

use crate::cli::Workdir;
use crate::helpers::TestApp;
use reqwest::Method;

#[tokio::test]
async fn the_api_listener_does_not_serve_metrics_and_the_metrics_listener_nothing_else() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_concert(&admin, 1, 2).await;

    // Anonymous, and even as an admin, the API's listener has no /metrics.
    for token in [None, Some(admin.as_str())] {
        let reply = app.get("/metrics", token).await;
        reply.assert_problem(404, "not_found");
        assert!(!reply.text.contains("rezerve_"), "{}", reply.text);
    }
    let doc = app.get("/api/openapi.json", None).await;
    doc.assert_status(200);
    assert!(
        doc.body["paths"].get("/metrics").is_none(),
        "the API document still lists /metrics"
    );

    // The metrics listener has the figures...
    let scrape = app.scrape().await;
    scrape.assert_status(200);
    assert!(
        scrape.text.contains("rezerve_auth_logins_total"),
        "{}",
        scrape.text
    );
    // ...and nothing of the API.
    let metrics_base = app
        .metrics_url
        .strip_suffix("/metrics")
        .expect("a /metrics URL")
        .to_string();
    assert_ne!(metrics_base, app.base_url);
    let elsewhere = TestApp::reply(
        app.http
            .get(format!("{metrics_base}/api/v1/events"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    elsewhere.assert_problem(404, "not_found");
    let posted = TestApp::reply(
        app.http
            .request(Method::POST, &app.metrics_url)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    posted.assert_problem(405, "method_not_allowed");
}

#[tokio::test]
async fn the_binary_announces_its_metrics_address_and_keeps_metrics_off_the_api() {
    let work = Workdir::new();
    let server = work.cmd(&["serve"]).serve().await;
    assert!(
        server.metrics_url.starts_with("http://127.0.0.1:")
            && server.metrics_url.ends_with("/metrics"),
        "{:?}",
        server.startup_output
    );
    server
        .get("/metrics", None)
        .await
        .assert_problem(404, "not_found");
    let scrape = server
        .http
        .get(&server.metrics_url)
        .send()
        .await
        .expect("scraped");
    assert_eq!(scrape.status(), 200);
    let text = scrape.text().await.expect("body");
    assert!(text.contains("rezerve_store_writable"), "{text}");
}

#[test]
fn a_taken_metrics_address_stops_serve_naming_the_key() {
    let work = Workdir::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    work.cmd(&["serve"])
        .env("REZERVE_SERVER__LISTEN", "127.0.0.1:0")
        .env("REZERVE_SERVER__METRICS_LISTEN", &addr)
        .run()
        .assert_failure()
        .assert_stderr("server.metrics_listen");
}
