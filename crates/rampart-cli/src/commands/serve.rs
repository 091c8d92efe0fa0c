//! `rampart serve`: run the gateway.

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Serve the OpenAI- and Anthropic-compatible gateway.
///
/// Logs are JSON lines on standard error (`RAMPART_LOG=debug` for more). SIGHUP or an edit
/// of the config file reloads it; a config that does not validate is refused and the old
/// one keeps serving. Ctrl-C or SIGTERM stops gracefully.
///
/// Example: `rampart serve --config examples/quickstart.toml`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The gateway config file (TOML).
    #[arg(long, short, env = "RAMPART_CONFIG")]
    config: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    rampart_gateway::init_logging();
    let config = rampart_gateway::Config::load(&args.config)?;
    rampart_gateway::serve_blocking(config, rampart_gateway::Seams::default())
        .with_context(|| format!("serving {}", args.config.display()))?;
    Ok(ExitCode::SUCCESS)
}
