//! Health and verification: whether the hold store still commits, and the live index checked
//! against the stores.

use super::Inventory;
use super::invariants;
use crate::error::Error;
use std::collections::HashMap;

impl Inventory {
    /// Readiness: an empty commit through the hold store's committer (refused once the
    /// store is poisoned).
    pub async fn probe_write(&self) -> Result<(), Error> {
        self.inner.store.probe().await
    }

    /// Every (event, seat label, leg) in two live holds at once — must be empty.
    pub fn double_holds(&self) -> Vec<(String, String, u16)> {
        let events = self.all_events();
        let mut doubles = Vec::new();
        for event in events {
            let ix = event.lock().unwrap_or_else(|p| self.recover(p));
            for (seat, leg) in ix.double_holds() {
                doubles.push((ix.event_id.clone(), ix.label(seat).to_string(), leg));
            }
        }
        doubles
    }

    /// Checks the live index against the stores and the hold invariants. A difference must
    /// survive a second look a moment later, so a hold committing mid-check is not reported.
    pub async fn verify(&self) -> Result<Vec<crate::store::check::Finding>, Error> {
        let (first, expected_problems) = self.differences_once().await?;
        let mut lasting = Vec::new();
        if !first.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            let (second, _) = self.differences_once().await?;
            lasting = first.into_iter().filter(|d| second.contains(d)).collect();
        }
        let mut findings = invariants::findings(&expected_problems);
        findings.push(crate::store::check::Finding::from_problems(
            "no seat-leg in two live holds (in memory)",
            self.double_holds()
                .into_iter()
                .map(|(event, seat, leg)| format!("{event} {seat} leg {leg}"))
                .collect(),
        ));
        findings.push(crate::store::check::Finding::from_problems(
            "the seat index equals the stores",
            lasting,
        ));
        Ok(findings)
    }

    async fn differences_once(&self) -> Result<(Vec<String>, invariants::Expected), Error> {
        let store = self.inner.store.clone();
        let live = tokio::task::spawn_blocking(move || store.live_holds())
            .await
            .map_err(Error::internal)??;
        let expected = self
            .inner
            .db
            .read(move |conn| invariants::expected(conn, &live))
            .await?;
        let ids: HashMap<u64, String> = self
            .inner
            .live
            .lock()
            .unwrap_or_else(|p| self.recover(p))
            .by_id
            .values()
            .map(|e| (e.key, e.record.id.clone()))
            .collect();
        let events = self.all_events();
        let mut differences = Vec::new();
        for event in &events {
            let ix = event.lock().unwrap_or_else(|p| self.recover(p));
            differences.extend(invariants::differences(&ix, &ids, &expected));
        }
        let indexed: Vec<String> = self
            .inner
            .events
            .read()
            .unwrap_or_else(|p| self.recover(p))
            .keys()
            .cloned()
            .collect();
        for id in expected.indexes.keys() {
            if !indexed.contains(id) {
                differences.push(format!(
                    "event {id} is in the database but not in the index"
                ));
            }
        }
        Ok((differences, expected))
    }
}
