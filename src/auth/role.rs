//! Roles and the verified identity of whoever makes a request.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What an account may do. Ordered: each role may do everything the one before it may.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Self-service: their own holds, bookings and payments.
    Customer,
    /// Box office, kiosk, door scanning.
    Staff,
    /// Everything, including the catalog and accounts.
    Admin,
}

impl Role {
    /// The name stored in the database and written into tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }
}

/// A name that is not one of the roles; its message tells the user which names are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a role; use customer, staff or admin")]
pub struct UnknownRole(pub String);

/// Parses a stored or typed role name (the names [`Role::as_str`] writes).
impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        match s {
            "customer" => Ok(Role::Customer),
            "staff" => Ok(Role::Staff),
            "admin" => Ok(Role::Admin),
            other => Err(UnknownRole(other.to_string())),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A request's verified identity, taken from a valid token of an enabled account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub email: String,
    pub role: Role,
}

impl Caller {
    /// Passes when the caller's role is `least` or above.
    pub fn require(&self, least: Role) -> Result<(), Error> {
        if self.role >= least {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// Staff and admins act on anyone's resources; customers only on their own.
    pub fn may_see_all(&self) -> bool {
        self.role >= Role::Staff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip_and_strangers_are_named() {
        for role in [Role::Customer, Role::Staff, Role::Admin] {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        let err = "Admin".parse::<Role>().unwrap_err();
        assert_eq!(err, UnknownRole("Admin".into()));
        assert_eq!(
            err.to_string(),
            "`Admin` is not a role; use customer, staff or admin"
        );
    }
}
