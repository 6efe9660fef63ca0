//! TLS for the console on a venue's LAN. Browsers keep `Secure` cookies and the camera API
//! for secure contexts only, so a box serving staff phones needs HTTPS: either the operator's
//! own PEM certificate and key (`server.tls_cert`/`server.tls_key`), or, with
//! `server.tls = "self-signed"`, a certificate for the box's hostnames generated once into
//! `<data_dir>/tls/` (0600) whose SHA-256 fingerprint `serve` prints, so staff can check it
//! when their phone asks to trust it. rustls with ring: no OpenSSL anywhere.

use crate::config::{Config, TlsMode};
use crate::error::Error;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Apple's limit for a TLS server certificate's lifetime, which phones enforce even for
/// certificates a user trusted by hand.
const SELF_SIGNED_DAYS: i64 = 825;
/// A generated certificate this old is replaced (with a new fingerprint) before it lapses.
const RENEW_AFTER_DAYS: u64 = 800;

/// How this server speaks TLS.
#[derive(Clone)]
pub struct TlsSetup {
    pub acceptor: tokio_rustls::TlsAcceptor,
    /// SHA-256 of the certificate, `AB:CD:…`, as browsers show it.
    pub fingerprint: String,
    pub cert_path: PathBuf,
    /// True when this start generated the certificate.
    pub generated: bool,
}

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSetup")
            .field("fingerprint", &self.fingerprint)
            .field("cert_path", &self.cert_path)
            .finish()
    }
}

/// Where the self-signed certificate and key live.
pub fn self_signed_paths(data_dir: &Path) -> (PathBuf, PathBuf) {
    let dir = data_dir.join("tls");
    (dir.join("cert.pem"), dir.join("key.pem"))
}

/// The TLS setup the configuration asks for, or `None` for plain HTTP. Blocking (files,
/// key generation): call at start-up.
pub fn load(config: &Config) -> Result<Option<TlsSetup>, Error> {
    let server = &config.server;
    let (cert_path, key_path, generated) = match (&server.tls_cert, &server.tls_key, server.tls) {
        (Some(cert), Some(key), _) => (cert.clone(), key.clone(), false),
        (_, _, TlsMode::Off) => return Ok(None),
        (_, _, TlsMode::SelfSigned) => {
            let (cert, key) = self_signed_paths(&config.storage.data_dir);
            let generated = ensure_self_signed(&cert, &key, &server.listen)?;
            (cert, key, generated)
        }
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            Error::internal(format!(
                "server.tls_cert: cannot read a PEM certificate from {}: {e}",
                cert_path.display()
            ))
        })?;
    let first = certs.first().ok_or_else(|| {
        Error::internal(format!(
            "server.tls_cert: {} holds no certificate",
            cert_path.display()
        ))
    })?;
    let fingerprint = fingerprint(first.as_ref());
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| {
        Error::internal(format!(
            "server.tls_key: cannot read a PEM private key from {}: {e}",
            key_path.display()
        ))
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("tls: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            Error::internal(format!(
                "server.tls_cert/server.tls_key: the key does not fit the certificate or is unsupported: {e}"
            ))
        })?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(TlsSetup {
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(tls)),
        fingerprint,
        cert_path,
        generated,
    }))
}

/// `AB:CD:…` over SHA-256 of a DER certificate.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The names a box answers to on a LAN: localhost, its hostname (and `.local` for mDNS),
/// the loopback addresses and the configured listen address when it names one.
fn hostnames(listen: &str) -> Vec<String> {
    let mut names = vec!["localhost".to_string()];
    let host = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    if !host.is_empty() && host != "localhost" {
        names.push(host.clone());
        if !host.contains('.') {
            names.push(format!("{host}.local"));
        }
    }
    names.push("127.0.0.1".into());
    names.push("::1".into());
    if let Ok(addr) = listen.parse::<std::net::SocketAddr>()
        && !addr.ip().is_unspecified()
        && !addr.ip().is_loopback()
    {
        names.push(addr.ip().to_string());
    }
    names
}

/// Generates the self-signed certificate unless a fresh one exists; true when it did.
fn ensure_self_signed(cert_path: &Path, key_path: &Path, listen: &str) -> Result<bool, Error> {
    let fresh = fs::metadata(cert_path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age.as_secs() < RENEW_AFTER_DAYS * 24 * 3600);
    if fresh && key_path.exists() {
        return Ok(false);
    }
    let names = hostnames(listen);
    let mut params = rcgen::CertificateParams::new(names)
        .map_err(|e| Error::internal(format!("tls: bad hostname for the certificate: {e}")))?;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(SELF_SIGNED_DAYS);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Rezerve (self-signed)");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate()
        .map_err(|e| Error::internal(format!("tls: cannot generate a key: {e}")))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| Error::internal(format!("tls: cannot sign the certificate: {e}")))?;
    if let Some(dir) = cert_path.parent() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::internal(format!("cannot create {}: {e}", dir.display())))?;
    }
    write_private(key_path, key.serialize_pem().as_bytes())?;
    write_private(cert_path, cert.pem().as_bytes())?;
    tracing::info!(cert = %cert_path.display(), "generated a self-signed TLS certificate");
    Ok(true)
}

/// Writes a file readable by its owner only, replacing any previous one whole.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let partial = path.with_extension("partial");
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .map_err(|e| Error::internal(format!("cannot write {}: {e}", partial.display())))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::internal(format!("cannot write {}: {e}", partial.display())))?;
    fs::rename(&partial, path)
        .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))
}
