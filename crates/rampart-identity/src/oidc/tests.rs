//! The verifier against a real HTTP key-set server on loopback (a few lines of HTTP/1.1
//! over a tokio listener), with keys generated per test.

use super::*;
use crate::clock::ManualClock;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const NOW: u64 = 1_800_000_000;

/// A signing key and its public JWK.
struct Signer {
    kid: String,
    alg: jsonwebtoken::Algorithm,
    key: jsonwebtoken::EncodingKey,
    jwk: Value,
}

fn es256(kid: &str) -> Signer {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let point = pair.public_key().as_ref();
    Signer {
        kid: kid.into(),
        alg: jsonwebtoken::Algorithm::ES256,
        key: jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref()),
        jwk: json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig",
            "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65])}),
    }
}

fn ed25519(kid: &str) -> Signer {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    Signer {
        kid: kid.into(),
        alg: jsonwebtoken::Algorithm::EdDSA,
        key: jsonwebtoken::EncodingKey::from_ed_der(pkcs8.as_ref()),
        jwk: json!({"kty": "OKP", "crv": "Ed25519", "kid": kid,
            "x": B64.encode(pair.public_key().as_ref())}),
    }
}

impl Signer {
    fn sign(&self, claims: &Value) -> String {
        let mut header = jsonwebtoken::Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
}

/// A key-set server: serves `jwks` (and a discovery document), counts fetches, and can be
/// made to fail.
struct Server {
    base: String,
    jwks: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    down: Arc<AtomicBool>,
    discovery_issuer: Arc<Mutex<Option<String>>>,
}

async fn server(keys: &[&Signer]) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let jwks = Arc::new(Mutex::new(
        json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()}),
    ));
    let fetches = Arc::new(AtomicUsize::new(0));
    let down = Arc::new(AtomicBool::new(false));
    let discovery_issuer = Arc::new(Mutex::new(None::<String>));
    let (j, f, d, di, b) = (
        jwks.clone(),
        fetches.clone(),
        down.clone(),
        discovery_issuer.clone(),
        base.clone(),
    );
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = vec![0u8; 4096];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).to_string();
            let (status, body) = if d.load(Ordering::SeqCst) {
                ("503 Service Unavailable", "{}".to_owned())
            } else if request.starts_with("GET /.well-known/openid-configuration") {
                let iss = di.lock().unwrap().clone().unwrap_or_else(|| b.clone());
                (
                    "200 OK",
                    json!({"issuer": iss, "jwks_uri": format!("{b}/jwks")}).to_string(),
                )
            } else {
                f.fetch_add(1, Ordering::SeqCst);
                ("200 OK", j.lock().unwrap().to_string())
            };
            let reply = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
        }
    });
    Server {
        base,
        jwks,
        fetches,
        down,
        discovery_issuer,
    }
}

fn settings(server: &Server) -> IssuerSettings {
    IssuerSettings {
        name: "test".into(),
        issuer: server.base.clone(),
        audiences: vec!["rampart".into()],
        jwks_uri: None,
        allowed_algs: vec![SigningAlg::Es256, SigningAlg::EdDsa],
        clock_skew: Duration::from_secs(30),
        claims: Preset::Keycloak.mapping(),
        allow_private_network: true,
        cache_ttl: Duration::from_secs(600),
        min_refresh: Duration::from_secs(30),
        fetch_timeout: Duration::from_secs(5),
    }
}

fn verifier(s: IssuerSettings) -> (OidcVerifier, ManualClock) {
    let clock = ManualClock::new(Duration::from_secs(NOW));
    (
        OidcVerifier::new(vec![s], Arc::new(clock.clone())).unwrap(),
        clock,
    )
}

fn claims(server: &Server) -> Value {
    json!({"iss": server.base, "aud": "rampart", "sub": "svc-1", "exp": NOW + 300,
        "iat": NOW, "groups": ["eng"], "realm_access": {"roles": ["reader"]}})
}

fn refused(r: Result<VerifiedToken, VerifyError>) -> TokenRefusal {
    match r {
        Err(VerifyError::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_token_maps_subject_groups_and_nested_roles() {
    let key = es256("k1");
    let srv = server(&[&key]).await;
    let (v, _) = verifier(settings(&srv));
    let t = v.verify(&key.sign(&claims(&srv))).await.unwrap();
    assert_eq!(t.subject, "svc-1");
    assert_eq!(t.groups, vec!["eng"]);
    assert_eq!(t.roles, vec!["reader"]);
    assert_eq!((t.tenant, t.issuer_name.as_str()), (None, "test"));
    // Discovery, then the key set once; the next token uses the cache.
    v.verify(&key.sign(&claims(&srv))).await.unwrap();
    assert_eq!(srv.fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn times_and_audience_are_checked_with_the_skew() {
    let key = ed25519("e1");
    let srv = server(&[&key]).await;
    let (v, _) = verifier(settings(&srv));
    let mut c = claims(&srv);
    c["exp"] = json!(NOW - 10); // within the 30 s skew
    assert!(v.verify(&key.sign(&c)).await.is_ok());
    c["exp"] = json!(NOW - 31);
    assert_eq!(
        refused(v.verify(&key.sign(&c)).await),
        TokenRefusal::Expired
    );
    c["exp"] = json!(NOW + 300);
    c["nbf"] = json!(NOW + 60);
    assert_eq!(
        refused(v.verify(&key.sign(&c)).await),
        TokenRefusal::NotYetValid
    );
    c["nbf"] = json!(NOW);
    c["aud"] = json!(["other", "another"]);
    assert_eq!(
        refused(v.verify(&key.sign(&c)).await),
        TokenRefusal::WrongAudience
    );
    c["aud"] = json!(["other", "rampart"]);
    assert!(v.verify(&key.sign(&c)).await.is_ok());
    c.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        refused(v.verify(&key.sign(&c)).await),
        TokenRefusal::BadClaim
    );
}

#[tokio::test]
async fn an_unknown_issuer_is_refused_before_any_fetch() {
    let key = es256("k1");
    let srv = server(&[&key]).await;
    let (v, _) = verifier(settings(&srv));
    let mut c = claims(&srv);
    c["iss"] = json!("https://evil.example");
    assert_eq!(
        refused(v.verify(&key.sign(&c)).await),
        TokenRefusal::UnknownIssuer
    );
    assert_eq!(srv.fetches.load(Ordering::SeqCst), 0);
}

fn forge(header: Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string()),
        B64.encode(signature)
    )
}

#[tokio::test]
async fn alg_none_hmac_with_the_public_key_and_tampering_are_refused() {
    let key = es256("k1");
    let srv = server(&[&key]).await;
    let (v, _) = verifier(settings(&srv));
    let c = claims(&srv);
    let none = forge(json!({"alg": "none", "kid": "k1"}), &c, b"");
    assert_eq!(
        refused(v.verify(&none).await),
        TokenRefusal::AlgorithmRefused
    );
    // HS256 keyed with the published key, the classic confusion attack.
    let public = key.jwk.to_string();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("k1".into());
    let hs = jsonwebtoken::encode(
        &header,
        &c,
        &jsonwebtoken::EncodingKey::from_secret(public.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(refused(v.verify(&hs).await), TokenRefusal::AlgorithmRefused);
    // An algorithm the issuer was not given, though the verifier knows it.
    let mut only_ed = settings(&srv);
    only_ed.allowed_algs = vec![SigningAlg::EdDsa];
    let (v2, _) = verifier(only_ed);
    assert_eq!(
        refused(v2.verify(&key.sign(&c)).await),
        TokenRefusal::AlgorithmRefused
    );
    // A payload changed after signing.
    let good = key.sign(&c);
    let mut parts: Vec<&str> = good.split('.').collect();
    let mut changed = c.clone();
    changed["sub"] = json!("admin");
    let payload = B64.encode(changed.to_string());
    parts[1] = &payload;
    assert_eq!(
        refused(v.verify(&parts.join(".")).await),
        TokenRefusal::BadSignature
    );
    // `crit` extensions are not understood, so refused.
    let crit = forge(
        json!({"alg": "ES256", "kid": "k1", "crit": ["x"]}),
        &c,
        b"sig",
    );
    assert_eq!(refused(v.verify(&crit).await), TokenRefusal::Malformed);
    assert_eq!(
        refused(v.verify("eyJ.not.json").await),
        TokenRefusal::Malformed
    );
}

#[tokio::test]
async fn an_unknown_kid_refreshes_at_a_bounded_rate_and_rotation_works() {
    let old = es256("old");
    let srv = server(&[&old]).await;
    let mut s = settings(&srv);
    s.min_refresh = Duration::from_secs(30);
    let (v, clock) = verifier(s);
    let c = claims(&srv);
    v.verify(&old.sign(&c)).await.unwrap();
    assert_eq!(srv.fetches.load(Ordering::SeqCst), 1);

    // The provider rotates: the new key is published next to the old one.
    let new = es256("new");
    *srv.jwks.lock().unwrap() = json!({"keys": [new.jwk, old.jwk]});
    // Within min_refresh of the last fetch, an unknown kid does not fetch again.
    assert_eq!(
        refused(v.verify(&new.sign(&c)).await),
        TokenRefusal::UnknownKey
    );
    assert_eq!(srv.fetches.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(31));
    v.verify(&new.sign(&c)).await.unwrap();
    assert_eq!(srv.fetches.load(Ordering::SeqCst), 2);
    // Old tokens keep working while the old key is published.
    v.verify(&old.sign(&c)).await.unwrap();
    // A kid nobody publishes: refused after the (bounded) refresh.
    clock.advance(Duration::from_secs(31));
    let stray = es256("stray");
    assert_eq!(
        refused(v.verify(&stray.sign(&c)).await),
        TokenRefusal::UnknownKey
    );
    assert_eq!(srv.fetches.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_key_set_endpoint_that_is_down_keeps_the_cached_keys() {
    let key = es256("k1");
    let srv = server(&[&key]).await;
    let mut s = settings(&srv);
    s.jwks_uri = Some(format!("{}/jwks", srv.base));
    let (v, clock) = verifier(s.clone());
    let c = claims(&srv);
    v.verify(&key.sign(&c)).await.unwrap();
    srv.down.store(true, Ordering::SeqCst);
    // Past the cache time: the refresh fails, the cached key still verifies.
    clock.advance(Duration::from_secs(601));
    let mut later = c.clone();
    later["exp"] = json!(NOW + 1000);
    v.verify(&key.sign(&later)).await.unwrap();
    // With nothing cached, the answer is unknown: unavailable, never a pass.
    let (cold, _) = verifier(s);
    assert!(matches!(
        cold.verify(&key.sign(&c)).await,
        Err(VerifyError::Unavailable { .. })
    ));
}

#[tokio::test]
async fn discovery_must_name_the_same_issuer() {
    let key = es256("k1");
    let srv = server(&[&key]).await;
    *srv.discovery_issuer.lock().unwrap() = Some("https://other.example".into());
    let (v, _) = verifier(settings(&srv));
    let e = v.verify(&key.sign(&claims(&srv))).await.unwrap_err();
    assert!(e.to_string().contains("another issuer"), "{e}");
}

#[tokio::test]
async fn hmac_keys_in_a_key_set_are_never_used() {
    let key = es256("k1");
    let srv = server(&[&key]).await;
    let secret = "c2VjcmV0LXNoYXJlZC13aXRoLWV2ZXJ5b25l";
    *srv.jwks.lock().unwrap() = json!({"keys": [{"kty": "oct", "kid": "h", "k": secret}, key.jwk]});
    let (v, _) = verifier(settings(&srv));
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("h".into());
    let raw = B64.decode(secret).unwrap();
    let hs = jsonwebtoken::encode(
        &header,
        &claims(&srv),
        &jsonwebtoken::EncodingKey::from_secret(&raw).unwrap(),
    )
    .unwrap();
    assert_eq!(refused(v.verify(&hs).await), TokenRefusal::AlgorithmRefused);
    let parsed = jwks::KeySet::parse(&srv.jwks.lock().unwrap().clone()).unwrap();
    assert_eq!(parsed.len(), 1);
}

#[tokio::test]
async fn entra_groups_overage_is_flagged_and_claims_are_bounded() {
    let key = es256("k1");
    let srv = server(&[&key]).await;
    let mut s = settings(&srv);
    s.claims = Preset::EntraId.mapping();
    let (v, _) = verifier(s);
    let mut c = claims(&srv);
    c["oid"] = json!("00000000-0000-0000-0000-000000000001");
    c["tid"] = json!("contoso");
    c["roles"] = json!(["Rampart.User"]);
    c.as_object_mut().unwrap().remove("groups");
    c["_claim_names"] = json!({"groups": "src1"});
    let t = v.verify(&key.sign(&c)).await.unwrap();
    assert!(t.groups_overage && t.groups.is_empty());
    assert_eq!(t.tenant.as_deref(), Some("contoso"));
    assert_eq!(t.roles, vec!["Rampart.User"]);
    // The tenant claim is required once mapped; identities with control characters are
    // refused (they would reach log lines).
    c["tid"] = json!(null);
    assert_eq!(
        refused(v.verify(&key.sign(&c)).await),
        TokenRefusal::BadClaim
    );
    c["tid"] = json!("contoso");
    c["oid"] = json!("a\nforged log line");
    assert_eq!(
        refused(v.verify(&key.sign(&c)).await),
        TokenRefusal::BadClaim
    );
}

#[test]
fn settings_refuse_http_issuers_without_the_opt_in() {
    let mut s = IssuerSettings {
        name: "x".into(),
        issuer: "http://idp.example.com".into(),
        audiences: vec!["a".into()],
        jwks_uri: None,
        allowed_algs: vec![SigningAlg::Rs256],
        clock_skew: Duration::ZERO,
        claims: ClaimMapping::default(),
        allow_private_network: false,
        cache_ttl: Duration::from_secs(60),
        min_refresh: Duration::from_secs(10),
        fetch_timeout: Duration::from_secs(1),
    };
    let clock = Arc::new(ManualClock::new(Duration::from_secs(NOW)));
    assert!(OidcVerifier::new(vec![s.clone()], clock.clone()).is_err());
    s.issuer = "https://idp.example.com".into();
    s.jwks_uri = Some("https://169.254.169.254/keys".into());
    assert!(OidcVerifier::new(vec![s.clone()], clock.clone()).is_err());
    s.jwks_uri = None;
    assert!(OidcVerifier::new(vec![s], clock).is_ok());
}

#[tokio::test]
async fn client_credentials_tokens_are_services_and_user_tokens_are_not() {
    let key = es256("k1");
    let srv = server(&[&key]).await;
    let (v, _) = verifier(settings(&srv));
    let service = |extra: Value| {
        let mut c = claims(&srv);
        for (k, value) in extra.as_object().unwrap() {
            c[k] = value.clone();
        }
        key.sign(&c)
    };
    // A person's token: the client is named, but `sub` is someone else.
    let user = v
        .verify(&service(json!({"client_id": "portal", "azp": "portal"})))
        .await
        .unwrap();
    assert!(!user.service);
    // RFC 9068 (oidc-provider, Keycloak), Okta, Entra ID, Auth0.
    for signal in [
        json!({"client_id": "svc-1"}),
        json!({"cid": "svc-1"}),
        json!({"idtyp": "app"}),
        json!({"gty": "client-credentials"}),
    ] {
        let t = v.verify(&service(signal.clone())).await.unwrap();
        assert!(t.service, "{signal} is a service's token");
    }
    // A look-alike value is not the signal.
    let t = v
        .verify(&service(json!({"idtyp": "user", "client_id": "svc-10"})))
        .await
        .unwrap();
    assert!(!t.service);
}
