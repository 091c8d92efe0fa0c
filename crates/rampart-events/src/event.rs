//! The event model: one [`Event`] for each thing Rampart decides that a security team
//! wants in its SIEM, built from the [`AuditRecord`] the gateway already writes for each
//! request ([`Event::from_audit`]) or from an admin action ([`Event::admin_change`]).
//!
//! An event carries names, codes, counts and decisions; never prompt or completion text,
//! matched values or keys (the audit record it comes from holds none either).

use rampart_core::audit::{AbuseEvent, AuditRecord, FindingSummary};
use rampart_core::{Decision, Direction, FindingKind, Role, Severity};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The classes a sink can select with `classes = [...]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventClass {
    /// One per gateway request (OCSF API Activity 6003, `ai_operation` profile).
    ApiActivity,
    /// One per guard finding (OCSF Detection Finding 2004).
    DetectionFinding,
    /// A request's authentication, success or failure (OCSF Authentication 3002).
    Authentication,
    /// A request the authorisation policies or the key's model list refused (OCSF API
    /// Activity 6003 with status failure and the policies that decided).
    PolicyDenial,
    /// A brute-force block or a key suspension (OCSF Detection Finding 2004).
    Abuse,
    /// A change through the admin API: keys, tenants, limits, policies (OCSF Entity
    /// Management 3004).
    AdminChange,
}

impl EventClass {
    pub const ALL: [EventClass; 6] = [
        EventClass::ApiActivity,
        EventClass::DetectionFinding,
        EventClass::Authentication,
        EventClass::PolicyDenial,
        EventClass::Abuse,
        EventClass::AdminChange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventClass::ApiActivity => "api_activity",
            EventClass::DetectionFinding => "detection_finding",
            EventClass::Authentication => "authentication",
            EventClass::PolicyDenial => "policy_denial",
            EventClass::Abuse => "abuse",
            EventClass::AdminChange => "admin_change",
        }
    }
}

impl fmt::Display for EventClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EventClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = EventClass::ALL.iter().map(|c| c.as_str()).collect();
                format!(
                    "unknown event class `{s}`: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// One security event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique per event: the request id, with a suffix for the second and later events of
    /// one request (`.auth`, `.f1`, ...). Webhooks send it as `webhook-id`.
    pub id: String,
    /// When it happened, milliseconds since the Unix epoch (UTC).
    pub time_ms: i64,
    pub tenant: Option<String>,
    pub severity: Severity,
    /// The gateway request it belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub detail: Detail,
}

/// What happened, by class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum Detail {
    ApiActivity(ApiActivity),
    DetectionFinding(DetectionFinding),
    Authentication(Authentication),
    PolicyDenial(PolicyDenial),
    Abuse(Abuse),
    AdminChange(AdminChange),
}

/// A gateway request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiActivity {
    /// The API surface, e.g. `openai.chat_completions`.
    pub surface: String,
    pub key_id: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub deployment: Option<String>,
    pub decision: Decision,
    /// The HTTP status returned to the client.
    pub status: u16,
    /// The refusal code, when refused before or outside the guard.
    pub reason: Option<String>,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    pub upstream_latency_ms: Option<u64>,
    pub findings: u32,
}

/// A guard finding: its family, entity type, score when known, direction and role.
/// Never the matched value or the text around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionFinding {
    pub kind: FindingKind,
    /// Upper-case entity or rule name, e.g. `EMAIL_ADDRESS`.
    #[serde(rename = "type")]
    pub entity: String,
    /// The detector's score in 0..=1, when it gave one.
    pub score: Option<f64>,
    pub direction: Option<Direction>,
    pub role: Option<Role>,
    /// What the guard did with the request.
    pub decision: Decision,
    pub surface: String,
    pub key_id: Option<String>,
    pub model: Option<String>,
}

/// A request's authentication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authentication {
    pub success: bool,
    /// The key (or token subject) that authenticated; on failure, none.
    pub key_id: Option<String>,
    pub surface: String,
    pub status: u16,
    /// Why it failed (`unauthenticated`, `auth_blocked`, `key_suspended`, ...).
    pub reason: Option<String>,
    /// Failures before this one that were sampled out of the audit log.
    #[serde(default)]
    pub unrecorded_before: u64,
}

/// A request refused by policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyDenial {
    pub surface: String,
    pub key_id: Option<String>,
    pub model: Option<String>,
    pub status: u16,
    pub reason: Option<String>,
    /// The principal as the policies saw it, e.g. `Key::"k1"`.
    pub principal: Option<String>,
    /// The determining policy ids.
    pub policies: Vec<String>,
    pub data_classes: Vec<String>,
}

/// A brute-force block or a key suspension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Abuse {
    /// `auth_block` or `key_suspension`.
    pub kind: String,
    /// `source_address`, `key_prefix` or `key`.
    pub subject_kind: String,
    /// The address (IPv6: its /64), key prefix or key id: never a whole key.
    pub subject: String,
    pub block_secs: Option<u64>,
    pub strike: Option<u32>,
}

/// A change made through the admin API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminChange {
    /// `create`, `update`, `delete`, `suspend`, `restore`, `activate`.
    pub action: String,
    /// `key`, `tenant`, `limit`, `policy`.
    pub entity_type: String,
    /// The key id, tenant name, policy version: never a secret.
    pub entity_id: String,
    /// Who did it, as the admin API named the caller.
    pub actor: String,
    pub success: bool,
}

impl Event {
    pub fn class(&self) -> EventClass {
        match &self.detail {
            Detail::ApiActivity(_) => EventClass::ApiActivity,
            Detail::DetectionFinding(_) => EventClass::DetectionFinding,
            Detail::Authentication(_) => EventClass::Authentication,
            Detail::PolicyDenial(_) => EventClass::PolicyDenial,
            Detail::Abuse(_) => EventClass::Abuse,
            Detail::AdminChange(_) => EventClass::AdminChange,
        }
    }

    /// A short human title, the same in every format.
    pub fn title(&self) -> String {
        match &self.detail {
            Detail::ApiActivity(a) => format!("{} {} {}", a.surface, a.decision, a.status),
            Detail::DetectionFinding(f) => format!("{} {} detected", f.kind.as_str(), f.entity),
            Detail::Authentication(a) if a.success => "authentication succeeded".to_owned(),
            Detail::Authentication(_) => "authentication failed".to_owned(),
            Detail::PolicyDenial(_) => "request denied by policy".to_owned(),
            Detail::Abuse(a) => format!("{} of {}", a.kind, a.subject_kind),
            Detail::AdminChange(c) => format!("{} {} {}", c.action, c.entity_type, c.entity_id),
        }
    }

    /// The events of one audited request: an abuse record is one abuse event; any other
    /// is its API activity, its authentication, a policy denial when policy refused it,
    /// and one detection finding per guard finding.
    pub fn from_audit(record: &AuditRecord) -> Vec<Event> {
        let base = |suffix: &str, severity: Severity, detail: Detail| Event {
            id: format!("{}{suffix}", record.request_id),
            time_ms: record.time_ms,
            tenant: record.tenant.clone(),
            severity,
            request_id: Some(record.request_id.clone()),
            detail,
        };
        if let Some(abuse) = &record.abuse {
            return vec![base(
                "",
                abuse_severity(abuse),
                Detail::Abuse(abuse_detail(abuse)),
            )];
        }
        let reason = record.reason.as_deref();
        let mut events = Vec::with_capacity(2 + record.findings.len());
        events.push(base(
            "",
            activity_severity(record),
            Detail::ApiActivity(ApiActivity {
                surface: record.surface.clone(),
                key_id: record.key_id.clone(),
                model: record.model.clone(),
                provider: record.provider.clone(),
                deployment: record.deployment.clone(),
                decision: record.decision,
                status: record.status,
                reason: record.reason.clone(),
                tokens_in: record.tokens_in,
                tokens_out: record.tokens_out,
                upstream_latency_ms: record.upstream_latency_ms,
                findings: u32::try_from(record.findings.len()).unwrap_or(u32::MAX),
            }),
        ));
        let auth_failed =
            record.status == 401 || matches!(reason, Some(r) if AUTH_FAILURES.contains(&r));
        if auth_failed || record.key_id.is_some() {
            events.push(base(
                ".auth",
                if auth_failed {
                    Severity::Medium
                } else {
                    Severity::Info
                },
                Detail::Authentication(Authentication {
                    success: !auth_failed,
                    key_id: if auth_failed {
                        None
                    } else {
                        record.key_id.clone()
                    },
                    surface: record.surface.clone(),
                    status: record.status,
                    reason: if auth_failed {
                        record.reason.clone()
                    } else {
                        None
                    },
                    unrecorded_before: record.unrecorded_before,
                }),
            ));
        }
        let authz_denied = record.authz.as_ref().is_some_and(|a| a.decision == "deny");
        if authz_denied || matches!(reason, Some(r) if POLICY_DENIALS.contains(&r)) {
            let authz = record.authz.as_ref();
            events.push(base(
                ".policy",
                Severity::Medium,
                Detail::PolicyDenial(PolicyDenial {
                    surface: record.surface.clone(),
                    key_id: record.key_id.clone(),
                    model: record.model.clone(),
                    status: record.status,
                    reason: record.reason.clone(),
                    principal: authz.map(|a| a.principal.clone()),
                    policies: authz.map(|a| a.policies.clone()).unwrap_or_default(),
                    data_classes: authz.map(|a| a.data_classes.clone()).unwrap_or_default(),
                }),
            ));
        }
        for (i, finding) in record.findings.iter().enumerate() {
            events.push(base(
                &format!(".f{}", i + 1),
                finding_severity(finding, record.decision),
                Detail::DetectionFinding(DetectionFinding {
                    kind: finding.kind,
                    entity: finding.entity.clone(),
                    score: None,
                    direction: finding.direction,
                    role: None,
                    decision: record.decision,
                    surface: record.surface.clone(),
                    key_id: record.key_id.clone(),
                    model: record.model.clone(),
                }),
            ));
        }
        events
    }

    /// An admin API change, now.
    pub fn admin_change(
        tenant: Option<String>,
        change: AdminChange,
        time_ms: i64,
        id: impl Into<String>,
    ) -> Event {
        let severity = match change.action.as_str() {
            "delete" | "suspend" | "activate" => Severity::Medium,
            _ => Severity::Low,
        };
        Event {
            id: id.into(),
            time_ms,
            tenant,
            severity,
            request_id: None,
            detail: Detail::AdminChange(change),
        }
    }
}

/// Refusal codes that are failed authentications.
const AUTH_FAILURES: &[&str] = &[
    "unauthenticated",
    "invalid_api_key",
    "provider_key_refused",
    "auth_blocked",
    "key_suspended",
    "token_expired",
    "token_invalid",
];

/// Refusal codes that are policy decisions.
const POLICY_DENIALS: &[&str] = &["policy_denied", "model_not_allowed", "client_key_refused"];

fn activity_severity(record: &AuditRecord) -> Severity {
    match (record.decision, record.status) {
        (Decision::Block, _) => Severity::Medium,
        (Decision::Redact, _) => Severity::Low,
        (_, 401 | 403) => Severity::Low,
        _ => Severity::Info,
    }
}

fn finding_severity(finding: &FindingSummary, decision: Decision) -> Severity {
    let grave = matches!(
        finding.kind,
        FindingKind::PromptInjection
            | FindingKind::Jailbreak
            | FindingKind::Secret
            | FindingKind::Exfiltration
    );
    match (decision, grave) {
        (Decision::Block, true) => Severity::High,
        (Decision::Block, false) | (_, true) => Severity::Medium,
        _ => Severity::Low,
    }
}

fn abuse_severity(abuse: &AbuseEvent) -> Severity {
    if abuse.kind == "key_suspension" {
        Severity::High
    } else {
        Severity::Medium
    }
}

fn abuse_detail(abuse: &AbuseEvent) -> Abuse {
    Abuse {
        kind: abuse.kind.clone(),
        subject_kind: abuse.subject_kind.clone(),
        subject: abuse.subject.clone(),
        block_secs: abuse.block_secs,
        strike: abuse.strike,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::audit::AuthzSummary;

    #[test]
    fn a_blocked_request_is_an_activity_an_authentication_and_one_finding_each() {
        let mut r = AuditRecord::new(1_700_000_000_000, "req-1", "openai.chat_completions");
        r.key_id = Some("k1".into());
        r.tenant = Some("acme".into());
        r.decision = Decision::Block;
        r.status = 400;
        r.findings = vec![
            FindingSummary {
                kind: FindingKind::PromptInjection,
                entity: "INSTRUCTION_OVERRIDE".into(),
                direction: Some(Direction::Input),
            },
            FindingSummary {
                kind: FindingKind::Pii,
                entity: "EMAIL_ADDRESS".into(),
                direction: Some(Direction::Input),
            },
        ];
        let events = Event::from_audit(&r);
        let classes: Vec<_> = events.iter().map(Event::class).collect();
        assert_eq!(
            classes,
            [
                EventClass::ApiActivity,
                EventClass::Authentication,
                EventClass::DetectionFinding,
                EventClass::DetectionFinding
            ]
        );
        let ids: Vec<_> = events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["req-1", "req-1.auth", "req-1.f1", "req-1.f2"]);
        assert_eq!(events[2].severity, Severity::High);
        assert_eq!(events[3].severity, Severity::Medium);
        assert!(events.iter().all(|e| e.tenant.as_deref() == Some("acme")));
    }

    #[test]
    fn an_unauthenticated_request_is_a_failed_authentication_without_a_key() {
        let mut r = AuditRecord::new(1, "req-2", "openai.chat_completions");
        r.status = 401;
        r.reason = Some("unauthenticated".into());
        let events = Event::from_audit(&r);
        let Detail::Authentication(auth) = &events[1].detail else {
            panic!("expected an authentication event, got {events:?}");
        };
        assert!(!auth.success);
        assert_eq!(auth.reason.as_deref(), Some("unauthenticated"));
    }

    #[test]
    fn a_policy_deny_names_its_policies() {
        let mut r = AuditRecord::new(1, "req-3", "openai.chat_completions");
        r.key_id = Some("k1".into());
        r.status = 403;
        r.reason = Some("policy_denied".into());
        r.authz = Some(AuthzSummary {
            decision: "deny".into(),
            principal: "Key::\"k1\"".into(),
            policies: vec!["no-restricted".into()],
            data_classes: vec!["restricted".into()],
            denied_providers: vec![],
        });
        let events = Event::from_audit(&r);
        let denial = events
            .iter()
            .find_map(|e| match &e.detail {
                Detail::PolicyDenial(p) => Some(p),
                _ => None,
            })
            .expect("a policy denial");
        assert_eq!(denial.policies, ["no-restricted"]);
    }

    #[test]
    fn an_abuse_record_is_one_abuse_event() {
        let mut r = AuditRecord::new(1, "req-4", "openai.chat_completions");
        r.abuse = Some(AbuseEvent {
            kind: "key_suspension".into(),
            subject_kind: "key".into(),
            subject: "k9".into(),
            block_secs: None,
            strike: Some(3),
        });
        let events = Event::from_audit(&r);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].class(), EventClass::Abuse);
        assert_eq!(events[0].severity, Severity::High);
    }

    #[test]
    fn events_survive_a_json_round_trip() {
        let mut r = AuditRecord::new(1, "req-5", "anthropic.messages");
        r.key_id = Some("k".into());
        for e in Event::from_audit(&r) {
            let back: Event = serde_json::from_slice(&serde_json::to_vec(&e).unwrap()).unwrap();
            assert_eq!(back, e);
        }
    }
}
