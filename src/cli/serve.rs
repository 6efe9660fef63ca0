//! `rezerve serve`: build the app, optionally seed demo data, listen and serve until a
//! terminate signal.

use crate::app::App;
use crate::config::Config;
use anyhow::Context;
use std::process::ExitCode;

/// Serves on the configured address until SIGTERM/ctrl-c; `demo` seeds an empty catalog first.
pub(super) async fn serve(config: Config, demo: bool) -> anyhow::Result<ExitCode> {
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
