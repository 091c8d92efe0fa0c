//! ArcSight Common Event Format (CEF:0), for syslog consumers:
//! `CEF:0|Rampart|Rampart|VERSION|SIGNATURE|NAME|SEVERITY|EXTENSION`. Header fields escape
//! `\` and `|`; extension values escape `\`, `=` and line breaks (`\n`, `\r`), as the CEF
//! specification requires. Severity is 0–10 (info 1, low 3, medium 5, high 8, critical 10).
//! Custom strings use the `csN`/`csNLabel` pairs.

use crate::event::{Detail, Event};
use rampart_core::Severity;
use std::fmt::Write as _;

fn header(value: &str) -> String {
    value.replace('\\', "\\\\").replace('|', "\\|")
}

fn extension(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '=' => out.push_str("\\="),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn severity(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 3,
        Severity::Medium => 5,
        Severity::High => 8,
        Severity::Critical => 10,
    }
}

/// The event as one CEF line (no newline).
pub fn encode(event: &Event) -> Vec<u8> {
    let mut ext: Vec<(&str, String)> = vec![
        ("rt", event.time_ms.to_string()),
        ("externalId", event.id.clone()),
    ];
    let mut custom: Vec<(&str, String)> = Vec::new();
    if let Some(t) = &event.tenant {
        custom.push(("tenant", t.clone()));
    }
    let signature = match &event.detail {
        Detail::ApiActivity(a) => {
            ext.push(("app", a.surface.clone()));
            ext.push(("act", a.decision.as_str().to_owned()));
            ext.push(("outcome", outcome(a.status < 400)));
            if let Some(k) = &a.key_id {
                ext.push(("suser", k.clone()));
            }
            if let Some(m) = &a.model {
                custom.push(("model", m.clone()));
            }
            if let Some(p) = &a.provider {
                custom.push(("provider", p.clone()));
            }
            if let Some(r) = &a.reason {
                ext.push(("reason", r.clone()));
            }
            if let Some(n) = a.tokens_in {
                ext.push(("cn1Label", "tokens_in".into()));
                ext.push(("cn1", n.to_string()));
            }
            if let Some(n) = a.tokens_out {
                ext.push(("cn2Label", "tokens_out".into()));
                ext.push(("cn2", n.to_string()));
            }
            "api_activity".to_owned()
        }
        Detail::DetectionFinding(f) => {
            ext.push(("app", f.surface.clone()));
            ext.push(("act", f.decision.as_str().to_owned()));
            ext.push(("cat", f.kind.as_str().to_owned()));
            if let Some(k) = &f.key_id {
                ext.push(("suser", k.clone()));
            }
            if let Some(d) = f.direction {
                custom.push(("direction", d.as_str().to_owned()));
            }
            if let Some(r) = f.role {
                custom.push(("role", r.as_str().to_owned()));
            }
            if let Some(m) = &f.model {
                custom.push(("model", m.clone()));
            }
            if let Some(s) = f.score {
                ext.push(("cfp1Label", "score".into()));
                ext.push(("cfp1", format!("{s:.3}")));
            }
            format!("detection_finding:{}:{}", f.kind.as_str(), f.entity)
        }
        Detail::Authentication(a) => {
            ext.push(("app", a.surface.clone()));
            ext.push(("outcome", outcome(a.success)));
            if let Some(k) = &a.key_id {
                ext.push(("suser", k.clone()));
            }
            if let Some(r) = &a.reason {
                ext.push(("reason", r.clone()));
            }
            "authentication".to_owned()
        }
        Detail::PolicyDenial(p) => {
            ext.push(("app", p.surface.clone()));
            ext.push(("act", "deny".into()));
            ext.push(("outcome", outcome(false)));
            if let Some(k) = &p.key_id {
                ext.push(("suser", k.clone()));
            }
            if let Some(r) = &p.reason {
                ext.push(("reason", r.clone()));
            }
            if !p.policies.is_empty() {
                custom.push(("policies", p.policies.join(",")));
            }
            if let Some(m) = &p.model {
                custom.push(("model", m.clone()));
            }
            "policy_denial".to_owned()
        }
        Detail::Abuse(a) => {
            ext.push(("cat", a.kind.clone()));
            custom.push(("subject_kind", a.subject_kind.clone()));
            custom.push(("subject", a.subject.clone()));
            format!("abuse:{}", a.kind)
        }
        Detail::AdminChange(c) => {
            ext.push(("act", c.action.clone()));
            ext.push(("suser", c.actor.clone()));
            ext.push(("outcome", outcome(c.success)));
            custom.push(("entity_type", c.entity_type.clone()));
            custom.push(("entity_id", c.entity_id.clone()));
            format!("admin_change:{}", c.entity_type)
        }
    };
    if let Some(r) = &event.request_id {
        custom.push(("request_id", r.clone()));
    }
    // Six custom-string slots in CEF; the rest are left out.
    for (i, (label, value)) in custom.into_iter().take(6).enumerate() {
        ext.push((CS_LABELS[i], label.to_owned()));
        ext.push((CS[i], value));
    }
    let mut line = format!(
        "CEF:0|Rampart|Rampart|{}|{}|{}|{}|",
        header(env!("CARGO_PKG_VERSION")),
        header(&signature),
        header(&event.title()),
        severity(event.severity)
    );
    for (i, (key, value)) in ext.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        let _ = write!(line, "{key}={}", extension(value));
    }
    line.into_bytes()
}

const CS: [&str; 6] = ["cs1", "cs2", "cs3", "cs4", "cs5", "cs6"];
const CS_LABELS: [&str; 6] = [
    "cs1Label", "cs2Label", "cs3Label", "cs4Label", "cs5Label", "cs6Label",
];

fn outcome(success: bool) -> String {
    if success { "success" } else { "failure" }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_extension_values_are_escaped() {
        assert_eq!(header("a|b\\c"), "a\\|b\\\\c");
        assert_eq!(extension("x=1\ny\\"), "x\\=1\\ny\\\\");
    }
}
