//! Staff console sessions: who is signed in to `/admin`, for how long, and when that ends.
//!
//! A session is a random id in a cookie; the database keeps only its SHA-256. It ends at its
//! absolute expiry (`console.session_ttl_seconds`), after `console.session_idle_seconds`
//! without a request, at logout, and whenever the account's password, role or disabled flag
//! changes (the account's `token_version` moves on, from this process or the CLI). Knows
//! nothing of cookies or HTTP: `http::admin::session` carries the id.

use super::Auth;
use super::console_repo::{self, NewSessionRow};
use super::role::Role;
use crate::config::ConsoleConfig;
use crate::error::Error;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// Activity is written back at most this often, so browsing is not a write per page.
const TOUCH_EVERY_MS: i64 = 60_000;

/// A signed-in console user, as every page sees them.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The token every state-changing form of this session must carry.
    pub csrf_token: String,
    /// The absolute end, Unix milliseconds.
    pub expires_at_ms: i64,
}

impl ConsoleSession {
    /// The signed-in person as the domains know a caller: console pages call the same
    /// domain functions as the API, with the same role checks.
    pub fn caller(&self) -> super::Caller {
        super::Caller {
            user_id: self.user_id.clone(),
            email: self.email.clone(),
            role: self.role,
        }
    }
}

/// A new session and the secret that goes into its cookie (shown nowhere else).
#[derive(Debug)]
pub struct StartedSession {
    pub session: ConsoleSession,
    pub cookie_value: String,
}

/// 32 random bytes, URL-safe base64: a session id, a CSRF token or a setup token.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores in place of a secret token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Auth {
    /// Signs a staff member or admin in to the console. A customer's account, an unknown
    /// email and a wrong password get the same answer; every attempt goes through the one
    /// login throttle.
    pub async fn console_login(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<StartedSession, Error> {
        let (user, _) = self.login(email, password, client).await?;
        if user.role < Role::Staff {
            return Err(Error::InvalidCredentials);
        }
        self.start_console_session(&user.id).await
    }

    /// Starts a session for an account that has just proved who it is (login, first-run
    /// setup). Sweeps ended sessions on the way.
    pub async fn start_console_session(&self, user_id: &str) -> Result<StartedSession, Error> {
        let cookie_value = random_token();
        let csrf_token = random_token();
        let now_ms = self.clock.now_ms();
        let console: ConsoleConfig = self.console.clone();
        let id_hash = token_hash(&cookie_value);
        let user_id = user_id.to_string();
        let csrf = csrf_token.clone();
        let row = self
            .db
            .write(move |conn| {
                console_repo::delete_ended(
                    conn,
                    now_ms,
                    console.session_idle_seconds as i64 * 1000,
                )?;
                let user = super::repo::by_id(conn, &user_id)?.ok_or(Error::NotFound("user"))?;
                if user.disabled {
                    return Err(Error::AccountDisabled);
                }
                let expires_at_ms = now_ms + console.session_ttl_seconds as i64 * 1000;
                console_repo::insert(
                    conn,
                    &NewSessionRow {
                        id_hash,
                        user_id: user.id.clone(),
                        csrf_token: csrf,
                        token_version: user.token_version,
                        now_ms,
                        expires_at_ms,
                    },
                )?;
                Ok((user, expires_at_ms))
            })
            .await?;
        let (user, expires_at_ms) = row;
        tracing::info!(user_id = %user.id, role = %user.role, "console session started");
        Ok(StartedSession {
            session: ConsoleSession {
                user_id: user.id,
                email: user.email,
                name: user.name,
                role: user.role,
                csrf_token,
                expires_at_ms,
            },
            cookie_value,
        })
    }

    /// The live session behind a cookie value, or `None` when it is unknown, ended or
    /// revoked (an ended one is deleted on the way).
    pub async fn console_session(
        &self,
        cookie_value: &str,
    ) -> Result<Option<ConsoleSession>, Error> {
        let id_hash = token_hash(cookie_value);
        let lookup = id_hash.clone();
        let Some(row) = self
            .db
            .read(move |conn| console_repo::live(conn, &lookup))
            .await?
        else {
            return Ok(None);
        };
        let now_ms = self.clock.now_ms();
        let idle_ms = self.console.session_idle_seconds as i64 * 1000;
        if now_ms >= row.expires_at_ms || now_ms >= row.last_seen_at_ms + idle_ms {
            self.db
                .write(move |conn| console_repo::delete(conn, &id_hash))
                .await?;
            return Ok(None);
        }
        if now_ms - row.last_seen_at_ms >= TOUCH_EVERY_MS {
            self.db
                .write(move |conn| console_repo::touch(conn, &id_hash, now_ms))
                .await?;
        }
        Ok(Some(ConsoleSession {
            user_id: row.user_id,
            email: row.email,
            name: row.name,
            role: row.role,
            csrf_token: row.csrf_token,
            expires_at_ms: row.expires_at_ms,
        }))
    }

    /// Ends the session behind a cookie value (logout); unknown values are fine.
    pub async fn end_console_session(&self, cookie_value: &str) -> Result<(), Error> {
        let id_hash = token_hash(cookie_value);
        self.db
            .write(move |conn| console_repo::delete(conn, &id_hash))
            .await
    }
}
