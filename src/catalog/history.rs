//! A seat's history: every status change, when, from, to, and what caused it. Stored one
//! row per change of any number of seats (`history_repo.rs`), read back per seat.

use super::history_repo::{page, seat_exists};
use crate::error::Error;
use crate::pagination::PageRequest;
use serde::Serialize;
use time::OffsetDateTime;

/// One status change of a seat.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeatHistoryEntry {
    #[serde(skip)]
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub from: String,
    pub to: String,
    /// `block`, `unblock`, `hold:<id>`, `booking:<id>`.
    pub cause: String,
    /// The account that made the change, when a person did.
    pub actor: Option<String>,
    pub note: Option<String>,
}

impl super::Catalog {
    /// A page of one seat's history; 404 for an unknown event or seat.
    pub async fn seat_history(
        &self,
        event_id: &str,
        label: &str,
        request: PageRequest,
    ) -> Result<crate::pagination::Page<SeatHistoryEntry>, Error> {
        if !crate::ids::looks_like("evt", event_id) {
            return Err(Error::NotFound("event"));
        }
        let (event, seat, paging) = (event_id.to_string(), label.to_string(), request.clone());
        let rows = self
            .db
            .read(move |conn| {
                if !seat_exists(conn, &event, &seat)? {
                    return Err(Error::NotFound("seat"));
                }
                let after: Option<i64> = match &paging.after {
                    Some(k) => Some(k[0].parse().map_err(|_| {
                        Error::invalid("cursor", "is not a cursor this list handed out")
                    })?),
                    None => None,
                };
                page(conn, &event, &seat, after, &paging)
            })
            .await?;
        Ok(crate::pagination::Page::from_rows(rows, &request, |e| {
            vec![e.id.to_string()]
        }))
    }
}
