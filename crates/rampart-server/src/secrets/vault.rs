//! `vault:MOUNT/PATH#KEY`: HashiCorp Vault's KV version 2 (`GET /v1/MOUNT/data/PATH`,
//! the value at `data.data.KEY`), with a token or an AppRole login
//! (`POST /v1/auth/approle/login`), as Vault documents its HTTP API.

use rampart_gateway::config::VaultConfig;
use rampart_identity::oidc::Fetcher;

/// Whether a path segment is plain (no `..`, no characters a URL would reinterpret).
fn plain(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `MOUNT/PATH#KEY` → (mount, path, key).
pub fn parse(reference: &str) -> Result<(&str, &str, &str), String> {
    let (path, key) = match super::split_key(reference) {
        (p, Some(k)) if !k.is_empty() => (p, k),
        _ => return Err("expected `vault:MOUNT/PATH#KEY`".to_owned()),
    };
    let (mount, rest) = path
        .split_once('/')
        .ok_or("expected `vault:MOUNT/PATH#KEY`")?;
    if !plain(mount) || !rest.split('/').all(plain) {
        return Err("a path segment is empty, `..` or has characters other than letters, digits, `-`, `_` and `.`".to_owned());
    }
    Ok((mount, rest, key))
}

/// Fetches `MOUNT/PATH#KEY`.
pub async fn fetch(reference: &str, config: &VaultConfig) -> Result<String, String> {
    let (mount, path, key) = parse(reference)?;
    let base = reqwest::Url::parse(&config.address).map_err(|e| format!("bad address: {e}"))?;
    let host = base.host_str().ok_or("the address has no host")?.to_owned();
    let fetcher = Fetcher::new(&[host], config.allow_private_network, super::FETCH_TIMEOUT)?;
    let address = config.address.trim_end_matches('/');
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(ns) = &config.namespace {
        headers.push(("x-vault-namespace", ns.as_str()));
    }
    let token = match (&config.token, &config.role_id, &config.secret_id) {
        (Some(token), _, _) => token.expose().into_owned(),
        (None, Some(role_id), Some(secret_id)) => {
            let mount = config.approle_mount.as_deref().unwrap_or("approle");
            let body = serde_json::json!({"role_id": role_id, "secret_id": secret_id.expose()})
                .to_string()
                .into_bytes();
            let mut login_headers = headers.clone();
            login_headers.push(("content-type", "application/json"));
            let answer = fetcher
                .send_json(
                    reqwest::Method::POST,
                    &format!("{address}/v1/auth/{mount}/login"),
                    &login_headers,
                    Some(body),
                )
                .await
                .map_err(|e| format!("AppRole login: {e}"))?;
            answer["auth"]["client_token"]
                .as_str()
                .ok_or("AppRole login: the answer has no auth.client_token")?
                .to_owned()
        }
        _ => return Err("[secrets.vault] needs `token`, or `role_id` and `secret_id`".to_owned()),
    };
    headers.push(("x-vault-token", token.as_str()));
    let answer = fetcher
        .send_json(
            reqwest::Method::GET,
            &format!("{address}/v1/{mount}/data/{path}"),
            &headers,
            None,
        )
        .await?;
    answer["data"]["data"][key]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("the secret has no string field `{key}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_mount_path_and_key_and_nothing_else() {
        assert_eq!(
            parse("secret/prod/openai#api_key").unwrap(),
            ("secret", "prod/openai", "api_key")
        );
        for bad in [
            "secret/openai",
            "secret#k",
            "secret/../sys#k",
            "secret/a b#k",
            "/x#k",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
