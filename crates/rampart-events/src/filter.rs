//! Per-sink filters: which classes, from which severity, for which tenants.

use crate::event::{Event, EventClass};
use rampart_core::Severity;

/// Which events a sink takes. The default takes everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Classes taken; empty: all.
    pub classes: Vec<EventClass>,
    /// Least severity taken.
    pub min_severity: Severity,
    /// Tenants taken; empty: all, including events without a tenant. When set, events
    /// without a tenant are not taken.
    pub tenants: Vec<String>,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            classes: Vec::new(),
            min_severity: Severity::Info,
            tenants: Vec::new(),
        }
    }
}

impl Filter {
    pub fn accepts(&self, event: &Event) -> bool {
        (self.classes.is_empty() || self.classes.contains(&event.class()))
            && event.severity >= self.min_severity
            && (self.tenants.is_empty()
                || event
                    .tenant
                    .as_deref()
                    .is_some_and(|t| self.tenants.iter().any(|x| x == t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::audit::AuditRecord;

    #[test]
    fn classes_severity_and_tenants_each_narrow_the_filter() {
        let mut record = AuditRecord::new(1, "r", "openai.chat_completions");
        record.key_id = Some("k".into());
        record.tenant = Some("acme".into());
        let events = Event::from_audit(&record);
        let (activity, auth) = (&events[0], &events[1]);
        assert!(Filter::default().accepts(activity));
        let classes = Filter {
            classes: vec![EventClass::Authentication],
            ..Filter::default()
        };
        assert!(!classes.accepts(activity) && classes.accepts(auth));
        let severe = Filter {
            min_severity: Severity::Medium,
            ..Filter::default()
        };
        assert!(!severe.accepts(activity));
        let other = Filter {
            tenants: vec!["globex".into()],
            ..Filter::default()
        };
        assert!(!other.accepts(activity));
        let mine = Filter {
            tenants: vec!["acme".into()],
            ..Filter::default()
        };
        assert!(mine.accepts(activity));
    }
}
