//! The guard policy: what to do with each kind of finding, per direction.
//!
//! A policy is plain data, read from TOML with unknown keys refused. Every field has a
//! documented default, so an empty policy is the default policy:
//!
//! ```toml
//! mode = "enforce"            # enforce | monitor | off
//! injection_threshold = 0.5   # injection score at which a prompt-injection finding is raised
//!
//! [input]                     # text on its way to a model
//! prompt_injection = "block"
//! jailbreak = "block"
//! pii = "pseudonymize"        # the model sees <EMAIL_ADDRESS_1>; the answer gets the value back
//! secret = "redact"
//! invisible_text = "redact"
//! exfiltration = "log"
//! custom = "block"
//!
//! [output]                    # text on its way back to a user
//! prompt_injection = "log"
//! jailbreak = "log"
//! pii = "redact"
//! secret = "redact"
//! invisible_text = "redact"
//! exfiltration = "redact"
//! custom = "block"
//! ```

use crate::error::PolicyError;
use rampart_core::{Direction, FindingKind};
use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Ignore the finding.
    Allow,
    /// Record the finding, change nothing.
    Log,
    /// Replace the match with its type: `[EMAIL_ADDRESS]`.
    Redact,
    /// Keep only the last four characters: `****1234`.
    Mask,
    /// Replace the match with a per-request token (`<EMAIL_ADDRESS_1>`) restored in the answer.
    Pseudonymize,
    /// Refuse the whole text.
    Block,
}

/// The action for each finding kind in one direction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DirectionPolicy {
    pub prompt_injection: Action,
    pub jailbreak: Action,
    pub pii: Action,
    pub secret: Action,
    pub invisible_text: Action,
    pub exfiltration: Action,
    pub custom: Action,
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
        }
    }

    /// The action for findings of `kind`.
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

    fn overridden_by(mut self, o: DirectionOverrides) -> Self {
        let DirectionOverrides {
            prompt_injection,
            jailbreak,
            pii,
            secret,
            invisible_text,
            exfiltration,
            custom,
        } = o;
        self.prompt_injection = prompt_injection.unwrap_or(self.prompt_injection);
        self.jailbreak = jailbreak.unwrap_or(self.jailbreak);
        self.pii = pii.unwrap_or(self.pii);
        self.secret = secret.unwrap_or(self.secret);
        self.invisible_text = invisible_text.unwrap_or(self.invisible_text);
        self.exfiltration = exfiltration.unwrap_or(self.exfiltration);
        self.custom = custom.unwrap_or(self.custom);
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
}

/// A policy as written in a file, before defaults are filled in.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    mode: Option<GuardMode>,
    injection_threshold: Option<f32>,
    #[serde(default)]
    input: DirectionOverrides,
    #[serde(default)]
    output: DirectionOverrides,
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
            input: defaults.input.overridden_by(file.input),
            output: defaults.output.overridden_by(file.output),
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
    pub input: DirectionPolicy,
    pub output: DirectionPolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            mode: GuardMode::Enforce,
            injection_threshold: 0.5,
            input: DirectionPolicy::default_input(),
            output: DirectionPolicy::default_output(),
        }
    }
}

impl Policy {
    /// Parse and validate a policy from TOML text.
    pub fn from_toml_str(text: &str) -> Result<Policy, PolicyError> {
        toml::from_str(text).map_err(|e| PolicyError::Parse(e.to_string()))
    }

    /// Check the values that the type system cannot.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if !(0.0..=1.0).contains(&self.injection_threshold) {
            return Err(PolicyError::Invalid {
                key: "injection_threshold".into(),
                reason: format!("must be between 0 and 1, got {}", self.injection_threshold),
            });
        }
        Ok(())
    }

    /// The action for a finding of `kind` seen in `direction`.
    pub fn action(&self, kind: FindingKind, direction: Direction) -> Action {
        match direction {
            Direction::Input => self.input.action(kind),
            Direction::Output => self.output.action(kind),
        }
    }
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
}
