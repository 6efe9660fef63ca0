//! The redb hold store: the file, its table definitions and its open/close lifecycle.
//!
//! Holds are short-lived but durable: a restart must not forget them. The hold tables
//! themselves belong to `inventory`; this module only owns the file and its format version.

use crate::error::Error;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use std::path::Path;
use std::sync::Arc;

/// Format metadata of the hold store.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// The page cache of the hold store. Hold ids, expiries and end times are time-ordered, so
/// commits touch the right-hand edges of their b-trees and the sweeper and pruner the
/// left-hand ones: a few MiB hold every page in use. Pages written once are cached too, so
/// a bigger cache only filled with ended holds nobody reads (16 MiB cost 18 MiB of peak RSS
/// in the load bench, for the same CPU per hold).
const CACHE_BYTES: usize = 4 * 1024 * 1024;

/// The layout version this build writes; a newer file is refused rather than misread.
/// 1: JSON records, with expiry and ended indexes. 2: postcard records, no indexes; the
/// inventory upgrades a format 1 file in place when it starts its store (and an older
/// build then refuses the file rather than misreading its records). 3: records with their
/// ids packed. 4: hold records without their id (their key) and with a fixed-width end,
/// seat changes with a one-byte kind. Records of formats 1 to 3 are still read.
pub const FORMAT_VERSION: u64 = 4;

/// A handle on the open hold store.
#[derive(Clone)]
pub struct HoldDb {
    db: Arc<Database>,
}

impl std::fmt::Debug for HoldDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HoldDb")
    }
}

impl HoldDb {
    /// Opens (or creates) the file and checks its format version. Blocking: call at start-up
    /// or from a blocking thread.
    pub fn open(path: &Path) -> Result<HoldDb, Error> {
        // redb caches up to 1 GiB by default; holds are few and small, and a Raspberry Pi
        // has little memory to spare.
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .map_err(|e| Error::internal(format!("cannot open {}: {e}", path.display())))?;
        let tx = db.begin_write().map_err(redb::Error::from)?;
        {
            let mut meta = tx.open_table(META).map_err(redb::Error::from)?;
            let found = meta
                .get("format_version")
                .map_err(redb::Error::from)?
                .map(|v| v.value());
            match found {
                Some(v) if v > FORMAT_VERSION => {
                    return Err(Error::internal(format!(
                        "{} has format version {v}, newer than this build understands ({FORMAT_VERSION}); upgrade rezerve",
                        path.display()
                    )));
                }
                Some(_) => {}
                None => {
                    meta.insert("format_version", FORMAT_VERSION)
                        .map_err(redb::Error::from)?;
                }
            }
        }
        tx.commit().map_err(redb::Error::from)?;
        Ok(HoldDb { db: Arc::new(db) })
    }

    /// The underlying database, for the domains that define tables in it.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The stored format version.
    pub fn format_version(&self) -> Result<Option<u64>, Error> {
        let tx = self.db.begin_read().map_err(redb::Error::from)?;
        let meta = match tx.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(redb::Error::from(e).into()),
        };
        Ok(meta
            .get("format_version")
            .map_err(redb::Error::from)?
            .map(|v| v.value()))
    }
}

/// Records that the file now has this build's layout, in the transaction that made it so.
pub fn record_format_version(tx: &WriteTransaction) -> Result<(), Error> {
    tx.open_table(META)
        .map_err(redb::Error::from)?
        .insert("format_version", FORMAT_VERSION)
        .map_err(redb::Error::from)?;
    Ok(())
}
