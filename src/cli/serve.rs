//! `rezerve serve`: build the app, optionally seed demo data, listen and serve until a
//! terminate signal. Prints where to go: the metrics for Prometheus, the API docs, the staff
//! console, the first-run setup link while no admin exists, and the TLS certificate's
//! fingerprint.

use crate::app::App;
use crate::config::Config;
use anyhow::Context;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

/// Serves on the configured address until SIGTERM/ctrl-c; `demo` seeds an empty catalog first.
pub(super) async fn serve(config: Config, demo: bool) -> anyhow::Result<ExitCode> {
    let addr = config.listen_addr()?;
    let metrics_addr = config.metrics_addr()?;
    let app = App::build(config).await?;
    if demo {
        crate::seed::demo(&app, &mut std::io::stdout()).await?;
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let metrics = tokio::net::TcpListener::bind(metrics_addr)
        .await
        .with_context(|| format!("cannot listen on {metrics_addr} (server.metrics_listen)"))?;
    // Before the "serving on" line, which scripts wait for: by then both addresses are known.
    println!(
        "Prometheus metrics: {}/metrics",
        base_url(metrics.local_addr()?, false)
    );
    let bound = listener.local_addr()?;
    let base = base_url(bound, app.tls().is_some());
    println!("Rezerve is serving on {base}/ (API docs: {base}/api/docs/)");
    println!("Staff console: {base}/admin/");
    if let Some(tls) = app.tls() {
        let how = if tls.generated { "generated" } else { "using" };
        println!(
            "TLS: {how} {} — SHA-256 fingerprint {}",
            tls.cert_path.display(),
            tls.fingerprint
        );
        println!(
            "     (check this fingerprint when a phone asks whether to trust the certificate)"
        );
    }
    if demo {
        println!(
            "Demo console sign-in: admin@demo.rezerve.test (admin) or staff@demo.rezerve.test (box office), \
             passwords as printed when they were created and in {}",
            app.core()
                .config
                .storage
                .data_dir
                .join("demo-credentials.txt")
                .display()
        );
    }
    if let Some(token) = app.core().auth.open_first_run_setup().await? {
        println!(
            "No admin account exists yet. Create the first one in your browser (works once, for an hour):"
        );
        println!("  {base}/admin/setup?token={token}");
        println!("  (or from the shell: rezerve user add --role admin --email you@example.com)");
    }
    app.serve(listener, Some(metrics), crate::shutdown::terminate_signal())
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// The URL people type: a wildcard address is reached as 127.0.0.1 on this machine.
fn base_url(bound: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    let mut shown = bound;
    if bound.ip().is_unspecified() {
        shown.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    format!("{scheme}://{shown}")
}
