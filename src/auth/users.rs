//! The admin's user management: reading, listing and changing accounts (role, name, disabled,
//! password). A change that takes access away applies to the account's tokens at once.

use super::account::{self, User, UserPatch};
use super::repo::{self, UserFilter};
use super::{Auth, Role};
use super::{console_repo, password};
use crate::error::{Conflict, Error, Validator};
use crate::pagination::{Page, PageRequest};

impl Auth {
    /// One account by id.
    pub async fn get_user(&self, id: &str) -> Result<User, Error> {
        if !crate::ids::looks_like("usr", id) {
            return Err(Error::NotFound("user"));
        }
        let id = id.to_string();
        self.db
            .read(move |conn| repo::by_id(conn, &id))
            .await?
            .map(User::from)
            .ok_or(Error::NotFound("user"))
    }

    /// A page of accounts.
    pub async fn list_users(
        &self,
        filter: UserFilter,
        page: PageRequest,
    ) -> Result<Page<User>, Error> {
        let mut v = Validator::new();
        v.query_text("q", filter.q.as_deref());
        v.finish()?;
        let request = page.clone();
        let rows = self
            .db
            .read(move |conn| repo::list(conn, &filter, &request))
            .await?;
        Ok(Page::from_rows(rows, &page, |r| vec![r.id.clone()]).map(User::from))
    }

    /// Applies an admin's change. Changing the role, disabling, or setting a password
    /// revokes the account's tokens. The last enabled admin cannot be demoted or disabled.
    pub async fn update_user(&self, id: &str, patch: UserPatch) -> Result<User, Error> {
        if !crate::ids::looks_like("usr", id) {
            return Err(Error::NotFound("user"));
        }
        let mut v = Validator::new();
        let name = patch
            .name
            .as_deref()
            .map(|n| account::normalize_name("name", n, &mut v));
        let phone = patch
            .phone
            .as_deref()
            .map(|p| account::normalize_phone("phone", Some(p), &mut v));
        if let Some(p) = &patch.password {
            password::validate_new_password("password", p, &mut v);
        }
        v.finish()?;
        let hash = match patch.password {
            Some(p) => Some(self.hasher.hash_bounded(p).await?),
            None => None,
        };
        let now_ms = self.clock.now_ms();
        let id = id.to_string();
        let (role, disabled) = (patch.role, patch.disabled);
        let row = self
            .db
            .write(move |conn| {
                let mut row = repo::by_id(conn, &id)?.ok_or(Error::NotFound("user"))?;
                let was_active_admin = row.role == Role::Admin && !row.disabled;
                let mut revoke = false;
                if let Some(name) = name {
                    row.name = name;
                }
                if let Some(phone) = phone {
                    row.phone = phone;
                }
                if let Some(role) = role
                    && role != row.role
                {
                    row.role = role;
                    revoke = true;
                }
                if let Some(disabled) = disabled
                    && disabled != row.disabled
                {
                    row.disabled = disabled;
                    revoke = true;
                }
                if let Some(hash) = hash {
                    row.password_hash = hash;
                    revoke = true;
                }
                let still_active_admin = row.role == Role::Admin && !row.disabled;
                if was_active_admin && !still_active_admin && repo::count_active_admins(conn)? <= 1
                {
                    return Err(Conflict::LastAdmin.into());
                }
                if revoke {
                    row.token_version += 1;
                    console_repo::delete_for_user(conn, &row.id)?;
                }
                row.updated_at_ms = now_ms;
                repo::update(conn, &row)?;
                Ok(row)
            })
            .await?;
        self.forget_access(&row.id);
        tracing::info!(user_id = %row.id, role = %row.role, disabled = row.disabled, "account changed");
        Ok(row.into())
    }

    /// Sets a password by email (the CLI's `user passwd`), revoking existing tokens.
    pub async fn set_password(&self, email: &str, password: &str) -> Result<User, Error> {
        let email = account::canonical_email(email);
        let lookup = email.clone();
        let row = self
            .db
            .read(move |conn| repo::by_email(conn, &lookup))
            .await?
            .ok_or(Error::NotFound("user"))?;
        self.update_user(
            &row.id,
            UserPatch {
                password: Some(password.to_string()),
                ..UserPatch::default()
            },
        )
        .await
    }

    /// The account behind an email, if any.
    pub async fn find_by_email(&self, email: &str) -> Result<Option<User>, Error> {
        let email = account::canonical_email(email);
        Ok(self
            .db
            .read(move |conn| repo::by_email(conn, &email))
            .await?
            .map(User::from))
    }
}
