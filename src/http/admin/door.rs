//! `/admin/door` (choose an event) and `/admin/door/{event_id}` (check-in): one input a USB
//! scanner types into, a big result (ADMITTED / ALREADY USED / REFUSED, never colour alone),
//! the steward's last scans and present / total. Staff and admins.
//!
//! Without JavaScript a scan is a form POST, a 303 to `?scan=<id>` and the page showing that
//! scan with the input focused again. `assets/door.js` posts the same form with `fetch` and
//! `Accept: application/json`, and this handler answers with the page's fragments rendered
//! by the same templates, so both paths show the same thing. Scanning is
//! [`Bookings::door_scan`], i.e. [`Bookings::scan`], the API's check-in.

use super::assets::DOOR_JS;
use super::csrf::CsrfForm;
use super::render::{Chrome, PageError, page, page_with_status};
use super::session::StaffSession;
use super::when::{clock_ms, event_start, local_ms};
use crate::auth::session::ConsoleSession;
use crate::booking::Bookings;
use crate::booking::door::DoorView;
use crate::booking::door_repo::ScanRow;
use crate::catalog::model::EventStatus;
use crate::error::Error;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Template)]
#[template(path = "admin/door_choose.html")]
pub struct ChoosePage {
    pub chrome: Chrome,
    pub events: Vec<DoorEvent>,
}

/// An event whose door may be opened.
pub struct DoorEvent {
    pub id: String,
    pub name: String,
    pub when: String,
    pub place: String,
}

/// `GET /admin/door`.
pub async fn choose(
    StaffSession(session): StaffSession,
    State(bookings): State<Bookings>,
) -> Result<Response, PageError> {
    let events = bookings
        .door_events(&session.caller())
        .await?
        .into_iter()
        .map(|e| DoorEvent {
            when: event_start(e.starts_at_ms, &e.timezone),
            place: e.venue_name.unwrap_or_default(),
            id: e.id,
            name: e.name,
        })
        .collect();
    Ok(page(&ChoosePage {
        chrome: Chrome::signed_in(&session, "Door", "/admin/door"),
        events,
    }))
}

/// The big panel: what the last scan found.
pub struct ResultPanel {
    /// `admitted`, `used` or `refused`: the panel's class.
    pub kind: &'static str,
    pub headline: &'static str,
    /// A shape beside the word, so the outcome never rests on colour.
    pub symbol: &'static str,
    pub seat: Option<String>,
    pub category: String,
    pub name: Option<String>,
    pub lines: Vec<String>,
    pub code: String,
    pub at: String,
}

/// One of the last scans.
pub struct RecentRow {
    pub kind: &'static str,
    pub symbol: &'static str,
    pub word: &'static str,
    pub what: String,
    pub at: String,
}

fn kind_of(outcome: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    match outcome {
        "admitted" => ("admitted", "ADMITTED", "✓", "Admitted"),
        "already_used" => ("used", "ALREADY USED", "!", "Already used"),
        _ => ("refused", "REFUSED", "✕", "Refused"),
    }
}

fn panel(s: &ScanRow, tz: &str) -> ResultPanel {
    let (kind, headline, symbol, _) = kind_of(&s.outcome);
    let mut lines = Vec::new();
    match s.outcome.as_str() {
        "already_used" => {
            let when = s
                .first_used_at_ms
                .map(|ms| local_ms(ms, tz))
                .unwrap_or_default();
            let by = s.first_used_by.clone().unwrap_or_default();
            lines.push(format!("First used {when}, let in by {by}."));
        }
        "refused" => lines.push(s.detail.clone()),
        _ => {}
    }
    ResultPanel {
        kind,
        headline,
        symbol,
        seat: s.seat_label.clone(),
        category: s.category.clone().unwrap_or_default(),
        name: s.holder_name.clone(),
        lines,
        code: s.code.clone(),
        at: clock_ms(s.at_ms, tz),
    }
}

fn recent_row(s: &ScanRow, tz: &str) -> RecentRow {
    let (kind, _, symbol, word) = kind_of(&s.outcome);
    let what = match (&s.seat_label, s.outcome.as_str()) {
        (Some(seat), "refused") => format!("Seat {seat}: {}", s.detail),
        (Some(seat), _) => format!("Seat {seat}"),
        (None, "refused") => s.detail.clone(),
        (None, _) => s.category.clone().unwrap_or_default(),
    };
    RecentRow {
        kind,
        symbol,
        word,
        what,
        at: clock_ms(s.at_ms, tz),
    }
}

#[derive(Template)]
#[template(path = "admin/door.html")]
pub struct DoorPage {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_name: String,
    pub event_when: String,
    pub cancelled: bool,
    pub present: i64,
    pub total: i64,
    pub result: Option<ResultPanel>,
    pub problem: Option<String>,
    pub recent: Vec<RecentRow>,
    pub zone: String,
}

/// The result panel alone (the script swaps it in).
#[derive(Template)]
#[template(path = "admin/door_result.html")]
pub struct ResultFragment {
    pub result: Option<ResultPanel>,
    pub problem: Option<String>,
}

/// The last scans alone.
#[derive(Template)]
#[template(path = "admin/door_recent.html")]
pub struct RecentFragment {
    pub recent: Vec<RecentRow>,
    pub zone: String,
}

/// Builds the door page from its view (also what the bench renders).
pub fn build(chrome: Chrome, v: &DoorView, problem: Option<String>) -> DoorPage {
    let tz = &v.event.timezone;
    DoorPage {
        chrome,
        event_id: v.event.id.clone(),
        event_name: v.event.name.clone(),
        event_when: event_start(v.event.starts_at_ms, tz),
        cancelled: v.event.status == EventStatus::Cancelled,
        present: v.present,
        total: v.total,
        result: v.shown.as_ref().map(|s| panel(s, tz)),
        problem,
        recent: v.recent.iter().map(|s| recent_row(s, tz)).collect(),
        zone: tz.clone(),
    }
}

fn chrome(session: &ConsoleSession) -> Chrome {
    Chrome::signed_in(session, "Door", "/admin/door").with_script(&DOOR_JS)
}

/// `GET /admin/door/{event_id}?scan=<id>`.
pub async fn show(
    StaffSession(session): StaffSession,
    State(bookings): State<Bookings>,
    Path(event_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let shown = super::bookings::query_param(&raw, "scan").and_then(|s| s.parse().ok());
    let view = bookings.door(&session.caller(), &event_id, shown).await?;
    Ok(page(&build(chrome(&session), &view, None)))
}

/// The scan form.
#[derive(Debug, Deserialize)]
pub struct ScanForm {
    #[serde(default)]
    pub code: String,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// The fragments and figures the script puts on the page.
fn fragments(v: &DoorView, problem: Option<String>) -> Result<serde_json::Value, Error> {
    let page = build(Chrome::signed_out("Door"), v, problem);
    let result = ResultFragment {
        result: page.result,
        problem: page.problem,
    }
    .render()
    .map_err(Error::internal)?;
    let recent = RecentFragment {
        recent: page.recent,
        zone: page.zone,
    }
    .render()
    .map_err(Error::internal)?;
    Ok(json!({
        "outcome": v.shown.as_ref().map(|s| s.outcome.as_str()),
        "code": v.shown.as_ref().map(|s| s.code.as_str()),
        "scan_id": v.shown.as_ref().map(|s| s.id),
        "present": v.present,
        "total": v.total,
        "result_html": result,
        "recent_html": recent,
    }))
}

/// `POST /admin/door/{event_id}`: one scan.
pub async fn scan(
    State(bookings): State<Bookings>,
    Path(event_id): Path<String>,
    headers: HeaderMap,
    CsrfForm { session, form }: CsrfForm<ScanForm>,
) -> Result<Response, PageError> {
    let caller = session.caller();
    let json = wants_json(&headers);
    match bookings.door_scan(&caller, &event_id, &form.code).await {
        Ok(scan) if json => {
            let view = bookings.door(&caller, &event_id, Some(scan.id)).await?;
            Ok((no_store(), Json(fragments(&view, None)?)).into_response())
        }
        Ok(scan) => {
            Ok(Redirect::to(&format!("/admin/door/{event_id}?scan={}", scan.id)).into_response())
        }
        Err(Error::Validation(fields)) => {
            let problem = fields
                .iter()
                .map(|f| super::render::sentence(&format!("Nothing was scanned: {}", f.message)))
                .collect::<Vec<_>>()
                .join(" ");
            let view = bookings.door(&caller, &event_id, None).await?;
            if json {
                let body = fragments(&view, Some(problem))?;
                return Ok(
                    (StatusCode::UNPROCESSABLE_ENTITY, no_store(), Json(body)).into_response()
                );
            }
            Ok(page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &build(chrome(&session), &view, Some(problem)),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

fn no_store() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}
