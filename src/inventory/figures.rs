//! How big the in-memory seat index is, for the metrics scrape: a count per event under
//! its own mutex, one at a time, so a scrape never holds up more than one event's sales
//! and then only for the length of a field read.

use super::Inventory;

/// The index's size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexSize {
    pub events: usize,
    /// Seats, or categories for general-admission events.
    pub seats: usize,
    /// Live holds.
    pub holds: usize,
}

impl Inventory {
    /// Counts the events, seats and live holds the index holds.
    pub fn index_size(&self) -> IndexSize {
        let events = self.all_events();
        let holds = self
            .inner
            .live
            .lock()
            .unwrap_or_else(|p| self.recover(p))
            .by_id
            .len();
        let mut size = IndexSize {
            events: events.len(),
            seats: 0,
            holds,
        };
        for event in events {
            let ix = event.lock().unwrap_or_else(|p| self.recover(p));
            size.seats += if ix.general_admission {
                ix.categories.len()
            } else {
                ix.seats.len()
            };
        }
        size
    }
}
