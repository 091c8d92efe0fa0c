//! A bearer JWT checked against an issuer whose key set is cached: what `[[auth.oidc]]`
//! adds to a gateway request (issuer selection, header, signature, claims, mapping). The
//! key set is served once by a loopback HTTP server; every measured call hits the cache.
//! Criterion reports the mean; the p50/p99 line after it comes from 20,000 timed calls.
//!
//! `cargo bench -p rampart-identity --bench oidc`

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use criterion::{Criterion, criterion_group, criterion_main};
use rampart_identity::clock::SystemClock;
use rampart_identity::oidc::{IssuerSettings, OidcVerifier, Preset, SigningAlg};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves `jwks` on every request to `listener`.
fn serve(listener: tokio::net::TcpListener, jwks: Value) {
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let body = jwks.to_string();
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
        }
    });
}

fn signing_input(alg: &str, kid: &str, claims: &Value) -> String {
    let header = json!({"alg": alg, "typ": "JWT", "kid": kid});
    format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    )
}

/// (alg, token, jwk) for RS256 (2048-bit), ES256 and EdDSA.
fn tokens(claims: &Value) -> Vec<(SigningAlg, String, Value)> {
    let rng = SystemRandom::new();
    let mut out = Vec::new();

    let rsa = RsaKeyPair::generate(KeySize::Rsa2048).expect("rsa");
    let public: PublicKeyComponents<Vec<u8>> = rsa.public_key().into();
    let message = signing_input("RS256", "rsa", claims);
    let mut sig = vec![0u8; rsa.public_modulus_len()];
    rsa.sign(&RSA_PKCS1_SHA256, &rng, message.as_bytes(), &mut sig)
        .expect("sign");
    out.push((
        SigningAlg::Rs256,
        format!("{message}.{}", B64.encode(&sig)),
        json!({"kty": "RSA", "kid": "rsa", "n": B64.encode(&public.n), "e": B64.encode(&public.e)}),
    ));

    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("ec");
    let ec =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).expect("ec");
    let message = signing_input("ES256", "ec", claims);
    let sig = ec.sign(&rng, message.as_bytes()).expect("sign");
    let point = ec.public_key().as_ref();
    out.push((
        SigningAlg::Es256,
        format!("{message}.{}", B64.encode(sig.as_ref())),
        json!({"kty": "EC", "crv": "P-256", "kid": "ec",
            "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65])}),
    ));

    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("ed");
    let ed = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("ed");
    let message = signing_input("EdDSA", "ed", claims);
    let sig = ed.sign(message.as_bytes());
    out.push((
        SigningAlg::EdDsa,
        format!("{message}.{}", B64.encode(sig.as_ref())),
        json!({"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": B64.encode(ed.public_key().as_ref())}),
    ));
    out
}

fn oidc(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("time")
        .as_secs();
    // A realistic access token: a few groups and roles, nested realm roles.
    let base_claims = |issuer: &str| {
        json!({"iss": issuer, "aud": ["urn:rampart", "account"], "sub": "0b8e6c1e-6f0d-4c55-9d1a-3f1b3c2e9a77",
            "exp": now + 3600, "iat": now, "azp": "svc", "scope": "api profile",
            "groups": ["eng", "platform", "oncall"],
            "realm_access": {"roles": ["reader", "offline_access", "uma_authorization"]}})
    };
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let issuer = format!("http://{}", listener.local_addr().expect("addr"));
    let signed = tokens(&base_claims(&issuer));
    let jwks = json!({"keys": signed.iter().map(|(_, _, j)| j.clone()).collect::<Vec<_>>()});
    runtime.block_on(async { serve(listener, jwks) });
    let settings = IssuerSettings {
        name: "bench".into(),
        issuer: issuer.clone(),
        audiences: vec!["urn:rampart".into()],
        jwks_uri: Some(format!("{issuer}/jwks")),
        allowed_algs: vec![SigningAlg::Rs256, SigningAlg::Es256, SigningAlg::EdDsa],
        clock_skew: Duration::from_secs(60),
        claims: Preset::Keycloak.mapping(),
        allow_private_network: true,
        cache_ttl: Duration::from_secs(3600),
        min_refresh: Duration::from_secs(30),
        fetch_timeout: Duration::from_secs(5),
    };
    let verifier = OidcVerifier::new(vec![settings], Arc::new(SystemClock)).expect("verifier");
    for (alg, token, jwk) in &signed {
        // Warm the cache (the one fetch), and check the token is valid.
        runtime
            .block_on(verifier.verify(token))
            .unwrap_or_else(|e| panic!("{}: {e}", alg.name()));
        c.bench_function(&format!("oidc_verify_cached_{}", alg.name()), |b| {
            b.iter(|| runtime.block_on(verifier.verify(token)).expect("valid"))
        });
        let ours = percentiles(|| {
            runtime.block_on(verifier.verify(token)).expect("valid");
        });
        // Peer in the same run: the library's own `decode` with the same key and checks
        // (issuer, audience, expiry), without issuer selection, cache or claim mapping.
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).expect("jwk");
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("key");
        let jwt_alg = match alg {
            SigningAlg::Rs256 => jsonwebtoken::Algorithm::RS256,
            SigningAlg::Es256 => jsonwebtoken::Algorithm::ES256,
            _ => jsonwebtoken::Algorithm::EdDSA,
        };
        let mut validation = jsonwebtoken::Validation::new(jwt_alg);
        validation.set_audience(&["urn:rampart"]);
        validation.set_issuer(&[issuer.as_str()]);
        let peer = percentiles(|| {
            jsonwebtoken::decode::<Value>(token, &key, &validation).expect("valid");
        });
        println!(
            "{}: Rampart verify (cached) p50 {:.1} µs, p99 {:.1} µs; jsonwebtoken::decode alone p50 {:.1} µs, p99 {:.1} µs (20,000 calls each)",
            alg.name(),
            ours.0,
            ours.1,
            peer.0,
            peer.1
        );
    }
}

/// p50 and p99 of 20,000 timed calls, in microseconds.
fn percentiles(mut call: impl FnMut()) -> (f64, f64) {
    let mut times: Vec<Duration> = (0..20_000)
        .map(|_| {
            let start = Instant::now();
            call();
            start.elapsed()
        })
        .collect();
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    (
        us(times[times.len() / 2]),
        us(times[times.len() * 99 / 100]),
    )
}

criterion_group!(benches, oidc);
criterion_main!(benches);
