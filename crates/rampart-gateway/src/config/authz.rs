//! `[authz]`: Cedar authorisation policies.

use super::*;

/// `[authz]`: the policies that decide who may call which model, with which data. When
/// the section is present, every model call and embedding is decided by the `*.cedar`
/// files of `policy_dir` for each candidate deployment (validated against
/// `docs/authz.cedarschema`; a file that is not valid refuses the config, at start and on
/// reload, so the policies in force stay). Keys' own `models` lists still apply.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthzConfig {
    /// The folder of the `*.cedar` policy files, relative to the config file's folder.
    #[schemars(with = "Interpolated")]
    pub policy_dir: Spanned<Interpolated>,
}

impl Config {
    /// `[authz] policy_dir`, resolved against the config file's folder.
    pub fn authz_policy_dir(&self) -> Option<PathBuf> {
        self.authz
            .as_ref()
            .map(|a| self.relative_path(&a.policy_dir.get_ref().0))
    }

    /// An error about `[authz] policy_dir` (the policies could not be loaded), naming the
    /// key and its line; `reason` names the policy files and lines.
    pub fn authz_error(&self, reason: impl fmt::Display) -> ConfigError {
        match &self.authz {
            Some(a) => self.invalid(a.policy_dir.span(), "authz.policy_dir", reason),
            None => self.invalid(0..0, "authz", reason),
        }
    }
}
