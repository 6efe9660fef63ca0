//! What the bookings say about seats, for staff: which seats are checked in and who bought a
//! seat. Read-only.

use super::Bookings;
use super::repo::{BookingRow, TicketRow};
use super::seat_repo;
use crate::error::Error;
use std::collections::HashSet;

impl Bookings {
    /// Labels of the seats checked in on any leg of `from_leg..to_leg`.
    pub async fn checked_in_labels(
        &self,
        event_id: &str,
        from_leg: u16,
        to_leg: u16,
    ) -> Result<HashSet<String>, Error> {
        let event_id = event_id.to_string();
        let labels = self
            .db
            .read(move |conn| seat_repo::checked_in_labels(conn, &event_id, from_leg, to_leg))
            .await?;
        Ok(labels.into_iter().collect())
    }

    /// The tickets issued for a seat (newest first), with their bookings.
    pub async fn seat_tickets(
        &self,
        event_id: &str,
        label: &str,
    ) -> Result<Vec<(TicketRow, BookingRow)>, Error> {
        let (event_id, label) = (event_id.to_string(), label.to_string());
        self.db
            .read(move |conn| seat_repo::tickets_for_seat(conn, &event_id, &label))
            .await
    }
}
