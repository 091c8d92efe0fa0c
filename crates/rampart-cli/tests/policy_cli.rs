//! `rampart policy`: the example policies check and their fixtures pass; a policy that
//! breaks the schema exits 1 naming file and line; a failing fixture exits 1 naming the
//! case.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rampart(args: &[&str], path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .arg(path)
        .output()
        .expect("run rampart")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_example_policies_check_and_their_fixtures_pass() {
    let dir = repo_root().join("examples/policies");
    let out = rampart(&["policy", "check"], &dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("policies, valid"));
    let out = rampart(&["policy", "test"], &dir.join("tests.toml"));
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(!stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.contains("ok    personal data never goes to an external provider (deny: no-confidential-to-external)"), "{stdout}");
}

#[test]
fn a_policy_against_the_schema_exits_1_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("good.cedar"),
        "permit (principal, action, resource);\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("bad.cedar"),
        "// a typo in an attribute\n@id(\"typo\")\nforbid (principal, action, resource)\nwhen { context.data_clases.contains(\"restricted\") };\n",
    )
    .expect("write");
    let out = rampart(&["policy", "check"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad.cedar:4:"), "{stderr}");
    assert!(stderr.contains("data_clases"), "{stderr}");
    // A syntax error too.
    std::fs::write(
        dir.path().join("bad.cedar"),
        "\n\npermit (principal action, resource);\n",
    )
    .expect("write");
    let out = rampart(&["policy", "check"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("bad.cedar:3:"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_failing_fixture_exits_1_naming_the_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("p.cedar"),
        "@id(\"onprem-only\")\npermit (principal, action, resource in Rampart::Provider::\"onprem\");\n",
    )
    .expect("write");
    let file = dir.path().join("cases.toml");
    std::fs::write(
        &file,
        r#"
[[case]]
name = "on premises is allowed"
principal = { type = "Key", id = "k" }
action = "invoke_model"
resource = { model = "llama", provider = "onprem", kind = "openai_compatible" }
expect = "allow"
policy = "onprem-only"

[[case]]
name = "openai was wrongly expected to be allowed"
principal = { type = "Key", id = "k" }
action = "invoke_model"
resource = { model = "gpt-4o", provider = "openai", kind = "openai" }
expect = "allow"
"#,
    )
    .expect("write");
    let out = rampart(&["policy", "test"], &file);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("ok    on premises is allowed"), "{stdout}");
    assert!(
        stdout
            .contains("FAIL  openai was wrongly expected to be allowed: expected allow, got deny"),
        "{stdout}"
    );
    assert!(stdout.contains("1 of 2 cases as expected"), "{stdout}");
}
