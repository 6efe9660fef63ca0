//! The embedded stylesheet: a content-hashed name, an ETag, a year's caching, 304s.

use super::Console;
use crate::helpers::TestApp;

#[tokio::test]
async fn the_stylesheet_is_cache_busted_and_revalidates() {
    let app = TestApp::spawn().await;
    let login = Console::anonymous(&app).get("/admin/login").await;
    let start = login.text.find("/admin/assets/admin-").expect("css link");
    let end = start + login.text[start..].find('"').expect("end");
    let href = &login.text[start..end];
    assert!(href.ends_with(".css"), "{href}");

    let http = reqwest::Client::new();
    let css = http
        .get(format!("{}{href}", app.base_url))
        .send()
        .await
        .expect("sent");
    assert_eq!(css.status().as_u16(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .expect("cc")
            .contains("immutable")
    );
    let etag = css.headers()["etag"].to_str().expect("etag").to_string();
    assert!(css.text().await.expect("body").contains(".bar"));

    let again = http
        .get(format!("{}{href}", app.base_url))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status().as_u16(), 304);

    let stale = http
        .get(format!(
            "{}/admin/assets/admin-0000000000000000.css",
            app.base_url
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(stale.status().as_u16(), 404);
}

#[tokio::test]
async fn the_door_script_is_served_like_the_stylesheet_and_the_csp_allows_only_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 5).await;
    let console = Console::signed_in(&app, "sam", "staff").await;
    let page = console.get(&format!("/admin/door/{event}")).await;
    page.assert_html(200);
    let csp = page.headers["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let start = page.text.find("<script src=\"").expect("a script") + 13;
    let href = &page.text[start..start + page.text[start..].find('"').expect("end")];
    assert!(
        href.starts_with("/admin/assets/door-") && href.ends_with(".js"),
        "{href}"
    );
    assert!(!page.text.contains("<script>"), "no inline script");
    // Other pages load no script.
    assert!(!console.get("/admin/").await.text.contains("<script"));

    let http = reqwest::Client::new();
    let js = http
        .get(format!("{}{href}", app.base_url))
        .send()
        .await
        .expect("sent");
    assert_eq!(js.status().as_u16(), 200);
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let etag = js.headers()["etag"].to_str().expect("etag").to_string();
    let css_etag = {
        let login = Console::anonymous(&app).get("/admin/login").await;
        let start = login.text.find("/admin/assets/admin-").expect("css");
        let href = &login.text[start..start + login.text[start..].find('"').expect("end")];
        http.get(format!("{}{href}", app.base_url))
            .send()
            .await
            .expect("sent")
            .headers()["etag"]
            .to_str()
            .expect("etag")
            .to_string()
    };
    assert_ne!(etag, css_etag, "each asset has its own ETag");
    assert!(js.text().await.expect("body").contains("BarcodeDetector"));
    let again = http
        .get(format!("{}{href}", app.base_url))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status().as_u16(), 304);
    let stale = http
        .get(format!(
            "{}/admin/assets/door-0000000000000000.js",
            app.base_url
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(stale.status().as_u16(), 404);
}
