//! The command line: clap verbs that call into the domains. No business logic here.

use crate::app::{App, Core};
use crate::auth::Role;
use crate::auth::account::NewUser;
use crate::auth::repo::UserFilter;
use crate::clock::SystemClock;
use crate::config::{Config, DEFAULT_CONFIG_PATH, DOCUMENTED_CONFIG};
use crate::pagination::PageRequest;
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
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
        #[arg(long, value_parser = parse_role)]
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

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("`{s}` is not a role; use customer, staff or admin"))
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
        ) => init(cli.config, admin_email, admin_name, generate_password).await,
        (Command::Serve { demo }, Some(config)) => serve(config, demo).await,
        (Command::Migrate, Some(config)) => migrate(config).await,
        (
            Command::Seed {
                what: SeedCommand::Demo,
            },
            Some(config),
        ) => seed_demo(config).await,
        (Command::User { action }, Some(config)) => user(config, action).await,
        (Command::Check, Some(config)) => check(config).await,
        (Command::Backup { out }, Some(config)) => {
            let dir = config.storage.data_dir.clone();
            let target = out.clone();
            let manifest =
                tokio::task::spawn_blocking(move || crate::store::backup::backup(&dir, &target))
                    .await??;
            println!(
                "wrote {} (schema version {}, {})",
                out.display(),
                manifest.schema_version,
                manifest.created_at
            );
            Ok(ExitCode::SUCCESS)
        }
        (Command::Restore { file, force }, Some(config)) => {
            let dir = config.storage.data_dir.clone();
            let source = file.clone();
            let manifest = tokio::task::spawn_blocking(move || {
                crate::store::backup::restore(&source, &dir, force)
            })
            .await??;
            println!(
                "restored {} (taken {}, schema version {}) into {}; start `rezerve serve` to apply any newer migrations",
                file.display(),
                manifest.created_at,
                manifest.schema_version,
                config.storage.data_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        (Command::Jobs { action }, Some(config)) => jobs(config, action).await,
        (Command::Mail { action }, Some(config)) => mail(config, action).await,
        (_, None) => bail!("no configuration loaded"),
    }
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<ExitCode> {
    let addr = config.listen_addr()?;
    let app = App::build(config).await?;
    if demo {
        crate::seed::demo(&app, &mut std::io::stdout()).await?;
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    println!("Rezerve is serving on http://{bound}/ (API docs: http://{bound}/api/docs/)");
    app.serve(listener, crate::shutdown::terminate_signal())
        .await?;
    Ok(ExitCode::SUCCESS)
}

async fn open(config: Config) -> anyhow::Result<Core> {
    Ok(Core::open(config, Arc::new(SystemClock)).await?)
}

async fn migrate(config: Config) -> anyhow::Result<ExitCode> {
    let path = crate::store::sqlite_path(&config.storage.data_dir);
    let dir = config.storage.data_dir.clone();
    let applied = tokio::task::spawn_blocking(move || -> Result<_, crate::Error> {
        crate::store::ensure_data_dir(&dir)?;
        let mut conn = rusqlite::Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        crate::store::migrations::apply(&mut conn)
    })
    .await??;
    if applied.is_empty() {
        println!(
            "schema is up to date (version {})",
            crate::store::migrations::latest_version()
        );
    } else {
        for name in &applied {
            println!("applied {name}");
        }
        println!(
            "schema is at version {}",
            crate::store::migrations::latest_version()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn seed_demo(config: Config) -> anyhow::Result<ExitCode> {
    // The server keeps seat state in memory: seeding beside a running server is refused.
    let app = App::build(config).await?;
    crate::seed::demo(&app, &mut std::io::stdout()).await?;
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Reads a password: prompted twice without echo on a terminal, else one line of stdin.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("{prompt}: "))?;
        let second = rpassword::prompt_password("Repeat it: ")?;
        if first != second {
            bail!("the passwords do not match");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        if password.is_empty() {
            bail!("no password on stdin (pipe one in, e.g. `echo \"$PASS\" | rezerve user add …`)");
        }
        Ok(password)
    }
}

async fn user(config: Config, action: UserCommand) -> anyhow::Result<ExitCode> {
    let core = open(config).await?;
    let result = match action {
        UserCommand::Add { email, role, name } => {
            let password = read_password("Password")?;
            let name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or("user").to_string());
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

async fn jobs(config: Config, action: JobsCommand) -> anyhow::Result<ExitCode> {
    let core = open(config).await?;
    let jobs = crate::jobs::Jobs::new(core.sqlite.clone(), Arc::clone(&core.clock));
    let result = match action {
        JobsCommand::List {
            status,
            kind,
            limit,
        } => {
            if let Some(s) = &status
                && !["queued", "running", "done", "dead"].contains(&s.as_str())
            {
                bail!("--status must be queued, running, done or dead");
            }
            if !(1..=10_000).contains(&limit) {
                bail!("--limit must be between 1 and 10000");
            }
            print_jobs(&jobs.list(status, kind, None, limit).await?)?;
            Ok(ExitCode::SUCCESS)
        }
        JobsCommand::Dead => {
            print_jobs(&jobs.list(Some("dead".into()), None, None, 10_000).await?)?;
            Ok(ExitCode::SUCCESS)
        }
        JobsCommand::Retry { id } => {
            let job = jobs.retry(id).await?;
            println!("job {} ({}) is queued again", job.id, job.kind);
            Ok(ExitCode::SUCCESS)
        }
    };
    core.close().await;
    result
}

async fn mail(config: Config, action: MailCommand) -> anyhow::Result<ExitCode> {
    let core = open(config).await?;
    let notifier = core.notifier()?;
    let result = match action {
        MailCommand::Preview { kind, out } => {
            let Some(kind) = crate::notify::email::EmailKind::parse(&kind) else {
                let names: Vec<&str> = crate::notify::email::EmailKind::ALL
                    .iter()
                    .map(|k| k.as_str())
                    .collect();
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

fn print_jobs(rows: &[crate::jobs::JobRow]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:>8} {:<18} {:<7} {:>8}  {:<24} LAST ERROR",
        "ID", "KIND", "STATUS", "ATTEMPTS", "RUN AT"
    )?;
    for job in rows {
        let run_at = crate::inventory::hold::at_ms(job.run_at_ms)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        writeln!(
            out,
            "{:>8} {:<18} {:<7} {:>4}/{:<3}  {:<24} {}",
            job.id,
            job.kind,
            job.status,
            job.attempts,
            job.max_attempts,
            run_at,
            job.last_error.as_deref().unwrap_or("")
        )?;
    }
    if rows.is_empty() {
        writeln!(out, "(no jobs)")?;
    }
    Ok(())
}

async fn check(config: Config) -> anyhow::Result<ExitCode> {
    let path = crate::store::sqlite_path(&config.storage.data_dir);
    if !path.exists() {
        bail!("no database at {}", path.display());
    }
    let dir = config.storage.data_dir.clone();
    let findings = tokio::task::spawn_blocking(move || crate::store::check::run(&dir)).await??;
    let mut failed = false;
    for finding in &findings {
        match &finding.problem {
            None => println!("ok    {}", finding.check),
            Some(problem) => {
                failed = true;
                println!("FAIL  {}: {problem}", finding.check);
            }
        }
    }
    if failed {
        println!("the data dir has problems");
        Ok(ExitCode::FAILURE)
    } else {
        println!("all checks passed");
        Ok(ExitCode::SUCCESS)
    }
}

async fn init(
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
    let core = open(config.clone()).await?;
    println!(
        "data dir {} is ready (schema version {})",
        config.storage.data_dir.display(),
        crate::store::migrations::latest_version()
    );
    let existing = core
        .auth
        .list_users(
            UserFilter {
                role: Some(Role::Admin),
                q: None,
            },
            PageRequest::parse(Some(1), None, 1)?,
        )
        .await?;
    if let Some(admin) = existing.items.first() {
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
        let user = core
            .auth
            .create_user(NewUser {
                email: admin_email,
                password: password.clone(),
                name: admin_name,
                phone: None,
                role: Role::Admin,
            })
            .await?;
        println!("created admin {}", user.email);
        if generate_password {
            println!("password: {password}");
            println!(
                "(shown once; change it with `rezerve user passwd --email {}`)",
                user.email
            );
        }
    }
    core.close().await;
    Ok(ExitCode::SUCCESS)
}
