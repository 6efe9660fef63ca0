//! The staff dashboard's figures: today's and upcoming events with their seats sold, held and
//! free, today's takings by payment method, check-ins so far, and the warnings that need a
//! person. A read model across domains: each figure comes from its domain's summary SQL or
//! handle, nothing here writes. "Today" is the UTC day.

use crate::catalog::model::{EventStatus, EventView};
use crate::catalog::{Catalog, EventFilter};
use crate::clock::SharedClock;
use crate::error::Error;
use crate::pagination::PageRequest;
use crate::store::Sqlite;
use time::{OffsetDateTime, Time};

/// How many coming events the dashboard lists; the events page has the rest.
pub const EVENTS_SHOWN: u32 = 25;

/// The dashboard's source handles.
#[derive(Clone)]
pub struct Dashboard {
    sqlite: Sqlite,
    catalog: Catalog,
    clock: SharedClock,
}

/// One event's line.
#[derive(Debug, Clone)]
pub struct EventLine {
    pub event: EventView,
    pub today: bool,
}

/// Successful payments of one method and currency today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Takings {
    pub method: String,
    pub currency: String,
    pub payments: i64,
    pub amount_minor: i64,
}

/// Things that need a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings {
    pub dead_jobs: i64,
    pub emails_failing: i64,
    pub emails_dead: i64,
    pub payments_pending_past_ttl: i64,
}

impl Warnings {
    /// True when nothing needs a person.
    pub fn is_empty(&self) -> bool {
        *self == Warnings::default()
    }
}

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub struct DashboardFigures {
    pub generated_at: OffsetDateTime,
    pub events: Vec<EventLine>,
    /// Whether more coming events exist than are listed.
    pub more_events: bool,
    pub takings: Vec<Takings>,
    /// Refunds today per currency: (currency, count, amount).
    pub refunds: Vec<(String, i64, i64)>,
    pub checkins_today: i64,
    pub warnings: Warnings,
}

impl Dashboard {
    /// The handle.
    pub fn new(sqlite: Sqlite, catalog: Catalog, clock: SharedClock) -> Dashboard {
        Dashboard {
            sqlite,
            catalog,
            clock,
        }
    }

    /// The figures as of now.
    pub async fn figures(&self) -> Result<DashboardFigures, Error> {
        let now = self.clock.now();
        let today = now.replace_time(Time::MIDNIGHT);
        let tomorrow = today + time::Duration::days(1);
        let page = self
            .catalog
            .list_events(
                EventFilter {
                    from_ms: Some(crate::catalog::model::second_ms(today)),
                    ..EventFilter::default()
                },
                PageRequest {
                    limit: EVENTS_SHOWN,
                    after: None,
                },
            )
            .await?;
        let more_events = page.next_cursor.is_some();
        let events = page
            .items
            .into_iter()
            .filter(|e| e.status == EventStatus::Scheduled)
            .map(|event| EventLine {
                today: event.starts_at < tomorrow,
                event,
            })
            .collect();
        let since_ms = today.unix_timestamp() * 1000;
        let now_ms = crate::clock::ms(now);
        let (takings, refunds, checkins_today, warnings) = self
            .sqlite
            .read(move |conn| {
                let takings = crate::payment::summary_repo::takings_since(conn, since_ms)?
                    .into_iter()
                    .map(|t| Takings {
                        method: t.method,
                        currency: t.currency,
                        payments: t.payments,
                        amount_minor: t.amount_minor,
                    })
                    .collect::<Vec<_>>();
                let refunds = crate::payment::summary_repo::refunds_since(conn, since_ms)?;
                let checkins = crate::booking::summary_repo::checkins_since(conn, since_ms)?;
                let (emails_failing, emails_dead) = crate::notify::summary_repo::undelivered(conn)?;
                let warnings = Warnings {
                    dead_jobs: crate::jobs::summary_repo::dead_jobs(conn)?,
                    emails_failing,
                    emails_dead,
                    payments_pending_past_ttl: crate::payment::summary_repo::pending_past_ttl(
                        conn, now_ms,
                    )?,
                };
                Ok((takings, refunds, checkins, warnings))
            })
            .await?;
        Ok(DashboardFigures {
            generated_at: now,
            events,
            more_events,
            takings,
            refunds,
            checkins_today,
            warnings,
        })
    }
}

/// What one clerk took since the start of the day (UTC), for cashing up.
#[derive(Debug, Clone)]
pub struct Till {
    pub since: OffsetDateTime,
    pub takings: Vec<crate::payment::summary_repo::TakingsRow>,
    pub refunds: Vec<crate::payment::summary_repo::TakingsRow>,
}

impl Dashboard {
    /// The till of `user_id` today: payments taken and refunds of them, per method.
    pub async fn till(&self, user_id: &str) -> Result<Till, Error> {
        let since = self.clock.now().replace_time(Time::MIDNIGHT);
        let since_ms = since.unix_timestamp() * 1000;
        let user = user_id.to_string();
        let (takings, refunds) = self
            .sqlite
            .read(move |conn| {
                Ok((
                    crate::payment::summary_repo::takings_by(conn, &user, since_ms)?,
                    crate::payment::summary_repo::refunds_of_payments_by(conn, &user, since_ms)?,
                ))
            })
            .await?;
        Ok(Till {
            since,
            takings,
            refunds,
        })
    }
}
