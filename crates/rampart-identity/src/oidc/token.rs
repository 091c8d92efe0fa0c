//! The compact JWS form, read before any key is tried: three base64url parts, a JSON header
//! (`alg`, `kid`, no `crit` extension) and a JSON object payload whose `iss` selects the
//! issuer. Nothing read here is trusted until the signature over it verifies.

use super::{SigningAlg, TokenRefusal};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// Tokens longer than this are refused unread (identity providers issue a few KiB; an
/// Entra ID token with many groups stays under 8 KiB because of the overage rule).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// A token split and decoded, not yet verified.
#[derive(Debug)]
pub struct Parsed<'t> {
    /// `header.payload`: the signed bytes.
    message: &'t str,
    signature: &'t str,
    alg: String,
    kid: Option<String>,
    claims: Map<String, Value>,
    issuer: String,
}

pub fn looks_like_jwt(credential: &str) -> bool {
    credential.len() <= MAX_TOKEN_LEN
        && credential.starts_with("eyJ")
        && credential.bytes().filter(|b| *b == b'.').count() == 2
}

fn decode_json(part: &str) -> Result<Map<String, Value>, TokenRefusal> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenRefusal::Malformed)?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(TokenRefusal::Malformed),
    }
}

impl<'t> Parsed<'t> {
    pub fn new(token: &'t str) -> Result<Self, TokenRefusal> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenRefusal::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenRefusal::Malformed);
        };
        let header_map = decode_json(header)?;
        let claims = decode_json(payload)?;
        // A critical extension is one this verifier would have to understand (RFC 7515
        // §4.1.11); none is, so a token that lists one is refused.
        if header_map.contains_key("crit") {
            return Err(TokenRefusal::Malformed);
        }
        let alg = match header_map.get("alg") {
            Some(Value::String(a)) => a.clone(),
            _ => return Err(TokenRefusal::Malformed),
        };
        let kid = match header_map.get("kid") {
            None => None,
            Some(Value::String(k)) => Some(k.clone()),
            Some(_) => return Err(TokenRefusal::Malformed),
        };
        let issuer = match claims.get("iss") {
            Some(Value::String(i)) => i.clone(),
            _ => return Err(TokenRefusal::UnknownIssuer),
        };
        Ok(Parsed {
            message: &token[..header.len() + 1 + payload.len()],
            signature,
            alg,
            kid,
            claims,
            issuer,
        })
    }

    /// The unverified `iss`: only used to choose the issuer whose keys must verify it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The header's `alg` if the issuer allows it. `none`, HMAC and anything unlisted are
    /// refused here, before a key is looked at.
    pub fn algorithm(&self, allowed: &[SigningAlg]) -> Result<SigningAlg, TokenRefusal> {
        SigningAlg::from_name(&self.alg)
            .filter(|a| allowed.contains(a))
            .ok_or(TokenRefusal::AlgorithmRefused)
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    pub fn message(&self) -> &[u8] {
        self.message.as_bytes()
    }

    pub fn signature(&self) -> &str {
        self.signature
    }

    /// The payload; trusted only after the signature check.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }
}
