//! [`AuditRecord`]: what the audit log keeps about one request (defined in
//! `rampart_core::audit`, which the gateway's audit seam also carries), and how its time
//! is shown.

pub use rampart_core::audit::{AuditRecord, AuthzSummary, FindingSummary};

/// Formats milliseconds since the epoch as RFC 3339 UTC with milliseconds.
pub fn format_time_ms(time_ms: i64) -> String {
    rampart_core::calendar::format_rfc3339_millis(time_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::{Direction, Finding, FindingKind};

    #[test]
    fn fields_added_later_leave_older_records_hashing_the_same() {
        let r = AuditRecord::new(1, "req", "openai.chat");
        let json = String::from_utf8(r.canonical_json()).unwrap();
        assert!(json.ends_with(r#""gateway_overhead_us":null}"#), "{json}");
        let mut r2 = r.clone();
        r2.tokens_out_estimated = true;
        r2.unrecorded_before = 7;
        let json2 = String::from_utf8(r2.canonical_json()).unwrap();
        assert!(
            json2.ends_with(r#""tokens_out_estimated":true,"unrecorded_before":7}"#),
            "{json2}"
        );
        let back: AuditRecord = serde_json::from_str(&json2).unwrap();
        assert_eq!(back, r2);
        let old: AuditRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(old, r);
        // The policy decision, when there was one, comes last; without it nothing changes.
        let mut r3 = r2.clone();
        r3.authz = Some(AuthzSummary {
            decision: "deny".into(),
            principal: "Key::\"k1\"".into(),
            policies: vec!["no-confidential-to-external".into()],
            data_classes: vec!["confidential".into()],
            denied_providers: vec!["openai".into()],
        });
        let json3 = String::from_utf8(r3.canonical_json()).unwrap();
        assert!(json3.starts_with(&json2[..json2.len() - 1]), "{json3}");
        assert!(
            json3.ends_with(r#","authz":{"decision":"deny","principal":"Key::\"k1\"","policies":["no-confidential-to-external"],"data_classes":["confidential"],"denied_providers":["openai"]}}"#),
            "{json3}"
        );
        let back: AuditRecord = serde_json::from_str(&json3).unwrap();
        assert_eq!(back, r3);
    }

    #[test]
    fn findings_keep_kind_type_and_direction_only() {
        let finding = Finding::new(FindingKind::Secret, "AWS_ACCESS_KEY", 10, 30, 0.99);
        let summary = FindingSummary::new(&finding, Direction::Output);
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "secret", "type": "AWS_ACCESS_KEY", "direction": "output"})
        );
    }

    #[test]
    fn canonical_json_is_stable_and_ordered() {
        let mut record = AuditRecord::new(1_795_314_025_123, "req-1", "openai.chat_completions");
        record.findings.push(FindingSummary {
            kind: FindingKind::Pii,
            entity: "EMAIL_ADDRESS".into(),
            direction: Some(Direction::Input),
        });
        let json = String::from_utf8(record.canonical_json()).unwrap();
        assert!(
            json.starts_with(r#"{"time_ms":1795314025123,"request_id":"req-1","tenant":null,"#),
            "{json}"
        );
        assert_eq!(record.canonical_json(), record.clone().canonical_json());
        let back: AuditRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn time_formats_as_rfc3339_millis() {
        assert_eq!(
            format_time_ms(1_795_314_025_123),
            "2026-11-22T02:20:25.123Z"
        );
        assert_eq!(format_time_ms(0), "1970-01-01T00:00:00.000Z");
    }
}
