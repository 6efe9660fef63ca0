//! What a seat map shows, shared by the staff seats page (`seat_map.rs`) and the box
//! office's pick-your-seats page (`box_office.rs`): the view asked for (section, segment,
//! selection) read from a query or form, the event's seats and counts read once, and the
//! drawing — or, for an event too big to draw whole, the overview of its sections. Both pages
//! draw the same map the same way because they read it here.

use super::render::PageError;
use super::seat_drawing::{self, DRAW_ALL_UP_TO, SeatDrawing, SectionCounts};
use crate::booking::Bookings;
use crate::catalog::Catalog;
use crate::catalog::model::{EventView, SeatView, find_segment};
use crate::http::state::AppState;
use axum::extract::FromRef;
use axum::http::StatusCode;
use std::collections::HashSet;

/// What a seat map is read from: the catalog (the event, its seats, counts per section) and
/// the bookings (which seats are checked in). A handler takes it as one `State`.
#[derive(Clone)]
pub struct SeatMaps {
    pub catalog: Catalog,
    pub bookings: Bookings,
}

impl FromRef<AppState> for SeatMaps {
    fn from_ref(state: &AppState) -> SeatMaps {
        SeatMaps {
            catalog: state.catalog.clone(),
            bookings: state.bookings.clone(),
        }
    }
}

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
pub async fn load(maps: &SeatMaps, id: &str, query: &MapQuery) -> Result<MapData, PageError> {
    let (catalog, bookings) = (&maps.catalog, &maps.bookings);
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
        data.event.category,
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
