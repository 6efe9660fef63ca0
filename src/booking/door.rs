//! The door of one event as a steward sees it: present / total, their last scans there, and
//! the scan they just made. Scanning itself is [`Bookings::scan`] (one path for the API and
//! the console); this module reads what it logged.

use super::Bookings;
use super::checkin::CheckinRequest;
use super::door_repo::{self, ScanRow};
use crate::auth::{Caller, Role};
use crate::catalog::model::EventStatus;
use crate::catalog::repo::EventRow;
use crate::error::{Error, Validator};

/// How many of a steward's scans the door page lists.
pub const RECENT_SCANS: i64 = 10;

/// How long after its start an event still shows among the doors to open.
pub const DOORS_OPEN_AFTER_START_SECONDS: i64 = 12 * 3600;

/// How many events the door's chooser lists.
pub const DOOR_EVENTS: u32 = 50;

/// The longest code a door accepts from a form; real codes are a few hundred characters.
pub const MAX_CODE_LEN: usize = 2048;

/// One event's door for one steward.
#[derive(Debug, Clone)]
pub struct DoorView {
    pub event: EventRow,
    /// Tickets checked in, of the tickets that count (not void).
    pub present: i64,
    pub total: i64,
    /// The steward's last scans at this door, newest first.
    pub recent: Vec<ScanRow>,
    /// The scan asked for, if it is this steward's.
    pub shown: Option<ScanRow>,
}

impl Bookings {
    /// A steward's view of an event's door; `shown` picks one of their scans to show.
    pub async fn door(
        &self,
        caller: &Caller,
        event_id: &str,
        shown: Option<i64>,
    ) -> Result<DoorView, Error> {
        caller.require(Role::Staff)?;
        if !crate::ids::looks_like("evt", event_id) {
            return Err(Error::NotFound("event"));
        }
        let (event_id, steward) = (event_id.to_string(), caller.user_id.clone());
        self.db
            .read(move |conn| {
                let event = crate::catalog::repo::event_by_id(conn, &event_id)?
                    .ok_or(Error::NotFound("event"))?;
                let (present, total) = door_repo::attendance(conn, &event_id)?;
                let recent = door_repo::recent_scans(conn, &steward, &event_id, RECENT_SCANS)?;
                let shown = match shown {
                    Some(id) => door_repo::scan_of(conn, &steward, id)?,
                    None => None,
                };
                Ok(DoorView {
                    event,
                    present,
                    total,
                    recent,
                    shown,
                })
            })
            .await
    }

    /// A scan at an event's door from the console: the code as typed or scanned (a blank or
    /// oversized one is bad input and logs nothing), then [`Bookings::scan`].
    pub async fn door_scan(
        &self,
        caller: &Caller,
        event_id: &str,
        code: &str,
    ) -> Result<ScanRow, Error> {
        let code = code.trim();
        let mut v = Validator::new();
        v.check(!code.is_empty(), "code", "scan or type a ticket code");
        v.check(
            code.len() <= MAX_CODE_LEN,
            "code",
            "is far longer than any ticket code; scan it again",
        );
        v.finish()?;
        if !crate::ids::looks_like("evt", event_id) {
            return Err(Error::NotFound("event"));
        }
        let id = event_id.to_string();
        let exists = self
            .db
            .read(move |conn| crate::catalog::repo::event_by_id(conn, &id))
            .await?
            .is_some();
        if !exists {
            return Err(Error::NotFound("event"));
        }
        let request = CheckinRequest {
            code: code.to_string(),
            event_id: Some(event_id.to_string()),
        };
        Ok(self.scan(caller, request).await?.1)
    }

    /// Events whose doors may be open: not cancelled, starting 12 hours ago or later,
    /// soonest first (at most [`DOOR_EVENTS`]).
    pub async fn door_events(&self, caller: &Caller) -> Result<Vec<EventRow>, Error> {
        caller.require(Role::Staff)?;
        let from_ms = crate::catalog::model::floor_second_ms(self.now_ms())
            - DOORS_OPEN_AFTER_START_SECONDS * 1000;
        self.db
            .read(move |conn| {
                let filter = crate::catalog::repo::EventFilter {
                    from_ms: Some(from_ms),
                    ..Default::default()
                };
                let page = crate::pagination::PageRequest {
                    limit: DOOR_EVENTS,
                    after: None,
                };
                Ok(crate::catalog::repo::list_events(conn, &filter, &page)?
                    .into_iter()
                    .filter(|e| e.status != EventStatus::Cancelled)
                    .take(DOOR_EVENTS as usize)
                    .collect())
            })
            .await
    }
}
