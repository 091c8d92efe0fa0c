//! The admin API through the real gateway: `rampart-server`'s `AdminApi` mounted on the
//! admin listener through `Seams::admin`, keys and audit records in a SQLite file, the
//! Cedar engine with the default admin policies (or a policy directory), requests over
//! HTTP. Every role against every endpoint, tenant isolation, rotation with overlap,
//! activation of policy sets, stable audit pages, error shapes, and the OpenAPI document
//! against the served routes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_audit::{AuditRecord, AuditStore};
use rampart_gateway::config::Config;
use rampart_gateway::{Seams, Server};
use rampart_identity::clock::ManualClock;
use rampart_identity::{Keyring, NewKey};
use rampart_server::AdminApi;
use rampart_server::admin::caller::{AdminPolicies, DEFAULT_POLICIES};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const START: u64 = 1_800_000_000;

struct Admin {
    url: String,
    client: reqwest::Client,
    keyring: Keyring,
    audit: Arc<dyn AuditStore>,
    clock: ManualClock,
    /// The gateway's reload (what SIGHUP runs), when it reads a config file.
    shared: Arc<rampart_gateway::server::Shared>,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

struct Answer {
    status: u16,
    body: Value,
}

impl Admin {
    /// The gateway with the admin API, on the default policies or `policy_dir`.
    async fn start(policy_dir: Option<&Path>) -> Admin {
        Admin::start_with(policy_dir, false).await
    }

    /// With `follow`, as `rampart serve` runs it: the config is a file that names
    /// `policy_dir` in `[authz]`, and the gateway's policy loader reloads the admin
    /// policies too.
    async fn start_with(policy_dir: Option<&Path>, follow: bool) -> Admin {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("rampart.db").display());
        let clock = ManualClock::new(Duration::from_secs(START));
        let store = rampart_identity::store::open(&url).await.unwrap();
        let keyring = Keyring::with_clock(store, Arc::new(clock.clone()));
        let audit = rampart_audit::store::open(&url).await.unwrap();
        let policies = match policy_dir {
            Some(d) => AdminPolicies::from_dir(d).unwrap(),
            None => AdminPolicies::defaults().unwrap(),
        };
        let authorizer: Option<Arc<dyn rampart_gateway::authz::AuthorizerLoader>> = follow
            .then(|| Arc::new(policies.following(Arc::new(rampart_server::PolicyLoader))) as _);
        let api = AdminApi::new(keyring.clone(), audit.clone(), policies);
        let mut text = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n\n[server.admin]\nlisten = \"127.0.0.1:0\"\n\n\
             [storage]\nurl = \"{url}\"\n\n[[providers]]\nname = \"mock\"\nkind = \"mock\"\n\n\
             [[models]]\nname = \"mock\"\nprovider = \"mock\"\nupstream_model = \"mock\"\n"
        );
        let config = match (follow, policy_dir) {
            (true, Some(policy_dir)) => {
                text.push_str(&format!(
                    "\n[authz]\npolicy_dir = {:?}\n",
                    policy_dir.display().to_string()
                ));
                let path = dir.path().join("rampart.toml");
                std::fs::write(&path, text).unwrap();
                Config::load(&path).unwrap()
            }
            _ => Config::from_toml(&text, "admin.toml").unwrap(),
        };
        let seams = Seams {
            authenticator: None,
            limiter: None,
            audit: None,
            semantic: None,
            authorizer,
            admin: Some(api.router()),
        };
        let server = Server::new(config, seams).unwrap();
        let shared = server.shared();
        let main = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = admin.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.serve_on_with_admin(main, admin, async move {
            let _ = stopped.await;
        }));
        Admin {
            url: format!("http://{addr}"),
            client: reqwest::Client::new(),
            keyring,
            audit,
            clock,
            shared,
            _dir: dir,
            _stop: stop,
        }
    }

    /// A key of the store with `role` in `tenant`: its secret and id.
    async fn key(&self, tenant: &str, role: &str) -> (String, String) {
        let created = self
            .keyring
            .create(NewKey {
                tenant: tenant.into(),
                name: format!("{role} of {tenant}"),
                role: Some(role.into()),
                ..NewKey::default()
            })
            .await
            .unwrap();
        (created.key.expose().to_owned(), created.record.id)
    }

    async fn call(
        &self,
        secret: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Answer {
        let url = format!("{}{path}", self.url);
        let mut request = match method {
            "GET" => self.client.get(url),
            "POST" => self.client.post(url),
            "DELETE" => self.client.delete(url),
            other => panic!("method {other}"),
        };
        if let Some(secret) = secret {
            request = request.bearer_auth(secret);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer { status, body }
    }

    async fn get(&self, secret: &str, path: &str) -> Answer {
        self.call(Some(secret), "GET", path, None).await
    }

    async fn post(&self, secret: &str, path: &str, body: &Value) -> Answer {
        self.call(Some(secret), "POST", path, Some(body)).await
    }

    async fn seed_audit(&self, tenant: &str, key_id: &str, n: usize, start_ms: i64) {
        let records: Vec<AuditRecord> = (0..n)
            .map(|i| {
                let mut r = AuditRecord::new(
                    start_ms + i as i64,
                    format!("req-{tenant}-{i}"),
                    "openai.chat_completions",
                );
                r.tenant = Some(tenant.into());
                r.key_id = Some(key_id.into());
                r.status = 200;
                r
            })
            .collect();
        self.audit.append(&records).await.unwrap();
    }
}

fn assert_error(answer: &Answer, status: u16, kind: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.body["error"]["type"], kind, "{}", answer.body);
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

const ROLES: [&str; 5] = [
    "admin",
    "security_analyst",
    "auditor",
    "tenant_admin",
    "user",
];

#[tokio::test]
async fn every_role_against_every_endpoint() {
    let admin = Admin::start(None).await;
    let mut secrets = Vec::new();
    for role in ROLES {
        // The global roles live in an operations tenant; the others in acme.
        let tenant = if ["tenant_admin", "user"].contains(&role) {
            "acme"
        } else {
            "ops"
        };
        secrets.push((role, admin.key(tenant, role).await.0));
    }
    // Expected status per role, in the order of ROLES.
    type Row = (&'static str, &'static str, Option<Value>, [u16; 5]);
    let table: Vec<Row> = vec![
        ("GET", "/admin/v1/keys", None, [200, 403, 200, 200, 403]),
        (
            "POST",
            "/admin/v1/keys",
            Some(json!({"tenant": "acme", "name": "new"})),
            [201, 403, 403, 201, 403],
        ),
        (
            "GET",
            "/admin/v1/keys/{target}",
            None,
            [200, 404, 200, 200, 404],
        ),
        (
            "POST",
            "/admin/v1/keys/{target}/revoke",
            None,
            [200, 404, 403, 200, 404],
        ),
        (
            "POST",
            "/admin/v1/keys/{target}/rotate",
            Some(json!({"overlap_secs": 0})),
            [201, 404, 403, 201, 404],
        ),
        ("GET", "/admin/v1/tenants", None, [200, 403, 200, 200, 403]),
        ("GET", "/admin/v1/limits", None, [200, 403, 200, 200, 403]),
        ("GET", "/admin/v1/policies", None, [200, 403, 200, 403, 403]),
        (
            "POST",
            "/admin/v1/policies/validate",
            Some(json!({"files": {"a.cedar": DEFAULT_POLICIES}})),
            [200, 403, 403, 403, 403],
        ),
        // The default policies are built in: nothing to activate into (409), once allowed.
        (
            "POST",
            "/admin/v1/policies/activate",
            Some(json!({"files": {"a.cedar": DEFAULT_POLICIES}})),
            [409, 403, 403, 403, 403],
        ),
        ("GET", "/admin/v1/audit", None, [200, 200, 200, 200, 403]),
    ];
    // Every route of the API is in the table.
    let covered: BTreeSet<(String, String)> = table
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.replace("{target}", "{id}")))
        .collect();
    let served: BTreeSet<(String, String)> =
        rampart_server::admin::served_routes().into_iter().collect();
    assert_eq!(covered, served);

    for (method, path, body, expected) in &table {
        for ((role, secret), want) in secrets.iter().zip(expected) {
            let (_, target) = admin.key("acme", "user").await;
            let path = path.replace("{target}", &target);
            let answer = admin.call(Some(secret), method, &path, body.as_ref()).await;
            assert_eq!(
                answer.status, *want,
                "{role} {method} {path}: {}",
                answer.body
            );
            if *want == 403 {
                assert_error(&answer, 403, "forbidden");
                // Nothing permits: the determining policy is Cedar's default deny.
                assert_eq!(
                    answer.body["error"]["policy"], "default_deny",
                    "{}",
                    answer.body
                );
            }
            // Without a credential, or with a wrong one: 401, before anything else.
            let anonymous = admin.call(None, method, &path, body.as_ref()).await;
            assert_error(&anonymous, 401, "unauthenticated");
            let wrong = admin
                .call(Some("rk-notAKeyOfThisStore"), method, &path, body.as_ref())
                .await;
            assert_error(&wrong, 401, "unauthenticated");
        }
    }
}

#[tokio::test]
async fn a_tenant_admin_sees_and_touches_only_its_tenant() {
    let admin = Admin::start(None).await;
    let (acme_admin, acme_admin_id) = admin.key("acme", "tenant_admin").await;
    let (_, acme_app) = admin.key("acme", "user").await;
    let (_, globex_app) = admin.key("globex", "user").await;
    let (_, root_id) = admin.key("acme", "admin").await;
    admin
        .seed_audit("acme", &acme_app, 3, 1_795_000_000_000)
        .await;
    admin
        .seed_audit("globex", &globex_app, 4, 1_795_000_000_000)
        .await;

    let keys = admin.get(&acme_admin, "/admin/v1/keys").await;
    assert_eq!(keys.status, 200);
    let ids: BTreeSet<&str> = keys.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    // Its tenant's keys, without the admin key that acts on every tenant.
    assert_eq!(
        ids,
        BTreeSet::from([acme_admin_id.as_str(), acme_app.as_str()])
    );
    assert!(
        keys.body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["tenant"] == "acme")
    );
    assert!(
        !keys.body.to_string().contains(&acme_admin),
        "no secret in a listing"
    );

    for path in [
        format!("/admin/v1/keys/{globex_app}"),
        format!("/admin/v1/keys/{root_id}"),
    ] {
        assert_error(&admin.get(&acme_admin, &path).await, 404, "not_found");
        assert_error(
            &admin
                .post(&acme_admin, &format!("{path}/revoke"), &json!({}))
                .await,
            404,
            "not_found",
        );
        assert_error(
            &admin
                .post(&acme_admin, &format!("{path}/rotate"), &json!({}))
                .await,
            404,
            "not_found",
        );
    }
    // The globex key still works.
    assert_eq!(
        admin
            .keyring
            .get(&globex_app)
            .await
            .unwrap()
            .unwrap()
            .status(START as i64),
        "active"
    );

    assert_error(
        &admin
            .get(&acme_admin, "/admin/v1/audit?tenant=globex")
            .await,
        403,
        "forbidden",
    );
    assert_error(
        &admin
            .get(&acme_admin, "/admin/v1/limits?tenant=globex")
            .await,
        403,
        "forbidden",
    );
    assert_error(
        &admin.get(&acme_admin, "/admin/v1/keys?tenant=globex").await,
        403,
        "forbidden",
    );
    let audit = admin.get(&acme_admin, "/admin/v1/audit").await;
    assert_eq!(audit.status, 200);
    let records = audit.body["records"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r["tenant"] == "acme"));
    let limits = admin.get(&acme_admin, "/admin/v1/limits").await;
    assert!(
        limits.body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["tenant"] == "acme")
    );
    let tenants = admin.get(&acme_admin, "/admin/v1/tenants").await;
    assert_eq!(
        tenants.body["tenants"].as_array().unwrap().len(),
        1,
        "{}",
        tenants.body
    );
    assert_eq!(tenants.body["tenants"][0]["name"], "acme");

    // No key for another tenant, and no key with a role that acts on every tenant.
    let other = admin
        .post(
            &acme_admin,
            "/admin/v1/keys",
            &json!({"tenant": "globex", "name": "x"}),
        )
        .await;
    assert_error(&other, 403, "forbidden");
    let escalate = admin
        .post(
            &acme_admin,
            "/admin/v1/keys",
            &json!({"tenant": "acme", "name": "x", "role": "admin"}),
        )
        .await;
    assert_error(&escalate, 403, "forbidden");
    assert_eq!(escalate.body["error"]["policy"], "default_deny");
    let own = admin
        .post(
            &acme_admin,
            "/admin/v1/keys",
            &json!({"tenant": "acme", "name": "ci"}),
        )
        .await;
    assert_eq!(own.status, 201, "{}", own.body);
    assert!(own.body["secret"].as_str().unwrap().starts_with("rk-"));
    assert_eq!(own.body["key"]["tenant"], "acme");
}

#[tokio::test]
async fn a_rotated_key_works_until_the_overlap_ends_then_401() {
    let admin = Admin::start(None).await;
    let (root, _) = admin.key("ops", "admin").await;
    let created = admin
        .post(
            &root,
            "/admin/v1/keys",
            &json!({"tenant": "acme", "name": "acme admin", "role": "tenant_admin"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let old = created.body["secret"].as_str().unwrap().to_owned();
    let old_id = created.body["key"]["id"].as_str().unwrap().to_owned();
    // Shown once: a later read has no secret.
    let read = admin.get(&root, &format!("/admin/v1/keys/{old_id}")).await;
    assert!(read.body.get("secret").is_none() && !read.body.to_string().contains(&old));

    let rotated = admin
        .post(
            &root,
            &format!("/admin/v1/keys/{old_id}/rotate"),
            &json!({"overlap_secs": 120}),
        )
        .await;
    assert_eq!(rotated.status, 201, "{}", rotated.body);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(rotated.body["previous"]["status"], "rotating");
    assert_eq!(rotated.body["key"]["role"], "tenant_admin");

    assert_eq!(admin.get(&old, "/admin/v1/keys").await.status, 200);
    assert_eq!(admin.get(&new, "/admin/v1/keys").await.status, 200);
    admin.clock.advance(Duration::from_secs(119));
    assert_eq!(
        admin.get(&old, "/admin/v1/keys").await.status,
        200,
        "still in the overlap"
    );
    admin.clock.advance(Duration::from_secs(1));
    assert_error(
        &admin.get(&old, "/admin/v1/keys").await,
        401,
        "unauthenticated",
    );
    assert_eq!(admin.get(&new, "/admin/v1/keys").await.status, 200);

    // The old key cannot be rotated again; an overlap past 30 days is refused by name.
    let again = admin
        .post(
            &root,
            &format!("/admin/v1/keys/{old_id}/rotate"),
            &json!({}),
        )
        .await;
    assert_error(&again, 400, "invalid_request");
    let new_id = rotated.body["key"]["id"].as_str().unwrap();
    let long = admin
        .post(
            &root,
            &format!("/admin/v1/keys/{new_id}/rotate"),
            &json!({"overlap_secs": 99_999_999}),
        )
        .await;
    assert_error(&long, 400, "invalid_request");
    assert_eq!(long.body["error"]["field"], "overlap_secs");
}

#[tokio::test]
async fn activation_refuses_a_bad_set_and_keeps_the_good_one() {
    let policies = tempfile::tempdir().unwrap();
    std::fs::write(policies.path().join("admin.cedar"), DEFAULT_POLICIES).unwrap();
    let admin = Admin::start(Some(policies.path())).await;
    let (root, _) = admin.key("ops", "admin").await;
    let before = admin.get(&root, "/admin/v1/policies").await;
    assert_eq!(before.status, 200);
    assert!(
        before.body["policies"]
            .as_array()
            .unwrap()
            .contains(&json!("admin-manages-everything"))
    );

    // A policy naming an action the schema does not have: refused, file and line named.
    let bad = json!({"files": {
        "admin.cedar": DEFAULT_POLICIES,
        "fly.cedar": "@id(\"fly\")\npermit (principal, action == Rampart::Action::\"fly\", resource);\n",
    }});
    let validated = admin.post(&root, "/admin/v1/policies/validate", &bad).await;
    assert_eq!(validated.status, 200);
    assert_eq!(validated.body["valid"], false);
    assert!(
        validated.body["problems"][0]
            .as_str()
            .unwrap()
            .starts_with("fly.cedar:"),
        "{}",
        validated.body
    );
    let refused = admin.post(&root, "/admin/v1/policies/activate", &bad).await;
    assert_error(&refused, 400, "invalid_request");
    assert_eq!(refused.body["error"]["field"], "files");
    assert!(!policies.path().join("fly.cedar").exists());
    assert_eq!(
        admin.get(&root, "/admin/v1/policies").await.body,
        before.body
    );

    // A valid set that would lock the caller out is refused too.
    let lockout = json!({"files": {"deny.cedar": "@id(\"nobody\")\nforbid (principal, action, resource);\n"}});
    assert_error(
        &admin
            .post(&root, "/admin/v1/policies/activate", &lockout)
            .await,
        400,
        "invalid_request",
    );
    assert!(!policies.path().join("deny.cedar").exists());

    // A good set replaces the directory and is in force at once.
    let good = json!({"files": {
        "roles.cedar": DEFAULT_POLICIES,
        "models.cedar": "@id(\"keys-use-models\")\npermit (principal is Rampart::Key, action == Rampart::Action::\"invoke_model\", resource);\n",
    }});
    let activated = admin
        .post(&root, "/admin/v1/policies/activate", &good)
        .await;
    assert_eq!(activated.status, 200, "{}", activated.body);
    assert!(policies.path().join("models.cedar").exists());
    assert!(
        !policies.path().join("admin.cedar").exists(),
        "the set is the whole directory"
    );
    let after = admin.get(&root, "/admin/v1/policies").await;
    assert!(
        after.body["policies"]
            .as_array()
            .unwrap()
            .contains(&json!("keys-use-models"))
    );

    // Malformed names never become paths.
    let escape = json!({"files": {"../x.cedar": "permit (principal, action, resource);"}});
    let answer = admin
        .post(&root, "/admin/v1/policies/validate", &escape)
        .await;
    assert_error(&answer, 400, "invalid_request");
}

#[tokio::test]
async fn a_reload_of_the_gateway_reloads_the_admin_policies_too() {
    let policies = tempfile::tempdir().unwrap();
    std::fs::write(policies.path().join("admin.cedar"), DEFAULT_POLICIES).unwrap();
    let admin = Admin::start_with(Some(policies.path()), true).await;
    let (analyst, _) = admin.key("ops", "security_analyst").await;
    assert_eq!(admin.get(&analyst, "/admin/v1/audit").await.status, 200);

    // An operator edits the directory by hand, then sends SIGHUP (what it runs).
    std::fs::write(
        policies.path().join("freeze.cedar"),
        "@id(\"audit-frozen\")\nforbid (principal, action == Rampart::Action::\"read_audit\", resource)\n\
         when { principal.roles.contains(\"security_analyst\") };\n",
    )
    .unwrap();
    assert_eq!(
        admin.get(&analyst, "/admin/v1/audit").await.status,
        200,
        "nothing changes before the reload"
    );
    admin.shared.reload().unwrap();
    let denied = admin.get(&analyst, "/admin/v1/audit").await;
    assert_error(&denied, 403, "forbidden");
    assert!(
        denied.body.to_string().contains("audit-frozen"),
        "{}",
        denied.body
    );

    // A set that does not load is refused for both planes: the one in force stays.
    std::fs::write(policies.path().join("broken.cedar"), "permit (principal,").unwrap();
    assert!(admin.shared.reload().is_err());
    assert_error(
        &admin.get(&analyst, "/admin/v1/audit").await,
        403,
        "forbidden",
    );
    std::fs::remove_file(policies.path().join("broken.cedar")).unwrap();
    std::fs::remove_file(policies.path().join("freeze.cedar")).unwrap();
    admin.shared.reload().unwrap();
    assert_eq!(admin.get(&analyst, "/admin/v1/audit").await.status, 200);
}

#[tokio::test]
async fn audit_pages_are_stable_while_records_arrive() {
    let admin = Admin::start(None).await;
    let (analyst, _) = admin.key("ops", "security_analyst").await;
    admin
        .seed_audit("acme", "key_a", 25, 1_795_000_000_000)
        .await;
    admin
        .seed_audit("globex", "key_g", 5, 1_795_000_000_000)
        .await;
    let all = admin
        .get(&analyst, "/admin/v1/audit?tenant=acme&limit=1000")
        .await;
    let expected: Vec<Value> = all.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["request_id"].clone())
        .collect();
    assert_eq!(expected.len(), 25);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/admin/v1/audit?tenant=acme&limit=10&cursor={c}"),
            None => "/admin/v1/audit?tenant=acme&limit=10".to_owned(),
        };
        let page = admin.get(&analyst, &path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(
            page.body["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["request_id"].clone()),
        );
        // New records between pages do not shift the pages already walked.
        admin
            .seed_audit("acme", "key_a", 2, 1_796_000_000_000)
            .await;
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, expected);

    // Filters: key, time window, decision; bad values name their field.
    let by_key = admin.get(&analyst, "/admin/v1/audit?key_id=key_g").await;
    assert_eq!(by_key.body["records"].as_array().unwrap().len(), 5);
    let window = admin
        .get(
            &analyst,
            "/admin/v1/audit?tenant=acme&from=1795000000010&to=1795000000020",
        )
        .await;
    assert_eq!(window.body["records"].as_array().unwrap().len(), 10);
    let blocked = admin.get(&analyst, "/admin/v1/audit?decision=block").await;
    assert_eq!(blocked.body["records"].as_array().unwrap().len(), 0);
    for (query, field) in [
        ("decision=maybe", "decision"),
        ("limit=0", "limit"),
        ("cursor=abc", "cursor"),
        ("from=yesterday", "from"),
        ("tenant=a%20b", "tenant"),
        ("tenantt=acme", "tenantt"),
    ] {
        let answer = admin
            .get(&analyst, &format!("/admin/v1/audit?{query}"))
            .await;
        assert_error(&answer, 400, "invalid_request");
        assert_eq!(answer.body["error"]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn bodies_are_bounded_and_bad_fields_are_named() {
    let admin = Admin::start(None).await;
    let (root, _) = admin.key("ops", "admin").await;
    let huge = json!({"tenant": "acme", "name": "x".repeat(100_000)});
    assert_error(
        &admin.post(&root, "/admin/v1/keys", &huge).await,
        413,
        "body_too_large",
    );
    let typed = admin
        .post(
            &root,
            "/admin/v1/keys",
            &json!({"tenant": "acme", "name": "x", "rpm": "many"}),
        )
        .await;
    assert_error(&typed, 400, "invalid_request");
    assert_eq!(typed.body["error"]["field"], "rpm");
    let unknown = admin
        .post(
            &root,
            "/admin/v1/keys",
            &json!({"tenant": "acme", "name": "x", "admin": true}),
        )
        .await;
    assert_error(&unknown, 400, "invalid_request");
    let tenant = admin
        .post(
            &root,
            "/admin/v1/keys",
            &json!({"tenant": "*", "name": "x"}),
        )
        .await;
    assert_error(&tenant, 400, "invalid_request");
    assert_eq!(tenant.body["error"]["field"], "tenant");
    let name = admin
        .post(
            &root,
            "/admin/v1/keys",
            &json!({"tenant": "acme", "name": " "}),
        )
        .await;
    assert_eq!(name.body["error"]["field"], "name", "{}", name.body);
    assert_error(
        &admin.get(&root, "/admin/v1/keys/key_nothere").await,
        404,
        "not_found",
    );
    assert_error(
        &admin.get(&root, "/admin/v1/nothing").await,
        404,
        "not_found",
    );
    let wrong_method = admin
        .call(Some(&root), "DELETE", "/admin/v1/keys", None)
        .await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.body["error"]["type"], "method_not_allowed");
    // Health stays on the admin listener beside the API.
    let health = admin
        .client
        .get(format!("{}/healthz", admin.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

/// The committed OpenAPI document and the served routes agree both ways: every path
/// and method of the document is served (it answers 401 without credentials, not 404 or
/// 405), and every served route is in the document.
#[tokio::test]
async fn the_openapi_document_describes_exactly_the_served_routes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/admin-openapi.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(doc["openapi"].as_str().unwrap().get(..3), Some("3.1"));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let served: BTreeSet<(String, String)> =
        rampart_server::admin::served_routes().into_iter().collect();
    assert_eq!(
        documented, served,
        "docs/admin-openapi.json and the router differ"
    );
    let admin = Admin::start(None).await;
    for (method, path) in &documented {
        let concrete = path.replace("{id}", "key_x");
        let answer = admin.call(None, method, &concrete, None).await;
        assert_eq!(
            answer.status, 401,
            "{method} {path} is documented but not served"
        );
    }
}
