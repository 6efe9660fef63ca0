//! `rezerve seed demo`: fill the catalog with demo venues, events and accounts.

use crate::app::App;
use crate::config::Config;
use std::process::ExitCode;

/// Seeds the demo data set and prints the demo accounts' passwords once.
pub(super) async fn demo(config: Config) -> anyhow::Result<ExitCode> {
    // The server keeps seat state in memory: seeding beside a running server is refused.
    let app = App::build(config).await?;
    crate::seed::demo(&app, &mut std::io::stdout()).await?;
    app.close().await;
    Ok(ExitCode::SUCCESS)
}
