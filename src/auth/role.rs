//! Roles and the verified identity of whoever makes a request.

use crate::error::Error;
use serde::{Deserialize, Serialize};

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

    /// Parses a stored or typed role name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "customer" => Some(Role::Customer),
            "staff" => Some(Role::Staff),
            "admin" => Some(Role::Admin),
            _ => None,
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
