//! How a URL is shown: in errors, logs and tables, never with its credentials.
//!
//! Storage, Redis and remote-source URLs carry passwords (`postgres://user:pw@host`),
//! tokens (`https://TOKEN@host/repo.git`) and secrets in their query
//! (`?sslpassword=…`, `?token=…`, signed `X-Amz-Signature=…`). Every URL the program
//! prints goes through [`redact_url`], which works on text that is not a valid URL too
//! (an unsupported scheme is exactly when a URL gets echoed back).

use std::borrow::Cow;

/// What replaces a credential.
pub const REDACTED: &str = "***";

/// Schemes where a userinfo without `:` is a role name, not a token.
const DATABASE_SCHEMES: &[&str] = &["postgres", "postgresql", "mysql"];

/// Query parameter names (lower-cased substrings) whose values are credentials.
const SECRET_PARAMS: &[&str] = &[
    "pass",
    "pwd",
    "token",
    "secret",
    "key",
    "sig",
    "auth",
    "credential",
    "session",
];

/// `url` with the userinfo password (or a lone userinfo, which is usually a token)
/// replaced by `***` and the values of credential-like query parameters likewise;
/// everything else is kept so that the URL still says which server and database it names.
pub fn redact_url(url: &str) -> Cow<'_, str> {
    let (before_query, query_and_fragment) = match url.find(['?', '#']) {
        Some(i) => url.split_at(i),
        None => (url, ""),
    };
    let mut out = String::with_capacity(url.len());
    let mut changed = false;

    // Userinfo: between `://` and the last `@` of the authority.
    match before_query.find("://") {
        Some(scheme_end) => {
            let authority_start = scheme_end + 3;
            let rest = &before_query[authority_start..];
            let authority_len = rest.find('/').unwrap_or(rest.len());
            let authority = &rest[..authority_len];
            out.push_str(&before_query[..authority_start]);
            match authority.rfind('@') {
                Some(at) => {
                    let userinfo = &authority[..at];
                    let scheme = before_query[..scheme_end].to_ascii_lowercase();
                    if let Some((user, _password)) = userinfo.split_once(':') {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(REDACTED);
                        changed = true;
                    } else if DATABASE_SCHEMES.contains(&scheme.as_str()) {
                        // A database role name alone is not a secret, and says who failed.
                        out.push_str(userinfo);
                    } else {
                        out.push_str(REDACTED);
                        changed = true;
                    }
                    out.push_str(&authority[at..]);
                }
                None => out.push_str(authority),
            }
            out.push_str(&rest[authority_len..]);
        }
        None => out.push_str(before_query),
    }

    // Query: `name=value` pairs separated by `&` or `;`, up to a fragment.
    if let Some(query) = query_and_fragment.strip_prefix('?') {
        out.push('?');
        let (query, fragment) = match query.find('#') {
            Some(i) => query.split_at(i),
            None => (query, ""),
        };
        let mut rest = query;
        while !rest.is_empty() {
            let end = rest.find(['&', ';']).unwrap_or(rest.len());
            let pair = &rest[..end];
            match pair.split_once('=') {
                Some((name, value)) if !value.is_empty() && is_secret_param(name) => {
                    out.push_str(name);
                    out.push('=');
                    out.push_str(REDACTED);
                    changed = true;
                }
                _ => out.push_str(pair),
            }
            if end < rest.len() {
                out.push_str(&rest[end..end + 1]);
                rest = &rest[end + 1..];
            } else {
                rest = "";
            }
        }
        out.push_str(fragment);
    } else {
        out.push_str(query_and_fragment);
    }

    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(url)
    }
}

fn is_secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAMS.iter().any(|s| name.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_passwords_and_lone_tokens_are_redacted() {
        assert_eq!(
            redact_url("postgres://rampart:hunter2@db.internal:5432/rampart"),
            "postgres://rampart:***@db.internal:5432/rampart"
        );
        assert_eq!(
            redact_url("mysql://root:p@ss:w@rd@db/x"),
            "mysql://root:***@db/x",
            "the last @ ends the userinfo"
        );
        assert_eq!(
            redact_url("https://ghp_abcdef@github.com/org/repo.git"),
            "https://***@github.com/org/repo.git"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1:5432/test"),
            "postgres://postgres@127.0.0.1:5432/test",
            "a role name alone stays"
        );
        assert_eq!(
            redact_url("redis://:s3cret@cache:6379/0"),
            "redis://:***@cache:6379/0"
        );
    }

    #[test]
    fn credential_query_parameters_are_redacted() {
        assert_eq!(
            redact_url(
                "postgres://db/x?user=a&password=hunter2&sslpassword=k3y;sslmode=require#frag"
            ),
            "postgres://db/x?user=a&password=***&sslpassword=***;sslmode=require#frag"
        );
        assert_eq!(
            redact_url(
                "https://h/o?X-Amz-Signature=abc&X-Amz-Credential=AKIA&access_token=t&api_key=k&a=1"
            ),
            "https://h/o?X-Amz-Signature=***&X-Amz-Credential=***&access_token=***&api_key=***&a=1"
        );
        assert_eq!(
            redact_url("sqlite:x.db?Token=t"),
            "sqlite:x.db?Token=***",
            "no authority, still a query"
        );
    }

    #[test]
    fn urls_without_credentials_are_borrowed_unchanged() {
        for url in [
            "sqlite://rampart.db",
            "sqlite::memory:",
            "postgres://db.internal/rampart?sslmode=require",
            "https://host/a@b/c?x=1",
            "not a url at all",
            "",
            "postgres://user@/x?password=",
        ] {
            assert!(
                matches!(redact_url(url), Cow::Borrowed(s) if s == url),
                "{url}"
            );
        }
    }
}
