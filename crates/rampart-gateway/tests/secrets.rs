//! Provider credentials from secrets managers (`file:`, `vault:`, `aws-sm:`), over real
//! HTTP: a fake provider records the credential each upstream call carried, and a
//! rotation in the secrets manager reaches it without a restart. Vault is a small local
//! server speaking Vault's documented KV v2 and AppRole HTTP API (no Vault server can be
//! installed from the registries this project uses); AWS Secrets Manager is the `moto`
//! server from PyPI, started by the test (`#[ignore]`d; `scripts/test` runs it when
//! `moto_server` is installed and says it skipped it otherwise).

#![allow(clippy::unwrap_used)]

mod common;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rampart_gateway::config::Config;
use rampart_gateway::{Seams, Server};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A provider that answers every chat and records the `Authorization` it got.
#[derive(Default)]
struct Provider {
    seen: Mutex<Vec<String>>,
}

async fn provider_chat(
    State(p): State<Arc<Provider>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    p.seen.lock().unwrap().push(auth);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    axum::Json(common::plain_chat_answer(&body)).into_response()
}

async fn start_provider() -> (String, Arc<Provider>) {
    let p = Arc::new(Provider::default());
    let app = Router::new()
        .route("/v1/chat/completions", post(provider_chat))
        .with_state(p.clone());
    (common::serve(app).await, p)
}

const KEY: &str = "rk-secrets-test-key";

fn config_text(upstream: &str, api_key: &str, secrets: &str) -> String {
    let hash = rampart_gateway::auth::key_hash(KEY);
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
reload_poll_secs = 0

[[providers]]
name = "up"
kind = "openai_compatible"
base_url = "{upstream}/v1"
api_key = "{api_key}"

[[models]]
name = "gpt"
provider = "up"
upstream_model = "gpt"

[[auth.keys]]
id = "k"
tenant = "acme"
sha256 = "{hash}"

{secrets}
"#
    )
}

/// A gateway serving until dropped.
struct Running {
    url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Starts `text` as `rampart serve` would (its resolver installed), or the config error.
async fn start(text: &str) -> Result<Running, String> {
    rampart_gateway::secrets::install_resolver(Arc::new(rampart_server::secrets::ManagedSecrets));
    let config = Config::from_toml(text, "secrets.toml").map_err(|e| e.to_string())?;
    config.validate().map_err(|e| e.to_string())?;
    let seams = common::with_limiter(
        &config,
        Seams {
            authenticator: None,
            limiter: None,
            audit: None,
            semantic: None,
            authorizer: None,
            admin: None,
        },
    )
    .await;
    let server = Server::new(config, seams).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_on(listener, async move {
        let _ = rx.await;
    }));
    Ok(Running { url, _stop: tx })
}

async fn call(gw: &Running) -> u16 {
    common::send(
        reqwest::Client::new()
            .post(format!("{}/v1/chat/completions", gw.url))
            .bearer_auth(KEY)
            .json(&json!({"model": "gpt", "messages": [{"role": "user", "content": "hello"}]})),
    )
    .await
    .status
}

/// Polls until the provider's last seen credential is `want`.
async fn until_seen(gw: &Running, p: &Provider, want: &str) {
    for _ in 0..60 {
        assert_eq!(call(gw).await, 200);
        if p.seen.lock().unwrap().last().map(String::as_str) == Some(want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the provider never saw {want}: {:?}",
        p.seen.lock().unwrap()
    );
}

#[tokio::test]
async fn a_file_secret_is_read_at_start_and_its_rotation_reaches_the_provider() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openai-key");
    std::fs::write(&file, "sk-from-file-1\n").unwrap();
    let (upstream, p) = start_provider().await;
    let text = config_text(
        &upstream,
        &format!("file:{}", file.display()),
        "[secrets]\nrefresh_secs = 1\n",
    );
    let gw = start(&text).await.unwrap();
    assert_eq!(call(&gw).await, 200);
    assert_eq!(p.seen.lock().unwrap()[0], "Bearer sk-from-file-1");
    std::fs::write(&file, "sk-from-file-2").unwrap();
    until_seen(&gw, &p, "Bearer sk-from-file-2").await;
}

#[tokio::test]
async fn a_secret_that_cannot_be_fetched_refuses_the_config_without_its_value() {
    let (upstream, _) = start_provider().await;
    let text = config_text(&upstream, "file:/nonexistent/rampart-key", "");
    let err = start(&text).await.err().unwrap();
    assert!(
        err.contains("secrets") && err.contains("file:/nonexistent/rampart-key"),
        "{err}"
    );
}

/// Vault's KV v2 read and AppRole login, as documented (`/v1/MOUNT/data/PATH`,
/// `/v1/auth/approle/login`), with one role and one token.
#[derive(Default)]
struct Vault {
    data: Mutex<HashMap<String, Value>>,
    logins: Mutex<u32>,
}

const TOKEN: &str = "hvs.test-token";

async fn vault_login(State(v): State<Arc<Vault>>, body: axum::Json<Value>) -> Response {
    if body["role_id"] == "role-1" && body["secret_id"] == "secret-1" {
        *v.logins.lock().unwrap() += 1;
        axum::Json(
            json!({"auth": {"client_token": TOKEN, "lease_duration": 3600, "renewable": true}}),
        )
        .into_response()
    } else {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errors": ["invalid role or secret ID"]})),
        )
            .into_response()
    }
}

async fn vault_read(
    State(v): State<Arc<Vault>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    if headers.get("x-vault-token").and_then(|t| t.to_str().ok()) != Some(TOKEN) {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"errors": ["permission denied"]})),
        )
            .into_response();
    }
    match v.data.lock().unwrap().get(&path) {
        Some(data) => {
            axum::Json(json!({"data": {"data": data, "metadata": {"version": 1}}})).into_response()
        }
        None => (StatusCode::NOT_FOUND, axum::Json(json!({"errors": []}))).into_response(),
    }
}

// Several workers: building the runtime waits (synchronously) for the first fetch, and
// the fake Vault must answer meanwhile, as a real one in another process would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vault_kv2_secret_read_with_approle_rotates_without_restart() {
    let vault = Arc::new(Vault::default());
    vault
        .data
        .lock()
        .unwrap()
        .insert("prod/openai".into(), json!({"api_key": "sk-vault-1"}));
    let app = Router::new()
        .route("/v1/auth/approle/login", post(vault_login))
        .route("/v1/secret/data/{*path}", get(vault_read))
        .with_state(vault.clone());
    let address = common::serve(app).await;
    let (upstream, p) = start_provider().await;
    let secrets = format!(
        "[secrets]\nrefresh_secs = 1\n[secrets.vault]\naddress = \"{address}\"\nrole_id = \"role-1\"\nsecret_id = \"secret-1\"\nallow_private_network = true\n"
    );
    let gw = start(&config_text(
        &upstream,
        "vault:secret/prod/openai#api_key",
        &secrets,
    ))
    .await
    .unwrap();
    assert_eq!(call(&gw).await, 200);
    assert_eq!(p.seen.lock().unwrap()[0], "Bearer sk-vault-1");
    vault
        .data
        .lock()
        .unwrap()
        .insert("prod/openai".into(), json!({"api_key": "sk-vault-2"}));
    until_seen(&gw, &p, "Bearer sk-vault-2").await;
    assert!(*vault.logins.lock().unwrap() >= 2);

    // Without the opt-in, Vault on loopback is refused (the SSRF rules).
    let closed = secrets.replace("allow_private_network = true\n", "");
    let err = start(&config_text(
        &upstream,
        "vault:secret/prod/openai#api_key",
        &closed,
    ))
    .await
    .err()
    .unwrap();
    assert!(err.contains("private"), "{err}");
}

/// `moto_server` on a free port, stopped when dropped.
struct Moto {
    child: std::process::Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_moto() -> Moto {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = std::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("moto_server is not installed (pip install 'moto[server]'); this test is #[ignore]d so that its absence is reported as skipped, never as passed");
    // Owned at once, so that it is stopped (and waited for) on every path.
    let moto = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if reqwest::get(format!("{}/moto-api/", moto.url))
            .await
            .is_ok()
        {
            return moto;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto_server did not start");
}

/// One Secrets Manager call to moto (which checks no signature).
async fn moto_call(url: &str, target: &str, body: Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("x-amz-target", format!("secretsmanager.{target}"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
}

#[tokio::test]
#[ignore = "needs moto_server (pip install 'moto[server]'); scripts/test runs it with --ignored when present"]
async fn an_aws_secrets_manager_secret_is_fetched_signed_and_rotates() {
    let moto = start_moto().await;
    moto_call(
        &moto.url,
        "CreateSecret",
        json!({"Name": "prod/openai", "SecretString": "{\"api_key\":\"sk-aws-1\"}"}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    std::fs::write(
        &creds,
        "[rampart-test]\naws_access_key_id = AKIDTEST\naws_secret_access_key = test-secret\n",
    )
    .unwrap();
    let (upstream, p) = start_provider().await;
    let secrets = format!(
        "[secrets]\nrefresh_secs = 1\n[secrets.aws]\nregion = \"us-east-1\"\nendpoint = \"{}\"\nallow_private_network = true\nprofile = \"rampart-test\"\ncredentials_file = \"{}\"\n",
        moto.url,
        creds.display()
    );
    let gw = start(&config_text(
        &upstream,
        "aws-sm:prod/openai#api_key",
        &secrets,
    ))
    .await
    .unwrap();
    assert_eq!(call(&gw).await, 200);
    assert_eq!(p.seen.lock().unwrap()[0], "Bearer sk-aws-1");
    moto_call(
        &moto.url,
        "PutSecretValue",
        json!({"SecretId": "prod/openai", "SecretString": "{\"api_key\":\"sk-aws-2\"}"}),
    )
    .await;
    until_seen(&gw, &p, "Bearer sk-aws-2").await;
}
