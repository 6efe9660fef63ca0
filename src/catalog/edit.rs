//! Changing events: creating, editing and deleting them, with the live index kept in step.

use super::Catalog;
use super::event_input::CreateEvent;
use super::event_input::EventPatch;
use super::event_input::MAX_CAPACITY;
use super::event_input::required_text;
use super::event_input::validate_timezone;
use super::live::SeatsEdit;
use super::model::EventCategory;
use super::model::EventStatus;
use super::model::EventView;
use super::model::second_ms;
use super::repo;
use super::repo::EventRow;
use super::venue::VenueView;
use super::view::event_view;
use crate::auth::Caller;
use crate::error::Validator;
use crate::error::{Conflict, Error};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;

impl Catalog {
    /// Creates an event with its seats. A venue id supplies the seat map, name and time zone
    /// unless the request sends its own.
    pub async fn create_event(
        &self,
        caller: &Caller,
        input: CreateEvent,
    ) -> Result<EventView, Error> {
        let event = self.with_venue(input).await?.validate(self.clock.now())?;
        let id = crate::ids::new_id("evt");
        let now_ms = self.clock.now_ms();
        let event_id = id.clone();
        let category = event.category;
        let view = self
            .db
            .write(move |conn| {
                repo::insert_event(conn, &event_id, &event, now_ms)?;
                event_view(conn, &event_id)
            })
            .await?;
        self.load_live(&id).await?;
        metrics::counter!(crate::metric::CATALOG_EVENTS_CREATED_TOTAL, "category" => category.as_str())
            .increment(1);
        tracing::info!(event_id = %id, by = %caller.user_id, seats = view.availability.total, "event created");
        Ok(self.with_live_counts(view))
    }

    /// Checks a new event against every rule [`Catalog::create_event`] applies, writing
    /// nothing: a form that could not read some fields still learns what else is wrong.
    pub async fn check_new_event(&self, input: CreateEvent) -> Result<(), Error> {
        self.with_venue(input)
            .await?
            .validate(self.clock.now())
            .map(|_| ())
    }

    /// Fills what a venue id supplies (seat map, name, time zone) unless the request sends
    /// its own.
    async fn with_venue(&self, mut input: CreateEvent) -> Result<CreateEvent, Error> {
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
        Ok(input)
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
        let live = self.live.clone();
        // What undoes the live index's capacity change, so a failed commit can put it back.
        let applied = Arc::new(Mutex::new(None));
        let changed = Arc::clone(&applied);
        let result = self
            .db
            .write(move |conn| {
                let mut event =
                    repo::event_by_id(conn, &event_id)?.ok_or(Error::NotFound("event"))?;
                if event.status == EventStatus::Cancelled {
                    return Err(Conflict::CancelledEventEdited.into());
                }
                apply_patch(conn, &mut event, &patch, now)?;
                event.updated_at_ms = crate::clock::ms(now);
                repo::update_event(conn, &event)?;
                if patch.prices.is_some() {
                    // A new base price reaches pricing like any other change (the original's
                    // admin edits never did: R1).
                    let now_ms = crate::clock::ms(now);
                    crate::jobs::message::enqueue(
                        conn,
                        &super::seats_changed::SeatsChanged::base_price(&event_id),
                        Some(format!("seats-changed:{event_id}:base-price:{now_ms}")),
                        crate::jobs::Cause::Event(event_id.clone()).to_string(),
                        now_ms,
                    )?;
                }
                let view = event_view(conn, &event_id)?;
                // Last, once every rule has passed: a refused edit must never widen the live
                // index, even for a moment, or holds slip in past the stored capacity. The
                // index refuses a capacity below what is held right now.
                if let (Some(live), Some(capacity)) = (&live, &patch.capacity) {
                    let undo = live.apply(&event_id, SeatsEdit::Capacity(capacity.clone()))?;
                    *changed.lock().unwrap_or_else(|p| p.into_inner()) = undo;
                }
                Ok(view)
            })
            .await;
        match result {
            Ok(view) => {
                if let (Some(live), Some(prices)) = (&self.live, prices) {
                    let prices = prices
                        .into_iter()
                        .map(|(category, price)| (category, price.amount_minor))
                        .collect();
                    live.apply(id, SeatsEdit::Prices(prices))?;
                }
                Ok(self.with_live_counts(view))
            }
            Err(e) => {
                let undo = applied.lock().unwrap_or_else(|p| p.into_inner()).take();
                if let Some(SeatsEdit::Capacity(previous)) = undo {
                    self.undo_capacity(id, previous);
                }
                Err(e)
            }
        }
    }

    /// Puts back capacities a failed edit set in the live index, one category at a time.
    /// This can only fail if holds took the raised places in the instant between setting
    /// and undoing; the live index then keeps the higher value, and it is logged.
    fn undo_capacity(&self, event_id: &str, previous: BTreeMap<String, u32>) {
        let Some(live) = &self.live else { return };
        for (category, places) in previous {
            let edit = SeatsEdit::Capacity(BTreeMap::from([(category.clone(), places)]));
            if let Err(e) = live.apply(event_id, edit) {
                tracing::error!(event_id, category, error = %e, "could not restore a live capacity");
            }
        }
    }

    /// Loads an event into the live index, if this process has one.
    async fn load_live(&self, event_id: &str) -> Result<(), Error> {
        let Some(live) = self.live.clone() else {
            return Ok(());
        };
        let id = event_id.to_string();
        self.db.read(move |conn| live.load(conn, &id)).await
    }

    /// Deletes an event that has never sold or held anything.
    pub async fn delete_event(&self, caller: &Caller, id: &str) -> Result<(), Error> {
        if !crate::ids::looks_like("evt", id) {
            return Err(Error::NotFound("event"));
        }
        if let Some(live) = &self.live {
            live.apply(id, SeatsEdit::Retire)?;
        }
        let event_id = id.to_string();
        let deleted = self
            .db
            .write(move |conn| repo::delete_event(conn, &event_id))
            .await;
        if !matches!(deleted, Ok(true)) {
            self.load_live(id).await?;
        }
        if !deleted? {
            return Err(Error::NotFound("event"));
        }
        tracing::info!(event_id = %id, by = %caller.user_id, "event deleted");
        Ok(())
    }
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
    // The times that belong to the other kind of event: a journey departs and arrives, the
    // rest start and end.
    let other_kinds_times = if category.is_travel() {
        [
            (patch.starts_at, "starts_at", "travel events use departs_at"),
            (patch.ends_at, "ends_at", "travel events use arrives_at"),
        ]
    } else {
        [
            (patch.departs_at, "departs_at", "only travel events depart"),
            (patch.arrives_at, "arrives_at", "only travel events arrive"),
        ]
    };
    for (given, field, message) in other_kinds_times {
        v.check(given.is_none(), field, message);
    }
    if category.is_travel() {
        let last = stops.len().saturating_sub(1);
        if let Some(departs) = patch.departs_at {
            // Without intermediate stops the next arrival is the destination's, which this
            // patch may move too (a delay moves both ends at once).
            let next = match (stops.len(), patch.arrives_at) {
                (2, Some(arrives)) => second_ms(arrives),
                _ => stops
                    .get(1)
                    .and_then(|s| s.arrives_at_ms)
                    .unwrap_or(i64::MAX),
            };
            v.check(departs > now, "departs_at", "must be in the future");
            v.check(
                second_ms(departs) < next,
                "departs_at",
                "must be before the arrival at the next stop",
            );
            event.starts_at_ms = second_ms(departs);
            repo::update_stop_times(conn, &event.id, 0, None, Some(event.starts_at_ms))?;
        }
        if let Some(arrives) = patch.arrives_at {
            let previous = if last >= 2 {
                stops[last - 1].departs_at_ms.unwrap_or(event.starts_at_ms)
            } else {
                event.starts_at_ms
            };
            v.check(
                second_ms(arrives) > previous,
                "arrives_at",
                "must be after the departure from the previous stop",
            );
            event.ends_at_ms = Some(second_ms(arrives));
            repo::update_stop_times(conn, &event.id, last as i64, Some(second_ms(arrives)), None)?;
        }
    } else {
        if let Some(starts) = patch.starts_at {
            v.check(starts > now, "starts_at", "must be in the future");
            event.starts_at_ms = second_ms(starts);
        }
        if let Some(ends) = patch.ends_at {
            event.ends_at_ms = Some(second_ms(ends));
        }
        if let Some(ends) = event.ends_at_ms {
            v.check(
                ends > event.starts_at_ms,
                "ends_at",
                "must be after starts_at",
            );
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
                repo::update_category(conn, &event.id, name, Some(price.amount_minor), None)?;
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
                repo::update_category(conn, &event.id, name, None, Some(*places))?;
            }
        }
    }
    // Any error rolls back the writes above: the writer runs each request in a savepoint.
    v.finish()
}
