//! Secrets generated into the data dir on first run: the token signing key and the webhook
//! HMAC secret. Files are created 0600 and never logged; a value set in the config wins.

use crate::config::Config;
use crate::error::Error;
use base64::Engine;
use rand::RngCore;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// The process's secrets, loaded once at start-up.
#[derive(Clone)]
pub struct Secrets {
    /// HS256 key for account tokens (256 random bits).
    pub token_key: Vec<u8>,
    /// HMAC-SHA256 secret shared with the webhook payment gateway.
    pub webhook_secret: Vec<u8>,
    /// Ed25519 seed that signs ticket codes (256 random bits).
    pub ticket_seed: [u8; 32],
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(***)")
    }
}

impl Secrets {
    /// Loads the secrets under `<data_dir>/secrets`, creating any that are missing.
    pub fn load_or_create(config: &Config) -> Result<Secrets, Error> {
        let dir = config.storage.data_dir.join("secrets");
        if !dir.exists() {
            fs::DirBuilder::new()
                .mode(0o700)
                .create(&dir)
                .map_err(|e| Error::internal(format!("cannot create {}: {e}", dir.display())))?;
        }
        let token_key = load_or_create_file(&dir.join("token_key"))?;
        let webhook_secret = match &config.payments.webhook_secret {
            Some(secret) => secret.0.as_bytes().to_vec(),
            None => load_or_create_file(&dir.join("webhook_secret"))?,
        };
        let seed = load_or_create_file(&dir.join("ticket_signing_key"))?;
        let ticket_seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| Error::internal("secrets/ticket_signing_key must hold 32 bytes"))?;
        Ok(Secrets {
            token_key,
            webhook_secret,
            ticket_seed,
        })
    }
}

/// Reads a base64 secret, or writes a new random one with `create_new` so two processes
/// starting at once cannot both win.
fn load_or_create_file(path: &Path) -> Result<Vec<u8>, Error> {
    let decode = |text: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| Error::internal(format!("{} is not valid base64", path.display())))
    };
    match fs::read_to_string(path) {
        Ok(text) => return decode(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Error::internal(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    }
    let mut bytes = vec![0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let created = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match created {
        Ok(mut file) => {
            file.write_all(encoded.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
            Ok(bytes)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = fs::read_to_string(path)
                .map_err(|e| Error::internal(format!("cannot read {}: {e}", path.display())))?;
            decode(&text)
        }
        Err(e) => Err(Error::internal(format!(
            "cannot create {}: {e}",
            path.display()
        ))),
    }
}
