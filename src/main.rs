//! The `ewaste-ledger` binary: parse the command line, start logging, run, map errors to exit
//! codes. Everything else lives in the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = ewaste_ledger::cli::Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal: piped or redirected logs stay plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match cli.log_format {
        ewaste_ledger::cli::LogFormat::Json => logs.json().init(),
        ewaste_ledger::cli::LogFormat::Text => logs.init(),
    }
    match ewaste_ledger::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(ewaste_ledger::cli::exit_code(&error))
        }
    }
}
