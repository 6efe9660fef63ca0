//! Blocking and unblocking seats, all or nothing, in the stored catalog and the live index.

use super::Catalog;
use super::event_input::required_text;
use super::live::SeatsEdit;
use super::model::SeatsView;
use super::repo;
use crate::auth::Caller;
use crate::error::Error;
use crate::error::Validator;

/// The most seats one block or unblock request may name.
pub const MAX_LABELS_PER_REQUEST: usize = 1_000;

impl Catalog {
    /// Blocks seats with a reason, or unblocks them (`reason: None`). All or nothing: an
    /// unknown label changes nothing.
    pub async fn set_blocked(
        &self,
        caller: &Caller,
        id: &str,
        labels: Vec<String>,
        reason: Option<String>,
    ) -> Result<SeatsView, Error> {
        if !crate::ids::looks_like("evt", id) {
            return Err(Error::NotFound("event"));
        }
        let mut v = Validator::new();
        v.check(!labels.is_empty(), "seats", "name at least one seat");
        v.check(
            labels.len() <= MAX_LABELS_PER_REQUEST,
            "seats",
            format!("at most {MAX_LABELS_PER_REQUEST} seats per request"),
        );
        let reason = reason.map(|r| required_text("reason", Some(&r), 500, &mut v));
        v.finish()?;
        let now_ms = self.clock.now_ms();
        let actor = caller.user_id.clone();
        let event_id = id.to_string();
        let mut labels = labels;
        labels.sort();
        labels.dedup();
        let changed = labels.clone();
        // Blocking checks the live index first (a held or sold seat cannot be blocked) and
        // is undone there if the stored change fails; unblocking is stored first.
        let undo = match (&self.live, reason.is_some()) {
            (Some(live), true) => live.apply(id, SeatsEdit::Block(labels.clone()))?,
            _ => None,
        };
        let blocking = reason.is_some();
        let stored = self
            .db
            .write(move |conn| {
                let event = repo::event_by_id(conn, &event_id)?.ok_or(Error::NotFound("event"))?;
                if event.general_admission {
                    return Err(Error::invalid(
                        "seats",
                        "a general-admission event has no seats to block",
                    ));
                }
                let missing =
                    repo::set_blocked(conn, &event_id, &labels, reason.as_deref(), &actor, now_ms)?;
                if !missing.is_empty() {
                    return Err(Error::invalid(
                        "seats",
                        format!("no such seats in this event: {}", missing.join(", ")),
                    ));
                }
                Ok(())
            })
            .await;
        if let Some(live) = &self.live {
            let edit = match (&stored, blocking) {
                (Err(_), true) => undo,
                (Ok(()), false) => Some(SeatsEdit::Unblock(changed.clone())),
                _ => None,
            };
            if let Some(edit) = edit {
                live.apply(id, edit)?;
            }
        }
        stored?;
        let mut view = self.seats(id, None, None).await?;
        view.seats.retain(|s| changed.contains(&s.label));
        Ok(view)
    }
}
