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

/// Room for a hold record of a few seats (about 110 bytes for two) and for a seat change
/// (about 70), in the buffer it is encoded into. postcard appends a byte at a time, so a
/// buffer started at the tag's one byte was reallocated at 8, 16, 32, 64 and 128 bytes: four
/// or five allocations and copies for each of the four records a hold and its release write.
const HOLD_ROOM: usize = 192;
const CHANGE_ROOM: usize = 128;

/// An empty record buffer with room for `room` bytes, its tag written.
fn with_tag(room: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(room);
    out.push(KEYED);
    out
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
    let mut out = postcard::to_extend(&keyed, with_tag(HOLD_ROOM)).map_err(Error::internal)?;
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

/// A seat change's fields, borrowed: what [`encode_change_of`] writes, so the inventory's
/// own changes are encoded from its index and records without an owned [`SeatChange`] (a
/// copy of the event id, the kind, the hold id, each seat and the actor, on every hold and
/// every release).
#[derive(Debug, Clone, Copy)]
pub(super) struct ChangeOf<'a> {
    pub(super) event_id: &'a str,
    pub(super) event_seq: u64,
    pub(super) kind: &'a str,
    pub(super) hold_id: &'a str,
    pub(super) seats: &'a [String],
    pub(super) places: &'a [(String, u32)],
    pub(super) at_ms: i64,
    pub(super) actor: Option<&'a str>,
}

impl ChangeOf<'_> {
    /// The change, owned.
    pub(super) fn to_owned(self) -> SeatChange {
        SeatChange {
            event_id: self.event_id.to_string(),
            event_seq: self.event_seq,
            kind: self.kind.to_string(),
            hold_id: self.hold_id.to_string(),
            seats: self.seats.to_vec(),
            places: self.places.to_vec(),
            at_ms: self.at_ms,
            actor: self.actor.map(str::to_string),
        }
    }
}

/// The stored bytes of a seat change.
pub(super) fn encode_change(change: &SeatChange) -> Result<Vec<u8>, Error> {
    encode_change_of(ChangeOf {
        event_id: &change.event_id,
        event_seq: change.event_seq,
        kind: &change.kind,
        hold_id: &change.hold_id,
        seats: &change.seats,
        places: &change.places,
        at_ms: change.at_ms,
        actor: change.actor.as_deref(),
    })
}

/// The stored bytes of a seat change given by its fields.
pub(super) fn encode_change_of(change: ChangeOf<'_>) -> Result<Vec<u8>, Error> {
    let kind = match change.kind {
        "held" => KindOut::Held,
        "released" => KindOut::Released,
        "expired" => KindOut::Expired,
        "booked" => KindOut::Booked,
        other => KindOut::Other(other),
    };
    let keyed = KeyedChangeOut {
        event_id: pack_id(change.event_id),
        event_seq: change.event_seq,
        kind,
        hold_id: pack_id(change.hold_id),
        seats: change.seats,
        places: change.places,
        at_ms: change.at_ms,
        actor: change.actor.map(pack_id),
    };
    postcard::to_extend(&keyed, with_tag(CHANGE_ROOM)).map_err(Error::internal)
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
pub(super) mod tests;
