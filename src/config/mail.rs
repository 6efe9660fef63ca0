//! The `[mail]` section: how email leaves the process, from whom, and how hard to try.

use super::Secret;
use serde::{Deserialize, Serialize};

/// How email leaves the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// Deliver over SMTP to `mail.smtp_url`.
    Smtp,
    /// Write one `.eml` file per message under the data dir.
    File,
    /// Only log that a message would have been sent.
    Log,
}

/// Email delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// e.g. `smtp://127.0.0.1:2525`; required when `transport = "smtp"`. `smtps://` is TLS
    /// from the first byte; `smtp_tls` chooses STARTTLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<String>,
    /// `none`, `starttls` or `tls`; by default what the URL's scheme says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_tls: Option<SmtpTls>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_password: Option<Secret>,
    /// How long one email's SMTP conversation may take, connecting included; a relay that
    /// takes longer is given up on and the email retried later.
    pub smtp_timeout_seconds: u64,
    /// The sender, as `Name <address>`.
    pub from: String,
    /// Where replies go, if not to `from`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// The operator's name in every email (the venue, the bus company).
    pub operator_name: String,
    /// A line at the foot of every email (address, help line).
    pub footer: String,
    /// Delivery attempts before an email is parked as dead.
    pub max_attempts: u32,
}

/// How SMTP is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            transport: MailTransport::File,
            smtp_url: None,
            smtp_tls: None,
            smtp_username: None,
            smtp_password: None,
            smtp_timeout_seconds: 10,
            from: "Rezerve <noreply@localhost>".into(),
            reply_to: None,
            operator_name: "Rezerve".into(),
            footer: "You receive this email because of a booking made with Rezerve.".into(),
            max_attempts: 8,
        }
    }
}
