//! Signed checkpoints of the audit tree: the C2SP `tlog-checkpoint` body in a C2SP
//! `signed-note`, signed with Ed25519.
//!
//! ```text
//! rampart-audit                                   ← origin
//! 1234                                            ← tree size (records)
//! 8PiDmU4/7mpBg4NuK1Ph1E1v/9cM+zC1Hs0Ts4G0eV8=    ← root hash, base64
//!                                                 ← blank line ends the signed text
//! — rampart-audit Gk9sPQ…                         ← em dash, key name, base64(key hash ‖ signature)
//! ```
//!
//! The signature covers the text above the blank line, final newline included. The key
//! hash is the first 4 bytes of `SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key)` (0x01: the
//! Ed25519 signature type); the verifier key, as `note` tools print it, is
//! `NAME+HEX(key hash)+base64(0x01 ‖ public key)` ([`CheckpointSigner::verifier_key`]).

use crate::merkle::Hash;
use aws_lc_rs::signature::{self, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

/// The signature-line prefix: an em dash and a space.
const SIG_PREFIX: &str = "\u{2014} ";
/// Signature type byte of Ed25519 in C2SP signed-note.
const ED25519: u8 = 0x01;
/// Largest note accepted when reading one (a checkpoint is a few hundred bytes).
const MAX_NOTE: usize = 64 * 1024;
/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Why a key or checkpoint was refused. Never carries key material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointError {
    #[error(
        "not an Ed25519 private key in PKCS#8 PEM (as `openssl genpkey -algorithm ed25519` writes)"
    )]
    BadPrivateKey,
    #[error(
        "not an Ed25519 public key: expected a PEM public key (`openssl pkey -pubout`) or a verifier key NAME+HASH+BASE64"
    )]
    BadPublicKey,
    #[error(
        "bad checkpoint origin or key name: must be non-empty, without spaces, `+` or newlines"
    )]
    BadName,
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    #[error("no signature on the checkpoint verifies with the given key")]
    BadSignature,
}

/// A checkpoint's content: which log, how many records, which root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The signed text: origin, size and base64 root, one per line.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// Reads a checkpoint note *without* checking its signatures (see
    /// [`CheckpointVerifier::verify`]). Returns the content and the signed text.
    pub fn parse_unverified(note: &str) -> Result<(Checkpoint, &str, Vec<&str>), CheckpointError> {
        if note.len() > MAX_NOTE {
            return Err(CheckpointError::Malformed("larger than 64 KiB"));
        }
        let split = note.find("\n\n").ok_or(CheckpointError::Malformed(
            "no blank line before the signatures",
        ))?;
        let (text, sigs) = (&note[..=split], &note[split + 2..]);
        let mut lines = text.lines();
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(CheckpointError::Malformed("no origin line"))?;
        let size = lines
            .next()
            .and_then(|s| {
                // Decimal, no sign or leading zeros (C2SP tlog-checkpoint).
                (s == "0" || (!s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit())))
                    .then(|| s.parse::<u64>().ok())
                    .flatten()
            })
            .ok_or(CheckpointError::Malformed(
                "tree size is not a decimal number",
            ))?;
        let root = lines
            .next()
            .and_then(|r| B64.decode(r).ok())
            .and_then(|r| <[u8; 32]>::try_from(r).ok())
            .ok_or(CheckpointError::Malformed(
                "root hash is not 32 bytes of base64",
            ))?;
        let sig_lines: Vec<&str> = sigs.lines().filter(|l| !l.is_empty()).collect();
        if sig_lines.is_empty() {
            return Err(CheckpointError::Malformed("no signature line"));
        }
        Ok((
            Checkpoint {
                origin: origin.to_owned(),
                size,
                root,
            },
            text,
            sig_lines,
        ))
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// The 4-byte key hash of signed-note: `SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[..4]`.
fn key_hash(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The DER inside the first PEM block labelled `label`.
fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let b64: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    B64.decode(b64).ok()
}

/// Signs checkpoints with an Ed25519 key.
pub struct CheckpointSigner {
    name: String,
    key: Ed25519KeyPair,
    public: [u8; 32],
    key_hash: [u8; 4],
}

impl std::fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointSigner")
            .field("name", &self.name)
            .field("key_hash", &crate::chain::to_hex_bytes(&self.key_hash))
            .finish_non_exhaustive()
    }
}

impl CheckpointSigner {
    /// A signer named `name` (the origin of its checkpoints) from a PKCS#8 PEM private
    /// key (v1, as OpenSSL writes it, or v2).
    pub fn from_pkcs8_pem(name: &str, pem: &str) -> Result<Self, CheckpointError> {
        if !valid_name(name) {
            return Err(CheckpointError::BadName);
        }
        let der = pem_body(pem, "PRIVATE KEY").ok_or(CheckpointError::BadPrivateKey)?;
        let key = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
            .map_err(|_| CheckpointError::BadPrivateKey)?;
        let public: [u8; 32] = key
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| CheckpointError::BadPrivateKey)?;
        Ok(CheckpointSigner {
            name: name.to_owned(),
            key_hash: key_hash(name, &public),
            key,
            public,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key to publish: `NAME+HEX(key hash)+base64(0x01 ‖ public key)`.
    pub fn verifier_key(&self) -> String {
        let mut typed = vec![ED25519];
        typed.extend_from_slice(&self.public);
        format!(
            "{}+{}+{}",
            self.name,
            crate::chain::to_hex_bytes(&self.key_hash),
            B64.encode(typed)
        )
    }

    /// The signed note of a tree of `size` records with root `root`.
    pub fn sign(&self, size: u64, root: &Hash) -> String {
        let body = Checkpoint {
            origin: self.name.clone(),
            size,
            root: *root,
        }
        .body();
        let sig = self.key.sign(body.as_bytes());
        let mut blob = self.key_hash.to_vec();
        blob.extend_from_slice(sig.as_ref());
        format!("{body}\n{SIG_PREFIX}{} {}\n", self.name, B64.encode(blob))
    }
}

/// Checks checkpoint signatures against one Ed25519 public key.
#[derive(Debug, Clone)]
pub struct CheckpointVerifier {
    /// The key name, when the key came as a verifier key (a PEM key has none: any
    /// signature line whose key hash matches its name and this key is tried).
    name: Option<String>,
    public: [u8; 32],
}

impl CheckpointVerifier {
    /// From a verifier key `NAME+HASH+BASE64`, or a PEM `PUBLIC KEY` (SPKI).
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let text = text.trim();
        if text.contains("-----BEGIN PUBLIC KEY-----") {
            let der = pem_body(text, "PUBLIC KEY").ok_or(CheckpointError::BadPublicKey)?;
            let key = der
                .strip_prefix(&SPKI_PREFIX[..])
                .and_then(|k| <[u8; 32]>::try_from(k).ok())
                .ok_or(CheckpointError::BadPublicKey)?;
            return Ok(CheckpointVerifier {
                name: None,
                public: key,
            });
        }
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(hash), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CheckpointError::BadPublicKey);
        };
        if !valid_name(name) {
            return Err(CheckpointError::BadPublicKey);
        }
        let typed = B64.decode(key).map_err(|_| CheckpointError::BadPublicKey)?;
        let public = match typed.split_first() {
            Some((&ED25519, k)) => {
                <[u8; 32]>::try_from(k).map_err(|_| CheckpointError::BadPublicKey)?
            }
            _ => return Err(CheckpointError::BadPublicKey),
        };
        if crate::chain::to_hex_bytes(&key_hash(name, &public)) != hash {
            return Err(CheckpointError::BadPublicKey);
        }
        Ok(CheckpointVerifier {
            name: Some(name.to_owned()),
            public,
        })
    }

    /// Parses `note` and checks that one of its signatures is by this key; returns its
    /// content. Signatures by other keys are ignored (a note may carry witnesses').
    pub fn verify(&self, note: &str) -> Result<Checkpoint, CheckpointError> {
        let (checkpoint, text, sigs) = Checkpoint::parse_unverified(note)?;
        let key = UnparsedPublicKey::new(&signature::ED25519, &self.public);
        for line in sigs {
            let Some(rest) = line.strip_prefix(SIG_PREFIX) else {
                return Err(CheckpointError::Malformed("signature line without `— `"));
            };
            let Some((name, b64)) = rest.split_once(' ') else {
                return Err(CheckpointError::Malformed(
                    "signature line without a key name",
                ));
            };
            if self.name.as_deref().is_some_and(|n| n != name) {
                continue;
            }
            let Ok(blob) = B64.decode(b64) else { continue };
            if blob.len() != 4 + 64 || blob[..4] != key_hash(name, &self.public) {
                continue;
            }
            if key.verify(text.as_bytes(), &blob[4..]).is_ok() {
                return Ok(checkpoint);
            }
        }
        Err(CheckpointError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032 §7.1 test 1's secret key as PKCS#8 v1 PEM (what `openssl genpkey` writes).
    pub(crate) const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
-----END PRIVATE KEY-----
";
    /// `openssl pkey -pubout` of [`TEST_KEY`].
    const TEST_PUB: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
-----END PUBLIC KEY-----
";

    #[test]
    fn rfc_8032_test_key_signs_notes_that_verify_with_pem_and_verifier_keys() {
        let signer = CheckpointSigner::from_pkcs8_pem("example.com/log", TEST_KEY).unwrap();
        // RFC 8032 §7.1 test 1's public key: the PEM above is its secret key.
        assert!(signer.verifier_key().ends_with(&B64.encode({
            let mut v = vec![1u8];
            v.extend_from_slice(
                &crate::chain::from_hex(
                    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                )
                .unwrap(),
            );
            v
        })));
        let root = crate::merkle::leaf_hash(b"x");
        let note = signer.sign(42, &root);
        let lines: Vec<&str> = note.lines().collect();
        assert_eq!(lines[0], "example.com/log");
        assert_eq!(lines[1], "42");
        assert_eq!(lines[2], B64.encode(root));
        assert_eq!(lines[3], "");
        assert!(lines[4].starts_with("\u{2014} example.com/log "));
        for key in [TEST_PUB.to_owned(), signer.verifier_key()] {
            let v = CheckpointVerifier::parse(&key).unwrap();
            let cp = v.verify(&note).unwrap();
            assert_eq!((cp.size, cp.root), (42, root));
        }
    }

    #[test]
    fn altered_notes_and_other_keys_are_refused() {
        let signer = CheckpointSigner::from_pkcs8_pem("log", TEST_KEY).unwrap();
        let v = CheckpointVerifier::parse(&signer.verifier_key()).unwrap();
        let note = signer.sign(10, &[7; 32]);
        let bigger = note.replacen("\n10\n", "\n11\n", 1);
        assert_eq!(v.verify(&bigger), Err(CheckpointError::BadSignature));
        let renamed = note.replace("log", "gol");
        assert!(v.verify(&renamed).is_err());
        let other = Ed25519KeyPair::generate().unwrap();
        let other_pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            B64.encode(other.to_pkcs8v1().unwrap().as_ref())
        );
        let other = CheckpointSigner::from_pkcs8_pem("log", &other_pem).unwrap();
        assert_eq!(
            v.verify(&other.sign(10, &[7; 32])),
            Err(CheckpointError::BadSignature)
        );
        assert!(matches!(
            v.verify("log\n10\n"),
            Err(CheckpointError::Malformed(_))
        ));
        assert!(matches!(
            v.verify("log\n010\nAAAA\n\n\u{2014} log x\n"),
            Err(CheckpointError::Malformed(_))
        ));
        assert_eq!(
            CheckpointSigner::from_pkcs8_pem("log", "not a key").unwrap_err(),
            CheckpointError::BadPrivateKey
        );
        assert_eq!(
            CheckpointSigner::from_pkcs8_pem("a b", TEST_KEY).unwrap_err(),
            CheckpointError::BadName
        );
        assert!(CheckpointVerifier::parse("log+00000000+AQ==").is_err());
    }
}
