//! `/admin/events/{id}/edit` (admins): name, description, time zone, times, base prices and
//! general-admission places. What changed becomes the API's `EventPatch` for
//! [`Catalog::update_event`] (as `PATCH /api/v1/events/{id}`); its refusals, such as places
//! below what is already sold, come back next to the inputs, with nothing written.

use super::csrf::CsrfForm;
use super::event_time;
use super::form_errors::Errs;
use super::render::{Chrome, PageError, page, page_with_status, sentence};
use super::session::AdminSession;
use crate::catalog::Catalog;
use crate::catalog::event_input::EventPatch;
use crate::catalog::model::{EventStatus, EventView};
use crate::error::{Conflict, Error};
use crate::money::{Money, format_amount, parse_amount};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;
use time::OffsetDateTime;

#[derive(Template)]
#[template(path = "admin/event_edit.html")]
pub struct EditPage {
    pub chrome: Chrome,
    pub e: EventView,
    pub travel: bool,
    pub fields: EditFields,
    pub lines: Vec<EditLine>,
    pub errs: Errs,
    /// A refusal about the whole event (it was cancelled meanwhile).
    pub problem: Option<String>,
}

/// The inputs outside the category lines, as typed.
#[derive(Debug, Clone, Default)]
pub struct EditFields {
    pub name: String,
    pub description: String,
    pub timezone: String,
    /// Starts, or departs.
    pub first: String,
    /// Ends, or arrives.
    pub last: String,
}

/// One price category: its base price and, for general admission, its places.
#[derive(Debug, Clone)]
pub struct EditLine {
    pub category: String,
    pub amount: String,
    pub capacity: String,
    pub sold: u64,
    pub held: u64,
}

impl EditPage {
    /// An input's problems as one sentence.
    pub fn err(&self, key: &str) -> Option<String> {
        let label = match key {
            "name" => "Name",
            "description" => "Description",
            "timezone" => "Time zone",
            "first" if self.travel => "Departs",
            "first" => "Starts",
            "last" if self.travel => "Arrives",
            "last" => "Ends",
            k if k.starts_with("capacity_") => "Places",
            k if k.starts_with("price_") => "Base price",
            _ => "The event",
        };
        self.errs.sentence(key, label)
    }

    /// The problems of a category line's input (`price` or `capacity`).
    pub fn at(&self, field: &str, category: &str) -> Option<String> {
        self.err(&format!("{field}_{category}"))
    }

    /// Whether the page shows problems.
    pub fn has_problems(&self) -> bool {
        !self.errs.is_empty() || self.problem.is_some()
    }
}

fn fields_of(e: &EventView) -> EditFields {
    let tz = &e.timezone;
    let (first, last) = if e.category.is_travel() {
        (e.departs_at, e.arrives_at)
    } else {
        (Some(e.starts_at), e.ends_at)
    };
    EditFields {
        name: e.name.clone(),
        description: e.description.clone(),
        timezone: tz.clone(),
        first: first
            .map(|t| event_time::input_value(t, tz))
            .unwrap_or_default(),
        last: last
            .map(|t| event_time::input_value(t, tz))
            .unwrap_or_default(),
    }
}

fn lines_of(e: &EventView) -> Vec<EditLine> {
    e.categories
        .iter()
        .map(|c| EditLine {
            category: c.category.clone(),
            amount: format_amount(c.base_price.amount_minor, &c.base_price.currency),
            capacity: c.availability.total.to_string(),
            sold: c.availability.sold,
            held: c.availability.held,
        })
        .collect()
}

fn edit_page(chrome: Chrome, e: EventView, fields: EditFields, lines: Vec<EditLine>) -> EditPage {
    EditPage {
        chrome,
        travel: e.category.is_travel(),
        e,
        fields,
        lines,
        errs: Errs::default(),
        problem: None,
    }
}

/// `GET /admin/events/{id}/edit`.
pub async fn show(
    AdminSession(session): AdminSession,
    State(catalog): State<Catalog>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let e = catalog.get_event(&id).await?;
    if e.status == EventStatus::Cancelled {
        return Err(Error::from(Conflict::CancelledEventEdited).into());
    }
    let chrome = Chrome::signed_in(&session, &format!("Edit {}", e.name), "/admin/events");
    let (fields, lines) = (fields_of(&e), lines_of(&e));
    Ok(page(&edit_page(chrome, e, fields, lines)))
}

/// What changed, as a patch; what cannot be read goes into `errs`.
fn patch_of(e: &EventView, typed: &EditFields, lines: &[EditLine], errs: &mut Errs) -> EventPatch {
    let shown = fields_of(e);
    let mut patch = EventPatch::default();
    if typed.name != shown.name {
        patch.name = Some(typed.name.clone());
    }
    if typed.description != shown.description {
        patch.description = Some(typed.description.clone());
    }
    let timezone = typed.timezone.trim();
    let zone_changed = timezone != shown.timezone;
    let tz = if !zone_changed {
        event_time::zone(timezone)
    } else if event_time::is_zone(timezone) {
        patch.timezone = Some(timezone.to_string());
        event_time::zone(timezone)
    } else {
        errs.add(
            "timezone",
            "is not a time zone this server knows; use an IANA name such as Europe/Berlin or UTC",
        );
        event_time::zone(&shown.timezone)
    };
    // A time is sent when it was changed, or when the zone it is read in was.
    let mut time = |key: &str, text: &str, before: &str| -> Option<OffsetDateTime> {
        if text.trim().is_empty() || (text.trim() == before && !zone_changed) {
            return None;
        }
        event_time::parse_input(text, &tz)
            .map_err(|m| errs.add(key, m))
            .ok()
    };
    let first = time("first", &typed.first, &shown.first);
    let last = time("last", &typed.last, &shown.last);
    if e.category.is_travel() {
        (patch.departs_at, patch.arrives_at) = (first, last);
    } else {
        (patch.starts_at, patch.ends_at) = (first, last);
    }
    let mut prices = BTreeMap::new();
    let mut capacity = BTreeMap::new();
    for (line, category) in lines.iter().zip(&e.categories) {
        match parse_amount(&line.amount, &e.currency) {
            Ok(minor) if minor != category.base_price.amount_minor => {
                prices.insert(line.category.clone(), Money::new(minor, &e.currency));
            }
            Ok(_) => {}
            Err(err) => errs.add(format!("price_{}", line.category), err.message()),
        }
        if e.general_admission {
            match line.capacity.trim().parse::<u32>() {
                Ok(places) if u64::from(places) != category.availability.total => {
                    capacity.insert(line.category.clone(), places);
                }
                Ok(_) => {}
                Err(_) => errs.add(
                    format!("capacity_{}", line.category),
                    "must be a whole number of places, e.g. 500",
                ),
            }
        }
    }
    patch.prices = (!prices.is_empty()).then_some(prices);
    patch.capacity = (!capacity.is_empty()).then_some(capacity);
    patch
}

/// `POST /admin/events/{id}/edit`.
pub async fn submit(
    AdminSession(_): AdminSession,
    State(catalog): State<Catalog>,
    Path(id): Path<String>,
    CsrfForm { session, form }: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let e = catalog.get_event(&id).await?;
    let get = |key: &str| {
        form.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let typed = EditFields {
        name: get("name"),
        description: get("description"),
        timezone: get("timezone"),
        first: get("first"),
        last: get("last"),
    };
    let mut lines = lines_of(&e);
    for line in &mut lines {
        line.amount = get(&format!("price_{}", line.category));
        if e.general_admission {
            line.capacity = get(&format!("capacity_{}", line.category));
        }
    }
    let mut errs = Errs::default();
    let patch = patch_of(&e, &typed, &lines, &mut errs);
    let chrome = Chrome::signed_in(&session, &format!("Edit {}", e.name), "/admin/events");
    let outcome = if errs.is_empty() {
        catalog.update_event(&id, patch).await.map(|_| ())
    } else {
        Err(Error::Validation(Vec::new()))
    };
    let (status, problem) = match outcome {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/admin/events/{id}?updated=1")).into_response());
        }
        Err(Error::Validation(fields)) => {
            for f in fields {
                let key = input_of(&f.field, e.category.is_travel());
                errs.add(key, humanize(&f.message));
            }
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        }
        Err(Error::Conflict(refusal)) => {
            (StatusCode::CONFLICT, Some(sentence(&refusal.to_string())))
        }
        Err(other) => return Err(other.into()),
    };
    let mut page = edit_page(chrome, e, typed, lines);
    page.errs = errs;
    page.problem = problem;
    Ok(page_with_status(status, &page))
}

/// The input a catalog field path is about.
fn input_of(field: &str, travel: bool) -> String {
    match field {
        "name" | "description" | "timezone" => field.to_string(),
        "starts_at" | "departs_at" => "first".into(),
        "ends_at" | "arrives_at" => "last".into(),
        _ if travel && field == "stops" => "first".into(),
        _ => {
            for (prefix, key) in [("prices.", "price"), ("capacity.", "capacity")] {
                if let Some(rest) = field.strip_prefix(prefix) {
                    let category = rest.split('.').next().unwrap_or(rest);
                    return format!("{key}_{category}");
                }
            }
            "event".into()
        }
    }
}

fn humanize(message: &str) -> String {
    message
        .replace("starts_at", "the start")
        .replace("departs_at", "the departure")
        .replace("arrives_at", "the arrival")
}
