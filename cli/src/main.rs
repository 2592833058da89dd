//! `nephro`: the NephroDiary command line for clinicians and developers.
//!
//! `nephro eval CASE.json` runs one conformance case; `nephro demo` builds a sample diary of a
//! fictional child and prints its summary.

mod demo;
mod eval;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// NephroDiary: dosing, steroid tapers, urine protein and labs for children with nephrotic syndrome.
#[derive(Parser)]
#[command(name = "nephro", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate one conformance case and print the engine's output as JSON.
    Eval {
        /// The case file (see shared/spec/conformance.md).
        case: PathBuf,
    },
    /// Create (or refresh) a sample diary of a fictional child and print its summary.
    Demo {
        /// The diary file to write.
        #[arg(long, default_value = "nephro-demo.db")]
        db: PathBuf,
        /// The demo's "today" (YYYY-MM-DD); defaults to the current date.
        #[arg(long)]
        today: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Eval { case } => return eval::run(&case),
        Command::Demo { db, today } => demo::run(&db, today.as_deref()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nephro: {e}");
            ExitCode::FAILURE
        }
    }
}
