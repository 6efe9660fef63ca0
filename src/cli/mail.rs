//! `rezerve mail preview | test`: see what an email looks like and prove the transport
//! delivers, before a customer finds out it does not.

use super::MailCommand;
use crate::config::Config;
use crate::notify::email::EmailKind;
use anyhow::{Context, bail};
use std::process::ExitCode;

/// Runs one `mail` action.
pub(super) async fn mail(config: Config, action: MailCommand) -> anyhow::Result<ExitCode> {
    let core = super::open(config).await?;
    let notifier = core.notifier()?;
    let result = match action {
        MailCommand::Preview { kind, out } => {
            let Some(kind) = EmailKind::parse(&kind) else {
                let names: Vec<&str> = EmailKind::ALL.iter().map(|k| k.as_str()).collect();
                bail!(
                    "`{kind}` is not an email kind; choose one of: {}",
                    names.join(", ")
                );
            };
            let (message, html, text) = notifier.preview(kind, "priya@example.com")?;
            match out {
                None => print!("{text}"),
                Some(path) => {
                    let body = match path.extension().and_then(|e| e.to_str()) {
                        Some("eml") => message,
                        Some("html") | Some("htm") => html.into_bytes(),
                        _ => bail!("--out must end in .eml or .html"),
                    };
                    std::fs::write(&path, body)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    println!("wrote {}", path.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        MailCommand::Test { to } => {
            let id = notifier.send_test(&to).await?;
            println!("sent test email {id} to {to}");
            Ok(ExitCode::SUCCESS)
        }
    };
    core.close().await;
    result
}
