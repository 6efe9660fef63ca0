//! The `rezerve` binary: parse the command line and hand over to [`rezerve::cli::run`].

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = rezerve::cli::Cli::parse();
    rezerve::cli::run(cli)
}
