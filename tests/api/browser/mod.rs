//! The console in a real browser: headless Chromium driven through chromedriver (WebDriver,
//! with `fantoccini`). One chromedriver per test process, started on first use on a free
//! loopback port and killed with everything it started when this process ends; at most
//! [`MAX_SESSIONS`] browsers at a time (the machine has two cores).
//!
//! The Debian packages `chromium` and `chromium-driver` must be installed (`.ci/run` installs
//! them). Without them every browser test FAILS saying so: a browser test that cannot run
//! must never pass.
//!
//! Tests use [`Browser`]: [`Browser::start`], [`Browser::sign_in`] through the real form,
//! [`Browser::goto`], [`Browser::fill`] a field by its label, id or name,
//! [`Browser::click_button`] by its text (and wait for the page it leads to),
//! [`Browser::text`] by CSS selector, [`Browser::current_path`], and [`Browser::screenshot`]
//! for people to look at (desktop 1280 px and phone 360 px wide, full page, under
//! `target/screenshots/`).

mod bookings;
mod box_office;
mod docs;
mod door;
mod emails;
mod events;
mod forms;
mod ops;
mod pricing;
mod seat_map;
mod sessions;

use crate::helpers::TestApp;
use fantoccini::elements::{Element, ElementRef};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

/// The browser the tests drive (Debian's `chromium`).
const CHROMIUM: &str = "/usr/bin/chromium";
/// Browsers open at once: each takes a core while it renders.
const MAX_SESSIONS: usize = 2;
/// How long a page, a script or a navigation may take on a loaded machine.
const PAGE_LIMIT: Duration = Duration::from_secs(60);
/// The window a session starts with (screenshots set their own width).
const WINDOW: (u32, u32) = (1280, 900);

static SESSIONS: Semaphore = Semaphore::const_new(MAX_SESSIONS);
static DRIVER: OnceLock<Result<Driver, String>> = OnceLock::new();

/// The chromedriver of this test process.
struct Driver {
    addr: SocketAddr,
}

impl Driver {
    /// The running driver, started on first use; a clear failure when it cannot run.
    fn get() -> &'static Driver {
        match DRIVER.get_or_init(Driver::start) {
            Ok(driver) => driver,
            Err(why) => panic!("browser tests cannot run: {why}"),
        }
    }

    fn start() -> Result<Driver, String> {
        const INSTALL: &str = "install the Debian packages `chromium` and `chromium-driver` \
             (apt-get install chromium chromium-driver; .ci/run does this)";
        if !Path::new(CHROMIUM).exists() {
            return Err(format!("{CHROMIUM} is missing: {INSTALL}"));
        }
        let driver = which("chromedriver")
            .ok_or_else(|| format!("chromedriver is not on the PATH: {INSTALL}"))?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        // A watchdog shell owns a new process group with chromedriver and every browser it
        // starts; when this test process is gone, the shell kills the whole group. (Statics
        // are never dropped, so nothing in this process could do it at exit.)
        let watchdog = r#"parent=$1; shift; "$@" & child=$!
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
kill -TERM -$$"#;
        Command::new("sh")
            .args(["-c", watchdog, "rezerve-chromedriver"])
            .arg(std::process::id().to_string())
            .arg(&driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", driver.display()))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if status_ready(addr) {
                return Ok(Driver { addr });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "{} did not answer on {addr} within 30 s",
            driver.display()
        ))
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

use std::os::unix::process::CommandExt as _;

/// `name` on the PATH (or in /usr/bin, where Debian puts it).
pub(crate) fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// One plain HTTP/1.1 request to chromedriver without an async runtime (for `Drop` and
/// start-up); the response body. (chromedriver keeps connections open, so the body is read
/// by its length, not to the end of the stream.)
fn driver_request(addr: SocketAddr, method: &str, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )?;
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

fn status_ready(addr: SocketAddr) -> bool {
    driver_request(addr, "GET", "/status").is_ok_and(|t| t.contains("\"ready\":true"))
}

/// A headless Chromium session on a [`TestApp`].
pub struct Browser {
    client: Client,
    pub base_url: String,
    driver: &'static Driver,
    session_id: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
    _permit: SemaphorePermit<'static>,
}

// Not every page's tests use every helper.
#[allow(dead_code)]
impl Browser {
    /// Opens a fresh browser (its own empty profile) on `app`'s console.
    pub async fn start(app: &TestApp) -> Browser {
        Self::start_at(&app.base_url).await
    }

    /// Opens a fresh browser for the server at `base_url`.
    pub async fn start_at(base_url: &str) -> Browser {
        let driver = Driver::get();
        let permit = SESSIONS
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let profile = tempfile::tempdir().expect("a temp profile dir");
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-crash-reporter".into(),
            "--hide-scrollbars".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={},{}", WINDOW.0, WINDOW.1),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("an object literal")
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| panic!("browser tests cannot run: no Chromium session: {e}"));
        let session_id = client
            .session_id()
            .await
            .expect("session id")
            .expect("a session");
        let mut timeouts = client.get_timeouts().await.expect("timeouts");
        timeouts.set_page_load(Some(PAGE_LIMIT));
        timeouts.set_script(Some(PAGE_LIMIT));
        timeouts.set_implicit(Some(Duration::ZERO));
        client
            .update_timeouts(timeouts)
            .await
            .expect("timeouts set");
        Browser {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
            driver,
            session_id,
            http: reqwest::Client::new(),
            _profile: profile,
            _permit: permit,
        }
    }

    /// The WebDriver client, for what the helpers here do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Loads a page of the app (`/admin/…`) or any absolute URL (a `file://` one too).
    pub async fn goto(&self, path: &str) {
        let url = if ["http://", "https://", "file://"]
            .iter()
            .any(|scheme| path.starts_with(scheme))
        {
            path.to_string()
        } else {
            format!("{}{path}", self.base_url)
        };
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot load {url}: {e}"));
    }

    /// The path of the page shown (with its query, if any).
    pub async fn current_path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Signs in through the real login form and waits for the page it leads to.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.goto("/admin/login").await;
        self.fill("Email", email).await;
        self.fill("Password", password).await;
        self.click_button("Sign in").await;
    }

    /// Signs out through the header's form.
    pub async fn sign_out(&self) {
        self.click_button("Sign out").await;
    }

    /// The form control labelled `field` (a `<label>`'s text), else with that id, else that
    /// name.
    pub async fn field(&self, field: &str) -> Element {
        let script = r#"
            const key = arguments[0];
            const labels = [...document.querySelectorAll('label')];
            const label = labels.find(l => l.textContent.trim() === key)
                || labels.find(l => l.textContent.trim().startsWith(key));
            const byLabel = label && (label.control
                || (label.htmlFor && document.getElementById(label.htmlFor)));
            return byLabel || document.getElementById(key)
                || document.getElementsByName(key)[0] || null;
        "#;
        match self.element_from_script(script, json!([field])).await {
            Some(element) => element,
            None => panic!(
                "no field labelled, with id or named {field:?} on {}",
                self.current_path().await
            ),
        }
    }

    /// Replaces the value of the field labelled `field` (or with that id or name).
    pub async fn fill(&self, field: &str, value: &str) {
        let element = self.field(field).await;
        element.clear().await.expect("field cleared");
        if !value.is_empty() {
            element.send_keys(value).await.expect("typed");
        }
    }

    /// Chooses the option with this visible text in the `<select>` labelled `field`.
    pub async fn select(&self, field: &str, option: &str) {
        self.field(field)
            .await
            .select_by_label(option)
            .await
            .unwrap_or_else(|e| panic!("no option {option:?} in {field:?}: {e}"));
    }

    /// Clicks the button with this text (a `<button>` or a submit `<input>`) and waits for
    /// the page it leads to to load.
    pub async fn click_button(&self, text: &str) {
        let button = self.button(text).await;
        self.navigating(async || button.click().await.expect("clicked"))
            .await;
    }

    /// The button with this text.
    pub async fn button(&self, text: &str) -> Element {
        let xpath = format!(
            "//button[normalize-space()={q}] | //input[(@type='submit' or @type='button') and @value={q}]",
            q = xpath_literal(text)
        );
        let mut found = self
            .client
            .find_all(Locator::XPath(&xpath))
            .await
            .expect("find buttons");
        match found.len() {
            1 => found.remove(0),
            0 => panic!("no button {text:?} on {}", self.current_path().await),
            n => panic!("{n} buttons {text:?} on {}", self.current_path().await),
        }
    }

    /// Runs `act`, which makes the browser load another page, and waits until it has.
    pub async fn navigating(&self, act: impl AsyncFnOnce()) {
        self.execute("window.__rezerveOldPage = true;", json!([]))
            .await;
        act().await;
        let deadline = Instant::now() + PAGE_LIMIT;
        loop {
            // Scripts may fail while the next document replaces this one.
            let loaded = self
                .client
                .execute(
                    "return window.__rezerveOldPage === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(Value::Bool(true))) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no new page within {PAGE_LIMIT:?} (still on {})",
                self.current_path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs a script in the page (WebDriver scripts are not subject to the page's CSP).
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        let Value::Array(args) = args else {
            panic!("script arguments are an array")
        };
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    async fn element_from_script(&self, script: &str, args: Value) -> Option<Element> {
        const KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
        let value = self.execute(script, args).await;
        let id = value.get(KEY)?.as_str()?.to_string();
        Some(Element::from_element_id(
            self.client.clone(),
            ElementRef::from(id),
        ))
    }

    /// Elements matching a CSS selector.
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("bad selector {css:?}: {e}"))
    }

    /// Whether something on the page matches `css`.
    pub async fn has(&self, css: &str) -> bool {
        !self.all(css).await.is_empty()
    }

    /// The visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let Some(element) = self.all(css).await.into_iter().next() else {
            panic!(
                "nothing matches {css:?} on {}:\n{}",
                self.current_path().await,
                self.source().await
            )
        };
        element.text().await.expect("element text")
    }

    /// The visible texts of every element matching `css`.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self.all(css).await {
            texts.push(element.text().await.expect("element text"));
        }
        texts
    }

    /// The page's HTML.
    pub async fn source(&self) -> String {
        self.client.source().await.expect("page source")
    }

    /// The stable code an error page shows, if this is one.
    pub async fn error_code(&self) -> Option<String> {
        let found = self.all("#error-code").await;
        match found.first() {
            Some(e) => Some(e.text().await.expect("code text")),
            None => None,
        }
    }

    /// The value of a cookie the browser holds for the current page (HttpOnly ones too).
    pub async fn cookie(&self, name: &str) -> Option<String> {
        let cookies = self.client.get_all_cookies().await.expect("cookies");
        cookies
            .into_iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_string())
    }

    /// Saves full-page PNGs of the current page as a desktop (1280 px wide) and a phone
    /// (360 px) would show it: `target/screenshots/<name>-desktop.png` and `-phone.png`.
    /// For people to look at; no test compares pixels. It does assert that the page fits
    /// the phone's width: a page wider than 360 px hides part of itself off-screen.
    pub async fn screenshot(&self, name: &str) -> [PathBuf; 2] {
        self.screenshots(name, true).await
    }

    /// [`Browser::screenshot`] of a page not made for phones (Swagger UI's own viewer, which
    /// lays itself out 980 px wide): saved the same way, its width not asserted.
    pub async fn screenshot_wide(&self, name: &str) -> [PathBuf; 2] {
        self.screenshots(name, false).await
    }

    async fn screenshots(&self, name: &str, fits_a_phone: bool) -> [PathBuf; 2] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let mut saved = Vec::new();
        for (suffix, width, mobile) in [("desktop", 1280, false), ("phone", 360, true)] {
            self.cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": mobile}),
            )
            .await;
            let height = self
                .execute(
                    "return Math.ceil(Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0));",
                    json!([]),
                )
                .await
                .as_u64()
                .unwrap_or(800)
                .clamp(200, 16_000);
            if mobile && fits_a_phone {
                let wide = self
                    .execute("return document.documentElement.scrollWidth;", json!([]))
                    .await;
                assert!(
                    wide.as_u64().is_some_and(|w| w <= width),
                    "{name} is {wide} px wide on a {width} px phone"
                );
            }
            let shot = self
                .cdp(
                    "Page.captureScreenshot",
                    json!({
                        "format": "png",
                        "captureBeyondViewport": true,
                        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
                    }),
                )
                .await;
            let data = shot["data"].as_str().expect("screenshot data");
            use base64::Engine as _;
            let png = base64::engine::general_purpose::STANDARD
                .decode(data)
                .expect("screenshot is base64");
            let path = dir.join(format!("{name}-{suffix}.png"));
            std::fs::write(&path, png).expect("screenshot written");
            saved.push(path);
        }
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .await;
        [saved.remove(0), saved.remove(0)]
    }

    /// A Chrome DevTools command through chromedriver's `goog/cdp/execute`.
    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let url = format!(
            "{}/session/{}/goog/cdp/execute",
            self.driver.url(),
            self.session_id
        );
        let response = self
            .http
            .post(&url)
            .json(&json!({"cmd": cmd, "params": params}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
        let status = response.status();
        let body: Value = response.json().await.expect("cdp reply is JSON");
        assert!(status.is_success(), "{cmd}: {status} {body}");
        body["value"].clone()
    }
}

impl Drop for Browser {
    /// Ends the WebDriver session (and so its Chromium) even when a test panics; the async
    /// client could not finish that once the test's runtime is gone.
    fn drop(&mut self) {
        let _ = driver_request(
            self.driver.addr,
            "DELETE",
            &format!("/session/{}", self.session_id),
        );
    }
}

/// `text` as an XPath string literal (XPath 1 has no escapes).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}
