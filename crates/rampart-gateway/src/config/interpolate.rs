//! Values read from the environment: [`Interpolated`] strings (`${VAR}`, `$$`) and
//! [`Secret`]s, which interpolate the same way and never print.

use super::*;

/// A string that may contain `${VAR}` references, expanded when the config is read.
#[derive(Clone, PartialEq, Eq)]
pub struct Interpolated(pub String);

impl fmt::Debug for Interpolated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Interpolated {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Interpolated {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        interpolate(&raw)
            .map(Interpolated)
            .map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Interpolated {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Interpolated".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A string; `${VAR}` reads the environment variable VAR, `$$` is a literal `$`."
        })
    }
}

impl JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A credential; write `${VAR}` to read it from the environment rather than the file, or (provider credentials) `file:PATH`, `aws-sm:NAME_OR_ARN[#KEY]`, `vault:MOUNT/PATH#KEY` to fetch it from a secrets manager ([secrets])."
        })
    }
}

/// A credential: interpolated like any string, never printed (`Debug` shows `***`).
///
/// A provider credential may instead name where it is kept (`file:PATH`,
/// `aws-sm:NAME_OR_ARN[#KEY]`, `vault:MOUNT/PATH#KEY`; see [`crate::secrets`]): its value
/// is fetched when the runtime is built and refreshed while it runs, and every clone of
/// the secret (the provider's among them) sees the current value.
#[derive(Clone)]
pub struct Secret(SecretValue);

#[derive(Clone)]
enum SecretValue {
    Plain(String),
    Managed(std::sync::Arc<Managed>),
}

struct Managed {
    reference: String,
    current: std::sync::RwLock<String>,
}

impl Secret {
    /// A secret holding `value`, or naming where it is kept when `value` is a reference.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        if crate::secrets::is_reference(&value) {
            Secret(SecretValue::Managed(std::sync::Arc::new(Managed {
                reference: value,
                current: std::sync::RwLock::new(String::new()),
            })))
        } else {
            Secret(SecretValue::Plain(value))
        }
    }

    /// The clear value, for building the upstream request only: the latest fetched one
    /// for a reference (empty before the first fetch).
    pub fn expose(&self) -> std::borrow::Cow<'_, str> {
        match &self.0 {
            SecretValue::Plain(v) => std::borrow::Cow::Borrowed(v),
            SecretValue::Managed(m) => {
                std::borrow::Cow::Owned(m.current.read().unwrap_or_else(|p| p.into_inner()).clone())
            }
        }
    }

    /// Where the value is kept, for a reference (not secret itself).
    pub fn reference(&self) -> Option<&str> {
        match &self.0 {
            SecretValue::Plain(_) => None,
            SecretValue::Managed(m) => Some(&m.reference),
        }
    }

    /// Takes a freshly fetched value (a reference only; a plain secret keeps its own).
    pub fn set_current(&self, value: String) {
        if let SecretValue::Managed(m) = &self.0 {
            *m.current.write().unwrap_or_else(|p| p.into_inner()) = value;
        }
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (SecretValue::Plain(a), SecretValue::Plain(b)) => a == b,
            (SecretValue::Managed(a), SecretValue::Managed(b)) => a.reference == b.reference,
            _ => false,
        }
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Interpolated::deserialize(d).map(|i| Secret::new(i.0))
    }
}

/// Expand `${VAR}` from the environment; `$$` is a literal `$`.
pub fn interpolate(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body
                .find('}')
                .ok_or_else(|| "unclosed `${` in value".to_owned())?;
            let name = &body[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("invalid environment variable name `{name}`"));
            }
            match std::env::var(name) {
                Ok(v) => out.push_str(&v),
                Err(_) => return Err(format!("environment variable `{name}` is not set")),
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}
