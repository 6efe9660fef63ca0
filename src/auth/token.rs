//! Bearer tokens: HS256 JWTs signed with the data dir's generated key.
//!
//! A token carries the user's id, email, role and `ver`, the account's token version. The
//! version is bumped when a role changes, an account is disabled or a password changes, and a
//! token with an older version is refused: that is how tokens are revoked without a session
//! table. Only HS256 is accepted; `alg: none` and other algorithms are refused by the library.
//!
//! A token's signature, issuer and claims are a function of its text and our key alone, so
//! verified tokens are remembered (a bounded map from the token's text to its claims) and a
//! client's next request skips the base64, HMAC and JSON work. Expiry is not remembered: it
//! is checked against the clock on every call, and revocation (the account's version and
//! disabled flag) is [`super::Auth::verify`]'s, after this.

use super::role::Role;
use crate::error::Error;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use time::OffsetDateTime;

/// How many verified tokens are remembered; past it the map starts afresh. A signed-in
/// client uses one token, so this covers a few thousand concurrent clients, in about 1 MiB.
const VERIFIED_CAPACITY: usize = 4096;

/// What a token says about its bearer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub email: String,
    pub role: Role,
    pub ver: i64,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

/// Issues and verifies tokens.
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    ttl: time::Duration,
    /// Tokens whose signature, issuer and claims checked out, by their text.
    verified: Arc<RwLock<HashMap<String, Arc<Claims>>>>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("issuer", &self.issuer)
            .finish()
    }
}

impl Tokens {
    /// Tokens signed with `key`, valid for `ttl_seconds`, issued as `issuer`.
    pub fn new(key: &[u8], issuer: &str, ttl_seconds: u64) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // Expiry is checked below against the injected clock, not the system's.
        validation.validate_exp = false;
        validation.leeway = 0;
        Tokens {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
            issuer: issuer.to_string(),
            ttl: time::Duration::seconds(ttl_seconds as i64),
            verified: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    /// A signed token and when it expires.
    pub fn issue(
        &self,
        user_id: &str,
        email: &str,
        role: Role,
        version: i64,
        now: OffsetDateTime,
    ) -> Result<(String, OffsetDateTime), Error> {
        // The token's `exp` is whole seconds; say exactly that, not a moment later.
        let exp = (now + self.ttl).unix_timestamp();
        let expires_at = OffsetDateTime::from_unix_timestamp(exp).map_err(Error::internal)?;
        let claims = Claims {
            sub: user_id.to_string(),
            email: email.to_string(),
            role,
            ver: version,
            iss: self.issuer.clone(),
            iat: now.unix_timestamp(),
            exp,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::internal(format!("cannot sign a token: {e}")))?;
        Ok((token, expires_at))
    }

    /// The claims of a token that is well-formed, signed with our key, from our issuer and
    /// unexpired at `now`.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Arc<Claims>, Error> {
        let remembered = self
            .verified
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(token)
            .cloned();
        if let Some(claims) = remembered {
            return unexpired(claims, now);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| Error::Unauthenticated)?;
        let claims = unexpired(Arc::new(data.claims), now)?;
        let mut verified = self.verified.write().unwrap_or_else(|p| p.into_inner());
        if verified.len() >= VERIFIED_CAPACITY {
            verified.clear();
        }
        verified.insert(token.to_string(), Arc::clone(&claims));
        Ok(claims)
    }
}

/// The claims if the token has not expired at `now` (its `exp` is the first second it is
/// refused).
fn unexpired(claims: Arc<Claims>, now: OffsetDateTime) -> Result<Arc<Claims>, Error> {
    if claims.exp <= now.unix_timestamp() {
        return Err(Error::Unauthenticated);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("valid timestamp")
    }

    #[test]
    fn a_token_round_trips() {
        let tokens = Tokens::new(b"0123456789abcdef0123456789abcdef", "rezerve", 3600);
        let (token, expires) = tokens
            .issue("usr_1", "a@b.test", Role::Staff, 3, now())
            .expect("issue");
        assert_eq!(expires, now() + time::Duration::hours(1));
        let claims = tokens.verify(&token, now()).expect("verify");
        assert_eq!(claims.sub, "usr_1");
        assert_eq!(claims.role, Role::Staff);
        assert_eq!(claims.ver, 3);
    }

    #[test]
    fn expired_tampered_foreign_and_unsigned_tokens_are_refused() {
        let tokens = Tokens::new(b"0123456789abcdef0123456789abcdef", "rezerve", 3600);
        let (token, _) = tokens
            .issue("usr_1", "a@b.test", Role::Customer, 0, now())
            .expect("issue");
        assert!(
            tokens
                .verify(&token, now() + time::Duration::hours(1))
                .is_err()
        );

        let other_key = Tokens::new(b"another key of thirty-two bytes!", "rezerve", 3600);
        assert!(other_key.verify(&token, now()).is_err());
        let other_issuer = Tokens::new(b"0123456789abcdef0123456789abcdef", "elsewhere", 3600);
        assert!(other_issuer.verify(&token, now()).is_err());

        // Promote ourselves to admin by editing the payload: the signature no longer matches.
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let parts: Vec<&str> = token.split('.').collect();
        let payload = String::from_utf8(engine.decode(parts[1]).expect("b64")).expect("utf8");
        let forged = engine.encode(payload.replace("customer", "admin"));
        let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
        assert!(tokens.verify(&tampered, now()).is_err());

        // alg: none with no signature.
        let none_header = engine.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{forged}.");
        assert!(tokens.verify(&unsigned, now()).is_err());
    }

    #[test]
    fn a_remembered_token_still_expires_and_edits_of_it_are_still_refused() {
        let tokens = Tokens::new(b"0123456789abcdef0123456789abcdef", "rezerve", 3600);
        let (token, _) = tokens
            .issue("usr_1", "a@b.test", Role::Customer, 0, now())
            .expect("issue");
        // Verified twice: the second answer is the remembered one.
        tokens.verify(&token, now()).expect("verify");
        let again = tokens
            .verify(&token, now() + time::Duration::seconds(3599))
            .expect("still valid a second before expiry");
        assert_eq!(again.sub, "usr_1");
        assert!(
            tokens
                .verify(&token, now() + time::Duration::hours(1))
                .is_err(),
            "a remembered token is refused from its expiry on"
        );

        // The same token with its signature or payload changed is not the remembered one.
        let at = token.rfind('.').expect("a signature") + 1;
        let flipped = if &token[at..=at] == "A" { "B" } else { "A" };
        let bad_signature = format!("{}{flipped}{}", &token[..at], &token[at + 1..]);
        assert!(tokens.verify(&bad_signature, now()).is_err());
        let other_issuer = Tokens::new(b"0123456789abcdef0123456789abcdef", "elsewhere", 3600);
        assert!(other_issuer.verify(&token, now()).is_err());
    }

    #[test]
    fn the_remembered_tokens_stay_bounded() {
        let tokens = Tokens::new(b"0123456789abcdef0123456789abcdef", "rezerve", 3600);
        for n in 0..VERIFIED_CAPACITY + 10 {
            let (token, _) = tokens
                .issue(&format!("usr_{n}"), "a@b.test", Role::Customer, 0, now())
                .expect("issue");
            tokens.verify(&token, now()).expect("verify");
        }
        let remembered = tokens.verified.read().expect("not poisoned").len();
        assert!(
            (1..=VERIFIED_CAPACITY).contains(&remembered),
            "{remembered}"
        );
    }
}
