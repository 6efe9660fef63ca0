//! `/admin/events/new` (admins): the forms that create a seated event (with the seat-map
//! builder, or a saved venue's map), a journey with stops, or a general-admission event.
//! The form becomes the API's `CreateEvent` and goes to [`Catalog::create_event`], the
//! function `POST /api/v1/events` calls; the catalog's validation comes back next to the
//! inputs, with 422, and nothing is written.

use super::csrf::CsrfForm;
use super::event_form::{EventForm, Kind};
use super::event_form_check::{self, VenueChoice};
use super::render::{Chrome, PageError, page_with_status};
use super::seat_builder;
use super::session::AdminSession;
use crate::auth::session::ConsoleSession;
use crate::catalog::Catalog;
use crate::error::Error;
use crate::pagination::PageRequest;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/event_new.html")]
pub struct NewEventPage {
    pub chrome: Chrome,
    pub form: EventForm,
    pub venues: Vec<VenueChoice>,
    pub summary: Vec<(String, String)>,
    pub flags: String,
}

impl NewEventPage {
    fn new(session: &ConsoleSession, form: EventForm, venues: Vec<VenueChoice>) -> NewEventPage {
        let summary = form.summary();
        NewEventPage {
            chrome: Chrome::signed_in(session, "New event", "/admin/events"),
            form,
            venues,
            summary,
            flags: crate::catalog::model::SeatFlag::ALL
                .map(|f| f.as_str())
                .join(", "),
        }
    }

    /// Whether the form's kind is `kind` (for the tabs).
    pub fn is(&self, kind: &str) -> bool {
        self.form.kind.as_str() == kind
    }
}

/// The saved venues a form may pick (the first 200: more than a box-office ever keeps).
async fn venues(catalog: &Catalog) -> Result<Vec<VenueChoice>, PageError> {
    let page = catalog
        .list_venues(PageRequest {
            limit: crate::pagination::MAX_LIMIT,
            after: None,
        })
        .await?;
    Ok(page
        .items
        .into_iter()
        .map(|v| {
            let (size, categories) = match (&v.seat_map, &v.capacity) {
                (Some(map), _) => (
                    format!("{} seats", v.seat_count),
                    seat_builder::categories_used(map),
                ),
                (None, Some(capacity)) => (
                    format!(
                        "{} places, general admission",
                        capacity.values().map(|n| u64::from(*n)).sum::<u64>()
                    ),
                    capacity.keys().cloned().collect(),
                ),
                (None, None) => (String::new(), Vec::new()),
            };
            VenueChoice {
                label: format!(
                    "{} · {size} ({}) · {}",
                    v.name,
                    categories.join(", "),
                    v.timezone
                ),
                id: v.id,
                name: v.name,
                timezone: v.timezone,
                categories,
            }
        })
        .collect())
}

#[derive(Debug, Deserialize)]
pub struct KindQuery {
    #[serde(default)]
    kind: String,
}

/// `GET /admin/events/new?kind=seated|travel|ga`.
pub async fn show(
    AdminSession(session): AdminSession,
    State(catalog): State<Catalog>,
    Query(query): Query<KindQuery>,
) -> Result<Response, PageError> {
    let form = EventForm::new(Kind::parse(&query.kind));
    let venues = venues(&catalog).await?;
    Ok(page_with_status(
        StatusCode::OK,
        &NewEventPage::new(&session, form, venues),
    ))
}

/// `POST /admin/events/new`: "Create" creates the event and shows it; the builder's buttons
/// show the form again with a row, section, stop or price line added or removed.
pub async fn submit(
    AdminSession(_): AdminSession,
    State(catalog): State<Catalog>,
    CsrfForm { session, form }: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let action = form
        .iter()
        .rev()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.as_str())
        .unwrap_or("create")
        .to_string();
    let mut event_form = EventForm::from_pairs(&form);
    let venues = venues(&catalog).await?;
    if action != "create" {
        event_form.apply(&action);
        // Categories typed so far get their price lines; nothing is judged yet.
        event_form_check::to_create(&mut event_form, &venues);
        event_form.errs = Default::default();
        return Ok(page_with_status(
            StatusCode::OK,
            &NewEventPage::new(&session, event_form, venues),
        ));
    }
    let checked = event_form_check::to_create(&mut event_form, &venues);
    let outcome = if event_form.errs.is_empty() {
        catalog
            .create_event(&session.caller(), checked.input.clone())
            .await
    } else {
        // Some inputs could not be read: nothing is created, but the catalog still says
        // what else is wrong, so every problem shows at once.
        match catalog.check_new_event(checked.input.clone()).await {
            Ok(()) => Err(Error::Validation(Vec::new())),
            Err(e) => Err(e),
        }
    };
    match outcome {
        Ok(event) => {
            Ok(Redirect::to(&format!("/admin/events/{}?created=1", event.id)).into_response())
        }
        Err(Error::Validation(errors)) => {
            event_form_check::place_errors(&mut event_form, &checked, errors);
            Ok(page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewEventPage::new(&session, event_form, venues),
            ))
        }
        Err(other) => Err(other.into()),
    }
}
