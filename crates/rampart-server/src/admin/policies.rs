//! `/admin/v1/policies`: the policies in force, validation of a posted set, activation.
//!
//! A posted set is the whole directory: `{"files": {"NAME.cedar": "TEXT", …}}`. It is
//! validated in memory against the schema (every problem with file and line). Activation
//! also refuses a set under which the caller could no longer manage policies (it would
//! lock the admin API), then writes the files into `[authz] policy_dir` (each through a
//! temporary file and a rename), removes the directory's other `*.cedar` files, and
//! reloads the admin engine and the gateway. If the reload fails, the previous files are
//! put back: a bad set never replaces a good one. With the built-in default policies
//! (no `[authz]`) there is no directory to activate into: 409.

use super::AdminApi;
use super::body;
use super::caller::{ALL_TENANTS, Caller};
use super::error::AdminError;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Uri};
use rampart_authz::{Action, PolicyEngine, PolicyError, Request, Resource};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Largest posted set (all files together).
pub const MAX_SET_BYTES: usize = 1024 * 1024;
/// Most files in a posted set.
pub const MAX_FILES: usize = 100;

/// A posted policy set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySet {
    pub files: BTreeMap<String, String>,
}

impl PolicySet {
    /// The set as `(file name, text)`, names checked.
    fn sources(self) -> Result<Vec<(String, String)>, AdminError> {
        if self.files.is_empty() {
            return Err(AdminError::bad_request("files", "no policy file"));
        }
        if self.files.len() > MAX_FILES {
            return Err(AdminError::bad_request(
                "files",
                format!("more than {MAX_FILES} files"),
            ));
        }
        for name in self.files.keys() {
            let stem = name.strip_suffix(".cedar").unwrap_or("");
            let ok = !stem.is_empty()
                && stem.len() <= 100
                && !stem.starts_with('.')
                && stem
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if !ok {
                return Err(AdminError::bad_request(
                    format!("files.{name}"),
                    "a file name is NAME.cedar, NAME of A-Z a-z 0-9 - _ . (no path)",
                ));
            }
        }
        Ok(self.files.into_iter().collect())
    }
}

fn problems(err: &PolicyError) -> Vec<String> {
    match err {
        PolicyError::Invalid(problems) => problems.iter().map(ToString::to_string).collect(),
        other => vec![other.to_string()],
    }
}

/// `GET /admin/v1/policies`: the ids of the policies in force and where they come from.
pub async fn list(State(api): State<Arc<AdminApi>>, headers: HeaderMap, uri: Uri) -> Response {
    let run = async {
        let caller = api.caller(&headers).await?;
        body::query(&uri, &[])?;
        api.authorize(&caller, Action::ReadReports, ALL_TENANTS)?;
        let source = match &api.policies.dir {
            Some(dir) => dir.display().to_string(),
            None => "built-in".to_owned(),
        };
        Ok::<_, AdminError>(
            Json(json!({
                "source": source,
                "policies": api.policies.engine.policy_ids(),
            }))
            .into_response(),
        )
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /admin/v1/policies/validate`: whether a set is valid, and every problem.
pub async fn validate(
    State(api): State<Arc<AdminApi>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let run = async {
        let caller = api.caller(&headers).await?;
        api.authorize(&caller, Action::ManagePolicies, ALL_TENANTS)?;
        let set: PolicySet = body::json(body, MAX_SET_BYTES).await?;
        let answer = match PolicyEngine::check_sources(&set.sources()?) {
            Ok(ids) => json!({"valid": true, "policies": ids, "problems": []}),
            Err(e) => json!({"valid": false, "policies": [], "problems": problems(&e)}),
        };
        Ok::<_, AdminError>(Json(answer).into_response())
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /admin/v1/policies/activate`: makes a valid set the one in force.
pub async fn activate(
    State(api): State<Arc<AdminApi>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let run = async {
        let caller = api.caller(&headers).await?;
        api.authorize(&caller, Action::ManagePolicies, ALL_TENANTS)?;
        let set: PolicySet = body::json(body, MAX_SET_BYTES).await?;
        let Some(dir) = api.policies.dir.clone() else {
            return Err(AdminError::Conflict(
                "the admin API runs on its built-in policies: configure `[authz] policy_dir` \
                 to activate a policy set"
                    .into(),
            ));
        };
        let sources = set.sources()?;
        let candidate = PolicyEngine::from_sources(&dir, &sources)
            .map_err(|e| AdminError::bad_request("files", problems(&e).join("; ")))?;
        if !keeps_control(&candidate, &caller) {
            return Err(AdminError::bad_request(
                "files",
                "under this set you could no longer manage policies (`manage_policies` on \
                 Tenant::\"*\"): refused, it would lock the admin API",
            ));
        }
        let ids = {
            let _one_at_a_time = api
                .policies
                .activating
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            install(&api, &dir, &sources)?
        };
        // The gateway's reload builds a whole runtime (and may wait on a secrets manager):
        // off the request workers.
        let hook = api.policies.gateway_reload.clone();
        let reloaded = tokio::task::spawn_blocking(move || hook.get().map(|reload| reload()))
            .await
            .unwrap_or_else(|e| Some(Err(format!("the reload failed: {e}"))));
        let gateway = match reloaded {
            Some(Ok(())) => json!({"reloaded": true}),
            Some(Err(e)) => {
                tracing::error!(error = %e, "admin API: policies activated, but the gateway did not reload");
                json!({"reloaded": false, "error": e})
            }
            None => json!({"reloaded": false, "error": "no gateway reload is wired"}),
        };
        tracing::info!(policies = ids.len(), by = %caller.subject.id, "admin API: policy set activated");
        api.emit_change(
            "activate",
            "policy",
            &ids.join(","),
            None,
            &caller.subject.id,
        );
        Ok(Json(json!({"activated": true, "policies": ids, "gateway": gateway})).into_response())
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// Whether `caller` may still manage policies under `engine`.
fn keeps_control(engine: &PolicyEngine, caller: &Caller) -> bool {
    engine
        .decide(&Request {
            principal: caller.subject.clone(),
            action: Action::ManagePolicies,
            resource: Resource::Tenant {
                name: ALL_TENANTS.to_owned(),
            },
            context: rampart_authz::Context::default(),
        })
        .allowed()
}

/// Replaces the `*.cedar` files of `dir` by `sources` and reloads; on failure puts the
/// previous files back.
fn install(
    api: &AdminApi,
    dir: &Path,
    sources: &[(String, String)],
) -> Result<Vec<String>, AdminError> {
    let io = |what: &str, e: std::io::Error| {
        tracing::error!(error = %e, dir = %dir.display(), "admin API: {what}");
        AdminError::Unavailable("the policy directory")
    };
    let mut previous = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io("cannot read the policy directory", e))? {
        let path = entry
            .map_err(|e| io("cannot read the policy directory", e))?
            .path();
        if path.extension().is_some_and(|e| e == "cedar") && path.is_file() {
            let text = std::fs::read(&path).map_err(|e| io("cannot read a policy file", e))?;
            previous.push((path, text));
        }
    }
    let write = |name: &str, text: &[u8]| -> std::io::Result<()> {
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, dir.join(name))
    };
    let mut outcome = Ok(());
    for (name, text) in sources {
        if let Err(e) = write(name, text.as_bytes()) {
            outcome = Err(e);
            break;
        }
    }
    if outcome.is_ok() {
        for (path, _) in &previous {
            let kept = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| sources.iter().any(|(s, _)| s == n));
            if !kept && let Err(e) = std::fs::remove_file(path) {
                outcome = Err(e);
                break;
            }
        }
    }
    let reloaded = match outcome {
        Ok(()) => api
            .policies
            .engine
            .reload()
            .map_err(|e| problems(&e).join("; ")),
        Err(e) => Err(format!("cannot write the policy directory: {e}")),
    };
    match reloaded {
        Ok(_) => Ok(api.policies.engine.policy_ids()),
        Err(reason) => {
            // Put the previous set back, exactly: the new files out, the old ones in.
            for (name, _) in sources {
                let _ = std::fs::remove_file(dir.join(name));
            }
            for (path, text) in &previous {
                let _ = std::fs::write(path, text);
            }
            tracing::error!(reason = %reason, "admin API: activation failed; the previous policies stay");
            Err(AdminError::Conflict(format!(
                "the policy set could not be installed; the previous set stays in force: {reason}"
            )))
        }
    }
}
