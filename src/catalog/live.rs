//! What the catalog asks of the live seat index, as a trait the inventory implements.
//!
//! The index belongs to `inventory`, which reads the catalog to build it; the catalog names
//! only this trait, so neither module imports the other back. CLI processes have no live
//! index: their catalog is built without one and sees the stored state only.

use super::model::{Availability, SeatStatus, SectionCounts};
use crate::error::Error;
use rusqlite::Connection;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Debug;

/// A seat change a catalog edit causes in the live index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeatsEdit {
    /// Take the event out of sale before it is deleted; refused while anything is held or
    /// sold. Undone by loading the event again.
    Retire,
    /// Block seats; refused (naming them) if any is held or sold. Unknown labels are left to
    /// the stored change, which names them.
    Block(Vec<String>),
    /// Unblock seats.
    Unblock(Vec<String>),
    /// Set general-admission capacities per category, all or none; refused below what is
    /// held or sold.
    Capacity(BTreeMap<String, u32>),
    /// Quote new holds these prices (minor units) per category.
    Prices(BTreeMap<String, i64>),
}

/// The live seat index, as the catalog sees it.
pub trait LiveSeats: Send + Sync + Debug {
    /// Applies a catalog edit's seat change and returns the edit that undoes it, if the
    /// catalog must undo it when its stored change fails.
    fn apply(&self, event_id: &str, edit: SeatsEdit) -> Result<Option<SeatsEdit>, Error>;

    /// Loads (or reloads) an event's index from the stored catalog, read in `conn`.
    fn load(&self, conn: &Connection, event_id: &str) -> Result<(), Error>;

    /// Counts per category, in the catalog's category order; `None` for an unknown event.
    fn availability(&self, event_id: &str) -> Option<Vec<(String, Availability)>>;

    /// Each seat's status over a segment (stop names), by label.
    fn seat_statuses(
        &self,
        event_id: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<HashMap<String, SeatStatus>, Error>;

    /// Seats per section and status over a segment (stop names), sections in seat order;
    /// sold seats whose label is in `checked_in` are counted as checked in. Builds no
    /// per-seat view, so a 20,000-seat overview costs a pass over the index.
    fn section_counts(
        &self,
        event_id: &str,
        from: Option<&str>,
        to: Option<&str>,
        checked_in: &HashSet<String>,
    ) -> Result<Vec<SectionCounts>, Error>;

    /// The price new holds are quoted per category (minor units), in the catalog's order.
    fn prices(&self, event_id: &str) -> Vec<(String, i64)>;
}
