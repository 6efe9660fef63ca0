//! The outbox: emails are logged in the notifications table, as the data their template is
//! rendered from when they are sent, and their `send-email` jobs queued in the same write,
//! once per dedupe key (kind, cause, recipient), so a trigger that runs again queues nothing
//! new.

use super::compose::{Outgoing, subject};
use super::messages::SendEmail;
use super::repo::{self, NewNotification};
use super::{Notifier, email};
use crate::error::Error;
use crate::jobs::message::Message;
use crate::jobs::queue;

impl Notifier {
    pub(super) async fn queue(&self, outgoing: Vec<Outgoing>) -> Result<usize, Error> {
        if outgoing.is_empty() {
            return Ok(0);
        }
        let now_ms = self.now_ms();
        let mut rendered = Vec::with_capacity(outgoing.len());
        for mut out in outgoing {
            let name = out.data.name.trim().to_string();
            out.data.name = if name.is_empty() {
                self.name_of(&out.to).await?
            } else {
                name
            };
            out.data.recipient = out.to.clone();
            out.data.subject = subject(out.kind, &out.data);
            let id = crate::ids::new_id("ntf");
            // Refused now, as rendering it here did: an address no message can go to.
            email::mailbox(&out.to)?;
            let data = serde_json::to_string(&out.data).map_err(Error::internal)?;
            rendered.push(NewNotification {
                dedupe_key: format!(
                    "{}:{}:{}",
                    out.kind.as_str(),
                    out.cause,
                    out.to.to_lowercase()
                ),
                id,
                kind: out.kind.as_str().into(),
                recipient: out.to,
                subject: out.data.subject,
                cause: out.cause,
                data,
            });
        }
        let max_attempts = self.max_attempts;
        self.db
            .write(move |conn| {
                let mut new = 0;
                for n in &rendered {
                    if repo::insert(conn, n, now_ms)? {
                        queue::enqueue(
                            conn,
                            &queue::NewJob {
                                kind: SendEmail::KIND.as_str(),
                                payload: serde_json::to_string(&SendEmail {
                                    notification_id: n.id.clone(),
                                })
                                .map_err(Error::internal)?,
                                dedupe_key: Some(format!("send-email:{}", n.id)),
                                cause: n.cause.clone(),
                                run_at_ms: now_ms,
                                max_attempts,
                            },
                            now_ms,
                        )?;
                        new += 1;
                    }
                }
                Ok(new)
            })
            .await
    }

    /// The account name behind an email, or a neutral greeting.
    async fn name_of(&self, email: &str) -> Result<String, Error> {
        let email = crate::auth::account::canonical_email(email);
        let user = self
            .db
            .read(move |conn| crate::auth::repo::by_email(conn, &email))
            .await?;
        Ok(user.map(|u| u.name).unwrap_or_else(|| "there".into()))
    }
}
