//! From the new-event form to the API's [`CreateEvent`], and back: what the form cannot even
//! read (an amount like `12.345`, a time that is no time, a zone nobody knows) is reported at
//! its input here; everything else the catalog decides, and its messages (JSON paths such as
//! `seat_map.sections[1].rows[0].row`) are put back next to the input they came from.
//!
//! Amounts are read digit by digit into minor units ([`crate::money::parse_amount`]); times
//! are read in the event's time zone ([`super::event_time`]).

use super::event_form::{EventForm, Kind};
use super::event_time;
use super::form_errors::Errs;
use super::seat_builder::{self, BuiltMap};
use crate::catalog::event_input::{CreateEvent, StopInput, VenueRef};
use crate::catalog::model::EventCategory;
use crate::error::FieldError;
use crate::money::{Money, parse_amount};
use jiff::tz::TimeZone;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A saved venue the form may use, with what the form needs to know of it.
#[derive(Debug, Clone)]
pub struct VenueChoice {
    pub id: String,
    pub name: String,
    /// "Town Hall · 420 seats · Asia/Kolkata".
    pub label: String,
    pub timezone: String,
    /// The price categories its seat map uses.
    pub categories: Vec<String>,
}

/// The API's input, and which inputs of the form each of its parts came from.
pub struct Checked {
    pub input: CreateEvent,
    stops: Vec<usize>,
    map: BuiltMap,
    prices: BTreeMap<String, usize>,
}

/// Reads a `datetime-local` input in the event's zone; blank is `None` (the catalog says
/// whether it was required).
fn time(errs: &mut Errs, tz: &TimeZone, key: &str, text: &str) -> Option<OffsetDateTime> {
    if text.trim().is_empty() {
        return None;
    }
    event_time::parse_input(text, tz)
        .map_err(|m| errs.add(key, m))
        .ok()
}

fn some(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Reads the form into a `CreateEvent`, recording in `form.errs` what cannot be read, and
/// offering a price line for every category the seats use.
pub fn to_create(form: &mut EventForm, venues: &[VenueChoice]) -> Checked {
    let mut errs = Errs::default();
    let kind = form.kind;
    let category = EventCategory::parse(form.category.trim())
        .filter(|c| kind.categories().contains(&c.as_str()));
    if category.is_none() {
        errs.add(
            "category",
            format!("must be one of {}", kind.categories().join(", ")),
        );
    }
    // Blank: the saved venue's zone (the catalog fills it in), else UTC.
    let venue = venues.iter().find(|v| v.id == form.venue_id.trim());
    let timezone = some(&form.timezone);
    let zone_name = timezone
        .clone()
        .or_else(|| {
            venue
                .filter(|_| kind != Kind::Travel)
                .map(|v| v.timezone.clone())
        })
        .unwrap_or_else(|| "UTC".into());
    let tz = if event_time::is_zone(&zone_name) {
        event_time::zone(&zone_name)
    } else {
        errs.add(
            "timezone",
            "is not a time zone this server knows; use an IANA name such as Europe/Berlin, Asia/Kolkata or UTC",
        );
        // Times are still read (in UTC) so their own problems show at once.
        TimeZone::UTC
    };
    let mut input = CreateEvent {
        name: form.name.clone(),
        description: some(&form.description),
        category: category.unwrap_or(match kind {
            Kind::Travel => EventCategory::Bus,
            _ => EventCategory::Concert,
        }),
        venue: None,
        starts_at: None,
        ends_at: None,
        origin: None,
        destination: None,
        departs_at: None,
        arrives_at: None,
        stops: Vec::new(),
        seat_map: None,
        capacity: None,
        prices: BTreeMap::new(),
        timezone,
    };
    let mut stops = Vec::new();
    if kind == Kind::Travel {
        input.origin = Some(form.origin.trim().to_string());
        input.destination = Some(form.destination.trim().to_string());
        input.departs_at = time(&mut errs, &tz, "departs_at", &form.departs_at);
        input.arrives_at = time(&mut errs, &tz, "arrives_at", &form.arrives_at);
        for (i, stop) in form.stops.iter().enumerate() {
            if stop.is_blank() {
                continue;
            }
            let arrives = time(
                &mut errs,
                &tz,
                &format!("{}_arrives", stop.key),
                &stop.arrives,
            );
            // A stop with no departure time leaves as soon as it arrives.
            let departs = if stop.departs.trim().is_empty() {
                arrives
            } else {
                time(
                    &mut errs,
                    &tz,
                    &format!("{}_departs", stop.key),
                    &stop.departs,
                )
            };
            if stop.arrives.trim().is_empty() {
                errs.add(format!("{}_arrives", stop.key), "is required");
            }
            if let (Some(arrives_at), Some(departs_at)) = (arrives, departs) {
                input.stops.push(StopInput {
                    name: stop.name.clone(),
                    arrives_at,
                    departs_at,
                });
                stops.push(i);
            }
        }
    } else {
        input.starts_at = time(&mut errs, &tz, "starts_at", &form.starts_at);
        input.ends_at = time(&mut errs, &tz, "ends_at", &form.ends_at);
        input.venue = Some(VenueRef {
            id: some(&form.venue_id),
            name: some(&form.venue_name),
        });
    }

    let from_venue = kind == Kind::Seated && form.seats_from == "venue";
    let mut map = BuiltMap::default();
    let used = if kind == Kind::General {
        Vec::new()
    } else if from_venue {
        match venue {
            Some(venue) => venue.categories.clone(),
            None => {
                errs.add("venue_id", "choose a saved venue to use its seat map");
                Vec::new()
            }
        }
    } else {
        map = seat_builder::build(&form.sections, &mut errs);
        input.seat_map = Some(map.map.clone());
        seat_builder::categories_used(&map.map)
    };
    form.offer_prices_for(&used);

    let currency = form.currency.trim().to_uppercase();
    if currency.is_empty() {
        errs.add("currency", "is required, e.g. EUR, INR or USD");
    }
    let mut prices = BTreeMap::new();
    let mut capacity = BTreeMap::new();
    for (i, line) in form.prices.iter().enumerate() {
        if line.is_blank() {
            continue;
        }
        let key = &line.key;
        let name = line.category.trim();
        if name.is_empty() {
            errs.add(format!("{key}_category"), "is required");
            continue;
        }
        if prices.insert(name.to_string(), i).is_some() {
            errs.add(format!("{key}_category"), "is listed twice");
            continue;
        }
        match parse_amount(&line.amount, &currency) {
            Ok(minor) => {
                input
                    .prices
                    .insert(name.to_string(), Money::new(minor, &currency));
            }
            Err(e) => errs.add(format!("{key}_amount"), e.message()),
        }
        if kind == Kind::General {
            match line.capacity.trim().parse::<u32>() {
                Ok(places) => {
                    capacity.insert(name.to_string(), places);
                }
                Err(_) if line.capacity.trim().is_empty() => {
                    errs.add(format!("{key}_capacity"), "is required")
                }
                Err(_) => errs.add(
                    format!("{key}_capacity"),
                    "must be a whole number of places, e.g. 500",
                ),
            }
        }
    }
    if kind == Kind::General {
        input.capacity = Some(capacity);
    }
    form.errs = errs;
    Checked {
        input,
        stops,
        map,
        prices,
    }
}

/// Puts the catalog's messages next to the inputs they are about. An input the form already
/// found unreadable keeps only the form's message (the catalog only saw it missing).
pub fn place_errors(form: &mut EventForm, checked: &Checked, errors: Vec<FieldError>) {
    let unreadable: Vec<String> = form.errs.iter().map(|(k, _)| k.to_string()).collect();
    for FieldError { field, message } in errors {
        let key = input_of(form, checked, &field);
        if unreadable.contains(&key) {
            continue;
        }
        let message = humanize(&message, &checked.stops);
        let message = if message.starts_with("seat labels must be unique") {
            format!(
                "{message}; give sections that share row names different label prefixes (S for Stalls, C for Circle)"
            )
        } else {
            message
        };
        form.errs.add(key, message);
    }
}

/// The input a catalog field path is about.
fn input_of(form: &EventForm, checked: &Checked, field: &str) -> String {
    let top = |f: &str| match f {
        "venue" | "venue.name" => "venue_name".to_string(),
        "venue.id" if form.seats_from == "venue" || !form.venue_id.is_empty() => {
            "venue_id".to_string()
        }
        "name" | "description" | "category" | "timezone" | "starts_at" | "ends_at" | "origin"
        | "destination" | "departs_at" | "arrives_at" | "stops" => f.to_string(),
        "seat_map" | "seat_map.sections" => "seat_map".to_string(),
        "prices" | "capacity" => "prices".to_string(),
        _ => "event".to_string(),
    };
    if let Some(rest) = field.strip_prefix("stops[") {
        if let Some((i, tail)) = index_then(rest)
            && let Some(&fi) = checked.stops.get(i)
        {
            let key = &form.stops[fi].key;
            return match tail {
                ".arrives_at" => format!("{key}_arrives"),
                ".departs_at" => format!("{key}_departs"),
                _ => format!("{key}_name"),
            };
        }
        return "stops".into();
    }
    if let Some(rest) = field.strip_prefix("seat_map.sections[") {
        let Some((si, tail)) = index_then(rest) else {
            return "seat_map".into();
        };
        let Some((fsi, rows)) = checked.map.origins.get(si) else {
            return "seat_map".into();
        };
        let skey = format!("s{fsi}");
        if let Some(rest) = tail.strip_prefix(".rows[")
            && let Some((ri, tail)) = index_then(rest)
            && let Some(fri) = rows.get(ri)
        {
            let rkey = format!("{skey}_r{fri}");
            return match tail {
                ".row" => format!("{rkey}_row"),
                ".category" => format!("{rkey}_category"),
                ".seats" => format!("{rkey}_seats"),
                _ => format!("{rkey}_singles"),
            };
        }
        return match tail {
            ".name" => format!("{skey}_name"),
            ".prefix" => format!("{skey}_prefix"),
            _ => format!("{skey}_rows"),
        };
    }
    for (prefix, suffix) in [("prices.", "amount"), ("capacity.", "capacity")] {
        if let Some(rest) = field.strip_prefix(prefix) {
            let (category, tail) = rest.split_once('.').unwrap_or((rest, ""));
            if tail == "currency" {
                return "currency".into();
            }
            return match checked.prices.get(category) {
                Some(&i) => format!("{}_{suffix}", form.prices[i].key),
                None => "prices".into(),
            };
        }
    }
    top(field)
}

/// `3].rows[0].row` → (3, `.rows[0].row`).
fn index_then(text: &str) -> Option<(usize, &str)> {
    let (index, tail) = text.split_once(']')?;
    Some((index.parse().ok()?, tail))
}

/// The catalog's messages name JSON fields; a person reads the form's words instead.
fn humanize(message: &str, stops: &[usize]) -> String {
    let mut out = message.to_string();
    // `stops[0].departs_at` → "the departure from stop 1" (the form's numbering).
    while let Some(start) = out.find("stops[") {
        let rest = &out[start + 6..];
        let Some((i, tail)) = index_then(rest) else {
            break;
        };
        let n = stops.get(i).map(|fi| fi + 1).unwrap_or(i + 1);
        let (what, len) = if tail.starts_with(".departs_at") {
            ("the departure from stop", ".departs_at".len())
        } else if tail.starts_with(".arrives_at") {
            ("the arrival at stop", ".arrives_at".len())
        } else {
            ("stop", 0)
        };
        let end = start + 6 + rest.len() - tail.len() + len;
        out.replace_range(start..end, &format!("{what} {n}"));
    }
    for (json, words) in [
        ("its arrives_at", "its arrival"),
        ("departs_at", "the departure"),
        ("arrives_at", "the arrival"),
        ("starts_at", "the start"),
        ("seat_map", "a seat map"),
    ] {
        out = out.replace(json, words);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_become_words() {
        assert_eq!(
            humanize("must be after stops[0].departs_at", &[2]),
            "must be after the departure from stop 3"
        );
        assert_eq!(
            humanize("must be after departs_at", &[]),
            "must be after the departure"
        );
        assert_eq!(
            humanize("must not be before its arrives_at", &[]),
            "must not be before its arrival"
        );
    }

    #[test]
    fn amounts_that_are_no_price_are_reported_at_their_input() {
        let mut form = EventForm::new(Kind::General);
        form.currency = "eur".into();
        form.prices[0].amount = "12.345".into();
        form.prices[0].capacity = "100".into();
        let checked = to_create(&mut form, &[]);
        assert!(form.errs.has("p0_amount"));
        assert!(checked.input.prices.is_empty());
        form.prices[0].amount = "12.34".into();
        let checked = to_create(&mut form, &[]);
        assert!(form.errs.is_empty(), "{:?}", form.errs);
        assert_eq!(checked.input.prices["standard"], Money::new(1234, "EUR"));
        assert_eq!(
            checked.input.capacity.as_ref().map(|c| c["standard"]),
            Some(100)
        );
    }
}
