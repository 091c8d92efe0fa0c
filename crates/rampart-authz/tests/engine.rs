//! The policy engine on real policy files: allow, default deny, forbid over permit, groups
//! as parents, data classes, addresses, ids, and the errors a bad policy set gets (file
//! and line), including on reload, which keeps the set in force.
#![allow(clippy::unwrap_used)]

use rampart_authz::{
    Action, Context, Effect, PolicyEngine, PolicyError, PrincipalKind, Request, Resource, Subject,
};
use std::path::Path;

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn user(id: &str, groups: &[&str]) -> Subject {
    Subject {
        kind: PrincipalKind::User,
        id: id.into(),
        tenant: Some("acme".into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        roles: vec![],
        label: "corp".into(),
    }
}

fn key(id: &str) -> Subject {
    Subject {
        kind: PrincipalKind::Key,
        id: id.into(),
        tenant: Some("acme".into()),
        groups: vec![],
        roles: vec![],
        label: id.into(),
    }
}

fn invoke(principal: Subject, model: &str, provider: &str, kind: &str) -> Request {
    Request {
        principal,
        action: Action::InvokeModel,
        resource: Resource::Model {
            name: model.into(),
            provider: provider.into(),
            provider_kind: kind.into(),
        },
        context: Context {
            hour: 10,
            weekday: 1,
            ..Context::default()
        },
    }
}

const BASE: &str = r#"
@id("engineers-use-models")
permit (
  principal in Rampart::Group::"engineering",
  action in [Rampart::Action::"invoke_model", Rampart::Action::"embed"],
  resource
);

@id("no-confidential-external")
forbid (principal, action == Rampart::Action::"invoke_model", resource)
when { context.data_classes.contains("confidential") && resource in Rampart::Provider::"openai" };
"#;

#[test]
fn a_group_member_is_allowed_by_the_permit_that_names_the_group() {
    let dir = dir_with(&[("base.cedar", BASE)]);
    let engine = PolicyEngine::load(dir.path()).unwrap();
    assert_eq!(engine.policy_count(), 2);
    let d = engine.decide(&invoke(
        user("ann", &["engineering"]),
        "gpt-4o",
        "openai",
        "openai",
    ));
    assert_eq!(d.effect, Effect::Allow, "{d:?}");
    assert_eq!(d.policies, ["engineers-use-models"]);
}

#[test]
fn without_a_matching_permit_the_answer_is_deny() {
    let dir = dir_with(&[("base.cedar", BASE)]);
    let engine = PolicyEngine::load(dir.path()).unwrap();
    let d = engine.decide(&invoke(
        user("bob", &["sales"]),
        "gpt-4o",
        "openai",
        "openai",
    ));
    assert_eq!(d.effect, Effect::Deny);
    assert!(d.policies.is_empty());
    assert_eq!(d.determining(), "default_deny");
    // A key has no groups: not an engineer.
    let d = engine.decide(&invoke(key("k1"), "gpt-4o", "openai", "openai"));
    assert_eq!(d.effect, Effect::Deny);
}

#[test]
fn forbid_overrides_permit_and_is_named() {
    let dir = dir_with(&[("base.cedar", BASE)]);
    let engine = PolicyEngine::load(dir.path()).unwrap();
    let mut req = invoke(user("ann", &["engineering"]), "gpt-4o", "openai", "openai");
    req.context.data_classes.insert("confidential".into());
    let d = engine.decide(&req);
    assert_eq!(d.effect, Effect::Deny);
    assert_eq!(d.policies, ["no-confidential-external"]);
    // The same data to the on-premises provider is allowed.
    let mut req = invoke(
        user("ann", &["engineering"]),
        "llama",
        "onprem",
        "openai_compatible",
    );
    req.context.data_classes.insert("confidential".into());
    assert!(engine.decide(&req).allowed());
    // Embeddings are not covered by the forbid.
    let mut req = invoke(user("ann", &["engineering"]), "gpt-4o", "openai", "openai");
    req.action = Action::Embed;
    req.context.data_classes.insert("confidential".into());
    assert!(engine.decide(&req).allowed());
}

#[test]
fn tenants_are_parents_and_attributes_are_read() {
    let policy = r#"
@id("acme-keys")
permit (principal is Rampart::Key in Rampart::Tenant::"acme", action, resource)
when { principal.name == "batch" };
"#;
    let dir = dir_with(&[("t.cedar", policy)]);
    let engine = PolicyEngine::load(dir.path()).unwrap();
    let mut batch = key("k9");
    batch.label = "batch".into();
    assert!(
        engine
            .decide(&invoke(batch, "m", "openai", "openai"))
            .allowed()
    );
    let mut other = key("k9");
    other.tenant = Some("globex".into());
    other.label = "batch".into();
    assert!(
        !engine
            .decide(&invoke(other, "m", "openai", "openai"))
            .allowed()
    );
}

#[test]
fn source_address_and_time_are_in_the_context() {
    let policy = r#"
@id("office-hours-from-the-office")
permit (principal, action == Rampart::Action::"invoke_model", resource)
when {
  context has source_ip && context.source_ip.isInRange(ip("10.0.0.0/8")) &&
  context.time.hour >= 8 && context.time.hour < 18 && context.time.weekday <= 5
};
"#;
    let dir = dir_with(&[("net.cedar", policy)]);
    let engine = PolicyEngine::load(dir.path()).unwrap();
    let mut req = invoke(key("k1"), "m", "p", "mock");
    assert!(!engine.decide(&req).allowed(), "no address: no permit");
    req.context.source_ip = Some("10.1.2.3".parse().unwrap());
    assert!(engine.decide(&req).allowed());
    req.context.source_ip = Some("192.0.2.1".parse().unwrap());
    assert!(!engine.decide(&req).allowed());
    req.context.source_ip = Some("10.1.2.3".parse().unwrap());
    req.context.weekday = 6;
    assert!(!engine.decide(&req).allowed(), "Saturday");
    req.context.weekday = 2;
    req.context.hour = 22;
    assert!(!engine.decide(&req).allowed(), "22:00");
    req.context.source_ip = Some("::1".parse().unwrap());
    req.context.hour = 9;
    assert!(!engine.decide(&req).allowed(), "IPv6 outside the range");
}

#[test]
fn a_policy_without_id_is_named_by_file_and_position() {
    let dir = dir_with(&[(
        "plain.cedar",
        "// comment\n\npermit (principal, action, resource);\n",
    )]);
    let engine = PolicyEngine::load(dir.path()).unwrap();
    let d = engine.decide(&invoke(key("k"), "m", "p", "mock"));
    assert_eq!(d.policies, ["plain.cedar:3:1"]);
}

fn problems(e: PolicyError) -> String {
    match e {
        PolicyError::Invalid(p) => p
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("unexpected error: {other}"),
    }
}

#[test]
fn a_schema_violation_names_file_and_line() {
    let bad = "@id(\"ok\")\npermit (principal, action, resource);\n\n@id(\"typo\")\npermit (principal, action, resource)\nwhen { context.data_class.contains(\"x\") };\n";
    let dir = dir_with(&[("a.cedar", BASE), ("b.cedar", bad)]);
    let err = problems(PolicyEngine::load(dir.path()).unwrap_err());
    assert!(err.contains("b.cedar:6:"), "{err}");
    assert!(err.contains("typo"), "{err}");
    assert!(!err.contains("a.cedar"), "{err}");
    // An unknown entity type too.
    let dir = dir_with(&[(
        "c.cedar",
        "\npermit (principal == Rampart::Robot::\"r\", action, resource);\n",
    )]);
    let err = problems(PolicyEngine::check(dir.path()).unwrap_err());
    assert!(err.contains("c.cedar:2:"), "{err}");
}

#[test]
fn a_syntax_error_names_file_and_line() {
    let dir = dir_with(&[(
        "s.cedar",
        "permit (principal, action, resource);\n\npermit (principal, action resource);\n",
    )]);
    let err = problems(PolicyEngine::load(dir.path()).unwrap_err());
    assert!(err.contains("s.cedar:3:"), "{err}");
}

#[test]
fn duplicate_ids_templates_and_empty_directories_are_refused() {
    let dir = dir_with(&[
        (
            "a.cedar",
            "@id(\"same\")\npermit (principal, action, resource);\n",
        ),
        (
            "b.cedar",
            "\n@id(\"same\")\nforbid (principal, action, resource);\n",
        ),
    ]);
    let err = problems(PolicyEngine::load(dir.path()).unwrap_err());
    assert!(
        err.contains("b.cedar:2:1") && err.contains("a.cedar:1:1"),
        "{err}"
    );
    let dir = dir_with(&[(
        "t.cedar",
        "permit (principal == ?principal, action, resource);\n",
    )]);
    let err = problems(PolicyEngine::load(dir.path()).unwrap_err());
    assert!(
        err.contains("t.cedar:1:1") && err.contains("template"),
        "{err}"
    );
    let dir = dir_with(&[("notes.txt", "permit (principal, action, resource);")]);
    let err = problems(PolicyEngine::load(dir.path()).unwrap_err());
    assert!(err.contains("no `*.cedar`"), "{err}");
    let err = problems(PolicyEngine::load(Path::new("/nonexistent/rampart-policies")).unwrap_err());
    assert!(err.contains("/nonexistent/rampart-policies"), "{err}");
}

#[test]
fn a_bad_policy_set_never_replaces_a_good_one_on_reload() {
    let dir = dir_with(&[("base.cedar", BASE)]);
    let engine = PolicyEngine::load(dir.path()).unwrap();
    let ann = invoke(user("ann", &["engineering"]), "gpt-4o", "openai", "openai");
    assert!(engine.decide(&ann).allowed());
    // A broken file appears next to the good one, and the good one changes: neither applies.
    std::fs::write(
        dir.path().join("base.cedar"),
        "forbid (principal, action, resource);",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.cedar"),
        "permit (principal, action, resource) when { context.nope };",
    )
    .unwrap();
    let err = problems(engine.reload().unwrap_err());
    assert!(err.contains("broken.cedar:1:"), "{err}");
    assert!(engine.decide(&ann).allowed(), "the set in force stays");
    assert_eq!(engine.policy_count(), 2);
    // Fixed: the new set applies.
    std::fs::remove_file(dir.path().join("broken.cedar")).unwrap();
    assert_eq!(engine.reload().unwrap(), 1);
    let d = engine.decide(&ann);
    assert_eq!(d.effect, Effect::Deny);
    assert_eq!(d.policies, ["base.cedar:1:1"]);
}

#[test]
fn the_committed_schema_covers_every_action_and_principal() {
    // Every action applies to every principal kind with its resource kind; a request
    // the schema refused would be a deny with an error instead.
    let dir = dir_with(&[(
        "all.cedar",
        "@id(\"all\")\npermit (principal, action, resource);\n",
    )]);
    let engine = PolicyEngine::load(dir.path()).unwrap();
    for kind in [
        PrincipalKind::User,
        PrincipalKind::Service,
        PrincipalKind::Key,
    ] {
        for action in Action::ALL {
            let resource = match action {
                Action::InvokeModel | Action::Embed => Resource::Model {
                    name: "m".into(),
                    provider: "p".into(),
                    provider_kind: "mock".into(),
                },
                Action::CallTool => Resource::Tool {
                    name: "search".into(),
                },
                _ => Resource::Tenant {
                    name: "acme".into(),
                },
            };
            let mut principal = key("x");
            principal.kind = kind;
            let d = engine.decide(&Request {
                principal,
                action,
                resource,
                context: Context {
                    weekday: 3,
                    ..Context::default()
                },
            });
            assert!(d.allowed(), "{kind:?} {action:?}: {d:?}");
            assert!(d.errors.is_empty());
        }
    }
    // A tool is not a model: invoke_model on a tool does not fit the schema, and is denied.
    let d = engine.decide(&Request {
        principal: key("x"),
        action: Action::InvokeModel,
        resource: Resource::Tool { name: "t".into() },
        context: Context::default(),
    });
    assert_eq!(d.effect, Effect::Deny);
    assert!(!d.errors.is_empty());
}

#[test]
fn policies_from_memory_are_named_by_their_file_and_listed_by_id() {
    let ok = vec![("a.cedar".to_owned(), BASE.to_owned())];
    let ids = PolicyEngine::check_sources(&ok).unwrap();
    assert!(ids.contains(&"engineers-use-models".to_owned()), "{ids:?}");
    let engine = PolicyEngine::from_sources("/nowhere", &ok).unwrap();
    assert_eq!(engine.policy_ids(), ids);
    let bad = vec![(
        "bad.cedar".to_owned(),
        "permit (principal, action == Rampart::Action::\"fly\", resource);".to_owned(),
    )];
    let err = PolicyEngine::check_sources(&bad).unwrap_err().to_string();
    assert!(err.starts_with("bad.cedar:1:"), "{err}");
    assert!(PolicyEngine::check_sources(&[]).is_err());
}

#[test]
fn a_key_carries_its_roles() {
    let engine = PolicyEngine::from_sources(
        "/nowhere",
        &[(
            "r.cedar".to_owned(),
            "@id(\"admins\")\npermit (principal is Rampart::Key, action, resource) when { principal.roles.contains(\"admin\") };".to_owned(),
        )],
    )
    .unwrap();
    let mut admin = key("k1");
    admin.roles = vec!["admin".into()];
    let mut request = invoke(admin, "m", "p", "openai");
    assert!(engine.decide(&request).allowed());
    request.principal.roles.clear();
    assert!(!engine.decide(&request).allowed());
}
