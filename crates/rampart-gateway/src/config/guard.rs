//! `[guard]`: the guard engine's mode and policy, the semantic tier, the optional
//! external classifier, and reading the user's own injection model file.

use super::*;

/// `[guard]`: the guard engine's mode and policy.
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardConfig {
    /// `enforce` (default), `monitor` or `off`. Overrides the policy's own `mode`.
    #[schemars(schema_with = "guard_mode_schema")]
    pub mode: Option<GuardMode>,
    /// A policy file (the `rampart guard` policy format), relative to this config.
    pub policy_file: Option<Interpolated>,
    /// An inline policy, same shape as a policy file.
    #[schemars(schema_with = "inline_policy_schema")]
    pub policy: Option<Policy>,
    /// An external prompt-injection classifier: a model server that can only raise the
    /// built-in injection score. None by default: the built-in path stands on its own.
    #[schemars(with = "Option<ExternalClassifierConfig>")]
    pub external_classifier: Option<Spanned<ExternalClassifierConfig>>,
    /// The semantic tier (a sentence encoder running in the process). On by default when
    /// its model is installed (`scripts/install-semantic-model`).
    #[schemars(with = "Option<SemanticConfig>")]
    pub semantic: Option<Spanned<SemanticConfig>>,
    /// An LLM judge: one of this gateway's models asked about texts the other tiers
    /// leave uncertain. None by default.
    #[schemars(with = "Option<LlmJudgeConfig>")]
    pub llm_judge: Option<Spanned<LlmJudgeConfig>>,
    /// Milliseconds without new data from the provider after which a streamed answer's
    /// held-back tail is judged again: a tail that is already one whole match the policy
    /// rewrites goes out (redacted) instead of waiting; text that may still become a
    /// match stays held. 0 turns the timer off. Default 75, at most 10000.
    #[schemars(with = "Option<u64>")]
    pub stream_release_ms: Option<Spanned<u64>>,
}

/// Default of `[guard] stream_release_ms`.
pub const DEFAULT_STREAM_RELEASE_MS: u64 = 75;

impl GuardConfig {
    /// The pause after which a stream's held tail is judged again (`None`: never).
    pub fn stream_release(&self) -> Option<std::time::Duration> {
        let ms = self
            .stream_release_ms
            .as_ref()
            .map_or(DEFAULT_STREAM_RELEASE_MS, |m| *m.get_ref());
        (ms > 0).then(|| std::time::Duration::from_millis(ms))
    }
}

/// `[guard.semantic]`: the semantic injection tier, a sentence encoder with a trained head
/// that runs inside the gateway (`rampart-semantic`). Like every extra tier it can only
/// raise the injection score. Its cost is milliseconds per text (about 10 ms per 1,000
/// characters on one core) against microseconds for the cheap tiers, hence the roles,
/// the length bound and the cascade.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SemanticConfig {
    /// `auto` (default): on when the model file exists, otherwise one log line at start
    /// naming the install command. `on`: required; a missing, truncated, corrupt or
    /// foreign model file is a start-up error. `off`: not used.
    #[serde(default = "default_semantic_enabled")]
    #[schemars(with = "SemanticEnabled")]
    pub enabled: Spanned<SemanticEnabled>,
    /// The model file, relative to this config. Default: where
    /// `scripts/install-semantic-model` puts it (`$RAMPART_MODEL_DIR`, else
    /// `$XDG_DATA_HOME/rampart/models`, else `~/.local/share/rampart/models`, file
    /// `use-m3.rsem`).
    #[schemars(with = "Option<Interpolated>")]
    pub model: Option<Spanned<Interpolated>>,
    /// Roles of the input texts scored (answers never are). Default
    /// `["user", "tool", "document"]`.
    #[serde(default = "default_semantic_roles")]
    #[schemars(with = "Vec<String>")]
    pub roles: Spanned<Vec<Role>>,
    /// Characters of a text read at most (the cost bound; the cheap tiers always read the
    /// whole text). Default 4000, at most 100000.
    #[serde(default = "default_semantic_max_chars")]
    #[schemars(with = "usize")]
    pub max_chars: Spanned<usize>,
    /// A long text is read in windows of this many characters (so an instruction at the
    /// end of a long document is seen whole by one window); the highest score counts.
    /// Default 1500.
    #[serde(default = "default_semantic_window")]
    #[schemars(with = "usize")]
    pub window_chars: Spanned<usize>,
    /// Characters between window starts, at most `window_chars`. Default 1000.
    #[serde(default = "default_semantic_stride")]
    #[schemars(with = "usize")]
    pub stride_chars: Spanned<usize>,
    /// `all` (default): every text of a scored role. `uncertain`: only texts whose cheap
    /// score lies in `uncertain_band` (cheaper; misses the attacks the cheap tiers score
    /// near zero, which are most of what this tier is for).
    #[serde(default)]
    pub cascade: SemanticCascadeConfig,
    /// `[low, high]`: with `cascade = "uncertain"`, the cheap scores (`low` included,
    /// `high` excluded) for which the tier is asked. Default `[0.05, 0.5]`.
    #[serde(default = "default_semantic_band")]
    #[schemars(with = "[f32; 2]")]
    pub uncertain_band: Spanned<[f32; 2]>,
}

/// `[guard.llm_judge]`: asks one of this gateway's `[[models]]` a fixed classification
/// question (the text fenced as data, the answer exactly `{"injection": P}`) about input
/// texts whose combined injection score lies in `band`. Its answer can only raise the
/// score. Questions cost a model call: they are cached, bounded per tenant and timed out.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LlmJudgeConfig {
    /// The `[[models]]` name asked (its first deployment's provider and upstream model).
    #[schemars(with = "String")]
    pub model: Spanned<String>,
    /// `[low, high]`: combined scores (`low` included, `high` excluded) asked about.
    /// Default `[0.15, 0.5]`.
    #[serde(default = "default_judge_band")]
    #[schemars(with = "[f32; 2]")]
    pub band: Spanned<[f32; 2]>,
    /// Time allowed per question in milliseconds (1 to 60000). Default 3000.
    #[serde(default = "default_judge_timeout")]
    #[schemars(with = "u64")]
    pub timeout_ms: Spanned<u64>,
    /// Questions per tenant per minute (cached answers are free); past it the judge gives
    /// no opinion and `on_error` decides. Default 60.
    #[serde(default = "default_judge_budget")]
    #[schemars(with = "u32")]
    pub calls_per_minute: Spanned<u32>,
    /// Answers kept for repeated texts, by SHA-256; 0 disables. Default 4096.
    #[serde(default = "default_judge_cache")]
    pub cache_entries: usize,
    /// Characters of a text sent at most (its beginning). Default 4000.
    #[serde(default = "default_judge_max_chars")]
    #[schemars(with = "usize")]
    pub max_chars: Spanned<usize>,
    /// Roles whose input texts are judged. Default `["user", "tool", "document"]`.
    #[serde(default = "default_external_roles")]
    #[schemars(with = "Vec<String>")]
    pub roles: Spanned<Vec<Role>>,
    /// When the judge times out, fails, answers anything but `{"injection": P}` or the
    /// tenant's budget is spent: `use_builtin` (default: the other tiers' decision stands)
    /// or `block` (refuse the request with 503 `guard_unavailable`).
    #[serde(default)]
    pub on_error: ExternalOnError,
}

fn default_judge_band() -> Spanned<[f32; 2]> {
    Spanned::new(0..0, crate::llm_judge::DEFAULT_BAND)
}
fn default_judge_timeout() -> Spanned<u64> {
    Spanned::new(0..0, crate::llm_judge::DEFAULT_TIMEOUT_MS)
}
fn default_judge_budget() -> Spanned<u32> {
    Spanned::new(0..0, crate::llm_judge::DEFAULT_CALLS_PER_MINUTE)
}
fn default_judge_cache() -> usize {
    crate::llm_judge::DEFAULT_CACHE_ENTRIES
}
fn default_judge_max_chars() -> Spanned<usize> {
    Spanned::new(0..0, crate::llm_judge::DEFAULT_MAX_CHARS)
}

/// `[guard.semantic] enabled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SemanticEnabled {
    #[default]
    Auto,
    On,
    Off,
}

/// `[guard.semantic] cascade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SemanticCascadeConfig {
    #[default]
    All,
    Uncertain,
}

/// Defaults of `[guard.semantic]` (the same as `rampart-semantic`'s `TierSettings`).
pub const DEFAULT_SEMANTIC_MAX_CHARS: usize = 4_000;
pub const DEFAULT_SEMANTIC_WINDOW_CHARS: usize = 1_500;
pub const DEFAULT_SEMANTIC_STRIDE_CHARS: usize = 1_000;
pub const DEFAULT_SEMANTIC_BAND: [f32; 2] = [0.05, 0.5];

fn default_semantic_enabled() -> Spanned<SemanticEnabled> {
    Spanned::new(0..0, SemanticEnabled::Auto)
}
fn default_semantic_roles() -> Spanned<Vec<Role>> {
    Spanned::new(0..0, vec![Role::User, Role::Tool, Role::Document])
}
fn default_semantic_max_chars() -> Spanned<usize> {
    Spanned::new(0..0, DEFAULT_SEMANTIC_MAX_CHARS)
}
fn default_semantic_window() -> Spanned<usize> {
    Spanned::new(0..0, DEFAULT_SEMANTIC_WINDOW_CHARS)
}
fn default_semantic_stride() -> Spanned<usize> {
    Spanned::new(0..0, DEFAULT_SEMANTIC_STRIDE_CHARS)
}
fn default_semantic_band() -> Spanned<[f32; 2]> {
    Spanned::new(0..0, DEFAULT_SEMANTIC_BAND)
}

/// `[guard.external_classifier]`: a model server speaking Hugging Face
/// text-embeddings-inference `POST /predict` (`{"inputs": TEXT, "truncate": true}` →
/// `[{"label", "score"}]`; the Inference API's `[[{"label", "score"}]]` too). Its attack
/// probability (the sum of the `injection_labels` scores) is combined with the built-in
/// score by maximum, so it can block more, never less. Asked about input texts only.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalClassifierConfig {
    /// The classification endpoint, e.g. `http://127.0.0.1:8080/predict`. TLS is verified
    /// (system roots plus `ca_bundle`); redirects are not followed.
    #[schemars(with = "Interpolated")]
    pub url: Spanned<Interpolated>,
    /// Time allowed per question, connection included, in milliseconds (1 to 60000).
    /// Default 200. Each inspected message waits at most this long.
    #[serde(default = "default_external_timeout")]
    #[schemars(with = "u64")]
    pub timeout_ms: Spanned<u64>,
    /// Labels that mean "attack", compared ignoring case; their scores are added.
    /// Default `["INJECTION", "JAILBREAK", "LABEL_1", "MALICIOUS"]`.
    #[serde(default = "default_injection_labels")]
    #[schemars(with = "Vec<String>")]
    pub injection_labels: Spanned<Vec<String>>,
    /// When the server times out, cannot be reached or answers nonsense:
    /// `use_builtin` (default: the built-in decision stands) or `block` (fail closed:
    /// the request is refused with 503 `guard_unavailable`).
    #[serde(default)]
    pub on_error: ExternalOnError,
    /// The name of an environment variable holding a bearer token for the server (sent
    /// as `Authorization: Bearer`; never logged).
    #[schemars(with = "Option<String>")]
    pub api_key_env: Option<Spanned<String>>,
    /// The most characters sent in one request. A longer text is sent as overlapping
    /// windows of this many characters (at most 8: the first 7 and one ending at the
    /// text's end), and scores as its highest window. Default 8192.
    #[serde(default = "default_external_max_chars")]
    #[schemars(with = "usize")]
    pub max_chars: Spanned<usize>,
    /// Roles whose input texts are sent: `system`, `user`, `assistant`, `tool`,
    /// `document`. Default `["user", "tool", "document"]` (system prompts are
    /// instructions by design, and would look like injections to most models).
    #[serde(default = "default_external_roles")]
    #[schemars(with = "Vec<String>")]
    pub roles: Spanned<Vec<Role>>,
    /// PEM bundle of CAs trusted for this server, added to the system roots.
    pub ca_bundle: Option<Interpolated>,
    /// Answers kept for repeated texts (a conversation re-sends its history on every
    /// turn), by SHA-256 of the text sent; emptied on reload. 0 disables. Default 4096.
    #[serde(default = "default_external_cache")]
    pub cache_entries: usize,
}

/// `[guard.external_classifier] on_error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExternalOnError {
    /// The built-in decision stands.
    #[default]
    UseBuiltin,
    /// Refuse the request (fail closed).
    Block,
}

fn default_external_timeout() -> Spanned<u64> {
    Spanned::new(0..0, external::DEFAULT_TIMEOUT_MS)
}
fn default_injection_labels() -> Spanned<Vec<String>> {
    Spanned::new(
        0..0,
        external::DEFAULT_INJECTION_LABELS
            .map(String::from)
            .to_vec(),
    )
}
fn default_external_max_chars() -> Spanned<usize> {
    Spanned::new(0..0, external::DEFAULT_MAX_CHARS)
}
fn default_external_cache() -> usize {
    external::DEFAULT_CACHE_ENTRIES
}
fn default_external_roles() -> Spanned<Vec<Role>> {
    Spanned::new(0..0, external::DEFAULT_ROLES.to_vec())
}

fn guard_mode_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "enum": ["enforce", "monitor", "off"]
    })
}

fn inline_policy_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "description": "An inline guard policy, the same shape as a `rampart guard` policy file (checked by `rampart config check`)."
    })
}

impl Config {
    /// `[guard.semantic]` resolved (defaults when the section is absent), or `None` with
    /// `enabled = "off"`. The numbers were checked by [`Config::validate`].
    pub fn semantic_settings(&self) -> Option<SemanticSettings> {
        let defaults;
        let s = match &self.guard.semantic {
            Some(s) => s.get_ref(),
            None => {
                defaults = SemanticConfig::default();
                &defaults
            }
        };
        let mode = match *s.enabled.get_ref() {
            SemanticEnabled::Off => return None,
            SemanticEnabled::Auto => SemanticMode::Auto,
            SemanticEnabled::On => SemanticMode::On,
        };
        let [low, high] = *s.uncertain_band.get_ref();
        Some(SemanticSettings {
            mode,
            model: s
                .model
                .as_ref()
                .map(|m| self.relative_path(m.get_ref().as_str())),
            roles: s.roles.get_ref().clone(),
            max_chars: *s.max_chars.get_ref(),
            window_chars: *s.window_chars.get_ref(),
            stride_chars: *s.stride_chars.get_ref(),
            cascade: match s.cascade {
                SemanticCascadeConfig::All => SemanticCascade::All,
                SemanticCascadeConfig::Uncertain => SemanticCascade::Uncertain { low, high },
            },
        })
    }

    /// Why the semantic tier cannot run as configured, located at the key that asked for
    /// it: `model` when given, else `enabled`, else the section.
    pub fn semantic_error(&self, reason: impl fmt::Display) -> ConfigError {
        let Some(s) = &self.guard.semantic else {
            return self.invalid(0..0, "guard.semantic", reason);
        };
        let c = s.get_ref();
        match &c.model {
            Some(m) => self.invalid(m.span(), "guard.semantic.model", reason),
            None if c.enabled.span().end > 0 => {
                self.invalid(c.enabled.span(), "guard.semantic.enabled", reason)
            }
            None => self.invalid(s.span(), "guard.semantic", reason),
        }
    }

    /// The external classifier's client settings, when one is configured. Reads the
    /// token from `api_key_env` (an unset variable is an error naming the key and the
    /// variable, never a value).
    pub fn external_settings(&self) -> Result<Option<ExternalSettings>, ConfigError> {
        let Some(ext) = &self.guard.external_classifier else {
            return Ok(None);
        };
        let e = ext.get_ref();
        let api_key = match &e.api_key_env {
            Some(var) => Some(std::env::var(var.get_ref()).map_err(|_| {
                self.invalid(
                    var.span(),
                    "guard.external_classifier.api_key_env",
                    format!("environment variable `{}` is not set", var.get_ref()),
                )
            })?),
            None => None,
        };
        Ok(Some(ExternalSettings {
            url: e.url.get_ref().as_str().to_owned(),
            timeout: Duration::from_millis(*e.timeout_ms.get_ref()),
            injection_labels: e.injection_labels.get_ref().clone(),
            on_error: match e.on_error {
                ExternalOnError::UseBuiltin => OnExternalError::UseBuiltIn,
                ExternalOnError::Block => OnExternalError::Fail,
            },
            api_key,
            max_chars: *e.max_chars.get_ref(),
            roles: e.roles.get_ref().clone(),
            ca_bundle: e
                .ca_bundle
                .as_ref()
                .map(|p| self.relative_path(p.as_str()).display().to_string()),
            cache_entries: e.cache_entries.min(1 << 20),
        }))
    }

    /// The user's own injection model named by the policy's `injection_model` (already
    /// resolved by [`Config::guard_policy`]), read and checked; errors name the key.
    pub fn injection_model(&self, policy: &Policy) -> Result<Option<InjectionModel>, ConfigError> {
        let Some(path) = &policy.injection_model else {
            return Ok(None);
        };
        let (location, key) = match &self.guard.policy_file {
            Some(file) => (
                self.relative_path(file.as_str()).display().to_string(),
                "injection_model",
            ),
            None => (self.origin(), "guard.policy.injection_model"),
        };
        read_injection_model(path)
            .map(Some)
            .map_err(|reason| ConfigError::Invalid {
                location,
                message: format!("`{key}`: {reason}"),
            })
    }

    /// The guard policy: the policy file or inline policy (default policy otherwise), with
    /// `[guard] mode` applied on top.
    pub fn guard_policy(&self) -> Result<Policy, ConfigError> {
        let mut policy = match (&self.guard.policy_file, &self.guard.policy) {
            (Some(_), Some(_)) => {
                return Err(self.invalid(
                    0..0,
                    "guard.policy_file",
                    "give either `policy_file` or an inline `[guard.policy]`, not both",
                ));
            }
            (Some(file), None) => {
                let path = self.relative_path(file.as_str());
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    self.invalid(
                        0..0,
                        "guard.policy_file",
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                let mut policy =
                    Policy::from_toml_str(&text).map_err(|e| ConfigError::Invalid {
                        location: path.display().to_string(),
                        message: e.to_string(),
                    })?;
                // A model file named in a policy file is relative to that file.
                if let Some(dir) = path.parent() {
                    policy.resolve_paths(dir);
                }
                policy
            }
            (None, Some(p)) => {
                let mut policy = p.clone();
                if let Some(dir) = self.source.as_ref().and_then(|s| s.parent()) {
                    policy.resolve_paths(dir);
                }
                policy
            }
            (None, None) => Policy::default(),
        };
        if let Some(mode) = self.guard.mode {
            policy.mode = mode;
        }
        Ok(policy)
    }
}

/// Read and check a user's injection model file (the `injection_model` of a policy). The
/// read is bounded by the only valid size, so a wrong path to a huge file costs nothing.
pub fn read_injection_model(path: &Path) -> Result<InjectionModel, String> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(InjectionModel::FILE_LEN);
    std::fs::File::open(path)
        .and_then(|f| {
            f.take(InjectionModel::FILE_LEN as u64 + 1)
                .read_to_end(&mut bytes)
        })
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    InjectionModel::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

impl Default for SemanticConfig {
    fn default() -> Self {
        SemanticConfig {
            enabled: default_semantic_enabled(),
            model: None,
            roles: default_semantic_roles(),
            max_chars: default_semantic_max_chars(),
            window_chars: default_semantic_window(),
            stride_chars: default_semantic_stride(),
            cascade: SemanticCascadeConfig::All,
            uncertain_band: default_semantic_band(),
        }
    }
}
