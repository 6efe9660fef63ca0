//! `rezerve init`: write a commented config, set up the data dir and its secrets, and
//! create the first admin. Safe to run again: it keeps what exists.

use super::prompt::read_password;
use crate::config::{Config, DEFAULT_CONFIG_PATH, DOCUMENTED_CONFIG};
use crate::error::{Conflict, Error};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Sets up a fresh install; an existing config, data dir or admin is left as it is.
pub(super) async fn init(
    config_path: Option<PathBuf>,
    admin_email: String,
    admin_name: String,
    generate_password: bool,
) -> anyhow::Result<ExitCode> {
    let path = config_path.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_PATH));
    if path.exists() {
        println!("{} exists; leaving it as it is", path.display());
    } else {
        std::fs::write(&path, DOCUMENTED_CONFIG)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    // A bad config is a usage error like any other verb's: exit 2 before touching data.
    let config = match Config::load(Some(&path)) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    crate::telemetry::init_logging(&config.log);
    let core = super::open(config.clone()).await?;
    println!(
        "data dir {} is ready (schema version {})",
        config.storage.data_dir.display(),
        crate::store::migrations::latest_version()
    );
    // Asked first so a re-run does not prompt for a password it would not use; the
    // creation below checks again in its own transaction.
    if let Some(admin) = core.auth.existing_admin().await? {
        println!(
            "an admin already exists ({}); not creating another",
            admin.email
        );
    } else {
        let password = if generate_password {
            crate::seed::generate_password()
        } else {
            read_password("Password for the first admin")?
        };
        match core
            .auth
            .create_first_admin(&admin_email, &password, &admin_name)
            .await
        {
            Ok(user) => {
                println!("created admin {}", user.email);
                if generate_password {
                    println!("password: {password}");
                    println!(
                        "(shown once; change it with `rezerve user passwd --email {}`)",
                        user.email
                    );
                }
            }
            // Another init won the race between the question and the insert.
            Err(Error::Conflict(exists @ Conflict::AdminExists { .. })) => {
                println!("{exists}; not creating another")
            }
            Err(e) => return Err(e.into()),
        }
    }
    core.close().await;
    Ok(ExitCode::SUCCESS)
}
