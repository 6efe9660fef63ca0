//! Taking holds: all requested seats on every leg of the segment, or none, decided in
//! memory under the event's lock and queued for the hold store's group commit before the
//! lock is let go.

use super::Ending;
use super::Inventory;
use super::Taken;
use super::best_available;
use super::best_available::Want;
use super::ga_places;
use super::hold::Held;
use super::hold::HoldRequest;
use super::hold::Selection;
use super::hold_store::HoldRecord;
use super::hold_store::HoldState;
use super::hold_store::HoldStore;
use super::hold_store::Op;
use super::hold_store::QuoteLine;
use super::seat_index::EventSeats;
use super::seat_index::HoldKey;
use super::seat_index::SeatNo;
use crate::auth::Caller;
use crate::error::{Conflict, Error};
use std::ops::Range;
use std::sync::Arc;

impl Inventory {
    /// Resolves `from`/`to` stop names into a leg range.
    pub(super) fn legs(
        ix: &EventSeats,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Range<u16>, Error> {
        Ok(
            match crate::catalog::model::find_segment(&ix.stops, from, to)? {
                Some((a, b)) => a as u16..b as u16,
                None => ix.all_legs(),
            },
        )
    }

    /// Holds seats for `caller`: all requested seats on every leg of the segment, or none.
    pub async fn hold(
        &self,
        caller: &Caller,
        event_id: &str,
        request: HoldRequest,
    ) -> Result<Held, Error> {
        let selection = request.selection()?;
        let event = self.event(event_id)?;
        let now_ms = self.now_ms();
        let claim = self.claim_hold(caller, &selection, now_ms)?;
        let (record, stops, answer, sooner_than_the_sweeper) = {
            let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
            if ix.closed {
                return Err(Conflict::EventCancelled.into());
            }
            let legs = Self::legs(&ix, request.from.as_deref(), request.to.as_deref())?;
            let mut ops = Vec::new();
            let (seats, places) = self.select(&mut ix, &selection, &legs, now_ms, &mut ops)?;
            let id = crate::ids::new_id("hld");
            let lines = quote(&ix, &seats, &places);
            let record = HoldRecord {
                id,
                event_id: event_id.to_string(),
                owner: caller.user_id.clone(),
                seats: seats.iter().map(|&s| ix.label(s).to_string()).collect(),
                from_leg: legs.start,
                to_leg: legs.end,
                lines,
                currency: ix.currency.clone(),
                created_at_ms: now_ms,
                expires_at_ms: now_ms + self.inner.ttl_ms,
                max_expires_at_ms: now_ms + self.inner.max_lifetime_ms,
                state: HoldState::Live,
                ended_at_ms: None,
            };
            let record = Arc::new(record);
            let ga = ga_places(&ix, &places);
            let key = self.install_hold(&mut ix, &record, seats, places);
            let sooner_than_the_sweeper = self.track(&record, key);
            // Tracked as live now: it counts there, not as a claim.
            drop(claim);
            ops.push(Op::Put {
                record: Arc::clone(&record),
            });
            ops.push(self.outbox_op(&ix, "held", &record, &ga, now_ms, Some(&caller.user_id)));
            let answer = self.inner.store.submit(ops)?;
            // Only travel events with intermediate stops name a segment (`HoldView`).
            let stops = if ix.stops.len() > 2 {
                ix.stops.clone()
            } else {
                Vec::new()
            };
            (record, stops, answer, sooner_than_the_sweeper)
        };
        HoldStore::committed(answer).await?;
        if sooner_than_the_sweeper {
            self.inner.expiry_wake.notify_one();
        }
        self.inner.relay_wake.notify_one();
        self.inner.counters.created().increment(1);
        Ok(Held::new(record, stops))
    }

    /// Picks the seats (or places) of a request inside the event's lock; seats of expired
    /// holds in the way are released first (their changes go into `ops`).
    fn select(
        &self,
        ix: &mut EventSeats,
        selection: &Selection,
        legs: &Range<u16>,
        now_ms: i64,
        ops: &mut Vec<Op>,
    ) -> Result<Taken, Error> {
        match selection {
            Selection::Seats(labels) => {
                if ix.general_admission {
                    return Err(Error::invalid(
                        "seats",
                        "a general-admission event is held by quantity and category",
                    ));
                }
                let mut unknown = Vec::new();
                let mut seats = Vec::with_capacity(labels.len());
                for label in labels.iter() {
                    match ix.seat_no(label) {
                        Some(s) => seats.push(s),
                        None => unknown.push(label.clone()),
                    }
                }
                if !unknown.is_empty() {
                    return Err(Error::invalid(
                        "seats",
                        format!("no such seats in this event: {}", unknown.join(", ")),
                    ));
                }
                let taken: Vec<String> = seats
                    .iter()
                    .filter(|&&s| !ix.is_free(s, legs, now_ms))
                    .map(|&s| ix.label(s).to_string())
                    .collect();
                if !taken.is_empty() {
                    metrics::counter!(crate::metric::HOLDS_CONFLICTS_TOTAL).increment(1);
                    return Err(Error::SeatUnavailable { seats: taken });
                }
                self.clear_expired(ix, &seats, legs, now_ms, ops);
                Ok((seats, Vec::new()))
            }
            Selection::Quantity {
                quantity,
                category,
                accessible,
            } => {
                let category_index = match category {
                    Some(name) => Some(ix.category_index(name).ok_or_else(|| {
                        Error::invalid("category", format!("this event has no category `{name}`"))
                    })?),
                    None => None,
                };
                if ix.general_admission {
                    let Some(c) =
                        category_index.or_else(|| (ix.categories.len() == 1).then_some(0))
                    else {
                        return Err(Error::invalid(
                            "category",
                            "name the category to hold places in",
                        ));
                    };
                    if *accessible > 0 {
                        return Err(Error::invalid(
                            "accessible",
                            "general admission has no seats to choose",
                        ));
                    }
                    if *quantity > ix.categories[c as usize].capacity {
                        return Err(Error::invalid(
                            "quantity",
                            "more places than the category has",
                        ));
                    }
                    // Decide before sweeping: a refusal must leave memory as the stores
                    // are, since its `ops` are never committed.
                    let left = ix.places_free(c, now_ms);
                    if left < *quantity {
                        metrics::counter!(crate::metric::HOLDS_CONFLICTS_TOTAL).increment(1);
                        return Err(Error::PlacesUnavailable {
                            category: ix.categories[c as usize].name.clone(),
                            left,
                        });
                    }
                    self.clear_expired_places(ix, now_ms, ops);
                    return Ok((Vec::new(), vec![(c, *quantity)]));
                }
                let in_category = match category_index {
                    Some(c) => ix.layout().seats_in_category(c) as usize,
                    None => ix.seats.len(),
                };
                if *quantity as usize
                    > in_category.max(if *accessible > 0 { ix.seats.len() } else { 0 })
                {
                    return Err(Error::invalid(
                        "quantity",
                        "more seats than the category has",
                    ));
                }
                let want = Want {
                    quantity: *quantity,
                    category: category_index,
                    accessible: *accessible,
                };
                let Some(seats) = best_available::choose(ix, want, legs, now_ms) else {
                    metrics::counter!(crate::metric::HOLDS_CONFLICTS_TOTAL).increment(1);
                    return Err(Error::SeatUnavailable { seats: Vec::new() });
                };
                self.clear_expired(ix, &seats, legs, now_ms, ops);
                Ok((seats, Vec::new()))
            }
        }
    }

    pub(super) fn clear_expired(
        &self,
        ix: &mut EventSeats,
        seats: &[SeatNo],
        legs: &Range<u16>,
        now_ms: i64,
        ops: &mut Vec<Op>,
    ) {
        let mut stale: Vec<HoldKey> = seats.iter().flat_map(|&s| ix.holders(s, legs)).collect();
        stale.sort_unstable();
        stale.dedup();
        for key in stale {
            ops.extend(self.end_locked(ix, key, Ending::Expired, now_ms, None));
        }
    }

    pub(super) fn clear_expired_places(&self, ix: &mut EventSeats, now_ms: i64, ops: &mut Vec<Op>) {
        let stale: Vec<HoldKey> = ix
            .holds
            .iter()
            .filter(|(_, h)| h.expires_at_ms <= now_ms)
            .map(|(&k, _)| k)
            .collect();
        for key in stale {
            ops.extend(self.end_locked(ix, key, Ending::Expired, now_ms, None));
        }
    }
}

/// The quoted price lines of a hold, at the index's current prices.
fn quote(ix: &EventSeats, seats: &[SeatNo], places: &[(u16, u32)]) -> Vec<QuoteLine> {
    let mut lines: Vec<QuoteLine> = seats
        .iter()
        .map(|&s| {
            let category = &ix.categories[ix.seats[s as usize].category as usize];
            QuoteLine {
                seat: Some(ix.label(s).to_string()),
                category: category.name.clone(),
                quantity: 1,
                unit_minor: category.price_minor,
            }
        })
        .collect();
    lines.extend(places.iter().map(|&(c, n)| {
        let category = &ix.categories[c as usize];
        QuoteLine {
            seat: None,
            category: category.name.clone(),
            quantity: n,
            unit_minor: category.price_minor,
        }
    }));
    lines
}
