//! `rampart keys` and `rampart audit` driven through the real binary in a temp dir.

use rampart_audit::{AuditRecord, FindingSummary};
use rampart_core::{Decision, FindingKind};
use serde_json::Value;
use sqlx::Connection;
use std::path::Path;
use std::process::{Command, Output};

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// A directory with a gateway-style config whose storage is a SQLite file in it.
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("rampart.toml"),
            "[server]\nlisten = \"127.0.0.1:8787\"\n\n[storage]\nurl = \"sqlite://rampart.db\"\n\n\
             [[providers]]\nname = \"openai\"\nkind = \"openai\"\nbase_url = \"https://api.openai.com/v1\"\n\
             api_key = \"${OPENAI_API_KEY}\"\n\n[guard]\nmode = \"enforce\"\n",
        )
        .expect("write config");
        Sandbox { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn db_url(&self) -> String {
        format!("sqlite://{}", self.path().join("rampart.db").display())
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(args)
            .current_dir(self.path())
            .env_remove("RAMPART_CONFIG")
            .output()
            .expect("run rampart")
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn keys_create_list_revoke_round_trip() {
    let sb = Sandbox::new();
    let created = sb.json(&[
        "keys",
        "create",
        "--config",
        "rampart.toml",
        "--tenant",
        "acme",
        "--name",
        "billing",
        "--models",
        "gpt-4o-mini,claude-sonnet",
        "--rpm",
        "60",
        "--tpm",
        "100000",
        "--expires",
        "2099-01-01",
        "--json",
    ]);
    let id = created["id"].as_str().expect("id").to_owned();
    let key = created["key"].as_str().expect("key").to_owned();
    assert!(id.starts_with("key_"));
    assert!(key.starts_with("rk-") && key.len() >= 40, "{key}");
    assert_eq!(
        created["models"],
        serde_json::json!(["gpt-4o-mini", "claude-sonnet"])
    );
    assert_eq!(created["expires_at"], "2099-01-01T00:00:00Z");
    assert_eq!(created["rpm"], 60);

    // A second key in human form: printed once, on stdout.
    let out = sb.run(&[
        "keys",
        "create",
        "-c",
        "rampart.toml",
        "--tenant",
        "beta",
        "--name",
        "ci",
    ]);
    assert!(out.status.success());
    let human = text(&out.stdout);
    let second_key = human
        .split_whitespace()
        .find(|w| w.starts_with("rk-") && w.len() > 20)
        .expect("key printed")
        .to_owned();
    assert!(human.contains("only time the key is shown"));

    let listed = sb.json(&["keys", "list", "--config", "rampart.toml", "--json"]);
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 2);
    let listing = serde_json::to_string(listed).expect("json");
    for secret in [&key, &second_key] {
        assert!(!listing.contains(&secret[3..]), "list shows a key");
        assert!(listed.iter().all(|k| k.get("key").is_none()));
    }
    let table = text(&sb.run(&["keys", "list", "-c", "rampart.toml"]).stdout);
    assert!(table.contains(&id) && table.contains("active") && !table.contains(&key[3..]));

    let out = sb.run(&["keys", "revoke", "--config", "rampart.toml", &id]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = sb.json(&["keys", "list", "--config", "rampart.toml", "--json"]);
    let revoked = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .expect("still listed");
    assert_eq!(revoked["status"], "revoked");
    assert!(revoked["revoked_at"].is_string());

    // The database holds neither key in clear.
    let mut bytes = std::fs::read(sb.path().join("rampart.db")).unwrap();
    bytes.extend(std::fs::read(sb.path().join("rampart.db-wal")).unwrap_or_default());
    for secret in [&key, &second_key] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()));
    }
}

#[test]
fn bad_input_gets_an_error_that_says_what_to_do() {
    let sb = Sandbox::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &["keys", "revoke", "-c", "rampart.toml", "key_missing"],
            "rampart keys list",
        ),
        (
            &[
                "keys",
                "create",
                "-c",
                "rampart.toml",
                "--tenant",
                "acme",
                "--name",
                "x",
                "--expires",
                "soon",
            ],
            "YYYY-MM-DD",
        ),
        (
            &[
                "keys",
                "create",
                "-c",
                "rampart.toml",
                "--tenant",
                "acme",
                "--name",
                "x",
                "--expires",
                "2001-01-01",
            ],
            "in the past",
        ),
        (
            &[
                "keys",
                "create",
                "-c",
                "rampart.toml",
                "--tenant",
                "a b",
                "--name",
                "x",
            ],
            "tenant",
        ),
        (&["keys", "list", "-c", "missing.toml"], "missing.toml"),
    ];
    for (args, needle) in cases {
        let out = sb.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    std::fs::write(sb.path().join("badstorage.toml"), "[storage]\nurl = 5\n").unwrap();
    let out = sb.run(&["keys", "list", "-c", "badstorage.toml"]);
    assert!(
        text(&out.stderr).contains("[storage] url must be a string"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(sb.path().join("broken.toml"), "[storage\nurl=").unwrap();
    let out = sb.run(&["audit", "list", "-c", "broken.toml", "--json"]);
    assert!(text(&out.stderr).contains("not valid TOML"));
}

#[test]
fn a_config_without_storage_uses_the_gateway_default() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.path().join("sub")).unwrap();
    std::fs::write(
        sb.path().join("sub/minimal.toml"),
        "[server]\nlisten = \"127.0.0.1:8787\"\n",
    )
    .unwrap();
    let created = sb.json(&[
        "keys",
        "create",
        "-c",
        "sub/minimal.toml",
        "--tenant",
        "t",
        "--name",
        "n",
        "--json",
    ]);
    assert!(created["key"].is_string());
    // Relative to the working directory, like the gateway: the same file as rampart.toml's.
    let listed = sb.json(&["keys", "list", "-c", "rampart.toml", "--json"]);
    assert_eq!(listed[0]["id"], created["id"]);
}

#[test]
fn storage_url_variables_are_interpolated() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.path().join("env.toml"),
        "[storage]\nurl = \"sqlite://${RAMPART_TEST_DB_NAME}.db\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "keys", "create", "-c", "env.toml", "--tenant", "t", "--name", "n", "--json",
        ])
        .current_dir(sb.path())
        .env("RAMPART_TEST_DB_NAME", "from_env")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(sb.path().join("from_env.db").exists());
    let out = sb.run(&["keys", "list", "-c", "env.toml"]);
    assert!(
        text(&out.stderr).contains("RAMPART_TEST_DB_NAME"),
        "{}",
        text(&out.stderr)
    );
}

fn audit_record(i: i64) -> AuditRecord {
    let mut r = AuditRecord::new(
        1_795_314_025_000 + i,
        format!("req-{i}"),
        "openai.chat_completions",
    );
    r.tenant = Some("acme".into());
    r.key_id = Some("key_abc".into());
    r.model = Some("gpt-4o-mini".into());
    r.decision = if i == 2 {
        Decision::Block
    } else {
        Decision::Allow
    };
    if i == 2 {
        r.findings = vec![FindingSummary {
            kind: FindingKind::PromptInjection,
            entity: "INSTRUCTION_OVERRIDE".into(),
            direction: Some(rampart_core::Direction::Input),
        }];
        r.status = 400;
    }
    r
}

async fn seed_audit(url: &str, count: i64) {
    let store = rampart_audit::store::open(url)
        .await
        .expect("open audit store");
    let records: Vec<_> = (0..count).map(audit_record).collect();
    store.append(&records).await.expect("append");
}

#[tokio::test(flavor = "current_thread")]
async fn audit_list_and_verify_read_what_the_gateway_wrote() {
    let sb = Sandbox::new();
    assert_eq!(
        sb.json(&["audit", "list", "--config", "rampart.toml", "--json"]),
        serde_json::json!([])
    );
    seed_audit(&sb.db_url(), 5).await;

    let listed = sb.json(&[
        "audit",
        "list",
        "--config",
        "rampart.toml",
        "--limit",
        "3",
        "--json",
    ]);
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0]["request_id"], "req-4");
    assert_eq!(listed[2]["request_id"], "req-2");
    assert_eq!(listed[2]["decision"], "block");
    assert_eq!(
        listed[2]["findings"][0],
        serde_json::json!({"kind": "prompt_injection", "type": "INSTRUCTION_OVERRIDE", "direction": "input"})
    );
    assert_eq!(listed[0]["time"], "2026-11-22T02:20:25.004Z");
    for field in [
        "seq",
        "hash",
        "prev_hash",
        "tenant",
        "key_id",
        "surface",
        "model",
        "provider",
        "status",
        "tokens_in",
        "tokens_out",
        "upstream_latency_ms",
        "gateway_overhead_us",
    ] {
        assert!(listed[0].get(field).is_some(), "missing {field}");
    }
    let table = text(&sb.run(&["audit", "list", "-c", "rampart.toml"]).stdout);
    assert!(
        table.contains("prompt_injection:INSTRUCTION_OVERRIDE"),
        "{table}"
    );

    let out = sb.run(&["audit", "verify", "--config", "rampart.toml"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("intact: 5 records"),
        "{}",
        text(&out.stdout)
    );
    let report = sb.json(&["audit", "verify", "-c", "rampart.toml", "--json"]);
    assert_eq!(report["intact"], true);
    assert_eq!(report["head"], listed[0]["hash"]);

    // Someone with the file drops the trigger and rewrites the blocked request as allowed.
    let mut conn = sqlx::SqliteConnection::connect(&sb.db_url()).await.unwrap();
    sqlx::raw_sql(
        "DROP TRIGGER audit_records_no_update; \
         UPDATE audit_records SET record = replace(record, '\"decision\":\"block\"', '\"decision\":\"allow\"') WHERE seq = 3;",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let out = sb.run(&["audit", "verify", "--config", "rampart.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("BROKEN at record 3"),
        "{}",
        text(&out.stdout)
    );
    let report: Value = serde_json::from_slice(
        &sb.run(&["audit", "verify", "-c", "rampart.toml", "--json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(report["intact"], false);
    assert_eq!(report["broken_at"], 3);
}

/// RFC 8032 §7.1 test 1's secret key, PKCS#8 v1 PEM (as `openssl genpkey` writes it).
const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
-----END PRIVATE KEY-----
";
/// Its public half, as `openssl pkey -pubout` writes it.
const TEST_PUB: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
-----END PUBLIC KEY-----
";

#[tokio::test(flavor = "current_thread")]
async fn audit_checkpoint_verify_and_prove_catch_a_truncated_log() {
    let sb = Sandbox::new();
    // `--new` reads the whole config, as `rampart serve` does.
    let config = std::fs::read_to_string(sb.path().join("rampart.toml"))
        .unwrap()
        .replace("${OPENAI_API_KEY}", "sk-test");
    std::fs::write(
        sb.path().join("rampart.toml"),
        format!("{config}\n[audit]\ncheckpoint_key = \"audit.pem\"\ncheckpoint_origin = \"test.example/audit\"\ncheckpoint_path = \"published.txt\"\n"),
    )
    .unwrap();
    std::fs::write(sb.path().join("audit.pem"), TEST_KEY).unwrap();
    std::fs::write(sb.path().join("pub.pem"), TEST_PUB).unwrap();
    let out = sb.run(&["audit", "checkpoint", "-c", "rampart.toml"]);
    assert_eq!(out.status.code(), Some(1), "no checkpoint yet");
    seed_audit(&sb.db_url(), 9).await;

    let out = sb.run(&["audit", "checkpoint", "-c", "rampart.toml", "--new"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let note = text(&out.stdout);
    assert!(note.starts_with("test.example/audit\n9\n"), "{note}");
    assert_eq!(
        std::fs::read_to_string(sb.path().join("published.txt")).unwrap(),
        note
    );
    let latest = sb.run(&["audit", "checkpoint", "-c", "rampart.toml"]);
    assert_eq!(text(&latest.stdout), note);
    std::fs::write(sb.path().join("cp.txt"), &note).unwrap();
    let vkey = text(
        &sb.run(&[
            "audit",
            "checkpoint",
            "-c",
            "rampart.toml",
            "--verifier-key",
        ])
        .stdout,
    );
    assert!(vkey.starts_with("test.example/audit+"), "{vkey}");

    // The log grows: still consistent with the checkpoint, with either key form.
    seed_audit(&sb.db_url(), 3).await;
    for key in ["pub.pem", vkey.trim()] {
        let out = sb.run(&[
            "audit",
            "verify",
            "-c",
            "rampart.toml",
            "--checkpoint",
            "cp.txt",
            "--key",
            key,
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(
            text(&out.stdout).contains("signature verified"),
            "{}",
            text(&out.stdout)
        );
    }
    let proof = sb.json(&[
        "audit",
        "prove",
        "-c",
        "rampart.toml",
        "--record",
        "4",
        "--size",
        "9",
    ]);
    assert_eq!(proof["type"], "rampart-audit-inclusion-v1");
    assert_eq!(
        (proof["leaf_index"].as_u64(), proof["tree_size"].as_u64()),
        (Some(3), Some(9))
    );
    let cons = sb.json(&["audit", "prove", "-c", "rampart.toml", "--from", "9"]);
    assert_eq!(cons["new_size"], 12);
    assert_eq!(cons["old_root"], proof["root"]);

    // A forged checkpoint (size changed) is refused before the log is read.
    std::fs::write(
        sb.path().join("forged.txt"),
        note.replacen("\n9\n", "\n8\n", 1),
    )
    .unwrap();
    let out = sb.run(&[
        "audit",
        "verify",
        "-c",
        "rampart.toml",
        "--checkpoint",
        "forged.txt",
        "--key",
        "pub.pem",
    ]);
    assert_ne!(out.status.code(), Some(0));

    // Someone with the file deletes the newest records: the chain is still intact, the
    // checkpoint is not matched.
    let mut conn = sqlx::SqliteConnection::connect(&sb.db_url()).await.unwrap();
    sqlx::raw_sql("DROP TRIGGER audit_records_no_delete; DELETE FROM audit_records WHERE seq > 6;")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    assert_eq!(
        sb.run(&["audit", "verify", "-c", "rampart.toml"])
            .status
            .code(),
        Some(0)
    );
    let out = sb.run(&[
        "audit",
        "verify",
        "-c",
        "rampart.toml",
        "--checkpoint",
        "cp.txt",
        "--key",
        "pub.pem",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("fewer than the checkpoint's 9"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn help_teaches_with_examples() {
    let sb = Sandbox::new();
    for (args, needle) in [
        (&["keys", "--help"][..], "rampart keys create --config"),
        (&["keys", "create", "--help"][..], "--expires"),
        (&["audit", "--help"][..], "rampart audit verify --config"),
        (&["audit", "list", "--help"][..], "--limit"),
    ] {
        let out = sb.run(args);
        assert!(out.status.success());
        assert!(text(&out.stdout).contains(needle), "{args:?}");
    }
}

/// Issue 20, defect 9: model names reach the audit log from unauthenticated requests; a
/// table that prints them raw lets a caller retitle, clear or rewrite the operator's
/// terminal. Every cell is escaped; JSON keeps the exact value.
#[tokio::test(flavor = "current_thread")]
async fn audit_list_escapes_terminal_control_characters() {
    let sb = Sandbox::new();
    let hostile_model = "gpt\x1b]0;pwned\x07\x1b[2J\u{9b}1A\r\u{202e}fdp";
    let mut record = audit_record(0);
    record.model = Some(hostile_model.into());
    record.request_id = "req\nFORGED ROW".into();
    let store = rampart_audit::store::open(&sb.db_url())
        .await
        .expect("open");
    store.append(&[record]).await.expect("append");

    let out = sb.run(&["audit", "list", "--config", "rampart.toml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert_eq!(table.lines().count(), 2, "header and one row: {table:?}");
    for raw in ['\x1b', '\x07', '\r', '\u{9b}', '\u{202e}'] {
        assert!(!table.contains(raw), "raw {raw:?} in {table:?}");
    }
    assert!(
        table.contains(r"gpt\x1b]0;pwned\x07\x1b[2J\u{9b}1A\r\u{202e}fdp"),
        "{table}"
    );
    assert!(table.contains(r"req\nFORGED ROW"), "{table}");

    let listed = sb.json(&["audit", "list", "--config", "rampart.toml", "--json"]);
    assert_eq!(listed[0]["model"], hostile_model, "JSON keeps the value");
}

/// Issue 20, defect 9, for `rampart keys`: names refuse C0 controls but not bidi
/// overrides, and a store written by another tool may hold anything.
#[tokio::test(flavor = "current_thread")]
async fn keys_list_escapes_terminal_control_characters() {
    let sb = Sandbox::new();
    let created = sb.run(&[
        "keys",
        "create",
        "--config",
        "rampart.toml",
        "--tenant",
        "acme",
        "--name",
        "invoice\u{202e}fdp.exe",
    ]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    assert!(!text(&created.stdout).contains('\u{202e}'));
    // A name no `keys create` accepts, written straight into the database.
    let mut db = sqlx::SqliteConnection::connect(&sb.db_url())
        .await
        .expect("open db");
    let changed = sqlx::query("UPDATE api_keys SET models = ? WHERE name LIKE 'invoice%'")
        .bind("[\"m\\u001b]0;pwned\\u0007\"]")
        .execute(&mut db)
        .await
        .expect("update");
    assert_eq!(changed.rows_affected(), 1);

    let out = sb.run(&["keys", "list", "--config", "rampart.toml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    for raw in ['\x1b', '\x07', '\u{202e}'] {
        assert!(!table.contains(raw), "raw {raw:?} in {table:?}");
    }
    assert!(table.contains(r"invoice\u{202e}fdp.exe"), "{table}");
    assert!(table.contains(r"m\x1b]0;pwned\x07"), "{table}");
}

/// Issue 20, defect 10: an unsupported storage URL was echoed whole, password included,
/// by every command that opens the stores. Each command now names the URL without its
/// credentials.
#[test]
fn storage_errors_never_print_the_database_password() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.path().join("leaky.toml"),
        "[storage]\nurl = \"mysql://rampart:hunter2@db.internal/rampart?sslpassword=k3ysecret&sslmode=require\"\n",
    )
    .expect("write config");
    for args in [
        &["keys", "list", "--config", "leaky.toml"][..],
        &["audit", "list", "--config", "leaky.toml"][..],
        &["audit", "verify", "--config", "leaky.toml"][..],
    ] {
        let out = sb.run(args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            !stderr.contains("hunter2") && !stderr.contains("k3ysecret"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains(
                "mysql://rampart:***@db.internal/rampart?sslpassword=***&sslmode=require"
            ),
            "{args:?} still says which URL: {stderr}"
        );
    }
}
