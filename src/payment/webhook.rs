//! Webhook signatures: HMAC-SHA256 over `"{timestamp}.{raw body}"` with the shared secret,
//! sent as `Rezerve-Signature: t=<unix seconds>,v1=<hex>`. A callback outside the replay
//! window, or with a signature that does not match, is refused before anything is read.

use crate::error::Error;
use crate::payment::PaymentStatus;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// How far a callback's timestamp may be from now, in seconds.
pub const REPLAY_WINDOW_SECONDS: i64 = 300;
/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "rezerve-signature";

/// What a gateway's callback says of a payment (the callback body's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallbackStatus {
    Succeeded,
    Declined,
}

impl CallbackStatus {
    /// Every status a callback may report, as the OpenAPI document lists them.
    pub const ALL: [CallbackStatus; 2] = [CallbackStatus::Succeeded, CallbackStatus::Declined];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackStatus::Succeeded => "succeeded",
            CallbackStatus::Declined => "declined",
        }
    }

    /// The payment status the callback settles its payment in.
    pub fn payment_status(self) -> PaymentStatus {
        match self {
            CallbackStatus::Succeeded => PaymentStatus::Succeeded,
            CallbackStatus::Declined => PaymentStatus::Declined,
        }
    }
}

type HmacSha256 = Hmac<Sha256>;
/// SHA-256's block size: HMAC's key is exactly one block (RFC 2104, section 2).
const BLOCK: usize = 64;

/// The MAC keyed with `secret`, built the way RFC 2104 says (a longer key is hashed first, a
/// shorter one padded with zeros), so it cannot fail and there is no error path to invent.
fn keyed(secret: &[u8]) -> HmacSha256 {
    let mut key = [0u8; BLOCK];
    if secret.len() > BLOCK {
        key[..32].copy_from_slice(&Sha256::digest(secret));
    } else {
        key[..secret.len()].copy_from_slice(secret);
    }
    <HmacSha256 as KeyInit>::new(&key.into())
}

/// The header value a gateway sends for `body` at `timestamp` (used by gateways and tests).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = keyed(secret);
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Checks a signature header against the body; `now` in Unix seconds.
pub fn verify(secret: &[u8], header: Option<&str>, body: &[u8], now: i64) -> Result<(), Error> {
    let bad = || Error::InvalidSignature;
    let header = header.ok_or_else(bad)?;
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signature = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (timestamp, signature) = (timestamp.ok_or_else(bad)?, signature.ok_or_else(bad)?);
    if (now - timestamp).abs() > REPLAY_WINDOW_SECONDS {
        return Err(bad());
    }
    let mut mac = keyed(secret);
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    // verify_slice compares in constant time.
    mac.verify_slice(&signature).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_their_body_key_and_window() {
        let secret = b"0123456789abcdef";
        let header = sign(secret, 1_000, b"{\"a\":1}");
        assert!(verify(secret, Some(&header), b"{\"a\":1}", 1_010).is_ok());
        assert!(verify(secret, Some(&header), b"{\"a\":2}", 1_010).is_err());
        assert!(verify(b"another secret!!", Some(&header), b"{\"a\":1}", 1_010).is_err());
        assert!(
            verify(
                secret,
                Some(&header),
                b"{\"a\":1}",
                1_000 + REPLAY_WINDOW_SECONDS + 1
            )
            .is_err()
        );
        assert!(verify(secret, None, b"{\"a\":1}", 1_000).is_err());
        assert!(verify(secret, Some("t=1000,v1=zz"), b"{\"a\":1}", 1_000).is_err());
    }

    #[test]
    fn a_callback_status_reads_back_by_its_wire_name_and_settles_as_it_says() {
        for status in CallbackStatus::ALL {
            let read: CallbackStatus =
                serde_json::from_value(serde_json::json!(status.as_str())).expect("wire name");
            assert_eq!(read, status);
            assert_eq!(read.payment_status().as_str(), status.as_str());
        }
        for other in ["pending", "failed", "Succeeded", ""] {
            assert!(serde_json::from_value::<CallbackStatus>(serde_json::json!(other)).is_err());
        }
    }

    #[test]
    fn keys_of_every_length_give_the_hmac_crates_own_mac() {
        for len in [0, 1, 16, 32, 63, 64, 65, 200] {
            let secret: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5a).collect();
            let mut ours = keyed(&secret);
            let mut theirs = <HmacSha256 as Mac>::new_from_slice(&secret).unwrap();
            ours.update(b"1000.{}");
            theirs.update(b"1000.{}");
            assert_eq!(
                ours.finalize().into_bytes(),
                theirs.finalize().into_bytes(),
                "{len}"
            );
        }
    }
}
