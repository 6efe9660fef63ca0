//! An admin's event cancellation, as work that always finishes. The request marks the event
//! cancelled and queues a `cancel-event` job in one transaction, then does the job's work
//! itself; if the request is cut off (a disconnect, its timeout, a crash), a worker finishes
//! it, now or after the restart. The work stops sales, cancels every booking (refunding the
//! paid ones), queues the emails to every booker and every customer who only held seats,
//! then releases every hold. Each step is idempotent, so running it again — a worker after
//! the request, a retried request, a restart — finishes what is left and changes nothing else.

use super::Bookings;
use super::cancel::{Cancelled, cancel_in};
use super::messages::{CancelEvent, EventCancelled, Holder};
use super::repo;
use super::state::BookingStatus;
use crate::auth::{Caller, Role};
use crate::catalog::model::EventStatus;
use crate::error::Error;
use crate::jobs::{Cause, JobRow, message};
use rusqlite::Connection;
use std::collections::BTreeSet;

/// The reason every booking an event's cancellation ends carries.
pub const EVENT_CANCELLED: &str = "the event was cancelled";

impl Bookings {
    /// Cancels an event: no more sales, every booking cancelled and every payment refunded,
    /// every hold released, every booker and holder told. Returns how many bookings the
    /// cancellation has ended; asking again finishes whatever is left and answers the same.
    pub async fn cancel_event(&self, caller: &Caller, event_id: &str) -> Result<usize, Error> {
        if !crate::ids::looks_like("evt", event_id) {
            return Err(Error::NotFound("event"));
        }
        let now_ms = self.now_ms();
        let (id, by) = (event_id.to_string(), caller.user_id.clone());
        let first = self
            .db
            .write(move |conn| {
                crate::catalog::repo::event_by_id(conn, &id)?.ok_or(Error::NotFound("event"))?;
                let first = crate::catalog::repo::mark_cancelled(conn, &id, now_ms)?;
                message::enqueue(
                    conn,
                    &CancelEvent {
                        event_id: id.clone(),
                        by,
                    },
                    Some(format!("cancel-event:{id}")),
                    Cause::Event(id.clone()).to_string(),
                    now_ms,
                )?;
                Ok(first)
            })
            .await?;
        if first {
            tracing::info!(event_id, by = %caller.user_id, "event cancelled");
        }
        // On a task of its own: a client that goes away must not stop it between its
        // commit and the seat index catching up (a run after that finds nothing left to
        // give back, and the index would show sold seats until a restart).
        let (bookings, id) = (self.clone(), event_id.to_string());
        tokio::spawn(async move { bookings.finish_event_cancellation(&id).await })
            .await
            .map_err(Error::internal)??;
        let id = event_id.to_string();
        let ended = self
            .db
            .read(move |conn| repo::count_ended_for(conn, &id, EVENT_CANCELLED))
            .await?;
        Ok(usize::try_from(ended).unwrap_or(0))
    }

    /// The `cancel-event` job's handler.
    pub async fn on_cancel_event(&self, job: JobRow) -> Result<(), String> {
        let cancel: CancelEvent = message::read(&job)?;
        self.finish_event_cancellation(&cancel.event_id)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Does what is left of a cancelled event's cancellation; returns how many bookings this
    /// run ended. One run at a time per event.
    async fn finish_event_cancellation(&self, event_id: &str) -> Result<usize, Error> {
        let _turn = self.settling.turn(&format!("event:{event_id}")).await;
        // First no new hold or sale; then the holders, read before their holds go.
        let owners = self.inventory.stop_sales(event_id);
        let now_ms = self.now_ms();
        let id = event_id.to_string();
        let cancelled = self
            .db
            .write(move |conn| end_bookings(conn, &id, &owners, now_ms))
            .await?;
        self.inventory.release_event_holds(event_id).await?;
        cancelled.iter().for_each(Cancelled::record);
        for c in &cancelled {
            self.give_back(c).await?;
        }
        if !cancelled.is_empty() {
            tracing::info!(
                event_id,
                bookings = cancelled.len(),
                "event's bookings cancelled"
            );
        }
        Ok(cancelled.len())
    }
}

/// In one transaction: every live booking of a cancelled event ends (refunded if paid), and
/// one `event-cancelled` job lists whom to tell: each booking's customer, and each customer
/// account in `hold_owners` without a booking of its own here.
fn end_bookings(
    conn: &Connection,
    event_id: &str,
    hold_owners: &[String],
    now_ms: i64,
) -> Result<Vec<Cancelled>, Error> {
    let Some(event) = crate::catalog::repo::event_by_id(conn, event_id)? else {
        return Ok(Vec::new()); // deleted meanwhile: nothing of it is left to end
    };
    if event.status != EventStatus::Cancelled {
        return Ok(Vec::new()); // only a cancellation queues this work
    }
    let live = [BookingStatus::PendingPayment, BookingStatus::Confirmed];
    let bookings = repo::of_event(conn, event_id, &live)?;
    let mut done = Vec::with_capacity(bookings.len());
    let mut holders = Vec::new();
    let mut told = BTreeSet::new();
    for b in &bookings {
        let c = cancel_in(conn, b, EVENT_CANCELLED, now_ms)?;
        told.insert(b.owner_id.clone());
        // A walk-in who gave no email is refunded like anyone, but there is no one to write to.
        if let Some(email) = &b.customer_email {
            holders.push(Holder {
                booking_id: Some(b.id.clone()),
                customer_email: email.clone(),
                refund_minor: c.refund_minor,
                currency: Some(b.currency.clone()),
            });
            told.insert(email.to_lowercase());
        }
        done.push(c);
    }
    for owner in hold_owners {
        if told.contains(owner) {
            continue;
        }
        let Some(user) = crate::auth::repo::by_id(conn, owner)? else {
            continue;
        };
        // Staff hold seats for walk-ins at the box office; only customers are told.
        if user.role != Role::Customer || !told.insert(user.email.to_lowercase()) {
            continue;
        }
        holders.push(Holder {
            booking_id: None,
            customer_email: user.email,
            refund_minor: None,
            currency: None,
        });
    }
    if !holders.is_empty() {
        // No dedupe key: a later run tells only whom it found, and each email is sent once
        // per booking (or, for a holder, per event) and recipient anyway.
        message::enqueue(
            conn,
            &EventCancelled {
                event_id: event_id.to_string(),
                name: event.name,
                starts_at: event.starts_at_ms,
                holders,
            },
            None,
            Cause::Event(event_id.to_string()).to_string(),
            now_ms,
        )?;
    }
    Ok(done)
}
