//! `[auth.ldap]` against a real OpenLDAP server (Debian's `slapd`, set up in a temporary
//! directory by `tests/ldap/start.sh` with its own CA, LDAPS and StartTLS, users and nested
//! groups), through the real gateway over HTTP: `Authorization: Basic` logins on the
//! OpenAI and Anthropic surfaces, groups (nested ones) deciding the interim model access,
//! refusals as 401 in the surface's shape, filter injection, a certificate from another CA
//! and a directory that is down (503, never 401), and the group lookup for OpenID
//! principals.
//!
//! These tests need `slapd`, `slapadd`, `slappasswd`, `ldapsearch` and `openssl`, so they
//! are `#[ignore]`d; `scripts/test` installs the Debian packages when it can and runs them
//! with `--ignored`, or lists them as skipped.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use rampart_gateway::{Authenticator, ChainAuthenticator, Seams, StaticKeys};
use rampart_identity::ldap::{LdapDirectory, LdapError, Nesting, Refusal};
use rampart_server::LdapAuthenticator;
use serde_json::{Value, json};
use std::process::Command;
use std::sync::Arc;

/// A running slapd, stopped and its directory removed when dropped.
struct Slapd {
    _dir: tempfile::TempDir,
    pid: u32,
    ldap: String,
    ldaps: String,
    ca: String,
    other_ca: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Slapd {
    fn start() -> Slapd {
        let dir = tempfile::tempdir().unwrap();
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/ldap/start.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg(dir.path())
            .arg(free_port().to_string())
            .arg(free_port().to_string())
            .output()
            .expect("bash runs tests/ldap/start.sh");
        assert!(
            out.status.success(),
            "tests/ldap/start.sh failed (needs slapd, ldap-utils, openssl): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ready: Value = serde_json::from_slice(&out.stdout).expect("the script's ready line");
        let s = |k: &str| ready[k].as_str().unwrap().to_owned();
        Slapd {
            pid: u32::try_from(ready["pid"].as_u64().unwrap()).unwrap(),
            ldap: s("ldap"),
            ldaps: s("ldaps"),
            ca: s("ca"),
            other_ca: s("other_ca"),
            _dir: dir,
        }
    }

    fn stop(&self) {
        let _ = Command::new("kill").arg(self.pid.to_string()).status();
        // slapd closes its listeners before it exits; wait until the port refuses.
        let port = self.ldaps.rsplit(':').next().unwrap().to_owned();
        for _ in 0..100 {
            if std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("slapd did not stop");
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.pid.to_string()).status();
    }
}

/// `[auth.ldap]` for `slapd` at `url` with `ca`, plus `extra` keys.
fn ldap_section(url: &str, ca: &str, extra: &str) -> String {
    format!(
        r#"
[auth.ldap]
url = "{url}"
ca_file = "{ca}"
bind_dn = "cn=svc,dc=example,dc=org"
bind_password = "svc-pw"
user_base = "ou=people,dc=example,dc=org"
group_base = "ou=groups,dc=example,dc=org"
tenant_attribute = "o"
nested = "walk"
models = ["gpt"]
{extra}
[auth.ldap.group_models]
everyone = ["gpt-large"]
"#
    )
}

struct Setup {
    gateway: Gateway,
    audit: AuditLog,
    ldap: Arc<LdapAuthenticator>,
}

async fn setup(section: &str) -> Setup {
    let text = format!("{}{section}", identity_test_models().await);
    let config = rampart_gateway::config::Config::from_toml(&text, "ldap.toml").unwrap();
    config.validate().unwrap();
    let ldap = Arc::new(LdapAuthenticator::from_config(&config).unwrap());
    let chain: Vec<Arc<dyn Authenticator>> = vec![
        ldap.clone(),
        Arc::new(StaticKeys::from_config(&config.auth)),
    ];
    let audit = AuditLog::open().await;
    let seams = Seams {
        authenticator: Some(Arc::new(ChainAuthenticator(chain))),
        limiter: None,
        audit: Some(audit.sink()),
        semantic: None,
        authorizer: None,
        admin: None,
    };
    Setup {
        gateway: Gateway::start(config, seams).await,
        audit,
        ldap,
    }
}

fn chat(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": "hello"}]})
}

async fn chat_as(s: &Setup, user: &str, password: &str, model: &str) -> Answer {
    send(
        s.gateway
            .client
            .post(format!("{}/v1/chat/completions", s.gateway.url))
            .basic_auth(user, Some(password))
            .json(&chat(model)),
    )
    .await
}

fn settings(url: &str, ca: &str, nested: Nesting) -> rampart_identity::ldap::LdapSettings {
    let section = ldap_section(url, ca, "");
    let config = rampart_gateway::config::Config::from_toml(&section, "ldap.toml").unwrap();
    let mut s = rampart_server::ldap::ldap_settings(config.auth.ldap.as_ref().unwrap().get_ref());
    s.nested = nested;
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs slapd (scripts/test runs it)"]
async fn a_directory_user_logs_in_with_basic_and_nested_groups_decide_the_models() {
    let slapd = Slapd::start();
    let s = setup(&ldap_section(&slapd.ldaps, &slapd.ca, "")).await;

    let ok = chat_as(&s, "alice", "alice-pw", "gpt").await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let id = ok.headers["x-request-id"].to_str().unwrap().to_owned();
    let record = s.audit.of(&id).await;
    assert_eq!(record.key_id.as_deref(), Some("ldap:alice"));
    // The tenant comes from the entry's `o`.
    assert_eq!(record.tenant.as_deref(), Some("acme"));
    assert!(!serde_json::to_string(&record).unwrap().contains("alice-pw"));

    // `everyone` holds `staff`, which holds `engineers`, which holds alice: two levels up.
    let nested = chat_as(&s, "alice", "alice-pw", "gpt-large").await;
    assert_eq!(nested.status, 200, "{}", nested.text);
    // bob is in `everyone` directly; carol is in no group that grants gpt-large, and has no
    // `o`: refused.
    assert_eq!(chat_as(&s, "bob", "bob-pw", "gpt-large").await.status, 200);
    assert_eq!(chat_as(&s, "carol", "carol-pw", "gpt").await.status, 401);

    // The Anthropic surface takes Basic too, and answers in its own shape.
    let anthropic = send(
        s.gateway
            .client
            .post(format!("{}/v1/messages", s.gateway.url))
            .basic_auth("alice", Some("alice-pw"))
            .header("anthropic-version", "2023-06-01")
            .json(&json!({"model": "claude", "max_tokens": 16,
                "messages": [{"role": "user", "content": "hello"}]})),
    )
    .await;
    // claude is in no list of alice's: 403 in the Anthropic shape (she is authenticated).
    assert_eq!(anthropic.status, 403, "{}", anthropic.text);
    assert_eq!(anthropic.json()["type"], "error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs slapd (scripts/test runs it)"]
async fn wrong_passwords_unknown_users_and_filter_injection_get_401() {
    let slapd = Slapd::start();
    let s = setup(&ldap_section(&slapd.ldaps, &slapd.ca, "")).await;
    let bad = chat_as(&s, "alice", "wrong", "gpt").await;
    assert_eq!(bad.status, 401, "{}", bad.text);
    assert_eq!(
        bad.json()["error"]["message"],
        "Invalid user name or password."
    );
    let unknown = chat_as(&s, "mallory", "alice-pw", "gpt").await;
    assert_eq!(unknown.status, 401, "{}", unknown.text);
    // The same answer for both: no user enumeration.
    assert_eq!(unknown.json(), bad.json());
    // Without escaping, `al*` would find alice and her password would let it in; `*)(uid=*`
    // would turn the filter into two clauses.
    for user in [
        "al*",
        "*",
        "*)(uid=*",
        "alice)(|(uid=*",
        "alice\\2a",
        "alice\u{0}",
    ] {
        let a = chat_as(&s, user, "alice-pw", "gpt").await;
        assert_eq!(a.status, 401, "{user:?}: {}", a.text);
    }
    // An empty password would be an unauthenticated bind, which slapd accepts.
    assert_eq!(chat_as(&s, "alice", "", "gpt").await.status, 401);

    // Anthropic's shape for the refusal.
    let anthropic = send(
        s.gateway
            .client
            .post(format!("{}/v1/messages", s.gateway.url))
            .basic_auth("alice", Some("wrong"))
            .header("anthropic-version", "2023-06-01")
            .json(&json!({"model": "claude", "max_tokens": 16,
                "messages": [{"role": "user", "content": "hello"}]})),
    )
    .await;
    assert_eq!(anthropic.status, 401, "{}", anthropic.text);
    assert_eq!(anthropic.json()["type"], "error");
    assert_eq!(anthropic.json()["error"]["type"], "authentication_error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs slapd (scripts/test runs it)"]
async fn starttls_and_a_dn_template_work_and_escape() {
    let slapd = Slapd::start();
    let extra = r#"user_dn = "uid={user},ou=people,dc=example,dc=org""#;
    let s = setup(&ldap_section(&slapd.ldap, &slapd.ca, extra)).await;
    assert_eq!(chat_as(&s, "bob", "bob-pw", "gpt").await.status, 200);
    assert_eq!(chat_as(&s, "bob", "alice-pw", "gpt").await.status, 401);
    // A name that would add an RDN to the DN is one escaped value.
    let a = chat_as(&s, "alice,ou=people", "alice-pw", "gpt").await;
    assert_eq!(a.status, 401, "{}", a.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs slapd (scripts/test runs it)"]
async fn a_certificate_of_another_ca_is_refused_naming_ca_file() {
    let slapd = Slapd::start();
    let s = setup(&ldap_section(&slapd.ldaps, &slapd.other_ca, "")).await;
    let a = chat_as(&s, "alice", "alice-pw", "gpt").await;
    assert_eq!(a.status, 503, "{}", a.text);
    let dir = LdapDirectory::new(settings(&slapd.ldaps, &slapd.other_ca, Nesting::None)).unwrap();
    let err = dir.login("alice", "alice-pw").await.unwrap_err();
    assert!(matches!(err, LdapError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("ca_file"), "{err}");
    // StartTLS checks the certificate the same way.
    let dir = LdapDirectory::new(settings(&slapd.ldap, &slapd.other_ca, Nesting::None)).unwrap();
    let err = dir.login("alice", "alice-pw").await.unwrap_err();
    assert!(matches!(err, LdapError::Tls { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs slapd (scripts/test runs it)"]
async fn a_directory_down_is_503_and_recent_logins_are_remembered() {
    let slapd = Slapd::start();
    let s = setup(&ldap_section(&slapd.ldaps, &slapd.ca, "")).await;
    assert_eq!(chat_as(&s, "alice", "alice-pw", "gpt").await.status, 200);
    slapd.stop();
    // bob was never seen: the directory must answer, and cannot.
    let down = chat_as(&s, "bob", "bob-pw", "gpt").await;
    assert_eq!(down.status, 503, "{}", down.text);
    // alice's login is cached (a salted digest of name and password)...
    assert_eq!(chat_as(&s, "alice", "alice-pw", "gpt").await.status, 200);
    // ...but only with the same password.
    assert_eq!(chat_as(&s, "alice", "alice-pw2", "gpt").await.status, 503);
    assert!(s.ldap.resolve_groups("alice").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs slapd (scripts/test runs it)"]
async fn groups_direct_nested_and_cyclic() {
    let slapd = Slapd::start();
    let groups = |nested| {
        let dir = LdapDirectory::new(settings(&slapd.ldaps, &slapd.ca, nested)).unwrap();
        async move { dir.resolve_groups("alice").await.unwrap().unwrap().groups }
    };
    assert_eq!(groups(Nesting::None).await, vec!["engineers"]);
    assert_eq!(
        groups(Nesting::Walk { max_depth: 8 }).await,
        vec!["engineers", "everyone", "staff"]
    );
    assert_eq!(
        groups(Nesting::Walk { max_depth: 2 }).await,
        vec!["engineers", "staff"]
    );
    // loop-a ∋ loop-b ∋ loop-a: the walk ends.
    let dir = LdapDirectory::new(settings(
        &slapd.ldaps,
        &slapd.ca,
        Nesting::Walk { max_depth: 16 },
    ))
    .unwrap();
    let carol = dir.login("carol", "carol-pw").await;
    // carol has no `o`, so the login is refused for want of a tenant...
    assert!(
        matches!(carol, Err(LdapError::Refused(Refusal::NoTenant))),
        "{carol:?}"
    );
    // ...and her groups are still found for a lookup that needs no tenant.
    let mut s = settings(&slapd.ldaps, &slapd.ca, Nesting::Walk { max_depth: 16 });
    s.tenant_attribute = None;
    let dir = LdapDirectory::new(s).unwrap();
    let carol = dir.resolve_groups("carol").await.unwrap().unwrap();
    assert_eq!(carol.groups, vec!["loop-a", "loop-b"]);
    assert_eq!(dir.resolve_groups("nobody").await.unwrap(), None);
    assert_eq!(dir.resolve_groups("*").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs slapd (scripts/test runs it)"]
async fn openid_principals_without_groups_get_the_directory_groups() {
    let slapd = Slapd::start();
    let s = setup(&ldap_section(
        &slapd.ldaps,
        &slapd.ca,
        "resolve_oidc_groups = true",
    ))
    .await;
    assert!(s.ldap.resolves_oidc_groups());
    assert_eq!(
        s.ldap.resolve_groups("alice").await.unwrap(),
        vec!["engineers", "everyone", "staff"]
    );
    assert!(s.ldap.resolve_groups("mallory").await.unwrap().is_empty());
}
