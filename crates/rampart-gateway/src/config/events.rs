//! `[events]`: security events to SIEM and SOAR (`rampart-events` delivers them; this is
//! only their configuration, checked with the rest of the file).

use super::*;

/// `[events]`: where security events go. No sinks: no events (the default).
///
/// ```toml
/// [[events.sinks]]
/// name = "soc"
/// kind = "syslog"                      # syslog | splunk_hec | elasticsearch | webhook | nats | file
/// address = "tls://siem.example:6514"  # udp:// | tcp:// | tls://
/// format = "cef"                       # ocsf | cef | ecs
/// min_severity = "medium"
/// ```
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    #[serde(default)]
    #[schemars(with = "Vec<EventSinkConfig>")]
    pub sinks: Vec<Spanned<EventSinkConfig>>,
}

/// The kinds of event sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventSinkKind {
    /// RFC 5424 over `udp://`, `tcp://` or `tls://` (octet counting, RFC 5425). Keys:
    /// `address`, optional `ca_file` (TLS).
    Syslog,
    /// Splunk HTTP Event Collector. Keys: `url`, `token_env`.
    SplunkHec,
    /// Elasticsearch / OpenSearch `_bulk`, ECS documents. Keys: `url`, optional `index`
    /// (default `rampart-events`), optional `token_env` (an API key).
    Elasticsearch,
    /// Standard Webhooks (signed JSON POSTs). Keys: `url`, `secret_env`.
    Webhook,
    /// A local file, one event per line, rotated. Keys: `path`, optional `max_file_bytes`
    /// (default 100 MiB), `keep_files` (default 5).
    File,
    /// NATS JetStream (a stream must take the subject). Keys: `url` (`nats://HOST:PORT`),
    /// `subject`, optional `token_env`.
    Nats,
}

impl EventSinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventSinkKind::Syslog => "syslog",
            EventSinkKind::SplunkHec => "splunk_hec",
            EventSinkKind::Elasticsearch => "elasticsearch",
            EventSinkKind::Webhook => "webhook",
            EventSinkKind::File => "file",
            EventSinkKind::Nats => "nats",
        }
    }
}

/// The wire format of a sink's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventFormat {
    /// OCSF 1.8.0 JSON.
    Ocsf,
    /// ArcSight CEF (syslog's default).
    Cef,
    /// Elastic Common Schema JSON (Elasticsearch's only format).
    Ecs,
}

/// The event classes a sink can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventClassName {
    ApiActivity,
    DetectionFinding,
    Authentication,
    PolicyDenial,
    Abuse,
    AdminChange,
}

/// One `[[events.sinks]]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventSinkConfig {
    /// Unique; names the sink in metrics and logs.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    pub kind: EventSinkKind,
    /// `ocsf`, `cef` or `ecs`. Default: `cef` for syslog, `ecs` for elasticsearch, `ocsf`
    /// for the others.
    #[serde(default)]
    pub format: Option<EventFormat>,
    /// syslog: `udp://HOST:PORT`, `tcp://HOST:PORT` or `tls://HOST:PORT`.
    #[serde(default)]
    #[schemars(with = "Option<Interpolated>")]
    pub address: Option<Spanned<Interpolated>>,
    /// splunk_hec, elasticsearch, webhook: the http:// or https:// URL; nats:
    /// `nats://HOST:PORT`.
    #[serde(default)]
    #[schemars(with = "Option<Interpolated>")]
    pub url: Option<Spanned<Interpolated>>,
    /// splunk_hec (required), elasticsearch (optional): the environment variable holding
    /// the token.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub token_env: Option<Spanned<String>>,
    /// webhook: the environment variable holding the `whsec_…` signing secret.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub secret_env: Option<Spanned<String>>,
    /// file: the file written (relative to the working directory).
    #[serde(default)]
    #[schemars(with = "Option<Interpolated>")]
    pub path: Option<Spanned<Interpolated>>,
    /// file: size past which the file is rotated. Default 100 MiB.
    #[serde(default)]
    pub max_file_bytes: Option<u64>,
    /// file: rotated files kept (`PATH.1` … `PATH.N`). Default 5.
    #[serde(default)]
    pub keep_files: Option<u32>,
    /// nats: the subject published to, e.g. `rampart.events`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub subject: Option<Spanned<String>>,
    /// elasticsearch: the index or data stream. Default `rampart-events`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub index: Option<Spanned<String>>,
    /// syslog over tls://: the CA certificates (PEM) trusted; default the system's.
    #[serde(default)]
    #[schemars(with = "Option<Interpolated>")]
    pub ca_file: Option<Spanned<Interpolated>>,
    /// The sink's durable spool, through which every event passes. Default
    /// `rampart-events-NAME.spool`. One process per file.
    #[serde(default)]
    #[schemars(with = "Option<Interpolated>")]
    pub spool_path: Option<Spanned<Interpolated>>,
    /// Largest spool, in bytes; past it events are dropped and counted in
    /// `rampart_events_dropped_total{reason="spool_full"}`. Default 256 MiB.
    #[serde(default = "default_events_spool_max_bytes")]
    #[schemars(with = "u64")]
    pub spool_max_bytes: Spanned<u64>,
    /// Classes taken; default all.
    #[serde(default)]
    pub classes: Vec<EventClassName>,
    /// Least severity taken: info, low, medium, high, critical. Default info.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub min_severity: Option<Spanned<String>>,
    /// Tenants taken; default all (and events without a tenant).
    #[serde(default)]
    pub tenants: Vec<String>,
    /// Most events per delivery. Default 500.
    #[serde(default)]
    pub batch_size: Option<usize>,
    /// How long one delivery may take, in milliseconds. Default 10000.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

fn default_events_spool_max_bytes() -> Spanned<u64> {
    Spanned::new(0..0, 256 * 1024 * 1024)
}

impl EventSinkConfig {
    /// The format, with the kind's default.
    pub fn format_or_default(&self) -> EventFormat {
        self.format.unwrap_or(match self.kind {
            EventSinkKind::Syslog => EventFormat::Cef,
            EventSinkKind::Elasticsearch => EventFormat::Ecs,
            _ => EventFormat::Ocsf,
        })
    }

    /// The spool file, with its default.
    pub fn spool_path_or_default(&self) -> String {
        match &self.spool_path {
            Some(p) => p.get_ref().as_str().to_owned(),
            None => format!("rampart-events-{}.spool", self.name.get_ref()),
        }
    }

    /// The least severity taken (validated).
    pub fn min_severity(&self) -> rampart_core::Severity {
        self.min_severity
            .as_ref()
            .and_then(|s| s.get_ref().parse().ok())
            .unwrap_or(rampart_core::Severity::Info)
    }
}

impl Config {
    pub(super) fn validate_events(&self, errors: &mut Vec<ConfigError>) {
        let mut names = std::collections::HashSet::new();
        let mut spools = std::collections::HashSet::new();
        for spanned in &self.events.sinks {
            let sink = spanned.get_ref();
            let at = spanned.span();
            let name = sink.name.get_ref();
            let valid_name = !name.is_empty()
                && name.len() <= 64
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid_name {
                errors.push(self.invalid(
                    sink.name.span(),
                    "events.sinks.name",
                    "expected 1 to 64 letters, digits, `-` or `_`",
                ));
            } else if !names.insert(name.as_str()) {
                errors.push(self.invalid(
                    sink.name.span(),
                    "events.sinks.name",
                    "duplicate sink name",
                ));
            }
            if !spools.insert(sink.spool_path_or_default()) {
                errors.push(self.invalid(
                    at.clone(),
                    "events.sinks.spool_path",
                    "another sink uses the same spool file",
                ));
            }
            if *sink.spool_max_bytes.get_ref() < super::audit::MIN_SPOOL_BYTES {
                errors.push(self.invalid(
                    sink.spool_max_bytes.span(),
                    "events.sinks.spool_max_bytes",
                    "must be at least 1048576 (1 MiB)",
                ));
            }
            if let Some(sev) = &sink.min_severity
                && let Err(e) = sev.get_ref().parse::<rampart_core::Severity>()
            {
                errors.push(self.invalid(sev.span(), "events.sinks.min_severity", e));
            }
            if sink.batch_size == Some(0) {
                errors.push(self.invalid(
                    at.clone(),
                    "events.sinks.batch_size",
                    "must be at least 1",
                ));
            }
            if sink.timeout_ms == Some(0) {
                errors.push(self.invalid(
                    at.clone(),
                    "events.sinks.timeout_ms",
                    "must be at least 1",
                ));
            }
            self.validate_sink_keys(sink, at, errors);
        }
    }

    /// Each kind has its keys and no other kind's.
    fn validate_sink_keys(
        &self,
        sink: &EventSinkConfig,
        at: Range<usize>,
        errors: &mut Vec<ConfigError>,
    ) {
        let kind = sink.kind;
        let present: [(&str, bool, Range<usize>); 10] = [
            (
                "address",
                sink.address.is_some(),
                span_of(&sink.address, &at),
            ),
            ("url", sink.url.is_some(), span_of(&sink.url, &at)),
            (
                "token_env",
                sink.token_env.is_some(),
                span_of(&sink.token_env, &at),
            ),
            (
                "secret_env",
                sink.secret_env.is_some(),
                span_of(&sink.secret_env, &at),
            ),
            ("path", sink.path.is_some(), span_of(&sink.path, &at)),
            ("max_file_bytes", sink.max_file_bytes.is_some(), at.clone()),
            ("keep_files", sink.keep_files.is_some(), at.clone()),
            ("index", sink.index.is_some(), span_of(&sink.index, &at)),
            (
                "ca_file",
                sink.ca_file.is_some(),
                span_of(&sink.ca_file, &at),
            ),
            (
                "subject",
                sink.subject.is_some(),
                span_of(&sink.subject, &at),
            ),
        ];
        let (required, optional): (&[&str], &[&str]) = match kind {
            EventSinkKind::Syslog => (&["address"], &["ca_file"]),
            EventSinkKind::SplunkHec => (&["url", "token_env"], &[]),
            EventSinkKind::Elasticsearch => (&["url"], &["index", "token_env"]),
            EventSinkKind::Webhook => (&["url", "secret_env"], &[]),
            EventSinkKind::File => (&["path"], &["max_file_bytes", "keep_files"]),
            EventSinkKind::Nats => (&["url", "subject"], &["token_env"]),
        };
        for (key, is_set, span) in present {
            let key_name = format!("events.sinks.{key}");
            if is_set && !required.contains(&key) && !optional.contains(&key) {
                errors.push(self.invalid(
                    span,
                    &key_name,
                    format!("not a key of a `{}` sink", kind.as_str()),
                ));
            } else if !is_set && required.contains(&key) {
                errors.push(self.invalid(
                    at.clone(),
                    &key_name,
                    format!("a `{}` sink needs it", kind.as_str()),
                ));
            }
        }
        if let Some(address) = &sink.address
            && kind == EventSinkKind::Syslog
        {
            let text = address.get_ref().as_str();
            let parsed = text.split_once("://").and_then(|(scheme, rest)| {
                let (host, port) = rest.rsplit_once(':')?;
                (matches!(scheme, "udp" | "tcp" | "tls")
                    && !host.is_empty()
                    && port.parse::<u16>().is_ok())
                .then_some(scheme)
            });
            match parsed {
                None => errors.push(self.invalid(
                    address.span(),
                    "events.sinks.address",
                    "expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT",
                )),
                Some(scheme) if scheme != "tls" && sink.ca_file.is_some() => {
                    errors.push(self.invalid(
                        span_of(&sink.ca_file, &at),
                        "events.sinks.ca_file",
                        "only for a tls:// address",
                    ))
                }
                Some(_) => {}
            }
        }
        if let Some(url) = &sink.url {
            let text = url.get_ref().as_str();
            if kind == EventSinkKind::Nats {
                let valid = text.strip_prefix("nats://").is_some_and(|rest| {
                    rest.rsplit_once(':').is_some_and(|(h, p)| {
                        !h.is_empty() && !h.contains('@') && p.parse::<u16>().is_ok()
                    })
                });
                if !valid {
                    errors.push(self.invalid(
                        url.span(),
                        "events.sinks.url",
                        "expected nats://HOST:PORT (a token goes in token_env)",
                    ));
                }
            } else if !(text.starts_with("http://") || text.starts_with("https://")) {
                errors.push(self.invalid(
                    url.span(),
                    "events.sinks.url",
                    "expected an http:// or https:// URL",
                ));
            }
        }
        if let Some(subject) = &sink.subject {
            let s = subject.get_ref();
            let valid = !s.is_empty()
                && s.len() <= 256
                && s.split('.').all(|t| {
                    !t.is_empty()
                        && t.bytes()
                            .all(|b| b.is_ascii_graphic() && b != b'*' && b != b'>')
                });
            if !valid {
                errors.push(self.invalid(
                    subject.span(),
                    "events.sinks.subject",
                    "expected a NATS subject without wildcards, such as rampart.events",
                ));
            }
        }
        for (key, var) in [
            ("token_env", &sink.token_env),
            ("secret_env", &sink.secret_env),
        ] {
            if let Some(var) = var {
                let v = var.get_ref();
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    errors.push(self.invalid(
                        var.span(),
                        &format!("events.sinks.{key}"),
                        "expected the name of an environment variable (letters, digits, `_`)",
                    ));
                }
            }
        }
        if let Some(path) = &sink.path
            && path.get_ref().as_str().is_empty()
        {
            errors.push(self.invalid(path.span(), "events.sinks.path", "must not be empty"));
        }
        let format = sink.format_or_default();
        if kind == EventSinkKind::Elasticsearch && format != EventFormat::Ecs {
            errors.push(self.invalid(
                at.clone(),
                "events.sinks.format",
                "an `elasticsearch` sink writes ECS: leave `format` out or set it to \"ecs\"",
            ));
        }
        if matches!(sink.max_file_bytes, Some(n) if n < 4096) {
            errors.push(self.invalid(at, "events.sinks.max_file_bytes", "must be at least 4096"));
        }
    }
}

fn span_of<T>(value: &Option<Spanned<T>>, fallback: &Range<usize>) -> Range<usize> {
    value
        .as_ref()
        .map_or_else(|| fallback.clone(), |v| v.span())
}
