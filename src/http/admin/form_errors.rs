//! Problems with the new-event form's inputs: collected per input name, phrased with the
//! input's label next to it, and listed (with where they are) at the top of the page.

use super::event_form::{EventForm, MAX_PRICES, MAX_STOPS};
use super::seat_builder::{MAX_ROWS, MAX_SECTIONS};
use std::collections::BTreeMap;

/// Problems with the inputs of one part of the form, by input: fragments such as "must be
/// in the future", joined into sentences with the input's label when shown.
#[derive(Debug, Clone, Default)]
pub struct Errs(BTreeMap<String, Vec<String>>);

impl Errs {
    /// Records a problem with `field`; the same message twice is kept once.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let list = self.0.entry(field.into()).or_default();
        let message = message.into();
        if !list.contains(&message) {
            list.push(message);
        }
    }

    /// Whether `field` has a problem already.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// `field`'s problems as one text.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .get(field)
            .and_then(|l| l.first())
            .map(String::as_str)
    }

    /// Every problem as `label` says it: "Name is required…", "Section: rows must…".
    pub fn sentence(&self, field: &str, label: &str) -> Option<String> {
        let list = self.0.get(field)?;
        Some(
            list.iter()
                .map(|m| phrase(label, m))
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every (field, message).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .flat_map(|(f, l)| l.iter().map(move |m| (f.as_str(), m.as_str())))
    }
}

/// "Name" + "is required" → "Name is required."; "Seat map" + "seat labels must…" →
/// "Seat map: seat labels must…."
pub fn phrase(label: &str, message: &str) -> String {
    let joined = if ["is ", "must ", "are ", "has ", "needs ", "cannot "]
        .iter()
        .any(|p| message.starts_with(p))
    {
        format!("{label} {message}")
    } else {
        format!("{label}: {message}")
    };
    super::render::sentence(&joined)
}

impl EventForm {
    /// An input's problems, as shown beside it.
    pub fn err(&self, key: &str) -> Option<String> {
        self.errs.sentence(key, describe(key).1)
    }

    /// The problems of input `{key}_{field}` (a row's, a stop's, a price line's).
    pub fn at(&self, key: &str, field: &str) -> Option<String> {
        self.err(&format!("{key}_{field}"))
    }

    /// Every problem for the list at the top of the page: (input id, text with where it is).
    pub fn summary(&self) -> Vec<(String, String)> {
        self.errs
            .iter()
            .map(|(key, message)| {
                let (index, label) = describe(key);
                let place = match index {
                    Place::Top => String::new(),
                    Place::Section(si) => self.section_name(si),
                    Place::Row(si, ri) => {
                        let row = self
                            .sections
                            .get(si)
                            .and_then(|s| s.rows.get(ri))
                            .map(|r| r.row.trim().to_string())
                            .unwrap_or_default();
                        format!("{}, row {row}", self.section_name(si))
                    }
                    Place::Stop(i) => format!("Stop {}", i + 1),
                    Place::Price(i) => {
                        let category = self
                            .prices
                            .get(i)
                            .map(|p| p.category.trim().to_string())
                            .unwrap_or_default();
                        format!("Price line {} ({category})", i + 1)
                    }
                };
                let text = phrase(label, message);
                let text = if place.is_empty() {
                    text
                } else {
                    format!("{place} — {text}")
                };
                (key.to_string(), text)
            })
            .collect()
    }

    fn section_name(&self, si: usize) -> String {
        match self.sections.get(si).map(|s| s.name.trim()) {
            Some(name) if !name.is_empty() => format!("Section “{name}”"),
            _ => format!("Section {}", si + 1),
        }
    }
}

/// Which part of the form an input belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Top,
    Section(usize),
    Row(usize, usize),
    Stop(usize),
    Price(usize),
}

/// Where an input is and its label: `s0_r2_seats` → (row 2 of section 0, "Seats").
pub fn describe(key: &str) -> (Place, &'static str) {
    if let Some((si, rest)) = indexed(key, "s", MAX_SECTIONS) {
        if let Some((ri, field)) = indexed(rest, "r", MAX_ROWS) {
            let label = match field {
                "row" => "Row name",
                "seats" => "Seats",
                "category" => "Category",
                _ => "Single seats",
            };
            return (Place::Row(si, ri), label);
        }
        let label = match rest {
            "name" => "Section name",
            "prefix" => "Label prefix",
            _ => "Rows",
        };
        return (Place::Section(si), label);
    }
    if let Some((i, field)) = indexed(key, "stop", MAX_STOPS) {
        let label = match field {
            "name" => "Stop",
            "arrives" => "Arrival",
            _ => "Departure",
        };
        return (Place::Stop(i), label);
    }
    if let Some((i, field)) = indexed(key, "p", MAX_PRICES) {
        let label = match field {
            "category" => "Category",
            "capacity" => "Places",
            _ => "Price",
        };
        return (Place::Price(i), label);
    }
    (Place::Top, top_label(key))
}

/// The label of a top-level input, as the form shows it.
pub fn top_label(field: &str) -> &'static str {
    match field {
        "name" => "Name",
        "description" => "Description",
        "category" => "Category",
        "timezone" => "Time zone",
        "currency" => "Currency",
        "venue_id" => "Saved venue",
        "venue_name" => "Venue",
        "seats_from" => "Seats",
        "starts_at" => "Starts",
        "ends_at" => "Ends",
        "origin" => "From",
        "destination" => "To",
        "departs_at" => "Departs",
        "arrives_at" => "Arrives",
        "stops" => "Stops",
        "seat_map" => "Seat map",
        "prices" => "Prices",
        _ => "The event",
    }
}

/// `s12_r3_row` with prefix `s` → (12, `r3_row`); indices at or past `max` are ignored.
pub fn indexed<'a>(key: &'a str, prefix: &str, max: usize) -> Option<(usize, &'a str)> {
    let rest = key.strip_prefix(prefix)?;
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 4 {
        return None;
    }
    let index: usize = rest[..digits].parse().ok()?;
    let field = rest[digits..].strip_prefix('_')?;
    (index < max).then_some((index, field))
}
