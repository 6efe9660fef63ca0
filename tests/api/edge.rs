//! The HTTP edge: operational endpoints, the OpenAPI document and its offline viewer, the
//! problem+json answers to bad requests, request ids, body limits, and a clean stop and restart.

use crate::helpers::{Reply, TestApp, concert_body};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const PASSWORD: &str = "correct horse battery";

/// Sends `body` as raw bytes with an optional content type.
async fn raw_post(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Reply {
    let mut request = app.http.post(format!("{}{path}", app.base_url)).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    TestApp::reply(request.send().await.expect("request sent")).await
}

fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Whether `login` with the test password succeeds.
async fn can_log_in(app: &TestApp, email: &str) -> bool {
    let reply = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    reply.status.as_u16() == 200
}

// ---- operations ----

#[tokio::test]
async fn health_and_readiness_answer_200() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz", None).await;
    health.assert_status(200);
    assert_eq!(health.text, "ok");
    let ready = app.get("/readyz", None).await;
    ready.assert_status(200);
    assert_eq!(ready.text, "ready");
}

/// The lines of the Prometheus text for `metric`.
fn metric_lines<'a>(text: &'a str, metric: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")) || l.starts_with(&format!("{metric} ")))
        .collect()
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 2).await;
    app.get("/api/v1/events", None).await.assert_status(200);
    app.get(&format!("/api/v1/events/{event}"), None)
        .await
        .assert_status(200);
    let stray = format!("/no/such/path/{}", event.replace("evt_", "x"));
    app.get(&stray, None).await.assert_status(404);

    let metrics = app.scrape().await;
    metrics.assert_status(200);
    assert!(
        header(&metrics, "content-type").starts_with("text/plain"),
        "{:?}",
        metrics.headers
    );
    let text = &metrics.text;
    assert!(
        text.contains("# TYPE rezerve_http_requests_total counter"),
        "{text}"
    );
    let requests = metric_lines(text, "rezerve_http_requests_total");
    let has = |route: &str, status: &str| {
        requests.iter().any(|l| {
            l.contains(&format!("route=\"{route}\""))
                && l.contains(&format!("status=\"{status}\""))
                && l.contains("method=\"GET\"")
        })
    };
    assert!(has("/api/v1/events", "200"), "{requests:#?}");
    assert!(has("/api/v1/events/{id}", "200"), "{requests:#?}");
    assert!(has("unmatched", "404"), "{requests:#?}");
    // Raw ids and paths never become label values.
    assert!(
        !text.contains(&event),
        "an event id leaked into the metrics"
    );
    assert!(!text.contains(&stray), "a raw path leaked into the metrics");
    // Every sample parses as `name{labels} value`.
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let value = line.rsplit(' ').next().expect("a value");
        assert!(value.parse::<f64>().is_ok(), "not a sample: {line}");
    }
    assert!(
        !metric_lines(text, "rezerve_http_request_duration_seconds_bucket").is_empty(),
        "{text}"
    );
}

#[tokio::test]
async fn clients_cannot_mint_metric_labels_with_made_up_methods() {
    let app = TestApp::spawn().await;
    let invented = format!("PROBE{}", app.base_url.rsplit(':').next().expect("port"));
    let method = Method::from_bytes(invented.as_bytes()).expect("a valid extension method");
    app.request(method, "/healthz", None, None)
        .await
        .assert_problem(405, "method_not_allowed");
    let metrics = app.scrape().await;
    assert!(
        !metrics.text.contains(&invented),
        "{invented} became a label value"
    );
    let requests = metric_lines(&metrics.text, "rezerve_http_requests_total");
    assert!(
        requests
            .iter()
            .any(|l| l.contains("method=\"other\"") && l.contains("route=\"/healthz\"")),
        "{requests:#?}"
    );
}

// ---- the OpenAPI document and its viewer ----

/// Every operation the router in `src/http/mod.rs` (`api_routes`) serves.
const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("get", "/api/v1/auth/me"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/{id}"),
    ("patch", "/api/v1/users/{id}"),
    ("get", "/api/v1/events"),
    ("post", "/api/v1/events"),
    ("get", "/api/v1/events/{id}"),
    ("patch", "/api/v1/events/{id}"),
    ("delete", "/api/v1/events/{id}"),
    ("get", "/api/v1/events/{id}/seats"),
    ("get", "/api/v1/events/{id}/seats/{label}/history"),
    ("post", "/api/v1/events/{id}/holds"),
    ("get", "/api/v1/holds/{id}"),
    ("delete", "/api/v1/holds/{id}"),
    ("post", "/api/v1/holds/{id}/extend"),
    ("get", "/api/v1/jobs"),
    ("get", "/api/v1/jobs/{id}"),
    ("post", "/api/v1/jobs/{id}/retry"),
    ("post", "/api/v1/events/{id}/seats/block"),
    ("post", "/api/v1/events/{id}/seats/unblock"),
    ("get", "/api/v1/venues"),
    ("post", "/api/v1/venues"),
    ("get", "/api/v1/venues/{id}"),
    ("get", "/healthz"),
    ("get", "/readyz"),
];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every `(method, path)` the document describes.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect()
}

/// The path with each `{name}` replaced by a well-formed id nothing has.
fn fill_placeholders(path: &str) -> String {
    path.split('/')
        .map(
            |segment| match segment.starts_with('{') && segment.ends_with('}') {
                true => "evt_0193b7c4e1d27c3a9f1e2d3c4b5a6978",
                false => segment,
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// Every `$ref` in the document.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_served() {
    let app = TestApp::spawn().await;
    let reply = app.get("/api/openapi.json", None).await;
    reply.assert_status(200);
    assert!(
        reply.content_type.starts_with("application/json"),
        "{}",
        reply.content_type
    );
    let doc = &reply.body;
    assert!(
        doc["openapi"]
            .as_str()
            .expect("openapi version")
            .starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string());

    let operations = documented(doc);
    for (method, path) in ROUTES {
        assert!(
            operations.contains(&(method.to_string(), path.to_string())),
            "{} {path} is served but not documented; documented: {operations:#?}",
            method.to_uppercase()
        );
        let operation = &doc["paths"][path][method];
        assert!(
            operation["responses"]
                .as_object()
                .is_some_and(|r| !r.is_empty()),
            "{method} {path} has no responses"
        );
    }

    // Everything documented is served: no 405, no 404 from the fallback.
    for (method, path) in &operations {
        let concrete = fill_placeholders(path);
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let body = matches!(method, Method::POST | Method::PATCH | Method::PUT).then(|| json!({}));
        let served = app.request(method.clone(), &concrete, None, body).await;
        assert_ne!(
            served.status.as_u16(),
            405,
            "{method} {path} is documented but not routed"
        );
        assert!(
            !(served.status.as_u16() == 404 && served.body["detail"] == "no such path"),
            "{method} {path} is documented but not routed"
        );
    }

    // Every schema the document refers to is defined in it.
    let mut found = Vec::new();
    refs(doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "$ref {r} points nowhere"
        );
    }
    // Protected routes say how to authenticate.
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["paths"]["/api/v1/users"]["get"]["security"].is_array());
}

/// The `src`/`href` values of `<script>` and `<link>` tags in `html`.
fn asset_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for tag in html.split('<').skip(1) {
        let lower = tag.to_ascii_lowercase();
        if !(lower.starts_with("script") || lower.starts_with("link")) {
            continue;
        }
        let tag = tag.split('>').next().unwrap_or_default();
        for attribute in ["src=", "href="] {
            if let Some(rest) = tag.split(attribute).nth(1) {
                let quote = rest.chars().next().unwrap_or('"');
                let value = rest
                    .trim_start_matches(quote)
                    .split(quote)
                    .next()
                    .unwrap_or_default();
                urls.push(value.to_string());
            }
        }
    }
    urls
}

fn is_external(url: &str) -> bool {
    let url = url.trim().to_ascii_lowercase();
    url.starts_with("http://") || url.starts_with("https://") || url.starts_with("//")
}

#[tokio::test]
async fn the_docs_viewer_works_without_internet() {
    let app = TestApp::spawn().await;
    // Without the slash the viewer is one redirect away.
    let bare = app.get("/api/docs", None).await;
    bare.assert_status(200);
    let page = app.get("/api/docs/", None).await;
    page.assert_status(200);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    assert_eq!(bare.text, page.text);

    let urls = asset_urls(&page.text);
    assert!(
        urls.iter().any(|u| u.ends_with(".js")),
        "no scripts in {}",
        page.text
    );
    assert!(
        urls.iter().any(|u| u.ends_with(".css")),
        "no styles in {}",
        page.text
    );
    let external: Vec<&String> = urls.iter().filter(|u| is_external(u)).collect();
    assert!(
        external.is_empty(),
        "the viewer loads {external:?} from the internet"
    );

    // Each asset is served by us, and the initializer points at our own document.
    let mut initializer = String::new();
    for url in &urls {
        let path = match url.strip_prefix("./") {
            Some(relative) => format!("/api/docs/{relative}"),
            None if url.starts_with('/') => url.clone(),
            None => format!("/api/docs/{url}"),
        };
        let asset = app.get(&path, None).await;
        assert_eq!(asset.status.as_u16(), 200, "{path} not served");
        assert!(!asset.text.is_empty(), "{path} is empty");
        if path.ends_with("swagger-initializer.js") {
            initializer = asset.text.clone();
        }
    }
    assert!(
        initializer.contains("/api/openapi.json"),
        "initializer: {initializer}"
    );
    // Swagger UI otherwise sends the document's URL to validator.swagger.io for a badge.
    let compact: String = initializer.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        compact.contains(r#""validatorUrl":"none""#),
        "initializer: {initializer}"
    );
    assert!(
        !initializer.contains("http://") && !initializer.contains("https://"),
        "the initializer reaches out: {initializer}"
    );
}

// ---- bad requests get problem+json ----

#[tokio::test]
async fn unknown_paths_are_404_problems() {
    let app = TestApp::spawn().await;
    for path in [
        "/nope",
        "/api/v1/nope",
        "/api/v2/events",
        "/api/v1/events/evt_x/nothing/here",
    ] {
        let reply = app.get(path, None).await;
        reply.assert_problem(404, "not_found");
        assert_eq!(reply.body["type"], "urn:rezerve:problem:not_found");
        assert!(reply.body["title"].is_string() && reply.body["detail"].is_string());
    }
    app.get("/api/v1/events/evt_0193b7c4e1d27c3a9f1e2d3c4b5a6978", None)
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/events/..%2F..%2Fetc%2Fpasswd", None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn errors_outside_the_json_api_are_problems_too() {
    let app = TestApp::spawn().await;
    app.get("/assets/style.css", None).await.assert_status(200);
    for path in [
        "/assets/nope.css",
        "/api/docs/nope.js",
        "/api/docs/../../etc/passwd",
    ] {
        app.get(path, None).await.assert_problem(404, "not_found");
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let app = TestApp::spawn().await;
    for (method, path, allowed) in [
        (Method::POST, "/healthz", "GET"),
        (Method::DELETE, "/api/v1/users", "POST"),
        (Method::PUT, "/api/v1/events", "GET"),
        (Method::GET, "/api/v1/auth/login", "POST"),
        (
            Method::POST,
            "/api/v1/events/evt_0193b7c4e1d27c3a9f1e2d3c4b5a6978/seats",
            "GET",
        ),
    ] {
        let reply = app.request(method.clone(), path, None, None).await;
        reply.assert_problem(405, "method_not_allowed");
        let allow = header(&reply, "allow");
        assert!(allow.contains(allowed), "{method} {path}: Allow {allow:?}");
    }
}

#[tokio::test]
async fn malformed_json_is_a_400_problem_and_writes_nothing() {
    let app = TestApp::spawn().await;
    for body in [
        r#"{"email": "ada@example.test", "password": "correct horse battery", "name": "Ada""#,
        r#"{"email": "ada@example.test", "password": "correct horse battery", "name": "Ada"} trailing"#,
        "",
        "\u{0}\u{1}",
        r#"{'email': 'ada@example.test'}"#,
    ] {
        let reply = raw_post(
            &app,
            "/api/v1/auth/register",
            Some("application/json"),
            body.to_string(),
        )
        .await;
        reply.assert_problem(400, "malformed_request");
    }
    assert!(!can_log_in(&app, "ada@example.test").await);
    // The same body, well-formed, is accepted: the 400s were about the syntax.
    let ok = r#"{"email": "ada@example.test", "password": "correct horse battery", "name": "Ada"}"#;
    raw_post(
        &app,
        "/api/v1/auth/register",
        Some("application/json; charset=utf-8"),
        ok,
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn a_body_without_a_json_content_type_is_415() {
    let app = TestApp::spawn().await;
    let body =
        r#"{"email": "ada@example.test", "password": "correct horse battery", "name": "Ada"}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonp"),
    ] {
        let reply = raw_post(&app, "/api/v1/auth/register", content_type, body).await;
        reply.assert_problem(415, "unsupported_media_type");
    }
    assert!(!can_log_in(&app, "ada@example.test").await);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_writes_nothing() {
    let app = TestApp::spawn_with(|c| c.server.max_body_bytes = 2048).await;
    let admin = app.admin().await;

    let padded = |len: usize| {
        let head =
            r#"{"email": "ada@example.test", "password": "correct horse battery", "name": "Ada""#;
        format!("{head}{}}}", " ".repeat(len - head.len() - 1))
    };
    let reply = raw_post(
        &app,
        "/api/v1/auth/register",
        Some("application/json"),
        padded(8 * 1024),
    )
    .await;
    reply.assert_problem(413, "payload_too_large");
    assert!(!header(&reply, "x-request-id").is_empty());
    assert!(!can_log_in(&app, "ada@example.test").await);

    let mut event =
        concert_body(json!({"sections": [{"name": "S", "rows": [{"row": "A", "seats": 2}]}]}));
    event["description"] = json!("x".repeat(4000));
    app.post("/api/v1/events", Some(&admin), event)
        .await
        .assert_problem(413, "payload_too_large");
    let events = app.get("/api/v1/events", None).await;
    assert_eq!(
        events.body["items"].as_array().expect("items").len(),
        0,
        "{}",
        events.text
    );

    // Just under the limit is fine: the limit is the configured one.
    let body = padded(2040);
    assert!(body.len() <= 2048);
    raw_post(
        &app,
        "/api/v1/auth/register",
        Some("application/json"),
        body,
    )
    .await
    .assert_status(201);
    assert!(can_log_in(&app, "ada@example.test").await);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let body =
        r#"{"email": "ada@example.test", "password": "correct horse battery", "name": "Ada"}"#;
    let replies = [
        app.get("/healthz", None).await,
        app.get("/readyz", None).await,
        app.get("/api/openapi.json", None).await,
        app.get("/api/docs/", None).await,
        app.get("/", None).await,
        app.get("/api/v1/events", None).await,
        app.get("/api/v1/auth/me", None).await,
        app.get("/api/v1/nope", None).await,
        app.request(Method::DELETE, "/healthz", None, None).await,
        raw_post(&app, "/api/v1/auth/register", None, body).await,
        raw_post(&app, "/api/v1/auth/register", Some("application/json"), "{").await,
        app.post("/api/v1/auth/register", None, json!({"email": "x"}))
            .await,
        app.post(
            "/api/v1/auth/register",
            None,
            json!({"email": "ada@example.test", "password": PASSWORD, "name": "Ada"}),
        )
        .await,
    ];
    let mut ids = BTreeSet::new();
    for reply in &replies {
        let id = header(reply, "x-request-id");
        assert!(
            !id.is_empty(),
            "no x-request-id on {} {}",
            reply.status,
            reply.text
        );
        ids.insert(id.to_string());
        assert_eq!(header(reply, "x-content-type-options"), "nosniff");
    }
    assert_eq!(ids.len(), replies.len(), "request ids repeat: {ids:?}");

    // A caller's own id is kept, so logs on both sides line up.
    let response = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .header("x-request-id", "kiosk-7-000123")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["x-request-id"], "kiosk-7-000123");
}

// ---- stopping and starting again ----

#[tokio::test]
async fn the_app_stops_cleanly_and_lets_go_of_its_port() {
    let app = TestApp::spawn().await;
    app.get("/healthz", None).await.assert_status(200);
    let base_url = app.base_url.clone();
    let dir = app.stop().await;
    let after = reqwest::Client::new()
        .get(format!("{base_url}/healthz"))
        .send()
        .await;
    assert!(after.is_err(), "still answering after stop: {after:?}");
    // The data dir's lock is released: the same dir can be opened again at once.
    let again = TestApp::spawn_in(dir).await;
    again.get("/readyz", None).await.assert_status(200);
    again.stop().await;
}

#[tokio::test]
async fn data_survives_a_restart_on_the_same_dir() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ada = app.customer("ada").await;
    let event = app.create_concert(&admin, 2, 3).await;
    app.post(
        &format!("/api/v1/events/{event}/seats/block"),
        Some(&admin),
        json!({"seats": ["B-3"], "reason": "broken"}),
    )
    .await
    .assert_status(200);
    let before = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    before.assert_status(200);
    let dir = app.stop().await;

    let app = TestApp::spawn_in(dir).await;
    // Tokens outlive the restart: the signing key is kept in the data dir.
    let me = app.get("/api/v1/auth/me", Some(&ada)).await;
    me.assert_status(200);
    assert_eq!(me.body["email"], "ada@example.test");
    app.get("/api/v1/users", Some(&admin))
        .await
        .assert_status(200);
    assert!(can_log_in(&app, "ada@example.test").await);

    let after = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    after.assert_status(200);
    assert_eq!(after.body, before.body);
    let blocked = after.body["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .find(|s| s["label"] == "B-3")
        .expect("B-3");
    assert_eq!(blocked["status"], "blocked");
    let listed = app.get("/api/v1/events", None).await;
    assert_eq!(listed.body["items"][0]["id"], event.as_str());
    // The restarted app still writes.
    app.customer("bob").await;
    app.stop().await;
}
