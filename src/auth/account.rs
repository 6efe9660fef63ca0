//! Accounts as the API shows them, and the rules for what a new or changed account may say.

use super::password::validate_new_password;
use super::repo::UserRow;
use super::role::Role;
use crate::error::{Error, Validator};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use unicode_normalization::UnicodeNormalization;

/// An account, without its secrets.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub disabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: row.id,
            email: row.email,
            name: row.name,
            phone: row.phone,
            role: row.role,
            disabled: row.disabled,
            created_at: crate::clock::at_second(row.created_at_ms),
        }
    }
}

/// Self-service sign-up. A `role` in the body is ignored: everyone registers as a customer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
}

/// An admin creating an account of any role.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub email: String,
    pub password: String,
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub role: Role,
}

/// An admin's change to an account; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// A new password; signs the user out everywhere.
    pub password: Option<String>,
}

/// Longest name accepted.
pub const MAX_NAME_CHARS: usize = 200;

/// The one form of an email that is stored, compared and looked up: NFKC (a fullwidth `ｃ`
/// is a `c`, a ligature its letters), lower-case, trimmed. Every path that takes an email
/// from outside (register, create, login, password reset, filters) goes through it, so a
/// look-alike spelling is the same account, not a new one.
pub fn canonical_email(raw: &str) -> String {
    let folded: String = raw
        .nfkc()
        .collect::<String>()
        .to_lowercase()
        .nfkc()
        .collect();
    folded.trim().to_string()
}

/// Characters that reorder or hide text when shown (bidirectional embeddings, overrides and
/// isolates, and the directional marks): a name holding one can read as something else.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Invisible characters that make two emails look the same and compare different.
fn is_invisible(c: char) -> bool {
    is_bidi_control(c) || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Canonicalises an email ([`canonical_email`]) and checks its shape (one `@`, a dotted
/// domain, no spaces, no invisible characters).
pub fn normalize_email(field: &str, raw: &str, v: &mut Validator) -> String {
    let email = canonical_email(raw);
    let shape_ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
        }
        None => false,
    };
    v.check(
        shape_ok,
        field,
        "must be an email address such as name@example.com",
    );
    v.check(email.len() <= 254, field, "must be at most 254 characters");
    email
}

/// Trims a display name and checks it is present and not absurd.
pub fn normalize_name(field: &str, raw: &str, v: &mut Validator) -> String {
    let name = raw.trim().to_string();
    v.check(!name.is_empty(), field, "must not be empty");
    // The value as sent, white space included, as the OpenAPI document's maxLength counts.
    v.check(
        raw.chars().count() <= MAX_NAME_CHARS,
        field,
        format!("must be at most {MAX_NAME_CHARS} characters"),
    );
    v.check(
        !name.chars().any(char::is_control),
        field,
        "must not contain control characters",
    );
    v.check(
        !name.chars().any(is_bidi_control),
        field,
        "must not contain bidirectional control characters (U+202A to U+202E, U+2066 to U+2069, U+200E, U+200F)",
    );
    name
}

/// Checks a phone number (digits with optional `+`, spaces, dashes, dots and brackets) and
/// returns it as its digits, after a `+` if it had one: `+91 98765-43210` and `+919876543210`
/// are one number, and the unique index must see them as one.
pub fn normalize_phone(field: &str, raw: Option<&str>, v: &mut Validator) -> Option<String> {
    let raw = raw?;
    // The value as sent, white space included, as the OpenAPI document's maxLength counts.
    v.check(raw.len() <= 32, field, "must be at most 32 characters");
    let phone = raw.trim();
    if phone.is_empty() {
        return None;
    }
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    v.check(
        allowed && (7..=20).contains(&digits.len()),
        field,
        "must be a phone number of 7 to 20 digits",
    );
    let plus = if phone.starts_with('+') { "+" } else { "" };
    Some(format!("{plus}{digits}"))
}

/// A display name for an account created without one: the email's local part.
pub fn name_from_email(email: &str) -> String {
    email
        .split_once('@')
        .map_or(email, |(local, _)| local)
        .to_string()
}

/// Validated fields of a new account.
pub struct ValidAccount {
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub password: String,
}

/// Validates sign-up or creation fields, reporting every problem at once.
pub fn validate_account(
    email: &str,
    password: &str,
    name: &str,
    phone: Option<&str>,
) -> Result<ValidAccount, Error> {
    let mut v = Validator::new();
    let email = normalize_email("email", email, &mut v);
    validate_new_password("password", password, &mut v);
    let name = normalize_name("name", name, &mut v);
    let phone = normalize_phone("phone", phone, &mut v);
    v.finish()?;
    Ok(ValidAccount {
        email,
        name,
        phone,
        password: password.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_junk_refused() {
        let mut v = Validator::new();
        assert_eq!(
            normalize_email("e", "  Ada@Example.COM ", &mut v),
            "ada@example.com"
        );
        assert!(v.is_clean());
        for bad in [
            "", "ada", "ada@", "@x.io", "a@b", "a b@c.io", "a@b@c.io", "a@.io", "a@io.",
        ] {
            let mut v = Validator::new();
            normalize_email("e", bad, &mut v);
            assert!(!v.is_clean(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_missing_name_is_the_emails_local_part() {
        assert_eq!(name_from_email("priya@example.com"), "priya");
        assert_eq!(name_from_email("no-at-sign"), "no-at-sign");
        assert_eq!(name_from_email("a@b@c"), "a");
    }

    #[test]
    fn phones_need_seven_to_twenty_digits() {
        let mut v = Validator::new();
        assert_eq!(
            normalize_phone("p", Some("+91 98765-43210"), &mut v).as_deref(),
            Some("+919876543210")
        );
        assert_eq!(
            normalize_phone("p", Some(" (020) 7946.0000 "), &mut v).as_deref(),
            Some("02079460000")
        );
        assert!(v.is_clean());
        for bad in ["12345", "phone me", "+1 (555) 123-4567-8901-2345-678"] {
            let mut v = Validator::new();
            normalize_phone("p", Some(bad), &mut v);
            assert!(!v.is_clean(), "{bad:?} accepted");
        }
    }
}
