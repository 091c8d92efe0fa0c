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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("rampart")
        .build()
        .context("starting the async runtime")?;
    runtime
        .block_on(serve(config))
        .with_context(|| format!("serving {}", args.config.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// Audit records buffered between the request path and the SQLite writer.
const AUDIT_BUFFER: usize = 16_384;

/// Serves with the control plane behind the seams: keys from `rampart keys create` (and
/// the config's static `[[auth.keys]]`), GCRA limits per key and tenant (in memory or in
/// Redis, `[limits] backend`), and the hash-chained audit log in the database of
/// `[storage] url`.
async fn serve(config: rampart_gateway::Config) -> anyhow::Result<()> {
    use rampart_gateway::Seams;
    use rampart_server::AuditLogSink;
    use std::sync::Arc;

    // Provider credentials that name a secrets manager (`[secrets]`) are fetched by
    // the control plane's resolver when each runtime is built.
    rampart_gateway::secrets::install_resolver(Arc::new(rampart_server::secrets::ManagedSecrets));
    let url = config.storage.url.as_str().to_owned();
    let keyring = rampart_identity::Keyring::open(&url)
        .await
        .context("opening the key store of [storage] url")?;
    let audit_store = rampart_audit::store::open(&url)
        .await
        .context("opening the audit log of [storage] url")?;
    // With `[audit] checkpoint_key`, checkpoints of the Merkle tree are signed as the
    // writer appends.
    let audit_store = super::audit::checkpointing(&config, audit_store).await?;
    let spool_path = config.audit.spool_path.get_ref().as_str().to_owned();
    let spool = rampart_audit::Spool::open(&spool_path, *config.audit.spool_max_bytes.get_ref())
        .with_context(|| format!("opening the audit spool of [audit] spool_path ({spool_path})"))?;
    let (writer, writer_task) = rampart_audit::AuditWriter::spawn_with_spool(
        audit_store.clone(),
        AUDIT_BUFFER,
        Arc::new(spool),
    );

    // `[events]`: security events to SIEM/SOAR sinks, each with its own spool and worker.
    let events =
        rampart_server::events::start(&config).context("starting the sinks of [events]")?;

    let (authenticator, oidc) = authenticators(&config, keyring.clone())?;
    // `[auth.suspend]` suspends keys of this store.
    let limiter = rampart_server::limit_backend::build(&config)
        .await
        .context("opening the limiter of [limits]")?
        .with_keyring(keyring.clone());
    // The admin API (`/admin/v1/…`) on the admin listener, when there is one: admin keys
    // of the key store and the same OpenID issuers, decided by the admin policies.
    let mut gateway_reload = None;
    // `[authz]`: Cedar policies, when the section is present.
    let mut authorizer: Arc<dyn rampart_gateway::authz::AuthorizerLoader> =
        Arc::new(rampart_server::PolicyLoader);
    let admin = match &config.server.admin {
        Some(_) => {
            let policies = rampart_server::admin::caller::AdminPolicies::for_config(&config)
                .context(
                    "loading the admin policies ([authz] policy_dir, else the built-in ones)",
                )?;
            gateway_reload = Some(policies.gateway_reload());
            // SIGHUP and config edits reload the admin API's policies with the gateway's.
            authorizer = Arc::new(policies.following(authorizer));
            let api = rampart_server::AdminApi::new(keyring, audit_store, policies)
                .with_tokens(oidc)
                .with_tenant_limits(rampart_server::admin::TenantLimit::from_config(&config))
                .with_events(events.clone());
            Some(api.router())
        }
        None => None,
    };
    let seams = Seams {
        authenticator: Some(authenticator),
        limiter: Some(Arc::new(limiter)),
        audit: Some(Arc::new(
            AuditLogSink::new(writer.clone()).with_events(events.clone()),
        )),
        // `[guard.semantic]`: on by default when the model is installed.
        semantic: Some(Arc::new(rampart_server::SemanticModelLoader::new())),
        authorizer: Some(authorizer),
        admin,
    };
    let served = async {
        let server = rampart_gateway::Server::new(config, seams)?;
        if let Some(hook) = gateway_reload {
            // A policy set activated through the admin API reaches the data plane too.
            let shared = server.shared();
            let _ = hook.set(Box::new(move || shared.reload().map_err(|e| e.to_string())));
        }
        server.serve(rampart_gateway::shutdown_signal()).await
    }
    .await;
    // Requests are over: store or spool what is still buffered before the process exits.
    if !writer.drain(std::time::Duration::from_secs(10)).await {
        eprintln!(
            "warning: {} audit records were still unwritten at shutdown",
            writer.stats().pending()
        );
    }
    drop(writer);
    drop(writer_task);
    // Events not yet delivered stay in their sinks' spools for the next start.
    if !events.drain(std::time::Duration::from_secs(5)).await {
        eprintln!(
            "warning: some security events were not delivered before shutdown; they wait in the sinks' spools"
        );
    }
    Ok(served?)
}

/// Who is calling, as `rampart serve` and `rampart mcp` decide it: HTTP Basic logins of
/// `[auth.ldap]` and bearer JWTs of `[[auth.oidc]]` first (neither is ever a key), then
/// the static `[[auth.keys]]`, then the key store; a reload reconfigures each. Tokens
/// without groups may get theirs from the directory. Also returns the OpenID part on its
/// own: the admin API accepts the same issuers' tokens, through the same key-set caches.
pub(crate) fn authenticators(
    config: &rampart_gateway::Config,
    keyring: rampart_identity::Keyring,
) -> anyhow::Result<(
    std::sync::Arc<dyn rampart_gateway::Authenticator>,
    std::sync::Arc<dyn rampart_gateway::Authenticator>,
)> {
    use rampart_gateway::{Authenticator, StaticKeys};
    use std::sync::Arc;
    let ldap = Arc::new(
        rampart_server::LdapAuthenticator::from_config(config)
            .context("setting up the directory of [auth.ldap]")?,
    );
    let oidc: Arc<dyn Authenticator> = Arc::new(
        rampart_server::OidcAuthenticator::from_config(config)
            .context("setting up the issuers of [[auth.oidc]]")?
            .with_directory_groups(ldap.clone()),
    );
    let static_keys = StaticKeys::from_config(&config.auth);
    let first: Vec<Arc<dyn Authenticator>> = vec![ldap, oidc.clone(), Arc::new(static_keys)];
    let stored = rampart_server::KeyringAuthenticator::new(keyring)
        .after(Arc::new(rampart_gateway::ChainAuthenticator(first)));
    Ok((Arc::new(stored), oidc))
}
