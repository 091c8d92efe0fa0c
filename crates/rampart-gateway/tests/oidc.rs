//! Bearer JWTs from a real OpenID provider (the `oidc-provider` npm package run by
//! `tests/oidc/provider.mjs`) through the real gateway over HTTP: client-credentials tokens
//! on the OpenAI and Anthropic surfaces, interim role → model access (403 in the surface's
//! shape), the audit record naming issuer and subject, refusals (expired, unknown issuer,
//! `alg: none`, HS256 keyed with the published key, tampered) as 401 with their reason,
//! and a signing-key rotation during the test.
//!
//! These tests need node and the provider's packages (`npm ci` in tests/oidc), so they are
//! `#[ignore]`d; `scripts/test` installs the packages and runs them with `--ignored`, or
//! lists them as skipped when node or npm is missing.
#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use common::*;
use rampart_gateway::{Authenticator, ChainAuthenticator, Seams, StaticKeys};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// The provider process, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
    http: reqwest::Client,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    fn start() -> Provider {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc");
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "run `npm ci` in tests/oidc first (scripts/test does)"
        );
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .arg("0")
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node must be installed for these tests");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready: Value = serde_json::from_str(&line).expect("the provider's ready line");
        Provider {
            child,
            issuer: ready["issuer"].as_str().unwrap().to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// A client-credentials access token (a JWT for `urn:rampart`).
    async fn token(&self, client: &str) -> String {
        let answer: Value = self
            .http
            .post(format!("{}/token", self.issuer))
            .basic_auth(client, Some(format!("{client}-secret")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&scope=api&resource=urn%3Arampart")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token: {answer}"))
            .to_owned()
    }

    async fn control(&self, what: &str) -> String {
        let answer: Value = self
            .http
            .post(format!("{}/__test/{what}", self.issuer))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["kid"].as_str().unwrap().to_owned()
    }
}

fn kid_of(token: &str) -> String {
    let header: Value =
        serde_json::from_slice(&B64.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

struct Setup {
    provider: Provider,
    gateway: Gateway,
    audit: AuditLog,
    /// Holds the config and policies of a setup with `[authz]`.
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    setup_with_policies(None).await
}

/// The gateway in front of the provider; with `policies`, also `[authz]` with that one
/// Cedar file.
async fn setup_with_policies(policies: Option<&str>) -> Setup {
    let provider = Provider::start();
    let dir = tempfile::tempdir().unwrap();
    let authz = match policies {
        Some(text) => {
            std::fs::create_dir(dir.path().join("policies")).unwrap();
            std::fs::write(dir.path().join("policies/main.cedar"), text).unwrap();
            "\n[authz]\npolicy_dir = \"policies\"\n"
        }
        None => "",
    };
    let text = format!(
        r#"{}
[[auth.oidc]]
name = "test-idp"
issuer = "{issuer}"
audience = "urn:rampart"
allowed_algs = ["RS256"]
clock_skew_secs = 0
groups_claim = "groups"
roles_claim = "roles"
tenant = "acme"
allow_private_network = true
jwks_min_refresh_secs = 0

[auth.oidc.role_models]
reader = ["gpt", "claude"]
admin = ["*"]
{authz}"#,
        identity_test_models().await,
        issuer = provider.issuer
    );
    let path = dir.path().join("oidc.toml");
    std::fs::write(&path, &text).unwrap();
    let config = rampart_gateway::config::Config::load(&path).unwrap();
    config.validate().unwrap();
    let oidc = rampart_server::OidcAuthenticator::from_config(&config).unwrap();
    let chain: Vec<Arc<dyn Authenticator>> = vec![
        Arc::new(oidc),
        Arc::new(StaticKeys::from_config(&config.auth)),
    ];
    let audit = AuditLog::open().await;
    let seams = Seams {
        authenticator: Some(Arc::new(ChainAuthenticator(chain))),
        limiter: None,
        audit: Some(audit.sink()),
        semantic: None,
        authorizer: Some(Arc::new(rampart_server::PolicyLoader)),
        admin: None,
    };
    let gateway = Gateway::start(config, seams).await;
    Setup {
        provider,
        gateway,
        audit,
        _dir: dir,
    }
}

fn chat(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": "hello"}]})
}

async fn last_record(s: &Setup, answer: &Answer) -> rampart_gateway::AuditRecord {
    let id = answer.headers["x-request-id"].to_str().unwrap().to_owned();
    s.audit.of(&id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node and tests/oidc (scripts/test runs it)"]
async fn a_provider_token_authenticates_and_roles_decide_the_models() {
    let s = setup().await;
    let token = s.provider.token("svc").await;
    let ok = s
        .gateway
        .post_as(&token, "/v1/chat/completions", &chat("gpt"))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let record = last_record(&s, &ok).await;
    assert_eq!(record.key_id.as_deref(), Some("jwt:test-idp:svc"));
    assert_eq!(record.tenant.as_deref(), Some("acme"));
    let serialized = serde_json::to_string(&record).unwrap();
    assert!(
        !serialized.contains(&token[..40]),
        "the token reached the record"
    );

    // The reader role does not list gpt-large: 403 in the OpenAI shape.
    let denied = s
        .gateway
        .post_as(&token, "/v1/chat/completions", &chat("gpt-large"))
        .await;
    assert_eq!(denied.status, 403, "{}", denied.text);
    assert_eq!(denied.json()["error"]["code"], "model_not_allowed");

    // The Anthropic surface takes the token in `x-api-key` too.
    let anthropic = send(
        s.gateway
            .client
            .post(format!("{}/v1/messages", s.gateway.url))
            .header("x-api-key", &token)
            .header("anthropic-version", "2023-06-01")
            .json(&json!({"model": "claude", "max_tokens": 16,
                "messages": [{"role": "user", "content": "hello"}]})),
    )
    .await;
    assert_eq!(anthropic.status, 200, "{}", anthropic.text);

    // The admin role has every model.
    let admin = s.provider.token("svc-admin").await;
    let large = s
        .gateway
        .post_as(&admin, "/v1/chat/completions", &chat("gpt-large"))
        .await;
    assert_eq!(large.status, 200, "{}", large.text);
}

fn forge(header: Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string()),
        B64.encode(signature)
    )
}

fn claims_of(token: &str) -> Value {
    serde_json::from_slice(&B64.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node and tests/oidc (scripts/test runs it)"]
async fn refused_tokens_are_401_with_their_reason_in_the_audit_record() {
    let s = setup().await;
    let good = s.provider.token("svc").await;
    let claims = claims_of(&good);
    let kid = kid_of(&good);

    let short = s.provider.token("svc-short").await;
    tokio::time::sleep(Duration::from_millis(3_100)).await;

    let none = forge(json!({"alg": "none", "kid": kid}), &claims, b"");
    // HS256 keyed with the issuer's published key set, the key-confusion attack.
    let jwks = s
        .provider
        .http
        .get(format!("{}/jwks", s.provider.issuer))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut header = jsonwebtoken_free_hs256_header(&kid);
    let hs256 = hs256_sign(&mut header, &claims, jwks.as_bytes());
    let mut other = claims.clone();
    other["iss"] = json!("https://idp.elsewhere.example");
    let unknown_issuer = forge(json!({"alg": "RS256", "kid": kid}), &other, b"x");
    let mut admin = claims.clone();
    admin["roles"] = json!(["admin"]);
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(admin.to_string()),
        parts[2]
    );

    for (token, reason) in [
        (short.as_str(), "token_expired"),
        (none.as_str(), "token_alg_refused"),
        (hs256.as_str(), "token_alg_refused"),
        (unknown_issuer.as_str(), "token_unknown_issuer"),
        (tampered.as_str(), "token_bad_signature"),
    ] {
        let answer = s
            .gateway
            .post_as(token, "/v1/chat/completions", &chat("gpt"))
            .await;
        assert_eq!(answer.status, 401, "{reason}: {}", answer.text);
        assert_eq!(
            answer.json()["error"]["code"],
            "invalid_api_key",
            "{reason}"
        );
        assert!(!answer.text.contains(token), "{reason}: the token echoed");
        let record = last_record(&s, &answer).await;
        assert_eq!(record.reason.as_deref(), Some(reason));
        assert_eq!(record.key_id, None);
    }
}

/// `{"alg":"HS256","kid":…}`.
fn jsonwebtoken_free_hs256_header(kid: &str) -> Value {
    json!({"alg": "HS256", "typ": "JWT", "kid": kid})
}

/// HMAC-SHA256 over `header.claims` with `secret`, built from SHA-256 (RFC 2104), so the
/// test does not trust the library under test to forge its own attack.
fn hs256_sign(header: &mut Value, claims: &Value, secret: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let message = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let mut key = if secret.len() > 64 {
        Sha256::digest(secret).to_vec()
    } else {
        secret.to_vec()
    };
    key.resize(64, 0);
    let ipad: Vec<u8> = key.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = key.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(message.as_bytes())
        .finalize();
    let mac = Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize();
    format!("{message}.{}", B64.encode(mac))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node and tests/oidc (scripts/test runs it)"]
async fn a_signing_key_rotation_refreshes_the_key_set() {
    let s = setup().await;
    let old = s.provider.token("svc").await;
    let ok = s
        .gateway
        .post_as(&old, "/v1/chat/completions", &chat("gpt"))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);

    // The provider rotates; the old key stays published.
    let new_kid = s.provider.control("rotate").await;
    let new = s.provider.token("svc").await;
    assert_eq!(kid_of(&new), new_kid);
    assert_ne!(kid_of(&new), kid_of(&old));
    // The new kid is unknown to the cached key set: the gateway refetches and accepts it.
    let fresh = s
        .gateway
        .post_as(&new, "/v1/chat/completions", &chat("gpt"))
        .await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    // Old tokens keep working while their key is published.
    let still = s
        .gateway
        .post_as(&old, "/v1/chat/completions", &chat("gpt"))
        .await;
    assert_eq!(still.status, 200, "{}", still.text);

    // Once the old key is retired, a token signed with it is refused after a refresh.
    s.provider.control("retire").await;
    // Force the refresh the expiry would cause: the old kid is still cached, so rotate the
    // cache by presenting a token with a kid it does not know.
    let third_kid = s.provider.control("rotate").await;
    let third = s.provider.token("svc").await;
    assert_eq!(kid_of(&third), third_kid);
    let ok3 = s
        .gateway
        .post_as(&third, "/v1/chat/completions", &chat("gpt"))
        .await;
    assert_eq!(ok3.status, 200, "{}", ok3.text);
    let gone = s
        .gateway
        .post_as(&old, "/v1/chat/completions", &chat("gpt"))
        .await;
    assert_eq!(gone.status, 401, "{}", gone.text);
    let record = last_record(&s, &gone).await;
    assert_eq!(record.reason.as_deref(), Some("token_unknown_key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node and tests/oidc (scripts/test runs it)"]
async fn a_client_credentials_token_is_a_service_to_the_policies() {
    // The provider issues RFC 9068 tokens: a client-credentials token's `sub` is its
    // `client_id`, so the policies see `Service::"svc"`, not a `User`.
    let s = setup_with_policies(Some(
        r#"@id("services-only")
permit (principal is Rampart::Service in Rampart::Group::"eng", action, resource);
"#,
    ))
    .await;
    let token = s.provider.token("svc").await;
    let ok = s
        .gateway
        .post_as(&token, "/v1/chat/completions", &chat("gpt"))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let authz = last_record(&s, &ok).await.authz.expect("a decision");
    assert_eq!(authz.principal, r#"Service::"svc""#);
    assert_eq!(authz.policies, ["services-only"]);

    // svc-admin is a service outside the group: nothing permits it.
    let admin = s.provider.token("svc-admin").await;
    let denied = s
        .gateway
        .post_as(&admin, "/v1/chat/completions", &chat("gpt"))
        .await;
    assert_eq!(denied.status, 403, "{}", denied.text);
    let authz = last_record(&s, &denied).await.authz.expect("a decision");
    assert_eq!(authz.principal, r#"Service::"svc-admin""#);
}
