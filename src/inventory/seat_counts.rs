//! What an event's seat index counts: places of general admission free and held,
//! availability per category over the whole route, and the check that no seat-leg is in
//! two live holds. Reads only; the index's changes are in `seat_index`.

use super::seat_index::{EventSeats, HoldKey, SeatNo};
use crate::catalog::model::{Availability, SeatStatus};
use std::collections::HashMap;

impl EventSeats {
    /// General admission places of a category in live holds at `now_ms`. Like a seat, a
    /// place of an expired hold is free at once, whether or not the hold has been swept.
    pub fn places_held(&self, category: u16, now_ms: i64) -> u32 {
        let expired: u32 = self
            .holds
            .values()
            .filter(|h| h.expires_at_ms <= now_ms)
            .flat_map(|h| &h.places)
            .filter(|&&(c, _)| c == category)
            .map(|&(_, places)| places)
            .sum();
        self.categories[category as usize]
            .ga_held
            .saturating_sub(expired)
    }

    /// General admission places of a category free at `now_ms` (expired holds' included).
    pub fn places_free(&self, category: u16, now_ms: i64) -> u32 {
        let c = &self.categories[category as usize];
        c.capacity
            .saturating_sub(self.places_held(category, now_ms) + c.ga_sold)
    }

    /// Counts per category over the whole route: a seat is available only if free on every
    /// leg; held or sold if held or sold on any.
    pub fn availability(&self, now_ms: i64) -> Vec<Availability> {
        let mut counts = vec![Availability::default(); self.categories.len()];
        if self.general_admission {
            for (i, c) in self.categories.iter().enumerate() {
                counts[i] = Availability {
                    total: u64::from(c.capacity),
                    available: u64::from(self.places_free(i as u16, now_ms)),
                    held: u64::from(self.places_held(i as u16, now_ms)),
                    sold: u64::from(c.ga_sold),
                    blocked: 0,
                };
            }
            return counts;
        }
        let legs = self.all_legs();
        for (seat, info) in self.seats.iter().enumerate() {
            let count = &mut counts[info.category as usize];
            count.total += 1;
            match self.status(seat as SeatNo, &legs, now_ms) {
                SeatStatus::Available => count.available += 1,
                SeatStatus::Held => count.held += 1,
                SeatStatus::Sold => count.sold += 1,
                SeatStatus::Blocked => count.blocked += 1,
            }
        }
        counts
    }

    /// Every (seat, leg) pair taken by more than one live hold — must always be empty; the
    /// check rebuilds it from the holds, not from the slots.
    pub fn double_holds(&self) -> Vec<(SeatNo, u16)> {
        let mut seen: HashMap<(SeatNo, u16), HoldKey> = HashMap::new();
        let mut doubles = Vec::new();
        for (&key, hold) in &self.holds {
            for &seat in &hold.seats {
                for leg in hold.legs.clone() {
                    if seen.insert((seat, leg), key).is_some() {
                        doubles.push((seat, leg));
                    }
                }
            }
        }
        doubles
    }
}
