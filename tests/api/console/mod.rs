//! The staff console over real TCP: a client that keeps the session cookie itself (so the
//! tests can see its attributes), follows no redirects, and sends forms the way a browser
//! on the console's own origin does.

mod assets;
mod booking_actions;
mod bookings;
pub mod box_office;
mod dashboard;
mod door;
mod emails;
pub(crate) mod events;
mod first_run;
mod forms;
pub mod jobs;
mod matrix;
mod pricing;
mod seat_map;
mod sessions;
mod system;
mod throttle;
mod users;

use crate::helpers::TestApp;
use reqwest::StatusCode;

pub const PASSWORD: &str = "correct horse battery";

/// A console response.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Page {
    /// Where a redirect points.
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `Set-Cookie` header, if any.
    pub fn set_cookie(&self) -> Option<String> {
        self.headers
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The stable code an error page shows.
    pub fn error_code(&self) -> Option<String> {
        let start = self.text.find("<span id=\"error-code\">")? + "<span id=\"error-code\">".len();
        let end = self.text[start..].find('<')?;
        Some(self.text[start..start + end].to_string())
    }

    /// The body as JSON (`Null` if it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or(serde_json::Value::Null)
    }

    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> Option<String> {
        self.field("csrf")
    }

    /// The value of the first input named `name` whose value follows its name.
    pub fn field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.text.find(&marker)? + marker.len();
        let end = self.text[start..].find('"')?;
        Some(self.text[start..start + end].to_string())
    }

    #[track_caller]
    pub fn assert_redirect_to_login(&self) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "body: {}", self.text);
        assert!(
            self.location().starts_with("/admin/login"),
            "redirects to {}",
            self.location()
        );
    }

    #[track_caller]
    pub fn assert_html(&self, status: u16) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        let ct = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(ct.starts_with("text/html"), "content type {ct}");
    }
}

/// Asserts that `path` needs a console session: no cookie, or a customer's bearer token,
/// gets the sign-in redirect (never a JSON 401).
pub async fn assert_sign_in_required(app: &TestApp, path: &str, customer_token: &str) {
    Console::anonymous(app)
        .get(path)
        .await
        .assert_redirect_to_login();
    let bearer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}{path}", app.base_url))
        .bearer_auth(customer_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(bearer.status().as_u16(), 303, "{path}: never a JSON 401");
}

/// A browser-like console client.
pub struct Console<'a> {
    pub app: &'a TestApp,
    http: reqwest::Client,
    pub cookie: Option<String>,
}

impl<'a> Console<'a> {
    /// A client with no session.
    pub fn anonymous(app: &'a TestApp) -> Console<'a> {
        Console {
            app,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookie: None,
        }
    }

    /// Creates an account of `role` and signs it in to the console.
    pub async fn signed_in(app: &'a TestApp, name: &str, role: &str) -> Console<'a> {
        app.account(name, role).await;
        let mut console = Console::anonymous(app);
        let page = console
            .sign_in(&format!("{name}@example.test"), PASSWORD)
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "sign-in: {}", page.text);
        assert!(console.cookie.is_some(), "a session cookie");
        console
    }

    /// Signs an existing account in to the console with the usual test password.
    pub async fn signed_in_as(app: &'a TestApp, email: &str) -> Console<'a> {
        Console::signed_in_with(app, email, PASSWORD).await
    }

    /// Signs an existing account in to the console.
    pub async fn signed_in_with(app: &'a TestApp, email: &str, password: &str) -> Console<'a> {
        let mut console = Console::anonymous(app);
        let page = console.sign_in(email, password).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "sign-in: {}", page.text);
        console
    }

    /// Posts the sign-in form; keeps the cookie it sets.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        self.post_form("/admin/login", &[("email", email), ("password", password)])
            .await
    }

    pub async fn get(&self, path: &str) -> Page {
        let mut request = self.http.get(format!("{}{path}", self.app.base_url));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", format!("rezerve_console={cookie}"));
        }
        Self::page(request.send().await.expect("request")).await
    }

    /// Posts a form from the console's own origin.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let origin = self.app.base_url.clone();
        self.post_form_from(path, fields, Some(&origin)).await
    }

    /// Posts a form from the console's own origin as its scripts do, asking for JSON.
    pub async fn post_form_json(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let origin = self.app.base_url.clone();
        self.post_form_with(path, fields, Some(&origin), Some("application/json"))
            .await
    }

    /// Posts a form with the given `Origin` header (or none).
    pub async fn post_form_from(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Page {
        self.post_form_with(path, fields, origin, None).await
    }

    async fn post_form_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
        accept: Option<&str>,
    ) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = self
            .http
            .post(format!("{}{path}", self.app.base_url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", format!("rezerve_console={cookie}"));
        }
        let page = Self::page(request.send().await.expect("request")).await;
        if let Some(set) = page.set_cookie() {
            let value = set
                .split(';')
                .next()
                .and_then(|kv| kv.split_once('='))
                .map(|(_, v)| v.to_string())
                .unwrap_or_default();
            self.cookie = (!value.is_empty()).then_some(value);
        }
        page
    }

    /// Posts a form from the console's own origin and hands back the raw response (for
    /// answers that are files, not pages).
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = self
            .http
            .post(format!("{}{path}", self.app.base_url))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &self.app.base_url)
            .body(body);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", format!("rezerve_console={cookie}"));
        }
        request.send().await.expect("request")
    }

    /// The CSRF token of this session, read from a page's sign-out form.
    pub async fn csrf(&self) -> String {
        self.get("/admin/")
            .await
            .csrf()
            .expect("the layout carries the csrf token")
    }

    /// Signs out through the header's form.
    pub async fn sign_out(&mut self) -> Page {
        let csrf = self.csrf().await;
        self.post_form("/admin/logout", &[("csrf", &csrf)]).await
    }

    async fn page(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        Page {
            status,
            headers,
            text,
        }
    }
}
