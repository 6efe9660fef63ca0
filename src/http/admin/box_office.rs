//! `/admin/box-office`: selling at the till (staff and admins). Pick an event, then seats on
//! its map or "N best seats"; the hold is the API's hold, taken through the same idempotency
//! (a form nonce as the key), so a double-clicked "Hold" holds once. The sale itself is in
//! [`super::box_office_sale`].

use super::csrf::CsrfForm;
use super::event_time;
use super::render::{Chrome, PageError, page_with_status};
use super::seat_drawing::SeatDrawing;
use super::seat_view::{self, MapQuery, SeatMaps, SectionLink, StopOption};
use super::session::StaffSession;
use crate::auth::session::ConsoleSession;
use crate::catalog::model::{EventStatus, EventView};
use crate::catalog::{Catalog, EventFilter};
use crate::http::idempotency;
use crate::http::state::Ops;
use crate::inventory::Inventory;
use crate::inventory::hold::{HoldRequest, HoldView};
use crate::pagination::PageRequest;
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// An event the box office can sell.
struct EventChoice {
    id: String,
    name: String,
    when: String,
    place: String,
    available: u64,
    total: u64,
}

#[derive(Template)]
#[template(path = "admin/box_office_events.html")]
struct PickPage {
    chrome: Chrome,
    q: String,
    events: Vec<EventChoice>,
}

#[derive(Debug, Deserialize)]
pub struct PickQuery {
    #[serde(default)]
    q: Option<String>,
}

/// `GET /admin/box-office`: the events on sale from now on, soonest first.
pub async fn pick(
    StaffSession(session): StaffSession,
    State(catalog): State<Catalog>,
    State(inventory): State<Inventory>,
    Query(query): Query<PickQuery>,
) -> Result<Response, PageError> {
    let q = query
        .q
        .unwrap_or_default()
        .trim()
        .chars()
        .take(100)
        .collect::<String>();
    let from_ms = crate::catalog::model::floor_second_ms(inventory.clock_ms()) - 6 * 3_600_000;
    let page = catalog
        .list_events(
            EventFilter {
                from_ms: Some(from_ms),
                q: (!q.is_empty()).then(|| q.clone()),
                ..EventFilter::default()
            },
            PageRequest::parse(Some(50), None, 2)?,
        )
        .await?;
    let events = page
        .items
        .into_iter()
        .filter(|e| e.status == EventStatus::Scheduled)
        .map(|e| EventChoice {
            when: event_time::local(e.starts_at, &e.timezone),
            place: place(&e),
            available: e.availability.available,
            total: e.availability.total,
            id: e.id,
            name: e.name,
        })
        .collect();
    Ok(page_with_status(
        StatusCode::OK,
        &PickPage {
            chrome: Chrome::signed_in(&session, "Box office", "/admin/box-office"),
            q,
            events,
        },
    ))
}

/// Where an event takes place, in words.
pub fn place(e: &EventView) -> String {
    match (&e.venue, &e.origin, &e.destination) {
        (Some(v), _, _) => v.name.clone(),
        (None, Some(o), Some(d)) => format!("{o} → {d}"),
        _ => String::new(),
    }
}

#[derive(Template)]
#[template(path = "admin/box_office.html")]
struct SellPage {
    chrome: Chrome,
    event: EventView,
    when: String,
    place: String,
    /// The key of this page's hold forms: submitting one twice holds once.
    nonce: String,
    stops: Vec<StopOption>,
    segment: Option<(String, String)>,
    overview: Vec<SectionLink>,
    section: Option<String>,
    drawing: Option<SeatDrawing>,
    all_sections_href: String,
    problem: Option<String>,
    quantity: String,
    accessible: String,
    categories: Vec<CategoryOption>,
}

/// A price category to sell from.
struct CategoryOption {
    name: String,
    label: String,
    selected: bool,
}

/// What the sell page shows again after a refused hold.
#[derive(Default)]
struct Again {
    problem: Option<String>,
    quantity: String,
    accessible: String,
    category: String,
}

async fn render_sell(
    session: &ConsoleSession,
    maps: &SeatMaps,
    id: &str,
    query: &MapQuery,
    status: StatusCode,
    again: Again,
) -> Result<Response, PageError> {
    let data = seat_view::load(maps, id, query).await?;
    if data.event.status != EventStatus::Scheduled {
        return Err(PageError::new(
            StatusCode::CONFLICT,
            "event_not_on_sale",
            "This event is not on sale (it was cancelled or has ended).",
        ));
    }
    let base = format!("/admin/box-office/{id}");
    let (drawing, overview) = seat_view::drawing_or_overview(&data, query, &base)?;
    let stops = seat_view::stop_options(&data);
    let all = MapQuery {
        section: None,
        ..query.clone()
    };
    let page = SellPage {
        chrome: Chrome::signed_in(
            session,
            &format!("Box office · {}", data.event.name),
            "/admin/box-office",
        ),
        when: event_time::local(data.event.starts_at, &data.event.timezone),
        place: place(&data.event),
        nonce: crate::ids::new_id("sale"),
        stops,
        segment: data.segment.clone(),
        overview,
        section: query.section.clone(),
        drawing,
        all_sections_href: format!("{base}?{}", all.view_query()),
        problem: again.problem,
        quantity: again.quantity,
        accessible: again.accessible,
        categories: data
            .event
            .categories
            .iter()
            .map(|c| CategoryOption {
                name: c.category.clone(),
                label: format!(
                    "{} · {} · {} free",
                    c.category, c.price, c.availability.available
                ),
                selected: c.category == again.category,
            })
            .collect(),
        event: data.event,
    };
    Ok(page_with_status(status, &page))
}

/// `GET /admin/box-office/{event_id}`: the seat map to pick from, and "N best seats".
pub async fn sell(
    StaffSession(session): StaffSession,
    State(maps): State<SeatMaps>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let query = MapQuery::parse(raw.as_deref());
    render_sell(
        &session,
        &maps,
        &id,
        &query,
        StatusCode::OK,
        Again::default(),
    )
    .await
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

/// What the hold form asks for, as the API's request; a typo in a number is a message.
fn hold_request(form: &[(String, String)], query: &MapQuery) -> Result<HoldRequest, String> {
    let number = |name: &str, words: &str| -> Result<Option<u32>, String> {
        match field(form, name) {
            "" => Ok(None),
            text => text
                .parse::<u32>()
                .map(Some)
                .map_err(|_| format!("{words} must be a whole number such as 2.")),
        }
    };
    let mut request = HoldRequest {
        from: query.from.clone(),
        to: query.to.clone(),
        ..HoldRequest::default()
    };
    if field(form, "mode") == "best" {
        request.quantity = Some(number("quantity", "How many seats")?.unwrap_or(0));
        request.accessible = number("accessible", "Wheelchair spaces")?.filter(|n| *n > 0);
        let category = field(form, "category");
        request.category = (!category.is_empty()).then(|| category.to_string());
    } else {
        request.seats = Some(query.seats.clone());
    }
    Ok(request)
}

/// A refused hold in the clerk's words.
fn refusal(status: StatusCode, problem: &serde_json::Value) -> String {
    let detail = problem["detail"]
        .as_str()
        .unwrap_or("the seats could not be held");
    let fields: Vec<String> = problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    let field = e["field"].as_str().unwrap_or("").replace('_', " ");
                    super::render::sentence(&format!(
                        "{field}: {}",
                        e["message"].as_str().unwrap_or("")
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut text = if fields.is_empty() {
        super::render::sentence(detail)
    } else {
        fields.join(" ")
    };
    if status == StatusCode::CONFLICT {
        text.push_str(" Nothing was held; pick again.");
    }
    text
}

/// `POST /admin/box-office/{event_id}/hold`: holds the picked seats (or the best N) and goes
/// to the sale. The page's nonce is the Idempotency-Key: a second submit of the same form
/// replays the first hold.
pub async fn hold(
    State(maps): State<SeatMaps>,
    State(inventory): State<Inventory>,
    State(ops): State<Ops>,
    Path(event_id): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let session = form.session;
    let pairs = form.form;
    let query = MapQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let again = |problem: String| Again {
        problem: Some(problem),
        quantity: field(&pairs, "quantity").to_string(),
        accessible: field(&pairs, "accessible").to_string(),
        category: field(&pairs, "category").to_string(),
    };
    let request = match hold_request(&pairs, &query) {
        Ok(r) => r,
        Err(problem) => {
            return render_sell(
                &session,
                &maps,
                &event_id,
                &query,
                StatusCode::UNPROCESSABLE_ENTITY,
                again(problem),
            )
            .await;
        }
    };
    let nonce = field(&pairs, "nonce");
    let key = (!nonce.is_empty() && nonce.len() <= 100).then(|| format!("box-office:{nonce}"));
    // What the key stands for: the same form sent again replays; another form is a conflict.
    let body = serde_json::json!({
        "event": event_id, "seats": request.seats, "quantity": request.quantity,
        "category": request.category, "accessible": request.accessible,
        "from": request.from, "to": request.to,
    })
    .to_string();
    let caller = session.caller();
    let (work_inventory, work_event) = (inventory.clone(), event_id.clone());
    let response = idempotency::run(
        &ops.sqlite,
        &caller.user_id.clone(),
        key,
        "POST",
        &format!("/admin/box-office/{event_id}/hold"),
        body.as_bytes(),
        inventory.clock_ms(),
        async move {
            match work_inventory.hold(&caller, &work_event, request).await {
                Ok(hold) => (StatusCode::CREATED, Json(hold)).into_response(),
                Err(e) => e.into_response(),
            }
        },
    )
    .await;
    let (status, body) = idempotency::status_and_json(response).await;
    if status == StatusCode::CREATED
        && let Some(id) = body["id"].as_str()
    {
        return Ok(Redirect::to(&format!("/admin/box-office/sale/{id}")).into_response());
    }
    let shown = if status.is_client_error() {
        status
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    render_sell(
        &session,
        &maps,
        &event_id,
        &query,
        shown,
        again(refusal(status, &body)),
    )
    .await
}

/// The hold as the sale page shows it; `None` once it has ended.
pub async fn live_hold(
    inventory: &Inventory,
    session: &ConsoleSession,
    hold_id: &str,
) -> Option<HoldView> {
    inventory.get(&session.caller(), hold_id).await.ok()
}
