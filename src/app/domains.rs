//! The stores every process opens and the domain handles over them ([`Core`]): what every
//! CLI verb and the server share. The server adds the live index, the saga, pricing and the
//! workers on top (`App`).

use crate::auth::Auth;
use crate::auth::password::PasswordHasherConfig;
use crate::auth::token::Tokens;
use crate::catalog::Catalog;
use crate::catalog::live::LiveSeats;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::error::Error;
use crate::notify::Notifier;
use crate::store::{self, Secrets, Sqlite};
use std::sync::Arc;

/// The domains over an open SQLite database: what every CLI verb and the server share.
#[derive(Clone)]
pub struct Core {
    pub config: Config,
    pub clock: SharedClock,
    pub sqlite: Sqlite,
    pub auth: Auth,
    pub catalog: Catalog,
    pub secrets: Secrets,
}

/// The stores every process opens first: SQLite (migrated), the secrets, the password
/// hasher. Kept apart from [`Core`] so the server can open its live index over SQLite
/// before it builds the domain handles, in one pass.
pub struct OpenedStores {
    pub(super) sqlite: Sqlite,
    secrets: Secrets,
    hasher: PasswordHasherConfig,
}

impl OpenedStores {
    /// Creates the data dir and secrets if needed and opens SQLite, applying migrations.
    pub async fn open(config: &Config) -> Result<OpenedStores, Error> {
        let data_dir = config.storage.data_dir.clone();
        let auth_config = config.auth.clone();
        let prepared = config.clone();
        tokio::task::spawn_blocking(move || {
            store::ensure_data_dir(&data_dir)?;
            let secrets = Secrets::load_or_create(&prepared)?;
            let sqlite = Sqlite::open(&store::sqlite_path(&data_dir))?;
            let hasher = PasswordHasherConfig::new(&auth_config)?;
            Ok::<_, Error>(OpenedStores {
                sqlite,
                secrets,
                hasher,
            })
        })
        .await
        .map_err(Error::internal)?
    }
}

impl Core {
    /// Creates the data dir and secrets if needed, opens SQLite (applying migrations) and
    /// builds the domain handles, with no live seat index (CLI processes).
    pub async fn open(config: Config, clock: SharedClock) -> Result<Core, Error> {
        let stores = OpenedStores::open(&config).await?;
        Ok(Core::assemble(config, clock, stores, None))
    }

    /// Builds the domain handles over opened stores; `live` is the server's seat index.
    pub fn assemble(
        config: Config,
        clock: SharedClock,
        stores: OpenedStores,
        live: Option<Arc<dyn LiveSeats>>,
    ) -> Core {
        let OpenedStores {
            sqlite,
            secrets,
            hasher,
        } = stores;
        let tokens = Tokens::new(
            &secrets.token_key,
            &config.auth.issuer,
            config.auth.token_ttl_seconds,
        );
        let auth = Auth::new(
            sqlite.clone(),
            tokens,
            hasher,
            Arc::clone(&clock),
            crate::auth::throttle::LoginLimits::from_config(&config.auth),
            config.console.clone(),
        );
        let catalog = Catalog::new(sqlite.clone(), Arc::clone(&clock), live);
        Core {
            config,
            clock,
            sqlite,
            auth,
            catalog,
            secrets,
        }
    }

    /// The notifier for `[mail]` (the CLI's `mail` verbs use it without a server).
    pub fn notifier(&self) -> Result<Notifier, Error> {
        Notifier::new(
            self.sqlite.clone(),
            Arc::clone(&self.clock),
            &self.config.mail,
            &self.config.storage.data_dir,
        )
    }

    /// Lets the SQLite writer commit what it has and stops it.
    pub async fn close(&self) {
        let sqlite = self.sqlite.clone();
        let _ = tokio::task::spawn_blocking(move || sqlite.close()).await;
    }
}
