//! `rampart config`: check a gateway config without serving it, print its JSON Schema.

use std::path::PathBuf;
use std::process::ExitCode;

/// Work with gateway config files.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Parse and validate a config file (environment variables included) without serving.
    ///
    /// Exits 0 when the file is valid, 1 when it is not (the error names the key and the
    /// line). Example: `rampart config check examples/quickstart.toml`
    Check {
        /// The config file.
        file: PathBuf,
    },
    /// Print the JSON Schema of the config file (also committed as
    /// `docs/config.schema.json`), for editors that complete and check TOML.
    ///
    /// Example: `rampart config schema > config.schema.json`, then start the config with
    /// `#:schema ./config.schema.json` (Taplo / Even Better TOML).
    Schema,
}

/// The sinks of `[events]`, built as `serve` builds them but not started.
fn check_events(
    config: &rampart_gateway::Config,
    file: &std::path::Path,
) -> Result<(), rampart_gateway::config::ConfigError> {
    let invalid = |message: String| rampart_gateway::config::ConfigError::Invalid {
        location: file.display().to_string(),
        message,
    };
    let settings = rampart_server::events::settings(config).map_err(|e| invalid(e.to_string()))?;
    for s in &settings {
        rampart_events::sinks::build(s).map_err(|e| invalid(e.to_string()))?;
    }
    Ok(())
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Schema => {
            print!("{}", rampart_gateway::config_schema::json_schema_text());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { file } => match rampart_gateway::Config::load(&file).and_then(|c| {
            // The semantic and policy loaders `serve` uses, so that a model file
            // `[guard.semantic]` cannot load, or a policy of `[authz]` that is not valid,
            // is reported here too; `serve`'s limiter, in memory (a check connects to no
            // Redis), so that `[auth.brute_force]` finds its counters.
            let limiter = rampart_server::limit_backend::in_memory(&c);
            // `[events]`: each sink as `serve` builds it (its secret read from the
            // environment, its CA file loaded), without connecting.
            check_events(&c, &file)?;
            // Provider credentials kept in a secrets manager are fetched, as at start.
            rampart_gateway::secrets::install_resolver(std::sync::Arc::new(
                rampart_server::secrets::ManagedSecrets,
            ));
            let seams = rampart_gateway::Seams {
                authenticator: None,
                limiter: Some(std::sync::Arc::new(limiter)),
                audit: None,
                semantic: Some(std::sync::Arc::new(
                    rampart_server::SemanticModelLoader::new(),
                )),
                authorizer: Some(std::sync::Arc::new(rampart_server::PolicyLoader)),
                admin: None,
            };
            rampart_gateway::runtime::Runtime::build(c, &seams).map(|_| ())
        }) {
            Ok(()) => {
                println!("{}: ok", file.display());
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("error: {}", crate::terminal::escape_text(&e.to_string()));
                Ok(ExitCode::from(1))
            }
        },
    }
}
