//! How hold records and seat changes are stored in redb: a tag byte, then postcard (serde,
//! varint integers, length-prefixed strings), with ids packed.
//!
//! Why not JSON: a redb commit copies every page it touches, so the record's size is written
//! again and again. A hold is about 180 bytes in postcard against about 350 as JSON, and
//! about 110 with its ids packed: an id (`hld_` and 32 hex digits of a UUIDv7) is its prefix
//! and 16 bytes, 20 bytes instead of 37, and a hold record, written when it is made and
//! again when it ends, carries three, a seat change three. Its times after the first are
//! kept as offsets from it. Records written by format 1 (JSON, which always starts with `{`)
//! and format 2 (postcard, ids as text) are still read, so a store upgraded in place keeps
//! its live holds and its outbox.

use super::hold_record::{HoldRecord, HoldState, QuoteLine, SeatChange};
use crate::error::Error;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Led format 2's records: postcard, ids as text.
const POSTCARD: u8 = 2;

/// Leads every record written now: postcard, ids packed. JSON records start with `{`.
const PACKED: u8 = 3;

/// A record the hold store keeps, with its packed form.
pub(super) trait Record: Sized + DeserializeOwned {
    /// Appends the packed form to `out`.
    fn pack(&self, out: Vec<u8>) -> Result<Vec<u8>, Error>;
    /// Reads the packed form back.
    fn unpack(bytes: &[u8]) -> Result<Self, Error>;
}

/// The stored bytes of a record.
pub(super) fn encode<T: Record>(value: &T) -> Result<Vec<u8>, Error> {
    value.pack(vec![PACKED])
}

/// A record back from its stored bytes, any form.
pub(super) fn decode<T: Record>(bytes: &[u8]) -> Result<T, Error> {
    match bytes.split_first() {
        Some((&PACKED, rest)) => T::unpack(rest),
        Some((&POSTCARD, rest)) => postcard::from_bytes(rest).map_err(Error::internal),
        Some((b'{', _)) => serde_json::from_slice(bytes).map_err(Error::internal),
        _ => Err(Error::internal("a hold store record of an unknown form")),
    }
}

/// An id as written: the prefix and the 16 bytes of an id of the shape `crate::ids` makes
/// (three lowercase letters, `_`, 32 lowercase hex digits), any other id as its text.
#[derive(Serialize)]
enum IdOut<'a> {
    Packed([u8; 3], [u8; 16]),
    Text(&'a str),
}

/// An id as read; the same variants in the same order as [`IdOut`].
#[derive(Deserialize)]
enum IdIn {
    Packed([u8; 3], [u8; 16]),
    Text(String),
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

fn pack_id(id: &str) -> IdOut<'_> {
    let b = id.as_bytes();
    if b.len() != 36 || b[3] != b'_' || !b[..3].iter().all(u8::is_ascii_lowercase) {
        return IdOut::Text(id);
    }
    let mut bytes = [0u8; 16];
    for (byte, pair) in bytes.iter_mut().zip(b[4..].chunks_exact(2)) {
        match (nibble(pair[0]), nibble(pair[1])) {
            (Some(high), Some(low)) => *byte = high << 4 | low,
            _ => return IdOut::Text(id),
        }
    }
    IdOut::Packed([b[0], b[1], b[2]], bytes)
}

impl IdIn {
    fn text(self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        match self {
            IdIn::Text(text) => text,
            IdIn::Packed(prefix, bytes) => {
                let mut id = String::with_capacity(36);
                id.extend(prefix.iter().map(|&c| char::from(c)));
                id.push('_');
                for b in bytes {
                    id.push(char::from(HEX[usize::from(b >> 4)]));
                    id.push(char::from(HEX[usize::from(b & 15)]));
                }
                id
            }
        }
    }
}

/// A hold record as written; [`HoldIn`] has the same fields in the same order.
#[derive(Serialize)]
struct HoldOut<'a> {
    id: IdOut<'a>,
    event_id: IdOut<'a>,
    owner: IdOut<'a>,
    seats: &'a [String],
    from_leg: u16,
    to_leg: u16,
    lines: &'a [QuoteLine],
    currency: &'a str,
    created_at_ms: i64,
    /// The other times, as offsets from the creation: a few bytes instead of six.
    expires_after_ms: i64,
    max_expires_after_ms: i64,
    state: HoldState,
    ended_after_ms: Option<i64>,
}

#[derive(Deserialize)]
struct HoldIn {
    id: IdIn,
    event_id: IdIn,
    owner: IdIn,
    seats: Vec<String>,
    from_leg: u16,
    to_leg: u16,
    lines: Vec<QuoteLine>,
    currency: String,
    created_at_ms: i64,
    expires_after_ms: i64,
    max_expires_after_ms: i64,
    state: HoldState,
    ended_after_ms: Option<i64>,
}

impl Record for HoldRecord {
    fn pack(&self, out: Vec<u8>) -> Result<Vec<u8>, Error> {
        let created = self.created_at_ms;
        let packed = HoldOut {
            id: pack_id(&self.id),
            event_id: pack_id(&self.event_id),
            owner: pack_id(&self.owner),
            seats: &self.seats,
            from_leg: self.from_leg,
            to_leg: self.to_leg,
            lines: &self.lines,
            currency: &self.currency,
            created_at_ms: created,
            expires_after_ms: self.expires_at_ms.wrapping_sub(created),
            max_expires_after_ms: self.max_expires_at_ms.wrapping_sub(created),
            state: self.state,
            ended_after_ms: self.ended_at_ms.map(|at| at.wrapping_sub(created)),
        };
        postcard::to_extend(&packed, out).map_err(Error::internal)
    }

    fn unpack(bytes: &[u8]) -> Result<Self, Error> {
        let h: HoldIn = postcard::from_bytes(bytes).map_err(Error::internal)?;
        let created = h.created_at_ms;
        Ok(HoldRecord {
            id: h.id.text(),
            event_id: h.event_id.text(),
            owner: h.owner.text(),
            seats: h.seats,
            from_leg: h.from_leg,
            to_leg: h.to_leg,
            lines: h.lines,
            currency: h.currency,
            created_at_ms: created,
            expires_at_ms: created.wrapping_add(h.expires_after_ms),
            max_expires_at_ms: created.wrapping_add(h.max_expires_after_ms),
            state: h.state,
            ended_at_ms: h.ended_after_ms.map(|after| created.wrapping_add(after)),
        })
    }
}

/// A seat change as written; [`ChangeIn`] has the same fields in the same order.
#[derive(Serialize)]
struct ChangeOut<'a> {
    event_id: IdOut<'a>,
    event_seq: u64,
    kind: &'a str,
    hold_id: IdOut<'a>,
    seats: &'a [String],
    places: &'a [(String, u32)],
    at_ms: i64,
    actor: Option<IdOut<'a>>,
}

#[derive(Deserialize)]
struct ChangeIn {
    event_id: IdIn,
    event_seq: u64,
    kind: String,
    hold_id: IdIn,
    seats: Vec<String>,
    places: Vec<(String, u32)>,
    at_ms: i64,
    actor: Option<IdIn>,
}

impl Record for SeatChange {
    fn pack(&self, out: Vec<u8>) -> Result<Vec<u8>, Error> {
        let packed = ChangeOut {
            event_id: pack_id(&self.event_id),
            event_seq: self.event_seq,
            kind: &self.kind,
            hold_id: pack_id(&self.hold_id),
            seats: &self.seats,
            places: &self.places,
            at_ms: self.at_ms,
            actor: self.actor.as_deref().map(pack_id),
        };
        postcard::to_extend(&packed, out).map_err(Error::internal)
    }

    fn unpack(bytes: &[u8]) -> Result<Self, Error> {
        let c: ChangeIn = postcard::from_bytes(bytes).map_err(Error::internal)?;
        Ok(SeatChange {
            event_id: c.event_id.text(),
            event_seq: c.event_seq,
            kind: c.kind,
            hold_id: c.hold_id.text(),
            seats: c.seats,
            places: c.places,
            at_ms: c.at_ms,
            actor: c.actor.map(IdIn::text),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> HoldRecord {
        HoldRecord {
            id: crate::ids::new_id("hld"),
            event_id: crate::ids::new_id("evt"),
            owner: crate::ids::new_id("usr"),
            seats: vec!["A-1".into(), "A-2".into()],
            from_leg: 0,
            to_leg: 3,
            lines: vec![QuoteLine {
                seat: Some("A-1".into()),
                category: "stalls".into(),
                quantity: 1,
                unit_minor: -2_500,
            }],
            currency: "EUR".into(),
            created_at_ms: 1_796_000_000_000,
            expires_at_ms: 1_796_000_600_000,
            max_expires_at_ms: 1_796_001_800_000,
            state: HoldState::Booked,
            ended_at_ms: Some(1_796_000_100_000),
        }
    }

    #[test]
    fn records_and_changes_come_back_as_they_went_in_and_smaller_than_json() {
        let hold = record();
        let bytes = encode(&hold).unwrap();
        assert_eq!(decode::<HoldRecord>(&bytes).unwrap(), hold);
        let json = serde_json::to_vec(&hold).unwrap();
        assert!(
            bytes.len() * 3 < json.len() * 2,
            "{} vs {}",
            bytes.len(),
            json.len()
        );

        let change = SeatChange {
            event_id: hold.event_id.clone(),
            event_seq: u64::MAX,
            kind: "held".into(),
            hold_id: hold.id.clone(),
            seats: hold.seats.clone(),
            places: vec![("standing".into(), 4)],
            at_ms: -1,
            actor: None,
        };
        assert_eq!(
            decode::<SeatChange>(&encode(&change).unwrap()).unwrap(),
            change
        );
    }

    /// Ids of the shape `crate::ids` makes are packed, and come back as they were; any other
    /// id (another length, upper-case hex, no prefix) is kept as its text.
    #[test]
    fn ids_are_packed_and_come_back_exactly_and_other_ids_as_text() {
        let hold = record();
        let packed = encode(&hold).unwrap();
        let text = postcard::to_extend(&hold, vec![POSTCARD]).unwrap();
        assert_eq!(decode::<HoldRecord>(&text).unwrap(), hold, "format 2 reads");
        assert!(
            packed.len() + 3 * 16 <= text.len(),
            "{} packed vs {} with ids as text",
            packed.len(),
            text.len()
        );
        for other in [
            "walk-in",
            "",
            "hld_0193B7C4E1D27C3A9F1E2D3C4B5A6978",
            "hld_0193b7c4e1d27c3a9f1e2d3c4b5a697",
            "hld-0193b7c4e1d27c3a9f1e2d3c4b5a6978",
            "HLD_0193b7c4e1d27c3a9f1e2d3c4b5a6978",
            "hld_0193b7c4e1d27c3a9f1e2d3c4b5a69zz",
            "hld_0193b7c4e1d27c3a9f1e2d3c4b5a6978",
            "évt_0193b7c4e1d27c3a9f1e2d3c4b5a697",
        ] {
            let odd = HoldRecord {
                owner: other.into(),
                ended_at_ms: None,
                ..hold.clone()
            };
            assert_eq!(decode::<HoldRecord>(&encode(&odd).unwrap()).unwrap(), odd);
            let change = SeatChange {
                event_id: other.into(),
                event_seq: 1,
                kind: "released".into(),
                hold_id: hold.id.clone(),
                seats: Vec::new(),
                places: Vec::new(),
                at_ms: 3,
                actor: Some(other.into()),
            };
            let bytes = encode(&change).unwrap();
            assert_eq!(decode::<SeatChange>(&bytes).unwrap(), change);
            let text = postcard::to_extend(&change, vec![POSTCARD]).unwrap();
            assert_eq!(
                decode::<SeatChange>(&text).unwrap(),
                change,
                "format 2 reads"
            );
        }
    }

    #[test]
    fn json_records_of_format_1_are_still_read() {
        let hold = record();
        let json = serde_json::to_vec(&hold).unwrap();
        assert_eq!(decode::<HoldRecord>(&json).unwrap(), hold);
    }

    #[test]
    fn junk_is_an_error_not_a_panic() {
        for junk in [
            &b""[..],
            b"\x00",
            b"\x02",
            b"\x02\xff\xff\xff",
            b"\x03",
            b"\x03\x00\xff\xff",
            b"\x03\x07",
            b"{not json",
        ] {
            assert!(decode::<HoldRecord>(junk).is_err(), "{junk:?}");
        }
    }
}
