//! `rampart config`: every example config passes `check`, a bad one is refused with the
//! key and the line, and `schema` prints the committed schema.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn check(file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["config", "check"])
        .arg(file)
        // What the examples read from the environment; never contacted by `check`.
        .env("DATABASE_URL", "postgres://rampart@127.0.0.1:1/rampart")
        .env("REDIS_URL", "redis://127.0.0.1:1/0")
        .env("OPENAI_API_KEY", "sk-not-a-real-key")
        // examples/events.toml's sink credentials.
        .env("SPLUNK_HEC_TOKEN", "not-a-real-hec-token")
        .env(
            "RAMPART_WEBHOOK_SECRET",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )
        .output()
        .expect("run rampart")
}

#[test]
fn every_example_config_passes_check() {
    let mut checked = 0;
    for entry in std::fs::read_dir(repo_root().join("examples")).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = check(&path);
            assert!(
                out.status.success(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "quickstart.toml and multinode.toml at least");
}

#[test]
fn a_bad_tenant_limit_is_refused_with_its_key_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "[limits]\nbackend = \"memory\"\n\n[[tenants]]\nname = \"acme\"\nrpm = 0\n",
    )
    .expect("write");
    let out = check(&file);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:6:") && stderr.contains("tenants.rpm"),
        "{stderr}"
    );
}

#[test]
fn a_bad_events_sink_is_refused_with_its_key_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "[[events.sinks]]\nname = \"siem\"\nkind = \"syslog\"\naddress = \"syslog.example:514\"\n",
    )
    .expect("write");
    let out = check(&file);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:4:") && stderr.contains("events.sinks.address"),
        "{stderr}"
    );
}

#[test]
fn an_events_secret_missing_from_the_environment_is_refused_by_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("hook.toml");
    std::fs::write(
        &file,
        "[[events.sinks]]\nname = \"soar\"\nkind = \"webhook\"\nurl = \"https://soar.example/h\"\nsecret_env = \"RAMPART_TEST_NO_SUCH_SECRET\"\n",
    )
    .expect("write");
    let out = check(&file);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`soar`") && stderr.contains("secret_env"),
        "{stderr}"
    );
}

#[test]
fn schema_prints_the_committed_schema() {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["config", "schema"])
        .output()
        .expect("run rampart");
    assert!(out.status.success());
    let committed = std::fs::read(repo_root().join("docs/config.schema.json"))
        .expect("docs/config.schema.json");
    assert_eq!(out.stdout, committed);
}
