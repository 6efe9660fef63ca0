//! Check-in at the door: a valid ticket is admitted once; a second scan says when and by
//! whom it was first used; forged codes, void tickets and other events' tickets are refused
//! with distinct codes.

use super::Bookings;
use super::repo;
use crate::auth::Caller;
use crate::error::Error;
use crate::inventory::hold::at_ms;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A scan.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckinRequest {
    /// The ticket's code, as read from its QR code.
    pub code: String,
    /// The event at this door; a ticket for another event is refused.
    #[serde(default)]
    pub event_id: Option<String>,
}

/// An admitted ticket.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Admitted {
    pub ticket_id: String,
    pub booking_id: String,
    pub event_id: String,
    pub seat: Option<String>,
    pub category: String,
    #[serde(with = "time::serde::rfc3339")]
    pub checked_in_at: OffsetDateTime,
}

impl Bookings {
    /// Admits a ticket once.
    pub async fn check_in(
        &self,
        caller: &Caller,
        request: CheckinRequest,
    ) -> Result<Admitted, Error> {
        let answer = self.admit(caller, request).await;
        crate::telemetry::record::check_in(&answer);
        answer
    }

    async fn admit(&self, caller: &Caller, request: CheckinRequest) -> Result<Admitted, Error> {
        let claims = self.signer.verify(&request.code)?;
        if let Some(door) = &request.event_id
            && door != &claims.e
        {
            return Err(Error::conflict(
                "wrong_event",
                "this ticket is for another event",
            ));
        }
        let now_ms = self.now_ms();
        let by = caller.user_id.clone();
        self.db
            .write(move |conn| {
                let ticket = repo::ticket(conn, &claims.t)?.ok_or(Error::TicketInvalid)?;
                if ticket.void {
                    return Err(Error::conflict(
                        "ticket_void",
                        "this ticket's booking was cancelled or refunded",
                    ));
                }
                if let Some(first) = ticket.checked_in_at_ms {
                    let when = at_ms(first)
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default();
                    let who = ticket.checked_in_by.clone().unwrap_or_default();
                    let name: Option<String> = conn
                        .query_row("SELECT name FROM users WHERE id = ?1", [&who], |r| r.get(0))
                        .ok();
                    return Err(Error::conflict(
                        "already_checked_in",
                        format!(
                            "already used at {when} (checked in by {})",
                            name.unwrap_or(who)
                        ),
                    ));
                }
                if !repo::check_in(conn, &ticket.id, &by, now_ms)? {
                    return Err(Error::conflict("already_checked_in", "already used"));
                }
                Ok(Admitted {
                    ticket_id: ticket.id,
                    booking_id: ticket.booking_id,
                    event_id: ticket.event_id,
                    seat: ticket.seat_label,
                    category: ticket.category,
                    checked_in_at: at_ms(now_ms),
                })
            })
            .await
    }
}
