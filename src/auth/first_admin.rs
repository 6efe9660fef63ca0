//! The first admin of a fresh data dir (`rezerve init`): there is at most one "first", so
//! creating it is refused once any admin exists. The rule lives here, not in the CLI, and is
//! checked in the same transaction as the insert, so two racing `init`s cannot both win.

use super::account::{User, validate_account};
use super::{Auth, Role, repo};
use crate::error::{Conflict, Error};

impl Auth {
    /// The oldest admin account (enabled or not), if there is one.
    pub async fn existing_admin(&self) -> Result<Option<User>, Error> {
        Ok(self.db.read(repo::first_admin).await?.map(User::from))
    }

    /// Creates the first admin. Refused with the conflict `admin_exists` when an admin
    /// exists already, checked inside the insert's transaction.
    pub async fn create_first_admin(
        &self,
        email: &str,
        password: &str,
        name: &str,
    ) -> Result<User, Error> {
        let account = validate_account(email, password, name, None)?;
        let row = self
            .insert_account(account, Role::Admin, |conn| {
                match repo::first_admin(conn)? {
                    Some(admin) => Err(Conflict::AdminExists { email: admin.email }.into()),
                    None => Ok(()),
                }
            })
            .await?;
        Ok(row.into())
    }
}
