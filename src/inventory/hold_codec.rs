//! How hold records and seat changes are stored in redb: a tag byte, then postcard (serde,
//! varint integers, length-prefixed strings), with ids packed.
//!
//! Why not JSON: a redb commit copies every page it touches, so the record's size is written
//! again and again. A hold is about 180 bytes in postcard against about 350 as JSON, and
//! about 110 with its ids packed: an id (`hld_` and 32 hex digits of a UUIDv7) is its prefix
//! and 16 bytes, 20 bytes instead of 37, and a hold record, written when it is made and
//! again when it ends, carries three, a seat change three. Its times after the first are
//! kept as offsets from it. Since format 4 a hold record leaves out its own id (it is the key
//! the record is stored under: 20 bytes a write) and keeps its state and end at a fixed
//! width after the rest, so ending a hold rewrites it at the same size: redb then patches the
//! value in a copy of its leaf, where a longer value made it rebuild the leaf, and split it
//! in two when the leaf had no room left (appends of time-ordered ids pack leaves full). A
//! seat change's kind is one byte instead of its name. Records written by format 1 (JSON, which always
//! starts with `{`), format 2 (postcard, ids as text) and format 3 (ids packed) are still
//! read, so a store upgraded in place keeps its live holds and its outbox.

use super::hold_record::{HoldRecord, HoldState, QuoteLine, SeatChange};
use crate::error::Error;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Led format 2's records: postcard, ids as text.
const POSTCARD: u8 = 2;

/// Led format 3's records: postcard, ids packed; still written for a hold whose end does not
/// fit [`KEYED`]'s fixed width. JSON records start with `{`.
const PACKED: u8 = 3;

/// Leads every record written now: a hold without its id and with its state and end at a
/// fixed width; a seat change with its kind as one byte.
const KEYED: u8 = 4;

/// A hold's state and end in [`KEYED`] form: the state's byte, then the end as a
/// little-endian offset from the creation in ms, [`NOT_ENDED`] while live.
const TAIL: usize = 5;

const NOT_ENDED: u32 = u32::MAX;

/// A record the hold store keeps, with its format 3 form.
pub(super) trait Record: Sized + DeserializeOwned {
    /// Appends the packed form to `out`.
    fn pack(&self, out: Vec<u8>) -> Result<Vec<u8>, Error>;
    /// Reads the packed form back.
    fn unpack(bytes: &[u8]) -> Result<Self, Error>;
}

/// The stored bytes of a record in format 3.
pub(super) fn encode<T: Record>(value: &T) -> Result<Vec<u8>, Error> {
    value.pack(vec![PACKED])
}

/// A record back from its stored bytes in formats 1 to 3.
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

/// A hold record as written in format 3; [`HoldIn`] has the same fields in the same order.
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

/// A hold record as written in [`KEYED`] form, before its fixed-width tail; [`KeyedHoldIn`]
/// has the same fields in the same order.
#[derive(Serialize)]
struct KeyedHoldOut<'a> {
    event_id: IdOut<'a>,
    owner: IdOut<'a>,
    seats: &'a [String],
    from_leg: u16,
    to_leg: u16,
    lines: &'a [QuoteLine],
    currency: &'a str,
    created_at_ms: i64,
    expires_after_ms: i64,
    max_expires_after_ms: i64,
}

#[derive(Deserialize)]
struct KeyedHoldIn {
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
}

fn state_byte(state: HoldState) -> u8 {
    match state {
        HoldState::Live => 0,
        HoldState::Released => 1,
        HoldState::Expired => 2,
        HoldState::Booked => 3,
    }
}

fn byte_state(byte: u8) -> Result<HoldState, Error> {
    Ok(match byte {
        0 => HoldState::Live,
        1 => HoldState::Released,
        2 => HoldState::Expired,
        3 => HoldState::Booked,
        _ => return Err(Error::internal("a hold record of an unknown state")),
    })
}

/// The stored bytes of a hold record, which is stored under its id.
pub(super) fn encode_hold(record: &HoldRecord) -> Result<Vec<u8>, Error> {
    let created = record.created_at_ms;
    let ended = match record.ended_at_ms {
        None => NOT_ENDED,
        // An end that does not fit (before the creation, or 49 days after it: a clock set
        // back, a store restored late) is written in format 3.
        Some(at) => match u32::try_from(at.wrapping_sub(created)) {
            Ok(after) if after != NOT_ENDED => after,
            _ => return encode(record),
        },
    };
    let keyed = KeyedHoldOut {
        event_id: pack_id(&record.event_id),
        owner: pack_id(&record.owner),
        seats: &record.seats,
        from_leg: record.from_leg,
        to_leg: record.to_leg,
        lines: &record.lines,
        currency: &record.currency,
        created_at_ms: created,
        expires_after_ms: record.expires_at_ms.wrapping_sub(created),
        max_expires_after_ms: record.max_expires_at_ms.wrapping_sub(created),
    };
    let mut out = postcard::to_extend(&keyed, vec![KEYED]).map_err(Error::internal)?;
    out.push(state_byte(record.state));
    out.extend_from_slice(&ended.to_le_bytes());
    Ok(out)
}

/// A hold record back from its stored bytes (any form) and the id it is stored under.
pub(super) fn decode_hold(id: &str, bytes: &[u8]) -> Result<HoldRecord, Error> {
    let Some((&KEYED, rest)) = bytes.split_first() else {
        return decode(bytes);
    };
    let Some(split) = rest.len().checked_sub(TAIL) else {
        return Err(Error::internal("a hold record cut short"));
    };
    let (body, tail) = rest.split_at(split);
    let h: KeyedHoldIn = postcard::from_bytes(body).map_err(Error::internal)?;
    let mut ended = [0u8; 4];
    ended.copy_from_slice(&tail[1..]);
    let ended = u32::from_le_bytes(ended);
    let created = h.created_at_ms;
    Ok(HoldRecord {
        id: id.to_string(),
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
        state: byte_state(tail[0])?,
        ended_at_ms: (ended != NOT_ENDED).then(|| created.wrapping_add(i64::from(ended))),
    })
}

/// A seat change's kind as written in [`KEYED`] form: the four the inventory makes as one
/// byte, any other as its name.
#[derive(Serialize)]
enum KindOut<'a> {
    Held,
    Released,
    Expired,
    Booked,
    Other(&'a str),
}

/// A kind as read; the same variants in the same order as [`KindOut`].
#[derive(Deserialize)]
enum KindIn {
    Held,
    Released,
    Expired,
    Booked,
    Other(String),
}

/// A seat change as written in [`KEYED`] form; [`KeyedChangeIn`] has the same fields in the
/// same order.
#[derive(Serialize)]
struct KeyedChangeOut<'a> {
    event_id: IdOut<'a>,
    event_seq: u64,
    kind: KindOut<'a>,
    hold_id: IdOut<'a>,
    seats: &'a [String],
    places: &'a [(String, u32)],
    at_ms: i64,
    actor: Option<IdOut<'a>>,
}

#[derive(Deserialize)]
struct KeyedChangeIn {
    event_id: IdIn,
    event_seq: u64,
    kind: KindIn,
    hold_id: IdIn,
    seats: Vec<String>,
    places: Vec<(String, u32)>,
    at_ms: i64,
    actor: Option<IdIn>,
}

/// The stored bytes of a seat change.
pub(super) fn encode_change(change: &SeatChange) -> Result<Vec<u8>, Error> {
    let kind = match change.kind.as_str() {
        "held" => KindOut::Held,
        "released" => KindOut::Released,
        "expired" => KindOut::Expired,
        "booked" => KindOut::Booked,
        other => KindOut::Other(other),
    };
    let keyed = KeyedChangeOut {
        event_id: pack_id(&change.event_id),
        event_seq: change.event_seq,
        kind,
        hold_id: pack_id(&change.hold_id),
        seats: &change.seats,
        places: &change.places,
        at_ms: change.at_ms,
        actor: change.actor.as_deref().map(pack_id),
    };
    postcard::to_extend(&keyed, vec![KEYED]).map_err(Error::internal)
}

/// A seat change back from its stored bytes, any form.
pub(super) fn decode_change(bytes: &[u8]) -> Result<SeatChange, Error> {
    let Some((&KEYED, rest)) = bytes.split_first() else {
        return decode(bytes);
    };
    let c: KeyedChangeIn = postcard::from_bytes(rest).map_err(Error::internal)?;
    let kind = match c.kind {
        KindIn::Held => "held".to_string(),
        KindIn::Released => "released".to_string(),
        KindIn::Expired => "expired".to_string(),
        KindIn::Booked => "booked".to_string(),
        KindIn::Other(name) => name,
    };
    Ok(SeatChange {
        event_id: c.event_id.text(),
        event_seq: c.event_seq,
        kind,
        hold_id: c.hold_id.text(),
        seats: c.seats,
        places: c.places,
        at_ms: c.at_ms,
        actor: c.actor.map(IdIn::text),
    })
}

/// A seat change as written in format 3; [`ChangeIn`] has the same fields in the same order.
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

    /// Format 4 leaves the id out (it is the key) and ends a hold at the same size; format 3
    /// records still read.
    #[test]
    fn holds_are_stored_without_their_id_and_end_at_the_same_size() {
        let ended = record();
        let live = HoldRecord {
            state: HoldState::Live,
            ended_at_ms: None,
            ..ended.clone()
        };
        for hold in [&live, &ended] {
            let bytes = encode_hold(hold).unwrap();
            assert_eq!(bytes[0], KEYED);
            assert_eq!(&decode_hold(&hold.id, &bytes).unwrap(), hold);
            let format_3 = encode(hold).unwrap();
            assert!(
                bytes.len() + 16 <= format_3.len(),
                "{} vs {} in format 3",
                bytes.len(),
                format_3.len()
            );
            assert_eq!(&decode_hold(&hold.id, &format_3).unwrap(), hold);
        }
        assert_eq!(
            encode_hold(&live).unwrap().len(),
            encode_hold(&ended).unwrap().len()
        );
        for state in [HoldState::Released, HoldState::Expired, HoldState::Booked] {
            let odd = HoldRecord {
                state,
                owner: "walk-in".into(),
                ..ended.clone()
            };
            assert_eq!(
                decode_hold(&odd.id, &encode_hold(&odd).unwrap()).unwrap(),
                odd
            );
        }
        // Ends that do not fit the fixed width are written in format 3.
        let day = 86_400_000;
        for after in [-1, 50 * day, i64::from(u32::MAX), i64::from(NOT_ENDED) - 1] {
            let late = HoldRecord {
                ended_at_ms: Some(ended.created_at_ms + after),
                ..ended.clone()
            };
            let bytes = encode_hold(&late).unwrap();
            assert_eq!(decode_hold(&late.id, &bytes).unwrap(), late, "{after}");
        }
    }

    #[test]
    fn seat_changes_keep_their_kind_in_a_byte_and_other_kinds_by_name() {
        let hold = record();
        for kind in [
            "held",
            "released",
            "expired",
            "booked",
            "sold at the door",
            "",
        ] {
            let change = SeatChange {
                event_id: hold.event_id.clone(),
                event_seq: 9,
                kind: kind.into(),
                hold_id: hold.id.clone(),
                seats: hold.seats.clone(),
                places: vec![("standing".into(), 2)],
                at_ms: 1_796_000_000_000,
                actor: Some(hold.owner.clone()),
            };
            let bytes = encode_change(&change).unwrap();
            assert_eq!(bytes[0], KEYED);
            assert_eq!(decode_change(&bytes).unwrap(), change);
            let format_3 = encode(&change).unwrap();
            // The four kinds a byte (their names were 4 to 8); any other its name and a byte.
            let known = ["held", "released", "expired", "booked"].contains(&kind);
            let most = if known {
                format_3.len() - 4
            } else {
                format_3.len() + 1
            };
            assert!(
                bytes.len() <= most,
                "{kind}: {} vs {}",
                bytes.len(),
                format_3.len()
            );
            assert_eq!(decode_change(&format_3).unwrap(), change, "format 3 reads");
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
            assert!(decode_hold("hld_1", junk).is_err(), "{junk:?}");
            assert!(decode_change(junk).is_err(), "{junk:?}");
        }
        for junk in [
            &b"\x04"[..],
            b"\x04\x00",
            b"\x04\x00\x00\x00\x00\x00",
            b"\x04\x07\x07",
        ] {
            assert!(decode_hold("hld_1", junk).is_err(), "{junk:?}");
            assert!(decode_change(junk).is_err(), "{junk:?}");
        }
    }
}
