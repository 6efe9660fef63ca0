//! The new-event form as typed: what each input holds, read from the posted fields. Inputs
//! are flat names (`s0_r2_seats`, `stop1_name`, `p0_amount`) because a plain HTML form has
//! no nesting; this module is the one place that reads them. The "add a row / section /
//! stop / price" buttons that post it back to itself are [`super::event_form_actions`].
//!
//! [`super::event_form_check`] turns the form into the API's `CreateEvent` and puts the
//! catalog's messages back next to the inputs.

use super::form_errors::{Errs, indexed};
use super::seat_builder::{self, MAX_ROWS, MAX_SECTIONS, RowForm, SectionForm};
use std::collections::BTreeMap;

/// The most stops and price lines a form keeps.
pub const MAX_STOPS: usize = 60;
pub const MAX_PRICES: usize = 50;

/// Which form: a seated event at a venue, a journey, or general admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Seated,
    Travel,
    General,
}

impl Kind {
    pub fn parse(s: &str) -> Kind {
        match s {
            "travel" => Kind::Travel,
            "ga" => Kind::General,
            _ => Kind::Seated,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Seated => "seated",
            Kind::Travel => "travel",
            Kind::General => "ga",
        }
    }

    /// The event categories this form creates.
    pub fn categories(self) -> &'static [&'static str] {
        match self {
            Kind::Travel => &["bus", "train", "flight"],
            _ => &["concert", "movie"],
        }
    }
}

/// An intermediate stop as typed.
#[derive(Debug, Clone, Default)]
pub struct StopForm {
    pub key: String,
    pub name: String,
    pub arrives: String,
    pub departs: String,
    pub focus: bool,
}

impl StopForm {
    pub fn is_blank(&self) -> bool {
        self.name.trim().is_empty()
            && self.arrives.trim().is_empty()
            && self.departs.trim().is_empty()
    }
}

/// A price category line as typed: its base price and, for general admission, its places.
#[derive(Debug, Clone, Default)]
pub struct PriceForm {
    pub key: String,
    pub category: String,
    pub amount: String,
    pub capacity: String,
    pub focus: bool,
}

impl PriceForm {
    pub fn is_blank(&self) -> bool {
        self.category.trim().is_empty()
            && self.amount.trim().is_empty()
            && self.capacity.trim().is_empty()
    }
}

/// Everything the new-event form holds.
#[derive(Debug, Clone)]
pub struct EventForm {
    pub kind: Kind,
    pub name: String,
    pub description: String,
    pub category: String,
    pub timezone: String,
    pub currency: String,
    /// A saved venue, or empty for a place named in `venue_name`.
    pub venue_id: String,
    pub venue_name: String,
    /// `builder` or `venue` (the saved venue's seat map).
    pub seats_from: String,
    pub starts_at: String,
    pub ends_at: String,
    pub origin: String,
    pub destination: String,
    pub departs_at: String,
    pub arrives_at: String,
    pub stops: Vec<StopForm>,
    pub sections: Vec<SectionForm>,
    pub prices: Vec<PriceForm>,
    /// Problems, by input name (`name`, `s0_r2_seats`, `p1_amount`; `seat_map`, `stops`
    /// and `prices` for a whole part; `event` for the rest).
    pub errs: Errs,
}

impl EventForm {
    /// An empty form of one kind.
    pub fn new(kind: Kind) -> EventForm {
        let mut form = EventForm {
            kind,
            name: String::new(),
            description: String::new(),
            category: kind.categories()[0].to_string(),
            timezone: String::new(),
            currency: String::new(),
            venue_id: String::new(),
            venue_name: String::new(),
            seats_from: "builder".into(),
            starts_at: String::new(),
            ends_at: String::new(),
            origin: String::new(),
            destination: String::new(),
            departs_at: String::new(),
            arrives_at: String::new(),
            stops: Vec::new(),
            sections: if kind == Kind::General {
                Vec::new()
            } else {
                vec![seat_builder::new_section()]
            },
            prices: vec![PriceForm {
                category: crate::catalog::seat_map::DEFAULT_CATEGORY.into(),
                ..PriceForm::default()
            }],
            errs: Errs::default(),
        };
        form.number();
        form
    }

    /// The form as posted: `pairs` are the body's fields in order.
    pub fn from_pairs(pairs: &[(String, String)]) -> EventForm {
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let kind = Kind::parse(&get("kind"));
        let mut sections: BTreeMap<usize, (SectionForm, BTreeMap<usize, RowForm>)> =
            BTreeMap::new();
        let mut stops: BTreeMap<usize, StopForm> = BTreeMap::new();
        let mut prices: BTreeMap<usize, PriceForm> = BTreeMap::new();
        for (key, value) in pairs {
            let value = value.clone();
            if let Some((si, rest)) = indexed(key, "s", MAX_SECTIONS) {
                let (section, rows) = sections.entry(si).or_default();
                if let Some((ri, field)) = indexed(rest, "r", MAX_ROWS) {
                    let row = rows.entry(ri).or_default();
                    match field {
                        "row" => row.row = value,
                        "seats" => row.seats = value,
                        "category" => row.category = value,
                        "singles" => row.singles = value,
                        _ => {}
                    }
                } else {
                    match rest {
                        "name" => section.name = value,
                        "prefix" => section.prefix = value,
                        "add" => section.add = value,
                        _ => {}
                    }
                }
            } else if let Some((i, field)) = indexed(key, "stop", MAX_STOPS) {
                let stop = stops.entry(i).or_default();
                match field {
                    "name" => stop.name = value,
                    "arrives" => stop.arrives = value,
                    "departs" => stop.departs = value,
                    _ => {}
                }
            } else if let Some((i, field)) = indexed(key, "p", MAX_PRICES) {
                let price = prices.entry(i).or_default();
                match field {
                    "category" => price.category = value,
                    "amount" => price.amount = value,
                    "capacity" => price.capacity = value,
                    _ => {}
                }
            }
        }
        let mut form = EventForm {
            kind,
            name: get("name"),
            description: get("description"),
            category: get("category"),
            timezone: get("timezone"),
            currency: get("currency"),
            venue_id: get("venue_id"),
            venue_name: get("venue_name"),
            seats_from: get("seats_from"),
            starts_at: get("starts_at"),
            ends_at: get("ends_at"),
            origin: get("origin"),
            destination: get("destination"),
            departs_at: get("departs_at"),
            arrives_at: get("arrives_at"),
            stops: stops.into_values().collect(),
            sections: sections
                .into_values()
                .map(|(mut section, rows)| {
                    section.rows = rows.into_values().collect();
                    section
                })
                .collect(),
            prices: prices.into_values().collect(),
            errs: Errs::default(),
        };
        if kind == Kind::General {
            form.sections.clear();
        }
        form.number();
        form
    }

    /// Gives every section, row, stop and price line its input names, in order.
    pub fn number(&mut self) {
        for (si, section) in self.sections.iter_mut().enumerate() {
            section.key = format!("s{si}");
            for (ri, row) in section.rows.iter_mut().enumerate() {
                row.key = format!("s{si}_r{ri}");
            }
        }
        for (i, stop) in self.stops.iter_mut().enumerate() {
            stop.key = format!("stop{i}");
        }
        for (i, price) in self.prices.iter_mut().enumerate() {
            price.key = format!("p{i}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn flat_inputs_become_sections_rows_stops_and_prices() {
        let form = EventForm::from_pairs(&pairs(&[
            ("kind", "seated"),
            ("name", "Gala"),
            ("s0_name", "Stalls"),
            ("s0_r0_row", "A"),
            ("s0_r0_seats", "10"),
            ("s0_r1_row", "B"),
            ("s3_name", "Circle"),
            ("s3_r7_row", "A"),
            ("p0_category", "standard"),
            ("p0_amount", "12.50"),
            ("stop0_name", "ignored on a seated form? no: kept"),
            ("s9999999_name", "out of range"),
        ]));
        assert_eq!(form.name, "Gala");
        assert_eq!(form.sections.len(), 2, "dense, in order");
        assert_eq!(form.sections[1].key, "s1");
        assert_eq!(form.sections[1].rows[0].key, "s1_r0");
        assert_eq!(form.sections[0].rows[1].row, "B");
        assert_eq!(form.prices[0].amount, "12.50");
        assert_eq!(form.stops.len(), 1);
    }
}
