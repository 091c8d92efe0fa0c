//! `rampart completions SHELL`: print a shell completion script.

use clap::Command;
use clap_complete::Shell;
use std::process::ExitCode;

/// Print a completion script for your shell.
///
/// Example: `rampart completions bash > /etc/bash_completion.d/rampart`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to generate completions for.
    shell: Shell,
}

pub fn run(args: Args, cmd: &mut Command) -> anyhow::Result<ExitCode> {
    clap_complete::generate(args.shell, cmd, "rampart", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
