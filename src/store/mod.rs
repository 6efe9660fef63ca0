//! Storage engines, and the data dir that holds them. Knows nothing of the domains.
//!
//! ```text
//! <data_dir>/            0700
//!   rezerve.db           SQLite (WAL): the source of truth
//!   holds.redb           redb: hold and TTL state
//!   secrets/             0700, each file 0600, generated on first run
//!   rezerve.lock         held by the one process that owns holds.redb
//! ```

pub mod backup;
pub mod check;
pub mod checkpointer;
#[cfg(test)]
mod index_shape;
pub mod migrations;
pub mod redb;
pub mod secrets;
pub mod sqlite;
pub mod text_enum;

use crate::error::{Conflict, Error};
use std::fs::{self, File};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub use self::redb::HoldDb;
pub use secrets::Secrets;
pub use sqlite::Sqlite;

/// Creates the data dir (0700) if needed and tightens an existing one that others can read.
pub fn ensure_data_dir(dir: &Path) -> Result<(), Error> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| {
                Error::internal(format!("cannot create data dir {}: {e}", dir.display()))
            })?;
    }
    let meta = fs::metadata(dir)
        .map_err(|e| Error::internal(format!("cannot read data dir {}: {e}", dir.display())))?;
    if !meta.is_dir() {
        return Err(Error::internal(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| {
            Error::internal(format!("cannot restrict data dir {}: {e}", dir.display()))
        })?;
    }
    Ok(())
}

/// The SQLite database file in a data dir.
pub fn sqlite_path(dir: &Path) -> PathBuf {
    dir.join("rezerve.db")
}

/// The redb hold store file in a data dir.
pub fn redb_path(dir: &Path) -> PathBuf {
    dir.join("holds.redb")
}

/// An exclusive lock on a data dir, held for as long as the value lives.
///
/// redb allows one process per file and the seat index lives in the serving process's memory,
/// so everything that owns holds (serve, seed) takes this lock, and so do the commands that
/// change the data dir under a server (migrate, restore); commands that only read or touch
/// accounts work through SQLite, which coordinates processes itself.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes the lock or explains who has it.
    pub fn acquire(dir: &Path) -> Result<DataDirLock, Error> {
        let path = dir.join("rezerve.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::internal(format!("cannot open {}: {e}", path.display())))?;
        // A lock that was just let go can still be held for a moment: a child process
        // forked by this one (a test's, or a hook's) keeps a copy of the descriptor until its
        // exec closes it. So a busy lock is tried again for up to a second before it counts.
        let mut tries = 0;
        let locked = loop {
            match file.try_lock() {
                Err(fs::TryLockError::WouldBlock) if tries < 20 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => break other,
            }
        };
        match locked {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(Conflict::DataDirLocked {
                dir: dir.display().to_string(),
            }
            .into()),
            Err(fs::TryLockError::Error(e)) => Err(Error::internal(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }
}
