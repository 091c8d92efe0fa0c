//! OCSF 1.8.0 JSON: API Activity (6003, with the `ai_operation` profile) for requests and
//! policy denials, Detection Finding (2004) for guard findings and abuse, Authentication
//! (3002), Entity Management (3004) for admin changes. Every event carries `class_uid`,
//! `category_uid`, `activity_id`, `type_uid` (class × 100 + activity), `time` (ms),
//! `severity_id`, `status_id` and `metadata` (`version` "1.8.0", `product.name`
//! "Rampart", `uid` the event id, `tenant_uid`, `profiles`). What OCSF has no attribute
//! for (the guard's decision, direction, deployment) goes under `unmapped`.
//!
//! `tests/ocsf.rs` checks each class against the published schema's attribute lists
//! (`tests/ocsf/schema-1.8.0.json`, extracted by `tests/ocsf/extract_schema.py`).

use crate::event::{Detail, Event};
use rampart_core::{Decision, Severity};
use serde_json::{Map, Value, json};

/// The OCSF version written in `metadata.version`.
pub const OCSF_VERSION: &str = "1.8.0";

pub(crate) fn severity_id(severity: Severity) -> (u8, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

struct Class {
    uid: u32,
    name: &'static str,
    category_uid: u32,
    category: &'static str,
}

const API_ACTIVITY: Class = Class {
    uid: 6003,
    name: "API Activity",
    category_uid: 6,
    category: "Application Activity",
};
const DETECTION_FINDING: Class = Class {
    uid: 2004,
    name: "Detection Finding",
    category_uid: 2,
    category: "Findings",
};
const AUTHENTICATION: Class = Class {
    uid: 3002,
    name: "Authentication",
    category_uid: 3,
    category: "Identity & Access Management",
};
const ENTITY_MANAGEMENT: Class = Class {
    uid: 3004,
    name: "Entity Management",
    category_uid: 3,
    category: "Identity & Access Management",
};

/// The event as one OCSF JSON object.
pub fn to_value(event: &Event) -> Value {
    let mut out = Map::new();
    let mut profiles: Vec<&str> = Vec::new();
    let mut unmapped = Map::new();
    let (class, activity_id, activity, success): (&Class, u32, &str, bool) = match &event.detail {
        Detail::ApiActivity(a) => {
            profiles.push("ai_operation");
            let (id, name) = api_activity(&a.surface);
            out.insert("actor".into(), actor(a.key_id.as_deref()));
            out.insert("api".into(), api(&a.surface, a.provider.as_deref()));
            out.insert("src_endpoint".into(), json!({"name": "unknown"}));
            out.insert("http_response".into(), json!({"code": a.status}));
            if let Some(model) = ai_model(a.model.as_deref(), a.provider.as_deref()) {
                out.insert("ai_model".into(), model);
            }
            let mut context = Map::new();
            if let Some(n) = a.tokens_in {
                context.insert("prompt_tokens".into(), n.into());
            }
            if let Some(n) = a.tokens_out {
                context.insert("completion_tokens".into(), n.into());
            }
            if let (Some(i), Some(o)) = (a.tokens_in, a.tokens_out) {
                context.insert("total_tokens".into(), i.saturating_add(o).into());
            }
            if !context.is_empty() {
                // The schema wants the service (or application) the messages went to.
                let service = a.provider.as_deref().unwrap_or(a.surface.as_str());
                context.insert("service".into(), json!({"name": service}));
                out.insert("message_context".into(), Value::Object(context));
            }
            if let Some(ms) = a.upstream_latency_ms {
                unmapped.insert("upstream_latency_ms".into(), ms.into());
            }
            if let Some(d) = &a.deployment {
                unmapped.insert("deployment".into(), d.as_str().into());
            }
            unmapped.insert("decision".into(), a.decision.as_str().into());
            unmapped.insert("findings".into(), a.findings.into());
            profiles.push("security_control");
            security_control(&mut out, a.decision, a.status);
            status_detail(&mut out, a.status, a.reason.as_deref());
            (&API_ACTIVITY, id, name, a.status < 400)
        }
        Detail::PolicyDenial(p) => {
            profiles.push("ai_operation");
            profiles.push("security_control");
            let (id, name) = api_activity(&p.surface);
            out.insert("actor".into(), actor(p.key_id.as_deref()));
            out.insert("api".into(), api(&p.surface, None));
            out.insert("src_endpoint".into(), json!({"name": "unknown"}));
            out.insert("http_response".into(), json!({"code": p.status}));
            let authorizations: Vec<Value> = if p.policies.is_empty() {
                vec![json!({"decision": "deny"})]
            } else {
                p.policies
                    .iter()
                    .map(|id| json!({"decision": "deny", "policy": {"uid": id, "name": id}}))
                    .collect()
            };
            out.insert("authorizations".into(), Value::Array(authorizations));
            if let Some(first) = p.policies.first() {
                out.insert("policy".into(), json!({"uid": first, "name": first}));
            }
            if let Some(model) = &p.model {
                unmapped.insert("model".into(), model.as_str().into());
            }
            if let Some(principal) = &p.principal {
                unmapped.insert("principal".into(), principal.as_str().into());
            }
            if !p.data_classes.is_empty() {
                unmapped.insert("data_classes".into(), p.data_classes.clone().into());
            }
            out.insert("action_id".into(), 2.into());
            out.insert("action".into(), "Denied".into());
            out.insert("disposition_id".into(), 2.into());
            out.insert("disposition".into(), "Blocked".into());
            status_detail(&mut out, p.status, p.reason.as_deref());
            (&API_ACTIVITY, id, name, false)
        }
        Detail::DetectionFinding(f) => {
            profiles.push("security_control");
            let title = event.title();
            out.insert(
                "finding_info".into(),
                json!({
                    "uid": event.id,
                    "title": title,
                    "types": [f.kind.as_str(), f.entity],
                    "analytic": {"name": f.entity, "category": f.kind.as_str(), "type_id": 1, "type": "Rule"},
                }),
            );
            if let Some(score) = f.score {
                let pct = (score.clamp(0.0, 1.0) * 100.0).round() as i64;
                out.insert("confidence_score".into(), pct.into());
            }
            out.insert("is_alert".into(), (f.decision == Decision::Block).into());
            if let Some(model) = &f.model {
                out.insert(
                    "resources".into(),
                    json!([{"type": "ai_model", "name": model}]),
                );
            }
            // `actor` belongs to the `host` profile in this class: the key goes unmapped.
            if let Some(k) = &f.key_id {
                unmapped.insert("key_id".into(), k.as_str().into());
            }
            security_control(&mut out, f.decision, 200);
            unmapped.insert("decision".into(), f.decision.as_str().into());
            unmapped.insert("surface".into(), f.surface.as_str().into());
            if let Some(d) = f.direction {
                unmapped.insert("direction".into(), d.as_str().into());
            }
            if let Some(r) = f.role {
                unmapped.insert("role".into(), r.as_str().into());
            }
            out.insert("status_id".into(), 1.into());
            out.insert("status".into(), "New".into());
            (&DETECTION_FINDING, 1, "Create", true)
        }
        Detail::Abuse(a) => {
            out.insert(
                "finding_info".into(),
                json!({
                    "uid": event.id,
                    "title": event.title(),
                    "types": [a.kind, a.subject_kind],
                    "analytic": {"name": a.kind, "category": "abuse", "type_id": 2, "type": "Behavioral"},
                }),
            );
            out.insert("is_alert".into(), true.into());
            unmapped.insert("subject_kind".into(), a.subject_kind.as_str().into());
            unmapped.insert("subject".into(), a.subject.as_str().into());
            if let Some(s) = a.block_secs {
                unmapped.insert("block_secs".into(), s.into());
            }
            if let Some(s) = a.strike {
                unmapped.insert("strike".into(), s.into());
            }
            out.insert("status_id".into(), 1.into());
            out.insert("status".into(), "New".into());
            (&DETECTION_FINDING, 1, "Create", true)
        }
        Detail::Authentication(a) => {
            let user = match &a.key_id {
                Some(k) => json!({"uid": k, "type_id": 99, "type": "API key"}),
                None => json!({"name": "unknown", "type_id": 0, "type": "Unknown"}),
            };
            out.insert("user".into(), user);
            out.insert("service".into(), json!({"name": a.surface}));
            out.insert("http_response".into(), json!({"code": a.status}));
            if a.unrecorded_before > 0 {
                unmapped.insert("unrecorded_before".into(), a.unrecorded_before.into());
            }
            status_detail(&mut out, a.status, a.reason.as_deref());
            (&AUTHENTICATION, 1, "Logon", a.success)
        }
        Detail::AdminChange(c) => {
            let (id, name) = match c.action.as_str() {
                "create" => (1, "Create"),
                "update" => (3, "Update"),
                "delete" => (4, "Delete"),
                "activate" => (10, "Activate"),
                "suspend" => (12, "Suspend"),
                "restore" => (13, "Resume"),
                _ => (99, "Other"),
            };
            out.insert(
                "entity".into(),
                json!({"type": c.entity_type, "uid": c.entity_id, "name": c.entity_id}),
            );
            out.insert("actor".into(), json!({"user": {"name": c.actor}}));
            out.insert("comment".into(), event.title().into());
            (&ENTITY_MANAGEMENT, id, name, c.success)
        }
    };
    let (sev_id, sev) = severity_id(event.severity);
    out.insert("class_uid".into(), class.uid.into());
    out.insert("class_name".into(), class.name.into());
    out.insert("category_uid".into(), class.category_uid.into());
    out.insert("category_name".into(), class.category.into());
    out.insert("activity_id".into(), activity_id.into());
    out.insert("activity_name".into(), activity.into());
    out.insert(
        "type_uid".into(),
        (u64::from(class.uid) * 100 + u64::from(activity_id)).into(),
    );
    out.insert(
        "type_name".into(),
        format!("{}: {activity}", class.name).into(),
    );
    out.insert("time".into(), event.time_ms.into());
    out.insert("severity_id".into(), sev_id.into());
    out.insert("severity".into(), sev.into());
    out.insert("message".into(), event.title().into());
    if !out.contains_key("status_id") {
        let (id, name) = if success {
            (1, "Success")
        } else {
            (2, "Failure")
        };
        out.insert("status_id".into(), id.into());
        out.insert("status".into(), name.into());
    }
    let mut metadata = Map::new();
    metadata.insert("version".into(), OCSF_VERSION.into());
    metadata.insert(
        "product".into(),
        json!({"name": "Rampart", "vendor_name": "Rampart", "version": env!("CARGO_PKG_VERSION")}),
    );
    metadata.insert("uid".into(), event.id.as_str().into());
    if let Some(r) = &event.request_id {
        metadata.insert("correlation_uid".into(), r.as_str().into());
    }
    if let Some(t) = &event.tenant {
        metadata.insert("tenant_uid".into(), t.as_str().into());
    }
    metadata.insert("log_name".into(), "rampart.events".into());
    if !profiles.is_empty() {
        metadata.insert("profiles".into(), profiles.into());
    }
    out.insert("metadata".into(), Value::Object(metadata));
    if !unmapped.is_empty() {
        out.insert("unmapped".into(), Value::Object(unmapped));
    }
    Value::Object(out)
}

/// The event as one line of OCSF JSON (no newline).
pub fn encode(event: &Event) -> Vec<u8> {
    serde_json::to_vec(&to_value(event)).unwrap_or_default()
}

/// Model listings read; everything else (completions, messages, embeddings) creates.
fn api_activity(surface: &str) -> (u32, &'static str) {
    if surface.ends_with("models") {
        (2, "Read")
    } else {
        (1, "Create")
    }
}

fn actor(key_id: Option<&str>) -> Value {
    match key_id {
        Some(k) => json!({"user": {"uid": k, "type_id": 99, "type": "API key"}}),
        None => json!({"user": {"name": "unknown", "type_id": 0, "type": "Unknown"}}),
    }
}

fn api(surface: &str, provider: Option<&str>) -> Value {
    let mut api = json!({"operation": surface});
    if let Some(p) = provider {
        api["service"] = json!({"name": p});
    }
    api
}

fn ai_model(model: Option<&str>, provider: Option<&str>) -> Option<Value> {
    let model = model?;
    Some(json!({"name": model, "ai_provider": provider.unwrap_or("unknown")}))
}

/// `security_control` profile: what the control did with the request.
fn security_control(out: &mut Map<String, Value>, decision: Decision, status: u16) {
    let (action_id, action, disposition_id, disposition) = match decision {
        Decision::Block => (2, "Denied", 2, "Blocked"),
        // Redacted: allowed once corrected.
        Decision::Redact => (1, "Allowed", 11, "Corrected"),
        Decision::Allow if status == 401 || status == 403 => (2, "Denied", 2, "Blocked"),
        Decision::Allow => (1, "Allowed", 1, "Allowed"),
    };
    out.insert("action_id".into(), action_id.into());
    out.insert("action".into(), action.into());
    out.insert("disposition_id".into(), disposition_id.into());
    out.insert("disposition".into(), disposition.into());
}

fn status_detail(out: &mut Map<String, Value>, status: u16, reason: Option<&str>) {
    out.insert("status_code".into(), status.to_string().into());
    if let Some(r) = reason {
        out.insert("status_detail".into(), r.into());
    }
}
