//! `rampart policy test` fixtures: the shipped examples pass, a wrong expectation fails,
//! and a typo in a fixture is an error naming the key and its line.
#![allow(clippy::unwrap_used)]

use rampart_authz::fixtures::{self, FixtureError};
use std::path::Path;

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies/tests.toml")
}

#[test]
fn the_example_fixtures_pass() {
    let outcomes = fixtures::run(&examples()).unwrap();
    assert!(outcomes.len() >= 8);
    for o in &outcomes {
        assert!(o.passed(), "{}: {:?}", o.name, o.decision);
    }
}

fn fixture(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.cedar"),
        "@id(\"keys\")\npermit (principal is Rampart::Key, action, resource);\n",
    )
    .unwrap();
    let file = dir.path().join("t.toml");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

#[test]
fn a_wrong_expectation_fails_and_a_right_one_passes() {
    let (_dir, file) = fixture(
        r#"
[[case]]
name = "key allowed"
principal = { type = "Key", id = "k" }
action = "invoke_model"
resource = { model = "m", provider = "p", kind = "mock" }
expect = "allow"
policy = "keys"

[[case]]
name = "wrongly expected deny"
principal = { type = "Key", id = "k" }
action = "invoke_model"
resource = { model = "m", provider = "p", kind = "mock" }
expect = "deny"

[[case]]
name = "right effect, wrong policy"
principal = { type = "Key", id = "k" }
action = "invoke_model"
resource = { model = "m", provider = "p", kind = "mock" }
expect = "allow"
policy = "someone-else"
"#,
    );
    let outcomes = fixtures::run(&file).unwrap();
    let passed: Vec<bool> = outcomes.iter().map(|o| o.passed()).collect();
    assert_eq!(passed, [true, false, false]);
}

#[test]
fn unknown_keys_and_bad_values_are_errors_with_their_line() {
    let (_dir, file) = fixture(
        "\n[[case]]\nname = \"x\"\nprincipal = { type = \"Key\", id = \"k\" }\naction = \"invoke_model\"\nresource = { model = \"m\", provider = \"p\", kind = \"mock\" }\nexpect = \"allow\"\nexpcted_policy = \"keys\"\n",
    );
    let err = fixtures::run(&file).unwrap_err().to_string();
    assert!(
        err.contains("expcted_policy") && err.contains("line 8"),
        "{err}"
    );
    let (_dir, file) = fixture(
        "[[case]]\nname = \"x\"\nprincipal = { type = \"Key\", id = \"k\" }\naction = \"fly\"\nresource = { model = \"m\", provider = \"p\", kind = \"mock\" }\nexpect = \"allow\"\n",
    );
    let err = fixtures::run(&file).unwrap_err();
    assert!(matches!(err, FixtureError::Invalid { .. }));
    assert!(err.to_string().contains("unknown action `fly`"), "{err}");
    let (_dir, file) = fixture("policies = \".\"\n");
    assert!(
        fixtures::run(&file)
            .unwrap_err()
            .to_string()
            .contains("no `[[case]]`")
    );
}

#[test]
fn the_default_admin_policies_give_the_four_roles() {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/admin-policies/tests.toml");
    let outcomes = fixtures::run(&file).unwrap();
    assert!(outcomes.len() >= 9);
    for o in &outcomes {
        assert!(o.passed(), "{}: {:?}", o.name, o.decision);
    }
}
