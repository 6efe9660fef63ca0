//! A seat's history: every status change, when, from, to, and what caused it.

use crate::error::Error;
use crate::pagination::PageRequest;
use rusqlite::Connection;
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

/// A page of a seat's history, oldest first.
pub fn page(
    conn: &Connection,
    event_id: &str,
    label: &str,
    page: &PageRequest,
) -> Result<Vec<SeatHistoryEntry>, Error> {
    let after: Option<i64> = match &page.after {
        Some(k) => Some(
            k[0].parse()
                .map_err(|_| Error::invalid("cursor", "is not a cursor this list handed out"))?,
        ),
        None => None,
    };
    let rows = conn
        .prepare_cached(
            "SELECT id, at, from_status, to_status, cause, actor, note FROM seat_history
             WHERE event_id = ?1 AND label = ?2 AND (?3 IS NULL OR id > ?3)
             ORDER BY id LIMIT ?4",
        )?
        .query_map(
            rusqlite::params![event_id, label, after, page.fetch_limit()],
            |r| {
                Ok(SeatHistoryEntry {
                    id: r.get(0)?,
                    at: super::model::at(r.get(1)?),
                    from: r.get(2)?,
                    to: r.get(3)?,
                    cause: r.get(4)?,
                    actor: r.get(5)?,
                    note: r.get(6)?,
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Whether the event has a seat with this label.
pub fn seat_exists(conn: &Connection, event_id: &str, label: &str) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM seats WHERE event_id = ?1 AND label = ?2)")?
        .query_row(rusqlite::params![event_id, label], |r| r.get(0))?)
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
                page(conn, &event, &seat, &paging)
            })
            .await?;
        Ok(crate::pagination::Page::from_rows(rows, &request, |e| {
            vec![e.id.to_string()]
        }))
    }
}
