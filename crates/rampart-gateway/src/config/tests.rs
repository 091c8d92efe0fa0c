//! Loading, parsing and validation of whole config texts.

use super::*;

const ISSUE_EXAMPLE: &str = r#"
[server]
listen = "127.0.0.1:8787"

[storage]
url = "sqlite://rampart.db"

[[providers]]
name = "openai"
kind = "openai"
base_url = "https://api.openai.com/v1"
api_key = "${RAMPART_TEST_OPENAI_KEY}"

[[providers]]
name = "anthropic"
kind = "anthropic"
base_url = "https://api.anthropic.com"
api_key = "${RAMPART_TEST_ANTHROPIC_KEY}"

[[models]]
name = "gpt-4o-mini"
provider = "openai"
upstream_model = "gpt-4o-mini"

[[models]]
name = "claude-sonnet"
provider = "anthropic"
upstream_model = "claude-sonnet-4-5"

[guard]
mode = "enforce"   # enforce | monitor | off
"#;

#[test]
fn issue_example_loads_with_its_variables_set_and_fails_without() {
    let err = Config::from_toml(ISSUE_EXAMPLE, "rampart.toml").unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("rampart.toml:12:"), "{msg}");
    assert!(msg.contains("RAMPART_TEST_OPENAI_KEY"), "{msg}");
    let text = ISSUE_EXAMPLE
        .replace("${RAMPART_TEST_OPENAI_KEY}", "${HOME}")
        .replace("${RAMPART_TEST_ANTHROPIC_KEY}", "${HOME}");
    // HOME is set in every test environment; it stands in for the two API keys.
    let config = Config::from_toml(&text, "rampart.toml").unwrap();
    config.validate().unwrap();
    assert_eq!(config.providers.len(), 2);
    assert_eq!(
        config.models[1].get_ref().deployments()[0].upstream_model,
        "claude-sonnet-4-5"
    );
    assert_eq!(config.guard_policy().unwrap().mode, GuardMode::Enforce);
    assert_eq!(config.server.body_limit, 4 * 1024 * 1024);
}

#[test]
fn unknown_key_names_the_key_and_the_line() {
    let err = Config::from_toml(
        "[server]\nlisten = \"127.0.0.1:1\"\nlisten_port = 3\n",
        "c.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("c.toml:3:1:"), "{err}");
    assert!(err.contains("listen_port"), "{err}");
}

#[test]
fn bad_enum_value_names_the_line() {
    let err = Config::from_toml("[guard]\n\nmode = \"loud\"\n", "c.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("c.toml:3:"), "{err}");
    assert!(err.contains("loud") || err.contains("enforce"), "{err}");
}

#[test]
fn model_with_unknown_provider_is_refused_at_its_line() {
    let text = "[[providers]]\nname = \"m\"\nkind = \"mock\"\n\n[[models]]\nname = \"x\"\nprovider = \"nope\"\n";
    let config = Config::from_toml(text, "c.toml").unwrap();
    let err = config.validate().unwrap_err().to_string();
    assert!(err.starts_with("c.toml:7:"), "{err}");
    assert!(
        err.contains("models.provider") && err.contains("nope"),
        "{err}"
    );
}

#[test]
fn provider_missing_its_key_is_refused() {
    let text = "[[providers]]\nname = \"o\"\nkind = \"openai\"\n";
    let err = Config::from_toml(text, "c.toml")
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(err.to_string().contains("providers.api_key"), "{err}");
}

#[test]
fn malformed_key_hash_is_refused() {
    let text = "[[auth.keys]]\nid = \"k\"\ntenant = \"t\"\nsha256 = \"abc\"\n";
    let err = Config::from_toml(text, "c.toml")
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(err.to_string().starts_with("c.toml:4:"), "{err}");
}

#[test]
fn interpolation_handles_escapes_and_refuses_bad_names() {
    assert_eq!(interpolate("a$$b$c").unwrap(), "a$b$c");
    assert!(interpolate("${A-B}").is_err());
    assert!(interpolate("${UNCLOSED").is_err());
    assert!(
        interpolate("${RAMPART_SURELY_UNSET_VARIABLE}")
            .unwrap_err()
            .contains("RAMPART_SURELY_UNSET_VARIABLE")
    );
}

#[test]
fn secrets_do_not_print() {
    let s = Secret::new("sk-live-123");
    assert_eq!(format!("{s:?}"), "Secret(***)");
    let managed = Secret::new("vault:secret/openai#api_key");
    assert_eq!(managed.reference(), Some("vault:secret/openai#api_key"));
    let provider_copy = managed.clone();
    managed.set_current("sk-rotated".to_owned());
    assert_eq!(provider_copy.expose(), "sk-rotated");
    assert_eq!(format!("{provider_copy:?}"), "Secret(***)");
}

#[test]
fn inline_policy_deserialises_and_mode_overrides_it() {
    let text = "[guard]\nmode = \"monitor\"\n[guard.policy]\nmode = \"enforce\"\n[guard.policy.input]\npii = \"redact\"\n";
    let config = Config::from_toml(text, "c.toml").unwrap();
    let policy = config.guard_policy().unwrap();
    assert_eq!(policy.mode, GuardMode::Monitor);
    assert_eq!(policy.input.pii, rampart_guard::Action::Redact);
}

fn validation_error(text: &str) -> String {
    Config::from_toml(text, "c.toml")
        .and_then(|c| c.validate())
        .unwrap_err()
        .to_string()
}

#[test]
fn redis_limits_and_tenants_parse() {
    let text = "[limits]\nbackend = \"redis\"\nredis_url = \"redis://10.0.0.7:6379/0\"\nredis_prefix = \"prod\"\ndefault_rpm = 60\n\n[[tenants]]\nname = \"acme\"\nrpm = 600\ntpm = 100000\ndaily_token_budget = 1000000\nmonthly_token_budget = 20000000\n";
    let config = Config::from_toml(text, "c.toml").unwrap();
    config.validate().unwrap();
    assert_eq!(*config.limits.backend.get_ref(), LimitBackend::Redis);
    assert_eq!(
        config.limits.redis_url.as_ref().unwrap().get_ref().expose(),
        "redis://10.0.0.7:6379/0"
    );
    assert_eq!(config.limits.default_rpm(), Some(60));
    let acme = config.tenants[0].get_ref();
    assert_eq!(acme.name.get_ref(), "acme");
    assert_eq!(
        acme.monthly_token_budget.as_ref().map(|v| *v.get_ref()),
        Some(20_000_000)
    );
}

#[test]
fn limit_errors_name_the_key_and_the_line() {
    let err = validation_error("[limits]\n\nbackend = \"redis\"\n");
    assert!(err.starts_with("c.toml:3:"), "{err}");
    assert!(
        err.contains("limits.redis_url") && err.contains("missing"),
        "{err}"
    );

    let err = validation_error("[limits]\nredis_url = \"redis://h\"\n");
    assert!(err.starts_with("c.toml:2:"), "{err}");
    assert!(
        err.contains("only used with `backend = \"redis\"`"),
        "{err}"
    );

    let err = validation_error("[limits]\nbackend = \"redis\"\nredis_url = \"http://h\"\n");
    assert!(
        err.starts_with("c.toml:3:") && err.contains("limits.redis_url"),
        "{err}"
    );

    let err = Config::from_toml("[limits]\nbackend = \"etcd\"\n", "c.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("c.toml:2:") && err.contains("memory"),
        "{err}"
    );

    let err = Config::from_toml("[limits]\nredis = \"x\"\n", "c.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("c.toml:2:") && err.contains("redis"),
        "{err}"
    );

    let err = Config::from_toml(
        "[limits]\nbackend = \"redis\"\nredis_url = \"${RAMPART_SURELY_UNSET_REDIS}\"\n",
        "c.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("c.toml:3:") && err.contains("RAMPART_SURELY_UNSET_REDIS"),
        "{err}"
    );

    let err = validation_error("[limits]\ndefault_tpm = 0\n");
    assert!(
        err.starts_with("c.toml:2:") && err.contains("limits.default_tpm"),
        "{err}"
    );

    let err = validation_error(
        "[limits]\nbackend = \"redis\"\nredis_url = \"redis://h\"\nredis_prefix = \"a{b}\"\n",
    );
    assert!(
        err.starts_with("c.toml:4:") && err.contains("limits.redis_prefix"),
        "{err}"
    );
}

#[test]
fn tenant_errors_name_the_key_and_the_line() {
    let err = validation_error("[[tenants]]\nname = \"a\"\n\n[[tenants]]\nname = \"a\"\n");
    assert!(
        err.starts_with("c.toml:5:") && err.contains("duplicate tenant"),
        "{err}"
    );

    let err = validation_error("[[tenants]]\nname = \"a\"\nrpm = 10\ntpm = 0\n");
    assert!(
        err.starts_with("c.toml:4:") && err.contains("tenants.tpm"),
        "{err}"
    );

    let err = Config::from_toml("[[tenants]]\nname = \"a\"\nrpm = -1\n", "c.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("c.toml:3:"), "{err}");

    let err = Config::from_toml("[[tenants]]\nname = \"a\"\ndaily_tokens = 5\n", "c.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("c.toml:3:") && err.contains("daily_tokens"),
        "{err}"
    );

    let err = Config::from_toml("[[tenants]]\nrpm = 5\n", "c.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("name"), "{err}");
}

#[test]
fn audit_checkpoint_settings_parse_and_bad_ones_name_the_key() {
    let config = Config::from_toml(
        "[audit]\ncheckpoint_key = \"/etc/rampart/audit.pem\"\ncheckpoint_every = 50\ncheckpoint_interval = 0\ncheckpoint_path = \"/srv/checkpoint\"\ncheckpoint_origin = \"example.com/audit\"\n",
        "c.toml",
    )
    .unwrap();
    config.validate().unwrap();
    let a = &config.audit;
    assert_eq!(
        a.checkpoint_key.as_ref().unwrap().get_ref().as_str(),
        "/etc/rampart/audit.pem"
    );
    assert_eq!(*a.checkpoint_every.get_ref(), 50);
    assert_eq!(*a.checkpoint_interval.get_ref(), 0);
    assert_eq!(a.checkpoint_origin.get_ref(), "example.com/audit");
    let default = Config::from_toml("", "c.toml").unwrap();
    assert!(default.audit.checkpoint_key.is_none());
    assert_eq!(*default.audit.checkpoint_every.get_ref(), 1000);
    assert_eq!(*default.audit.checkpoint_interval.get_ref(), 60);
    assert_eq!(default.audit.checkpoint_origin.get_ref(), "rampart-audit");

    let err = validation_error(
        "[audit]\ncheckpoint_key = \"k.pem\"\ncheckpoint_every = 0\ncheckpoint_interval = 0\n",
    );
    assert!(
        err.starts_with("c.toml:3:") && err.contains("audit.checkpoint_every"),
        "{err}"
    );
    let err = validation_error("[audit]\ncheckpoint_path = \"cp\"\n");
    assert!(
        err.contains("audit.checkpoint_path") && err.contains("checkpoint_key"),
        "{err}"
    );
    let err = validation_error("[audit]\ncheckpoint_origin = \"a b\"\n");
    assert!(
        err.starts_with("c.toml:2:") && err.contains("audit.checkpoint_origin"),
        "{err}"
    );
    let err = validation_error("[audit]\ncheckpoint_key = \"vault:kv/audit#pem\"\n");
    assert!(
        err.contains("audit.checkpoint_key") && err.contains("[secrets.vault]"),
        "{err}"
    );
}

#[test]
fn audit_spool_settings_parse_and_bad_ones_name_the_line() {
    let config = Config::from_toml(
        "[audit]\nspool_path = \"/var/lib/rampart/audit.spool\"\nspool_max_bytes = 10485760\n",
        "c.toml",
    )
    .unwrap();
    config.validate().unwrap();
    assert_eq!(
        config.audit.spool_path.get_ref().as_str(),
        "/var/lib/rampart/audit.spool"
    );
    assert_eq!(*config.audit.spool_max_bytes.get_ref(), 10_485_760);
    let default = Config::from_toml("", "c.toml").unwrap();
    assert_eq!(
        default.audit.spool_path.get_ref().as_str(),
        "rampart-audit.spool"
    );

    let err = validation_error("[audit]\n\nspool_max_bytes = 10\n");
    assert!(
        err.starts_with("c.toml:3:") && err.contains("audit.spool_max_bytes"),
        "{err}"
    );
    let err = Config::from_toml("[audit]\nspool = \"x\"\n", "c.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("c.toml:2:") && err.contains("spool"),
        "{err}"
    );
}

#[test]
fn external_classifier_parses_with_defaults_and_bad_values_name_the_key() {
    let config = Config::from_toml(
        "[guard.external_classifier]\nurl = \"http://127.0.0.1:8080/predict\"\n",
        "c.toml",
    )
    .unwrap();
    config.validate().unwrap();
    let s = config.external_settings().unwrap().unwrap();
    assert_eq!(s.timeout, Duration::from_millis(200));
    assert_eq!(s.on_error, OnExternalError::UseBuiltIn);
    assert_eq!(s.injection_labels.len(), 4);
    assert_eq!(s.roles, vec![Role::User, Role::Tool, Role::Document]);

    let config = Config::from_toml(
        "[guard.external_classifier]\nurl = \"https://tei.internal/predict\"\ntimeout_ms = 50\non_error = \"block\"\ninjection_labels = [\"unsafe\"]\nroles = [\"user\"]\nmax_chars = 100\n",
        "c.toml",
    )
    .unwrap();
    config.validate().unwrap();
    let s = config.external_settings().unwrap().unwrap();
    assert_eq!(s.on_error, OnExternalError::Fail);
    assert_eq!(s.roles, vec![Role::User]);

    let err = validation_error("[guard.external_classifier]\n\nurl = \"tcp://x\"\n");
    assert!(
        err.starts_with("c.toml:3:") && err.contains("guard.external_classifier.url"),
        "{err}"
    );
    let err = validation_error(
        "[guard.external_classifier]\nurl = \"http://h/predict\"\ntimeout_ms = 0\n",
    );
    assert!(
        err.starts_with("c.toml:3:") && err.contains("timeout_ms"),
        "{err}"
    );
    let err = validation_error(
        "[guard.external_classifier]\nurl = \"http://h/predict\"\ninjection_labels = []\n",
    );
    assert!(err.contains("injection_labels"), "{err}");
    let err = Config::from_toml(
        "[guard.external_classifier]\nurl = \"http://h/predict\"\non_error = \"allow\"\n",
        "c.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("c.toml:3:") && err.contains("use_builtin"),
        "{err}"
    );
    let err = Config::from_toml(
        "[guard.external_classifier]\nurl = \"http://h/predict\"\nretries = 3\n",
        "c.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("retries"), "{err}");

    let config = Config::from_toml(
        "[guard.external_classifier]\nurl = \"http://h/predict\"\napi_key_env = \"RAMPART_SURELY_UNSET_TEI_KEY\"\n",
        "c.toml",
    )
    .unwrap();
    config.validate().unwrap();
    let err = config.external_settings().unwrap_err().to_string();
    assert!(
        err.contains("api_key_env") && err.contains("RAMPART_SURELY_UNSET_TEI_KEY"),
        "{err}"
    );
}

#[test]
fn injection_model_paths_are_relative_to_the_file_that_names_them() {
    let config = Config::from_toml(
        "[guard.policy]\ninjection_model = \"models/inj.bin\"\n",
        "/etc/rampart/rampart.toml",
    )
    .unwrap();
    let policy = config.guard_policy().unwrap();
    assert_eq!(
        policy.injection_model.as_deref(),
        Some(Path::new("/etc/rampart/models/inj.bin"))
    );
    let err = config.injection_model(&policy).unwrap_err().to_string();
    assert!(
        err.contains("guard.policy.injection_model") && err.contains("cannot read"),
        "{err}"
    );
}

#[test]
fn telemetry_endpoint_must_be_http() {
    let config = Config::from_toml(
        "[telemetry]\notlp_endpoint = \"http://127.0.0.1:4318\"\n",
        "c.toml",
    )
    .unwrap();
    config.validate().unwrap();
    assert_eq!(config.telemetry.service_name.as_str(), "rampart");
    let err = validation_error("[telemetry]\n\notlp_endpoint = \"grpc://collector:4317\"\n");
    assert!(
        err.starts_with("c.toml:3:") && err.contains("telemetry.otlp_endpoint"),
        "{err}"
    );
    let err = Config::from_toml("[telemetry]\notlp_headers = 1\n", "c.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("c.toml:2:"), "{err}");
}

#[test]
fn a_key_of_another_provider_kind_is_refused_at_its_line() {
    // `region` is Bedrock's: on an OpenAI provider it was accepted and ignored.
    let text =
        "[[providers]]\nname = \"o\"\nkind = \"openai\"\napi_key = \"k\"\nregion = \"us-east-1\"\n";
    let err = validation_error(text);
    assert!(err.starts_with("c.toml:5:1:"), "{err}");
    assert!(
        err.contains("`providers.region`") && err.contains("`openai`"),
        "{err}"
    );
    // Azure's keys on an OpenAI-compatible provider, quoted and as a sub-table.
    let text = "[[providers]]\nname = \"c\"\nkind = \"openai_compatible\"\nbase_url = \"http://127.0.0.1:8000/v1\"\n\"api_version\" = \"2024-10-21\"\n\n[providers.credentials]\naccess_key_id = \"a\"\nsecret_access_key = \"s\"\n";
    let err = validation_error(text);
    assert!(err.contains("c.toml:5:1: `providers.api_version`"), "{err}");
    assert!(err.contains("c.toml:7:1: `providers.credentials`"), "{err}");
    // The kinds they belong to still take them.
    let text = "[[providers]]\nname = \"b\"\nkind = \"bedrock\"\nregion = \"us-east-1\"\n\n[providers.credentials]\naccess_key_id = \"a\"\nsecret_access_key = \"s\"\n\n[[providers]]\nname = \"a\"\nkind = \"azure_openai\"\nbase_url = \"https://r.openai.azure.com\"\napi_key = \"k\"\napi_version = \"2024-10-21\"\nazure_bearer = true\n";
    Config::from_toml(text, "c.toml")
        .unwrap()
        .validate()
        .unwrap();
}

#[test]
fn every_validation_error_is_reported_at_once_with_its_key_and_line() {
    let text = "[[providers]]\nname = \"o\"\nkind = \"openai\"\napi_key = \"k\"\nregion = \"us-east-1\"\n\n[[models]]\nname = \"x\"\nprovider = \"nope\"\n\n[[auth.keys]]\nid = \"k\"\ntenant = \"t\"\nsha256 = \"abc\"\n";
    let err = Config::from_toml(text, "c.toml")
        .unwrap()
        .validate()
        .unwrap_err();
    let ConfigError::Report(errors) = &err else {
        panic!("expected a report of several errors, got {err}");
    };
    assert_eq!(errors.len(), 3, "{err}");
    let shown = err.to_string();
    assert!(shown.starts_with("3 problems in the config:\n"), "{shown}");
    for (line, key) in [
        (5, "providers.region"),
        (9, "models.provider"),
        (14, "auth.keys.sha256"),
    ] {
        assert!(
            shown.contains(&format!("c.toml:{line}:")) && shown.contains(&format!("`{key}`")),
            "line {line}, key {key}: {shown}"
        );
    }
}

const OIDC: &str = r#"
[[providers]]
name = "mock"
kind = "mock"

[[models]]
name = "m"
provider = "mock"
upstream_model = "m"

[[auth.oidc]]
issuer = "https://login.example.com/tenant/v2.0"
audience = ["api://rampart", "rampart"]
allowed_algs = ["RS256", "ES256"]
preset = "entra_id"
models = ["m"]
"#;

#[test]
fn oidc_issuers_parse_with_defaults() {
    let config = Config::from_toml(OIDC, "c.toml").unwrap();
    config.validate().unwrap();
    let oidc = config.auth.oidc[0].get_ref();
    assert_eq!(oidc.label(), "login.example.com");
    assert_eq!(oidc.audience.get_ref().to_vec().len(), 2);
    assert_eq!(oidc.preset, Some(OidcPreset::EntraId));
    assert_eq!(
        (
            oidc.clock_skew_secs,
            oidc.jwks_cache_secs,
            oidc.jwks_min_refresh_secs
        ),
        (60, 600, 30)
    );
    assert!(!oidc.allow_private_network);
    assert_eq!(oidc.models_for(&[], &[]), Some(vec!["m".to_owned()]));
}

#[test]
fn oidc_unknown_keys_none_and_hmac_are_refused_at_their_line() {
    let err = Config::from_toml(&format!("{OIDC}jwks_url = \"https://x\"\n"), "c.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("c.toml:17:"), "{err}");
    assert!(err.contains("jwks_url"), "{err}");
    for alg in ["none", "HS256"] {
        let text = OIDC.replace("[\"RS256\", \"ES256\"]", &format!("[\"{alg}\"]"));
        let err = Config::from_toml(&text, "c.toml").unwrap_err().to_string();
        assert!(err.starts_with("c.toml:14:"), "{alg}: {err}");
    }
    let err = validation_error(&OIDC.replace("[\"RS256\", \"ES256\"]", "[]"));
    assert!(
        err.contains("auth.oidc.allowed_algs") && err.contains("c.toml:14:"),
        "{err}"
    );
    let err = validation_error(&OIDC.replace("models = [\"m\"]", "models = [\"gpt-9\"]"));
    assert!(err.contains("no model named `gpt-9`"), "{err}");
    let twice = format!("{OIDC}\n{}", &OIDC[OIDC.find("[[auth.oidc]]").unwrap()..]);
    assert!(validation_error(&twice).contains("duplicate issuer"));
}

const LDAP: &str = r#"
[auth.ldap]
url = "ldaps://ldap.example.org"
bind_dn = "cn=svc,dc=example,dc=org"
bind_password = "svc-secret"
user_base = "ou=people,dc=example,dc=org"
"#;

#[test]
fn ldap_parses_with_defaults() {
    let config = Config::from_toml(LDAP, "c.toml").unwrap();
    config.validate().unwrap();
    let ldap = config.auth.ldap.as_ref().unwrap().get_ref();
    assert_eq!(ldap.user_filter.get_ref(), "(uid={user})");
    assert_eq!(ldap.group_filter.get_ref(), "(member={dn})");
    assert_eq!(ldap.nested, LdapNested::None);
    assert_eq!(
        (
            ldap.connect_timeout_secs,
            ldap.operation_timeout_secs,
            ldap.cache_secs
        ),
        (5, 5, 60)
    );
    assert!(ldap.basic_auth && !ldap.resolve_oidc_groups && !ldap.allow_plaintext);
    assert_eq!(ldap.tenant(), "ldap");
    // The password never prints.
    assert!(!format!("{ldap:?}").contains("svc-secret"));
    assert_eq!(ldap.models_for(&[]), Some(vec![]));
}

#[test]
fn ldap_unknown_keys_and_unsafe_settings_are_refused_at_their_line() {
    let err = Config::from_toml(
        &format!("{LDAP}user_filtre = \"(uid={{user}})\"\n"),
        "c.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("c.toml:7:"), "{err}");
    assert!(err.contains("user_filtre"), "{err}");
    let plain = LDAP.replace("ldaps://ldap.example.org", "ldap://ldap.example.org")
        + "allow_plaintext = true\n";
    let err = validation_error(&plain);
    assert!(
        err.contains("auth.ldap.allow_plaintext") && err.contains("c.toml:3:"),
        "{err}"
    );
    let loopback = LDAP.replace("ldaps://ldap.example.org", "ldap://127.0.0.1:3389")
        + "allow_plaintext = true\n";
    Config::from_toml(&loopback, "c.toml")
        .unwrap()
        .validate()
        .unwrap();
    let err = validation_error(&LDAP.replace("ldaps://", "http://"));
    assert!(err.contains("auth.ldap.url"), "{err}");
    let err = validation_error(&format!("{LDAP}ca_file = \"/nonexistent/ca.pem\"\n"));
    assert!(
        err.contains("auth.ldap.ca_file") && err.contains("c.toml:7:"),
        "{err}"
    );
    let err = validation_error(&format!("{LDAP}user_filter = \"uid={{user}}\"\n"));
    assert!(
        err.contains("auth.ldap.user_filter") && err.contains("c.toml:7:"),
        "{err}"
    );
    let err = validation_error(&format!("{LDAP}operation_timeout_secs = 0\n"));
    assert!(err.contains("auth.ldap.operation_timeout_secs"), "{err}");
    let err = validation_error(&format!("{LDAP}models = [\"gpt-9\"]\n"));
    assert!(err.contains("no model named `gpt-9`"), "{err}");
}

#[test]
fn secrets_manager_references_are_refused_where_nothing_fetches_them() {
    // Only provider credentials are fetched and refreshed; anywhere else a reference
    // would be used as an empty value (an LDAP bind without a password, an upstream MCP
    // server without its credential), so it is refused naming the key.
    for (text, key) in [
        (
            "[auth.ldap]\nurl = \"ldaps://dc1.example:636\"\nuser_base = \"dc=example\"\nbind_dn = \"cn=svc\"\nbind_password = \"vault:secret/ldap#password\"\n",
            "auth.ldap.bind_password",
        ),
        (
            "[limits]\nbackend = \"redis\"\nredis_url = \"file:/run/secrets/redis\"\n",
            "limits.redis_url",
        ),
        (
            "[mcp]\n[[mcp.servers]]\nname = \"remote\"\nurl = \"https://mcp.example/mcp\"\nheaders = { Authorization = \"aws-sm:prod/mcp#token\" }\n",
            "mcp.servers.headers",
        ),
        (
            "[mcp]\n[[mcp.servers]]\nname = \"local\"\ncommand = [\"server\"]\nenv = { TOKEN = \"file:/run/secrets/token\" }\n",
            "mcp.servers.env",
        ),
    ] {
        let err = validation_error(text);
        assert!(err.contains(key), "{key}: {err}");
        assert!(err.contains("provider credentials only"), "{key}: {err}");
    }
}

#[test]
fn event_sinks_parse_with_their_defaults() {
    let config = Config::from_toml(
        r#"
[[events.sinks]]
name = "siem"
kind = "syslog"
address = "tls://siem.example:6514"
classes = ["detection_finding", "abuse"]
min_severity = "high"

[[events.sinks]]
name = "elastic"
kind = "elasticsearch"
url = "https://es.example:9200"

[[events.sinks]]
name = "bus"
kind = "nats"
url = "nats://127.0.0.1:4222"
subject = "rampart.events"
"#,
        "c.toml",
    )
    .unwrap();
    config.validate().unwrap();
    let sinks: Vec<&EventSinkConfig> = config.events.sinks.iter().map(|s| s.get_ref()).collect();
    assert_eq!(sinks[0].format_or_default(), EventFormat::Cef);
    assert_eq!(sinks[0].min_severity(), rampart_core::Severity::High);
    assert_eq!(
        sinks[0].spool_path_or_default(),
        "rampart-events-siem.spool"
    );
    assert_eq!(sinks[1].format_or_default(), EventFormat::Ecs);
    assert_eq!(sinks[2].format_or_default(), EventFormat::Ocsf);
    assert!(
        Config::from_toml("", "c.toml")
            .unwrap()
            .events
            .sinks
            .is_empty()
    );
}

#[test]
fn event_sink_errors_name_the_key_and_the_line() {
    // A key of another kind, at its line.
    let err = validation_error(
        "[[events.sinks]]\nname = \"f\"\nkind = \"file\"\npath = \"e.jsonl\"\nurl = \"https://x\"\n",
    );
    assert!(
        err.contains("c.toml:5:") && err.contains("events.sinks.url"),
        "{err}"
    );
    // A missing key of the kind.
    let err = validation_error(
        "[[events.sinks]]\nname = \"h\"\nkind = \"splunk_hec\"\nurl = \"https://x\"\n",
    );
    assert!(err.contains("events.sinks.token_env"), "{err}");
    // A bad address, a bad severity, a duplicate name, all reported at once.
    let err = validation_error(
        "[[events.sinks]]\nname = \"s\"\nkind = \"syslog\"\naddress = \"udp://nohost\"\nmin_severity = \"loud\"\n\n[[events.sinks]]\nname = \"s\"\nkind = \"file\"\npath = \"x\"\n",
    );
    assert!(
        err.contains("c.toml:4:") && err.contains("events.sinks.address"),
        "{err}"
    );
    assert!(
        err.contains("c.toml:5:") && err.contains("events.sinks.min_severity"),
        "{err}"
    );
    assert!(
        err.contains("c.toml:8:") && err.contains("duplicate sink name"),
        "{err}"
    );
    // Elasticsearch writes ECS only; a NATS URL is nats://.
    let err = validation_error(
        "[[events.sinks]]\nname = \"e\"\nkind = \"elasticsearch\"\nurl = \"https://x\"\nformat = \"cef\"\n",
    );
    assert!(err.contains("events.sinks.format"), "{err}");
    let err = validation_error(
        "[[events.sinks]]\nname = \"n\"\nkind = \"nats\"\nurl = \"http://x:4222\"\nsubject = \"a.>\"\n",
    );
    assert!(
        err.contains("events.sinks.url") && err.contains("events.sinks.subject"),
        "{err}"
    );
    // An unknown class is a parse error at its line.
    let err = Config::from_toml(
        "[[events.sinks]]\nname = \"f\"\nkind = \"file\"\npath = \"p\"\nclasses = [\"everything\"]\n",
        "c.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("c.toml:5:"), "{err}");
}
