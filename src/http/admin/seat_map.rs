//! `/admin/events/{id}/seats`: an event's seat map (staff and admins), drawn as SVG on the
//! server, per segment on travel events, by section on big events. Seats are checkboxes, so
//! selecting them works by mouse, keyboard and without JavaScript; admins block and unblock
//! the selection with a reason, anyone may open the selected seats' details.

use super::csrf::CsrfForm;
use super::render::{Chrome, PageError, page_with_status};
use super::seat_drawing::{self, DRAW_ALL_UP_TO, SeatDrawing, SectionCounts};
use super::session::StaffSession;
use crate::auth::Role;
use crate::auth::session::ConsoleSession;
use crate::booking::Bookings;
use crate::catalog::Catalog;
use crate::catalog::model::{EventView, SeatView, find_segment};
use crate::error::Error;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashSet;

/// What the page was asked to show: `section`, `from`/`to` and pre-selected `seat`s.
#[derive(Debug, Clone, Default)]
pub struct MapQuery {
    pub section: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub seats: Vec<String>,
    /// What the last change did, shown once after its redirect.
    pub done: Option<String>,
}

impl MapQuery {
    /// Reads query or form pairs; repeated `seat` fields are the selection.
    pub fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> MapQuery {
        let mut q = MapQuery::default();
        let text = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        for (key, value) in pairs {
            match key {
                "section" => q.section = text(value),
                "from" => q.from = text(value),
                "to" => q.to = text(value),
                "seat" => q.seats.extend(text(value)),
                "done" => q.done = text(value),
                _ => {}
            }
        }
        q.seats.truncate(crate::catalog::MAX_LABELS_PER_REQUEST);
        q
    }

    /// Reads a query string.
    pub fn parse(raw: Option<&str>) -> MapQuery {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        MapQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// The query string that shows the same view again (without the selection).
    pub fn view_query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("section", &self.section),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = value {
                s.append_pair(key, v);
            }
        }
        s.finish()
    }
}

/// A section in the overview of a big event.
pub struct SectionLink {
    pub counts: SectionCounts,
    pub href: String,
}

/// A stop to choose a segment by.
pub struct StopOption {
    pub name: String,
    pub from_selected: bool,
    pub to_selected: bool,
}

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

/// The data behind the page, read once.
pub struct MapData {
    pub event: EventView,
    /// The seats to draw: the section asked for, or every seat of an event small enough to
    /// draw whole; none for a big event's overview, which needs only `sections`.
    pub seats: Vec<SeatView>,
    /// Counts per section over every seat in view (the whole event, or its segment).
    pub sections: Vec<SectionCounts>,
    pub checked_in: HashSet<String>,
    pub segment: Option<(String, String)>,
}

/// Reads the event, which seats are checked in, the counts per section and the seats to
/// draw. The counts come from the live index, so a big event's overview reads no seat.
pub async fn load(
    catalog: &Catalog,
    bookings: &Bookings,
    id: &str,
    query: &MapQuery,
) -> Result<MapData, PageError> {
    let event = catalog.get_event(id).await?;
    let names: Vec<&str> = event.stops.iter().map(|s| s.name.as_str()).collect();
    let found = find_segment(&names, query.from.as_deref(), query.to.as_deref())?;
    let (from_leg, to_leg) = match found {
        Some((a, b)) => (a as u16, b as u16),
        None => (0, names.len().saturating_sub(1).max(1) as u16),
    };
    let checked_in = bookings.checked_in_labels(id, from_leg, to_leg).await?;
    let (from, to) = (query.from.clone(), query.to.clone());
    let sections = catalog
        .section_counts(id, from.clone(), to.clone(), &checked_in)
        .await?;
    let total: u64 = sections.iter().map(|s| s.total).sum();
    let seats = match &query.section {
        Some(name) => catalog.section_seats(id, name, from, to).await?.seats,
        None if total as usize > DRAW_ALL_UP_TO => Vec::new(),
        None => catalog.seats(id, from, to).await?.seats,
    };
    let segment = found.map(|(a, b)| (names[a].to_string(), names[b].to_string()));
    Ok(MapData {
        event,
        seats,
        sections,
        checked_in,
        segment,
    })
}

/// The drawing of the seats in view, or the overview of sections for a big event; a
/// section that does not exist is a 404 page.
pub fn drawing_or_overview(
    data: &MapData,
    query: &MapQuery,
    base_href: &str,
) -> Result<(Option<SeatDrawing>, Vec<SectionLink>), PageError> {
    let selected: HashSet<String> = query.seats.iter().cloned().collect();
    match &query.section {
        Some(name) if data.seats.is_empty() => {
            return Err(PageError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("This event has no section named “{name}”."),
            ));
        }
        None if data.seats.is_empty() && !data.sections.is_empty() => {
            let overview = data
                .sections
                .iter()
                .map(|counts| {
                    let q = MapQuery {
                        section: Some(counts.name.clone()),
                        ..query.clone()
                    };
                    SectionLink {
                        href: format!("{base_href}?{}", q.view_query()),
                        counts: counts.clone(),
                    }
                })
                .collect();
            return Ok((None, overview));
        }
        _ => {}
    }
    let in_view: Vec<&SeatView> = data.seats.iter().collect();
    let currency = data.event.currency.clone();
    let drawing = seat_drawing::draw(
        &in_view,
        &data.checked_in,
        &selected,
        data.event.category.is_travel(),
        |s| super::dashboard::money(s.price.amount_minor, &currency),
    );
    Ok((Some(drawing), Vec::new()))
}

/// The stops of a route, marked with the segment in view.
pub fn stop_options(data: &MapData) -> Vec<StopOption> {
    data.event
        .stops
        .iter()
        .map(|s| StopOption {
            name: s.name.clone(),
            from_selected: data.segment.as_ref().is_some_and(|(f, _)| *f == s.name),
            to_selected: data.segment.as_ref().is_some_and(|(_, t)| *t == s.name),
        })
        .collect()
}

/// Totals over every seat in view.
pub fn totals(data: &MapData) -> SectionCounts {
    let mut total = SectionCounts::named("All seats");
    for c in &data.sections {
        total.add(c);
    }
    total
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
    catalog: &Catalog,
    bookings: &Bookings,
    id: &str,
    query: &MapQuery,
    status: StatusCode,
    shown: Shown<'_>,
) -> Result<Response, PageError> {
    let data = load(catalog, bookings, id, query).await?;
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
    State(catalog): State<Catalog>,
    State(bookings): State<Bookings>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let query = MapQuery::parse(raw.as_deref());
    let shown = Shown {
        problem: None,
        reason: "",
    };
    render(
        &session,
        &catalog,
        &bookings,
        &id,
        &query,
        StatusCode::OK,
        shown,
    )
    .await
}

/// Blocks (with `reason`) or unblocks the selected seats; admins only.
async fn set_blocked(
    catalog: Catalog,
    bookings: Bookings,
    id: String,
    form: CsrfForm<Vec<(String, String)>>,
    block: bool,
) -> Result<Response, PageError> {
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
    let result = catalog
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
                &catalog,
                &bookings,
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

/// `POST /admin/events/{id}/seats/block`.
pub async fn block(
    State(catalog): State<Catalog>,
    State(bookings): State<Bookings>,
    Path(id): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    set_blocked(catalog, bookings, id, form, true).await
}

/// `POST /admin/events/{id}/seats/unblock`.
pub async fn unblock(
    State(catalog): State<Catalog>,
    State(bookings): State<Bookings>,
    Path(id): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    set_blocked(catalog, bookings, id, form, false).await
}
