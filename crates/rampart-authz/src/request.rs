//! The request vocabulary: who ([`Subject`]) wants to do what ([`Action`]) to what
//! ([`Resource`]) in which circumstances ([`Context`]). Plain data, independent of Cedar,
//! so that the gateway's adapter and the CLI's fixtures fill it without knowing the
//! policy language; [`crate::engine`] turns it into Cedar entities and a context.

use rampart_core::FindingKind;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// The entity type of the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PrincipalKind {
    /// A person with an OpenID bearer token.
    User,
    /// A workload with an OpenID bearer token (client credentials).
    Service,
    /// A Rampart API key.
    Key,
}

impl PrincipalKind {
    pub fn type_name(self) -> &'static str {
        match self {
            PrincipalKind::User => "User",
            PrincipalKind::Service => "Service",
            PrincipalKind::Key => "Key",
        }
    }
}

/// The principal: its entity and what it is a member of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: PrincipalKind,
    /// The key id, or the token's subject.
    pub id: String,
    /// `Tenant::"<tenant>"` parent.
    pub tenant: Option<String>,
    /// `Group::"<group>"` parents (a token's group claim).
    pub groups: Vec<String>,
    /// A token's role claim (`principal.roles`).
    pub roles: Vec<String>,
    /// A token's issuer label (`principal.issuer`); a key's name (`principal.name`).
    pub label: String,
}

/// The actions of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    InvokeModel,
    Embed,
    CallTool,
    ReadAudit,
    ManageKeys,
    ManagePolicies,
    ReadReports,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::InvokeModel,
        Action::Embed,
        Action::CallTool,
        Action::ReadAudit,
        Action::ManageKeys,
        Action::ManagePolicies,
        Action::ReadReports,
    ];

    /// The action's id: `Action::"<name>"`.
    pub fn name(self) -> &'static str {
        match self {
            Action::InvokeModel => "invoke_model",
            Action::Embed => "embed",
            Action::CallTool => "call_tool",
            Action::ReadAudit => "read_audit",
            Action::ManageKeys => "manage_keys",
            Action::ManagePolicies => "manage_policies",
            Action::ReadReports => "read_reports",
        }
    }

    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// The resource of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// `Model::"<name>"`, member of `Provider::"<provider>"` (whose `kind` attribute is the
    /// provider's protocol).
    Model {
        name: String,
        provider: String,
        provider_kind: String,
    },
    Tool {
        name: String,
    },
    Tenant {
        name: String,
    },
}

/// The request's circumstances (`context` in policies).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    pub data_classes: BTreeSet<String>,
    pub source_ip: Option<IpAddr>,
    /// 0–23, UTC.
    pub hour: u8,
    /// ISO weekday, 1 = Monday … 7 = Sunday, UTC.
    pub weekday: u8,
    /// Kinds of the guard's input findings (`pii`, `secret`, …).
    pub guard_findings: BTreeSet<String>,
    pub tokens: u64,
}

/// One authorisation question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: Subject,
    pub action: Action,
    pub resource: Resource,
    pub context: Context,
}

/// The data classes of a request from the kinds of the guard's input findings:
///
/// | finding kind | class |
/// |---|---|
/// | `pii` (personal data) | `confidential` |
/// | `secret` (credentials, keys) | `restricted` |
///
/// Other kinds (injection, jailbreak, …) are about intent, not data, and add no class;
/// policies see them in `context.guard_findings`.
pub fn data_classes(kinds: impl IntoIterator<Item = FindingKind>) -> BTreeSet<String> {
    kinds
        .into_iter()
        .filter_map(|k| match k {
            FindingKind::Pii => Some("confidential"),
            FindingKind::Secret => Some("restricted"),
            _ => None,
        })
        .map(str::to_owned)
        .collect()
}

/// `(ISO weekday, hour)` in UTC of a time in milliseconds since the Unix epoch.
pub fn weekday_hour(time_ms: i64) -> (u8, u8) {
    const DAY_MS: i64 = 86_400_000;
    let days = time_ms.div_euclid(DAY_MS);
    let in_day = time_ms.rem_euclid(DAY_MS);
    // 1970-01-01 was a Thursday (ISO 4).
    let weekday = (days + 3).rem_euclid(7) + 1;
    let hour = in_day / 3_600_000;
    (
        u8::try_from(weekday).unwrap_or(1),
        u8::try_from(hour).unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_and_hour_in_utc() {
        assert_eq!(weekday_hour(0), (4, 0)); // Thursday 1970-01-01 00:00
        // 2026-12-07 20:08 UTC is a Monday.
        assert_eq!(weekday_hour(1_796_674_080_000), (1, 20));
        // One millisecond before the epoch: Wednesday 23:59.
        assert_eq!(weekday_hour(-1), (3, 23));
    }

    #[test]
    fn pii_is_confidential_and_secrets_restricted() {
        let c = data_classes([
            FindingKind::Pii,
            FindingKind::PromptInjection,
            FindingKind::Secret,
            FindingKind::Pii,
        ]);
        assert_eq!(
            c.into_iter().collect::<Vec<_>>(),
            ["confidential", "restricted"]
        );
        assert!(data_classes([FindingKind::Jailbreak]).is_empty());
    }

    #[test]
    fn actions_round_trip_by_name() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.name()), Some(a));
        }
        assert_eq!(Action::parse("delete_everything"), None);
    }
}
