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
