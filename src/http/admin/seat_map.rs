//! `/admin/events/{id}/seats`: an event's seat map (staff and admins), drawn as SVG on the
//! server, per segment on travel events, by section on big events. Seats are checkboxes, so
//! selecting them works by mouse, keyboard and without JavaScript; admins block and unblock
//! the selection with a reason, anyone may open the selected seats' details.

use super::csrf::CsrfForm;
use super::render::{Chrome, PageError, page_with_status};
use super::seat_drawing::{SeatDrawing, SectionCounts};
use super::seat_view::{
    MapQuery, SeatMaps, SectionLink, StopOption, drawing_or_overview, load, stop_options, totals,
};
use super::session::StaffSession;
use crate::auth::Role;
use crate::auth::session::ConsoleSession;
use crate::catalog::model::EventView;
use crate::error::Error;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "admin/seat_map.html")]
struct SeatMapPage {
    chrome: Chrome,
    event: EventView,
    when: String,
    is_admin: bool,
    stops: Vec<StopOption>,
    segment: Option<(String, String)>,
    /// Counts over the seats in view (the whole event, or its segment).
    totals: SectionCounts,
    overview: Vec<SectionLink>,
    section: Option<String>,
    drawing: Option<SeatDrawing>,
    /// The view's query, carried by the forms so a change comes back to the same view.
    all_sections_href: String,
    /// Keys a hand-over to the box office, so submitting it twice holds once.
    nonce: String,
    done: Option<String>,
    problem: Option<String>,
    reason: String,
}

fn done_message(done: Option<&str>) -> Option<String> {
    let (what, n) = done?.split_once(':')?;
    let n: usize = n.parse().ok()?;
    let seats = if n == 1 { "seat" } else { "seats" };
    match what {
        "blocked" => Some(format!("Blocked {n} {seats}.")),
        "unblocked" => Some(format!("Unblocked {n} {seats}.")),
        _ => None,
    }
}

struct Shown<'a> {
    problem: Option<String>,
    reason: &'a str,
}

async fn render(
    session: &ConsoleSession,
    maps: &SeatMaps,
    id: &str,
    query: &MapQuery,
    status: StatusCode,
    shown: Shown<'_>,
) -> Result<Response, PageError> {
    let data = load(maps, id, query).await?;
    let base = format!("/admin/events/{id}/seats");
    let (drawing, overview) = drawing_or_overview(&data, query, &base)?;
    let stops = stop_options(&data);
    let page = SeatMapPage {
        chrome: Chrome::signed_in(
            session,
            &format!("Seats · {}", data.event.name),
            "/admin/events",
        ),
        totals: totals(&data),
        is_admin: session.role >= Role::Admin,
        stops,
        segment: data.segment.clone(),
        overview,
        section: query.section.clone(),
        drawing,
        all_sections_href: {
            let q = MapQuery {
                section: None,
                ..query.clone()
            };
            format!("{base}?{}", q.view_query())
        },
        nonce: crate::ids::new_id("sale"),
        done: done_message(query.done.as_deref()),
        problem: shown.problem,
        reason: shown.reason.to_string(),
        when: super::render::utc_time(data.event.starts_at),
        event: data.event,
    };
    Ok(page_with_status(status, &page))
}

/// `GET /admin/events/{id}/seats`.
pub async fn show(
    StaffSession(session): StaffSession,
    State(maps): State<SeatMaps>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let query = MapQuery::parse(raw.as_deref());
    let shown = Shown {
        problem: None,
        reason: "",
    };
    render(&session, &maps, &id, &query, StatusCode::OK, shown).await
}

/// `POST /admin/events/{id}/seats/block` (`BLOCK`, with `reason`) and `…/unblock`: blocks
/// or unblocks the selected seats; admins only.
pub async fn set_blocked<const BLOCK: bool>(
    State(maps): State<SeatMaps>,
    Path(id): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let block = BLOCK;
    let session = form.session;
    if session.role < Role::Admin {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only admins may block or unblock seats.",
        ));
    }
    let query = MapQuery::from_pairs(form.form.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let reason = form
        .form
        .iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let result = maps
        .catalog
        .set_blocked(
            &session.caller(),
            &id,
            query.seats.clone(),
            block.then(|| reason.clone()),
        )
        .await;
    match result {
        Ok(_) => {
            let mut q = query.view_query();
            let done = if block { "blocked" } else { "unblocked" };
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str(&format!("done={done}:{}", query.seats.len()));
            Ok(Redirect::to(&format!("/admin/events/{id}/seats?{q}")).into_response())
        }
        Err(Error::Validation(fields)) => {
            let problem = fields
                .iter()
                .map(|f| match f.field.as_str() {
                    "seats" => format!("Seats: {}.", f.message),
                    "reason" => format!("Reason: {}.", f.message),
                    other => format!("{other}: {}.", f.message),
                })
                .collect::<Vec<_>>()
                .join(" ");
            let shown = Shown {
                problem: Some(problem),
                reason: &reason,
            };
            render(
                &session,
                &maps,
                &id,
                &query,
                StatusCode::UNPROCESSABLE_ENTITY,
                shown,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
