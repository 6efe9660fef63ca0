//! First-run setup: while a data dir has no admin, `serve` opens a one-time setup link
//! (single use, valid for an hour) where the first admin chooses an email and password in
//! the browser. The token lives only in this process's memory, so a restart makes a new one
//! and the old link dies. `rezerve init` and `rezerve user add` keep working from the shell;
//! once any admin exists the link no longer works, whoever created the admin.

use super::Auth;
use super::account::User;
use super::session::random_token;
use crate::error::{Conflict, Error};

/// How long a setup link works.
pub const SETUP_TTL_SECONDS: i64 = 3600;

/// The open setup token.
#[derive(Debug, Clone)]
pub struct SetupToken {
    token: String,
    expires_at: i64,
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn closed() -> Error {
    Conflict::SetupClosed.into()
}

impl Auth {
    /// Opens first-run setup when no admin exists: returns the token to print, or `None`
    /// when an admin exists. Calling it again replaces the previous token.
    pub async fn open_first_run_setup(&self) -> Result<Option<String>, Error> {
        if self.existing_admin().await?.is_some() {
            self.close_first_run_setup();
            return Ok(None);
        }
        let token = random_token();
        let expires_at = self.clock.now().unix_timestamp() + SETUP_TTL_SECONDS;
        *self.setup.lock().unwrap_or_else(|p| p.into_inner()) = Some(SetupToken {
            token: token.clone(),
            expires_at,
        });
        tracing::info!("no admin exists yet: first-run setup is open for an hour");
        Ok(Some(token))
    }

    fn close_first_run_setup(&self) {
        self.setup.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// The open setup token, while it is unexpired and no admin exists.
    pub async fn pending_first_run_setup(&self) -> Result<Option<String>, Error> {
        let pending = self.setup.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(pending) = pending else {
            return Ok(None);
        };
        if self.clock.now().unix_timestamp() >= pending.expires_at
            || self.existing_admin().await?.is_some()
        {
            self.close_first_run_setup();
            return Ok(None);
        }
        Ok(Some(pending.token))
    }

    /// Whether `token` is the open setup token.
    pub async fn check_first_run_setup(&self, token: &str) -> Result<(), Error> {
        match self.pending_first_run_setup().await? {
            Some(open) if same(&open, token) => Ok(()),
            _ => Err(closed()),
        }
    }

    /// Creates the first admin through the setup link, then closes it. Bad input leaves the
    /// link open (the person fixes the form); the admin check inside the insert's
    /// transaction makes two racing submissions create one admin.
    pub async fn complete_first_run_setup(
        &self,
        token: &str,
        email: &str,
        password: &str,
        name: &str,
    ) -> Result<User, Error> {
        self.check_first_run_setup(token).await?;
        let user = self.create_first_admin(email, password, name).await?;
        self.close_first_run_setup();
        tracing::info!(user_id = %user.id, "first admin created through first-run setup");
        Ok(user)
    }
}
