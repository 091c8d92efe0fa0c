//! The guard policy: what to do with each kind of finding, per direction.
//!
//! A policy is plain data, read from TOML with unknown keys refused. Every field has a
//! documented default, so an empty policy is the default policy:
//!
//! ```toml
//! mode = "enforce"            # enforce | monitor (report, change nothing) | off
//! injection_threshold = 0.5   # injection score at which a prompt-injection finding is raised
//! injection_model = "models/injection.bin"  # your own weights (tools/train_injection.rs),
//!                             # relative to this file; default: the embedded model
//!
//! [min_score]                 # findings scored below this (per kind) are dropped; default 0
//! pii = 0.6
//!
//! [input]                     # text on its way to a model
//! prompt_injection = "block"  # allow | log | redact | mask | pseudonymize | sanitize | block
//! jailbreak = "block"
//! pii = "pseudonymize"        # the model sees <EMAIL_ADDRESS_1>; the answer gets the value back
//! secret = "redact"
//! invisible_text = "redact"
//! exfiltration = "log"
//! custom = "block"
//!
//! [input.types]               # per entity type, wins over the kind's action
//! CREDIT_CARD = "block"
//! EMAIL_ADDRESS = "allow"
//!
//! [input.roles.tool]          # per writer (system, user, assistant, tool, document):
//! prompt_injection = "sanitize"   # wins over the kind's action, not over [input.types];
//! jailbreak = "sanitize"      # `sanitize` replaces the span with a notice the model reads
//!                             # ("[Rampart removed text here: …]") so an agent keeps running
//!
//! [output]                    # text on its way back to a user
//! prompt_injection = "log"
//! jailbreak = "log"
//! pii = "redact"
//! secret = "redact"
//! invisible_text = "redact"
//! exfiltration = "redact"
//! custom = "block"
//!
//! [allow]                     # values that are never findings (your own support address,
//! values = ["support@acme.example"]   # test card numbers); compared ignoring case,
//! patterns = ['^[^@]+@acme\.example$'] # spaces and hyphens; patterns must match the whole value
//!
//! [deny]                      # literal values that are always findings: custom / DENY_LIST
//! values = ["Project Falcon"]
//! case_sensitive = false
//!
//! [[rules]]                   # custom rules: kind `custom`, type = name
//! name = "EMPLOYEE_ID"
//! pattern = '\bEMP-[0-9]{6}\b'    # a regular expression ...
//! # keywords = ["falcon"]        # ... or whole-word keywords (case-insensitive by default)
//! score = 1.0
//!
//! [[topics]]                  # banned topics: kind `custom`, type = name
//! name = "COMPETITORS"
//! keywords = ["globex", "initech"]
//! min_matches = 1             # distinct keywords needed before the topic is reported
//!
//! [exfiltration]              # output-side detectors
//! allowed_domains = ["acme.example"]   # images/links to these (and subdomains) are fine
//! canary_tokens = ["CANARY-7f3a9c"]    # text that must never appear in an answer
//! leak_min_words = 20         # verbatim words of a system prompt that count as a leak
//! html = true                 # report <script>, javascript: URLs and event handlers
//! ```
//!
//! [`Policy::from_toml_str`] reports problems with the key path and, when it can find it,
//! the line: ``invalid guard policy at line 12: `rules[1].pattern` (EMPLOYEE_ID): ...``.

use crate::error::PolicyError;
use rampart_core::{Direction, FindingKind, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Whether the guard acts on what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GuardMode {
    /// Apply the policy's actions.
    #[default]
    Enforce,
    /// Record findings and the decision that would have been taken, change nothing.
    Monitor,
    /// Do not inspect.
    Off,
}

/// What to do with one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Ignore the finding: it is not reported.
    Allow,
    /// Record the finding, change nothing.
    Log,
    /// Replace the match with its type: `[EMAIL_ADDRESS]`.
    Redact,
    /// Keep only the last four characters: `****1234`.
    Mask,
    /// Replace the match with a per-request token (`<EMAIL_ADDRESS_1>`) restored in the answer.
    Pseudonymize,
    /// Replace the match with a notice the model can read (`[Rampart removed text here:
    /// INSTRUCTION_OVERRIDE]`) and let the text through. Meant for tool results and
    /// documents (`[input.roles.tool]`), where refusing would end an agent's run.
    Sanitize,
    /// Refuse the whole text.
    Block,
}

impl Action {
    /// How much of a value the action hides, used when overlapping findings with
    /// different actions are merged into one edit: the strictest wins.
    pub(crate) fn strictness(self) -> u8 {
        match self {
            Action::Allow => 0,
            Action::Log => 1,
            Action::Mask => 2,
            Action::Pseudonymize => 3,
            Action::Sanitize => 4,
            Action::Redact => 5,
            Action::Block => 6,
        }
    }
}

/// The action for each finding kind in one direction, and per-entity-type overrides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DirectionPolicy {
    pub prompt_injection: Action,
    pub jailbreak: Action,
    pub pii: Action,
    pub secret: Action,
    pub invisible_text: Action,
    pub exfiltration: Action,
    pub custom: Action,
    /// Per entity type (`CREDIT_CARD`, a custom rule's name): wins over the kind's action.
    pub types: BTreeMap<String, Action>,
    /// Per role of the text's writer (`[input.roles.tool]`): wins over the kind's action,
    /// not over a per-type override.
    pub roles: BTreeMap<Role, RoleActions>,
}

/// Actions by finding kind for the text of one role; kinds left out keep the direction's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleActions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_injection: Option<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jailbreak: Option<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pii: Option<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invisible_text: Option<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exfiltration: Option<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Action>,
}

impl RoleActions {
    fn action(&self, kind: FindingKind) -> Option<Action> {
        match kind {
            FindingKind::PromptInjection => self.prompt_injection,
            FindingKind::Jailbreak => self.jailbreak,
            FindingKind::Pii => self.pii,
            FindingKind::Secret => self.secret,
            FindingKind::InvisibleText => self.invisible_text,
            FindingKind::Exfiltration => self.exfiltration,
            FindingKind::Custom => self.custom,
        }
    }
}

impl DirectionPolicy {
    /// The default for text on its way to a model.
    pub fn default_input() -> Self {
        DirectionPolicy {
            prompt_injection: Action::Block,
            jailbreak: Action::Block,
            pii: Action::Pseudonymize,
            secret: Action::Redact,
            invisible_text: Action::Redact,
            exfiltration: Action::Log,
            custom: Action::Block,
            types: BTreeMap::new(),
            roles: BTreeMap::new(),
        }
    }

    /// The default for text on its way back to a user.
    pub fn default_output() -> Self {
        DirectionPolicy {
            prompt_injection: Action::Log,
            jailbreak: Action::Log,
            pii: Action::Redact,
            secret: Action::Redact,
            invisible_text: Action::Redact,
            exfiltration: Action::Redact,
            custom: Action::Block,
            types: BTreeMap::new(),
            roles: BTreeMap::new(),
        }
    }

    /// The action for findings of `kind` (ignoring per-type overrides).
    pub fn action(&self, kind: FindingKind) -> Action {
        match kind {
            FindingKind::PromptInjection => self.prompt_injection,
            FindingKind::Jailbreak => self.jailbreak,
            FindingKind::Pii => self.pii,
            FindingKind::Secret => self.secret,
            FindingKind::InvisibleText => self.invisible_text,
            FindingKind::Exfiltration => self.exfiltration,
            FindingKind::Custom => self.custom,
        }
    }

    /// The action for a finding of `kind` and entity type `entity` in text written by
    /// `role`: the type's override if there is one, else the role's action for the kind,
    /// else the kind's action.
    pub fn action_in(&self, kind: FindingKind, entity: &str, role: Role) -> Action {
        if let Some(a) = self.types.get(entity) {
            return *a;
        }
        if let Some(a) = self.roles.get(&role).and_then(|r| r.action(kind)) {
            return a;
        }
        self.action(kind)
    }

    /// The action for a finding of `kind` and entity type `entity`: the type's override
    /// if there is one, else the kind's action.
    pub fn action_for(&self, kind: FindingKind, entity: &str) -> Action {
        if self.types.is_empty() {
            return self.action(kind);
        }
        self.types
            .get(entity)
            .copied()
            .unwrap_or_else(|| self.action(kind))
    }

    fn overridden_by(mut self, o: DirectionOverrides) -> Self {
        let DirectionOverrides {
            prompt_injection,
            jailbreak,
            pii,
            secret,
            invisible_text,
            exfiltration,
            custom,
            types,
            roles,
        } = o;
        self.prompt_injection = prompt_injection.unwrap_or(self.prompt_injection);
        self.jailbreak = jailbreak.unwrap_or(self.jailbreak);
        self.pii = pii.unwrap_or(self.pii);
        self.secret = secret.unwrap_or(self.secret);
        self.invisible_text = invisible_text.unwrap_or(self.invisible_text);
        self.exfiltration = exfiltration.unwrap_or(self.exfiltration);
        self.custom = custom.unwrap_or(self.custom);
        self.types.extend(types);
        self.roles.extend(roles);
        self
    }
}

/// A direction table as written in a policy file: keys left out keep their default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectionOverrides {
    prompt_injection: Option<Action>,
    jailbreak: Option<Action>,
    pii: Option<Action>,
    secret: Option<Action>,
    invisible_text: Option<Action>,
    exfiltration: Option<Action>,
    custom: Option<Action>,
    #[serde(default)]
    types: BTreeMap<String, Action>,
    #[serde(default)]
    roles: BTreeMap<Role, RoleActions>,
}

/// Values that are never findings, whichever detector reports them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowList {
    /// Literal values, compared ignoring case, white space and hyphens.
    #[serde(default)]
    pub values: Vec<String>,
    /// Regular expressions that must match the whole matched value.
    #[serde(default)]
    pub patterns: Vec<String>,
}

/// Literal values that are always findings (`custom` / `DENY_LIST`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenyList {
    #[serde(default)]
    pub values: Vec<String>,
    /// Compare case-sensitively (default: ignore case).
    #[serde(default)]
    pub case_sensitive: bool,
}

/// A user-defined rule: a regular expression or a set of whole-word keywords. Findings
/// have kind `custom` and the rule's name as type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRule {
    /// Upper-case name: the finding's type (`EMPLOYEE_ID`).
    pub name: String,
    /// A regular expression (Rust `regex` syntax).
    #[serde(default)]
    pub pattern: Option<String>,
    /// Whole-word keywords (alternative to `pattern`).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Keywords compare case-sensitively (default: ignore case). Patterns use `(?i)`.
    #[serde(default)]
    pub case_sensitive: bool,
    /// The finding's score (default 1.0).
    #[serde(default = "one")]
    pub score: f32,
    /// Longest match the streaming inspector waits for when the pattern's own maximum is
    /// unbounded (`.+`, `\w*`); default 256 bytes.
    #[serde(default)]
    pub max_len: Option<usize>,
}

/// A banned topic: reported when at least `min_matches` distinct keywords occur.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// Upper-case name: the finding's type (`COMPETITORS`).
    pub name: String,
    pub keywords: Vec<String>,
    #[serde(default = "one_usize")]
    pub min_matches: usize,
    #[serde(default = "one")]
    pub score: f32,
}

/// Settings of the output-side detectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExfiltrationPolicy {
    /// Domains (and their subdomains) that images and links may point to with data.
    pub allowed_domains: Vec<String>,
    /// Strings that must never appear in an answer (planted in system prompts).
    pub canary_tokens: Vec<String>,
    /// Verbatim words of a system prompt, in a row, that count as a leak (prompts shorter
    /// than `leak_min_words / 0.6` count from 60 % of their length).
    pub leak_min_words: usize,
    /// Report HTML that runs code in clients that render it.
    pub html: bool,
}

impl Default for ExfiltrationPolicy {
    fn default() -> Self {
        ExfiltrationPolicy {
            allowed_domains: Vec::new(),
            canary_tokens: Vec::new(),
            leak_min_words: 20,
            html: true,
        }
    }
}

fn one() -> f32 {
    1.0
}
fn one_usize() -> usize {
    1
}

/// A policy as written in a file, before defaults are filled in.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    mode: Option<GuardMode>,
    injection_threshold: Option<f32>,
    injection_model: Option<PathBuf>,
    #[serde(default)]
    min_score: BTreeMap<FindingKind, f32>,
    #[serde(default)]
    input: DirectionOverrides,
    #[serde(default)]
    output: DirectionOverrides,
    #[serde(default)]
    allow: AllowList,
    #[serde(default)]
    deny: DenyList,
    #[serde(default)]
    rules: Vec<CustomRule>,
    #[serde(default)]
    topics: Vec<Topic>,
    #[serde(default)]
    exfiltration: ExfiltrationPolicy,
}

impl TryFrom<PolicyFile> for Policy {
    type Error = PolicyError;
    fn try_from(file: PolicyFile) -> Result<Self, Self::Error> {
        let defaults = Policy::default();
        let policy = Policy {
            mode: file.mode.unwrap_or(defaults.mode),
            injection_threshold: file
                .injection_threshold
                .unwrap_or(defaults.injection_threshold),
            injection_model: file.injection_model,
            min_score: file.min_score,
            input: defaults.input.overridden_by(file.input),
            output: defaults.output.overridden_by(file.output),
            allow: file.allow,
            deny: file.deny,
            rules: file.rules,
            topics: file.topics,
            exfiltration: file.exfiltration,
        };
        policy.validate()?;
        Ok(policy)
    }
}

/// A complete guard policy. `Policy::default()` is the documented default policy; it
/// deserialises from the file shape above (so it can be embedded in another config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PolicyFile")]
pub struct Policy {
    pub mode: GuardMode,
    /// Injection score in `[0, 1]` at or above which a prompt-injection finding is raised.
    pub injection_threshold: f32,
    /// A model file (`injection.bin`, the format `tools/train_injection.rs` writes) that
    /// replaces the embedded classifier weights. The guard does no I/O: whoever builds
    /// the guard reads the file (a relative path is relative to the policy file) and
    /// passes its bytes with [`GuardBuilder::injection_model`]; building fails when it
    /// did not. Default: the embedded model.
    ///
    /// [`GuardBuilder::injection_model`]: crate::GuardBuilder::injection_model
    pub injection_model: Option<PathBuf>,
    /// Per kind, the score below which findings are dropped.
    pub min_score: BTreeMap<FindingKind, f32>,
    pub input: DirectionPolicy,
    pub output: DirectionPolicy,
    pub allow: AllowList,
    pub deny: DenyList,
    pub rules: Vec<CustomRule>,
    pub topics: Vec<Topic>,
    pub exfiltration: ExfiltrationPolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            mode: GuardMode::Enforce,
            injection_threshold: 0.5,
            injection_model: None,
            min_score: BTreeMap::new(),
            input: DirectionPolicy::default_input(),
            output: DirectionPolicy::default_output(),
            allow: AllowList::default(),
            deny: DenyList::default(),
            rules: Vec::new(),
            topics: Vec::new(),
            exfiltration: ExfiltrationPolicy::default(),
        }
    }
}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        key: key.into(),
        reason: reason.into(),
        line: None,
    }
}

/// Whether `name` can be an entity type: upper-case ASCII letters, digits and `_`,
/// starting with a letter.
pub(crate) fn is_entity_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 64
}

fn check_score(key: &str, score: f32) -> Result<(), PolicyError> {
    if (0.0..=1.0).contains(&score) {
        Ok(())
    } else {
        Err(invalid(
            key,
            format!("must be between 0 and 1, got {score}"),
        ))
    }
}

impl Policy {
    /// Parse and validate a policy from TOML text. Errors name the key and, when it can
    /// be found in `text`, the line.
    pub fn from_toml_str(text: &str) -> Result<Policy, PolicyError> {
        // Deserialise the file shape first so that validation errors keep their key path
        // (through `try_from` they would be flattened into a message).
        let file: PolicyFile =
            toml::from_str(text).map_err(|e| PolicyError::Parse(e.to_string()))?;
        Policy::try_from(file).map_err(|err| match err {
            PolicyError::Invalid {
                key,
                reason,
                line: None,
            } => {
                let line = line_of_key(text, &key);
                PolicyError::Invalid { key, reason, line }
            }
            other => other,
        })
    }

    /// Makes the paths the policy names (`injection_model`) relative to `dir`, the folder
    /// of the file the policy was read from, unless they are absolute.
    pub fn resolve_paths(&mut self, dir: &Path) {
        if let Some(model) = &mut self.injection_model
            && model.is_relative()
        {
            *model = dir.join(&*model);
        }
    }

    /// Check the values that the type system cannot. Custom rules' regular expressions
    /// are compiled here too, so that a policy that validates also builds a [`Guard`].
    ///
    /// [`Guard`]: crate::Guard
    pub fn validate(&self) -> Result<(), PolicyError> {
        check_score("injection_threshold", self.injection_threshold)?;
        if self
            .injection_model
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(invalid(
                "injection_model",
                "must be a path to a model file (leave it out for the embedded model)",
            ));
        }
        for (kind, score) in &self.min_score {
            check_score(&format!("min_score.{}", kind.as_str()), *score)?;
        }
        for (dir, table) in [("input", &self.input), ("output", &self.output)] {
            for name in table.types.keys() {
                if !is_entity_name(name) {
                    return Err(invalid(
                        format!("{dir}.types.{name}"),
                        "entity types are upper-case letters, digits and `_` (like CREDIT_CARD)",
                    ));
                }
            }
        }
        for (i, pattern) in self.allow.patterns.iter().enumerate() {
            crate::detectors::custom::compile_user_regex(pattern)
                .map_err(|reason| invalid(format!("allow.patterns[{i}]"), reason))?;
        }
        for (i, v) in self.deny.values.iter().enumerate() {
            if v.trim().is_empty() {
                return Err(invalid(format!("deny.values[{i}]"), "must not be empty"));
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let key = |field: &str| format!("rules[{i}].{field}");
            if !is_entity_name(&rule.name) {
                return Err(invalid(
                    key("name"),
                    format!(
                        "`{}`: a rule name is its finding type: upper-case letters, digits and `_`",
                        rule.name
                    ),
                ));
            }
            if !names.insert(rule.name.as_str()) {
                return Err(invalid(
                    key("name"),
                    format!("`{}` is defined twice", rule.name),
                ));
            }
            check_score(&key("score"), rule.score)?;
            match (&rule.pattern, rule.keywords.is_empty()) {
                (Some(_), false) => {
                    return Err(invalid(
                        key("pattern"),
                        format!(
                            "rule {}: give either `pattern` or `keywords`, not both",
                            rule.name
                        ),
                    ));
                }
                (None, true) => {
                    return Err(invalid(
                        key("pattern"),
                        format!("rule {}: needs a `pattern` or `keywords`", rule.name),
                    ));
                }
                (Some(pattern), true) => {
                    crate::detectors::custom::compile_user_regex(pattern).map_err(|reason| {
                        invalid(key("pattern"), format!("rule {}: {reason}", rule.name))
                    })?;
                }
                (None, false) => {
                    if let Some(j) = rule.keywords.iter().position(|k| k.trim().is_empty()) {
                        return Err(invalid(
                            format!("rules[{i}].keywords[{j}]"),
                            format!("rule {}: keywords must not be empty", rule.name),
                        ));
                    }
                }
            }
            if rule.max_len == Some(0) {
                return Err(invalid(key("max_len"), "must be at least 1"));
            }
        }
        for (i, topic) in self.topics.iter().enumerate() {
            let key = |field: &str| format!("topics[{i}].{field}");
            if !is_entity_name(&topic.name) {
                return Err(invalid(
                    key("name"),
                    format!(
                        "`{}`: a topic name is its finding type: upper-case letters, digits and `_`",
                        topic.name
                    ),
                ));
            }
            if topic.keywords.is_empty() || topic.keywords.iter().any(|k| k.trim().is_empty()) {
                return Err(invalid(
                    key("keywords"),
                    format!("topic {}: needs non-empty keywords", topic.name),
                ));
            }
            if topic.min_matches == 0 || topic.min_matches > topic.keywords.len() {
                return Err(invalid(
                    key("min_matches"),
                    format!(
                        "topic {}: must be between 1 and the number of keywords ({})",
                        topic.name,
                        topic.keywords.len()
                    ),
                ));
            }
            check_score(&key("score"), topic.score)?;
        }
        for (i, d) in self.exfiltration.allowed_domains.iter().enumerate() {
            let d = d.trim_start_matches("*.");
            if d.is_empty() || d.contains(['/', ':', ' ', '@']) {
                return Err(invalid(
                    format!("exfiltration.allowed_domains[{i}]"),
                    "a host name such as `acme.example` (subdomains are included), not a URL",
                ));
            }
        }
        for (i, c) in self.exfiltration.canary_tokens.iter().enumerate() {
            if c.chars().count() < 6 {
                return Err(invalid(
                    format!("exfiltration.canary_tokens[{i}]"),
                    "canary tokens must be at least 6 characters (short ones match by chance)",
                ));
            }
        }
        if self.exfiltration.leak_min_words < 5 {
            return Err(invalid(
                "exfiltration.leak_min_words",
                "must be at least 5 (shorter runs of words repeat by chance)",
            ));
        }
        Ok(())
    }

    /// The action for a finding of `kind` seen in `direction` (ignoring per-type overrides).
    pub fn action(&self, kind: FindingKind, direction: Direction) -> Action {
        self.direction(direction).action(kind)
    }

    /// The action for a finding of `kind` and type `entity` seen in `direction`.
    pub fn action_for(&self, kind: FindingKind, entity: &str, direction: Direction) -> Action {
        self.direction(direction).action_for(kind, entity)
    }

    /// The table of actions for `direction`.
    pub fn direction(&self, direction: Direction) -> &DirectionPolicy {
        match direction {
            Direction::Input => &self.input,
            Direction::Output => &self.output,
        }
    }

    /// Whether a finding of `kind` can survive the policy in some direction: its action
    /// is not `allow` there, or some per-type override is not (an override does not
    /// say which kind its type belongs to, so any one keeps every kind).
    pub fn reports(&self, kind: FindingKind) -> bool {
        [&self.input, &self.output].iter().any(|table| {
            table.action(kind) != Action::Allow
                || table.types.values().any(|&action| action != Action::Allow)
        })
    }

    /// The minimum score for findings of `kind`.
    pub fn min_score(&self, kind: FindingKind) -> f32 {
        self.min_score.get(&kind).copied().unwrap_or(0.0)
    }
}

/// The 1-based line of the value at `key` (`rules[2].pattern`, `input.types.X`) in the
/// TOML `text`, or of the closest enclosing table that exists.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let table = DeTable::parse(text).ok()?;
    let span = table.span();
    let mut current: DeValue<'_> = DeValue::Table(table.into_inner());
    let mut best = span;
    for segment in key.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let Some(next) = current.get(name) else {
            break;
        };
        best = next.span();
        let mut next = next.get_ref().clone();
        if let Some(i) = index {
            let Some(item) = next.get(i) else {
                break;
            };
            best = item.span();
            next = item.get_ref().clone();
        }
        current = next;
    }
    let offset = best.start.min(text.len());
    Some(
        text.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_policy_is_the_default() {
        assert_eq!(Policy::from_toml_str("").unwrap(), Policy::default());
    }

    #[test]
    fn unknown_key_is_named() {
        let err =
            Policy::from_toml_str("[input]\npii = \"redact\"\nemail = \"block\"\n").unwrap_err();
        assert!(err.to_string().contains("email"), "{err}");
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn threshold_out_of_range_names_the_key() {
        let err = Policy::from_toml_str("injection_threshold = 1.5").unwrap_err();
        assert!(err.to_string().contains("injection_threshold"), "{err}");
    }

    #[test]
    fn partial_direction_keeps_that_directions_defaults() {
        let p = Policy::from_toml_str("[output]\npii = \"mask\"\n").unwrap();
        assert_eq!(p.action(FindingKind::Pii, Direction::Output), Action::Mask);
        // The output default, not the input one (which would be `block`).
        assert_eq!(
            p.action(FindingKind::PromptInjection, Direction::Output),
            Action::Log
        );
        assert_eq!(
            p.action(FindingKind::Pii, Direction::Input),
            Action::Pseudonymize
        );
    }

    #[test]
    fn type_override_wins_over_kind() {
        let p = Policy::from_toml_str(
            "[input.types]\nCREDIT_CARD = \"block\"\nEMAIL_ADDRESS = \"allow\"\n",
        )
        .unwrap();
        let a = |t| p.action_for(FindingKind::Pii, t, Direction::Input);
        assert_eq!(a("CREDIT_CARD"), Action::Block);
        assert_eq!(a("EMAIL_ADDRESS"), Action::Allow);
        assert_eq!(a("PHONE_NUMBER"), Action::Pseudonymize);
        assert_eq!(
            p.action_for(FindingKind::Pii, "CREDIT_CARD", Direction::Output),
            Action::Redact
        );
    }

    #[test]
    fn invalid_regex_names_the_rule_and_line() {
        let text = "mode = \"enforce\"\n\n[[rules]]\nname = \"OK_RULE\"\npattern = 'a+'\n\n[[rules]]\nname = \"BROKEN\"\npattern = '(unclosed'\n";
        let err = Policy::from_toml_str(text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("rules[1].pattern"), "{msg}");
        assert!(msg.contains("BROKEN"), "{msg}");
        assert!(msg.contains("line 9"), "{msg}");
    }

    #[test]
    fn bad_type_name_and_min_score_are_refused() {
        let err = Policy::from_toml_str("[output.types]\ncredit_card = \"block\"\n").unwrap_err();
        assert!(
            err.to_string().contains("output.types.credit_card"),
            "{err}"
        );
        let err = Policy::from_toml_str("[min_score]\npii = 2.0\n").unwrap_err();
        assert!(err.to_string().contains("min_score.pii"), "{err}");
        let err = Policy::from_toml_str("[min_score]\nemail = 0.5\n").unwrap_err();
        assert!(err.to_string().contains("email"), "{err}");
    }

    #[test]
    fn rule_needs_exactly_one_of_pattern_and_keywords() {
        let err = Policy::from_toml_str("[[rules]]\nname = \"X\"\n").unwrap_err();
        assert!(err.to_string().contains("needs a `pattern`"), "{err}");
        let err =
            Policy::from_toml_str("[[rules]]\nname = \"X\"\npattern = 'a'\nkeywords = ['b']\n")
                .unwrap_err();
        assert!(err.to_string().contains("not both"), "{err}");
        let err = Policy::from_toml_str(
            "[[rules]]\nname = \"X\"\npattern = 'a'\n[[rules]]\nname = \"X\"\npattern = 'b'\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("defined twice"), "{err}");
    }

    #[test]
    fn topic_min_matches_is_bounded() {
        let err = Policy::from_toml_str(
            "[[topics]]\nname = \"T\"\nkeywords = [\"a\"]\nmin_matches = 2\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("topics[0].min_matches"), "{err}");
    }

    #[test]
    fn allowed_domain_must_be_a_host() {
        let err = Policy::from_toml_str(
            "[exfiltration]\nallowed_domains = [\"https://acme.example/\"]\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("allowed_domains[0]"), "{err}");
    }

    #[test]
    fn full_documented_example_parses() {
        let doc = include_str!("policy.rs");
        let example: String = doc
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.trim_start_matches("//!").trim_start_matches(' '))
            .collect::<Vec<_>>()
            .join("\n");
        let p = Policy::from_toml_str(&example).unwrap();
        assert_eq!(p.rules.len(), 1);
        assert_eq!(p.topics[0].name, "COMPETITORS");
        assert_eq!(p.min_score(FindingKind::Pii), 0.6);
    }
}
