//! [`AuditRecord`]: what the audit log keeps about one request, the one record type the
//! gateway's `AuditSink` seam carries and the audit store persists (its field names and
//! units are the stored ones: `time_ms`, `reason`, `gateway_overhead_us`). It names who
//! called, what was asked of which model and provider, what the guard decided and why
//! (finding kinds and types), and what it cost; it never holds prompts, completions, keys
//! or matched values. It lives here, in the shared vocabulary, so that the gateway and
//! `rampart-audit` use one type without depending on each other.

use crate::{Decision, Direction, Finding, FindingKind};
use serde::{Deserialize, Serialize};

/// One finding as the audit log keeps it: its family, entity type and direction; no
/// position, no value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingSummary {
    pub kind: FindingKind,
    #[serde(rename = "type")]
    pub entity: String,
    /// Whether it was found on the way to the model or back; `None` when unknown.
    pub direction: Option<Direction>,
}

impl FindingSummary {
    pub fn new(finding: &Finding, direction: Direction) -> Self {
        FindingSummary {
            kind: finding.kind,
            entity: finding.entity.clone(),
            direction: Some(direction),
        }
    }
}

/// One request through the gateway. Field order is the canonical JSON order that the hash
/// chain covers: append new fields at the end, with `#[serde(default)]`, never reorder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When the request arrived, milliseconds since the Unix epoch (UTC).
    pub time_ms: i64,
    pub request_id: String,
    pub tenant: Option<String>,
    pub key_id: Option<String>,
    /// The API surface called, e.g. `openai.chat_completions`, `anthropic.messages`.
    pub surface: String,
    /// The client-facing model name.
    pub model: Option<String>,
    pub provider: Option<String>,
    pub deployment: Option<String>,
    /// The guard's decision for the request as a whole.
    pub decision: Decision,
    /// Why a request was refused before or outside the guard, as a short code such as
    /// `unauthenticated`, `rate_limited`, `model_not_allowed`, `upstream_error`.
    pub reason: Option<String>,
    pub findings: Vec<FindingSummary>,
    /// The HTTP status returned to the client.
    pub status: u16,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    pub upstream_latency_ms: Option<u64>,
    /// Time spent in Rampart itself (total minus upstream), microseconds.
    pub gateway_overhead_us: Option<u64>,
    /// `tokens_out` is the gateway's estimate from the text it streamed (the provider
    /// reported no usage, or the client left before it did), not the provider's count.
    /// Left out when false, so records written before the field existed hash the same.
    #[serde(default, skip_serializing_if = "is_false")]
    pub tokens_out_estimated: bool,
    /// How many unauthenticated failures before this one were not recorded (they are
    /// sampled, and all counted in `rampart_unauthenticated_total`). Left out when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unrecorded_before: u64,
    /// What the authorisation policies (`[authz]`) decided; left out when no policy was
    /// asked, so records without it hash as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authz: Option<AuthzSummary>,
    /// Set on the record of an abuse event (a brute-force block, a key suspension); left
    /// out otherwise, so other records hash as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abuse: Option<AbuseEvent>,
}

/// A brute-force block or a key suspension, recorded when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbuseEvent {
    /// `auth_block` or `key_suspension`.
    pub kind: String,
    /// What is blocked: `source_address`, `key_prefix` or `key`.
    pub subject_kind: String,
    /// The address (IPv6: its /64), the key prefix (`rk-` and six characters) or the key
    /// id: never a whole key.
    pub subject: String,
    /// How long the block lasts, in seconds (none for a suspension: until lifted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_secs: Option<u64>,
    /// The how-manieth block of this subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strike: Option<u32>,
}

/// The policy decisions of one request: one per candidate deployment, summed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthzSummary {
    /// `allow` when at least one deployment was allowed, else `deny`.
    pub decision: String,
    /// The principal as the policies saw it, e.g. `Key::"k1"`, `User::"ann"`.
    pub principal: String,
    /// The determining policy ids of the decisions, in order, each once.
    pub policies: Vec<String>,
    /// The request's data classes (`confidential`, `restricted`, ...).
    pub data_classes: Vec<String>,
    /// Providers whose deployments the policies refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denied_providers: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl AuditRecord {
    /// A record with the required fields; the rest start empty.
    pub fn new(time_ms: i64, request_id: impl Into<String>, surface: impl Into<String>) -> Self {
        AuditRecord {
            time_ms,
            request_id: request_id.into(),
            tenant: None,
            key_id: None,
            surface: surface.into(),
            model: None,
            provider: None,
            deployment: None,
            decision: Decision::Allow,
            reason: None,
            findings: Vec::new(),
            status: 200,
            tokens_in: None,
            tokens_out: None,
            upstream_latency_ms: None,
            gateway_overhead_us: None,
            tokens_out_estimated: false,
            unrecorded_before: 0,
            authz: None,
            abuse: None,
        }
    }

    /// The exact bytes the hash chain covers: serde_json of the struct (fields in
    /// declaration order, no whitespace, `None` as `null`).
    pub fn canonical_json(&self) -> Vec<u8> {
        // Serialising plain strings, integers and enums cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}
