//! Request fixtures with expected decisions: `rampart policy test FILE.toml`, usable in
//! CI to pin what a policy set allows.
//!
//! ```toml
//! policies = "."            # the policy directory, relative to this file (default ".")
//!
//! [[case]]
//! name = "no confidential data to external providers"
//! principal = { type = "Key", id = "k-support", tenant = "acme", groups = ["support"] }
//! action = "invoke_model"
//! resource = { model = "gpt-4o", provider = "openai", kind = "openai" }
//! context = { data_classes = ["confidential"], source_ip = "10.0.0.7", hour = 10, weekday = 1 }
//! expect = "deny"
//! policy = "no-confidential-external"   # optional: the determining policy
//! ```
//!
//! Unknown keys are errors naming the key and its line (TOML's own messages), so a typo
//! cannot make a case test less than it says.

use crate::engine::{Decision, Effect, PolicyEngine, PolicyError};
use crate::request::{Action, Context, PrincipalKind, Request, Resource, Subject};
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    policies: Option<PathBuf>,
    #[serde(default, rename = "case")]
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    principal: PrincipalSpec,
    action: String,
    resource: ResourceSpec,
    #[serde(default)]
    context: ContextSpec,
    expect: ExpectSpec,
    #[serde(default)]
    policy: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrincipalSpec {
    #[serde(rename = "type")]
    kind: PrincipalKind,
    id: String,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    roles: Vec<String>,
    /// A key's `name`, a token's `issuer`.
    #[serde(default)]
    label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceSpec {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    tenant: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextSpec {
    #[serde(default)]
    data_classes: Vec<String>,
    #[serde(default)]
    source_ip: Option<IpAddr>,
    #[serde(default)]
    hour: u8,
    #[serde(default = "monday")]
    weekday: u8,
    #[serde(default)]
    guard_findings: Vec<String>,
    #[serde(default)]
    tokens: u64,
}

fn monday() -> u8 {
    1
}

impl Default for ContextSpec {
    /// A case without `context`: no data classes, no address, Monday 00:00 UTC.
    fn default() -> Self {
        ContextSpec {
            data_classes: Vec::new(),
            source_ip: None,
            hour: 0,
            weekday: monday(),
            guard_findings: Vec::new(),
            tokens: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum ExpectSpec {
    Allow,
    Deny,
}

/// Why a fixture file could not be run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Invalid { file: PathBuf, message: String },
    #[error("{0}")]
    Policies(#[from] PolicyError),
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    pub name: String,
    pub expected: Effect,
    pub expected_policy: Option<String>,
    pub decision: Decision,
}

impl CaseOutcome {
    pub fn passed(&self) -> bool {
        self.decision.effect == self.expected
            && self
                .expected_policy
                .as_ref()
                .is_none_or(|p| self.decision.policies.contains(p))
    }
}

/// Load the policies a fixture file names and decide each of its cases.
pub fn run(file: &Path) -> Result<Vec<CaseOutcome>, FixtureError> {
    let text = std::fs::read_to_string(file).map_err(|source| FixtureError::Read {
        file: file.to_owned(),
        source,
    })?;
    let invalid = |message: String| FixtureError::Invalid {
        file: file.to_owned(),
        message,
    };
    let parsed: File = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    if parsed.cases.is_empty() {
        return Err(invalid(
            "no `[[case]]`: a fixture file must test something".into(),
        ));
    }
    let base = file.parent().unwrap_or(Path::new("."));
    let dir = base.join(parsed.policies.unwrap_or_else(|| PathBuf::from(".")));
    let engine = PolicyEngine::load(dir)?;
    let mut out = Vec::with_capacity(parsed.cases.len());
    for case in parsed.cases {
        let request =
            case_request(&case).map_err(|m| invalid(format!("case `{}`: {m}", case.name)))?;
        out.push(CaseOutcome {
            decision: engine.decide(&request),
            expected: match case.expect {
                ExpectSpec::Allow => Effect::Allow,
                ExpectSpec::Deny => Effect::Deny,
            },
            expected_policy: case.policy,
            name: case.name,
        });
    }
    Ok(out)
}

fn case_request(case: &Case) -> Result<Request, String> {
    let action = Action::parse(&case.action).ok_or_else(|| {
        format!(
            "unknown action `{}` (one of {})",
            case.action,
            Action::ALL.map(Action::name).join(", ")
        )
    })?;
    let r = &case.resource;
    let resource = match (&r.model, &r.tool, &r.tenant) {
        (Some(model), None, None) => {
            let provider = r
                .provider
                .clone()
                .ok_or("a model resource needs its `provider`")?;
            Resource::Model {
                name: model.clone(),
                provider_kind: r
                    .kind
                    .clone()
                    .ok_or("a model resource needs its provider's `kind` (`openai`, …)")?,
                provider,
            }
        }
        (None, Some(tool), None) => Resource::Tool { name: tool.clone() },
        (None, None, Some(tenant)) => Resource::Tenant {
            name: tenant.clone(),
        },
        _ => return Err("`resource` names exactly one of `model`, `tool`, `tenant`".into()),
    };
    let p = &case.principal;
    let c = &case.context;
    if c.hour > 23 || !(1..=7).contains(&c.weekday) {
        return Err("`context.hour` is 0–23 and `context.weekday` 1 (Monday)–7".into());
    }
    Ok(Request {
        principal: Subject {
            kind: p.kind,
            id: p.id.clone(),
            tenant: p.tenant.clone(),
            groups: p.groups.clone(),
            roles: p.roles.clone(),
            label: p.label.clone().unwrap_or_default(),
        },
        action,
        resource,
        context: Context {
            data_classes: c.data_classes.iter().cloned().collect(),
            source_ip: c.source_ip,
            hour: c.hour,
            weekday: c.weekday,
            guard_findings: c.guard_findings.iter().cloned().collect(),
            tokens: c.tokens,
        },
    })
}
