//! Online, consistent backups and verified restores.
//!
//! A backup is one tar file: `manifest.json`, `rezerve.db` (a `VACUUM INTO` snapshot: one
//! consistent read, taken beside a running server) and `secrets/` (without them restored
//! tickets and tokens would no longer verify). Holds are not in it: they live for minutes,
//! and a restored system starts with none (their seats are free, pending bookings expire).
//!
//! A restore unpacks into a scratch folder inside the data dir, verifies everything there —
//! the manifest, SQLite's integrity check, the schema version, every secret — and only then
//! moves the files into place. A bad file changes nothing.

use super::{DataDirLock, ensure_data_dir, migrations, redb_path, sqlite_path};
use crate::error::{Conflict, Error};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

const SECRETS: [&str; 3] = ["token_key", "webhook_secret", "ticket_signing_key"];
const FORMAT: u32 = 1;

/// What a backup says about itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: String,
    pub schema_version: i64,
    pub rezerve_version: String,
}

fn io(context: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("{context}: {e}"))
}

/// Writes a backup of `data_dir` to `out` (0600). Safe while the server runs. Blocking.
pub fn backup(data_dir: &Path, out: &Path) -> Result<Manifest, Error> {
    let db = sqlite_path(data_dir);
    if !db.exists() {
        return Err(Error::invalid(
            "data_dir",
            format!("no database at {}", db.display()),
        ));
    }
    let scratch = tempdir_in(data_dir, "backup")?;
    let snapshot = scratch.join("rezerve.db");
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute("VACUUM INTO ?1", [snapshot.to_string_lossy()])?;
    let manifest = Manifest {
        format: FORMAT,
        created_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        schema_version: migrations::current_version(&conn)?,
        rezerve_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let partial = out.with_extension("partial");
    let result = (|| {
        let file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)
            .map_err(|e| io(&partial.display().to_string(), e))?;
        let mut tar = tar::Builder::new(file);
        let json = serde_json::to_vec_pretty(&manifest).map_err(Error::internal)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        tar.append_data(&mut header, "manifest.json", json.as_slice())
            .map_err(|e| io("backup", e))?;
        tar.append_path_with_name(&snapshot, "rezerve.db")
            .map_err(|e| io("backup", e))?;
        for name in SECRETS {
            let path = data_dir.join("secrets").join(name);
            if path.exists() {
                tar.append_path_with_name(&path, format!("secrets/{name}"))
                    .map_err(|e| io("backup", e))?;
            }
        }
        let file = tar.into_inner().map_err(|e| io("backup", e))?;
        file.sync_all().map_err(|e| io("backup", e))?;
        fs::rename(&partial, out).map_err(|e| io(&out.display().to_string(), e))
    })();
    let _ = fs::remove_dir_all(&scratch);
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result?;
    record_last_backup(data_dir, out);
    Ok(manifest)
}

/// A backup made to be sent somewhere else (the console's download): written to a scratch
/// file in the data dir by [`backup`], opened, and unlinked at once, so the open handle is
/// the only way to it and nothing is left behind however the sending ends. Returns the
/// handle (at the start), its size and the manifest. Blocking.
pub fn backup_to_stream(data_dir: &Path) -> Result<(fs::File, u64, Manifest), Error> {
    let path = data_dir.join(format!(".download-{}.tar", crate::ids::new_id("tmp")));
    let manifest = backup(data_dir, &path)?;
    let opened = fs::File::open(&path).and_then(|f| Ok((f.metadata()?.len(), f)));
    let _ = fs::remove_file(&path);
    let (size, file) = opened.map_err(|e| io(&path.display().to_string(), e))?;
    Ok((file, size, manifest))
}

/// Where the time of the last finished backup is kept, for the server's metrics: the
/// backup runs in another process (the CLI), so the data dir is what they share.
fn last_backup_path(data_dir: &Path) -> PathBuf {
    data_dir.join("last-backup")
}

/// Notes that a backup finished now. A failure here is logged and nothing more: the backup
/// itself is good, only the "no backup for a day" alert may then fire early.
fn record_last_backup(data_dir: &Path, out: &Path) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let note = format!("{now}\n{}\n", out.display());
    let partial = last_backup_path(data_dir).with_extension("partial");
    let written =
        fs::write(&partial, note).and_then(|()| fs::rename(&partial, last_backup_path(data_dir)));
    if let Err(e) = written {
        tracing::warn!(error = %e, "cannot record the backup's time for the metrics");
    }
}

/// When the last backup of `data_dir` finished, in Unix seconds, if one ever did. Blocking.
pub fn last_backup_at(data_dir: &Path) -> Option<i64> {
    let note = fs::read_to_string(last_backup_path(data_dir)).ok()?;
    note.lines().next()?.trim().parse().ok()
}

/// Restores `file` into `data_dir`, which must be stopped and, unless `force`, hold no
/// database yet. Verifies before it replaces anything. Blocking.
pub fn restore(file: &Path, data_dir: &Path, force: bool) -> Result<Manifest, Error> {
    ensure_data_dir(data_dir)?;
    let _lock = DataDirLock::acquire(data_dir)?;
    if sqlite_path(data_dir).exists() && !force {
        return Err(Conflict::DataDirNotEmpty {
            dir: data_dir.display().to_string(),
        }
        .into());
    }
    let scratch = tempdir_in(data_dir, "restore")?;
    let result = unpack_and_verify(file, &scratch).and_then(|manifest| {
        install(&scratch, data_dir)?;
        Ok(manifest)
    });
    let _ = fs::remove_dir_all(&scratch);
    result
}

fn unpack_and_verify(file: &Path, scratch: &Path) -> Result<Manifest, Error> {
    let bad = |why: String| Error::invalid("backup", why);
    let archive =
        fs::File::open(file).map_err(|e| bad(format!("cannot open {}: {e}", file.display())))?;
    let mut tar = tar::Archive::new(archive);
    let entries = tar
        .entries()
        .map_err(|e| bad(format!("not a backup file: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(format!("damaged archive: {e}")))?;
        let name = entry
            .path()
            .map_err(|e| bad(e.to_string()))?
            .to_string_lossy()
            .to_string();
        let allowed = name == "manifest.json"
            || name == "rezerve.db"
            || SECRETS.iter().any(|s| name == format!("secrets/{s}"));
        if !allowed {
            return Err(bad(format!("unexpected entry `{name}` in the backup")));
        }
        let target = scratch.join(&name);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| io("restore", e))?;
        }
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&target)
            .map_err(|e| io("restore", e))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| bad(format!("damaged archive: {e}")))?;
        out.flush().map_err(|e| io("restore", e))?;
    }
    let manifest: Manifest = serde_json::from_slice(
        &fs::read(scratch.join("manifest.json"))
            .map_err(|_| bad("the backup has no manifest".into()))?,
    )
    .map_err(|e| bad(format!("the manifest is not valid: {e}")))?;
    if manifest.format != FORMAT {
        return Err(bad(format!(
            "backup format {} is not supported",
            manifest.format
        )));
    }
    let db = scratch.join("rezerve.db");
    if !db.exists() {
        return Err(bad("the backup has no database".into()));
    }
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| bad(format!("the database cannot be opened: {e}")))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| bad(format!("the database is damaged: {e}")))?;
    if integrity != "ok" {
        return Err(bad(format!("the database is damaged: {integrity}")));
    }
    let version = migrations::current_version(&conn)?;
    if version > migrations::latest_version() {
        return Err(bad(format!(
            "the backup is from a newer rezerve (schema {version}); upgrade first"
        )));
    }
    for name in SECRETS {
        let text = fs::read_to_string(scratch.join("secrets").join(name))
            .map_err(|_| bad(format!("the backup lacks secrets/{name}")))?;
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, text.trim())
            .map_err(|_| bad(format!("secrets/{name} is damaged")))?;
    }
    Ok(manifest)
}

fn install(scratch: &Path, data_dir: &Path) -> Result<(), Error> {
    let db = sqlite_path(data_dir);
    for suffix in ["-wal", "-shm"] {
        let _ = fs::remove_file(PathBuf::from(format!("{}{suffix}", db.display())));
    }
    fs::rename(scratch.join("rezerve.db"), &db).map_err(|e| io("restore", e))?;
    let secrets = data_dir.join("secrets");
    fs::create_dir_all(&secrets).map_err(|e| io("restore", e))?;
    for name in SECRETS {
        fs::rename(scratch.join("secrets").join(name), secrets.join(name))
            .map_err(|e| io("restore", e))?;
    }
    // Holds belong to the old state; the restored one starts with none.
    let _ = fs::remove_file(redb_path(data_dir));
    Ok(())
}

fn tempdir_in(dir: &Path, what: &str) -> Result<PathBuf, Error> {
    let path = dir.join(format!(".{what}-{}", crate::ids::new_id("tmp")));
    fs::create_dir(&path).map_err(|e| io(&path.display().to_string(), e))?;
    Ok(path)
}
