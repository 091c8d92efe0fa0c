//! The shared vocabulary of Rampart.
//!
//! Every other crate speaks in these types: what a guard found in a piece of text
//! ([`Finding`], [`FindingKind`]), what to do about it ([`Decision`]), how bad a scanner
//! finding is ([`Severity`]), and where a text came from ([`Role`], [`Direction`]). They
//! carry no I/O and no logic beyond ordering and (de)serialisation, so that the wire
//! contracts live in one place. Three helpers live here because every crate needs them:
//! [`redact::redact_url`] (how any crate shows a URL), [`calendar`] (UTC dates and
//! RFC 3339 without a date crate), [`text`] (cutting UTF-8 text at a byte offset) and
//! [`net`] (which addresses an outbound fetch may reach: the SSRF rules).
//! [`audit::AuditRecord`] is the one record of a request that the gateway emits and the
//! audit store keeps.

pub mod audit;
pub mod calendar;
pub mod net;
pub mod redact;
pub mod text;

use serde::{Deserialize, Serialize};
use std::fmt;

/// How serious a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The lower-case name used in every wire format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}`: expected one of info, low, medium, high, critical"
            )),
        }
    }
}

/// What the guard decided about a piece of text. Ordered by strictness, so the decision
/// for a request is the `max` of the decisions for its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Allow,
    Redact,
    Block,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Redact => "redact",
            Decision::Block => "block",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The family a guard finding belongs to (the `kind` field of the `rampart guard --jsonl`
/// contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    PromptInjection,
    Jailbreak,
    Pii,
    Secret,
    InvisibleText,
    Exfiltration,
    Custom,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::PromptInjection => "prompt_injection",
            FindingKind::Jailbreak => "jailbreak",
            FindingKind::Pii => "pii",
            FindingKind::Secret => "secret",
            FindingKind::InvisibleText => "invisible_text",
            FindingKind::Exfiltration => "exfiltration",
            FindingKind::Custom => "custom",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who wrote a piece of text. Instructions are expected from `System` and `User`; the same
/// words in a `Tool` result or a retrieved `Document` are indirect prompt injection.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    #[default]
    User,
    Assistant,
    Tool,
    Document,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::Document => "document",
        }
    }

    /// Text that did not come from the people operating or using the application.
    pub fn is_untrusted_content(self) -> bool {
        matches!(self, Role::Tool | Role::Document)
    }
}

/// Whether text is on its way to a model (`Input`) or back to a user (`Output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Input,
    Output,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Input => "input",
            Direction::Output => "output",
        }
    }
}

/// One thing the guard found in a text.
///
/// `start` and `end` are Unicode code-point offsets into the *original* text (end
/// exclusive), as the `rampart guard --jsonl` contract requires. A finding never carries
/// the matched value: audit records and logs must not hold secrets or personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// Upper-case entity or rule name, such as `EMAIL_ADDRESS` or `AWS_ACCESS_KEY`.
    #[serde(rename = "type")]
    pub entity: String,
    pub start: usize,
    pub end: usize,
    /// Confidence in `[0, 1]`.
    pub score: f32,
}

impl Finding {
    pub fn new(
        kind: FindingKind,
        entity: impl Into<String>,
        start: usize,
        end: usize,
        score: f32,
    ) -> Self {
        Finding {
            kind,
            entity: entity.into(),
            start,
            end,
            score: score.clamp(0.0, 1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_serialises_to_the_jsonl_contract_shape() {
        let f = Finding::new(FindingKind::Pii, "EMAIL_ADDRESS", 3, 20, 0.99);
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["kind"], "pii");
        assert_eq!(v["type"], "EMAIL_ADDRESS");
        assert_eq!(v["start"], 3);
        assert_eq!(v["end"], 20);
    }

    #[test]
    fn decisions_order_by_strictness() {
        assert!(Decision::Block > Decision::Redact && Decision::Redact > Decision::Allow);
        assert_eq!(
            [Decision::Redact, Decision::Block, Decision::Allow]
                .into_iter()
                .max(),
            Some(Decision::Block)
        );
    }

    #[test]
    fn severity_parses_case_insensitively_and_rejects_unknown() {
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!(
            "severe"
                .parse::<Severity>()
                .unwrap_err()
                .contains("expected one of")
        );
    }

    #[test]
    fn score_is_clamped() {
        assert_eq!(
            Finding::new(FindingKind::Secret, "JWT", 0, 1, 7.0).score,
            1.0
        );
    }
}
