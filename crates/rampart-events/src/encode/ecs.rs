//! Elastic Common Schema (ECS 8.x) documents, for Elasticsearch and OpenSearch `_bulk`:
//! `@timestamp`, `event.*` (`kind`, `category`, `type`, `action`, `outcome`, `severity`,
//! `id`, `dataset` `rampart.events`), `observer`, `user.id` (the key id), `rule.*` for
//! findings, `http.response.status_code`, `organization.id` (the tenant) and the
//! `gen_ai.*` fields of ECS's generative AI set (model, system, token usage).

use crate::event::{Detail, Event};
use rampart_core::calendar::format_rfc3339_millis;
use serde_json::{Value, json};

/// The ECS version the documents follow.
pub const ECS_VERSION: &str = "8.17.0";

/// The event as one ECS document.
pub fn to_value(event: &Event) -> Value {
    let sev = crate::encode::ocsf::severity_id(event.severity).0;
    let mut doc = json!({
        "@timestamp": format_rfc3339_millis(event.time_ms),
        "ecs": {"version": ECS_VERSION},
        "message": event.title(),
        "observer": {"vendor": "Rampart", "product": "Rampart", "type": "gateway", "version": env!("CARGO_PKG_VERSION")},
        "event": {
            "id": event.id,
            "dataset": "rampart.events",
            "module": "rampart",
            "severity": sev,
            "created": format_rfc3339_millis(event.time_ms),
        },
        "labels": {"rampart_class": event.class().as_str(), "rampart_severity": event.severity.as_str()},
    });
    if let Some(t) = &event.tenant {
        doc["organization"] = json!({"id": t});
    }
    if let Some(r) = &event.request_id {
        doc["transaction"] = json!({"id": r});
    }
    let e = &mut doc["event"];
    match &event.detail {
        Detail::ApiActivity(a) => {
            e["kind"] = "event".into();
            e["category"] = json!(["web"]);
            e["type"] = json!(["access"]);
            e["action"] = a.surface.as_str().into();
            e["outcome"] = outcome(a.status < 400);
            if let Some(r) = &a.reason {
                e["reason"] = r.as_str().into();
            }
            doc["http"] = json!({"response": {"status_code": a.status}});
            if let Some(k) = &a.key_id {
                doc["user"] = json!({"id": k});
            }
            let mut gen_ai = json!({});
            if let Some(m) = &a.model {
                gen_ai["request"] = json!({"model": {"id": m}});
            }
            if let Some(p) = &a.provider {
                gen_ai["system"] = p.as_str().into();
            }
            if let Some(n) = a.tokens_in {
                gen_ai["usage"]["input_tokens"] = n.into();
            }
            if let Some(n) = a.tokens_out {
                gen_ai["usage"]["output_tokens"] = n.into();
            }
            doc["gen_ai"] = gen_ai;
            doc["labels"]["decision"] = a.decision.as_str().into();
        }
        Detail::DetectionFinding(f) => {
            e["kind"] = "alert".into();
            e["category"] = json!(["intrusion_detection"]);
            e["type"] = json!(["info"]);
            e["action"] = f.kind.as_str().into();
            doc["rule"] = json!({"name": f.entity, "category": f.kind.as_str()});
            if let Some(k) = &f.key_id {
                doc["user"] = json!({"id": k});
            }
            doc["labels"]["decision"] = f.decision.as_str().into();
            if let Some(d) = f.direction {
                doc["labels"]["direction"] = d.as_str().into();
            }
            if let Some(r) = f.role {
                doc["labels"]["role"] = r.as_str().into();
            }
            if let Some(s) = f.score {
                doc["event"]["risk_score"] = (s * 100.0).into();
            }
        }
        Detail::Authentication(a) => {
            e["kind"] = "event".into();
            e["category"] = json!(["authentication"]);
            e["type"] = json!(["start"]);
            e["action"] = "authentication".into();
            e["outcome"] = outcome(a.success);
            if let Some(r) = &a.reason {
                e["reason"] = r.as_str().into();
            }
            if let Some(k) = &a.key_id {
                doc["user"] = json!({"id": k});
            }
        }
        Detail::PolicyDenial(p) => {
            e["kind"] = "event".into();
            e["category"] = json!(["iam"]);
            e["type"] = json!(["denied"]);
            e["action"] = "policy_denial".into();
            e["outcome"] = outcome(false);
            if let Some(r) = &p.reason {
                e["reason"] = r.as_str().into();
            }
            if let Some(k) = &p.key_id {
                doc["user"] = json!({"id": k});
            }
            doc["rule"] = json!({"name": p.policies.join(",")});
        }
        Detail::Abuse(a) => {
            e["kind"] = "alert".into();
            e["category"] = json!(["authentication"]);
            e["type"] = json!(["denied"]);
            e["action"] = a.kind.as_str().into();
            doc["labels"]["subject_kind"] = a.subject_kind.as_str().into();
            doc["labels"]["subject"] = a.subject.as_str().into();
        }
        Detail::AdminChange(c) => {
            e["kind"] = "event".into();
            e["category"] = json!(["configuration", "iam"]);
            e["type"] = json!([match c.action.as_str() {
                "create" => "creation",
                "delete" => "deletion",
                _ => "change",
            }]);
            e["action"] = format!("{}_{}", c.entity_type, c.action).into();
            e["outcome"] = outcome(c.success);
            doc["user"] = json!({"name": c.actor});
            doc["labels"]["entity_type"] = c.entity_type.as_str().into();
            doc["labels"]["entity_id"] = c.entity_id.as_str().into();
        }
    }
    doc
}

/// The event as one ECS JSON line (no newline).
pub fn encode(event: &Event) -> Vec<u8> {
    serde_json::to_vec(&to_value(event)).unwrap_or_default()
}

fn outcome(success: bool) -> Value {
    if success { "success" } else { "failure" }.into()
}
