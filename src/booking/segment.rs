//! The stop names of the segment a booking or ticket covers, named the way holds and seat
//! maps name them, so a client sees one shape for a segment everywhere.

use super::{BookingView, Bookings, TicketView};

impl Bookings {
    /// A booking view with its segment's stop names filled in.
    pub(crate) fn named(&self, mut view: BookingView) -> BookingView {
        (view.from, view.to) =
            self.inventory
                .segment_names(&view.event_id, view.from_stop, view.to_stop);
        view
    }

    /// A ticket view with its segment's stop names filled in.
    pub(crate) fn named_ticket(&self, mut ticket: TicketView) -> TicketView {
        let (from_leg, to_leg) = ticket.legs;
        (ticket.from, ticket.to) = self
            .inventory
            .segment_names(&ticket.event_id, from_leg, to_leg);
        ticket
    }
}
