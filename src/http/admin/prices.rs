//! `GET /admin/events/{id}/prices` (admins): an event's price per category, the range it
//! moves in, the next step up, why each price is what it is (the rule's curve at the
//! category's occupancy, the factors in force, rounding and limits), and the price history
//! as an SVG chart with a table of the same changes. Figures from [`Pricing::prices`], the
//! function behind `GET /api/v1/events/{id}/prices`.

use super::dashboard::money;
use super::price_chart::{self, Chart};
use super::pricing_form::CURVES;
use super::render::{Chrome, PageError, page};
use super::session::AdminSession;
use crate::pagination::{MAX_LIMIT, PageRequest};
use crate::pricing::curve::Limit;
use crate::pricing::rule::{Curve, Rule};
use crate::pricing::{CategoryPrice, PricesView, Pricing};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/prices.html")]
pub struct PricesPage {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_name: String,
    pub currency: String,
    /// The event has its own rule (else its category's).
    pub event_rule: bool,
    /// The rule, one line per part.
    pub rule_lines: Vec<String>,
    pub rows: Vec<PriceRow>,
    pub chart: Option<Chart>,
    pub history: Vec<HistoryLine>,
    /// The link to older changes, when there are more.
    pub older: Option<String>,
    /// This is not the newest page of changes.
    pub paged: bool,
}

/// One price category.
pub struct PriceRow {
    pub category: String,
    pub base: String,
    pub current: String,
    pub floor: String,
    pub cap: String,
    pub sold: String,
    pub next: String,
    /// How the rule arrives at the price, step by step.
    pub why: Vec<String>,
}

/// One price change.
pub struct HistoryLine {
    pub when: String,
    pub category: String,
    pub from: String,
    pub to: String,
    pub change: String,
    pub occupancy: String,
    pub cause: String,
}

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    cursor: Option<String>,
}

fn percent(o: f64) -> String {
    format!("{:.0}%", o * 100.0)
}

fn times(m: f64) -> String {
    let text = format!("{m:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} ×")
}

fn curve_words(curve: &Curve) -> String {
    let key = match curve {
        Curve::Concert => "concert",
        Curve::Flight => "flight",
        Curve::Bus => "bus",
        Curve::Train => "train",
        Curve::Flat => "flat",
        Curve::Buckets(_) => "buckets",
        Curve::EmsrB(_) => "emsr_b",
    };
    CURVES
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, name, words)| format!("{name}: {words}"))
        .unwrap_or_default()
}

/// The rule in words.
pub fn rule_lines(rule: &Rule) -> Vec<String> {
    let mut lines = vec![
        format!("Curve — {}.", curve_words(&rule.curve)),
        format!(
            "Between {} base (floor) and {} base (cap), rounded down to a multiple of {} minor units.",
            times(rule.floor),
            times(rule.cap),
            rule.rounding_minor
        ),
    ];
    lines.push(match &rule.time_factor {
        Some(t) => format!(
            "Last-minute factor: {} in the last {} hours before the start.",
            times(t.multiplier),
            t.hours_before
        ),
        None => "No last-minute factor.".into(),
    });
    lines.push(match &rule.demand_factor {
        Some(d) => format!(
            "Demand factor: {} while {} or more seats per 100 were held in the last {} minutes.",
            times(d.multiplier),
            d.holds_per_100_seats,
            d.window_minutes
        ),
        None => "No demand factor.".into(),
    });
    lines
}

fn why(c: &CategoryPrice, rule: &Rule) -> Vec<String> {
    let currency = &c.current_price.currency;
    let m = |minor: i64| money(minor, currency);
    let b = &c.why;
    let mut lines = vec![format!(
        "{} sold of {} ({}): the curve gives {} the base price of {}.",
        c.sold,
        c.capacity,
        percent(c.occupancy),
        times(b.curve_multiplier),
        m(c.base_price.amount_minor)
    )];
    if let Some(x) = b.last_minute_multiplier {
        lines.push(format!(
            "The event starts soon: the last-minute factor adds {}.",
            times(x)
        ));
    }
    if let Some(x) = b.high_demand_multiplier {
        lines.push(format!(
            "Holds are coming in fast: the demand factor adds {}.",
            times(x)
        ));
    }
    lines.push(format!(
        "Rounded down to a multiple of {}: {}.",
        m(rule.rounding_minor),
        m(b.rounded_minor)
    ));
    match b.limited_by {
        Some(Limit::Cap) => lines.push(format!(
            "That is above the cap, so the price stays at {}.",
            m(b.price_minor)
        )),
        Some(Limit::Floor) => lines.push(format!(
            "That is below the floor, so the price is raised to {}.",
            m(b.price_minor)
        )),
        None => {}
    }
    if b.price_minor != c.current_price.amount_minor {
        lines.push(format!(
            "Seats are being repriced: {} is charged until the recompute sets {}.",
            m(c.current_price.amount_minor),
            m(b.price_minor)
        ));
    }
    lines
}

fn cause_words(cause: &str) -> String {
    match cause {
        "seats-changed" => "Seats sold or released".into(),
        "refund" => "Seats refunded".into(),
        "base-price" => "Base price edited".into(),
        "rules" => "Pricing rule changed".into(),
        "time" => "Time to the event".into(),
        other => other.to_string(),
    }
}

/// Builds the page from the prices view.
pub fn build(chrome: Chrome, view: &PricesView, paged: bool) -> PricesPage {
    let currency = view.currency.clone();
    let m = |minor: i64| money(minor, &currency);
    let rows = view
        .categories
        .iter()
        .map(|c| PriceRow {
            category: c.category.clone(),
            base: m(c.base_price.amount_minor),
            current: m(c.current_price.amount_minor),
            floor: m(c.floor_price.amount_minor),
            cap: m(c.cap_price.amount_minor),
            sold: format!("{} of {} ({})", c.sold, c.capacity, percent(c.occupancy)),
            next: match &c.next_step {
                Some(n) => format!(
                    "{} at {} sold ({})",
                    m(n.price.amount_minor),
                    n.at_sold,
                    percent(n.at_occupancy)
                ),
                None => "None: no further rise".into(),
            },
            why: why(c, &view.rule),
        })
        .collect();
    let history = view
        .history
        .items
        .iter()
        .map(|h| HistoryLine {
            when: price_chart::utc(h.at_ms),
            category: h.category.clone(),
            from: m(h.old_minor),
            to: m(h.new_minor),
            change: {
                let d = h.new_minor - h.old_minor;
                let text = m(d);
                if d > 0 {
                    text.replacen(' ', " +", 1)
                } else {
                    text
                }
            },
            occupancy: percent(h.occupancy),
            cause: cause_words(&h.cause),
        })
        .collect();
    PricesPage {
        chrome,
        event_id: view.event_id.clone(),
        event_name: view.event_name.clone(),
        currency: currency.clone(),
        event_rule: view.event_rule,
        rule_lines: rule_lines(&view.rule),
        rows,
        chart: price_chart::history(view),
        history,
        older: view.history.next_cursor.as_ref().map(|cursor| {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("cursor", cursor)
                .finish();
            format!("/admin/events/{}/prices?{query}#history", view.event_id)
        }),
        paged,
    }
}

/// `GET /admin/events/{id}/prices`.
pub async fn show(
    AdminSession(session): AdminSession,
    State(pricing): State<Pricing>,
    Path(id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, PageError> {
    let request = PageRequest::parse(Some(MAX_LIMIT), query.cursor.as_deref(), 1)?;
    let view = pricing.prices(&id, request).await?;
    let chrome = Chrome::signed_in(
        &session,
        &format!("Prices: {}", view.event_name),
        "/admin/pricing",
    );
    Ok(page(&build(chrome, &view, query.cursor.is_some())))
}
