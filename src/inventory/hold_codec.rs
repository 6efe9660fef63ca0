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
//! read (`hold_codec_old`), so a store upgraded in place keeps its live holds and its outbox.

use super::hold_codec_old::{decode, encode};
use super::hold_record::{HoldRecord, HoldState, QuoteLine, SeatChange};
use super::packed_id::{IdIn, IdOut, pack_id};
use crate::error::Error;
use serde::{Deserialize, Serialize};

/// Leads every record written now: a hold without its id and with its state and end at a
/// fixed width; a seat change with its kind as one byte.
const KEYED: u8 = 4;

/// A hold's state and end in [`KEYED`] form: the state's byte, then the end as a
/// little-endian offset from the creation in ms, [`NOT_ENDED`] while live.
const TAIL: usize = 5;

const NOT_ENDED: u32 = u32::MAX;

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
    encode_hold_as(record, record.state, record.ended_at_ms)
}

/// The stored bytes of `record` with this state and end instead of its own: a live hold's
/// record in memory, ended, without a copy of it.
pub(super) fn encode_hold_as(
    record: &HoldRecord,
    state: HoldState,
    ended_at_ms: Option<i64>,
) -> Result<Vec<u8>, Error> {
    let created = record.created_at_ms;
    let ended = match ended_at_ms {
        None => NOT_ENDED,
        // An end that does not fit (before the creation, or 49 days after it: a clock set
        // back, a store restored late) is written in format 3.
        Some(at) => match u32::try_from(at.wrapping_sub(created)) {
            Ok(after) if after != NOT_ENDED => after,
            _ => {
                let mut ended = record.clone();
                (ended.state, ended.ended_at_ms) = (state, ended_at_ms);
                return encode(&ended);
            }
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
    out.push(state_byte(state));
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::inventory::hold_codec_old::POSTCARD;

    /// A booked hold with ids of the shape `crate::ids` makes.
    pub(in crate::inventory) fn record() -> HoldRecord {
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
