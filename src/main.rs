//! The `rezerve` binary: parse the command line and hand over to [`rezerve::cli::run`].

use clap::Parser;

fn main() -> std::process::ExitCode {
    // First, while the process is one thread: may start it again with malloc settled.
    rezerve::cli::malloc::settle();
    let cli = rezerve::cli::Cli::parse();
    rezerve::cli::run(cli)
}
