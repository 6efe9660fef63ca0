//! The booking saga, orchestrated: a live hold becomes a booking, the booking is paid, the
//! seats are sold and tickets issued — or everything is compensated. Each step is persisted
//! and idempotent, so a crash anywhere resumes or compensates at start-up.
//!
//! Owns the bookings, booking_items, tickets, ticket_legs, payments, refunds and webhook_events
//! tables. Talks to the inventory through its functions.

pub mod box_office;
pub mod cancel;
pub mod checkin;
pub mod confirmation;
pub mod door;
pub mod door_repo;
pub mod event_cancel;
pub mod expiry;
pub mod invariants_repo;
pub mod messages;
pub mod repo;
pub mod saga;
pub mod seat_repo;
mod seat_tickets;
mod segment;
pub mod settle_lock;
pub mod state;
pub mod summary_repo;
pub mod tickets;
mod view;

pub use view::{BookingView, TicketStatus, TicketView, view};

use crate::auth::Caller;
use crate::catalog::model::EventStatus;
use crate::clock::SharedClock;
use crate::error::{Conflict, Error, Validator};
use crate::inventory::Inventory;
use crate::inventory::sale::Lot;
use crate::pagination::{Page, PageRequest};
use crate::payment::Providers;
use crate::store::Sqlite;
use repo::{BookingFilter, BookingRow, ItemRow};
use serde::Deserialize;
use state::BookingStatus;
use std::sync::Arc;
use tickets::TicketSigner;

/// The bookings handle.
#[derive(Clone)]
pub struct Bookings {
    db: Sqlite,
    inventory: Inventory,
    clock: SharedClock,
    providers: Providers,
    signer: Arc<TicketSigner>,
    webhook_secret: Arc<Vec<u8>>,
    /// Callbacks for one payment settle it in turn, never side by side.
    settling: settle_lock::SettleLocks,
}

impl std::fmt::Debug for Bookings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bookings")
    }
}

/// A request to book a hold.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookRequest {
    pub hold_id: String,
    /// Staff booking for a walk-in: where the tickets go.
    #[serde(default)]
    pub customer_email: Option<String>,
    /// Staff selling to a walk-in who gives no email: the booking has no customer email and
    /// no email is sent about it. Without it (and without `customer_email`) the tickets go to
    /// the caller's own address.
    #[serde(default)]
    pub walk_in: bool,
}

/// Where a booking's tickets go: the caller's own address, or (staff only) a walk-in's
/// email, or nowhere for a walk-in who gave none.
fn customer_email(caller: &Caller, request: &BookRequest) -> Result<Option<String>, Error> {
    let on_behalf = request.customer_email.is_some() || request.walk_in;
    if on_behalf && !caller.may_see_all() {
        let field = match request.customer_email {
            Some(_) => "customer_email",
            None => "walk_in",
        };
        return Err(Error::invalid(
            field,
            "only staff book on behalf of someone else",
        ));
    }
    match &request.customer_email {
        Some(_) if request.walk_in => Err(Error::invalid(
            "walk_in",
            "a walk-in gives no email: send customer_email or walk_in, not both",
        )),
        Some(raw) => {
            let mut v = Validator::new();
            let email = crate::auth::account::normalize_email("customer_email", raw, &mut v);
            v.finish()?;
            Ok(Some(email))
        }
        None if request.walk_in => Ok(None),
        None => Ok(Some(caller.email.clone())),
    }
}

/// What a booking holds or sold, for the inventory.
pub fn lot(b: &BookingRow, items: &[ItemRow]) -> Lot {
    Lot {
        event_id: b.event_id.clone(),
        seats: items.iter().filter_map(|i| i.seat_label.clone()).collect(),
        legs: b.from_leg..b.to_leg,
        places: items
            .iter()
            .filter(|i| i.seat_label.is_none())
            .map(|i| (i.category.clone(), i.quantity))
            .collect(),
    }
}

/// Whether `caller` may see a booking: its owner, staff and admins.
fn may_see(caller: &Caller, b: &BookingRow) -> bool {
    b.owner_id == caller.user_id || caller.may_see_all()
}

impl Bookings {
    /// The saga over the stores.
    pub fn new(
        db: Sqlite,
        inventory: Inventory,
        clock: SharedClock,
        providers: Providers,
        signer: TicketSigner,
        webhook_secret: Vec<u8>,
    ) -> Bookings {
        Bookings {
            db,
            inventory,
            clock,
            providers,
            signer: Arc::new(signer),
            webhook_secret: Arc::new(webhook_secret),
            settling: settle_lock::SettleLocks::default(),
        }
    }

    /// The store, for read models above the domain (the staff dossier).
    pub(crate) fn database(&self) -> &Sqlite {
        &self.db
    }

    /// The saga's clock, in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The public key that verifies ticket codes, base64url.
    pub fn ticket_public_key(&self) -> String {
        self.signer.public_key()
    }

    /// Books a live hold the caller owns (staff: any hold, for a walk-in with or without email).
    pub async fn book(&self, caller: &Caller, request: BookRequest) -> Result<BookingView, Error> {
        let email = customer_email(caller, &request)?;
        let Some(hold) = self.inventory.live_hold(&request.hold_id) else {
            return Err(self.unbookable_hold(caller, &request.hold_id).await);
        };
        if hold.owner != caller.user_id && !caller.may_see_all() {
            return Err(Error::NotFound("hold"));
        }
        let now_ms = self.now_ms();
        let items: Vec<ItemRow> = hold
            .lines
            .iter()
            .map(|l| ItemRow {
                seat_label: l.seat.clone(),
                category: l.category.clone(),
                quantity: l.quantity,
                unit_minor: l.unit_minor,
            })
            .collect();
        let row = BookingRow {
            id: crate::ids::new_id("bkg"),
            event_id: hold.event_id.clone(),
            hold_id: hold.id.clone(),
            owner_id: hold.owner.clone(),
            customer_email: email,
            booked_by: caller.user_id.clone(),
            status: BookingStatus::PendingPayment,
            status_reason: None,
            currency: hold.currency.clone(),
            total_minor: items
                .iter()
                .map(|i| i.unit_minor * i64::from(i.quantity))
                .sum(),
            from_leg: hold.from_leg,
            to_leg: hold.to_leg,
            expires_at_ms: hold.expires_at_ms,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
        };
        let (insert, insert_items) = (row.clone(), items.clone());
        self.db
            .write(move |conn| {
                // In the insert's transaction: an event cancelled since the hold was read
                // takes no new booking. Its cancellation ends the bookings that exist when
                // it runs, so one created after that would stay live (and payable).
                let event = crate::catalog::repo::event_by_id(conn, &insert.event_id)?;
                if event.is_some_and(|e| e.status == EventStatus::Cancelled) {
                    return Err(Conflict::EventCancelled.into());
                }
                repo::insert(conn, &insert, &insert_items)
            })
            .await?;
        tracing::info!(booking_id = %row.id, hold_id = %row.hold_id, "booking created");
        Ok(self.named(view(&row, &items)))
    }

    /// Why a hold that is not live cannot be booked: booked already (a paid booking's hold
    /// has ended), expired, or not the caller's to know about.
    async fn unbookable_hold(&self, caller: &Caller, hold_id: &str) -> Error {
        let id = hold_id.to_string();
        let booked = self.db.read(move |conn| repo::by_hold(conn, &id)).await;
        match booked {
            Ok(Some(b)) if may_see(caller, &b) => Conflict::HoldAlreadyBooked.into(),
            Ok(Some(_)) => Error::NotFound("hold"),
            Ok(None) => self.inventory.hold_gone_error(caller, hold_id).await,
            Err(e) => e,
        }
    }

    /// A booking the caller may see.
    pub async fn get(&self, caller: &Caller, id: &str) -> Result<BookingView, Error> {
        let (b, items) = self.load(id).await?;
        if !may_see(caller, &b) {
            return Err(Error::NotFound("booking"));
        }
        Ok(self.named(view(&b, &items)))
    }

    pub(crate) async fn load(&self, id: &str) -> Result<(BookingRow, Vec<ItemRow>), Error> {
        if !crate::ids::looks_like("bkg", id) {
            return Err(Error::NotFound("booking"));
        }
        let id = id.to_string();
        self.db
            .read(move |conn| {
                let b = repo::by_id(conn, &id)?.ok_or(Error::NotFound("booking"))?;
                let items = repo::items(conn, &id)?;
                Ok((b, items))
            })
            .await
    }

    /// A page of bookings: a customer's own, or anyone's for staff.
    pub async fn list(
        &self,
        caller: &Caller,
        mut filter: BookingFilter,
        page: PageRequest,
    ) -> Result<Page<BookingView>, Error> {
        if !caller.may_see_all() {
            filter.owner_id = Some(caller.user_id.clone());
        }
        let request = page.clone();
        let rows = self
            .db
            .read(move |conn| {
                repo::list(conn, &filter, &request)?
                    .into_iter()
                    .map(|b| {
                        let items = repo::items(conn, &b.id)?;
                        Ok((b, items))
                    })
                    .collect::<Result<Vec<_>, Error>>()
            })
            .await?;
        Ok(Page::from_rows(rows, &page, |(b, _)| vec![b.id.clone()])
            .map(|(b, items)| self.named(view(&b, &items))))
    }

    /// The tickets of a booking the caller may see.
    pub async fn tickets(&self, caller: &Caller, id: &str) -> Result<Vec<TicketView>, Error> {
        let (b, _) = self.load(id).await?;
        if !may_see(caller, &b) {
            return Err(Error::NotFound("booking"));
        }
        let id = id.to_string();
        Ok(self
            .db
            .read(move |conn| repo::tickets(conn, &id))
            .await?
            .into_iter()
            .map(|t| self.named_ticket(TicketView::from(t)))
            .collect())
    }

    /// A payment the caller may see.
    pub async fn payment(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<crate::payment::repo::PaymentRow, Error> {
        if !crate::ids::looks_like("pay", id) {
            return Err(Error::NotFound("payment"));
        }
        let id = id.to_string();
        let (payment, booking) = self
            .db
            .read(move |conn| {
                let p =
                    crate::payment::repo::by_id(conn, &id)?.ok_or(Error::NotFound("payment"))?;
                let b = repo::by_id(conn, &p.booking_id)?.ok_or(Error::NotFound("payment"))?;
                Ok((p, b))
            })
            .await?;
        if !may_see(caller, &booking) {
            return Err(Error::NotFound("payment"));
        }
        Ok(payment)
    }

    /// A page of payments: of a customer's own bookings, or all for staff.
    pub async fn payments(
        &self,
        caller: &Caller,
        mut filter: crate::payment::repo::PaymentFilter,
        page: PageRequest,
    ) -> Result<Page<crate::payment::repo::PaymentRow>, Error> {
        if !caller.may_see_all() {
            filter.owner_id = Some(caller.user_id.clone());
        }
        let request = page.clone();
        let rows = self
            .db
            .read(move |conn| crate::payment::repo::list(conn, &filter, &request))
            .await?;
        Ok(Page::from_rows(rows, &page, |p| vec![p.id.clone()]))
    }
}
