//! Provider credentials kept in a secrets manager, refreshed while the gateway runs.
//!
//! A provider credential ([`crate::config::Secret`]: `api_key`, Bedrock's
//! `credentials`) may name where its value lives instead of holding it:
//! `file:PATH` (a mounted Kubernetes secret), `aws-sm:NAME_OR_ARN[#JSON_KEY]` (AWS
//! Secrets Manager) or `vault:MOUNT/PATH#KEY` (HashiCorp Vault KV v2). The gateway only
//! parses the reference; a [`SecretResolver`] fetches it (`rampart-server`'s, which
//! `rampart serve` installs with [`install_resolver`] before it builds the server:
//! a process-wide hook rather than a field of [`crate::Seams`], so that the seams
//! keep their five fields).
//!
//! [`Refresher::start`] runs when a runtime is built (at start and on every reload):
//! every reference is fetched before the runtime is used, and a reference that cannot be
//! fetched refuses the config (a reload keeps the runtime in force). Then a thread of its
//! own fetches them again every `[secrets] refresh_secs`; a new value is used by the next
//! upstream request (rotation without restart), a failed fetch keeps the last value and
//! is logged by reference, never by value (`rampart_secret_refresh_total{outcome}`).
//! The thread ends when its runtime is dropped.

use crate::BoxFuture;
use crate::config::{Config, Secret, SecretsConfig};
use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

/// The prefixes that make a credential a reference.
pub const SCHEMES: [&str; 3] = ["file:", "aws-sm:", "vault:"];

/// How long the first fetch of every reference may take before the config is refused.
pub const FIRST_FETCH_DEADLINE: Duration = Duration::from_secs(15);

/// Whether `value` names a secret kept elsewhere.
pub fn is_reference(value: &str) -> bool {
    SCHEMES.iter().any(|s| value.starts_with(s))
}

/// Fetches the value a reference names.
pub trait SecretResolver: Send + Sync + std::fmt::Debug {
    /// The current value of `reference` (`file:…`, `aws-sm:…`, `vault:…`). The error
    /// names what failed, never a value.
    fn fetch<'a>(
        &'a self,
        reference: &'a str,
        settings: &'a SecretsConfig,
    ) -> BoxFuture<'a, Result<String, String>>;
}

static RESOLVER: OnceLock<Arc<dyn SecretResolver>> = OnceLock::new();

/// Installs the process's resolver (once; `false` if one was installed already).
pub fn install_resolver(resolver: Arc<dyn SecretResolver>) -> bool {
    RESOLVER.set(resolver).is_ok()
}

/// Every credential of `config` that names a secret kept elsewhere.
pub fn references(config: &Config) -> Vec<Secret> {
    let mut out = Vec::new();
    for p in &config.providers {
        let p = p.get_ref();
        let mut push = |s: &Secret| {
            if s.reference().is_some() {
                out.push(s.clone());
            }
        };
        if let Some(k) = &p.api_key {
            push(k);
        }
        if let Some(c) = &p.credentials {
            push(&c.access_key_id);
            push(&c.secret_access_key);
            if let Some(t) = &c.session_token {
                push(t);
            }
        }
    }
    out
}

/// Keeps the references of one runtime fresh; stops its thread when dropped.
#[derive(Debug)]
pub struct Refresher {
    _stop: mpsc::Sender<()>,
}

impl Refresher {
    /// Fetches every reference of `config` now (an error names the first that failed and
    /// refuses the config), then every `refresh_secs` on a thread of its own. `None` when
    /// the config names no reference.
    pub fn start(config: &Config) -> Result<Option<Refresher>, String> {
        let secrets = references(config);
        if secrets.is_empty() {
            return Ok(None);
        }
        let resolver = RESOLVER.get().cloned().ok_or_else(|| {
            "provider credentials name a secrets manager, but this server has no resolver \
             (`rampart serve` has one; an embedder calls `secrets::install_resolver`)"
                .to_owned()
        })?;
        let settings = config.secrets.clone();
        let every = Duration::from_secs(settings.refresh_secs.max(1));
        let (first_tx, first_rx) = mpsc::sync_channel::<Result<(), String>>(1);
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("rampart-secrets".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = first_tx.send(Err(format!("no runtime for the fetches: {e}")));
                        return;
                    }
                };
                let first = rt.block_on(fetch_all(&*resolver, &secrets, &settings));
                let ok = first.is_ok();
                let _ = first_tx.send(first);
                if !ok {
                    return;
                }
                // Until the runtime holding the sender is dropped (`Disconnected`).
                while let Err(mpsc::RecvTimeoutError::Timeout) = stop_rx.recv_timeout(every) {
                    let outcome = match rt.block_on(fetch_all(&*resolver, &secrets, &settings)) {
                        Ok(()) => "ok",
                        Err(e) => {
                            tracing::warn!(error = %e, "secret refresh failed; the last value stays in use");
                            "error"
                        }
                    };
                    metrics::counter!("rampart_secret_refresh_total", "outcome" => outcome)
                        .increment(1);
                }
            })
            .map_err(|e| format!("cannot start the secrets thread: {e}"))?;
        match first_rx.recv_timeout(FIRST_FETCH_DEADLINE) {
            Ok(Ok(())) => Ok(Some(Refresher { _stop: stop_tx })),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(format!(
                "the secrets were not fetched within {} s",
                FIRST_FETCH_DEADLINE.as_secs()
            )),
        }
    }
}

/// Fetches every reference once; values that arrived are used even when another failed.
async fn fetch_all(
    resolver: &dyn SecretResolver,
    secrets: &[Secret],
    settings: &SecretsConfig,
) -> Result<(), String> {
    let mut first_error = None;
    for s in secrets {
        let Some(reference) = s.reference() else {
            continue;
        };
        match resolver.fetch(reference, settings).await {
            Ok(value) => s.set_current(value),
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some(format!("`{reference}`: {e}"));
                }
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_recognised_by_their_scheme() {
        assert!(is_reference("file:/run/secrets/openai"));
        assert!(is_reference("aws-sm:prod/openai#api_key"));
        assert!(is_reference("vault:secret/openai#api_key"));
        assert!(!is_reference("sk-live-123"));
        assert!(!is_reference("files:/x"));
    }
}
