//! Selling held seats and giving sold seats back: the inventory's half of the booking saga.

use super::hold_store::{HoldRecord, HoldState, HoldStore, Op};
use super::seat_index::{EventSeats, SeatNo};
use super::{Ending, Inventory};
use crate::error::{Conflict, Error};
use std::ops::Range;

/// What a booking holds or sold: seats on a segment, or general-admission places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub event_id: String,
    pub seats: Vec<String>,
    pub legs: Range<u16>,
    /// General admission places per category name.
    pub places: Vec<(String, u32)>,
}

impl Inventory {
    /// The live record of a hold, if it is live and unexpired.
    pub fn live_hold(&self, hold_id: &str) -> Option<HoldRecord> {
        let entry = self.live_entry(hold_id)?;
        (entry.record.expires_at_ms > self.now_ms()).then(|| HoldRecord::clone(&entry.record))
    }

    /// Turns a live hold into sold seats: the hold ends as booked and its seats stay taken.
    /// Fails with `HoldExpired` if the hold is gone or past its time.
    pub async fn sell_hold(&self, hold_id: &str, booking_id: &str) -> Result<(), Error> {
        let entry = self.live_entry(hold_id).ok_or(Error::HoldExpired)?;
        let now_ms = self.now_ms();
        let event = self.event(&entry.event_id)?;
        let answer = {
            let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
            if ix.hold_expired(entry.key, now_ms) {
                return Err(Error::HoldExpired);
            }
            let Some(hold) = ix.remove(entry.key) else {
                return Err(Error::HoldExpired);
            };
            for &seat in &hold.seats {
                ix.mark_sold(seat, hold.legs.clone());
            }
            for &(c, n) in &hold.places {
                ix.categories[c as usize].ga_sold += n;
            }
            let end = match self.untrack(hold_id) {
                Some(tracked) => Op::Ended {
                    record: tracked.record,
                    state: HoldState::Booked,
                    at_ms: now_ms,
                },
                None => Op::End {
                    id: hold_id.to_string(),
                    state: HoldState::Booked,
                    at_ms: now_ms,
                },
            };
            metrics::counter!(crate::metric::HOLDS_ENDED_TOTAL, "how" => "booked").increment(1);
            let places = super::ga_places(&ix, &hold.places);
            let ops = vec![
                end,
                self.sold_change(&ix, &entry.record.seats, &places, booking_id, now_ms),
            ];
            self.inner.store.submit(ops)?
        };
        self.committed(answer).await?;
        Ok(())
    }

    fn sold_change(
        &self,
        ix: &EventSeats,
        seats: &[String],
        places: &[(String, u32)],
        cause: &str,
        at_ms: i64,
    ) -> Op {
        self.seat_change_op(ix, "booked", cause, seats, places, at_ms, None)
    }

    /// Sells exactly these seats (or places) if they are all free now — a late payment
    /// taking its booking's seats back. All or nothing.
    pub async fn sell_if_free(&self, lot: &Lot, booking_id: &str) -> Result<(), Error> {
        let event = self.event(&lot.event_id)?;
        let now_ms = self.now_ms();
        let answer = {
            let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
            if ix.closed {
                return Err(Conflict::EventCancelled.into());
            }
            let seats: Option<Vec<SeatNo>> = lot.seats.iter().map(|l| ix.seat_no(l)).collect();
            let seats = seats.ok_or_else(|| Error::SeatUnavailable {
                seats: lot.seats.clone(),
            })?;
            let taken: Vec<String> = seats
                .iter()
                .filter(|&&s| !ix.is_free(s, &lot.legs, now_ms))
                .map(|&s| ix.label(s).to_string())
                .collect();
            if !taken.is_empty() {
                return Err(Error::SeatUnavailable { seats: taken });
            }
            let mut places = Vec::new();
            for (name, n) in &lot.places {
                let c = ix
                    .category_index(name)
                    .ok_or_else(|| Error::SeatUnavailable { seats: Vec::new() })?;
                places.push((c, *n));
            }
            // Decide before sweeping: a refusal must leave memory as the stores are.
            if places.iter().any(|&(c, n)| ix.places_free(c, now_ms) < n) {
                return Err(Error::SeatUnavailable { seats: Vec::new() });
            }
            let mut ops = Vec::new();
            self.clear_expired(&mut ix, &seats, &lot.legs, now_ms, &mut ops);
            if !places.is_empty() {
                self.clear_expired_places(&mut ix, now_ms, &mut ops);
            }
            for &seat in &seats {
                ix.mark_sold(seat, lot.legs.clone());
            }
            for &(c, n) in &places {
                ix.categories[c as usize].ga_sold += n;
            }
            ops.push(self.sold_change(&ix, &lot.seats, &lot.places, booking_id, now_ms));
            self.inner.store.submit(ops)?
        };
        self.committed(answer).await?;
        Ok(())
    }

    /// Gives sold seats back (a refunded or cancelled booking). Memory only: the stores
    /// already say so (tickets are void), and history was written with that change.
    pub fn unsell(&self, lot: &Lot) {
        let Ok(event) = self.event(&lot.event_id) else {
            return;
        };
        let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
        for label in &lot.seats {
            if let Some(seat) = ix.seat_no(label) {
                ix.unsell(seat, lot.legs.clone());
            }
        }
        for (name, n) in &lot.places {
            if let Some(c) = ix.category_index(name) {
                let state = &mut ix.categories[c as usize];
                state.ga_sold = state.ga_sold.saturating_sub(*n);
            }
        }
    }

    /// Releases a hold on the system's behalf (a declined payment, an expired or cancelled
    /// booking). A hold that is already gone is fine.
    pub async fn release_for_booking(&self, hold_id: &str) -> Result<(), Error> {
        let entry = self.live_entry(hold_id);
        let Some(entry) = entry else { return Ok(()) };
        let event = self.event(&entry.event_id)?;
        let now_ms = self.now_ms();
        let answer = {
            let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
            let ops = self.end_locked(&mut ix, entry.key, Ending::Released, now_ms, None);
            if ops.is_empty() {
                return Ok(());
            }
            self.inner.store.submit(ops)?
        };
        self.committed(answer).await?;
        Ok(())
    }

    /// Stops all sales of an event and releases its live holds.
    pub async fn close_event(&self, event_id: &str) -> Result<(), Error> {
        let event = self.event(event_id)?;
        let now_ms = self.now_ms();
        let answer = {
            let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
            ix.closed = true;
            let keys: Vec<u64> = ix.holds.keys().copied().collect();
            let mut ops = Vec::new();
            for key in keys {
                ops.extend(self.end_locked(&mut ix, key, Ending::Released, now_ms, None));
            }
            if ops.is_empty() {
                return Ok(());
            }
            self.inner.store.submit(ops)?
        };
        self.committed(answer).await?;
        Ok(())
    }

    /// Ends, as booked, live holds whose booking the database says is confirmed (a crash
    /// between the confirmation and the hold store). Returns how many.
    pub async fn settle_booked_holds(&self, confirmed_holds: &[String]) -> Result<usize, Error> {
        let mut settled = 0;
        for hold_id in confirmed_holds {
            let entry = self.live_entry(hold_id);
            let Some(entry) = entry else { continue };
            let event = self.event(&entry.event_id)?;
            let now_ms = self.now_ms();
            let answer = {
                let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
                // The seats are already sold in the index (from the tickets); only the hold
                // record remains to end.
                if ix.remove(entry.key).is_none() {
                    continue;
                }
                self.untrack(hold_id);
                self.inner.store.submit(vec![Op::End {
                    id: hold_id.clone(),
                    state: HoldState::Booked,
                    at_ms: now_ms,
                }])?
            };
            HoldStore::committed(answer).await?;
            settled += 1;
        }
        Ok(settled)
    }
}
