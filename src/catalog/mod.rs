//! What can be sold: venues with reusable seat maps, events (venue-based or travel with
//! stops), price categories with base prices, seats with flags, and seat blocking.
//!
//! Owns the venues, events, event_stops, price_categories, seats and seat_changes (seat history) tables.
//! Never decides whether a seat is free to sell: that is `inventory`'s job, reached through
//! the [`live::LiveSeats`] trait it implements.

mod blocking;
pub mod counts;
mod edit;
pub mod event_input;
mod event_rules;
pub mod history;
pub mod history_repo;
pub mod invariants_repo;
pub mod live;
pub mod model;
pub mod repo;
pub mod seat_map;
pub mod seats_changed;
pub mod venue;
mod venues;
mod view;

use crate::clock::SharedClock;
use crate::store::Sqlite;
use live::LiveSeats;
use std::sync::Arc;

pub use blocking::MAX_LABELS_PER_REQUEST;
pub use repo::EventFilter;
pub use view::event_view;

/// The catalog handle.
#[derive(Clone, Debug)]
pub struct Catalog {
    db: Sqlite,
    clock: SharedClock,
    /// The live seat index; absent in CLI processes, which see the stored state only.
    live: Option<Arc<dyn LiveSeats>>,
}

impl Catalog {
    /// A catalog over the database, keeping `live` (the seat index, if this process has one)
    /// in step with its changes.
    pub fn new(db: Sqlite, clock: SharedClock, live: Option<Arc<dyn LiveSeats>>) -> Catalog {
        Catalog { db, clock, live }
    }
}
