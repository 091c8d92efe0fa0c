//! `rampart mcp`: the MCP proxy (glue over `rampart-mcp`).

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Proxy MCP servers with tool pinning, per-tool policy and guarded results.
///
/// Serves Streamable HTTP at `http://<[mcp] listen>/mcp` (clients send `Authorization:
/// Bearer <Rampart key or OIDC token>`), or speaks stdio to one client with `--stdio`.
/// The config is the one of `rampart serve` plus `[mcp]` and `[[mcp.servers]]`; tools are
/// exposed as `<server>__<tool>`.
///
/// Example: `rampart mcp --config examples/mcp.toml --stdio`
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// The config file (TOML) with `[mcp]`.
    #[arg(long, short, env = "RAMPART_CONFIG")]
    config: Option<PathBuf>,
    /// Speak MCP on standard input and output to one client instead of serving HTTP.
    #[arg(long)]
    stdio: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Write the lock file (`[mcp] lock_file`) from the servers' current tool definitions,
    /// for a reviewer to commit. Approves every tool listed now.
    Lock {
        /// The config file (TOML) with `[mcp]`.
        #[arg(long, short, env = "RAMPART_CONFIG")]
        config: PathBuf,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    rampart_gateway::init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("rampart-mcp")
        .build()
        .context("starting the async runtime")?;
    match args.action {
        Some(Action::Lock { config }) => runtime.block_on(lock(&config)),
        None => {
            let Some(config) = args.config else {
                anyhow::bail!("name the config file: `rampart mcp --config FILE [--stdio]`");
            };
            runtime
                .block_on(serve(&config, args.stdio))
                .with_context(|| format!("serving MCP with {}", config.display()))
        }
    }
}

fn load(path: &std::path::Path) -> anyhow::Result<rampart_gateway::Config> {
    let config = rampart_gateway::Config::load(path)?;
    if config.mcp.is_none() {
        anyhow::bail!(
            "{} has no [mcp] section: add `[mcp]` and at least one `[[mcp.servers]]` (see docs/mcp.md)",
            path.display()
        );
    }
    Ok(config)
}

async fn lock(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let config = load(path)?;
    let Some(lock_file) = config.mcp_lock_file() else {
        anyhow::bail!("set `[mcp] lock_file` to say where the lock file goes");
    };
    let upstreams = rampart_mcp::upstream::Upstream::all_from_config(&config)?;
    let lock = rampart_mcp::proxy::snapshot(&upstreams)
        .await
        .context("listing the servers' tools")?;
    lock.write(&lock_file)?;
    for (server, tools) in &lock.servers {
        println!("{server}: {} tools pinned", tools.len());
    }
    println!("wrote {}", lock_file.display());
    Ok(ExitCode::SUCCESS)
}

async fn serve(path: &std::path::Path, stdio: bool) -> anyhow::Result<ExitCode> {
    use rampart_gateway::Seams;
    // The same file as `rampart serve`: provider credentials that name a secrets manager
    // are fetched when the runtime is built, as there.
    rampart_gateway::secrets::install_resolver(Arc::new(rampart_server::secrets::ManagedSecrets));
    let config = load(path)?;
    let Some(mcp) = config.mcp.clone() else {
        anyhow::bail!("no [mcp] section");
    };
    let authenticator = if stdio {
        None
    } else {
        let keyring = rampart_identity::Keyring::open(config.storage.url.as_str())
            .await
            .context("opening the key store of [storage] url")?;
        Some(super::serve::authenticators(&config, keyring)?.0)
    };
    let addr = config.mcp_listen_addr()?;
    let pins = rampart_mcp::pinning::Pins::load(mcp.pinning, config.mcp_lock_file())?;
    let upstreams = rampart_mcp::upstream::Upstream::all_from_config(&config)?;
    // The guard and the `[authz]` policies as `rampart serve` builds them.
    let seams = Seams {
        authenticator: authenticator.clone(),
        limiter: None,
        audit: None,
        semantic: Some(Arc::new(rampart_server::SemanticModelLoader::new())),
        authorizer: Some(Arc::new(rampart_server::PolicyLoader)),
        admin: None,
    };
    let http_settings = rampart_mcp::serve_http::HttpSettings::from_config(&config);
    let runtime = rampart_gateway::runtime::Runtime::build(config, &seams)?;
    let proxy = Arc::new(rampart_mcp::Proxy::new(
        upstreams,
        pins,
        runtime.guard.clone(),
        runtime.authorizer.clone(),
    ));
    match authenticator {
        None => {
            rampart_mcp::serve_stdio::serve_stdio(
                proxy,
                tokio::io::stdin(),
                tokio::io::stdout(),
                mcp.max_message_bytes,
            )
            .await?;
        }
        Some(authenticator) => {
            rampart_mcp::serve_http::serve_http(
                proxy,
                authenticator,
                addr,
                http_settings,
                rampart_gateway::shutdown_signal(),
            )
            .await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
