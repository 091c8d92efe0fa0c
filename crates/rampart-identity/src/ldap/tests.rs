//! Settings checks, filter building and the failure paths that need no directory. The
//! logins against a real `slapd` are in the gateway's `ldap` integration suite.
#![allow(clippy::unwrap_used)]

use super::*;

pub(crate) fn settings(url: &str) -> LdapSettings {
    LdapSettings {
        url: url.into(),
        allow_plaintext: false,
        ca_file: None,
        bind_dn: Some("cn=svc,dc=example,dc=org".into()),
        bind_password: Some("svc-pw".into()),
        user_base: "ou=people,dc=example,dc=org".into(),
        user_filter: "(uid={user})".into(),
        user_dn: None,
        group_base: "ou=groups,dc=example,dc=org".into(),
        group_filter: "(member={dn})".into(),
        group_name_attribute: "cn".into(),
        nested: Nesting::None,
        tenant: "acme".into(),
        tenant_attribute: None,
        connect_timeout: Duration::from_secs(2),
        operation_timeout: Duration::from_secs(2),
        cache_ttl: Duration::from_secs(30),
        cache_max_entries: 16,
    }
}

fn config_key(s: LdapSettings) -> &'static str {
    match LdapDirectory::new(s) {
        Err(LdapError::Config { key, .. }) => key,
        other => panic!("expected a config error, got {other:?}"),
    }
}

fn plaintext(url: &str) -> LdapSettings {
    LdapSettings {
        allow_plaintext: true,
        ..settings(url)
    }
}

#[test]
fn plaintext_only_to_loopback_and_only_when_allowed() {
    assert_eq!(
        config_key(plaintext("ldap://ldap.example.org")),
        "allow_plaintext"
    );
    assert_eq!(
        config_key(plaintext("ldap://10.0.0.5:389")),
        "allow_plaintext"
    );
    assert_eq!(
        config_key(plaintext("ldaps://127.0.0.1")),
        "allow_plaintext"
    );
    for ok in [
        "ldap://127.0.0.1:3389",
        "ldap://localhost",
        "ldap://[::1]:389",
    ] {
        let d = LdapDirectory::new(plaintext(ok)).unwrap();
        assert!(d.tls.is_none(), "{ok}");
    }
    // Without the opt-in, ldap:// means StartTLS, even to loopback.
    let ca = test_ca();
    let d = LdapDirectory::new(LdapSettings {
        ca_file: Some(ca.path().to_owned()),
        ..settings("ldap://127.0.0.1:389")
    })
    .unwrap();
    assert!(d.tls.is_some() && d.starttls);
    assert_eq!(config_key(settings("http://ldap.example.org")), "url");
    assert_eq!(config_key(settings("not a url")), "url");
}

#[test]
fn ca_file_problems_name_the_key() {
    let missing = LdapSettings {
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..settings("ldaps://ldap.example.org")
    };
    assert_eq!(config_key(missing), "ca_file");
    let empty = tempfile::NamedTempFile::new().unwrap();
    let no_cert = LdapSettings {
        ca_file: Some(empty.path().to_owned()),
        ..settings("ldaps://ldap.example.org")
    };
    assert_eq!(config_key(no_cert), "ca_file");
}

#[test]
fn templates_are_checked() {
    let s = |f: &str| LdapSettings {
        user_filter: f.into(),
        ..plaintext("ldap://127.0.0.1")
    };
    assert_eq!(config_key(s("(uid=alice)")), "user_filter");
    assert_eq!(config_key(s("uid={user}")), "user_filter");
    assert_eq!(config_key(s("(uid={usr})")), "user_filter");
    assert_eq!(config_key(s("(uid={user})(x=y)")), "user_filter");
    assert!(LdapDirectory::new(s("(&(objectClass=person)(uid={user}))")).is_ok());
    let g = LdapSettings {
        group_filter: "(member={user_dn})".into(),
        ..plaintext("ldap://127.0.0.1")
    };
    assert_eq!(config_key(g), "group_filter");
    let half = LdapSettings {
        bind_password: None,
        ..plaintext("ldap://127.0.0.1")
    };
    assert_eq!(config_key(half), "bind_password");
    let empty = LdapSettings {
        bind_password: Some(String::new()),
        ..plaintext("ldap://127.0.0.1")
    };
    assert_eq!(config_key(empty), "bind_password");
    let deep = LdapSettings {
        nested: Nesting::Walk { max_depth: 0 },
        ..plaintext("ldap://127.0.0.1")
    };
    assert_eq!(config_key(deep), "max_depth");
}

#[test]
fn group_filters_escape_the_dn_and_use_the_ad_rule() {
    let d = LdapDirectory::new(plaintext("ldap://127.0.0.1")).unwrap();
    assert_eq!(
        d.group_filter("x", "uid=a\\2c(b),dc=x"),
        "(member=uid=a\\5c2c\\28b\\29,dc=x)"
    );
    let ad = LdapDirectory::new(LdapSettings {
        nested: Nesting::ActiveDirectory,
        group_filter: "(&(objectClass=group)(member={dn}))".into(),
        ..plaintext("ldap://127.0.0.1")
    })
    .unwrap();
    assert_eq!(
        ad.group_filter("x", "CN=Alice,OU=Users,DC=corp"),
        "(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=Alice,OU=Users,DC=corp))"
    );
    // ldap3 parses what we send: the AD form must be a filter it accepts.
    assert!(escape::looks_like_filter(&ad.group_filter("x", "CN=*)(x")));
}

#[tokio::test]
async fn unusable_credentials_are_refused_before_any_connection() {
    // Nothing listens on this port: reaching the server would be `Unavailable`.
    let port = closed_port();
    let d = LdapDirectory::new(plaintext(&format!("ldap://127.0.0.1:{port}"))).unwrap();
    for (user, pw) in [
        ("alice", ""),
        ("", "pw"),
        ("al\nice", "pw"),
        (&"u".repeat(MAX_USER_LEN + 1), "pw"),
        ("alice", &"p".repeat(MAX_PASSWORD_LEN + 1)),
    ] {
        assert!(
            matches!(
                d.login(user, pw).await,
                Err(LdapError::Refused(Refusal::Malformed))
            ),
            "{user:?}"
        );
    }
}

#[tokio::test]
async fn a_directory_down_is_unavailable_not_a_refusal() {
    let port = closed_port();
    let d = LdapDirectory::new(plaintext(&format!("ldap://127.0.0.1:{port}"))).unwrap();
    let err = d.login("alice", "pw").await.unwrap_err();
    assert!(matches!(err, LdapError::Unavailable { .. }), "{err:?}");
    assert!(!err.to_string().contains("pw"));
    let err = d.resolve_groups("alice").await.unwrap_err();
    assert!(matches!(err, LdapError::Unavailable { .. }), "{err:?}");
}

#[tokio::test]
async fn a_silent_server_times_out() {
    // Accepts TCP and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let d = LdapDirectory::new(LdapSettings {
        operation_timeout: Duration::from_millis(300),
        connect_timeout: Duration::from_millis(300),
        ..plaintext(&format!("ldap://127.0.0.1:{port}"))
    })
    .unwrap();
    let started = Instant::now();
    let err = d.login("alice", "pw").await.unwrap_err();
    assert!(matches!(err, LdapError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    held.abort();
}

#[test]
fn debug_never_shows_the_bind_password() {
    let s = settings("ldaps://ldap.example.org");
    assert!(!format!("{s:?}").contains("svc-pw"));
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A self-signed certificate in PEM (a CA file that parses).
fn test_ca() -> tempfile::NamedTempFile {
    // A self-signed P-256 certificate (CN=test-ca, from `openssl req -x509`), only parsed
    // here, never used for a connection.
    const PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBejCCAR+gAwIBAgIUPlOVEg4eG0ONRQocD/XdfrUsA6AwCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHdGVzdC1jYTAeFw0yNjEyMDcyMDE0MjFaFw0zNjEyMDQyMDE0
MjFaMBIxEDAOBgNVBAMMB3Rlc3QtY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AAQcijQf+a+oqwjMaTls/tKGphd13BoPiL6Gt6TV7XwNJMWieDr84xX01XF6AWrB
ofcDq+FeDg7TsSVmQjY5CrxSo1MwUTAdBgNVHQ4EFgQUdCy6+yKcHawkc+e6BVo7
sSep5C4wHwYDVR0jBBgwFoAUdCy6+yKcHawkc+e6BVo7sSep5C4wDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAz3TRn2iaIWIkYp+MxNKnnSEsSSzb
ffNNLk9r5LeWnlQCIQDn0V8wtuzoyao8k7smFXitHDJzVbwvyNwGSI/Y4GA0cQ==
-----END CERTIFICATE-----
";
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), PEM).unwrap();
    f
}

#[test]
fn basic_credentials_are_read_only_from_the_basic_scheme() {
    // base64("alice:pa:ss") and base64("alice")
    assert_eq!(
        basic_credentials("Basic YWxpY2U6cGE6c3M="),
        Some(Ok(("alice".into(), "pa:ss".into())))
    );
    assert_eq!(
        basic_credentials("basic YWxpY2U6cGE6c3M="),
        Some(Ok(("alice".into(), "pa:ss".into())))
    );
    assert_eq!(
        basic_credentials("Basic YWxpY2U="),
        Some(Err(Refusal::Malformed))
    );
    assert_eq!(
        basic_credentials("Basic !!!"),
        Some(Err(Refusal::Malformed))
    );
    assert_eq!(basic_credentials("Bearer YWxpY2U6cGE6c3M="), None);
    assert_eq!(basic_credentials("rk-abc"), None);
}
