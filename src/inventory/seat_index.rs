//! The in-memory seat index of one event: which seat is free, held or sold on each leg of
//! the route, rebuilt from the stores at start-up.
//!
//! A seat's state is kept per leg (between consecutive stops); an event without stops is the
//! one-leg case. A hold or sale takes its seats on every leg of its segment, all or nothing.
//! General-admission events have no seats: they count places per category instead.
//!
//! Each event's index sits behind its own mutex, so one event's rush never waits for
//! another's. Nothing here touches a disk: callers persist the changes it decides.

use super::seat_labels::SeatLabels;
use super::seat_layout::SeatLayout;
use crate::catalog::model::{SeatFlag, SeatStatus};
use std::collections::HashMap;
use std::ops::Range;

/// A seat's position in its event's seat order.
pub type SeatNo = u32;
/// A live hold's key inside the process.
pub type HoldKey = u64;

/// The state of one seat on one leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Free,
    Held(HoldKey),
    Sold,
}

/// A seat as the catalog describes it: what an index is built from.
#[derive(Debug, Clone)]
pub struct SeatInfo {
    pub label: String,
    pub section: String,
    pub row: String,
    pub number: u32,
    pub category: u16,
    pub flags: Vec<SeatFlag>,
    pub blocked: bool,
}

/// What the index keeps of a seat beside its label (in [`SeatLabels`]) and its section and
/// row (in its [`SeatLayout`] row): eight bytes. An index lives as long as the process, and
/// with a `String` for each of label, section and row and a `Vec` of flags a seat took
/// about 280 bytes of heap, 33 MiB of the load bench's 120,000 seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    pub number: u32,
    pub category: u16,
    pub flags: SeatFlags,
    pub blocked: bool,
}

/// A seat's flags, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeatFlags(u8);

// One bit per flag must fit.
const _: () = assert!(SeatFlag::ALL.len() <= 8);

impl SeatFlags {
    fn bit(flag: SeatFlag) -> u8 {
        1 << (flag as u8)
    }

    /// The set of `flags`.
    pub fn of(flags: &[SeatFlag]) -> SeatFlags {
        SeatFlags(flags.iter().fold(0, |bits, &f| bits | Self::bit(f)))
    }

    /// Whether `flag` is set.
    pub fn contains(self, flag: SeatFlag) -> bool {
        self.0 & Self::bit(flag) != 0
    }
}

/// A price category and, for general admission, its counts.
#[derive(Debug, Clone)]
pub struct CategoryState {
    pub name: String,
    /// The price quoted to new holds, in minor units.
    pub price_minor: i64,
    /// General admission: places for sale.
    pub capacity: u32,
    /// General admission: places in live holds.
    pub ga_held: u32,
    /// General admission: places sold.
    pub ga_sold: u32,
}

/// A live hold as the index sees it.
#[derive(Debug, Clone)]
pub struct LiveHold {
    pub id: String,
    pub owner: String,
    pub seats: Vec<SeatNo>,
    /// General admission: places per category index.
    pub places: Vec<(u16, u32)>,
    pub legs: Range<u16>,
    pub expires_at_ms: i64,
}

/// One event's seats.
#[derive(Debug)]
pub struct EventSeats {
    pub event_id: String,
    pub currency: String,
    pub general_admission: bool,
    /// Stop names, origin first; empty for venue events.
    pub stops: Vec<String>,
    pub categories: Vec<CategoryState>,
    /// Change `blocked` through [`EventSeats::set_blocked`]: the layout counts it.
    pub seats: Vec<Seat>,
    slots: Vec<Slot>,
    layout: SeatLayout,
    legs: u16,
    labels: SeatLabels,
    pub holds: HashMap<HoldKey, LiveHold>,
    /// Bumped on every change; carried by seats-changed so consumers can order them.
    pub seq: u64,
    /// Cancelled: nothing more is held or sold.
    pub closed: bool,
}

impl EventSeats {
    /// An index with every seat free.
    pub fn new(
        event_id: String,
        currency: String,
        stops: Vec<String>,
        categories: Vec<CategoryState>,
        seats: Vec<SeatInfo>,
        general_admission: bool,
    ) -> EventSeats {
        let legs = stops.len().saturating_sub(1).max(1) as u16;
        let labels = SeatLabels::new(seats.iter().map(|s| s.label.as_str()));
        let layout = SeatLayout::new(&seats, categories.len(), |s| seats[s as usize].blocked);
        EventSeats {
            event_id,
            currency,
            general_admission,
            stops,
            categories,
            slots: vec![Slot::Free; seats.len() * legs as usize],
            seats: seats
                .iter()
                .map(|s| Seat {
                    number: s.number,
                    category: s.category,
                    flags: SeatFlags::of(&s.flags),
                    blocked: s.blocked,
                })
                .collect(),
            legs,
            labels,
            layout,
            holds: HashMap::new(),
            seq: 0,
            closed: false,
        }
    }

    /// How many legs the route has (1 for venue events).
    pub fn legs(&self) -> u16 {
        self.legs
    }

    /// Every leg.
    pub fn all_legs(&self) -> Range<u16> {
        0..self.legs
    }

    /// The seat with this label.
    pub fn seat_no(&self, label: &str) -> Option<SeatNo> {
        self.labels.find(label)
    }

    /// A seat's label.
    pub fn label(&self, seat: SeatNo) -> &str {
        self.labels.get(seat)
    }

    /// The section a seat is in.
    pub fn section(&self, seat: SeatNo) -> &str {
        self.layout.rows()[self.layout.row_of(seat)].section()
    }

    /// The name of the row a seat is in.
    pub fn row_name(&self, seat: SeatNo) -> &str {
        self.layout.rows()[self.layout.row_of(seat)].name()
    }

    /// Rows and category sizes, for best-available.
    pub fn layout(&self) -> &SeatLayout {
        &self.layout
    }

    /// Blocked, or sold on every leg: never free, whatever the request.
    fn is_closed(&self, seat: SeatNo) -> bool {
        self.seats[seat as usize].blocked
            || (0..self.legs).all(|leg| self.slot(seat, leg) == Slot::Sold)
    }

    /// Runs a change of one seat's slots or block, keeping the layout's count of closed
    /// seats per row.
    fn change_seat(&mut self, seat: SeatNo, change: impl FnOnce(&mut EventSeats)) {
        let was = self.is_closed(seat);
        change(self);
        let now = self.is_closed(seat);
        if was != now {
            self.layout.set_closed(seat, now);
        }
    }

    /// Blocks or unblocks a seat (the caller has checked it is not held or sold).
    pub fn set_blocked(&mut self, seat: SeatNo, blocked: bool) {
        self.change_seat(seat, |ix| ix.seats[seat as usize].blocked = blocked);
    }

    /// The category index of a name.
    pub fn category_index(&self, name: &str) -> Option<u16> {
        self.categories
            .iter()
            .position(|c| c.name == name)
            .map(|i| i as u16)
    }

    fn slot_index(&self, seat: SeatNo, leg: u16) -> usize {
        seat as usize * self.legs as usize + leg as usize
    }

    /// A seat's state on one leg.
    pub fn slot(&self, seat: SeatNo, leg: u16) -> Slot {
        self.slots[self.slot_index(seat, leg)]
    }

    /// Whether a hold is past its expiry at `now_ms` (it will be swept; it no longer counts).
    pub fn hold_expired(&self, key: HoldKey, now_ms: i64) -> bool {
        self.holds
            .get(&key)
            .is_none_or(|h| h.expires_at_ms <= now_ms)
    }

    /// Free on every leg of `legs`, not blocked. Seats of expired holds count as free.
    pub fn is_free(&self, seat: SeatNo, legs: &Range<u16>, now_ms: i64) -> bool {
        !self.seats[seat as usize].blocked
            && legs.clone().all(|leg| match self.slot(seat, leg) {
                Slot::Free => true,
                Slot::Held(key) => self.hold_expired(key, now_ms),
                Slot::Sold => false,
            })
    }

    /// The holds (live or expired) that hold `seat` on some leg of `legs`.
    pub fn holders(&self, seat: SeatNo, legs: &Range<u16>) -> Vec<HoldKey> {
        let mut keys: Vec<HoldKey> = legs
            .clone()
            .filter_map(|leg| match self.slot(seat, leg) {
                Slot::Held(key) => Some(key),
                _ => None,
            })
            .collect();
        keys.dedup();
        keys
    }

    /// A seat's status over `legs`: sold on any leg wins, then held, then blocked.
    pub fn status(&self, seat: SeatNo, legs: &Range<u16>, now_ms: i64) -> SeatStatus {
        let mut held = false;
        for leg in legs.clone() {
            match self.slot(seat, leg) {
                Slot::Sold => return SeatStatus::Sold,
                Slot::Held(key) if !self.hold_expired(key, now_ms) => held = true,
                _ => {}
            }
        }
        if held {
            SeatStatus::Held
        } else if self.seats[seat as usize].blocked {
            SeatStatus::Blocked
        } else {
            SeatStatus::Available
        }
    }

    /// Marks seats held by `hold` on its legs and records it. The caller has checked them.
    pub fn install(&mut self, key: HoldKey, hold: LiveHold) {
        for &seat in &hold.seats {
            // Checked free, so never sold on every leg; a replay at start-up may still
            // cover a sold seat, and the layout's count must follow.
            self.change_seat(seat, |ix| {
                for leg in hold.legs.clone() {
                    let i = ix.slot_index(seat, leg);
                    ix.slots[i] = Slot::Held(key);
                }
            });
        }
        for &(category, places) in &hold.places {
            self.categories[category as usize].ga_held += places;
        }
        self.holds.insert(key, hold);
        self.seq += 1;
    }

    /// Frees a hold's seats and forgets it; returns it if it was live here.
    pub fn remove(&mut self, key: HoldKey) -> Option<LiveHold> {
        let hold = self.holds.remove(&key)?;
        for &seat in &hold.seats {
            for leg in hold.legs.clone() {
                let i = self.slot_index(seat, leg);
                if self.slots[i] == Slot::Held(key) {
                    self.slots[i] = Slot::Free;
                }
            }
        }
        for &(category, places) in &hold.places {
            let c = &mut self.categories[category as usize];
            c.ga_held = c.ga_held.saturating_sub(places);
        }
        self.seq += 1;
        Some(hold)
    }

    /// Marks seats sold on `legs` (tickets found at start-up, or a confirmed booking).
    pub fn mark_sold(&mut self, seat: SeatNo, legs: Range<u16>) {
        self.change_seat(seat, |ix| {
            for leg in legs {
                let i = ix.slot_index(seat, leg);
                ix.slots[i] = Slot::Sold;
            }
        });
        self.seq += 1;
    }

    /// Frees seats sold on `legs` (a refunded or cancelled booking).
    pub fn unsell(&mut self, seat: SeatNo, legs: Range<u16>) {
        self.change_seat(seat, |ix| {
            for leg in legs {
                let i = ix.slot_index(seat, leg);
                if ix.slots[i] == Slot::Sold {
                    ix.slots[i] = Slot::Free;
                }
            }
        });
        self.seq += 1;
    }
}

#[cfg(test)]
mod tests;
