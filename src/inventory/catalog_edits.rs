//! Seat changes a catalog edit causes in the live index: a new or deleted event, blocked
//! seats, a general-admission capacity, a new base price. The catalog reaches them through
//! its [`LiveSeats`] trait, so it never imports the inventory.

use super::Inventory;
use super::loader;
use super::seat_index::EventSeats;
use crate::catalog::live::{LiveSeats, SeatsEdit};
use crate::catalog::model::{Availability, SeatStatus, SectionCounts};
use crate::error::{Conflict, Error};
use rusqlite::Connection;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

impl LiveSeats for Inventory {
    fn apply(&self, event_id: &str, edit: SeatsEdit) -> Result<Option<SeatsEdit>, Error> {
        match edit {
            SeatsEdit::Retire => self.retire_event(event_id).map(|()| None),
            SeatsEdit::Block(labels) => {
                let newly = self.block(event_id, &labels)?;
                Ok(Some(SeatsEdit::Unblock(newly)))
            }
            SeatsEdit::Unblock(labels) => {
                self.unblock(event_id, &labels);
                Ok(None)
            }
            SeatsEdit::Capacity(capacity) => {
                let previous = self.set_capacity(event_id, &capacity)?;
                Ok(Some(SeatsEdit::Capacity(previous)))
            }
            SeatsEdit::Prices(prices) => {
                for (category, minor) in &prices {
                    self.set_price(event_id, category, *minor);
                }
                Ok(None)
            }
        }
    }

    fn load(&self, conn: &Connection, event_id: &str) -> Result<(), Error> {
        if let Some(mut ix) = loader::load_one(conn, event_id)? {
            ix.seq = self.first_seq();
            self.inner
                .events
                .write()
                .unwrap_or_else(|p| self.recover(p))
                .entry(event_id.to_string())
                .or_insert_with(|| Arc::new(Mutex::new(ix)));
        }
        Ok(())
    }

    fn availability(&self, event_id: &str) -> Option<Vec<(String, Availability)>> {
        Inventory::availability(self, event_id)
    }

    fn seat_statuses(
        &self,
        event_id: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<HashMap<String, SeatStatus>, Error> {
        Inventory::seat_statuses(self, event_id, from, to)
    }

    fn section_counts(
        &self,
        event_id: &str,
        from: Option<&str>,
        to: Option<&str>,
        checked_in: &HashSet<String>,
    ) -> Result<Vec<SectionCounts>, Error> {
        Inventory::section_counts(self, event_id, from, to, checked_in)
    }

    fn prices(&self, event_id: &str) -> Vec<(String, i64)> {
        Inventory::prices(self, event_id)
    }
}

impl Inventory {
    /// Takes an event out of sale before it is deleted; refused while anything is held or
    /// sold. Loading it again puts it back if the delete fails.
    fn retire_event(&self, event_id: &str) -> Result<(), Error> {
        let mut events = self
            .inner
            .events
            .write()
            .unwrap_or_else(|p| self.recover(p));
        let Some(event) = events.get(event_id) else {
            return Ok(());
        };
        {
            let ix = event.lock().unwrap_or_else(|p| self.recover(p));
            let now_ms = self.now_ms();
            let busy = ix
                .availability(now_ms)
                .iter()
                .any(|a| a.held > 0 || a.sold > 0);
            if busy {
                return Err(Conflict::EventHasSales.into());
            }
        }
        events.remove(event_id);
        Ok(())
    }

    /// Marks seats blocked in the index and returns those that were not blocked before;
    /// refused (naming them) if any is held or sold. Unknown labels are left to the caller.
    fn block(&self, event_id: &str, labels: &[String]) -> Result<Vec<String>, Error> {
        let event = self.event(event_id)?;
        let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
        if ix.general_admission {
            return Err(Error::invalid(
                "seats",
                "a general-admission event has no seats to block",
            ));
        }
        let legs = ix.all_legs();
        let now_ms = self.now_ms();
        let mut seats = Vec::new();
        let mut busy = Vec::new();
        for label in labels {
            let Some(s) = ix.seat_no(label) else { continue };
            match ix.status(s, &legs, now_ms) {
                SeatStatus::Held | SeatStatus::Sold => busy.push(label.clone()),
                SeatStatus::Available => seats.push(s),
                SeatStatus::Blocked => {}
            }
        }
        if !busy.is_empty() {
            return Err(Error::SeatUnavailable { seats: busy });
        }
        let mut newly = Vec::with_capacity(seats.len());
        for s in seats {
            ix.set_blocked(s, true);
            newly.push(ix.label(s).to_string());
        }
        ix.seq += 1;
        Ok(newly)
    }

    /// Marks seats unblocked in the index.
    fn unblock(&self, event_id: &str, labels: &[String]) {
        if let Ok(event) = self.event(event_id) {
            let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
            for label in labels {
                if let Some(s) = ix.seat_no(label) {
                    ix.set_blocked(s, false);
                }
            }
            ix.seq += 1;
        }
    }

    /// Sets the price new holds are quoted in a category.
    pub fn set_price(&self, event_id: &str, category: &str, minor: i64) {
        if let Ok(event) = self.event(event_id) {
            let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
            if let Some(c) = ix.category_index(category) {
                ix.categories[c as usize].price_minor = minor;
            }
        }
    }

    /// Sets general-admission capacities, all or none, and returns the previous ones;
    /// refused below what is held or sold.
    fn set_capacity(
        &self,
        event_id: &str,
        capacity: &BTreeMap<String, u32>,
    ) -> Result<BTreeMap<String, u32>, Error> {
        let event = self.event(event_id)?;
        let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
        let mut changes = Vec::with_capacity(capacity.len());
        for (category, places) in capacity {
            changes.push((capacity_slot(&ix, category, *places)?, *places));
        }
        let mut previous = BTreeMap::new();
        for ((category, places), (c, _)) in capacity.iter().zip(&changes) {
            let state = &mut ix.categories[*c as usize];
            previous.insert(category.clone(), state.capacity);
            state.capacity = *places;
        }
        if !changes.is_empty() {
            ix.seq += 1;
        }
        Ok(previous)
    }
}

/// The category index whose capacity may become `capacity`: a general-admission category
/// with no more than that many places held or sold.
fn capacity_slot(ix: &EventSeats, category: &str, capacity: u32) -> Result<u16, Error> {
    if !ix.general_admission {
        return Err(Error::invalid(
            "capacity",
            "seated events change capacity by blocking or unblocking seats",
        ));
    }
    let Some(c) = ix.category_index(category) else {
        return Err(Error::invalid(
            format!("capacity.{category}"),
            "this event has no such category",
        ));
    };
    let state = &ix.categories[c as usize];
    let taken = state.ga_held + state.ga_sold;
    if capacity < taken {
        return Err(Error::invalid(
            format!("capacity.{category}"),
            format!("cannot drop below the {taken} places already held or sold"),
        ));
    }
    Ok(c)
}
