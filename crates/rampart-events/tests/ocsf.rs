//! Every OCSF event Rampart writes, checked against the published OCSF 1.8.0 schema.
//!
//! `tests/ocsf/schema-1.8.0.json` holds, for the classes Rampart emits and every object
//! they reach, the attributes after inheritance and profiles, their requirement, type and
//! enum values, and the `at_least_one` / `just_one` constraints; it is generated from the
//! ocsf/ocsf-schema repository at its v1.8.0 commit by `tests/ocsf/extract_schema.py`
//! (no PyPI or npm package ships the 1.8 schema). The checks: every attribute is one the
//! class or object defines (profile attributes only when `metadata.profiles` names the
//! profile), every required attribute is present, types (integer, string, boolean,
//! object, array) and enum values match, constraints hold, and `type_uid` is
//! `class_uid * 100 + activity_id`.

#![allow(clippy::unwrap_used)]

use rampart_core::audit::{AbuseEvent, AuditRecord, AuthzSummary, FindingSummary};
use rampart_core::{Decision, Direction, FindingKind};
use rampart_events::encode::ocsf;
use rampart_events::event::AdminChange;
use rampart_events::{Event, EventClass};
use serde_json::Value;
use std::collections::HashSet;

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ocsf/schema-1.8.0.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Problems of `value` as an instance of `attrs` (a class's or object's attributes).
fn check_object(
    schema: &Value,
    attrs: &Value,
    constraints: &Value,
    value: &Value,
    profiles: &HashSet<String>,
    at: &str,
    problems: &mut Vec<String>,
) {
    let Some(obj) = value.as_object() else {
        problems.push(format!("{at}: expected an object"));
        return;
    };
    let attrs = attrs.as_object().unwrap();
    for (name, v) in obj {
        let here = format!("{at}.{name}");
        let Some(spec) = attrs.get(name) else {
            problems.push(format!("{here}: not an attribute of this class/object"));
            continue;
        };
        if let Some(p) = spec["profile"].as_str()
            && !profiles.contains(p)
        {
            problems.push(format!(
                "{here}: belongs to profile `{p}`, not in metadata.profiles"
            ));
        }
        let values: Vec<&Value> = if spec["is_array"].as_bool().unwrap_or(false) {
            match v.as_array() {
                Some(a) => a.iter().collect(),
                None => {
                    problems.push(format!("{here}: expected an array"));
                    continue;
                }
            }
        } else {
            vec![v]
        };
        let typ = spec["type"].as_str().unwrap_or("");
        for v in values {
            check_type(schema, typ, spec, v, profiles, &here, problems);
        }
    }
    for (name, spec) in attrs {
        let required = spec["requirement"] == "required";
        let in_profile = spec["profile"]
            .as_str()
            .is_none_or(|p| profiles.contains(p));
        if required && in_profile && !obj.contains_key(name) {
            problems.push(format!("{at}.{name}: required, missing"));
        }
    }
    if let Some(any) = constraints["at_least_one"].as_array()
        && !any.iter().any(|k| obj.contains_key(k.as_str().unwrap()))
    {
        problems.push(format!("{at}: needs at least one of {any:?}"));
    }
    if let Some(one) = constraints["just_one"].as_array() {
        let n = one
            .iter()
            .filter(|k| obj.contains_key(k.as_str().unwrap()))
            .count();
        if n != 1 {
            problems.push(format!("{at}: needs exactly one of {one:?}"));
        }
    }
}

fn check_type(
    schema: &Value,
    typ: &str,
    spec: &Value,
    v: &Value,
    profiles: &HashSet<String>,
    at: &str,
    problems: &mut Vec<String>,
) {
    let ok = match typ {
        "integer_t" | "long_t" | "timestamp_t" | "port_t" => v.is_i64() || v.is_u64(),
        "float_t" => v.is_number(),
        "boolean_t" => v.is_boolean(),
        "json_t" => true,
        "object" => v.is_object(),
        t if t.ends_with("_t") => v.is_string(),
        object => {
            let Some(def) = schema["objects"].get(object) else {
                problems.push(format!("{at}: object type `{object}` not in the fixture"));
                return;
            };
            check_object(
                schema,
                &def["attributes"],
                &def["constraints"],
                v,
                profiles,
                at,
                problems,
            );
            true
        }
    };
    if !ok {
        problems.push(format!("{at}: expected {typ}, got {v}"));
    }
    if let Some(values) = spec["enum"].as_array() {
        let given = match v {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if !values.iter().any(|e| e.as_str() == Some(given.as_str())) {
            problems.push(format!("{at}: {given} is not one of {values:?}"));
        }
    }
}

/// Validates one OCSF event; returns its class name in the fixture.
fn validate(schema: &Value, event: &Value) -> String {
    let class_uid = event["class_uid"].as_u64().expect("class_uid");
    let (name, class) = schema["classes"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, c)| c["class_uid"].as_u64() == Some(class_uid))
        .unwrap_or_else(|| panic!("class_uid {class_uid} is not a class of the fixture"));
    let profiles: HashSet<String> = event["metadata"]["profiles"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    let mut problems = Vec::new();
    check_object(
        schema,
        &class["attributes"],
        &class["constraints"],
        event,
        &profiles,
        name,
        &mut problems,
    );
    assert_eq!(
        event["category_uid"], class["category_uid"],
        "{name}: category_uid"
    );
    let activity = event["activity_id"].as_u64().unwrap();
    assert_eq!(
        event["type_uid"].as_u64(),
        Some(class_uid * 100 + activity),
        "{name}: type_uid"
    );
    assert_eq!(event["metadata"]["version"], "1.8.0");
    assert_eq!(event["metadata"]["product"]["name"], "Rampart");
    assert!(
        problems.is_empty(),
        "{name} is not valid OCSF 1.8.0:\n{}\n{event:#}",
        problems.join("\n")
    );
    name.clone()
}

fn every_kind_of_event() -> Vec<Event> {
    let mut events = Vec::new();
    let mut ok = AuditRecord::new(1_765_000_000_000, "req-ok", "openai.chat_completions");
    ok.key_id = Some("key_1".into());
    ok.tenant = Some("acme".into());
    ok.model = Some("gpt-4o-mini".into());
    ok.provider = Some("openai".into());
    ok.deployment = Some("openai-east".into());
    ok.tokens_in = Some(12);
    ok.tokens_out = Some(34);
    ok.upstream_latency_ms = Some(80);
    events.extend(Event::from_audit(&ok));

    let mut blocked = ok.clone();
    blocked.request_id = "req-blocked".into();
    blocked.decision = Decision::Block;
    blocked.status = 400;
    blocked.reason = Some("blocked".into());
    blocked.tokens_out = None;
    blocked.findings = vec![
        FindingSummary {
            kind: FindingKind::PromptInjection,
            entity: "INSTRUCTION_OVERRIDE".into(),
            direction: Some(Direction::Input),
        },
        FindingSummary {
            kind: FindingKind::Secret,
            entity: "AWS_ACCESS_KEY".into(),
            direction: None,
        },
    ];
    events.extend(Event::from_audit(&blocked));

    let mut redacted = ok.clone();
    redacted.request_id = "req-redacted".into();
    redacted.decision = Decision::Redact;
    redacted.findings = vec![FindingSummary {
        kind: FindingKind::Pii,
        entity: "EMAIL_ADDRESS".into(),
        direction: Some(Direction::Output),
    }];
    events.extend(Event::from_audit(&redacted));

    let mut anonymous = AuditRecord::new(1_765_000_000_500, "req-401", "anthropic.messages");
    anonymous.status = 401;
    anonymous.reason = Some("unauthenticated".into());
    anonymous.unrecorded_before = 7;
    events.extend(Event::from_audit(&anonymous));

    let mut denied = ok.clone();
    denied.request_id = "req-denied".into();
    denied.status = 403;
    denied.reason = Some("policy_denied".into());
    denied.authz = Some(AuthzSummary {
        decision: "deny".into(),
        principal: "Key::\"key_1\"".into(),
        policies: vec!["no-restricted-data".into()],
        data_classes: vec!["restricted".into()],
        denied_providers: vec!["openai".into()],
    });
    events.extend(Event::from_audit(&denied));

    let mut abuse = AuditRecord::new(1_765_000_001_000, "req-abuse", "openai.chat_completions");
    abuse.abuse = Some(AbuseEvent {
        kind: "auth_block".into(),
        subject_kind: "source_address".into(),
        subject: "203.0.113.7".into(),
        block_secs: Some(60),
        strike: Some(2),
    });
    events.extend(Event::from_audit(&abuse));

    for action in ["create", "delete", "update", "activate"] {
        events.push(Event::admin_change(
            Some("acme".into()),
            AdminChange {
                action: action.into(),
                entity_type: "key".into(),
                entity_id: "key_9".into(),
                actor: "admin-ann".into(),
                success: true,
            },
            1_765_000_002_000,
            format!("admin-{action}"),
        ));
    }
    events
}

#[test]
fn every_event_rampart_writes_is_valid_ocsf_1_8() {
    let schema = schema();
    assert_eq!(schema["version"], "1.8.0");
    let mut classes_seen = HashSet::new();
    let mut kinds_seen = HashSet::new();
    for event in every_kind_of_event() {
        kinds_seen.insert(event.class());
        let value = ocsf::to_value(&event);
        classes_seen.insert(validate(&schema, &value));
    }
    // Every class of the model was produced and checked.
    assert_eq!(kinds_seen.len(), EventClass::ALL.len());
    let expected: HashSet<String> = [
        "api_activity",
        "detection_finding",
        "authentication",
        "entity_management",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(classes_seen, expected);
}

#[test]
fn the_validator_catches_what_is_wrong() {
    // The checks above could pass vacuously; show each one failing on a broken event.
    let schema = schema();
    let event = every_kind_of_event().remove(0);
    let good = ocsf::to_value(&event);
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        std::panic::catch_unwind(|| validate(&schema, &v)).is_err()
    };
    assert!(broken(&|v| {
        v.as_object_mut().unwrap().remove("actor");
    }));
    assert!(broken(&|v| v["made_up_field"] = 1.into()));
    assert!(broken(&|v| v["severity_id"] = 42.into()));
    assert!(broken(&|v| v["time"] = "yesterday".into()));
    assert!(broken(
        &|v| v["metadata"]["profiles"] = serde_json::json!([])
    ));
    assert!(broken(&|v| v["src_endpoint"] = serde_json::json!({})));
    assert!(broken(&|v| v["type_uid"] = 600399.into()));
}

#[test]
fn findings_never_carry_text_or_values() {
    for event in every_kind_of_event() {
        let text = ocsf::to_value(&event).to_string();
        // The abuse subject is an address by design; nothing else may look like data.
        assert!(!text.contains("prompt\""), "{text}");
        assert!(!text.contains("\"value\""), "{text}");
        assert!(!text.contains("\"text\""), "{text}");
    }
}
