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

/// A client of the mTLS gateway below: trusts the test CA and presents `who`'s
/// certificate (`client`, `stranger`), or none.
fn mtls_client(who: Option<&str>) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&read("ca.pem")).expect("ca");
    let mut builder = reqwest::Client::builder().tls_certs_only([ca]);
    if let Some(who) = who {
        let mut pem = read(&format!("{who}.pem"));
        pem.extend(read(&format!("{who}.key")));
        builder = builder.identity(reqwest::Identity::from_pem(&pem).expect("identity"));
    }
    builder.build().expect("client")
}

/// `[auth.mtls]`: the client certificate's SPIFFE ID is the principal (a `Service` of the
/// mapped tenant, as the Cedar policies see it); a certificate of the same CA that no
/// entry maps is refused; a credential in the request decides instead of the certificate.
#[tokio::test]
async fn a_mapped_client_certificate_is_a_service_principal_and_others_are_refused() {
    let policies = tempfile::tempdir().expect("dir");
    std::fs::write(
        policies.path().join("payments.cedar"),
        "@id(\"payments-workloads\")\n\
         permit (principal is Rampart::Service, action == Rampart::Action::\"invoke_model\", resource)\n\
         when { principal in Rampart::Tenant::\"payments\" && principal in Rampart::Group::\"billing\" \
         && principal.issuer == \"mtls\" };\n\
         @id(\"keys\")\npermit (principal is Rampart::Key, action, resource);\n",
    )
    .expect("policy");
    let key = "rk-static-key";
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[server.tls]\ncert = \"{}\"\nkey = \"{}\"\nclient_ca = \"{}\"\n\
         [auth.mtls]\nidentity = \"uri\"\n\
         [[auth.mtls.clients]]\nmatch = \"spiffe://corp.example/ns/payments/*\"\ntenant = \"payments\"\ngroups = [\"billing\"]\nmodels = [\"echo\"]\n\
         [[auth.keys]]\nid = \"k\"\ntenant = \"t\"\nsha256 = \"{}\"\n\
         [authz]\npolicy_dir = \"{}\"\n\
         [[providers]]\nname = \"m\"\nkind = \"mock\"\n[[models]]\nname = \"echo\"\nprovider = \"m\"\nupstream_model = \"echo\"\n",
        data("server.pem").display(),
        data("server.key").display(),
        data("ca.pem").display(),
        rampart_gateway::auth::key_hash(key),
        policies.path().display(),
    );
    let config = Config::from_toml(&text, "mtls.toml").expect("config");
    let seams = Seams {
        authorizer: Some(std::sync::Arc::new(rampart_server::PolicyLoader)),
        ..Seams::default()
    };
    let server = Server::new(config, seams).expect("server");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(server.serve_on(listener, std::future::pending::<()>()));
    let url = format!("https://localhost:{port}/v1/chat/completions");
    let body = serde_json::json!({"model": "echo", "messages": [{"role": "user", "content": "from a workload"}]});

    let resp = mtls_client(Some("client"))
        .post(&url)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let answer: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        "from a workload"
    );

    // Signed by the same CA, but no entry maps its namespace.
    let resp = mtls_client(Some("stranger"))
        .post(&url)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    let refusal = resp.text().await.expect("text");
    assert!(refusal.contains("not accepted"), "{refusal}");
    assert!(
        !refusal.contains("spiffe://"),
        "the refusal does not echo names: {refusal}"
    );

    // A credential decides: a wrong key is refused although the certificate is mapped,
    // and the static key authenticates as itself.
    let client = mtls_client(Some("client"));
    let resp = client
        .post(&url)
        .bearer_auth("rk-wrong")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    let resp = client
        .post(&url)
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
}

/// `[auth.mtls]` without `[server.tls] client_ca` is a config error that names the key.
#[test]
fn mtls_without_client_certificates_is_refused_by_the_config() {
    let text = "[server]\nlisten = \"127.0.0.1:0\"\n[auth.mtls]\n\
                [[auth.mtls.clients]]\nmatch = \"spiffe://corp.example/*\"\ntenant = \"t\"\n";
    let config = Config::from_toml(text, "mtls.toml").expect("parsed");
    let message = config.validate().expect_err("refused").to_string();
    assert!(
        message.contains("auth.mtls") && message.contains("client_ca"),
        "{message}"
    );
    let text = "[server]\nlisten = \"127.0.0.1:0\"\n[server.tls]\ncert = \"c\"\nkey = \"k\"\nclient_ca = \"ca\"\n\
                [auth.mtls]\n[[auth.mtls.clients]]\nmatch = \"spiffe://*/ns\"\ntenant = \"t\"\n";
    let config = Config::from_toml(text, "mtls.toml").expect("parsed");
    let message = config.validate().expect_err("refused").to_string();
    assert!(message.contains("auth.mtls.clients.match"), "{message}");
}
