//! The console's events pages over real TCP: the list, the new-event forms (seat-map builder,
//! journeys with stops, general admission, a saved venue's map), the detail, edit, cancel and
//! delete pages; each change checked through the JSON API, each bad input shown at its field
//! with nothing written.

mod bad_input;
mod changes;
mod create;
mod list;

use super::{Console, Page};
use crate::helpers::TestApp;
use serde_json::Value;
use time::macros::format_description;

/// A console form's fields, in order, as a browser sends them.
#[derive(Clone, Debug, Default)]
pub struct Form(Vec<(String, String)>);

impl Form {
    /// The new-event form of `kind` with the session's token.
    pub fn new_event(csrf: &str, kind: &str) -> Form {
        Form::default().set("csrf", csrf).set("kind", kind)
    }

    /// Sets a field (replacing an earlier value).
    pub fn set(mut self, key: &str, value: impl Into<String>) -> Form {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value,
            None => self.0.push((key.to_string(), value)),
        }
        self
    }

    /// The fields a browser would send from the form posting to `action` on `page`: text
    /// inputs, checked radios, text areas and selected options (buttons are left out; the
    /// test sets `action` itself).
    pub fn from_page(page: &Page, action: &str) -> Form {
        let start = page
            .text
            .find(&format!("action=\"{action}\""))
            .unwrap_or_else(|| panic!("no form posting to {action}"));
        let end = start + page.text[start..].find("</form>").expect("form end");
        let html = &page.text[start..end];
        let mut form = Form::default();
        for tag in html.split('<').skip(1) {
            let tag_body = tag.split('>').next().unwrap_or("");
            let attr = |name: &str| -> Option<String> {
                let marker = format!(" {name}=\"");
                let at = tag_body.find(&marker)? + marker.len();
                let len = tag_body[at..].find('"')?;
                Some(unescape(&tag_body[at..at + len]))
            };
            if tag.starts_with("input ") {
                let kind = attr("type").unwrap_or_default();
                if kind == "submit" || (kind == "radio" && !tag_body.contains(" checked")) {
                    continue;
                }
                if let Some(name) = attr("name") {
                    form.0.push((name, attr("value").unwrap_or_default()));
                }
            } else if tag.starts_with("textarea ") {
                if let Some(name) = attr("name") {
                    let content = tag.split_once('>').map(|(_, c)| c).unwrap_or("");
                    form.0.push((name, unescape(content)));
                }
            } else if tag.starts_with("select ") {
                if let Some(name) = attr("name") {
                    form.0.push((name, String::new()));
                }
            } else if tag.starts_with("option ")
                && tag_body.contains(" selected")
                && let (Some(value), Some(last)) = (attr("value"), form.0.last_mut())
            {
                last.1 = value;
            }
        }
        form
    }

    /// The name prefix (`p2`) of the price line for `category`.
    pub fn price_line(&self, category: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, v)| k.starts_with('p') && k.ends_with("_category") && v == category)
            .map(|(k, _)| k.trim_end_matches("_category").to_string())
    }

    /// A field's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The pairs for [`Console::post_form`].
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// Undoes the page's HTML escaping of a value.
fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// `days` from today at `hh:mm`, as a `datetime-local` input holds it.
pub fn local(days: i64, hh_mm: &str) -> String {
    let date = (time::OffsetDateTime::now_utc() + time::Duration::days(days)).date();
    format!(
        "{}T{hh_mm}",
        date.format(format_description!("[year]-[month]-[day]"))
            .expect("formats")
    )
}

/// A `datetime-local` value read in `+hh:mm`, as the API's RFC 3339 UTC time.
pub fn utc_of(local: &str, offset_minutes: i64) -> String {
    let naive = time::PrimitiveDateTime::parse(
        local,
        format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    )
    .expect("a local time");
    (naive.assume_utc() - time::Duration::minutes(offset_minutes))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats")
}

/// Asia/Kolkata is UTC+05:30 all year.
pub const KOLKATA: i64 = 330;

/// How many events the API lists.
pub async fn event_count(app: &TestApp) -> usize {
    let reply = app.get("/api/v1/events?limit=200", None).await;
    reply.assert_status(200);
    reply.body["items"].as_array().map(Vec::len).unwrap_or(0)
}

/// `GET /api/v1/events/{id}`.
pub async fn api_event(app: &TestApp, id: &str) -> Value {
    let reply = app.get(&format!("/api/v1/events/{id}"), None).await;
    reply.assert_status(200);
    reply.body.clone()
}

/// The text of the message shown at input `id` (`<p … id="{id}-error">…</p>`).
pub fn field_error(page: &Page, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}-error\">");
    let start = page.text.find(&marker)? + marker.len();
    let end = page.text[start..].find("</p>")?;
    Some(page.text[start..start + end].to_string())
}

/// The `value` of input `id`.
pub fn input_value(page: &Page, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let at = page.text.find(&marker)?;
    let tag_end = at + page.text[at..].find('>')?;
    let tag = &page.text[at..tag_end];
    let start = tag.find("value=\"")? + "value=\"".len();
    let end = tag[start..].find('"')?;
    Some(tag[start..start + end].to_string())
}

/// The id of the event a successful create redirected to.
#[track_caller]
pub fn created(page: &Page) -> String {
    assert_eq!(page.status.as_u16(), 303, "create: {}", page.text);
    let location = page.location();
    let id = location
        .strip_prefix("/admin/events/")
        .and_then(|rest| rest.strip_suffix("?created=1"))
        .unwrap_or_else(|| panic!("redirects to {location}"));
    id.to_string()
}

/// An admin console and their API token.
pub async fn admin(app: &TestApp) -> (Console<'_>, String) {
    let console = Console::signed_in(app, "ada", "admin").await;
    let token = app.login("ada@example.test", super::PASSWORD).await;
    (console, token)
}
