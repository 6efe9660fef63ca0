//! `GET /admin/`: the dashboard (staff and admins). Figures from [`crate::dashboard`].

use super::render::{Chrome, PageError, page};
use super::session::StaffSession;
use crate::catalog::model::Availability;
use crate::dashboard::{Dashboard, DashboardFigures, EventLine};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use time::macros::format_description;

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardPage {
    pub chrome: Chrome,
    pub generated: String,
    pub sections: Vec<EventSection>,
    pub events_today: usize,
    pub events_listed: usize,
    pub more_events: bool,
    pub takings: Vec<TakingsRow>,
    pub takings_totals: Vec<String>,
    pub refunds: Vec<String>,
    pub checkins: i64,
    pub warnings: Vec<String>,
}

/// Today's events, or the coming ones.
pub struct EventSection {
    pub id: &'static str,
    pub heading: &'static str,
    pub empty: &'static str,
    pub rows: Vec<EventRow>,
}

/// One event as the table shows it.
pub struct EventRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub when: String,
    pub place: String,
    pub sold: u64,
    pub held: u64,
    pub free: u64,
    pub blocked: u64,
    pub total: u64,
    pub fill: Fill,
}

/// A fill bar (`templates/admin/fill.html`): sold then held, out of every seat or place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    /// Widths on a 0–1000 scale for the bar's SVG (attributes, so the CSP needs no inline
    /// styles).
    pub sold_w: u64,
    pub held_w: u64,
    /// Sold and held, in whole percent: the number beside the bar carries the information.
    pub pct: u64,
}

impl Fill {
    /// The bar for these counts.
    pub fn of(a: &Availability) -> Fill {
        let scale = |n: u64| (n * 1000).checked_div(a.total).unwrap_or(0);
        Fill {
            sold_w: scale(a.sold),
            held_w: scale(a.held),
            pct: ((a.sold + a.held) * 100).checked_div(a.total).unwrap_or(0),
        }
    }
}

/// One payment method's takings.
pub struct TakingsRow {
    pub method: String,
    pub payments: i64,
    pub amount: String,
}

/// An amount for people, in the currency's own decimals: `INR 1,299.00`, `JPY 12,000`.
pub use crate::money::format_money as money;

fn event_row(line: &EventLine) -> EventRow {
    let e = &line.event;
    let a = &e.availability;
    let place = match (&e.venue, &e.origin, &e.destination) {
        (Some(v), _, _) => v.name.clone(),
        (None, Some(o), Some(d)) => format!("{o} → {d}"),
        _ => String::new(),
    };
    let when = if line.today {
        e.starts_at.format(format_description!("[hour]:[minute]"))
    } else {
        e.starts_at.format(format_description!(
            "[weekday repr:short] [day] [month repr:short] [hour]:[minute]"
        ))
    }
    .unwrap_or_default();
    EventRow {
        id: e.id.clone(),
        name: e.name.clone(),
        kind: e.category.as_str(),
        when,
        place,
        sold: a.sold,
        held: a.held,
        free: a.available,
        blocked: a.blocked,
        total: a.total,
        fill: Fill::of(a),
    }
}

/// Builds the page from the figures (also what the bench renders).
pub fn build(chrome: Chrome, figures: &DashboardFigures) -> DashboardPage {
    let (today, upcoming): (Vec<_>, Vec<_>) = figures.events.iter().partition(|l| l.today);
    let mut totals: Vec<(String, i64)> = Vec::new();
    for t in &figures.takings {
        match totals.iter_mut().find(|(c, _)| *c == t.currency) {
            Some((_, sum)) => *sum += t.amount_minor,
            None => totals.push((t.currency.clone(), t.amount_minor)),
        }
    }
    let w = &figures.warnings;
    let warnings = [
        (
            w.dead_jobs,
            "background job(s) ran out of attempts and wait for a person (rezerve jobs dead).",
        ),
        (
            w.emails_dead,
            "email(s) could not be delivered: refused by the mail server, or out of attempts.",
        ),
        (
            w.emails_failing,
            "email(s) are failing and will be tried again.",
        ),
        (
            w.payments_pending_past_ttl,
            "payment(s) are still pending after their booking's time to pay ended.",
        ),
    ]
    .into_iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, what)| format!("{count} {what}"))
    .collect();
    DashboardPage {
        chrome,
        generated: figures
            .generated_at
            .format(format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .unwrap_or_default(),
        events_today: today.len(),
        events_listed: figures.events.len(),
        sections: vec![
            EventSection {
                id: "events-today",
                heading: "Today",
                empty: "No events today.",
                rows: today.into_iter().map(event_row).collect(),
            },
            EventSection {
                id: "events-upcoming",
                heading: "Upcoming",
                empty: "No events coming up.",
                rows: upcoming.into_iter().map(event_row).collect(),
            },
        ],
        more_events: figures.more_events,
        takings: figures
            .takings
            .iter()
            .map(|t| TakingsRow {
                method: t.method.clone(),
                payments: t.payments,
                amount: money(t.amount_minor, &t.currency),
            })
            .collect(),
        takings_totals: totals.iter().map(|(c, m)| money(*m, c)).collect(),
        refunds: figures
            .refunds
            .iter()
            .map(|(c, n, m)| format!("{n} refund(s), {}", money(*m, c)))
            .collect(),
        checkins: figures.checkins_today,
        warnings,
    }
}

/// `GET /admin/`.
pub async fn show(
    StaffSession(session): StaffSession,
    State(dashboard): State<Dashboard>,
) -> Result<Response, PageError> {
    let figures = dashboard.figures().await?;
    Ok(page(&build(
        Chrome::signed_in(&session, "Dashboard", "/admin/"),
        &figures,
    )))
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_is_grouped_with_two_decimals() {
        assert_eq!(money(129900, "INR"), "INR 1,299.00");
        assert_eq!(money(5, "EUR"), "EUR 0.05");
        assert_eq!(money(123456789, "USD"), "USD 1,234,567.89");
        assert_eq!(money(-250, "USD"), "USD -2.50");
    }
}
