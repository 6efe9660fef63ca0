//! What the live index says of an event: counts per category, each seat's status and the
//! prices new holds are quoted, for the catalog's views, pricing and the relay.

use super::Inventory;
use super::seat_index::SeatNo;
use crate::catalog::model::Availability;
use crate::catalog::model::SeatStatus;
use crate::catalog::model::{SectionCounts, count_in_section};
use crate::error::Error;
use std::collections::{HashMap, HashSet};

impl Inventory {
    /// Counts per category for an event, in the catalog's category order.
    pub fn availability(&self, event_id: &str) -> Option<Vec<(String, Availability)>> {
        let event = self.event(event_id).ok()?;
        let ix = event.lock().unwrap_or_else(|p| self.recover(p));
        let counts = ix.availability(self.now_ms());
        Some(
            ix.categories
                .iter()
                .map(|c| c.name.clone())
                .zip(counts)
                .collect(),
        )
    }

    /// Each seat's status over a segment (stop names), by label.
    pub fn seat_statuses(
        &self,
        event_id: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<HashMap<String, SeatStatus>, Error> {
        let event = self.event(event_id)?;
        let ix = event.lock().unwrap_or_else(|p| self.recover(p));
        let legs = Self::legs(&ix, from, to)?;
        let now_ms = self.now_ms();
        Ok((0..ix.seats.len() as SeatNo)
            .map(|s| (ix.label(s).to_string(), ix.status(s, &legs, now_ms)))
            .collect())
    }

    /// Seats per section and status over a segment (stop names), sections in seat order;
    /// sold seats whose label is in `checked_in` count as checked in.
    pub fn section_counts(
        &self,
        event_id: &str,
        from: Option<&str>,
        to: Option<&str>,
        checked_in: &HashSet<String>,
    ) -> Result<Vec<SectionCounts>, Error> {
        let event = self.event(event_id)?;
        let ix = event.lock().unwrap_or_else(|p| self.recover(p));
        let legs = Self::legs(&ix, from, to)?;
        let now_ms = self.now_ms();
        let mut sections = Vec::new();
        for seat in 0..ix.seats.len() as SeatNo {
            let status = ix.status(seat, &legs, now_ms);
            let admitted = status == SeatStatus::Sold && checked_in.contains(ix.label(seat));
            count_in_section(&mut sections, ix.section(seat), status, admitted);
        }
        Ok(sections)
    }

    /// The price new holds are quoted per category, in the catalog's order.
    pub fn prices(&self, event_id: &str) -> Vec<(String, i64)> {
        let Ok(event) = self.event(event_id) else {
            return Vec::new();
        };
        let ix = event.lock().unwrap_or_else(|p| self.recover(p));
        ix.categories
            .iter()
            .map(|c| (c.name.clone(), c.price_minor))
            .collect()
    }
}

/// A live hold on one seat, as the console's seat page shows it.
#[derive(Debug, Clone)]
pub struct SeatHolder {
    pub hold_id: String,
    /// The account that made the hold.
    pub owner: String,
    /// The stops the hold runs between (empty names on venue events).
    pub from_stop: Option<String>,
    pub to_stop: Option<String>,
    pub expires_at_ms: i64,
    /// How long it has left.
    pub remaining_ms: i64,
}

impl Inventory {
    /// The live (unexpired) holds on a seat, on any leg of the route.
    pub fn seat_holders(&self, event_id: &str, label: &str) -> Result<Vec<SeatHolder>, Error> {
        let event = self.event(event_id)?;
        let ix = event.lock().unwrap_or_else(|p| self.recover(p));
        let seat = ix.seat_no(label).ok_or(Error::NotFound("seat"))?;
        let now_ms = self.now_ms();
        let stop = |leg: u16| ix.stops.get(leg as usize).cloned();
        Ok(ix
            .holders(seat, &ix.all_legs())
            .into_iter()
            .filter(|key| !ix.hold_expired(*key, now_ms))
            .filter_map(|key| ix.holds.get(&key))
            .map(|h| SeatHolder {
                hold_id: h.id.clone(),
                owner: h.owner.clone(),
                from_stop: stop(h.legs.start),
                to_stop: stop(h.legs.end),
                expires_at_ms: h.expires_at_ms,
                remaining_ms: h.expires_at_ms - now_ms,
            })
            .collect())
    }
}
