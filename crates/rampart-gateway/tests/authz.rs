//! `[authz]`: Cedar policies through the real gateway (`rampart serve`'s policy loader,
//! limiter and audit path) in front of two fake providers, an external one (`openai`) and
//! an on-premises one (`openai_compatible`): an allowed model works, a forbidden one is a
//! 403 naming the policy in the surface's shape, a prompt with personal data is refused
//! for the external provider but served by the on-premises one (a model with both skips
//! the external deployment), every decision is in the audit record and the metrics, and a
//! reload with a broken policy keeps the policies in force.
#![allow(clippy::unwrap_used)]

mod common;

use axum::Router;
use axum::routing::post;
use common::*;
use rampart_gateway::Seams;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

const POLICIES: &str = r#"
@id("keys-use-models")
permit (
  principal is Rampart::Key in Rampart::Tenant::"acme",
  action in [Rampart::Action::"invoke_model", Rampart::Action::"embed"],
  resource
);

@id("no-secret-model")
forbid (principal, action, resource == Rampart::Model::"secret-model");

@id("no-confidential-to-external")
forbid (
  principal,
  action in [Rampart::Action::"invoke_model", Rampart::Action::"embed"],
  resource
)
when { context.data_classes.contains("confidential") }
unless { resource in Rampart::Provider::"onprem" };
"#;

struct Setup {
    gateway: Gateway,
    external: Arc<Upstream>,
    onprem: Arc<Upstream>,
    audit: AuditLog,
    dir: tempfile::TempDir,
}

async fn upstream() -> (Arc<Upstream>, String) {
    let up = Arc::new(Upstream::default());
    let app = Router::new()
        .route("/v1/chat/completions", post(openai_chat))
        .route("/v1/embeddings", post(embeddings))
        .with_state(up.clone());
    let url = serve(app).await;
    (up, url)
}

async fn setup() -> Setup {
    let (external, external_url) = upstream().await;
    let (onprem, onprem_url) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(dir.path().join("policies/main.cedar"), POLICIES).unwrap();
    let key = rampart_gateway::auth::key_hash(KEY);
    let config = format!(
        r#"
[server]
listen = "127.0.0.1:0"

[authz]
policy_dir = "policies"

[[providers]]
name = "external"
kind = "openai"
base_url = "{external_url}/v1"
api_key = "sk-upstream"
max_retries = 0

[[providers]]
name = "onprem"
kind = "openai_compatible"
base_url = "{onprem_url}/v1"
max_retries = 0

[[models]]
name = "gpt"
provider = "external"
upstream_model = "gpt-upstream"

[[models]]
name = "secret-model"
provider = "external"
upstream_model = "secret-upstream"

[[models]]
name = "llama"
provider = "onprem"
upstream_model = "llama-upstream"

[[models]]
name = "hybrid"
deployments = [
  {{ provider = "external", upstream_model = "gpt-upstream", weight = 1000 }},
  {{ provider = "onprem", upstream_model = "llama-upstream", weight = 1 }},
]

[[auth.keys]]
id = "k1"
tenant = "acme"
sha256 = "{key}"
"#
    );
    let path = dir.path().join("rampart.toml");
    std::fs::write(&path, config).unwrap();
    let audit = AuditLog::open().await;
    let seams = Seams {
        audit: Some(audit.sink()),
        authorizer: Some(Arc::new(rampart_server::PolicyLoader)),
        ..Seams::default()
    };
    let gateway = Gateway::start(rampart_gateway::Config::load(&path).unwrap(), seams).await;
    Setup {
        gateway,
        external,
        onprem,
        audit,
        dir,
    }
}

fn chat(model: &str, text: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": text}]})
}

fn sent(up: &Upstream) -> usize {
    up.bodies.lock().unwrap().len()
}

fn request_id(a: &Answer) -> String {
    a.headers["x-request-id"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_allowed_model_works_and_its_decision_is_audited() {
    let s = setup().await;
    let a = s
        .gateway
        .post_as(KEY, "/v1/chat/completions", &chat("gpt", "What is 2 + 2?"))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(sent(&s.external), 1);
    let record = s.audit.of(&request_id(&a)).await;
    let authz = record.authz.expect("an authz decision in the record");
    assert_eq!(authz.decision, "allow");
    assert_eq!(authz.principal, "Key::\"k1\"");
    assert_eq!(authz.policies, ["keys-use-models"]);
    assert!(authz.data_classes.is_empty());
    // Embeddings are decided too (`embed`).
    let a = s
        .gateway
        .post_as(
            KEY,
            "/v1/embeddings",
            &json!({"model": "gpt", "input": "hello"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let record = s.audit.of(&request_id(&a)).await;
    assert_eq!(record.authz.unwrap().decision, "allow");
}

#[tokio::test]
async fn a_forbidden_model_is_403_naming_the_policy_in_each_surface_shape() {
    let s = setup().await;
    let a = s
        .gateway
        .post_as(KEY, "/v1/chat/completions", &chat("secret-model", "hi"))
        .await;
    assert_eq!(a.status, 403, "{}", a.text);
    let body = a.json();
    assert_eq!(body["error"]["code"], "policy_denied", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`no-secret-model`"),
        "{body}"
    );
    assert_eq!(sent(&s.external), 0, "nothing reached the provider");
    let record = s.audit.of(&request_id(&a)).await;
    assert_eq!(record.status, 403);
    assert_eq!(record.reason.as_deref(), Some("policy_denied"));
    let authz = record.authz.unwrap();
    assert_eq!(authz.decision, "deny");
    assert_eq!(authz.policies, ["no-secret-model"]);
    assert_eq!(authz.denied_providers, ["external"]);
    // Anthropic's surface, Anthropic's error shape.
    let a = send(
        s.gateway
            .client
            .post(format!("{}/v1/messages", s.gateway.url))
            .header("x-api-key", KEY)
            .header("anthropic-version", "2023-06-01")
            .json(&json!({"model": "secret-model", "max_tokens": 10,
                "messages": [{"role": "user", "content": "hi"}]})),
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.text);
    let body = a.json();
    assert_eq!(body["type"], "error", "{body}");
    assert_eq!(body["error"]["type"], "permission_error", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no-secret-model")
    );
    // The metric counts the decisions, both ways.
    let a = s
        .gateway
        .post_as(KEY, "/v1/chat/completions", &chat("gpt", "hi"))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let metrics = send(s.gateway.client.get(format!("{}/metrics", s.gateway.url))).await;
    for decision in ["allow", "deny"] {
        let line = format!("rampart_authz_decisions_total{{decision=\"{decision}\"}}");
        assert!(metrics.text.contains(&line), "{line}: {}", metrics.text);
    }
}

#[tokio::test]
async fn personal_data_goes_to_the_on_premises_provider_only() {
    let s = setup().await;
    let prompt = format!("Draft a reply to {EMAIL} about the invoice.");
    // External only: refused, naming the policy; the provider saw nothing.
    let a = s
        .gateway
        .post_as(KEY, "/v1/chat/completions", &chat("gpt", &prompt))
        .await;
    assert_eq!(a.status, 403, "{}", a.text);
    assert!(a.text.contains("no-confidential-to-external"), "{}", a.text);
    assert_eq!(sent(&s.external), 0);
    let authz = s.audit.of(&request_id(&a)).await.authz.unwrap();
    assert_eq!(authz.data_classes, ["confidential"]);
    // On premises: served.
    let a = s
        .gateway
        .post_as(KEY, "/v1/chat/completions", &chat("llama", &prompt))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(sent(&s.onprem), 1);
    // A model with both deployments: the external one (weight 1000 to 1) is skipped.
    for _ in 0..3 {
        let a = s
            .gateway
            .post_as(KEY, "/v1/chat/completions", &chat("hybrid", &prompt))
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        let record = s.audit.of(&request_id(&a)).await;
        assert_eq!(record.provider.as_deref(), Some("onprem"));
        let authz = record.authz.unwrap();
        assert_eq!(authz.decision, "allow");
        assert_eq!(authz.denied_providers, ["external"]);
        assert!(
            authz
                .policies
                .contains(&"no-confidential-to-external".to_owned())
        );
    }
    assert_eq!(sent(&s.external), 0);
    assert_eq!(sent(&s.onprem), 4);
    // Without personal data the external deployment is back (weight 1000 to 1).
    let a = s
        .gateway
        .post_as(KEY, "/v1/chat/completions", &chat("gpt", "What is 2 + 2?"))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(sent(&s.external), 1);
    // Embeddings of personal data: the same policy.
    let a = s
        .gateway
        .post_as(
            KEY,
            "/v1/embeddings",
            &json!({"model": "gpt", "input": prompt}),
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.text);
    assert!(a.text.contains("no-confidential-to-external"), "{}", a.text);
}

#[tokio::test]
async fn a_reload_with_a_broken_policy_keeps_the_policies_in_force() {
    let s = setup().await;
    let policies = s.dir.path().join("policies");
    // Broken: an attribute the schema does not have, next to a change that would open
    // the secret model.
    std::fs::write(
        policies.join("main.cedar"),
        "@id(\"open\")\npermit (principal, action, resource);\n",
    )
    .unwrap();
    std::fs::write(
        policies.join("typo.cedar"),
        "\n@id(\"typo\")\nforbid (principal, action, resource) when { context.data_clases.contains(\"x\") };\n",
    )
    .unwrap();
    let err = s.gateway.shared.reload().unwrap_err().to_string();
    assert!(err.contains("authz.policy_dir"), "{err}");
    assert!(err.contains("typo.cedar:3:"), "{err}");
    let a = s
        .gateway
        .post_as(KEY, "/v1/chat/completions", &chat("secret-model", "hi"))
        .await;
    assert_eq!(a.status, 403, "the old policies still decide: {}", a.text);
    assert!(a.text.contains("no-secret-model"));
    // Fixed: the new policies apply.
    std::fs::remove_file(policies.join("typo.cedar")).unwrap();
    s.gateway.shared.reload().unwrap();
    let a = s
        .gateway
        .post_as(KEY, "/v1/chat/completions", &chat("secret-model", "hi"))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let authz = s.audit.of(&request_id(&a)).await.authz.unwrap();
    assert_eq!(authz.policies, ["open"]);
}

#[tokio::test]
async fn authz_without_a_policy_engine_or_with_a_bad_directory_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rampart.toml");
    std::fs::write(
        &path,
        "[authz]\npolicy_dir = \"missing\"\n\n[[providers]]\nname = \"m\"\nkind = \"mock\"\n\n[[models]]\nname = \"m\"\nprovider = \"m\"\nupstream_model = \"m\"\n",
    )
    .unwrap();
    let config = rampart_gateway::Config::load(&path).unwrap();
    let err = rampart_gateway::Server::new(config.clone(), Seams::default()).unwrap_err();
    let err = err.to_string();
    assert!(
        err.contains("authz.policy_dir") && err.contains(":2:"),
        "{err}"
    );
    assert!(err.contains("without the policy engine"), "{err}");
    let seams = Seams {
        authorizer: Some(Arc::new(rampart_server::PolicyLoader)),
        ..Seams::default()
    };
    let err = rampart_gateway::Server::new(config, seams)
        .unwrap_err()
        .to_string();
    assert!(err.contains("authz.policy_dir"), "{err}");
    assert!(
        err.contains(&Path::new(&dir.path().join("missing")).display().to_string()),
        "{err}"
    );
    // An unknown key in `[authz]` names the key and its line.
    std::fs::write(
        &path,
        "\n[authz]\npolicy_dir = \"p\"\npolicy_file = \"x\"\n",
    )
    .unwrap();
    let err = rampart_gateway::Config::load(&path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("policy_file") && err.contains(":4:"), "{err}");
}
