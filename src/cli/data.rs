//! The data dir as a whole: `rezerve migrate`, `check`, `backup` and `restore`. These work
//! on files and the schema, below the domains, so they open the database themselves.

use crate::config::Config;
use anyhow::bail;
use std::path::PathBuf;
use std::process::ExitCode;

/// Applies pending schema migrations and says what it did; refused while the data dir is
/// in use by another process.
pub(super) async fn migrate(config: Config) -> anyhow::Result<ExitCode> {
    let path = crate::store::sqlite_path(&config.storage.data_dir);
    let dir = config.storage.data_dir.clone();
    let applied = tokio::task::spawn_blocking(move || -> Result<_, crate::Error> {
        crate::store::ensure_data_dir(&dir)?;
        // A running server holds the lock: changing the schema under it is refused.
        let _lock = crate::store::DataDirLock::acquire(&dir)?;
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

/// Runs every integrity and invariant check; exits 1 if any fails.
pub(super) async fn check(config: Config) -> anyhow::Result<ExitCode> {
    let path = crate::store::sqlite_path(&config.storage.data_dir);
    if !path.exists() {
        bail!("no database at {}", path.display());
    }
    let dir = config.storage.data_dir.clone();
    let findings = tokio::task::spawn_blocking(move || crate::audit::run_offline(&dir)).await??;
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

/// Writes a consistent snapshot of the data dir to `out`.
pub(super) async fn backup(config: Config, out: PathBuf) -> anyhow::Result<ExitCode> {
    let dir = config.storage.data_dir.clone();
    let target = out.clone();
    let manifest =
        tokio::task::spawn_blocking(move || crate::store::backup::backup(&dir, &target)).await??;
    println!(
        "wrote {} (schema version {}, {})",
        out.display(),
        manifest.schema_version,
        manifest.created_at
    );
    Ok(ExitCode::SUCCESS)
}

/// Restores a verified backup into the data dir (`force` replaces an existing database).
pub(super) async fn restore(
    config: Config,
    file: PathBuf,
    force: bool,
) -> anyhow::Result<ExitCode> {
    let dir = config.storage.data_dir.clone();
    let source = file.clone();
    let manifest =
        tokio::task::spawn_blocking(move || crate::store::backup::restore(&source, &dir, force))
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
