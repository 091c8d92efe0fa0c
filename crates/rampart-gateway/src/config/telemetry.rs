//! `[telemetry]`: OpenTelemetry traces over OTLP/HTTP.

use super::*;

/// `[telemetry]`: optional OpenTelemetry traces (one span per request, one child span per
/// pipeline phase) exported over OTLP/HTTP with the JSON encoding.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The collector's base URL, e.g. `http://otel-collector:4318`; spans are posted to
    /// `{otlp_endpoint}/v1/traces`. No traces when absent (the default).
    #[schemars(with = "Option<Interpolated>")]
    pub otlp_endpoint: Option<Spanned<Interpolated>>,
    /// `service.name` of the exported spans. Default `rampart`.
    #[serde(default = "default_service_name")]
    pub service_name: Interpolated,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            otlp_endpoint: None,
            service_name: default_service_name(),
        }
    }
}

fn default_service_name() -> Interpolated {
    Interpolated("rampart".into())
}
