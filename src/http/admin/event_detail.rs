//! `GET /admin/events/{id}`: one event for staff and admins: when and where (in the event's
//! own time zone), its status, seats or places per category with current prices, and links
//! to its seat map and (for admins, whose page it is) its prices page. Admins also get Edit,
//! Cancel and Delete.

use super::dashboard::Fill;
use super::event_time;
use super::events::place;
use super::render::{Chrome, PageError, page};
use super::session::StaffSession;
use crate::auth::Role;
use crate::catalog::Catalog;
use crate::catalog::model::{EventStatus, EventView};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::macros::format_description;

#[derive(Template)]
#[template(path = "admin/event_detail.html")]
pub struct EventDetailPage {
    pub chrome: Chrome,
    pub e: EventView,
    pub is_admin: bool,
    pub cancelled: bool,
    pub travel: bool,
    pub place: String,
    /// (label, local time) lines: starts/ends, or departs/arrives.
    pub times: Vec<(&'static str, String)>,
    pub stops: Vec<StopLine>,
    pub categories: Vec<CategoryLine>,
    pub fill: Fill,
    pub created: String,
    pub updated: String,
    pub notice: Option<String>,
}

/// A stop of the route as the page shows it.
pub struct StopLine {
    pub name: String,
    pub arrives: String,
    pub departs: String,
}

/// A price category's line.
pub struct CategoryLine {
    pub category: String,
    pub price: String,
    /// The base price, when dynamic pricing moved the current one away from it.
    pub base: Option<String>,
    pub total: u64,
    pub sold: u64,
    pub held: u64,
    pub free: u64,
    pub blocked: u64,
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    updated: Option<String>,
    #[serde(default)]
    cancelled: Option<String>,
}

fn utc(t: time::OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_default()
}

/// Builds the page from the event.
pub fn build(chrome: Chrome, is_admin: bool, e: EventView, flash: &Flash) -> EventDetailPage {
    let tz = e.timezone.clone();
    let travel = e.category.is_travel();
    let mut times = Vec::new();
    if travel {
        if let Some(d) = e.departs_at {
            times.push(("Departs", event_time::local(d, &tz)));
        }
        if let Some(a) = e.arrives_at {
            times.push(("Arrives", event_time::local(a, &tz)));
        }
    } else {
        times.push(("Starts", event_time::local(e.starts_at, &tz)));
        if let Some(end) = e.ends_at {
            times.push(("Ends", event_time::local_after(end, e.starts_at, &tz)));
        }
    }
    let stops = e
        .stops
        .iter()
        .map(|s| StopLine {
            name: s.name.clone(),
            // Times on the day of departure need no date.
            arrives: s
                .arrives_at
                .map(|t| event_time::local_after(t, e.starts_at, &tz))
                .unwrap_or_else(|| "—".into()),
            departs: s
                .departs_at
                .map(|t| event_time::local_after(t, e.starts_at, &tz))
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    let categories = e
        .categories
        .iter()
        .map(|c| CategoryLine {
            category: c.category.clone(),
            price: c.price.to_string(),
            base: (c.base_price != c.price).then(|| c.base_price.to_string()),
            total: c.availability.total,
            sold: c.availability.sold,
            held: c.availability.held,
            free: c.availability.available,
            blocked: c.availability.blocked,
        })
        .collect();
    let notice = if flash.created.is_some() {
        Some("The event was created.".to_string())
    } else if flash.updated.is_some() {
        Some("Your changes were saved.".to_string())
    } else {
        flash
            .cancelled
            .as_deref()
            .and_then(|n| n.parse::<u64>().ok())
            .map(|n| match n {
                0 => "The event was cancelled. It had no bookings.".to_string(),
                1 => "The event was cancelled: its one booking was cancelled (refunded if paid) and its holder is being told.".to_string(),
                n => format!("The event was cancelled: {n} bookings were cancelled (refunded if paid) and every holder is being told."),
            })
    };
    EventDetailPage {
        chrome,
        is_admin,
        cancelled: e.status == EventStatus::Cancelled,
        travel,
        place: place(&e),
        times,
        stops,
        categories,
        fill: Fill::of(&e.availability),
        created: utc(e.created_at),
        updated: utc(e.updated_at),
        notice,
        e,
    }
}

/// `GET /admin/events/{id}`.
pub async fn show(
    StaffSession(session): StaffSession,
    State(catalog): State<Catalog>,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    let event = catalog.get_event(&id).await?;
    let chrome = Chrome::signed_in(&session, &event.name, "/admin/events");
    Ok(page(&build(
        chrome,
        session.role >= Role::Admin,
        event,
        &flash,
    )))
}
