//! `rampart scan`: not wired yet.

use std::process::ExitCode;

/// Not available yet in this build.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`rampart scan` is not available yet in this build")
}
