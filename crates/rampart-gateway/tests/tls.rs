//! Inbound TLS with client certificates (mTLS), over a real handshake. Fixtures come from
//! `tests/data/gen-tls.sh`.

use rampart_gateway::config::Config;
use rampart_gateway::{Seams, Server};
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).expect("fixture")
}

#[tokio::test]
async fn mtls_accepts_a_client_certificate_from_the_ca_and_refuses_none() {
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[server.tls]\ncert = \"{}\"\nkey = \"{}\"\nclient_ca = \"{}\"\n",
        data("server.pem").display(),
        data("server.key").display(),
        data("ca.pem").display()
    );
    let config = Config::from_toml(&text, "tls.toml").expect("config");
    let server = Server::new(config, Seams::default()).expect("server");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (_tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_on(listener, async move {
        let _ = rx.await;
    }));
    let ca = reqwest::Certificate::from_pem(&read("ca.pem")).expect("ca");
    let mut identity_pem = read("client.pem");
    identity_pem.extend(read("client.key"));
    let identity = reqwest::Identity::from_pem(&identity_pem).expect("identity");
    let url = format!("https://localhost:{port}/healthz");

    let with_cert = reqwest::Client::builder()
        .tls_certs_only([ca.clone()])
        .identity(identity)
        .build()
        .expect("client");
    let resp = with_cert.get(&url).send().await.expect("mTLS request");
    assert_eq!(resp.status(), 200);

    let without_cert = reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .expect("client");
    assert!(
        without_cert.get(&url).send().await.is_err(),
        "a client without a certificate got in"
    );

    let plain = reqwest::Client::new();
    let served_plain = plain
        .get(format!("http://localhost:{port}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200);
    assert!(
        !served_plain,
        "plain HTTP must not be served on a TLS listener"
    );
}

/// Serve `text` on a free port; returns the port.
async fn serve(text: &str) -> u16 {
    let config = Config::from_toml(text, "chain.toml").expect("config");
    let server = Server::new(config, Seams::default()).expect("server");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(server.serve_on(listener, std::future::pending::<()>()));
    port
}

/// An outer gateway calls an inner one over HTTPS as an `openai_compatible` provider: with
/// the inner CA in `ca_bundle` the certificate verifies; without it the call fails (502),
/// so outbound TLS really is verified.
#[tokio::test]
async fn outbound_tls_is_verified_against_the_configured_ca_bundle() {
    let inner_key = "rk-inner";
    let inner = serve(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[server.tls]\ncert = \"{}\"\nkey = \"{}\"\n\
         [[providers]]\nname = \"m\"\nkind = \"mock\"\n[[models]]\nname = \"echo\"\nprovider = \"m\"\nupstream_model = \"echo\"\n\
         [[auth.keys]]\nid = \"i\"\ntenant = \"t\"\nsha256 = \"{}\"\n",
        data("server.pem").display(),
        data("server.key").display(),
        rampart_gateway::auth::key_hash(inner_key)
    ))
    .await;
    let outer_key = "rk-outer";
    let outer = serve(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\
         [[providers]]\nname = \"trusted\"\nkind = \"openai_compatible\"\nbase_url = \"https://localhost:{inner}/v1\"\napi_key = \"{inner_key}\"\nca_bundle = \"{}\"\n\
         [[providers]]\nname = \"untrusted\"\nkind = \"openai_compatible\"\nbase_url = \"https://localhost:{inner}/v1\"\napi_key = \"{inner_key}\"\nmax_retries = 0\n\
         [[models]]\nname = \"via-trusted\"\nprovider = \"trusted\"\nupstream_model = \"echo\"\n\
         [[models]]\nname = \"via-untrusted\"\nprovider = \"untrusted\"\nupstream_model = \"echo\"\n\
         [[auth.keys]]\nid = \"o\"\ntenant = \"t\"\nsha256 = \"{}\"\n",
        data("ca.pem").display(),
        rampart_gateway::auth::key_hash(outer_key)
    ))
    .await;
    let client = reqwest::Client::new();
    let call = |model: &'static str| {
        client
            .post(format!("http://127.0.0.1:{outer}/v1/chat/completions"))
            .bearer_auth(outer_key)
            .json(&serde_json::json!({"model": model, "messages": [{"role": "user", "content": "through two gateways"}]}))
            .send()
    };
    let resp = call("via-trusted").await.expect("request");
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "through two gateways"
    );
    let resp = call("via-untrusted").await.expect("request");
    assert_eq!(resp.status(), 502);
}
