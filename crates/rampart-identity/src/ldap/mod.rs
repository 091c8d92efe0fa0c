//! LDAP logins and group lookups (`[auth.ldap]`): a user name and password checked by a
//! simple bind against the company's directory (OpenLDAP, Active Directory), and the
//! groups the directory says the user is in.
//!
//! ```text
//! login(user, password)
//!   empty or oversized user/password ─► refused (an empty password would be an
//!                                        unauthenticated bind, which servers accept)
//!   cache (salted SHA-256 of user + password, successes only, short TTL) ─► hit
//!   connect: ldaps:// or ldap:// + StartTLS, certificate checked against `ca_file` or
//!            the system roots; plain ldap:// only to loopback and only when allowed
//!   bind as `bind_dn` (else anonymous) ─► search `user_base` with `user_filter`, the
//!            user name escaped (RFC 4515); exactly one entry, else refused
//!            (or, with `user_dn`, the DN built from the template, escaped per RFC 4514)
//!   bind as the user's DN with the password ─► code 49 = refused
//!   bind as `bind_dn` again ─► groups (escape.rs, groups below)
//! ```
//!
//! Groups: `group_filter` (`{dn}` = the user's DN, `{user}` = the name, both escaped) under
//! `group_base`; with `nested = "ad"` Active Directory's transitive rule
//! (`member:1.2.840.113556.1.4.1941:=`) answers nested groups in one search; with
//! `nested = "walk"` (OpenLDAP) the groups that contain found groups are searched level by
//! level, up to `max_depth` levels and [`MAX_GROUPS`] groups.
//!
//! Connections: one per login or lookup, closed after it, every step under a timeout, and
//! the whole under a deadline. A pool of bound connections would save a TCP and TLS
//! handshake, but a login rebinds its connection as the user, so pooled connections would
//! need a rebind on every checkout anyway; the login cache absorbs repeated logins instead,
//! and a directory down costs at most `connect_timeout` per request.
//!
//! No password reaches an error, a log line or the cache (only its salted digest).

mod cache;
pub mod escape;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry, SearchOptions};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The most groups a login collects (a walk stops there).
pub const MAX_GROUPS: usize = 1024;
/// Longest accepted user name and password, in bytes.
pub const MAX_USER_LEN: usize = 256;
pub const MAX_PASSWORD_LEN: usize = 1024;
/// DNs searched together in one level of a nested-group walk.
const WALK_BATCH: usize = 32;

/// How nested groups are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// Direct groups only.
    None,
    /// Active Directory's in-chain matching rule (LDAP_MATCHING_RULE_IN_CHAIN).
    ActiveDirectory,
    /// Groups of groups searched level by level, at most this many levels.
    Walk { max_depth: u8 },
}

/// What the gateway's `[auth.ldap]` says, read by [`LdapDirectory::new`].
#[derive(Clone, PartialEq, Eq)]
pub struct LdapSettings {
    /// `ldaps://host:port` or `ldap://host:port` (StartTLS unless `allow_plaintext`).
    pub url: String,
    /// Plain `ldap://` without StartTLS; only accepted for a loopback host.
    pub allow_plaintext: bool,
    /// PEM file of the CA certificates that sign the server's certificate; `None`: the
    /// system's roots.
    pub ca_file: Option<PathBuf>,
    /// The service account that searches; `None`: anonymous searches.
    pub bind_dn: Option<String>,
    pub bind_password: Option<String>,
    pub user_base: String,
    /// A filter with `{user}`, e.g. `(uid={user})` or `(sAMAccountName={user})`.
    pub user_filter: String,
    /// A DN template with `{user}` (e.g. `uid={user},ou=people,dc=example,dc=org`): bind
    /// with it directly instead of searching.
    pub user_dn: Option<String>,
    pub group_base: String,
    /// A filter with `{dn}` and/or `{user}`, e.g. `(member={dn})`.
    pub group_filter: String,
    /// The attribute that names a group (`cn`); a group without it is named by its DN.
    pub group_name_attribute: String,
    pub nested: Nesting,
    /// The tenant of every user, unless `tenant_attribute` is set.
    pub tenant: String,
    /// An attribute of the user's entry that holds the tenant; a user without it is refused.
    pub tenant_attribute: Option<String>,
    pub connect_timeout: Duration,
    pub operation_timeout: Duration,
    /// How long a successful login is remembered; zero: not at all.
    pub cache_ttl: Duration,
    pub cache_max_entries: usize,
}

impl std::fmt::Debug for LdapSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapSettings")
            .field("url", &self.url)
            .field("bind_dn", &self.bind_dn)
            .field(
                "bind_password",
                &self.bind_password.as_ref().map(|_| "[redacted]"),
            )
            .field("user_base", &self.user_base)
            .field("user_filter", &self.user_filter)
            .field("group_base", &self.group_base)
            .field("group_filter", &self.group_filter)
            .field("nested", &self.nested)
            .finish_non_exhaustive()
    }
}

/// A user the directory vouched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapUser {
    /// The name as presented.
    pub user: String,
    pub dn: String,
    pub tenant: String,
    /// Group names (`group_name_attribute`), sorted, without duplicates.
    pub groups: Vec<String>,
}

/// Why a login was refused: the client gets 401 and these labels go to metrics. Unknown
/// user and wrong password are told apart here only, never to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Empty, oversized or otherwise unusable user name or password.
    Malformed,
    UnknownUser,
    /// The user filter matched more than one entry.
    Ambiguous,
    BadPassword,
    /// `tenant_attribute` is set and the user's entry has none.
    NoTenant,
}

impl Refusal {
    pub fn label(self) -> &'static str {
        match self {
            Refusal::Malformed => "ldap_malformed_credentials",
            Refusal::UnknownUser => "ldap_unknown_user",
            Refusal::Ambiguous => "ldap_ambiguous_user",
            Refusal::BadPassword => "ldap_bad_password",
            Refusal::NoTenant => "ldap_no_tenant",
        }
    }
}

/// What went wrong. [`LdapError::Refused`] is the client's fault (401); every other
/// variant means the answer is unknown (503), never a pass.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LdapError {
    #[error("login refused: {}", .0.label())]
    Refused(Refusal),
    /// A setting is unusable; names the `[auth.ldap]` key.
    #[error("[auth.ldap] {key}: {reason}")]
    Config { key: &'static str, reason: String },
    #[error("LDAP server {url} unreachable: {reason}")]
    Unavailable { url: String, reason: String },
    #[error(
        "TLS with LDAP server {url} failed: {reason} (is its certificate signed by a CA in [auth.ldap] ca_file?)"
    )]
    Tls { url: String, reason: String },
    #[error("LDAP {op} timed out after {secs} s ([auth.ldap] operation_timeout_secs)")]
    Timeout { op: &'static str, secs: u64 },
    /// The service account could not bind: `bind_dn` / `bind_password` are wrong or the
    /// account is locked.
    #[error("LDAP service bind refused (code {rc}): check [auth.ldap] bind_dn and bind_password")]
    ServiceBind { rc: u32 },
    #[error("LDAP {op} failed (code {rc}): {text}")]
    Protocol {
        op: &'static str,
        rc: u32,
        text: String,
    },
}

/// The directory of `[auth.ldap]`: logins and group lookups.
#[derive(Debug)]
pub struct LdapDirectory {
    settings: LdapSettings,
    tls: Option<Arc<rustls::ClientConfig>>,
    starttls: bool,
    cache: cache::LoginCache,
}

impl LdapDirectory {
    /// Checks the settings (URL scheme, plaintext only to loopback, templates, the CA
    /// file) without contacting the server: a directory down at start-up is a 503 per
    /// request, not a gateway that does not start.
    pub fn new(settings: LdapSettings) -> Result<LdapDirectory, LdapError> {
        let url = url::Url::parse(&settings.url).map_err(|e| LdapError::Config {
            key: "url",
            reason: format!("not a URL: {e}"),
        })?;
        let host = url.host_str().unwrap_or_default().to_owned();
        if host.is_empty() {
            return Err(config("url", "names no host"));
        }
        let (tls, starttls) = match url.scheme() {
            "ldaps" => (true, false),
            "ldap" if settings.allow_plaintext => {
                if !is_loopback_host(&host) {
                    return Err(config(
                        "allow_plaintext",
                        "plain ldap:// is only allowed to a loopback host (127.0.0.1, ::1, localhost); use ldaps:// or StartTLS",
                    ));
                }
                (false, false)
            }
            "ldap" => (true, true),
            other => {
                return Err(LdapError::Config {
                    key: "url",
                    reason: format!("scheme `{other}`: expected ldaps:// or ldap:// (StartTLS)"),
                });
            }
        };
        if settings.allow_plaintext && url.scheme() == "ldaps" {
            return Err(config("allow_plaintext", "makes no sense with ldaps://"));
        }
        check_template("user_filter", &settings.user_filter, &["user"], true)?;
        if let Some(dn) = &settings.user_dn {
            check_template("user_dn", dn, &["user"], false)?;
        }
        check_template(
            "group_filter",
            &settings.group_filter,
            &["user", "dn"],
            false,
        )?;
        if settings.bind_dn.is_some() != settings.bind_password.is_some() {
            return Err(config(
                "bind_password",
                "bind_dn and bind_password go together",
            ));
        }
        if settings
            .bind_password
            .as_ref()
            .is_some_and(|p| p.is_empty())
        {
            return Err(config(
                "bind_password",
                "is empty (an empty password is an unauthenticated bind)",
            ));
        }
        if let Nesting::Walk { max_depth } = settings.nested
            && !(1..=16).contains(&max_depth)
        {
            return Err(config("max_depth", "must be 1 to 16"));
        }
        let tls = if tls {
            Some(Arc::new(client_config(settings.ca_file.as_deref())?))
        } else {
            None
        };
        let cache = cache::LoginCache::new(settings.cache_ttl, settings.cache_max_entries);
        Ok(LdapDirectory {
            settings,
            tls,
            starttls,
            cache,
        })
    }

    pub fn settings(&self) -> &LdapSettings {
        &self.settings
    }

    /// Checks `user` and `password` with the directory and returns who they are and their
    /// groups.
    pub async fn login(&self, user: &str, password: &str) -> Result<LdapUser, LdapError> {
        if user.is_empty()
            || password.is_empty()
            || user.len() > MAX_USER_LEN
            || password.len() > MAX_PASSWORD_LEN
            || user.chars().any(char::is_control)
        {
            return Err(LdapError::Refused(Refusal::Malformed));
        }
        let key = self.cache.key("login", user, password);
        if let Some(hit) = self.cache.get(&key, Instant::now()) {
            return Ok(hit);
        }
        let found = self
            .deadline("login", self.login_uncached(user, password))
            .await?;
        self.cache.put(key, found.clone(), Instant::now());
        Ok(found)
    }

    /// The groups of `subject` (searched with `user_filter`), for a principal whose token
    /// carries none; `None` when the directory does not know the subject. Cached like
    /// logins.
    pub async fn resolve_groups(&self, subject: &str) -> Result<Option<LdapUser>, LdapError> {
        if subject.is_empty()
            || subject.len() > MAX_USER_LEN
            || subject.chars().any(char::is_control)
        {
            return Ok(None);
        }
        let key = self.cache.key("groups", subject, "");
        if let Some(hit) = self.cache.get(&key, Instant::now()) {
            return Ok(Some(hit));
        }
        let found = self
            .deadline("group lookup", async {
                let mut ldap = self.connect().await?;
                self.service_bind(&mut ldap).await?;
                let entry = match self.find_user(&mut ldap, subject).await {
                    Ok(entry) => entry,
                    Err(LdapError::Refused(_)) => return Ok(None),
                    Err(e) => return Err(e),
                };
                let found = self.user_of(&mut ldap, subject, entry).await;
                let _ = ldap.unbind().await;
                match found {
                    Ok(u) => Ok(Some(u)),
                    Err(LdapError::Refused(_)) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await?;
        if let Some(u) = &found {
            self.cache.put(key, u.clone(), Instant::now());
        }
        Ok(found)
    }

    /// `work` under the whole-operation deadline: the connect timeout plus a few
    /// operation timeouts (binds, searches, a walk's levels).
    async fn deadline<T>(
        &self,
        op: &'static str,
        work: impl Future<Output = Result<T, LdapError>>,
    ) -> Result<T, LdapError> {
        let levels = match self.settings.nested {
            Nesting::Walk { max_depth } => u32::from(max_depth),
            _ => 1,
        };
        let total = self.settings.connect_timeout + self.settings.operation_timeout * (5 + levels);
        tokio::time::timeout(total, work)
            .await
            .unwrap_or(Err(LdapError::Timeout {
                op,
                secs: total.as_secs(),
            }))
    }

    async fn login_uncached(&self, user: &str, password: &str) -> Result<LdapUser, LdapError> {
        let mut ldap = self.connect().await?;
        let entry = match &self.settings.user_dn {
            Some(template) => {
                let dn = escape::substitute(template, &[("user", &escape::dn_value(user))]);
                self.user_bind(&mut ldap, &dn, password).await?;
                // Bound as the user: read the entry (it may hold the tenant attribute).
                let entry = self.read_entry(&mut ldap, &dn).await?;
                self.service_bind(&mut ldap).await?;
                entry
            }
            None => {
                self.service_bind(&mut ldap).await?;
                let entry = self.find_user(&mut ldap, user).await?;
                self.user_bind(&mut ldap, &entry.dn, password).await?;
                self.service_bind(&mut ldap).await?;
                entry
            }
        };
        let found = self.user_of(&mut ldap, user, entry).await;
        let _ = ldap.unbind().await;
        found
    }

    async fn connect(&self) -> Result<Ldap, LdapError> {
        let mut conn = LdapConnSettings::new().set_conn_timeout(self.settings.connect_timeout);
        if let Some(tls) = &self.tls {
            conn = conn.set_config(tls.clone()).set_starttls(self.starttls);
        }
        let url = &self.settings.url;
        let (driver, ldap) = tokio::time::timeout(
            self.settings.connect_timeout + self.settings.operation_timeout,
            LdapConnAsync::with_settings(conn, url),
        )
        .await
        .map_err(|_| LdapError::Timeout {
            op: "connect",
            secs: self.settings.connect_timeout.as_secs(),
        })?
        .map_err(|e| self.classify(e, "connect"))?;
        // The connection's reader and writer; it ends when `ldap` (and its clones) drop.
        tokio::spawn(async move {
            if let Err(e) = driver.drive().await {
                tracing::debug!(error = %e, "LDAP connection ended");
            }
        });
        Ok(ldap)
    }

    async fn service_bind(&self, ldap: &mut Ldap) -> Result<(), LdapError> {
        let (dn, pw) = match (&self.settings.bind_dn, &self.settings.bind_password) {
            (Some(dn), Some(pw)) => (dn.as_str(), pw.as_str()),
            // Anonymous searches (the directory must allow them).
            _ => ("", ""),
        };
        let result = ldap
            .with_timeout(self.settings.operation_timeout)
            .simple_bind(dn, pw)
            .await
            .map_err(|e| self.classify(e, "service bind"))?;
        match result.rc {
            0 => Ok(()),
            rc @ (49 | 48 | 50 | 53) => Err(LdapError::ServiceBind { rc }),
            rc => Err(self.result_error("service bind", rc, &result.text)),
        }
    }

    async fn user_bind(&self, ldap: &mut Ldap, dn: &str, password: &str) -> Result<(), LdapError> {
        // `login` refused empty passwords; checked again here because an empty password
        // is an unauthenticated bind that servers answer with success.
        if password.is_empty() || dn.is_empty() {
            return Err(LdapError::Refused(Refusal::Malformed));
        }
        let result = ldap
            .with_timeout(self.settings.operation_timeout)
            .simple_bind(dn, password)
            .await
            .map_err(|e| self.classify(e, "bind"))?;
        match result.rc {
            0 => Ok(()),
            // invalidCredentials; with a `user_dn` template an unknown user is this too.
            49 => Err(LdapError::Refused(Refusal::BadPassword)),
            // invalidDNSyntax / noSuchObject: the user's DN does not exist.
            34 | 32 => Err(LdapError::Refused(Refusal::UnknownUser)),
            // inappropriateAuthentication (e.g. an account without a password).
            48 => Err(LdapError::Refused(Refusal::BadPassword)),
            rc => Err(self.result_error("bind", rc, &result.text)),
        }
    }

    fn attributes(&self) -> Vec<&str> {
        let mut attrs = vec!["1.1"];
        if let Some(a) = &self.settings.tenant_attribute {
            attrs = vec![a.as_str()];
        }
        attrs
    }

    async fn find_user(&self, ldap: &mut Ldap, user: &str) -> Result<SearchEntry, LdapError> {
        let filter = escape::substitute(
            &self.settings.user_filter,
            &[("user", &escape::filter_value(user))],
        );
        let result = ldap
            .with_timeout(self.settings.operation_timeout)
            .with_search_options(SearchOptions::new().sizelimit(2))
            .search(
                &self.settings.user_base,
                Scope::Subtree,
                &filter,
                self.attributes(),
            )
            .await
            .map_err(|e| self.classify(e, "user search"))?;
        let ldap3::SearchResult(entries, status) = result;
        match (status.rc, entries.len()) {
            (0, 1) => Ok(SearchEntry::construct(
                entries
                    .into_iter()
                    .next()
                    .ok_or(LdapError::Refused(Refusal::UnknownUser))?,
            )),
            (0 | 32, 0) => Err(LdapError::Refused(Refusal::UnknownUser)),
            // sizeLimitExceeded, or more than one entry: the filter does not name one user.
            (0 | 4, _) => {
                tracing::warn!(
                    "[auth.ldap] user_filter matched more than one entry; login refused"
                );
                Err(LdapError::Refused(Refusal::Ambiguous))
            }
            (rc, _) => Err(self.result_error("user search", rc, &status.text)),
        }
    }

    async fn read_entry(&self, ldap: &mut Ldap, dn: &str) -> Result<SearchEntry, LdapError> {
        let result = ldap
            .with_timeout(self.settings.operation_timeout)
            .search(dn, Scope::Base, "(objectClass=*)", self.attributes())
            .await
            .map_err(|e| self.classify(e, "user read"))?;
        let ldap3::SearchResult(entries, status) = result;
        match status.rc {
            0 => entries
                .into_iter()
                .next()
                .map(SearchEntry::construct)
                .ok_or(LdapError::Refused(Refusal::UnknownUser)),
            32 => Err(LdapError::Refused(Refusal::UnknownUser)),
            rc => Err(self.result_error("user read", rc, &status.text)),
        }
    }

    /// The user's tenant and groups.
    async fn user_of(
        &self,
        ldap: &mut Ldap,
        user: &str,
        entry: SearchEntry,
    ) -> Result<LdapUser, LdapError> {
        let tenant = match &self.settings.tenant_attribute {
            Some(attr) => first_value(&entry, attr)
                .filter(|t| !t.is_empty())
                .ok_or(LdapError::Refused(Refusal::NoTenant))?,
            None => self.settings.tenant.clone(),
        };
        let groups = self.groups(ldap, user, &entry.dn).await?;
        Ok(LdapUser {
            user: user.to_owned(),
            dn: entry.dn,
            tenant,
            groups,
        })
    }

    /// The filter of the groups that contain `member_dn`.
    fn group_filter(&self, user: &str, member_dn: &str) -> String {
        let template = match self.settings.nested {
            Nesting::ActiveDirectory => ad_in_chain(&self.settings.group_filter),
            _ => self.settings.group_filter.clone(),
        };
        escape::substitute(
            &template,
            &[
                ("user", &escape::filter_value(user)),
                ("dn", &escape::filter_value(member_dn)),
            ],
        )
    }

    async fn groups(
        &self,
        ldap: &mut Ldap,
        user: &str,
        user_dn: &str,
    ) -> Result<Vec<String>, LdapError> {
        let name_attr = self.settings.group_name_attribute.as_str();
        // Group DN → name, in the order found.
        let mut found: Vec<(String, String)> = Vec::new();
        let mut frontier = vec![user_dn.to_owned()];
        let depth = match self.settings.nested {
            Nesting::Walk { max_depth } => usize::from(max_depth),
            _ => 1,
        };
        for _level in 0..depth {
            let mut next = Vec::new();
            for batch in frontier.chunks(WALK_BATCH) {
                let clauses: Vec<String> =
                    batch.iter().map(|dn| self.group_filter(user, dn)).collect();
                let filter = if clauses.len() == 1 {
                    clauses.concat()
                } else {
                    format!("(|{})", clauses.concat())
                };
                let result = ldap
                    .with_timeout(self.settings.operation_timeout)
                    .with_search_options(
                        SearchOptions::new().sizelimit(i32::try_from(MAX_GROUPS).unwrap_or(1024)),
                    )
                    .search(
                        &self.settings.group_base,
                        Scope::Subtree,
                        &filter,
                        vec![name_attr],
                    )
                    .await
                    .map_err(|e| self.classify(e, "group search"))?;
                let ldap3::SearchResult(entries, status) = result;
                match status.rc {
                    0 | 32 => {}
                    // More groups than the bound: keep what came, say so.
                    4 => tracing::warn!(max = MAX_GROUPS, "LDAP group search hit the size limit"),
                    rc => return Err(self.result_error("group search", rc, &status.text)),
                }
                for entry in entries.into_iter().map(SearchEntry::construct) {
                    if found.len() >= MAX_GROUPS {
                        break;
                    }
                    if entry.dn.eq_ignore_ascii_case(user_dn)
                        || found
                            .iter()
                            .any(|(dn, _)| dn.eq_ignore_ascii_case(&entry.dn))
                    {
                        // Seen already (a cycle of groups ends here).
                        continue;
                    }
                    let name = first_value(&entry, name_attr).unwrap_or_else(|| entry.dn.clone());
                    next.push(entry.dn.clone());
                    found.push((entry.dn, name));
                }
            }
            if next.is_empty() || found.len() >= MAX_GROUPS {
                break;
            }
            frontier = next;
        }
        let mut names: Vec<String> = found.into_iter().map(|(_, name)| name).collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn result_error(&self, op: &'static str, rc: u32, text: &str) -> LdapError {
        match rc {
            // busy, unavailable, unwillingToPerform, other: the server cannot answer now.
            51 | 52 | 53 | 80 => LdapError::Unavailable {
                url: self.settings.url.clone(),
                reason: format!("{op}: code {rc}: {text}"),
            },
            3 => LdapError::Timeout {
                op,
                secs: self.settings.operation_timeout.as_secs(),
            },
            _ => LdapError::Protocol {
                op,
                rc,
                text: text.chars().take(200).collect(),
            },
        }
    }

    fn classify(&self, e: ldap3::LdapError, op: &'static str) -> LdapError {
        let url = self.settings.url.clone();
        match e {
            ldap3::LdapError::Timeout { .. } => LdapError::Timeout {
                op,
                secs: self.settings.operation_timeout.as_secs(),
            },
            ldap3::LdapError::Io { source } => {
                let tls = source
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>());
                match tls {
                    Some(t) => LdapError::Tls {
                        url,
                        reason: t.to_string(),
                    },
                    None => LdapError::Unavailable {
                        url,
                        reason: format!("{op}: {source}"),
                    },
                }
            }
            ldap3::LdapError::LdapResult { result } => {
                self.result_error(op, result.rc, &result.text)
            }
            other => LdapError::Unavailable {
                url,
                reason: format!("{op}: {other}"),
            },
        }
    }
}

/// The user name and password of an `Authorization: Basic` value (`Basic base64(user:pass)`,
/// RFC 7617; the scheme name in any case). `None` when the value is another scheme;
/// `Some(Err)` when it is Basic but does not decode to UTF-8 `user:password`.
pub fn basic_credentials(value: &str) -> Option<Result<(String, String), Refusal>> {
    use base64::Engine;
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    Some(
        decoded
            .as_deref()
            .and_then(|d| d.split_once(':'))
            .map(|(u, p)| (u.to_owned(), p.to_owned()))
            .ok_or(Refusal::Malformed),
    )
}

fn config(key: &'static str, reason: &str) -> LdapError {
    LdapError::Config {
        key,
        reason: reason.to_owned(),
    }
}

/// `template` with each plain equality on `member` turned into Active Directory's
/// in-chain rule, so `(member={dn})` finds nested groups too. A template that already
/// names the rule is kept.
fn ad_in_chain(template: &str) -> String {
    if template.contains("1.2.840.113556.1.4.1941") {
        return template.to_owned();
    }
    template.replace("(member=", "(member:1.2.840.113556.1.4.1941:=")
}

fn check_template(
    key: &'static str,
    template: &str,
    allowed: &[&str],
    filter_must_use_user: bool,
) -> Result<(), LdapError> {
    let names = escape::placeholders(template);
    if let Some(bad) = names.iter().find(|n| !allowed.contains(n)) {
        return Err(LdapError::Config {
            key,
            reason: format!(
                "unknown placeholder `{{{bad}}}` (allowed: {})",
                allowed
                    .iter()
                    .map(|a| format!("{{{a}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    if names.is_empty() || (filter_must_use_user && !names.contains(&"user")) {
        return Err(LdapError::Config {
            key,
            reason: format!(
                "must contain {}",
                allowed
                    .iter()
                    .map(|a| format!("{{{a}}}"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        });
    }
    if key.ends_with("filter") && !escape::looks_like_filter(template) {
        return Err(config(key, "is not one parenthesised LDAP filter"));
    }
    Ok(())
}

fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(rampart_core::net::is_loopback)
}

fn first_value(entry: &SearchEntry, attr: &str) -> Option<String> {
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first().cloned())
}

/// The TLS client settings: the CAs of `ca_file`, else the system's roots; aws-lc-rs.
fn client_config(ca_file: Option<&std::path::Path>) -> Result<rustls::ClientConfig, LdapError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<_, _>>())
                .map_err(|e| LdapError::Config {
                    key: "ca_file",
                    reason: format!("{}: {e}", path.display()),
                })?;
            if certs.is_empty() {
                return Err(LdapError::Config {
                    key: "ca_file",
                    reason: format!("{}: no PEM certificate in it", path.display()),
                });
            }
            for c in certs {
                roots.add(c).map_err(|e| LdapError::Config {
                    key: "ca_file",
                    reason: format!("{}: {e}", path.display()),
                })?;
            }
        }
        None => {
            let native = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(native.certs);
            if added == 0 {
                return Err(config(
                    "ca_file",
                    "not set and no system CA certificate could be loaded",
                ));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| LdapError::Config {
            key: "ca_file",
            reason: e.to_string(),
        })
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
}

#[cfg(test)]
mod tests;
