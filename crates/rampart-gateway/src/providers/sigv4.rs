//! AWS Signature Version 4 for requests to Bedrock, tested against AWS's published
//! test-suite vectors (`get-vanilla`, `get-vanilla-query-order-key-case`, `post-vanilla`).
//!
//! Canonical request → string to sign → HMAC-SHA256 chain over date, region, service and
//! `aws4_request`. Path segments are URI-encoded once more on top of their wire encoding,
//! as every service but S3 expects; the payload hash is always sent as
//! `x-amz-content-sha256`'s value in the canonical request.

use hmac::{Hmac, Mac};
use rampart_core::calendar::UtcDateTime;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Who signs, and for which scope.
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
    pub service: &'a str,
}

/// The signature of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub signed_headers: String,
    pub signature: String,
    /// The complete `Authorization` header value.
    pub authorization: String,
}

impl Signer<'_> {
    /// Sign a request. `path` is the path as sent on the wire (already percent-encoded),
    /// `query` the raw query string without `?`, `headers` every header to sign (it must
    /// include `host` and `x-amz-date`), `amz_date` the `YYYYMMDDTHHMMSSZ` time.
    pub fn sign(
        &self,
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        payload: &[u8],
        amz_date: &str,
    ) -> Signature {
        let mut canon_headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.to_ascii_lowercase(),
                    v.split_whitespace().collect::<Vec<_>>().join(" "),
                )
            })
            .collect();
        canon_headers.sort();
        let signed_headers = canon_headers
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let mut canonical = String::with_capacity(256);
        canonical.push_str(method);
        canonical.push('\n');
        canonical.push_str(&canonical_uri(path));
        canonical.push('\n');
        canonical.push_str(&canonical_query(query));
        canonical.push('\n');
        for (k, v) in &canon_headers {
            canonical.push_str(k);
            canonical.push(':');
            canonical.push_str(v);
            canonical.push('\n');
        }
        canonical.push('\n');
        canonical.push_str(&signed_headers);
        canonical.push('\n');
        canonical.push_str(&hex::encode(Sha256::digest(payload)));

        let date = amz_date.get(..8).unwrap_or(amz_date);
        let scope = format!("{date}/{}/{}/aws4_request", self.region, self.service);
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut key = hmac(
            format!("AWS4{}", self.secret_access_key).as_bytes(),
            date.as_bytes(),
        );
        for part in [self.region, self.service, "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        let signature = hex::encode(hmac(&key, string_to_sign.as_bytes()));
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            self.access_key_id
        );
        Signature {
            signed_headers,
            signature,
            authorization,
        }
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 encoding with AWS's unreserved set.
pub fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    path.split('/')
        .map(uri_encode)
        .collect::<Vec<_>>()
        .join("/")
}

fn canonical_query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (uri_encode(k), uri_encode(v))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `(year, month, day, hour, minute, second)` in UTC for a Unix time
/// ([`rampart_core::calendar`]).
pub fn civil_from_unix(secs: u64) -> (u64, u64, u64, u64, u64, u64) {
    let t = UtcDateTime::from_unix(i64::try_from(secs).unwrap_or(i64::MAX));
    (
        // A Unix time in u64 is never before year 0.
        u64::try_from(t.year).unwrap_or_default(),
        u64::from(t.month),
        u64::from(t.day),
        u64::from(t.hour),
        u64::from(t.minute),
        u64::from(t.second),
    )
}

/// `YYYYMMDDTHHMMSSZ` for now.
pub fn amz_date_now() -> String {
    let (y, mo, d, h, mi, s) = civil_from_unix(super::unix_now());
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUITE: Signer<'static> = Signer {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        region: "us-east-1",
        service: "service",
    };
    const HEADERS: [(&str, &str); 2] = [
        ("Host", "example.amazonaws.com"),
        ("X-Amz-Date", "20150830T123600Z"),
    ];
    const CRED: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=";

    #[test]
    fn get_vanilla() {
        let s = SUITE.sign("GET", "/", "", &HEADERS, b"", "20150830T123600Z");
        assert_eq!(
            s.authorization,
            format!("{CRED}5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        );
    }

    #[test]
    fn get_vanilla_query_order_key_case() {
        let s = SUITE.sign(
            "GET",
            "/",
            "Param2=value2&Param1=value1",
            &HEADERS,
            b"",
            "20150830T123600Z",
        );
        assert_eq!(
            s.signature,
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
    }

    #[test]
    fn post_vanilla() {
        let s = SUITE.sign("POST", "/", "", &HEADERS, b"", "20150830T123600Z");
        assert_eq!(
            s.signature,
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
    }

    #[test]
    fn bedrock_model_ids_are_encoded_twice_in_the_canonical_path() {
        assert_eq!(
            canonical_uri("/model/anthropic.claude-v2%3A1/converse"),
            "/model/anthropic.claude-v2%253A1/converse"
        );
    }

    #[test]
    fn civil_time_matches_known_dates() {
        assert_eq!(civil_from_unix(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil_from_unix(1_440_938_160), (2015, 8, 30, 12, 36, 0));
        assert_eq!(civil_from_unix(951_782_400), (2000, 2, 29, 0, 0, 0));
    }
}
