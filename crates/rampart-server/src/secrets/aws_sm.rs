//! `aws-sm:NAME_OR_ARN[#JSON_KEY]`: AWS Secrets Manager's `GetSecretValue`, signed with
//! the Bedrock provider's SigV4 signer (`rampart_gateway::providers::sigv4`, the one
//! copy), credentials from the standard chain (environment, then a profile of the shared
//! credentials file).

use rampart_gateway::config::AwsSecretsConfig;
use rampart_gateway::providers::sigv4::{Signer, amz_date_now};
use rampart_identity::oidc::Fetcher;

/// AWS credentials, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AwsCredentials(***)")
    }
}

/// The standard chain: `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+
/// `AWS_SESSION_TOKEN`), else the profile (`[secrets.aws] profile`, else `AWS_PROFILE`,
/// else `default`) of the shared credentials file (`[secrets.aws] credentials_file`, else
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`).
pub fn credentials(config: &AwsSecretsConfig) -> Result<AwsCredentials, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if config.credentials_file.is_none()
        && let (Some(id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"))
    {
        return Ok(AwsCredentials {
            access_key_id: id,
            secret_access_key: secret,
            session_token: env("AWS_SESSION_TOKEN"),
        });
    }
    let path = config
        .credentials_file
        .clone()
        .or_else(|| env("AWS_SHARED_CREDENTIALS_FILE"))
        .or_else(|| env("HOME").map(|h| format!("{h}/.aws/credentials")))
        .ok_or(
            "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile",
        )?;
    let profile = config
        .profile
        .clone()
        .or_else(|| env("AWS_PROFILE"))
        .unwrap_or_else(|| "default".to_owned());
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "no AWS credentials in the environment, and the credentials file cannot be read ({})",
            e.kind()
        )
    })?;
    profile_credentials(&text, &profile)
        .ok_or_else(|| format!("the credentials file has no complete profile `{profile}`"))
}

/// The keys of `[profile]` in an INI credentials file.
fn profile_credentials(text: &str, profile: &str) -> Option<AwsCredentials> {
    let mut in_profile = false;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_profile = name.trim() == profile;
            continue;
        }
        if !in_profile {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().to_owned();
            match k.trim() {
                "aws_access_key_id" => id = Some(v),
                "aws_secret_access_key" => secret = Some(v),
                "aws_session_token" => token = Some(v),
                _ => {}
            }
        }
    }
    Some(AwsCredentials {
        access_key_id: id?,
        secret_access_key: secret?,
        session_token: token,
    })
}

/// The region of an ARN (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME`).
fn arn_region(id: &str) -> Option<&str> {
    let mut parts = id.split(':');
    (parts.next() == Some("arn")).then_some(())?;
    let _partition = parts.next()?;
    (parts.next() == Some("secretsmanager")).then_some(())?;
    parts.next().filter(|r| !r.is_empty())
}

/// Fetches `NAME_OR_ARN[#JSON_KEY]`.
pub async fn fetch(reference: &str, config: &AwsSecretsConfig) -> Result<String, String> {
    let (id, key) = super::split_key(reference);
    if id.is_empty() {
        return Err("no secret name".to_owned());
    }
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let region = arn_region(id)
        .map(str::to_owned)
        .or_else(|| config.region.clone())
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .ok_or("no region: use an ARN, set [secrets.aws] region or AWS_REGION")?;
    let creds = credentials(config)?;
    let endpoint = config
        .endpoint
        .clone()
        .unwrap_or_else(|| format!("https://secretsmanager.{region}.amazonaws.com"));
    let url = reqwest::Url::parse(&endpoint).map_err(|e| format!("bad endpoint: {e}"))?;
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => return Err("the endpoint has no host".to_owned()),
    };
    let fetcher = Fetcher::new(
        &[url.host_str().unwrap_or_default().to_owned()],
        config.allow_private_network,
        super::FETCH_TIMEOUT,
    )?;
    let body = serde_json::json!({ "SecretId": id })
        .to_string()
        .into_bytes();
    let amz_date = amz_date_now();
    let mut headers: Vec<(&str, &str)> = vec![
        ("host", host.as_str()),
        ("x-amz-date", amz_date.as_str()),
        ("x-amz-target", "secretsmanager.GetSecretValue"),
        ("content-type", "application/x-amz-json-1.1"),
    ];
    if let Some(t) = &creds.session_token {
        headers.push(("x-amz-security-token", t.as_str()));
    }
    let signer = Signer {
        access_key_id: &creds.access_key_id,
        secret_access_key: &creds.secret_access_key,
        region: &region,
        service: "secretsmanager",
    };
    let path = if url.path().is_empty() {
        "/"
    } else {
        url.path()
    };
    let signature = signer.sign("POST", path, "", &headers, &body, &amz_date);
    let mut send: Vec<(&str, &str)> = headers.into_iter().filter(|(k, _)| *k != "host").collect();
    send.push(("authorization", signature.authorization.as_str()));
    let answer = fetcher
        .send_json(reqwest::Method::POST, url.as_str(), &send, Some(body))
        .await?;
    let text = answer
        .get("SecretString")
        .and_then(|v| v.as_str())
        .ok_or("the answer has no SecretString (binary secrets are not supported)")?;
    match key {
        Some(k) => super::json_field(text, k),
        None => Ok(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arn_names_its_region() {
        assert_eq!(
            arn_region("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/openai-AbCdEf"),
            Some("eu-west-1")
        );
        assert_eq!(arn_region("prod/openai"), None);
        assert_eq!(arn_region("arn:aws:s3:::bucket"), None);
    }

    #[test]
    fn a_profile_is_read_from_the_credentials_file() {
        let text = "[default]\naws_access_key_id = A\naws_secret_access_key = S\n\n[ci]\naws_access_key_id=B\naws_secret_access_key=T\naws_session_token = X\n";
        let ci = profile_credentials(text, "ci").unwrap();
        assert_eq!(
            (ci.access_key_id.as_str(), ci.session_token.as_deref()),
            ("B", Some("X"))
        );
        assert_eq!(
            profile_credentials(text, "default").unwrap().access_key_id,
            "A"
        );
        assert!(profile_credentials(text, "missing").is_none());
        assert_eq!(format!("{ci:?}"), "AwsCredentials(***)");
    }
}
