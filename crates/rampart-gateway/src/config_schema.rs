//! The JSON Schema of the gateway config, derived from the serde structs in `config.rs`
//! (`schemars`), for editors (e.g. Taplo / Even Better TOML: `#:schema
//! ./config.schema.json`). The committed copy is `docs/config.schema.json`; a test fails
//! when it is stale (`RAMPART_UPDATE_SCHEMA=1 cargo test -p rampart-gateway config_schema`
//! rewrites it), and `rampart config schema` prints it.
//!
//! The schema checks shapes and names; what only `Config::validate` can check (references
//! between sections, positive limits, URL schemes) is left to `rampart config check`.

use crate::config::Config;

/// The schema as pretty-printed JSON, with a final newline.
pub fn json_schema_text() -> String {
    let mut schema = schemars::schema_for!(Config);
    schema.insert(
        "title".to_owned(),
        serde_json::Value::String("Rampart gateway configuration (rampart serve)".to_owned()),
    );
    let mut value = schema.to_value();
    sort_keys(&mut value);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// Every object's keys in sorted order, at every depth, so the text is the same whether
/// serde_json's `preserve_order` is on or off (`cedar-policy` turns it on in every build
/// that links `rampart-server`, the binary and the gateway's tests among them).
fn sort_keys(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort_keys);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn committed_path() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/config.schema.json")
    }

    #[test]
    fn the_committed_schema_is_current() {
        let fresh = json_schema_text();
        let path = committed_path();
        if std::env::var_os("RAMPART_UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "docs/config.schema.json is stale: run `RAMPART_UPDATE_SCHEMA=1 cargo test -p rampart-gateway config_schema` and commit it"
        );
    }

    #[test]
    fn the_schema_names_every_section_and_refuses_unknown_keys() {
        let schema: serde_json::Value = serde_json::from_str(&json_schema_text()).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        for section in [
            "server",
            "storage",
            "audit",
            "providers",
            "models",
            "guard",
            "auth",
            "limits",
            "tenants",
            "telemetry",
        ] {
            assert!(properties.contains_key(section), "{section}");
        }
        assert_eq!(schema["additionalProperties"], false);
        let defs = schema["$defs"].as_object().unwrap();
        assert_eq!(defs["LimitsConfig"]["additionalProperties"], false);
        assert_eq!(
            defs["LimitBackend"]["enum"],
            serde_json::json!(["memory", "redis"])
        );
        let tenant = &defs["TenantConfig"];
        assert_eq!(tenant["required"], serde_json::json!(["name"]));
        assert!(tenant["properties"]["daily_token_budget"].is_object());
    }
}
