//! Everything a request needs, compiled from one config: the guard, the providers, the
//! model routes and the three seams. A reload builds a new [`Runtime`] and swaps it in;
//! requests in flight keep the `Arc` of the one they started with.

use crate::audit::{AuditSink, LogAuditSink};
use crate::auth::{Authenticator, StaticKeys};
use crate::config::{Config, ConfigError};
use crate::external_classifier::HttpInjectionClassifier;
use crate::limit::Limiter;
use crate::routing::{Breaker, Deployment, ModelRoute};
use rampart_guard::Guard;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Implementations of the seams supplied by the caller (`rampart-server` wires
/// `rampart-identity` and `rampart-audit` behind them). `None` uses the built-in one:
/// the config's static keys, a JSON log line per request, and no limiter (refused for a
/// config that sets limits). They survive config reloads unchanged.
#[derive(Debug, Clone, Default)]
pub struct Seams {
    pub authenticator: Option<Arc<dyn Authenticator>>,
    pub limiter: Option<Arc<dyn Limiter>>,
    pub audit: Option<Arc<dyn AuditSink>>,
    /// Loads the semantic tier of `[guard.semantic]` (`rampart-server`'s reads
    /// `rampart-semantic` model files). `None`: the tier is off, and a config that
    /// requires it (`enabled = "on"`) is refused.
    pub semantic: Option<Arc<dyn crate::semantic::SemanticLoader>>,
    /// Loads the policies of `[authz]` (`rampart-server`'s reads Cedar files). `None`: a
    /// config with `[authz]` is refused rather than served without its policies.
    pub authorizer: Option<Arc<dyn crate::authz::AuthorizerLoader>>,
    /// Routes served on the admin listener (`[server.admin]`) beside health and metrics:
    /// `rampart serve` mounts `rampart-server`'s admin API (`/admin/v1/…`) here, so the
    /// gateway serves it without depending on identity, audit or policies. `None`: health
    /// and metrics only. Never served on the main listener.
    pub admin: Option<axum::Router>,
}

/// One compiled configuration.
#[derive(Debug)]
pub struct Runtime {
    pub config: Config,
    pub guard: Arc<Guard>,
    pub models: HashMap<String, ModelRoute>,
    /// Model names in config order, for `/v1/models`.
    pub model_names: Vec<String>,
    /// Alias → model name (`[[models]] aliases`).
    pub aliases: HashMap<String, String>,
    pub authenticator: Arc<dyn Authenticator>,
    pub limiter: Arc<dyn Limiter>,
    pub audit: Arc<dyn AuditSink>,
    /// Providers that accept a client's own key (`allow_client_key`).
    pub client_key_providers: Vec<String>,
    /// The OTLP trace exporter (`[telemetry] otlp_endpoint`).
    pub tracer: Option<crate::otlp::Tracer>,
    /// Samples the audit records of requests that never authenticated.
    pub unauthenticated: crate::audit::UnauthenticatedSampler,
    /// The policies of `[authz]`, when configured.
    pub authorizer: Option<Arc<dyn crate::authz::Authorizer>>,
    /// Each provider's kind (`openai`, …), by provider name, for the policies.
    pub provider_kinds: HashMap<String, String>,
    /// `[auth.brute_force]`, counted by the limiter's [`crate::abuse::AbuseTracker`].
    pub brute_force: Option<crate::abuse::BruteForce>,
    /// `[auth.suspend]` when enabled.
    pub suspension: Option<crate::abuse::Suspension>,
    /// Keeps the provider credentials that name a secrets manager fresh (`[secrets]`).
    pub secrets: Option<crate::secrets::Refresher>,
}

/// The LLM judge of `[guard.llm_judge]`: its own client of the provider of the model's
/// first deployment (validated to exist), so its connections live on its own thread.
fn build_judge(
    judge: &crate::config::LlmJudgeConfig,
    providers: &HashMap<
        String,
        (
            Arc<dyn crate::providers::Provider>,
            crate::config::ProviderConfig,
        ),
    >,
    models: &HashMap<String, ModelRoute>,
) -> Result<crate::llm_judge::LlmJudge, String> {
    let name = judge.model.get_ref();
    let deployment = models
        .get(name)
        .and_then(|m| m.deployments.first())
        .ok_or_else(|| format!("model `{name}` has no deployment"))?;
    let (_, provider_config) = providers
        .get(&deployment.provider_name)
        .ok_or_else(|| format!("no provider named `{}`", deployment.provider_name))?;
    let provider = crate::providers::build(provider_config)?;
    crate::llm_judge::LlmJudge::new(crate::llm_judge::JudgeSettings {
        name: format!("llm-judge:{name}"),
        provider,
        upstream_model: deployment.upstream_model.clone(),
        timeout: Duration::from_millis(*judge.timeout_ms.get_ref()),
        band: *judge.band.get_ref(),
        calls_per_minute: *judge.calls_per_minute.get_ref(),
        cache_entries: judge.cache_entries.min(1 << 20),
        max_chars: *judge.max_chars.get_ref(),
        roles: judge.roles.get_ref().clone(),
        on_error: match judge.on_error {
            crate::config::ExternalOnError::UseBuiltin => {
                rampart_guard::OnExternalError::UseBuiltIn
            }
            crate::config::ExternalOnError::Block => rampart_guard::OnExternalError::Fail,
        },
    })
}

impl Runtime {
    /// Compile `config` (already validated). Fails on what only building can find:
    /// unreadable policy files or CA bundles.
    pub fn build(config: Config, seams: &Seams) -> Result<Runtime, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            location: config
                .source
                .as_ref()
                .map_or_else(|| "config".into(), |p| p.display().to_string()),
            message,
        };
        // Fetched before any provider is used; a reference that cannot be fetched refuses
        // the config (on reload, the runtime in force keeps its values).
        let secrets = crate::secrets::Refresher::start(&config)
            .map_err(|e| invalid(format!("`secrets`: {e}")))?;
        let mut providers = HashMap::new();
        let mut client_key_providers = Vec::new();
        for p in &config.providers {
            let p = p.get_ref();
            let built = crate::providers::build(p)
                .map_err(|e| invalid(format!("provider `{}`: {e}", p.name.get_ref())))?;
            if p.allow_client_key {
                client_key_providers.push(p.name.get_ref().clone());
            }
            providers.insert(p.name.get_ref().clone(), (built, p.clone()));
        }
        let mut models = HashMap::new();
        let mut model_names = Vec::new();
        let mut aliases = HashMap::new();
        for m in &config.models {
            let m = m.get_ref();
            let name = m.name.get_ref().clone();
            for a in &m.aliases {
                aliases.insert(a.clone(), name.clone());
            }
            let mut deployments = Vec::new();
            for d in m.deployments() {
                let Some((provider, pc)) = providers.get(d.provider.get_ref()) else {
                    return Err(invalid(format!(
                        "model `{name}`: no provider named `{}`",
                        d.provider.get_ref()
                    )));
                };
                deployments.push(Arc::new(Deployment {
                    provider_name: d.provider.get_ref().clone(),
                    provider: provider.clone(),
                    upstream_model: d.upstream_model.clone(),
                    weight: d.weight,
                    max_retries: pc.max_retries,
                    attempt_timeout: pc.timeouts.attempt(),
                    breaker: Breaker::default(),
                }));
            }
            model_names.push(name.clone());
            models.insert(name.clone(), ModelRoute { name, deployments });
        }
        let policy = config.guard_policy()?;
        let mut guard = Guard::builder(policy.clone());
        if let Some(model) = config.injection_model(&policy)? {
            guard = guard.injection_model(model);
        }
        if let Some(settings) = config.external_settings()? {
            let client = HttpInjectionClassifier::new(settings)
                .map_err(|e| invalid(format!("`guard.external_classifier`: {e}")))?;
            guard = guard.external_injection(Arc::new(client));
        }
        if let Some(settings) = config.semantic_settings() {
            match &seams.semantic {
                Some(loader) => {
                    if let Some(scorer) = loader
                        .load(&settings)
                        .map_err(|e| config.semantic_error(e))?
                    {
                        guard = guard.semantic_injection(scorer);
                    }
                }
                None if settings.mode == crate::semantic::SemanticMode::On => {
                    return Err(config.semantic_error(
                        "this server was built without the semantic tier (`rampart serve` \
                         has it; an embedder passes `Seams::semantic`)",
                    ));
                }
                None => {}
            }
        }
        // After the classifier server (attached above): the judge, asked only inside its
        // band, sees the score the server left, so a text the server already flagged costs
        // no model call.
        if let Some(judge) = &config.guard.llm_judge {
            let judge = build_judge(judge.get_ref(), &providers, &models)
                .map_err(|e| invalid(format!("`guard.llm_judge`: {e}")))?;
            guard = guard.external_injection(Arc::new(judge));
        }
        let guard = guard
            .build()
            .map_err(|e| invalid(format!("`guard`: {e}")))?;
        let authenticator = seams
            .authenticator
            .clone()
            .unwrap_or_else(|| Arc::new(StaticKeys::from_config(&config.auth)));
        // `Server::new` puts `NoLimits` here when no limiter was supplied, and only for a
        // config without limits.
        let limiter = seams
            .limiter
            .clone()
            .unwrap_or_else(|| Arc::new(crate::limit::NoLimits));
        let brute_force = crate::abuse::BruteForce::from_config(&config);
        let suspension = crate::abuse::Suspension::from_config(&config);
        if (brute_force.is_some() || suspension.is_some()) && limiter.abuse().is_none() {
            let key = if brute_force.is_some() {
                "auth.brute_force"
            } else {
                "auth.suspend"
            };
            return Err(invalid(format!(
                "`{key}`: this server's limiter keeps no abuse counters (`rampart serve`'s \
                 does; an embedder passes `rampart-server`'s `GcraLimiter` in `Seams::limiter`)"
            )));
        }
        let audit = seams
            .audit
            .clone()
            .unwrap_or_else(|| Arc::new(LogAuditSink));
        let authorizer = match (config.authz_policy_dir(), &seams.authorizer) {
            (None, _) => None,
            (Some(dir), Some(loader)) => {
                Some(loader.load(&dir).map_err(|e| config.authz_error(e))?)
            }
            (Some(_), None) => {
                return Err(config.authz_error(
                    "this server was built without the policy engine (`rampart serve` has \
                     it; an embedder passes `Seams::authorizer`)",
                ));
            }
        };
        let provider_kinds = providers
            .iter()
            .map(|(name, (_, pc))| (name.clone(), pc.kind.as_str().to_owned()))
            .collect();
        let tracer = crate::otlp::Tracer::from_config(&config);
        Ok(Runtime {
            secrets,
            brute_force,
            suspension,
            authorizer,
            provider_kinds,
            unauthenticated: Default::default(),
            tracer,
            config,
            guard: Arc::new(guard),
            models,
            model_names,
            aliases,
            authenticator,
            limiter,
            audit,
            client_key_providers,
        })
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.config.server.timeouts.request_secs)
    }

    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.config.server.timeouts.body_secs)
    }
}
