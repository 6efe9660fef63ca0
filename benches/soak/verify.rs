//! After the last restart: compares what the clients were told with what the server holds.

use super::Seen;
use super::flows::Setup;
use anyhow::{Context, ensure};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The figures the soak test reports.
#[derive(Debug, Default)]
pub struct Report {
    pub lost: usize,
    pub sold_twice: usize,
    pub stale_holds: usize,
    /// Bookings per status, e.g. `confirmed 812, expired 95`.
    pub statuses: String,
    /// One line per problem found.
    pub details: Vec<String>,
}

async fn get(http: &reqwest::Client, url: String, token: &str) -> anyhow::Result<(u16, Value)> {
    let response = http.get(&url).bearer_auth(token).send().await?;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}

/// Every booking, page by page, as the admin sees them.
async fn every_booking(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
) -> anyhow::Result<Vec<Value>> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}/api/v1/bookings?limit=200&cursor={c}"),
            None => format!("{base}/api/v1/bookings?limit=200"),
        };
        let (status, page) = get(http, url, admin).await?;
        ensure!(status == 200, "listing bookings: {status} {page}");
        all.extend(page["items"].as_array().context("items")?.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return Ok(all),
        }
    }
}

pub async fn verify(base: &str, setup: &Setup, seen: &Seen) -> anyhow::Result<Report> {
    let http = reqwest::Client::new();
    let mut report = Report::default();
    let bookings = every_booking(&http, base, &setup.admin).await?;
    let by_id: BTreeMap<&str, &Value> = bookings
        .iter()
        .filter_map(|b| Some((b["id"].as_str()?, b)))
        .collect();

    // Acknowledged confirmations: still confirmed, with their seats and one ticket each.
    for (id, token, event, seats) in &seen.confirmed {
        let kept = by_id.get(id.as_str()).is_some_and(|b| {
            b["status"] == "confirmed"
                && b["event_id"] == event.as_str()
                && b["seats"] == serde_json::json!(seats)
        });
        let (status, tickets) =
            get(&http, format!("{base}/api/v1/bookings/{id}/tickets"), token).await?;
        let ticketed = status == 200 && tickets.as_array().is_some_and(|t| t.len() == seats.len());
        if !(kept && ticketed) {
            report.lost += 1;
            report.details.push(format!(
                "acknowledged booking {id} is now {:?} with {status} tickets {tickets}",
                by_id.get(id.as_str()).map(|b| b["status"].clone())
            ));
        }
    }

    // No seat in two confirmed bookings; the seat maps sell exactly the confirmed seats.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut confirmed_seats: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for b in &bookings {
        *counts
            .entry(b["status"].as_str().unwrap_or("?").to_string())
            .or_insert(0) += 1;
        if b["status"] != "confirmed" {
            continue;
        }
        let event = b["event_id"].as_str().unwrap_or_default().to_string();
        for seat in b["seats"].as_array().into_iter().flatten() {
            let seat = seat.as_str().unwrap_or_default().to_string();
            if !confirmed_seats
                .entry(event.clone())
                .or_default()
                .insert(seat.clone())
            {
                report.sold_twice += 1;
                report
                    .details
                    .push(format!("{event} {seat} is in two confirmed bookings"));
            }
        }
    }
    report.statuses = counts
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(pending) = counts.get("pending_payment") {
        report.stale_holds += pending;
        report.details.push(format!(
            "{pending} bookings still pending_payment past their TTL"
        ));
    }
    for event in &setup.events {
        let (status, map) = get(
            &http,
            format!("{base}/api/v1/events/{event}/seats"),
            &setup.admin,
        )
        .await?;
        ensure!(status == 200, "seat map: {status} {map}");
        let mut sold = BTreeSet::new();
        for seat in map["seats"].as_array().context("seats")? {
            let label = seat["label"].as_str().unwrap_or_default().to_string();
            match seat["status"].as_str() {
                Some("sold") => {
                    sold.insert(label);
                }
                Some("held") => {
                    report.stale_holds += 1;
                    report
                        .details
                        .push(format!("{event} {label} is still held past every TTL"));
                }
                _ => {}
            }
        }
        let confirmed = confirmed_seats.get(event).cloned().unwrap_or_default();
        if sold != confirmed {
            let extra: Vec<_> = sold.symmetric_difference(&confirmed).collect();
            report.sold_twice += extra.len();
            report.details.push(format!(
                "{event}: the seat map's sold seats and the confirmed bookings differ at {extra:?}"
            ));
        }
    }

    // Abandoned holds are gone.
    for (token, hold) in &seen.abandoned {
        let (status, body) = get(&http, format!("{base}/api/v1/holds/{hold}"), token).await?;
        if status != 404 {
            report.stale_holds += 1;
            report
                .details
                .push(format!("abandoned hold {hold} answers {status} {body}"));
        }
    }
    Ok(report)
}
