//! `[events]` → `rampart-events`: the sinks of the config, with their credentials read
//! from the environment variables the config names (`token_env`, `secret_env`), started
//! on the serving runtime. The request path publishes through [`crate::AuditLogSink`]
//! (each audit record's events) and the admin API through [`crate::AdminApi::with_events`].

use rampart_events::sinks::{SinkSettings, SyslogAddress, Target};
use rampart_events::{EventClass, Events, Filter, Format};
use rampart_gateway::config::{
    Config, EventClassName, EventFormat, EventSinkConfig, EventSinkKind,
};
use std::path::PathBuf;
use std::time::Duration;

/// A sink that cannot be set up; the message names the sink and the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventsError {
    #[error("[[events.sinks]] `{sink}`: `{key}`: {message}")]
    Invalid {
        sink: String,
        key: &'static str,
        message: String,
    },
    #[error(transparent)]
    Start(#[from] rampart_events::StartError),
}

/// Every sink's settings, credentials included (read now from the environment).
pub fn settings(config: &Config) -> Result<Vec<SinkSettings>, EventsError> {
    config
        .events
        .sinks
        .iter()
        .map(|s| sink_settings(config, s.get_ref()))
        .collect()
}

/// Starts the sinks of `[events]` (none: an empty [`Events`]).
pub fn start(config: &Config) -> Result<Events, EventsError> {
    let settings = settings(config)?;
    if settings.is_empty() {
        return Ok(Events::none());
    }
    Ok(Events::start(&settings)?)
}

fn sink_settings(config: &Config, sink: &EventSinkConfig) -> Result<SinkSettings, EventsError> {
    let name = sink.name.get_ref().clone();
    let invalid = |key: &'static str, message: String| EventsError::Invalid {
        sink: name.clone(),
        key,
        message,
    };
    let env = |key: &'static str, var: Option<&str>| -> Result<String, EventsError> {
        let var = var.ok_or_else(|| invalid(key, "missing".into()))?;
        match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(v),
            _ => Err(invalid(
                key,
                format!("the environment variable `{var}` is not set"),
            )),
        }
    };
    let text = |v: &Option<toml::Spanned<rampart_gateway::config::Interpolated>>| {
        v.as_ref().map(|v| v.get_ref().as_str().to_owned())
    };
    let url = text(&sink.url).unwrap_or_default();
    let target = match sink.kind {
        EventSinkKind::File => Target::File {
            path: PathBuf::from(text(&sink.path).unwrap_or_default()),
            max_bytes: sink.max_file_bytes.unwrap_or(100 * 1024 * 1024),
            keep: sink.keep_files.unwrap_or(5),
        },
        EventSinkKind::Webhook => {
            let secret = env(
                "secret_env",
                sink.secret_env.as_ref().map(|s| s.get_ref().as_str()),
            )?;
            Target::Webhook {
                url,
                secret: rampart_events::sinks::webhook::decode_secret(&secret)
                    .map_err(|m| invalid("secret_env", m))?,
            }
        }
        EventSinkKind::Syslog => Target::Syslog {
            address: SyslogAddress::parse(&text(&sink.address).unwrap_or_default())
                .map_err(|m| invalid("address", m))?,
            ca_file: text(&sink.ca_file).map(|p| config.relative_path(&p)),
        },
        EventSinkKind::SplunkHec => Target::SplunkHec {
            url,
            token: env(
                "token_env",
                sink.token_env.as_ref().map(|s| s.get_ref().as_str()),
            )?,
        },
        EventSinkKind::Elasticsearch => Target::Elasticsearch {
            url,
            index: sink
                .index
                .as_ref()
                .map_or_else(|| "rampart-events".to_owned(), |i| i.get_ref().clone()),
            api_key: match &sink.token_env {
                Some(var) => Some(env("token_env", Some(var.get_ref().as_str()))?),
                None => None,
            },
        },
        EventSinkKind::Nats => Target::Nats {
            url,
            subject: sink
                .subject
                .as_ref()
                .map(|s| s.get_ref().clone())
                .unwrap_or_default(),
            token: match &sink.token_env {
                Some(var) => Some(env("token_env", Some(var.get_ref().as_str()))?),
                None => None,
            },
        },
    };
    let format = match sink.format_or_default() {
        EventFormat::Ocsf => Format::Ocsf,
        EventFormat::Cef => Format::Cef,
        EventFormat::Ecs => Format::Ecs,
    };
    let mut settings = SinkSettings::new(
        name.clone(),
        format,
        target,
        PathBuf::from(sink.spool_path_or_default()),
    );
    settings.spool_max_bytes = *sink.spool_max_bytes.get_ref();
    settings.filter = Filter {
        classes: sink.classes.iter().map(|c| class(*c)).collect(),
        min_severity: sink.min_severity(),
        tenants: sink.tenants.clone(),
    };
    if let Some(n) = sink.batch_size {
        settings.batch_size = n;
    }
    if let Some(ms) = sink.timeout_ms {
        settings.timeout = Duration::from_millis(ms);
    }
    Ok(settings)
}

fn class(name: EventClassName) -> EventClass {
    match name {
        EventClassName::ApiActivity => EventClass::ApiActivity,
        EventClassName::DetectionFinding => EventClass::DetectionFinding,
        EventClassName::Authentication => EventClass::Authentication,
        EventClassName::PolicyDenial => EventClass::PolicyDenial,
        EventClassName::Abuse => EventClass::Abuse,
        EventClassName::AdminChange => EventClass::AdminChange,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_secret_names_the_sink_and_the_key() {
        let config = Config::from_toml(
            r#"
[[events.sinks]]
name = "soar"
kind = "webhook"
url = "https://soar.example/hook"
secret_env = "RAMPART_TEST_UNSET_WEBHOOK_SECRET"
"#,
            "test.toml",
        )
        .unwrap();
        config.validate().unwrap();
        let err = settings(&config).unwrap_err().to_string();
        assert!(
            err.contains("`soar`") && err.contains("`secret_env`"),
            "{err}"
        );
        assert!(err.contains("RAMPART_TEST_UNSET_WEBHOOK_SECRET"), "{err}");
    }

    #[test]
    fn a_file_sink_gets_its_defaults_and_filter() {
        let config = Config::from_toml(
            r#"
[[events.sinks]]
name = "local"
kind = "file"
path = "events.jsonl"
classes = ["detection_finding", "abuse"]
min_severity = "medium"
tenants = ["acme"]
"#,
            "test.toml",
        )
        .unwrap();
        config.validate().unwrap();
        let s = settings(&config).unwrap().remove(0);
        assert_eq!(s.format, Format::Ocsf);
        assert_eq!(s.spool_path, PathBuf::from("rampart-events-local.spool"));
        assert_eq!(
            s.filter.classes,
            [EventClass::DetectionFinding, EventClass::Abuse]
        );
        assert_eq!(s.filter.min_severity.as_str(), "medium");
        assert_eq!(s.filter.tenants, ["acme"]);
    }
}
