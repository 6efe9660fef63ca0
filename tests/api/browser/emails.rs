//! Every email kind as a phone shows it: `rezerve mail preview` writes each kind's HTML (sample
//! data as long as real data: a full booking id, a long name), and a 360 px wide mobile
//! viewport must show it without scrolling sideways, so no word of it is cut off.

use super::Browser;
use crate::helpers::TestApp;
use rezerve::notify::email::EmailKind;
use serde_json::json;
use std::process::Command;

#[tokio::test]
async fn every_email_fits_a_360_px_phone() {
    let app = TestApp::spawn().await;
    let browser = Browser::start(&app).await;
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 360, "height": 800, "deviceScaleFactor": 1, "mobile": true}),
        )
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    for kind in EmailKind::ALL.map(EmailKind::as_str) {
        let file = dir.path().join(format!("{kind}.html"));
        let out = Command::new(env!("CARGO_BIN_EXE_rezerve"))
            .args(["mail", "preview", kind, "--out"])
            .arg(&file)
            .current_dir(dir.path())
            .env_remove("REZERVE_MAIL__TRANSPORT")
            .output()
            .expect("rezerve runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        browser.goto(&format!("file://{}", file.display())).await;
        let width = browser
            .execute("return document.documentElement.scrollWidth;", json!([]))
            .await;
        assert!(
            width.as_u64().is_some_and(|w| w <= 360),
            "{kind} is {width} px wide on a 360 px phone"
        );
    }
}
