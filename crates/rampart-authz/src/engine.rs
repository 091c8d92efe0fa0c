//! [`PolicyEngine`]: the policies of one directory, validated against [`crate::SCHEMA`],
//! and the decisions they make.
//!
//! Loading reads every `*.cedar` file of the directory (not its subdirectories), in name
//! order, each at most [`MAX_FILE_BYTES`]. Every problem (a parse error, a schema
//! violation, two policies with one `@id`, a template, which nothing here would link) is
//! reported at once, each as `file:line:column: message`. A directory without a policy
//! file is refused too: with `[authz]` configured it would deny everything, which is
//! better said at start-up than discovered as 403s.
//!
//! [`PolicyEngine::reload`] reads the directory again and swaps the new set in only when
//! all of it is valid; otherwise the set in force stays and the error says why.

use crate::request::{Action, Context, PrincipalKind, Request, Resource};
use cedar_policy::{
    Authorizer, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicyId, PolicySet,
    RestrictedExpression, Schema, ValidationMode, Validator,
};
use miette::Diagnostic;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, RwLock};

/// Largest policy file read.
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// Most policy files read from one directory.
pub const MAX_FILES: usize = 10_000;

/// One problem of a policy set, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyProblem {
    pub file: PathBuf,
    /// 1-based; 0 when the problem concerns the file or directory as a whole.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

/// Why a policy set could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Problems in the policy files, each with file and line.
    #[error("{}", render(.0))]
    Invalid(Vec<PolicyProblem>),
    /// The committed schema itself does not parse (a build defect, tested).
    #[error("authorisation schema: {0}")]
    Schema(String),
}

fn render(problems: &[PolicyProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
        }
    }
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub effect: Effect,
    /// The determining policies: for an allow, the `permit`s that matched; for a deny, the
    /// `forbid`s that matched, or the policies whose evaluation failed; empty for a deny
    /// because no policy permits (Cedar's default).
    pub policies: Vec<String>,
    /// Evaluation errors, each naming its policy (they make the decision a deny).
    pub errors: Vec<String>,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        self.effect == Effect::Allow
    }

    /// The policy to name to a client: the first determining one, or `default_deny`.
    pub fn determining(&self) -> &str {
        self.policies.first().map_or("default_deny", String::as_str)
    }
}

/// A loaded, validated policy set and the name of each policy.
#[derive(Debug)]
struct Loaded {
    policies: PolicySet,
    /// How many policies (for logs and the CLI).
    count: usize,
    /// The name of each policy (its `@id`, else `file:line:column`), in load order.
    ids: Vec<String>,
}

/// The parsed schema and the entity type names, shared by loading and deciding.
#[derive(Debug)]
struct Vocabulary {
    schema: Schema,
    user: EntityTypeName,
    service: EntityTypeName,
    key: EntityTypeName,
    group: EntityTypeName,
    tenant: EntityTypeName,
    model: EntityTypeName,
    provider: EntityTypeName,
    tool: EntityTypeName,
    actions: HashMap<&'static str, EntityUid>,
}

impl Vocabulary {
    fn new() -> Result<Vocabulary, PolicyError> {
        let (schema, _warnings) = Schema::from_cedarschema_str(crate::SCHEMA)
            .map_err(|e| PolicyError::Schema(e.to_string()))?;
        let name = |t: &str| {
            EntityTypeName::from_str(&format!("{}::{t}", crate::NAMESPACE))
                .map_err(|e| PolicyError::Schema(e.to_string()))
        };
        let action_type = name("Action")?;
        let actions = Action::ALL
            .into_iter()
            .map(|a| {
                (
                    a.name(),
                    EntityUid::from_type_name_and_id(action_type.clone(), EntityId::new(a.name())),
                )
            })
            .collect();
        Ok(Vocabulary {
            user: name("User")?,
            service: name("Service")?,
            key: name("Key")?,
            group: name("Group")?,
            tenant: name("Tenant")?,
            model: name("Model")?,
            provider: name("Provider")?,
            tool: name("Tool")?,
            actions,
            schema,
        })
    }

    fn uid(&self, t: &EntityTypeName, id: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(t.clone(), EntityId::new(id))
    }
}

/// The policies of a directory and the decisions they make. Cheap to share (`Arc`); a
/// decision reads the set in force under a read lock held for a clone of an `Arc`.
#[derive(Debug)]
pub struct PolicyEngine {
    dir: PathBuf,
    vocabulary: Vocabulary,
    authorizer: Authorizer,
    current: RwLock<Arc<Loaded>>,
}

impl PolicyEngine {
    /// Load and validate every `*.cedar` file of `dir`.
    pub fn load(dir: impl Into<PathBuf>) -> Result<PolicyEngine, PolicyError> {
        let dir = dir.into();
        let vocabulary = Vocabulary::new()?;
        let loaded = load_dir(&dir, &vocabulary)?;
        Ok(PolicyEngine {
            dir,
            vocabulary,
            authorizer: Authorizer::new(),
            current: RwLock::new(Arc::new(loaded)),
        })
    }

    /// Validate `dir` without keeping it: the number of policies, or every problem.
    pub fn check(dir: &Path) -> Result<usize, PolicyError> {
        let vocabulary = Vocabulary::new()?;
        load_dir(dir, &vocabulary).map(|l| l.count)
    }

    /// A policy set from texts held in memory (built-in defaults, a set posted to the
    /// admin API), each named by the file name its problems are reported against.
    /// `dir` is what [`PolicyEngine::dir`] answers; [`PolicyEngine::reload`] reads it.
    pub fn from_sources(
        dir: impl Into<PathBuf>,
        sources: &[(String, String)],
    ) -> Result<PolicyEngine, PolicyError> {
        let dir = dir.into();
        let vocabulary = Vocabulary::new()?;
        let loaded = load_sources(&dir, sources, &vocabulary)?;
        Ok(PolicyEngine {
            dir,
            vocabulary,
            authorizer: Authorizer::new(),
            current: RwLock::new(Arc::new(loaded)),
        })
    }

    /// Validate texts held in memory without keeping them: the ids of their policies, or
    /// every problem, each with its file name and line.
    pub fn check_sources(sources: &[(String, String)]) -> Result<Vec<String>, PolicyError> {
        let vocabulary = Vocabulary::new()?;
        load_sources(Path::new("<posted>"), sources, &vocabulary).map(|l| l.ids)
    }

    /// The names of the policies in force (`@id`, else `file:line:column`), in load order.
    pub fn policy_ids(&self) -> Vec<String> {
        self.loaded().ids.clone()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many policies are in force.
    pub fn policy_count(&self) -> usize {
        self.loaded().count
    }

    /// Read the directory again. The new set replaces the one in force only when it is
    /// valid as a whole; on error nothing changes.
    pub fn reload(&self) -> Result<usize, PolicyError> {
        let loaded = load_dir(&self.dir, &self.vocabulary)?;
        let count = loaded.count;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(loaded);
        Ok(count)
    }

    fn loaded(&self) -> Arc<Loaded> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Decide one request. A request that cannot be expressed in the schema (it cannot
    /// happen for requests built from [`Request`], but is checked all the same) is a deny
    /// naming the reason in `errors`.
    pub fn decide(&self, request: &Request) -> Decision {
        let loaded = self.loaded();
        match self.cedar_request(request) {
            Ok((req, entities)) => {
                let response = self
                    .authorizer
                    .is_authorized(&req, &loaded.policies, &entities);
                let errors: Vec<String> = response
                    .diagnostics()
                    .errors()
                    .map(ToString::to_string)
                    .collect();
                if !errors.is_empty() {
                    // Cedar skips a policy whose evaluation fails; a skipped `forbid`
                    // would let the request through, so any error denies.
                    let policies = response
                        .diagnostics()
                        .errors()
                        .map(|e| match e {
                            cedar_policy::AuthorizationError::PolicyEvaluationError(e) => {
                                e.policy_id().to_string()
                            }
                        })
                        .collect();
                    return Decision {
                        effect: Effect::Deny,
                        policies,
                        errors,
                    };
                }
                let effect = match response.decision() {
                    cedar_policy::Decision::Allow => Effect::Allow,
                    cedar_policy::Decision::Deny => Effect::Deny,
                };
                let mut policies: Vec<String> = response
                    .diagnostics()
                    .reason()
                    .map(ToString::to_string)
                    .collect();
                policies.sort();
                Decision {
                    effect,
                    policies,
                    errors: Vec::new(),
                }
            }
            Err(e) => Decision {
                effect: Effect::Deny,
                policies: Vec::new(),
                errors: vec![e],
            },
        }
    }

    fn cedar_request(
        &self,
        request: &Request,
    ) -> Result<(cedar_policy::Request, Entities), String> {
        let v = &self.vocabulary;
        let subject = &request.principal;
        let principal_type = match subject.kind {
            PrincipalKind::User => &v.user,
            PrincipalKind::Service => &v.service,
            PrincipalKind::Key => &v.key,
        };
        let principal = v.uid(principal_type, &subject.id);
        let mut entities = Vec::with_capacity(4 + subject.groups.len());
        let mut parents = HashSet::new();
        if let Some(t) = &subject.tenant {
            let tenant = v.uid(&v.tenant, t);
            parents.insert(tenant.clone());
            entities.push(Entity::with_uid(tenant));
        }
        for g in &subject.groups {
            let group = v.uid(&v.group, g);
            parents.insert(group.clone());
            entities.push(Entity::with_uid(group));
        }
        let attrs: HashMap<String, RestrictedExpression> = match subject.kind {
            PrincipalKind::Key => [
                (
                    "name".to_owned(),
                    RestrictedExpression::new_string(subject.label.clone()),
                ),
                ("roles".to_owned(), string_set(&subject.roles)),
            ]
            .into(),
            PrincipalKind::User | PrincipalKind::Service => [
                (
                    "issuer".to_owned(),
                    RestrictedExpression::new_string(subject.label.clone()),
                ),
                ("roles".to_owned(), string_set(&subject.roles)),
            ]
            .into(),
        };
        entities.push(Entity::new(principal.clone(), attrs, parents).map_err(|e| e.to_string())?);
        let resource = match &request.resource {
            Resource::Model {
                name,
                provider,
                provider_kind,
            } => {
                let provider = v.uid(&v.provider, provider);
                entities.push(
                    Entity::new(
                        provider.clone(),
                        [(
                            "kind".to_owned(),
                            RestrictedExpression::new_string(provider_kind.clone()),
                        )]
                        .into(),
                        HashSet::new(),
                    )
                    .map_err(|e| e.to_string())?,
                );
                let model = v.uid(&v.model, name);
                entities.push(Entity::new_no_attrs(
                    model.clone(),
                    [provider].into_iter().collect(),
                ));
                model
            }
            Resource::Tool { name } => v.uid(&v.tool, name),
            Resource::Tenant { name } => v.uid(&v.tenant, name),
        };
        let action = v
            .actions
            .get(request.action.name())
            .cloned()
            .ok_or_else(|| format!("unknown action `{}`", request.action.name()))?;
        let context = context(&request.context)?;
        let entities = Entities::from_entities(entities, Some(&v.schema))
            .map_err(|e| format!("entities: {e}"))?;
        let req = cedar_policy::Request::new(principal, action, resource, context, Some(&v.schema))
            .map_err(|e| format!("request: {e}"))?;
        Ok((req, entities))
    }
}

fn string_set(items: impl IntoIterator<Item = impl AsRef<str>>) -> RestrictedExpression {
    RestrictedExpression::new_set(
        items
            .into_iter()
            .map(|s| RestrictedExpression::new_string(s.as_ref().to_owned())),
    )
}

fn long(n: u64) -> RestrictedExpression {
    RestrictedExpression::new_long(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The context record; `cedar_policy::Request::new` checks it against the action's
/// context type in the schema, so a mistake here is an error, not a policy reading nothing.
fn context(c: &Context) -> Result<cedar_policy::Context, String> {
    let mut pairs: Vec<(String, RestrictedExpression)> = vec![
        ("data_classes".into(), string_set(&c.data_classes)),
        (
            "time".into(),
            RestrictedExpression::new_record([
                ("hour".to_owned(), long(u64::from(c.hour))),
                ("weekday".to_owned(), long(u64::from(c.weekday))),
            ])
            .map_err(|e| e.to_string())?,
        ),
        ("guard_findings".into(), string_set(&c.guard_findings)),
        ("tokens".into(), long(c.tokens)),
    ];
    if let Some(ip) = c.source_ip {
        pairs.push((
            "source_ip".into(),
            RestrictedExpression::new_ip(ip.to_string()),
        ));
    }
    cedar_policy::Context::from_pairs(pairs).map_err(|e| format!("context: {e}"))
}

/// Line and column (1-based, in characters) of byte `offset` of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = rampart_core::text::floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before, |i| &before[i + 1..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// The first labelled offset of a diagnostic.
fn first_offset(d: &dyn Diagnostic) -> Option<usize> {
    d.labels().and_then(|mut l| l.next()).map(|l| l.offset())
}

/// Where each policy came from.
struct Origin {
    file: PathBuf,
    text: Arc<str>,
}

fn load_dir(dir: &Path, v: &Vocabulary) -> Result<Loaded, PolicyError> {
    let whole = |message: String| {
        PolicyError::Invalid(vec![PolicyProblem {
            file: dir.to_owned(),
            line: 0,
            column: 0,
            message,
        }])
    };
    let entries = std::fs::read_dir(dir).map_err(|e| whole(format!("cannot read: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| whole(format!("cannot read: {e}")))?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "cedar") && path.is_file() {
            files.push(path);
            if files.len() > MAX_FILES {
                return Err(whole(format!("more than {MAX_FILES} policy files")));
            }
        }
    }
    files.sort();
    let mut problems = Vec::new();
    let mut sources = Vec::with_capacity(files.len());
    for path in files {
        match read_bounded(&path) {
            Ok(text) => sources.push((path.display().to_string(), text)),
            Err(message) => problems.push(PolicyProblem {
                file: path,
                line: 0,
                column: 0,
                message,
            }),
        }
    }
    // Every problem at once: those of the files that could not be read and those of the
    // ones that could.
    if problems.is_empty() {
        return load_sources(dir, &sources, v);
    }
    if !sources.is_empty()
        && let Err(PolicyError::Invalid(more)) = load_sources(dir, &sources, v)
    {
        problems.extend(more);
    }
    Err(PolicyError::Invalid(problems))
}

/// Parses, names and validates policy texts, each `(file name, text)`; `dir` names the
/// set as a whole in problems that concern no one file.
fn load_sources(
    dir: &Path,
    files: &[(String, String)],
    v: &Vocabulary,
) -> Result<Loaded, PolicyError> {
    if files.is_empty() {
        return Err(PolicyError::Invalid(vec![PolicyProblem {
            file: dir.to_owned(),
            line: 0,
            column: 0,
            message: "no `*.cedar` policy file (with none, every request would be denied; \
                      write `forbid (principal, action, resource);` to say so)"
                .into(),
        }]));
    }
    let mut problems = Vec::new();
    let mut set = PolicySet::new();
    let mut origins: HashMap<PolicyId, (usize, usize)> = HashMap::new();
    let mut sources: Vec<Origin> = Vec::new();
    // Where each `@id` was first seen, to name both places of a duplicate.
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut ids = Vec::new();
    for (name, text) in files {
        let path = PathBuf::from(name);
        let problem = |line: usize, column: usize, message: String| PolicyProblem {
            file: path.clone(),
            line,
            column,
            message,
        };
        let parsed = match PolicySet::from_str(text) {
            Ok(p) => p,
            Err(errors) => {
                for e in errors.iter() {
                    let (line, column) = first_offset(e).map_or((1, 1), |o| line_col(text, o));
                    problems.push(problem(line, column, e.to_string()));
                }
                continue;
            }
        };
        if let Some(t) = parsed.templates().next() {
            let offset = t.to_cedar();
            let (line, column) = text
                .find(offset.as_str())
                .map_or((1, 1), |o| line_col(text, o));
            problems.push(problem(
                line,
                column,
                "templates (`?principal`, `?resource`) are not supported: nothing links them"
                    .into(),
            ));
            continue;
        }
        let file_index = sources.len();
        let file_name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        // `from_str` numbers policies in source order (`policy0`, `policy1`, …); each
        // text is a slice of the file, found from where the previous one ended.
        let mut ordered: Vec<&cedar_policy::Policy> = parsed.policies().collect();
        ordered.sort_by_key(|p| {
            p.id()
                .to_string()
                .strip_prefix("policy")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(usize::MAX)
        });
        let mut from = 0;
        for p in ordered {
            let offset = p.to_cedar().and_then(|src| {
                text[from..]
                    .find(src.as_str())
                    .map(|o| (o + from, src.len()))
            });
            let (line, column) = match offset {
                Some((o, len)) => {
                    from = o + len;
                    line_col(text, o)
                }
                None => (1, 1),
            };
            let name = match p.annotation("id") {
                Some(id) if !id.trim().is_empty() => id.to_owned(),
                Some(_) => {
                    problems.push(problem(line, column, "`@id` is empty".into()));
                    continue;
                }
                None => format!("{file_name}:{line}:{column}"),
            };
            let here = format!("{}:{line}:{column}", path.display());
            if let Some(first) = seen.get(&name) {
                problems.push(problem(
                    line,
                    column,
                    format!("policy id `{name}` is already used at {first}"),
                ));
                continue;
            }
            seen.insert(name.clone(), here);
            ids.push(name.clone());
            let id = PolicyId::new(&name);
            origins.insert(id.clone(), (file_index, offset.map_or(0, |(o, _)| o)));
            if let Err(e) = set.add(p.new_id(id)) {
                problems.push(problem(line, column, e.to_string()));
            }
        }
        sources.push(Origin {
            file: path.clone(),
            text: Arc::from(text.as_str()),
        });
    }
    if problems.is_empty() {
        let result = Validator::new(v.schema.clone()).validate(&set, ValidationMode::Strict);
        for e in result.validation_errors() {
            let (file, line, column) = match origins.get(e.policy_id()) {
                Some(&(file_index, start)) => {
                    let origin = &sources[file_index];
                    let offset = first_offset(e).unwrap_or(start);
                    let (line, column) = line_col(&origin.text, offset);
                    (origin.file.clone(), line, column)
                }
                None => (dir.to_owned(), 0, 0),
            };
            problems.push(PolicyProblem {
                file,
                line,
                column,
                message: format!("policy `{}`: {e}", e.policy_id()),
            });
        }
    }
    if !problems.is_empty() {
        return Err(PolicyError::Invalid(problems));
    }
    let count = set.policies().count();
    Ok(Loaded {
        policies: set,
        count,
        ids,
    })
}

fn read_bounded(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than {MAX_FILE_BYTES} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
}
