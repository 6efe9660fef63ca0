//! Formats 1 to 3 of the hold store's records, still read so that a store upgraded in place
//! keeps its live holds and its outbox: format 1 JSON (which always starts with `{`), format 2
//! postcard with ids as text, format 3 postcard with ids packed. Format 3 is also still written
//! for a hold whose end does not fit format 4's fixed width (see `hold_codec`).

use super::hold_record::{HoldRecord, HoldState, QuoteLine, SeatChange};
use super::packed_id::{IdIn, IdOut, pack_id};
use crate::error::Error;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Led format 2's records: postcard, ids as text.
pub(super) const POSTCARD: u8 = 2;

/// Led format 3's records: postcard, ids packed; still written for a hold whose end does not
/// fit format 4's fixed width. JSON records start with `{`.
const PACKED: u8 = 3;

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
    use crate::inventory::hold_codec::tests::record;

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

    #[test]
    fn json_records_of_format_1_are_still_read() {
        let hold = record();
        let json = serde_json::to_vec(&hold).unwrap();
        assert_eq!(decode::<HoldRecord>(&json).unwrap(), hold);
    }
}
