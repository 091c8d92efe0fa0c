//! Rampart's security events: what Rampart decides, as events a SIEM or SOAR takes.
//!
//! - [`event`]: the model, one [`Event`] per API activity, guard finding, authentication,
//!   policy denial, abuse block and admin change, built from the gateway's
//!   `AuditRecord` ([`Event::from_audit`]), so the request path does not change.
//! - [`encode`]: OCSF 1.8.0 JSON, CEF and ECS, one file each.
//! - [`sinks`]: one file per destination (`file`, `webhook`, `syslog`, `splunk_hec`,
//!   `elasticsearch`, `nats`) behind the [`Sink`] trait, and the registry [`sinks::build`].
//! - [`dispatch`]: [`Events`], the non-blocking publisher, one worker per sink with a
//!   bounded queue, a durable spool (rampart-audit's `Spool`), batching, timeouts, retries
//!   with back-off, filters ([`Filter`]) and metrics.
//!
//! Events never hold prompt or completion text, matched values, keys or secrets.

pub mod dispatch;
pub mod encode;
pub mod event;
pub mod filter;
pub mod sinks;

pub use dispatch::{Events, StartError, StatsSnapshot};
pub use encode::Format;
pub use event::{Detail, Event, EventClass};
pub use filter::Filter;
pub use sinks::{Sink, SinkError, SinkSettings, SyslogAddress, Target};
