//! Check-in at the door: a valid ticket is admitted once; a second scan says when and by
//! whom it was first used; forged codes, void tickets and other events' tickets are refused
//! with distinct codes.
//!
//! Every scan, whatever its outcome, is decided and logged in one write ([`Bookings::scan`]):
//! the API's `check_in` and the console's door page both go through it, so they cannot
//! disagree, and a steward's page can show the scan it just made and the ones before.

use super::Bookings;
use super::door_repo::{self, ScanRow};
use super::repo::{self, TicketRow};
use crate::auth::{Caller, Role};
use crate::error::{Conflict, Error};
use crate::inventory::hold::at_ms;
use rusqlite::Connection;
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

/// What a scan found, before it is logged.
enum Verdict {
    Admit(TicketRow),
    Used {
        ticket: TicketRow,
        at_ms: i64,
        /// The name of who let it in (their id if the account has no name).
        by: String,
    },
    Void(TicketRow),
    /// The ticket's event, by name when it still exists.
    WrongEvent(Option<String>),
    Invalid,
}

/// The name on the account that bought a ticket, when that account is a customer's (a
/// box-office sale to a staff member's own address is no one's name at the door).
fn holder_name(conn: &Connection, booking_id: &str) -> Result<Option<String>, Error> {
    let Some(booking) = repo::by_id(conn, booking_id)? else {
        return Ok(None);
    };
    let Some(email) = &booking.customer_email else {
        return Ok(None); // a walk-in who gave no email
    };
    Ok(crate::auth::repo::by_email(conn, email)?
        .filter(|u| u.role == Role::Customer)
        .map(|u| u.name))
}

fn name_of(conn: &Connection, user_id: &str) -> Result<String, Error> {
    Ok(crate::auth::repo::by_id(conn, user_id)?
        .map(|u| u.name)
        .unwrap_or_else(|| user_id.to_string()))
}

impl Verdict {
    /// What the API answers.
    fn answer(&self, now_ms: i64) -> Result<Admitted, Error> {
        match self {
            Verdict::Admit(t) => Ok(Admitted {
                ticket_id: t.id.clone(),
                booking_id: t.booking_id.clone(),
                event_id: t.event_id.clone(),
                seat: t.seat_label.clone(),
                category: t.category.clone(),
                checked_in_at: at_ms(now_ms),
            }),
            Verdict::Used {
                at_ms: first, by, ..
            } => {
                let when = at_ms(*first)
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                Err(Conflict::AlreadyCheckedIn {
                    at: when,
                    by: by.clone(),
                }
                .into())
            }
            Verdict::Void(_) => Err(Conflict::TicketVoid.into()),
            Verdict::WrongEvent(_) => Err(Conflict::WrongEvent.into()),
            Verdict::Invalid => Err(Error::TicketInvalid),
        }
    }

    /// The log row: what a steward's page shows of this scan.
    fn log_row(
        &self,
        conn: &Connection,
        steward_id: &str,
        door: Option<String>,
        now_ms: i64,
    ) -> Result<ScanRow, Error> {
        let mut row = ScanRow {
            id: 0,
            steward_id: steward_id.to_string(),
            door_event_id: door,
            at_ms: now_ms,
            outcome: "refused".into(),
            code: String::new(),
            ticket_id: None,
            booking_id: None,
            seat_label: None,
            category: None,
            holder_name: None,
            first_used_at_ms: None,
            first_used_by: None,
            detail: String::new(),
        };
        let ticket = match self {
            Verdict::Admit(t) | Verdict::Used { ticket: t, .. } | Verdict::Void(t) => Some(t),
            _ => None,
        };
        if let Some(t) = ticket {
            row.ticket_id = Some(t.id.clone());
            row.booking_id = Some(t.booking_id.clone());
            row.seat_label = t.seat_label.clone();
            row.category = Some(t.category.clone());
            row.holder_name = holder_name(conn, &t.booking_id)?;
        }
        let (outcome, code, detail) = match self {
            Verdict::Admit(_) => ("admitted", "admitted", "Admitted.".to_string()),
            Verdict::Used { at_ms, by, .. } => {
                row.first_used_at_ms = Some(*at_ms);
                row.first_used_by = Some(by.clone());
                (
                    "already_used",
                    "already_checked_in",
                    "This ticket was used before.".to_string(),
                )
            }
            Verdict::Void(_) => (
                "refused",
                "ticket_void",
                "This ticket's booking was cancelled or refunded.".to_string(),
            ),
            Verdict::WrongEvent(name) => (
                "refused",
                "wrong_event",
                match name {
                    Some(name) => format!("This ticket is for another event: {name}."),
                    None => "This ticket is for another event.".to_string(),
                },
            ),
            Verdict::Invalid => (
                "refused",
                "ticket_invalid",
                "Not a valid ticket code: forged, altered or misread.".to_string(),
            ),
        };
        row.outcome = outcome.into();
        row.code = code.into();
        row.detail = detail;
        row.id = door_repo::insert_scan(conn, &row)?;
        Ok(row)
    }
}

/// Decides a scan in the writer's transaction; admits the ticket if it may go in.
fn decide(
    conn: &Connection,
    claims: Option<super::tickets::TicketClaims>,
    door: Option<&str>,
    by: &str,
    now_ms: i64,
) -> Result<Verdict, Error> {
    let Some(claims) = claims else {
        return Ok(Verdict::Invalid);
    };
    if let Some(door) = door
        && door != claims.e
    {
        let name = crate::catalog::repo::event_by_id(conn, &claims.e)?.map(|e| e.name);
        return Ok(Verdict::WrongEvent(name));
    }
    let Some(ticket) = repo::ticket(conn, &claims.t)? else {
        return Ok(Verdict::Invalid);
    };
    if ticket.void {
        return Ok(Verdict::Void(ticket));
    }
    if let Some(first) = ticket.checked_in_at_ms {
        let by = match &ticket.checked_in_by {
            Some(id) => name_of(conn, id)?,
            None => String::new(),
        };
        return Ok(Verdict::Used {
            ticket,
            at_ms: first,
            by,
        });
    }
    // The single writer runs this check and the update back to back, so the update finds
    // the ticket as read.
    if !repo::check_in(conn, &ticket.id, by, now_ms)? {
        return Err(Conflict::CheckedInMeanwhile.into());
    }
    Ok(Verdict::Admit(ticket))
}

impl Bookings {
    /// Admits a ticket once (the API's check-in).
    pub async fn check_in(
        &self,
        caller: &Caller,
        request: CheckinRequest,
    ) -> Result<Admitted, Error> {
        self.scan(caller, request).await?.0
    }

    /// Decides a scan, admits the ticket if it may go in, and logs the scan, in one write.
    /// Returns the API's answer and the logged scan.
    pub async fn scan(
        &self,
        caller: &Caller,
        request: CheckinRequest,
    ) -> Result<(Result<Admitted, Error>, ScanRow), Error> {
        caller.require(Role::Staff)?;
        let claims = self.signer.verify(&request.code).ok();
        let door_logged = request
            .event_id
            .clone()
            .filter(|id| crate::ids::looks_like("evt", id));
        let now_ms = self.now_ms();
        let by = caller.user_id.clone();
        let done = self
            .db
            .write(move |conn| {
                let verdict = decide(conn, claims, request.event_id.as_deref(), &by, now_ms)?;
                let row = verdict.log_row(conn, &by, door_logged, now_ms)?;
                Ok((verdict.answer(now_ms), row))
            })
            .await;
        match done {
            Ok((answer, row)) => {
                crate::metric::record::check_in(&answer);
                Ok((answer, row))
            }
            Err(e) => {
                // Counted as a scan that failed for a reason other than the ticket.
                crate::metric::record::check_in::<()>(&Err(Error::internal("store")));
                Err(e)
            }
        }
    }
}
