//! `rezerve user add | passwd | list`: account management beside (or without) a running
//! server; the server picks changes up within its access-cache window.

use super::UserCommand;
use super::prompt::read_password;
use crate::auth::account::{NewUser, name_from_email};
use crate::auth::repo::UserFilter;
use crate::config::Config;
use crate::pagination::PageRequest;
use std::io::Write;
use std::process::ExitCode;

/// Runs one `user` action.
pub(super) async fn user(config: Config, action: UserCommand) -> anyhow::Result<ExitCode> {
    let core = super::open(config).await?;
    let result = match action {
        UserCommand::Add { email, role, name } => {
            let password = read_password("Password")?;
            let name = name.unwrap_or_else(|| name_from_email(&email));
            let user = core
                .auth
                .create_user(NewUser {
                    email,
                    password,
                    name,
                    phone: None,
                    role,
                })
                .await?;
            println!("created {} {} ({})", user.role, user.email, user.id);
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Passwd { email } => {
            let password = read_password("New password")?;
            let user = core.auth.set_password(&email, &password).await?;
            println!(
                "password changed for {}; existing sessions are signed out",
                user.email
            );
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{:<38} {:<9} {:<8} EMAIL", "ID", "ROLE", "STATUS")?;
            let mut cursor = None;
            loop {
                let page = PageRequest::parse(Some(200), cursor.as_deref(), 1)?;
                let users = core.auth.list_users(UserFilter::default(), page).await?;
                for u in &users.items {
                    let status = if u.disabled { "disabled" } else { "active" };
                    writeln!(out, "{:<38} {:<9} {:<8} {}", u.id, u.role, status, u.email)?;
                }
                match users.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    };
    core.close().await;
    result
}
