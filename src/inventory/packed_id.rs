//! Ids as the hold store writes them: an id of the shape `crate::ids` makes (`hld_` and the
//! 32 hex digits of a UUIDv7) as its three-letter prefix and 16 bytes, 20 bytes instead of 37;
//! any other id as its text. Every record format since 3 carries its ids this way.

use serde::{Deserialize, Serialize};

/// An id as written: the prefix and the 16 bytes of an id of the shape `crate::ids` makes
/// (three lowercase letters, `_`, 32 lowercase hex digits), any other id as its text.
#[derive(Serialize)]
pub(super) enum IdOut<'a> {
    Packed([u8; 3], [u8; 16]),
    Text(&'a str),
}

/// An id as read; the same variants in the same order as [`IdOut`].
#[derive(Deserialize)]
pub(super) enum IdIn {
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

pub(super) fn pack_id(id: &str) -> IdOut<'_> {
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
    pub(super) fn text(self) -> String {
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
