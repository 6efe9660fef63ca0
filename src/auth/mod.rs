//! Accounts and who may do what: registration, login, tokens, roles, and the admin's user
//! management. Knows nothing of HTTP: the `http` extractors call [`Auth::verify`].

pub mod account;
pub mod console_repo;
pub mod first_admin;
pub mod messages;
pub mod password;
pub mod repo;
pub mod role;
pub mod session;
pub mod setup;
pub mod throttle;
pub mod token;
mod users;

use crate::clock::SharedClock;
use crate::config::ConsoleConfig;
use crate::error::Error;
use crate::store::Sqlite;
use account::{NewUser, Registration, User, validate_account};
use password::PasswordHasherConfig;
use repo::UserRow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use throttle::{LoginLimits, LoginThrottle};
use time::OffsetDateTime;
use token::Tokens;

pub use role::{Caller, Role, UnknownRole};

/// How long a cached (token version, disabled) pair is trusted before it is read again.
/// Changes made by this process apply at once; changes made by another process (the CLI)
/// apply within this window.
const ACCESS_CACHE_TTL: Duration = Duration::from_secs(2);

/// A freshly issued token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

/// The accounts handle.
#[derive(Clone)]
pub struct Auth {
    db: Sqlite,
    // Behind an Arc: every request clones the handle, and the keys inside are heap data.
    tokens: Arc<Tokens>,
    hasher: Arc<PasswordHasherConfig>,
    clock: SharedClock,
    access: Arc<RwLock<HashMap<String, CachedAccess>>>,
    throttle: Arc<LoginThrottle>,
    console: ConsoleConfig,
    setup: Arc<std::sync::Mutex<Option<setup::SetupToken>>>,
}

#[derive(Debug, Clone, Copy)]
struct CachedAccess {
    version: i64,
    disabled: bool,
    fetched: Instant,
}

impl Auth {
    /// Builds the handle; computing the dummy hash makes this blocking (start-up only).
    pub fn new(
        db: Sqlite,
        tokens: Tokens,
        hasher: PasswordHasherConfig,
        clock: SharedClock,
        limits: LoginLimits,
        console: ConsoleConfig,
    ) -> Auth {
        Auth {
            db,
            tokens: Arc::new(tokens),
            hasher: Arc::new(hasher),
            clock,
            access: Arc::new(RwLock::new(HashMap::new())),
            throttle: Arc::new(LoginThrottle::new(limits)),
            console,
            setup: Arc::new(std::sync::Mutex::new(None)),
        }
    }

    /// Signs a new customer up and signs them in.
    pub async fn register(&self, input: Registration) -> Result<(User, IssuedToken), Error> {
        let customer = NewUser {
            email: input.email,
            password: input.password,
            name: input.name,
            phone: input.phone,
            role: Role::Customer,
        };
        let row = self.create_account(customer).await?;
        let issued = self.issue(&row)?;
        Ok((row.into(), issued))
    }

    /// Creates an account of any role (admins, the CLI).
    pub async fn create_user(&self, input: NewUser) -> Result<User, Error> {
        Ok(self.create_account(input).await?.into())
    }

    /// Checks the account's fields and inserts it.
    async fn create_account(&self, input: NewUser) -> Result<UserRow, Error> {
        let account = validate_account(
            &input.email,
            &input.password,
            &input.name,
            input.phone.as_deref(),
        )?;
        self.insert_account(account, input.role, |_| Ok(())).await
    }

    /// Hashes the password and inserts the account with its welcome job. `precondition`
    /// runs in the insert's transaction, so a rule it checks still holds when the row lands.
    async fn insert_account<P>(
        &self,
        account: account::ValidAccount,
        role: Role,
        precondition: P,
    ) -> Result<UserRow, Error>
    where
        P: FnOnce(&rusqlite::Connection) -> Result<(), Error> + Send + 'static,
    {
        let hash = self.hasher.hash_bounded(account.password).await?;
        let now_ms = self.clock.now_ms();
        let row = UserRow {
            id: crate::ids::new_id("usr"),
            email: account.email,
            name: account.name,
            phone: account.phone,
            role,
            password_hash: hash,
            disabled: false,
            token_version: 0,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
        };
        let insert = row.clone();
        self.db
            .write(move |conn| {
                precondition(conn)?;
                repo::insert(conn, &insert)?;
                // The welcome email's job commits with the account, or neither does.
                let created = messages::UserCreated {
                    user_id: insert.id.clone(),
                    email: insert.email.clone(),
                    name: insert.name.clone(),
                };
                crate::jobs::message::enqueue(
                    conn,
                    &created,
                    Some(format!("user-created:{}", insert.id)),
                    crate::jobs::Cause::User(insert.id.clone()).to_string(),
                    now_ms,
                )?;
                Ok(())
            })
            .await?;
        metrics::counter!(crate::metric::AUTH_USERS_CREATED_TOTAL, "role" => role.as_str())
            .increment(1);
        tracing::info!(user_id = %row.id, role = %role, "account created");
        Ok(row)
    }

    /// Checks an email and password. An unknown email costs the same hashing work and gets
    /// the same answer as a wrong password. Throttled per account and per `client` address
    /// (see [`throttle`]): the API's login and the console's share this one path.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<(User, IssuedToken), Error> {
        let email = account::canonical_email(email);
        let started = self.clock.now().unix_timestamp();
        self.throttle.check(&email, client, started)?;
        let outcome = self.check_password(&email, password).await;
        match &outcome {
            Err(Error::InvalidCredentials) => self.throttle.record_failure(&email, client, started),
            Ok(_) | Err(Error::AccountDisabled) => self.throttle.record_success(&email),
            Err(_) => {}
        }
        outcome
    }

    async fn check_password(
        &self,
        email: &str,
        password: &str,
    ) -> Result<(User, IssuedToken), Error> {
        let lookup = email.to_string();
        let row = self
            .db
            .read(move |conn| repo::by_email(conn, &lookup))
            .await?;
        if password.len() > password::MAX_PASSWORD_BYTES {
            return Err(Error::InvalidCredentials);
        }
        let stored = row.as_ref().map(|r| r.password_hash.clone());
        let matches = self
            .hasher
            .verify_bounded(password.to_string(), stored)
            .await?;
        let outcome = match (&row, matches) {
            (Some(r), true) if r.disabled => "disabled",
            (Some(_), true) => "ok",
            _ => "invalid",
        };
        metrics::counter!(crate::metric::AUTH_LOGINS_TOTAL, "outcome" => outcome).increment(1);
        match (row, matches) {
            (Some(r), true) if r.disabled => Err(Error::AccountDisabled),
            (Some(r), true) => {
                let issued = self.issue(&r)?;
                Ok((r.into(), issued))
            }
            _ => Err(Error::InvalidCredentials),
        }
    }

    fn issue(&self, row: &UserRow) -> Result<IssuedToken, Error> {
        let (token, expires_at) = self.tokens.issue(
            &row.id,
            &row.email,
            row.role,
            row.token_version,
            self.clock.now(),
        )?;
        Ok(IssuedToken { token, expires_at })
    }

    /// The caller behind a bearer token: signature, issuer and expiry checked, and the
    /// account still enabled at the token's version.
    pub async fn verify(&self, token: &str) -> Result<Caller, Error> {
        let claims = self.tokens.verify(token, self.clock.now())?;
        let access = self.access_of(&claims.sub).await?;
        match access {
            Some(a) if !a.disabled && a.version == claims.ver => Ok(Caller {
                user_id: claims.sub.clone(),
                email: claims.email.clone(),
                role: claims.role,
            }),
            _ => Err(Error::Unauthenticated),
        }
    }

    async fn access_of(&self, user_id: &str) -> Result<Option<CachedAccess>, Error> {
        let cached = self
            .access
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(user_id)
            .copied();
        if let Some(c) = cached
            && c.fetched.elapsed() < ACCESS_CACHE_TTL
        {
            return Ok(Some(c));
        }
        let id = user_id.to_string();
        let fresh = self.db.read(move |conn| repo::access(conn, &id)).await?;
        let Some((version, disabled)) = fresh else {
            return Ok(None);
        };
        let entry = CachedAccess {
            version,
            disabled,
            fetched: Instant::now(),
        };
        self.access
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(user_id.to_string(), entry);
        Ok(Some(entry))
    }

    pub(crate) fn forget_access(&self, user_id: &str) {
        self.access
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(user_id);
    }
}
