//! What can be sold: venues with reusable seat maps, events (venue-based or travel with
//! stops), price categories with base prices, seats with flags, and seat blocking.
//!
//! Owns the venues, events, event_stops, price_categories, seats and seat_history tables.
//! Never decides whether a seat is free to sell: that is `inventory`'s job.

pub mod event_input;
pub mod history;
pub mod invariants;
pub mod model;
pub mod repo;
pub mod seat_map;
pub mod venue;

use crate::auth::Caller;
use crate::clock::SharedClock;
use crate::error::{Error, Validator};
use crate::inventory::Inventory;
use crate::money::Money;
use crate::pagination::{Page, PageRequest};
use crate::store::Sqlite;
use event_input::{CreateEvent, EventPatch, MAX_CAPACITY, required_text, validate_timezone};
use model::{
    Availability, CategoryView, EventCategory, EventStatus, EventView, SeatStatus, SeatView,
    SeatsView, StopView, VenueSummary, at,
};
use repo::EventRow;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use venue::{CreateVenue, VenueView};

pub use repo::EventFilter;

/// The most seats one block or unblock request may name.
pub const MAX_LABELS_PER_REQUEST: usize = 1_000;

/// The catalog handle.
#[derive(Clone, Debug)]
pub struct Catalog {
    db: Sqlite,
    clock: SharedClock,
    /// The live seat index; absent in CLI processes, which see the stored state only.
    inventory: Option<Inventory>,
}

impl Catalog {
    /// A catalog over the database.
    pub fn new(db: Sqlite, clock: SharedClock) -> Catalog {
        Catalog {
            db,
            clock,
            inventory: None,
        }
    }

    /// The same catalog, keeping the live seat index in step with its changes.
    pub fn with_inventory(self, inventory: Inventory) -> Catalog {
        Catalog {
            inventory: Some(inventory),
            ..self
        }
    }

    /// Replaces stored counts with the live index's (held and expired seats included).
    fn with_live_counts(&self, mut view: EventView) -> EventView {
        let Some(counts) = self
            .inventory
            .as_ref()
            .and_then(|i| i.availability(&view.id))
        else {
            return view;
        };
        let prices = self
            .inventory
            .as_ref()
            .map(|i| i.prices(&view.id))
            .unwrap_or_default();
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

    /// Creates an event with its seats. A venue id supplies the seat map, name and time zone
    /// unless the request sends its own.
    pub async fn create_event(
        &self,
        caller: &Caller,
        mut input: CreateEvent,
    ) -> Result<EventView, Error> {
        if let Some(venue_id) = input.venue.as_ref().and_then(|v| v.id.clone()) {
            let lookup = venue_id.clone();
            let venue = self
                .db
                .read(move |conn| repo::venue_by_id(conn, &lookup))
                .await?
                .ok_or_else(|| Error::invalid("venue.id", "no venue has this id"))?;
            let venue = VenueView::from_row(venue)?;
            if input.seat_map.is_none() && input.capacity.is_none() {
                input.seat_map = venue.seat_map.clone();
                input.capacity = venue.capacity.clone();
            }
            if let Some(v) = input.venue.as_mut()
                && v.name.is_none()
            {
                v.name = Some(venue.name.clone());
            }
            if input.timezone.is_none() {
                input.timezone = Some(venue.timezone.clone());
            }
        }
        let event = input.validate(self.clock.now())?;
        let id = crate::ids::new_id("evt");
        let now = self.clock.now().unix_timestamp();
        let event_id = id.clone();
        let category = event.category;
        let view = self
            .db
            .write(move |conn| {
                repo::insert_event(conn, &event_id, &event, now)?;
                event_view(conn, &event_id)
            })
            .await?;
        if let Some(inventory) = &self.inventory {
            inventory.load_event(&id).await?;
        }
        metrics::counter!(crate::telemetry::CATALOG_EVENTS_CREATED_TOTAL, "category" => category.as_str())
            .increment(1);
        tracing::info!(event_id = %id, by = %caller.user_id, seats = view.availability.total, "event created");
        Ok(self.with_live_counts(view))
    }

    /// One event with its prices and availability.
    pub async fn get_event(&self, id: &str) -> Result<EventView, Error> {
        if !crate::ids::looks_like("evt", id) {
            return Err(Error::NotFound("event"));
        }
        let id = id.to_string();
        let view = self.db.read(move |conn| event_view(conn, &id)).await?;
        Ok(self.with_live_counts(view))
    }

    /// A page of events by start time.
    pub async fn list_events(
        &self,
        filter: EventFilter,
        page: PageRequest,
    ) -> Result<Page<EventView>, Error> {
        let request = page.clone();
        let views = self
            .db
            .read(move |conn| {
                repo::list_events(conn, &filter, &request)?
                    .into_iter()
                    .map(|row| build_view(conn, row))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
        Ok(Page::from_rows(views, &page, |e| {
            vec![e.starts_at.unix_timestamp().to_string(), e.id.clone()]
        })
        .map(|v| self.with_live_counts(v)))
    }

    /// Every seat of an event with its status; `from`/`to` pick a segment of a route.
    pub async fn seats(
        &self,
        id: &str,
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
                let prices: BTreeMap<String, i64> = repo::categories(conn, &id)?
                    .into_iter()
                    .map(|c| (c.category, c.base_minor))
                    .collect();
                let seats = repo::seats(conn, &id)?
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
        if let Some(inventory) = &self.inventory {
            let live = inventory.seat_statuses(
                &view.event_id,
                view.from.as_deref(),
                view.to.as_deref(),
            )?;
            // The current (dynamic) price a new hold would quote, not the base price.
            let prices: BTreeMap<String, i64> =
                inventory.prices(&view.event_id).into_iter().collect();
            for seat in &mut view.seats {
                if let Some(status) = live.get(&seat.label) {
                    seat.status = *status;
                }
                if let Some(&price) = prices.get(&seat.category) {
                    seat.price.amount_minor = price;
                }
            }
        }
        Ok(view)
    }

    /// Applies an admin's edit. Times stay in the future and in order; prices keep the
    /// event's currency; capacity never drops below what is taken.
    pub async fn update_event(&self, id: &str, patch: EventPatch) -> Result<EventView, Error> {
        if !crate::ids::looks_like("evt", id) {
            return Err(Error::NotFound("event"));
        }
        let now = self.clock.now();
        let event_id = id.to_string();
        let prices = patch.prices.clone();
        let live = self.inventory.clone();
        // The live index's capacity changes, as (category, previous), so a failed commit can
        // put them back.
        let applied = Arc::new(Mutex::new(Vec::new()));
        let changed = Arc::clone(&applied);
        let result = self
            .db
            .write(move |conn| {
                let mut event =
                    repo::event_by_id(conn, &event_id)?.ok_or(Error::NotFound("event"))?;
                if EventStatus::parse(&event.status) == EventStatus::Cancelled {
                    return Err(Error::conflict(
                        "event_cancelled",
                        "a cancelled event cannot be edited",
                    ));
                }
                apply_patch(conn, &mut event, &patch, now)?;
                event.updated_at = now.unix_timestamp();
                repo::update_event(conn, &event)?;
                if patch.prices.is_some() {
                    // A new base price reaches pricing like any other change (the original's
                    // admin edits never did: R1).
                    let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
                    crate::jobs::queue::enqueue_now(
                        conn,
                        crate::jobs::JobKind::SeatsChanged,
                        &serde_json::json!({"event_id": event_id, "reason": "base-price"}),
                        Some(format!("seats-changed:{event_id}:base-price:{now_ms}")),
                        format!("event:{event_id}"),
                        now_ms,
                    )?;
                }
                let view = event_view(conn, &event_id)?;
                // Last, once every rule has passed: a refused edit must never widen the live
                // index, even for a moment, or holds slip in past the stored capacity. The
                // index refuses a capacity below what is held right now.
                if let (Some(inventory), Some(capacity)) = (&live, &patch.capacity) {
                    let mut changed = changed.lock().unwrap_or_else(|p| p.into_inner());
                    set_live_capacity(inventory, &event_id, capacity, &mut changed)?;
                }
                Ok(view)
            })
            .await;
        match result {
            Ok(view) => {
                if let (Some(inventory), Some(prices)) = (&self.inventory, prices) {
                    for (category, price) in prices {
                        inventory.set_price(id, &category, price.amount_minor);
                    }
                }
                Ok(self.with_live_counts(view))
            }
            Err(e) => {
                let undo = std::mem::take(&mut *applied.lock().unwrap_or_else(|p| p.into_inner()));
                self.undo_capacity(id, &undo);
                Err(e)
            }
        }
    }

    fn undo_capacity(&self, event_id: &str, undo: &[(String, u32)]) {
        if let Some(inventory) = &self.inventory {
            undo_live_capacity(inventory, event_id, undo);
        }
    }

    /// Deletes an event that has never sold or held anything.
    pub async fn delete_event(&self, caller: &Caller, id: &str) -> Result<(), Error> {
        if !crate::ids::looks_like("evt", id) {
            return Err(Error::NotFound("event"));
        }
        if let Some(inventory) = &self.inventory {
            inventory.retire_event(id)?;
        }
        let event_id = id.to_string();
        let deleted = self
            .db
            .write(move |conn| repo::delete_event(conn, &event_id))
            .await;
        if !matches!(deleted, Ok(true))
            && let Some(inventory) = &self.inventory
        {
            inventory.load_event(id).await?;
        }
        if !deleted? {
            return Err(Error::NotFound("event"));
        }
        tracing::info!(event_id = %id, by = %caller.user_id, "event deleted");
        Ok(())
    }

    /// Blocks seats with a reason, or unblocks them (`reason: None`). All or nothing: an
    /// unknown label changes nothing.
    pub async fn set_blocked(
        &self,
        caller: &Caller,
        id: &str,
        labels: Vec<String>,
        reason: Option<String>,
    ) -> Result<SeatsView, Error> {
        if !crate::ids::looks_like("evt", id) {
            return Err(Error::NotFound("event"));
        }
        let mut v = Validator::new();
        v.check(!labels.is_empty(), "seats", "name at least one seat");
        v.check(
            labels.len() <= MAX_LABELS_PER_REQUEST,
            "seats",
            format!("at most {MAX_LABELS_PER_REQUEST} seats per request"),
        );
        let reason = reason.map(|r| required_text("reason", Some(&r), 500, &mut v));
        v.finish()?;
        let now = self.clock.now().unix_timestamp();
        let actor = caller.user_id.clone();
        let event_id = id.to_string();
        let mut labels = labels;
        labels.sort();
        labels.dedup();
        let changed = labels.clone();
        // Blocking checks the live index first (a held or sold seat cannot be blocked) and
        // is undone there if the stored change fails; unblocking is stored first.
        let newly_blocked = match (&self.inventory, reason.is_some()) {
            (Some(inventory), true) => inventory.block(id, &labels)?,
            _ => Vec::new(),
        };
        let blocking = reason.is_some();
        let stored = self
            .db
            .write(move |conn| {
                let event = repo::event_by_id(conn, &event_id)?.ok_or(Error::NotFound("event"))?;
                if event.general_admission {
                    return Err(Error::invalid(
                        "seats",
                        "a general-admission event has no seats to block",
                    ));
                }
                let missing =
                    repo::set_blocked(conn, &event_id, &labels, reason.as_deref(), &actor, now)?;
                if !missing.is_empty() {
                    return Err(Error::invalid(
                        "seats",
                        format!("no such seats in this event: {}", missing.join(", ")),
                    ));
                }
                Ok(())
            })
            .await;
        if let Some(inventory) = &self.inventory {
            match (&stored, blocking) {
                (Err(_), true) => inventory.unblock(id, &newly_blocked),
                (Ok(()), false) => inventory.unblock(id, &changed),
                _ => {}
            }
        }
        stored?;
        let mut view = self.seats(id, None, None).await?;
        view.seats.retain(|s| changed.contains(&s.label));
        Ok(view)
    }

    /// Creates a reusable venue.
    pub async fn create_venue(&self, input: CreateVenue) -> Result<VenueView, Error> {
        let row = input.validate(crate::ids::new_id("ven"), self.clock.now().unix_timestamp())?;
        let insert = row.clone();
        self.db
            .write(move |conn| repo::insert_venue(conn, &insert))
            .await?;
        VenueView::from_row(row)
    }

    /// One venue.
    pub async fn get_venue(&self, id: &str) -> Result<VenueView, Error> {
        if !crate::ids::looks_like("ven", id) {
            return Err(Error::NotFound("venue"));
        }
        let id = id.to_string();
        let row = self
            .db
            .read(move |conn| repo::venue_by_id(conn, &id))
            .await?
            .ok_or(Error::NotFound("venue"))?;
        VenueView::from_row(row)
    }

    /// A page of venues.
    pub async fn list_venues(&self, page: PageRequest) -> Result<Page<VenueView>, Error> {
        let request = page.clone();
        let rows = self
            .db
            .read(move |conn| repo::list_venues(conn, &request))
            .await?;
        let page = Page::from_rows(rows, &page, |v| vec![v.id.clone()]);
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(VenueView::from_row)
                .collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

/// Sets general-admission capacities in the live index, recording each previous value in
/// `applied`; all or nothing (a refusal puts back what was set and empties `applied`).
fn set_live_capacity(
    inventory: &Inventory,
    event_id: &str,
    capacity: &BTreeMap<String, u32>,
    applied: &mut Vec<(String, u32)>,
) -> Result<(), Error> {
    for (category, places) in capacity {
        match inventory.set_capacity(event_id, category, *places) {
            Ok(previous) => applied.push((category.clone(), previous)),
            Err(e) => {
                undo_live_capacity(inventory, event_id, applied);
                applied.clear();
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Puts back capacities recorded by [`set_live_capacity`], newest first. This can only fail
/// if holds took the raised places in the instant between setting and undoing (a partial
/// refusal or a failed commit); the live index then keeps the higher value, and it is logged.
fn undo_live_capacity(inventory: &Inventory, event_id: &str, applied: &[(String, u32)]) {
    for (category, previous) in applied.iter().rev() {
        if let Err(e) = inventory.set_capacity(event_id, category, *previous) {
            tracing::error!(event_id, category, error = %e, "could not restore a live capacity");
        }
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

fn apply_patch(
    conn: &Connection,
    event: &mut EventRow,
    patch: &EventPatch,
    now: time::OffsetDateTime,
) -> Result<(), Error> {
    let mut v = Validator::new();
    let category = EventCategory::parse(&event.category)
        .ok_or_else(|| Error::internal("unknown stored category"))?;
    if let Some(name) = &patch.name {
        event.name = required_text("name", Some(name), 200, &mut v);
    }
    if let Some(description) = &patch.description {
        v.check(
            description.chars().count() <= 5_000,
            "description",
            "must be at most 5000 characters",
        );
        event.description = description.clone();
    }
    if let Some(tz) = &patch.timezone {
        validate_timezone("timezone", tz, &mut v);
        event.timezone = tz.clone();
    }
    let stops = repo::stops(conn, &event.id)?;
    if category.is_travel() {
        v.check(
            patch.starts_at.is_none(),
            "starts_at",
            "travel events use departs_at",
        );
        v.check(
            patch.ends_at.is_none(),
            "ends_at",
            "travel events use arrives_at",
        );
        let last = stops.len().saturating_sub(1);
        if let Some(departs) = patch.departs_at {
            // Without intermediate stops the next arrival is the destination's, which this
            // patch may move too (a delay moves both ends at once).
            let next = match (stops.len(), patch.arrives_at) {
                (2, Some(arrives)) => arrives.unix_timestamp(),
                _ => stops.get(1).and_then(|s| s.arrives_at).unwrap_or(i64::MAX),
            };
            v.check(departs > now, "departs_at", "must be in the future");
            v.check(
                departs.unix_timestamp() < next,
                "departs_at",
                "must be before the arrival at the next stop",
            );
            event.starts_at = departs.unix_timestamp();
            repo::update_stop_times(conn, &event.id, 0, None, Some(event.starts_at))?;
        }
        if let Some(arrives) = patch.arrives_at {
            let previous = if last >= 2 {
                stops[last - 1].departs_at.unwrap_or(event.starts_at)
            } else {
                event.starts_at
            };
            v.check(
                arrives.unix_timestamp() > previous,
                "arrives_at",
                "must be after the departure from the previous stop",
            );
            event.ends_at = Some(arrives.unix_timestamp());
            repo::update_stop_times(
                conn,
                &event.id,
                last as i64,
                Some(arrives.unix_timestamp()),
                None,
            )?;
        }
    } else {
        v.check(
            patch.departs_at.is_none(),
            "departs_at",
            "only travel events depart",
        );
        v.check(
            patch.arrives_at.is_none(),
            "arrives_at",
            "only travel events arrive",
        );
        if let Some(starts) = patch.starts_at {
            v.check(starts > now, "starts_at", "must be in the future");
            event.starts_at = starts.unix_timestamp();
        }
        if let Some(ends) = patch.ends_at {
            event.ends_at = Some(ends.unix_timestamp());
        }
        if let Some(ends) = event.ends_at {
            v.check(ends > event.starts_at, "ends_at", "must be after starts_at");
        }
    }
    let categories = repo::categories(conn, &event.id)?;
    if let Some(prices) = &patch.prices {
        for (name, price) in prices {
            let field = format!("prices.{name}");
            if !categories.iter().any(|c| &c.category == name) {
                v.add(field, "this event has no such category");
                continue;
            }
            price.validate_price(&field, &mut v);
            v.check(
                price.currency == event.currency,
                format!("{field}.currency"),
                format!("must be the event's currency, {}", event.currency),
            );
            if v.is_clean() {
                repo::set_base_price(conn, &event.id, name, price.amount_minor)?;
            }
        }
    }
    if let Some(capacity) = &patch.capacity {
        if !event.general_admission {
            v.add(
                "capacity",
                "seated events change capacity by blocking or unblocking seats",
            );
        }
        for (name, places) in capacity {
            let field = format!("capacity.{name}");
            if !categories.iter().any(|c| &c.category == name) {
                v.add(field, "this event has no such category");
                continue;
            }
            // What is held or sold is checked against the live index after these rules.
            v.check(
                (1..=MAX_CAPACITY).contains(places),
                field,
                format!("must be between 1 and {MAX_CAPACITY}"),
            );
            if v.is_clean() {
                repo::set_capacity(conn, &event.id, name, *places)?;
            }
        }
    }
    // Any error rolls back the writes above: the writer runs each request in a savepoint.
    v.finish()
}

/// The full view of one event, read inside the caller's transaction.
pub fn event_view(conn: &Connection, id: &str) -> Result<EventView, Error> {
    let row = repo::event_by_id(conn, id)?.ok_or(Error::NotFound("event"))?;
    build_view(conn, row)
}

fn build_view(conn: &Connection, row: EventRow) -> Result<EventView, Error> {
    let category = EventCategory::parse(&row.category)
        .ok_or_else(|| Error::internal("unknown stored category"))?;
    let stops: Vec<StopView> = repo::stops(conn, &row.id)?
        .into_iter()
        .map(|s| StopView {
            index: s.idx as u32,
            name: s.name,
            arrives_at: s.arrives_at.map(at),
            departs_at: s.departs_at.map(at),
        })
        .collect();
    let mut total = Availability::default();
    let mut prices = BTreeMap::new();
    let categories: Vec<CategoryView> = repo::categories(conn, &row.id)?
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
        departs_at: travel.then(|| at(row.starts_at)),
        arrives_at: if travel { row.ends_at.map(at) } else { None },
        id: row.id,
        name: row.name,
        description: row.description,
        category,
        status: EventStatus::parse(&row.status),
        starts_at: at(row.starts_at),
        ends_at: row.ends_at.map(at),
        stops,
        timezone: row.timezone,
        general_admission: row.general_admission,
        currency: row.currency,
        prices,
        categories,
        availability: total,
        created_at: at(row.created_at),
        updated_at: at(row.updated_at),
    })
}
