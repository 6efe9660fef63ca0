//! Public pages rendered on the server (askama): the home page a newcomer lands on, listing
//! what is on sale. No JavaScript, no CDN: it works on a venue LAN with no internet.

use super::problem::Problem;
use super::state::AppState;
use crate::catalog::model::EventView;
use crate::catalog::{Catalog, EventFilter};
use crate::pagination::PageRequest;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

/// The page routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(home))
        .route("/assets/{file}", get(asset))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    events: Vec<EventCard>,
}

struct EventCard {
    id: String,
    name: String,
    category: &'static str,
    when: String,
    place: String,
    available: u64,
    total: u64,
    from_price: String,
}

impl EventCard {
    fn from_view(e: &EventView) -> EventCard {
        let place = match (&e.venue, &e.origin, &e.destination) {
            (Some(v), _, _) => v.name.clone(),
            (None, Some(o), Some(d)) => format!("{o} → {d}"),
            _ => String::new(),
        };
        let cheapest = e
            .categories
            .iter()
            .map(|c| &c.price)
            .min_by_key(|p| p.amount_minor);
        EventCard {
            id: e.id.clone(),
            name: e.name.clone(),
            category: e.category.as_str(),
            when: e
                .starts_at
                .format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute] UTC"
                ))
                .unwrap_or_default(),
            place,
            available: e.availability.available,
            total: e.availability.total,
            from_price: cheapest.map(|p| p.to_string()).unwrap_or_default(),
        }
    }
}

async fn home(State(catalog): State<Catalog>) -> Response {
    let page = PageRequest {
        limit: 50,
        after: None,
    };
    let events = match catalog.list_events(EventFilter::default(), page).await {
        Ok(page) => page.items.iter().map(EventCard::from_view).collect(),
        Err(e) => return e.into_response(),
    };
    match (HomePage { events }).render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => crate::error::Error::internal(format!("template: {e}")).into_response(),
    }
}

/// Static files compiled into the binary.
const ASSETS: &[(&str, &str, &str)] = &[(
    "style.css",
    "text/css; charset=utf-8",
    include_str!("../../assets/style.css"),
)];

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => Problem::new(StatusCode::NOT_FOUND, "not_found", "no such asset").into_response(),
    }
}
