//! `rampart`: the command-line entry point. Glue only: every subcommand parses its
//! arguments and calls into a library crate.

mod commands;
mod terminal;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

/// mimalloc rather than the system allocator: cheaper small allocations across threads,
/// which is most of what a proxied request does (see the comment in `Cargo.toml`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rampart: a security platform for AI systems.
///
/// Put every LLM call behind a gateway that blocks prompt injection and redacts personal
/// data and secrets (`serve`), refuse malicious model files before anyone loads them
/// (`scan`), and run the same guard engine on files in CI (`guard`).
#[derive(Debug, Parser)]
#[command(
    name = "rampart",
    version,
    propagate_version = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Serve(commands::serve::Args),
    Scan(commands::scan::Args),
    Guard(commands::guard::Args),
    Keys(commands::keys::Args),
    Audit(commands::audit::Args),
    Config(commands::config::Args),
    Policy(commands::policy::Args),
    Mcp(commands::mcp::Args),
    Completions(commands::completions::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Scan(args) => commands::scan::run(args),
        Command::Guard(args) => commands::guard::run(args),
        Command::Keys(args) => commands::keys::run(args),
        Command::Audit(args) => commands::audit::run(args),
        Command::Config(args) => commands::config::run(args),
        Command::Policy(args) => commands::policy::run(args),
        Command::Mcp(args) => commands::mcp::run(args),
        Command::Completions(args) => commands::completions::run(args, &mut Cli::command()),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // Error chains quote file contents, names and remote answers.
            eprintln!("error: {}", terminal::escape_text(&format!("{err:#}")));
            ExitCode::from(2)
        }
    }
}
