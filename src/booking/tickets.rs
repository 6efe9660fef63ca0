//! Ticket codes: signed with the server's Ed25519 key, so a door scanner with no network
//! verifies them with the public key alone. A code is `RZ1.<payload>.<signature>`, both
//! base64url; the payload names the ticket, event, seat and segment.

use crate::error::Error;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

const PREFIX: &str = "RZ1";

/// What a ticket code says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketClaims {
    /// Ticket id.
    pub t: String,
    /// Event id.
    pub e: String,
    /// Seat label, if seated.
    pub s: Option<String>,
    /// Price category.
    pub c: String,
    /// First and last stop index of the segment.
    pub f: u16,
    pub o: u16,
}

/// Signs and verifies ticket codes.
#[derive(Clone)]
pub struct TicketSigner {
    key: SigningKey,
}

impl std::fmt::Debug for TicketSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TicketSigner")
    }
}

impl TicketSigner {
    /// A signer from the data dir's seed.
    pub fn new(seed: &[u8; 32]) -> TicketSigner {
        TicketSigner {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The public key, base64url, for scanners.
    pub fn public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.verifying_key().to_bytes())
    }

    /// A signed code for these claims.
    pub fn sign(&self, claims: &TicketClaims) -> Result<String, Error> {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).map_err(Error::internal)?);
        let signed = format!("{PREFIX}.{payload}");
        let signature = self.key.sign(signed.as_bytes());
        Ok(format!(
            "{signed}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }

    /// The claims of a code signed by this server's key.
    pub fn verify(&self, code: &str) -> Result<TicketClaims, Error> {
        verify_with(&self.key.verifying_key(), code)
    }
}

/// Verifies a code with a public key alone — what an offline scanner does.
pub fn verify_with(key: &VerifyingKey, code: &str) -> Result<TicketClaims, Error> {
    let parts = Parts::of(code.trim()).ok_or(Error::TicketInvalid)?;
    let signature = URL_SAFE_NO_PAD
        .decode(parts.signature)
        .map_err(|_| Error::TicketInvalid)?;
    let signature = Signature::from_slice(&signature).map_err(|_| Error::TicketInvalid)?;
    key.verify(parts.signed.as_bytes(), &signature)
        .map_err(|_| Error::TicketInvalid)?;
    parts.claims().ok_or(Error::TicketInvalid)
}

/// The ticket id a code's payload names, read without checking the signature: for finding
/// the stored ticket whose code is then compared whole. `None` if it is not a code's shape.
pub fn ticket_id_of(code: &str) -> Option<String> {
    Parts::of(code)?.claims().map(|claims| claims.t)
}

/// A code split at its dots: `RZ1.<payload>` is what the signature covers.
struct Parts<'a> {
    signed: &'a str,
    payload: &'a str,
    signature: &'a str,
}

impl<'a> Parts<'a> {
    fn of(code: &'a str) -> Option<Parts<'a>> {
        let (signed, signature) = code.rsplit_once('.')?;
        let (prefix, payload) = signed.split_once('.')?;
        (prefix == PREFIX).then_some(Parts {
            signed,
            payload,
            signature,
        })
    }

    /// The payload's claims, whether or not the signature holds.
    fn claims(&self) -> Option<TicketClaims> {
        let payload = URL_SAFE_NO_PAD.decode(self.payload).ok()?;
        serde_json::from_slice(&payload).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> TicketClaims {
        TicketClaims {
            t: "tkt_1".into(),
            e: "evt_1".into(),
            s: Some("A-1".into()),
            c: "standard".into(),
            f: 0,
            o: 1,
        }
    }

    #[test]
    fn a_code_names_its_ticket_and_junk_names_none() {
        let code = TicketSigner::new(&[7u8; 32])
            .sign(&claims())
            .expect("signs");
        assert_eq!(ticket_id_of(&code).as_deref(), Some("tkt_1"));
        for junk in [
            "",
            "RZ1",
            "RZ1..",
            "RZ2.e30.x",
            "RZ1.!!!.x",
            "RZ1.e30.x",
            "tkt_1",
        ] {
            assert_eq!(ticket_id_of(junk), None, "{junk}");
        }
    }

    #[test]
    fn codes_verify_with_the_public_key_and_refuse_tampering() {
        let signer = TicketSigner::new(&[7u8; 32]);
        let code = signer.sign(&claims()).expect("signs");
        assert_eq!(signer.verify(&code).expect("verifies"), claims());
        let public = VerifyingKey::from_bytes(
            &URL_SAFE_NO_PAD
                .decode(signer.public_key())
                .expect("b64")
                .try_into()
                .expect("32 bytes"),
        )
        .expect("key");
        assert_eq!(verify_with(&public, &code).expect("offline"), claims());

        let mut other = claims();
        other.s = Some("A-2".into());
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).expect("json"));
        let parts: Vec<&str> = code.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert!(signer.verify(&forged).is_err());
        assert!(TicketSigner::new(&[8u8; 32]).verify(&code).is_err());
        assert!(signer.verify("garbage").is_err());
    }
}
