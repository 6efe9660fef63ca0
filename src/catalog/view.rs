//! Reading events: one event, a page of them, the seats of one; stored counts replaced by
//! the live index's where there is one.

use super::Catalog;
use super::live::LiveSeats;
use super::model;
use super::model::Availability;
use super::model::CategoryView;
use super::model::EventCategory;
use super::model::EventView;
use super::model::SeatStatus;
use super::model::SeatView;
use super::model::SeatsView;
use super::model::SectionCounts;
use super::model::StopView;
use super::model::VenueSummary;
use super::model::at;
use super::repo;
use super::repo::EventFilter;
use super::repo::EventRow;
use crate::error::Error;
use crate::money::Money;
use crate::pagination::Page;
use crate::pagination::PageRequest;
use rusqlite::Connection;
use std::collections::{BTreeMap, HashSet};

/// What the live index says of one event: counts and quoted prices per category.
type LiveFigures = (Vec<(String, Availability)>, Vec<(String, i64)>);

impl Catalog {
    /// Replaces stored counts with the live index's (held and expired seats included).
    pub(super) fn with_live_counts(&self, view: EventView) -> EventView {
        match live_figures(self.live.as_deref(), &view.id) {
            Some(figures) => with_figures(view, figures),
            None => view,
        }
    }

    /// One event with its prices and availability.
    pub async fn get_event(&self, id: &str) -> Result<EventView, Error> {
        if !crate::ids::looks_like("evt", id) {
            return Err(Error::NotFound("event"));
        }
        let id = id.to_string();
        let live = self.live.clone();
        self.db
            .read(move |conn| {
                let row = repo::event_by_id(conn, &id)?.ok_or(Error::NotFound("event"))?;
                counted_view(conn, live.as_deref(), row)
            })
            .await
    }

    /// A page of events by start time. Search terms longer than
    /// [`crate::error::MAX_QUERY_CHARS`] are refused (SQLite's LIKE has a pattern limit).
    pub async fn list_events(
        &self,
        filter: EventFilter,
        page: PageRequest,
    ) -> Result<Page<EventView>, Error> {
        let mut v = crate::error::Validator::new();
        v.query_text("q", filter.q.as_deref());
        v.query_text("origin", filter.origin.as_deref());
        v.query_text("destination", filter.destination.as_deref());
        v.finish()?;
        let request = page.clone();
        let live = self.live.clone();
        let views = self
            .db
            .read(move |conn| {
                repo::list_events(conn, &filter, &request)?
                    .into_iter()
                    .map(|row| counted_view(conn, live.as_deref(), row))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
        Ok(Page::from_rows(views, &page, |e| {
            // Whole seconds, as the cursors handed out before times were kept in ms.
            vec![e.starts_at.unix_timestamp().to_string(), e.id.clone()]
        }))
    }

    /// Every seat of an event with its status; `from`/`to` pick a segment of a route.
    pub async fn seats(
        &self,
        id: &str,
        from: Option<String>,
        to: Option<String>,
    ) -> Result<SeatsView, Error> {
        self.seats_in(id, None, from, to).await
    }

    /// The seats of one section of an event (none if it has no such section), as
    /// [`Catalog::seats`] gives them.
    pub async fn section_seats(
        &self,
        id: &str,
        section: &str,
        from: Option<String>,
        to: Option<String>,
    ) -> Result<SeatsView, Error> {
        self.seats_in(id, Some(section.to_string()), from, to).await
    }

    /// Seats per section and status over a segment, sections in seat order; sold seats
    /// whose label is in `checked_in` are counted as checked in. From the live index
    /// without building a view of each seat; from the stored seats where there is none.
    pub async fn section_counts(
        &self,
        id: &str,
        from: Option<String>,
        to: Option<String>,
        checked_in: &HashSet<String>,
    ) -> Result<Vec<SectionCounts>, Error> {
        if let Some(live) = &self.live
            && crate::ids::looks_like("evt", id)
        {
            match live.section_counts(id, from.as_deref(), to.as_deref(), checked_in) {
                // Not in the index (e.g. not loaded yet): the stored seats answer.
                Err(Error::NotFound(_)) => {}
                answer => return answer,
            }
        }
        let view = self.seats(id, from, to).await?;
        let mut sections = Vec::new();
        for seat in &view.seats {
            let admitted = seat.status == SeatStatus::Sold && checked_in.contains(&seat.label);
            model::count_in_section(&mut sections, &seat.section, seat.status, admitted);
        }
        Ok(sections)
    }

    async fn seats_in(
        &self,
        id: &str,
        section: Option<String>,
        from: Option<String>,
        to: Option<String>,
    ) -> Result<SeatsView, Error> {
        if !crate::ids::looks_like("evt", id) {
            return Err(Error::NotFound("event"));
        }
        let id = id.to_string();
        let mut view = self
            .db
            .read(move |conn| {
                let event = repo::event_by_id(conn, &id)?.ok_or(Error::NotFound("event"))?;
                let stops = repo::stops(conn, &id)?;
                let segment = resolve_segment(&stops, from.as_deref(), to.as_deref())?;
                let prices: BTreeMap<String, i64> = repo::categories_uncounted(conn, &id)?
                    .into_iter()
                    .map(|c| (c.category, c.base_minor))
                    .collect();
                let seats = match &section {
                    Some(section) => repo::section_seats(conn, &id, section)?,
                    None => repo::seats(conn, &id)?,
                };
                let seats = seats
                    .into_iter()
                    .map(|s| SeatView {
                        status: if s.blocked_reason.is_some() {
                            SeatStatus::Blocked
                        } else {
                            SeatStatus::Available
                        },
                        price: Money::new(
                            prices.get(&s.category).copied().unwrap_or(0),
                            &event.currency,
                        ),
                        label: s.label,
                        section: s.section,
                        row: s.row,
                        number: s.number as u32,
                        category: s.category,
                        flags: s.flags,
                        blocked_reason: s.blocked_reason,
                    })
                    .collect();
                Ok(SeatsView {
                    event_id: id,
                    from: segment.as_ref().map(|s| s.0.clone()),
                    to: segment.map(|s| s.1),
                    seats,
                })
            })
            .await?;
        if let Some(live) = &self.live {
            let statuses =
                live.seat_statuses(&view.event_id, view.from.as_deref(), view.to.as_deref())?;
            // The current (dynamic) price a new hold would quote, not the base price.
            let prices: BTreeMap<String, i64> = live.prices(&view.event_id).into_iter().collect();
            for seat in &mut view.seats {
                if let Some(status) = statuses.get(&seat.label) {
                    seat.status = *status;
                }
                if let Some(&price) = prices.get(&seat.category) {
                    seat.price.amount_minor = price;
                }
            }
        }
        Ok(view)
    }
}

/// The stop names of the segment `from`/`to` picks; `None` when no segment was asked for.
fn resolve_segment(
    stops: &[repo::StopRow],
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Option<(String, String)>, Error> {
    let names: Vec<&str> = stops.iter().map(|s| s.name.as_str()).collect();
    Ok(model::find_segment(&names, from, to)?
        .map(|(a, b)| (stops[a].name.clone(), stops[b].name.clone())))
}

/// The full view of one event, read inside the caller's transaction.
pub fn event_view(conn: &Connection, id: &str) -> Result<EventView, Error> {
    let row = repo::event_by_id(conn, id)?.ok_or(Error::NotFound("event"))?;
    let categories = repo::categories(conn, &row.id)?;
    build_view(conn, row, categories)
}

/// The live index's figures for an event, if it has the event.
fn live_figures(live: Option<&dyn LiveSeats>, id: &str) -> Option<LiveFigures> {
    let live = live?;
    Some((live.availability(id)?, live.prices(id)))
}

/// An event's view with its counts: the live index's where it has the event (then its
/// seats are not counted in SQL, which costs a pass over them per category), else the
/// stored ones.
fn counted_view(
    conn: &Connection,
    live: Option<&dyn LiveSeats>,
    row: EventRow,
) -> Result<EventView, Error> {
    match live_figures(live, &row.id) {
        Some(figures) => {
            let categories = repo::categories_uncounted(conn, &row.id)?;
            Ok(with_figures(build_view(conn, row, categories)?, figures))
        }
        None => {
            let categories = repo::categories(conn, &row.id)?;
            build_view(conn, row, categories)
        }
    }
}

/// Puts the live counts and quoted prices into a view.
fn with_figures(mut view: EventView, (counts, prices): LiveFigures) -> EventView {
    let mut total = Availability::default();
    for category in &mut view.categories {
        if let Some((_, live)) = counts.iter().find(|(name, _)| *name == category.category) {
            category.availability = *live;
        }
        if let Some((_, price)) = prices.iter().find(|(name, _)| *name == category.category) {
            category.price = Money::new(*price, &view.currency);
            view.prices
                .insert(category.category.clone(), category.price.clone());
        }
        total.add(&category.availability);
    }
    view.availability = total;
    view
}

fn build_view(
    conn: &Connection,
    row: EventRow,
    categories: Vec<repo::CategoryRow>,
) -> Result<EventView, Error> {
    let category = EventCategory::parse(&row.category)
        .ok_or_else(|| Error::internal("unknown stored category"))?;
    let stops: Vec<StopView> = repo::stops(conn, &row.id)?
        .into_iter()
        .map(|s| StopView {
            index: s.idx as u32,
            name: s.name,
            arrives_at: s.arrives_at_ms.map(at),
            departs_at: s.departs_at_ms.map(at),
        })
        .collect();
    let mut total = Availability::default();
    let mut prices = BTreeMap::new();
    let categories: Vec<CategoryView> = categories
        .into_iter()
        .map(|c| {
            let places = c.capacity.unwrap_or(c.seats).max(0) as u64;
            let blocked = c.blocked.max(0) as u64;
            let availability = Availability {
                total: places,
                available: places - blocked.min(places),
                held: 0,
                sold: 0,
                blocked,
            };
            total.add(&availability);
            let price = Money::new(c.base_minor, &row.currency);
            prices.insert(c.category.clone(), price.clone());
            CategoryView {
                category: c.category,
                base_price: price.clone(),
                price,
                availability,
            }
        })
        .collect();
    let travel = category.is_travel();
    Ok(EventView {
        venue: (!travel).then(|| VenueSummary {
            id: row.venue_id.clone(),
            name: row.venue_name.clone().unwrap_or_default(),
        }),
        origin: travel
            .then(|| stops.first().map(|s| s.name.clone()))
            .flatten(),
        destination: travel
            .then(|| stops.last().map(|s| s.name.clone()))
            .flatten(),
        departs_at: travel.then(|| at(row.starts_at_ms)),
        arrives_at: if travel { row.ends_at_ms.map(at) } else { None },
        id: row.id,
        name: row.name,
        description: row.description,
        category,
        status: row.status,
        starts_at: at(row.starts_at_ms),
        ends_at: row.ends_at_ms.map(at),
        stops,
        timezone: row.timezone,
        general_admission: row.general_admission,
        currency: row.currency,
        prices,
        categories,
        availability: total,
        created_at: at(row.created_at_ms),
        updated_at: at(row.updated_at_ms),
    })
}
