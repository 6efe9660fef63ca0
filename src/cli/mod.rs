//! The command line: the clap definitions of every verb and the dispatch to the module
//! that runs it. Each verb group is a file (`serve`, `setup` for init, `users`, `seed`,
//! `data` for migrate/check/backup/restore, `mail`, `jobs`) that calls into the domains;
//! business rules stay in the domains, so a verb is parsing, one call and printing.

mod data;
mod jobs;
mod mail;
pub mod malloc;
mod prompt;
mod seed;
mod serve;
mod setup;
mod users;

use crate::app::Core;
use crate::auth::Role;
use crate::clock::SystemClock;
use crate::config::Config;
use anyhow::bail;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Seat booking and dynamic pricing for cinemas, concert halls, buses, trains and flights.
#[derive(Debug, Parser)]
#[command(name = "rezerve", version, about)]
pub struct Cli {
    /// Config file (default: ./rezerve.toml if present, else built-in defaults).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default). A fresh data dir is set up on first run.
    Serve {
        /// Fill an empty catalog with demo venues, events and accounts first.
        #[arg(long)]
        demo: bool,
    },
    /// Write a commented rezerve.toml, create the data dir, its secrets and the first admin.
    Init {
        /// Email of the first admin.
        #[arg(long, default_value = "admin@rezerve.local")]
        admin_email: String,
        /// Name of the first admin.
        #[arg(long, default_value = "Administrator")]
        admin_name: String,
        /// Generate the admin's password and print it once, instead of reading it.
        #[arg(long)]
        generate_password: bool,
    },
    /// Apply pending schema migrations and exit.
    Migrate,
    /// Load sample data.
    Seed {
        #[command(subcommand)]
        what: SeedCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Verify the data dir's integrity and invariants; exits 1 if anything is wrong.
    Check,
    /// Write a consistent snapshot (database and secrets) to FILE, also while `serve` runs.
    Backup {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Restore a backup into an empty or stopped data dir, after verifying it.
    Restore {
        file: PathBuf,
        /// Replace a data dir that has a database already.
        #[arg(long)]
        force: bool,
    },
    /// Check the email templates and the mail transport.
    Mail {
        #[command(subcommand)]
        action: MailCommand,
    },
    /// Inspect and re-queue jobs of the durable queue.
    Jobs {
        #[command(subcommand)]
        action: JobsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Render an email with sample data: welcome, booking-confirmed, payment-failed,
    /// booking-expired, booking-cancelled, event-cancelled or test. Prints the plain text,
    /// or writes FILE (`.eml`: the whole message; `.html`: the HTML part).
    Preview {
        kind: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Send one test email through the configured transport now.
    Test {
        #[arg(long, value_name = "ADDRESS")]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first.
    List {
        /// Only jobs in this state: queued, running, done or dead.
        #[arg(long)]
        status: Option<String>,
        /// Only jobs of this kind, e.g. seats-changed.
        #[arg(long)]
        kind: Option<String>,
        /// How many to show.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// List dead jobs (out of attempts), with their last error.
    Dead,
    /// Queue a dead job again with fresh attempts.
    Retry {
        /// The job's id.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum SeedCommand {
    /// A cinema, a concert hall, a flight, a bus and a train with real seat maps, and demo
    /// accounts (admin, staff, customer) whose passwords are printed once.
    Demo,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from stdin (or prompted for on a terminal).
    Add {
        #[arg(long)]
        email: String,
        /// customer, staff or admin.
        #[arg(long)]
        role: Role,
        #[arg(long)]
        name: Option<String>,
    },
    /// Set an account's password (read from stdin or prompted); signs it out everywhere.
    Passwd {
        #[arg(long)]
        email: String,
    },
    /// List accounts.
    List,
}

/// Runs a parsed command line; the exit code says whether it worked.
pub fn run(cli: Cli) -> ExitCode {
    let config = match &cli.command {
        // init writes the config file it then reads.
        Some(Command::Init { .. }) => None,
        _ => match Config::load(cli.config.as_deref()) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
    };
    if let Some(config) = &config {
        crate::telemetry::init_logging(&config.log);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(dispatch(cli, config));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli, config: Option<Config>) -> anyhow::Result<ExitCode> {
    match (
        cli.command.unwrap_or(Command::Serve { demo: false }),
        config,
    ) {
        (
            Command::Init {
                admin_email,
                admin_name,
                generate_password,
            },
            _,
        ) => setup::init(cli.config, admin_email, admin_name, generate_password).await,
        (Command::Serve { demo }, Some(config)) => serve::serve(config, demo).await,
        (Command::Migrate, Some(config)) => data::migrate(config).await,
        (
            Command::Seed {
                what: SeedCommand::Demo,
            },
            Some(config),
        ) => seed::demo(config).await,
        (Command::User { action }, Some(config)) => users::user(config, action).await,
        (Command::Check, Some(config)) => data::check(config).await,
        (Command::Backup { out }, Some(config)) => data::backup(config, out).await,
        (Command::Restore { file, force }, Some(config)) => {
            data::restore(config, file, force).await
        }
        (Command::Jobs { action }, Some(config)) => jobs::jobs(config, action).await,
        (Command::Mail { action }, Some(config)) => mail::mail(config, action).await,
        (_, None) => bail!("no configuration loaded"),
    }
}

/// Opens the stores and domain handles without serving, for the verbs that work on data.
async fn open(config: Config) -> anyhow::Result<Core> {
    Ok(Core::open(config, Arc::new(SystemClock)).await?)
}
