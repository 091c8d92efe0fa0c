//! `rampart audit list/verify` (and `rampart keys`) on a PostgreSQL `[storage] url`. Runs
//! when `RAMPART_TEST_POSTGRES_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/test`)
//! and is `#[ignore]`d otherwise (`cargo test -- --ignored` runs it and fails without the
//! URL). Works in a schema of its own, dropped at the end.

#![allow(clippy::unwrap_used)]

use rampart_audit::AuditRecord;
use serde_json::Value;
use sqlx::Connection;
use std::path::Path;
use std::process::{Command, Output};

fn rampart(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .current_dir(dir)
        .env_remove("RAMPART_CONFIG")
        .output()
        .expect("run rampart")
}

#[tokio::test]
#[ignore = "needs RAMPART_TEST_POSTGRES_URL (scripts/test runs it with --ignored when set)"]
async fn audit_list_and_verify_read_a_postgres_log_written_by_two_replicas() {
    let base = std::env::var("RAMPART_TEST_POSTGRES_URL").expect("RAMPART_TEST_POSTGRES_URL must name a test server: this test is #[ignore]d so that a missing service is reported as skipped, never as passed");
    let schema = format!("rampart_cli_test_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");

    let (one, two) = (
        rampart_audit::store::open(&url).await.unwrap(),
        rampart_audit::store::open(&url).await.unwrap(),
    );
    let record = |i: i64| {
        let mut r = AuditRecord::new(
            1_795_314_025_000 + i,
            format!("req-{i}"),
            "anthropic.messages",
        );
        r.tenant = Some("acme".into());
        r
    };
    let (first, second): (Vec<_>, Vec<_>) = (
        (0..20).map(record).collect(),
        (20..40).map(record).collect(),
    );
    let (a, b) = tokio::join!(one.append(&first), two.append(&second));
    a.unwrap();
    b.unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rampart.toml"),
        format!("[storage]\nurl = \"{url}\"\n"),
    )
    .unwrap();
    let out = rampart(dir.path(), &["audit", "verify", "--config", "rampart.toml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("intact: 40 records"), "{stdout}");

    let out = rampart(
        dir.path(),
        &[
            "audit",
            "list",
            "--config",
            "rampart.toml",
            "--limit",
            "100",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 40);
    assert_eq!(listed[0]["seq"], 40);
    assert_eq!(listed[0]["surface"], "anthropic.messages");

    // Keys share the database.
    let out = rampart(
        dir.path(),
        &[
            "keys",
            "create",
            "--config",
            "rampart.toml",
            "--tenant",
            "acme",
            "--name",
            "pg",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut admin)
        .await
        .unwrap();
}
