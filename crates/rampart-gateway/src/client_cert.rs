//! Client certificates as identities (mTLS): the names in a verified client certificate,
//! and the principal `[auth.mtls]` maps them to.
//!
//! The listener verifies the chain against `[server.tls] client_ca` during the handshake
//! (rustls, `server.rs`); this module only reads names from the leaf certificate that
//! passed: its URI and DNS subject alternative names (a SPIFFE ID is a URI name) and the
//! subject's common name. A leaf that does not parse, or a name that is empty, too long or
//! holds control characters, gives no name, so it never authenticates. The principal is a
//! service (`TokenIdentity::service`: the policies see `Service::"<name>"`) of the
//! entry's tenant, with its groups and roles; a certificate that no entry matches is
//! refused even though the CA signed it.

use crate::auth::{Principal, TokenIdentity};
use crate::config::{CertName, MtlsConfig};
use std::sync::Arc;

/// The longest certificate name taken as an identity.
const MAX_NAME: usize = 1024;

/// The issuer label of principals authenticated by a client certificate.
pub const ISSUER: &str = "mtls";

/// The names of a verified client certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientCertificate {
    /// URI subject alternative names, in certificate order (SPIFFE IDs).
    pub uris: Vec<String>,
    /// DNS subject alternative names, in certificate order.
    pub dns_names: Vec<String>,
    /// The subject's first common name.
    pub common_name: Option<String>,
}

impl ClientCertificate {
    /// Reads the names of a DER certificate; `None` when it does not parse (then the
    /// connection has no certificate identity at all).
    pub fn from_der(der: &[u8]) -> Option<ClientCertificate> {
        use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let mut names = ClientCertificate::default();
        // A certificate with two SAN extensions is malformed: no names.
        if let Some(san) = cert.subject_alternative_name().ok()? {
            for name in &san.value.general_names {
                match name {
                    GeneralName::URI(u) => names.uris.extend(usable(u)),
                    GeneralName::DNSName(d) => names.dns_names.extend(usable(d)),
                    _ => {}
                }
            }
        }
        names.common_name = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .and_then(usable);
        Some(names)
    }

    /// The name `which` picks: the first URI or DNS name, or the common name.
    pub fn name(&self, which: CertName) -> Option<&str> {
        match which {
            CertName::Uri => self.uris.first(),
            CertName::Dns => self.dns_names.first(),
            CertName::CommonName => self.common_name.as_ref(),
        }
        .map(String::as_str)
    }
}

/// A name fit to be an identity: non-empty, bounded, printable.
fn usable(name: &str) -> Option<String> {
    let ok = !name.is_empty() && name.len() <= MAX_NAME && !name.chars().any(char::is_control);
    ok.then(|| name.to_owned())
}

/// Why a certificate did not authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertRefusal {
    /// The certificate has no name of the configured kind.
    NoName(CertName),
    /// No `[[auth.mtls.clients]]` entry matches the name.
    NotMapped(String),
}

impl std::fmt::Display for CertRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertRefusal::NoName(which) => write!(
                f,
                "the client certificate has no {} name, which [auth.mtls] identity asks for",
                match which {
                    CertName::Uri => "URI",
                    CertName::Dns => "DNS",
                    CertName::CommonName => "common",
                }
            ),
            CertRefusal::NotMapped(_) => {
                f.write_str("no [[auth.mtls.clients]] entry matches the client certificate")
            }
        }
    }
}

/// The principal of a certificate under `config`: the first matching entry decides.
pub fn principal(config: &MtlsConfig, cert: &ClientCertificate) -> Result<Principal, CertRefusal> {
    let name = cert
        .name(config.identity)
        .ok_or(CertRefusal::NoName(config.identity))?;
    let client = config
        .clients
        .iter()
        .find(|c| c.matches(name))
        .ok_or_else(|| CertRefusal::NotMapped(name.to_owned()))?;
    Ok(Principal {
        key_id: format!("{ISSUER}:{name}"),
        tenant: client.tenant.clone(),
        name: name.to_owned(),
        models: client.models(),
        rpm: None,
        tpm: None,
        daily_token_budget: None,
        monthly_token_budget: None,
        token: Some(Arc::new(TokenIdentity {
            issuer: ISSUER.to_owned(),
            subject: name.to_owned(),
            groups: client.groups.clone(),
            roles: client.roles.clone(),
            groups_overage: false,
            service: true,
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MtlsClientConfig;

    fn config(identity: CertName) -> MtlsConfig {
        MtlsConfig {
            identity,
            clients: vec![
                MtlsClientConfig {
                    pattern: "spiffe://corp.example/ns/payments/*".into(),
                    tenant: "payments".into(),
                    groups: vec!["payments".into()],
                    roles: vec!["batch".into()],
                    models: vec!["gpt-4o".into()],
                },
                MtlsClientConfig {
                    pattern: "reports.corp.example".into(),
                    tenant: "reports".into(),
                    groups: vec![],
                    roles: vec![],
                    models: vec!["*".into()],
                },
            ],
        }
    }

    fn cert(uri: &str, dns: &str, cn: &str) -> ClientCertificate {
        ClientCertificate {
            uris: usable(uri).into_iter().collect(),
            dns_names: usable(dns).into_iter().collect(),
            common_name: usable(cn),
        }
    }

    #[test]
    fn the_first_matching_entry_names_tenant_groups_roles_and_models() {
        let c = cert(
            "spiffe://corp.example/ns/payments/sa/billing",
            "reports.corp.example",
            "billing",
        );
        let p = principal(&config(CertName::Uri), &c).unwrap();
        assert_eq!(
            p.key_id,
            "mtls:spiffe://corp.example/ns/payments/sa/billing"
        );
        assert_eq!(p.tenant, "payments");
        assert_eq!(p.models.as_deref(), Some(&["gpt-4o".to_owned()][..]));
        let token = p.token.unwrap();
        assert!(token.service);
        assert_eq!(token.issuer, "mtls");
        assert_eq!(token.groups, ["payments"]);
        assert_eq!(token.roles, ["batch"]);

        // The same certificate, identified by its DNS name: the exact entry.
        let p = principal(&config(CertName::Dns), &c).unwrap();
        assert_eq!(p.tenant, "reports");
        assert_eq!(p.models, None, "`*`: every model");
    }

    #[test]
    fn unmatched_names_missing_names_and_near_misses_are_refused() {
        let cfg = config(CertName::Uri);
        // A prefix is a prefix of the whole name, not a substring, and exact means exact.
        for uri in [
            "spiffe://corp.example/ns/payments",
            "spiffe://evil.example/ns/payments/x",
            "xspiffe://corp.example/ns/payments/x",
        ] {
            assert_eq!(
                principal(&cfg, &cert(uri, "", "")),
                Err(CertRefusal::NotMapped(uri.to_owned())),
                "{uri}"
            );
        }
        let dns = config(CertName::Dns);
        assert!(principal(&dns, &cert("", "reports.corp.example.evil", "")).is_err());
        assert_eq!(
            principal(&cfg, &cert("", "reports.corp.example", "x")),
            Err(CertRefusal::NoName(CertName::Uri))
        );
        // Names with control characters are no names.
        assert_eq!(
            principal(
                &cfg,
                &cert("spiffe://corp.example/ns/payments/a\nb", "", "")
            ),
            Err(CertRefusal::NoName(CertName::Uri))
        );
    }

    #[test]
    fn garbage_is_no_certificate() {
        assert_eq!(ClientCertificate::from_der(b""), None);
        assert_eq!(
            ClientCertificate::from_der(&[0x30, 0x82, 0xff, 0xff, 0]),
            None
        );
    }
}
