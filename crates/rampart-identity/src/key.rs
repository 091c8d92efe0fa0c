//! API key material: generation, the stored hash, the display prefix.
//!
//! A key looks like `rk-` followed by 43 base62 characters drawn from the operating
//! system's CSPRNG (43 × log2(62) ≈ 256 bits). Only its SHA-256 is stored, plus a short
//! prefix (`rk-AbC123`) so that people can tell keys apart in listings.
//!
//! Why SHA-256 and not a password hash such as argon2: a password hash exists to slow down
//! guessing of *low-entropy* secrets chosen by people. A 256-bit random key cannot be
//! guessed however fast the hash is, so a slow hash would only add milliseconds to every
//! request. A fast, unsalted hash also lets the store look the key up by its hash through
//! a unique index: the presented secret is never compared byte by byte with a stored one,
//! so there is no early-exit comparison whose timing could leak the key (what an attacker
//! can time is a lookup of SHA-256 output, which they cannot steer). The same property
//! makes the hash usable as a static credential in a config file.

use sha2::{Digest, Sha256};
use std::fmt;

/// The prefix every Rampart API key starts with.
pub const KEY_PREFIX: &str = "rk-";
/// Random base62 characters after the prefix.
const RANDOM_CHARS: usize = 43;
/// Characters of the random part kept for display.
const DISPLAY_CHARS: usize = 6;
/// Presented keys longer than this are refused before hashing (bounded work per request).
const MAX_PRESENTED_LEN: usize = 256;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A freshly generated key, in clear. It exists only between creation and the moment it is
/// shown to the person who asked for it; `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(String);

impl SecretKey {
    /// Draws a new key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut key = String::with_capacity(KEY_PREFIX.len() + RANDOM_CHARS);
        key.push_str(KEY_PREFIX);
        let mut pool = [0u8; 64];
        let mut produced = 0;
        while produced < RANDOM_CHARS {
            getrandom::fill(&mut pool)?;
            // Rejection sampling keeps every character uniform: 248 = 4 × 62.
            for &byte in pool.iter().filter(|&&b| b < 248) {
                if produced == RANDOM_CHARS {
                    break;
                }
                key.push(char::from(BASE62[usize::from(byte % 62)]));
                produced += 1;
            }
        }
        Ok(SecretKey(key))
    }

    /// The key in clear, to be shown once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> KeyHash {
        KeyHash::of(&self.0)
    }

    /// The non-secret display prefix, e.g. `rk-AbC123`.
    pub fn display_prefix(&self) -> String {
        self.0
            .chars()
            .take(KEY_PREFIX.len() + DISPLAY_CHARS)
            .collect()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// The lower-case hex SHA-256 of a key: what the store keeps and looks keys up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyHash(String);

impl KeyHash {
    pub fn of(key: &str) -> Self {
        KeyHash(hex(&Sha256::digest(key.as_bytes())))
    }

    /// Hashes a key presented by a client, or `None` when it cannot be a Rampart key
    /// (wrong prefix, too long, characters outside base62). Refusing early keeps garbage
    /// out of the database and bounds the work an unauthenticated caller can cause.
    pub fn of_presented(presented: &str) -> Option<Self> {
        let rest = presented.strip_prefix(KEY_PREFIX)?;
        if presented.len() > MAX_PRESENTED_LEN
            || rest.is_empty()
            || !rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
        Some(Self::of(presented))
    }

    /// Wraps a stored hash; `None` unless it is 64 lower-case hex digits.
    pub fn from_hex(hex: &str) -> Option<Self> {
        (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| KeyHash(hex.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The display prefix of a key a client presented (`rk-` and six characters, as
/// [`SecretKey::display_prefix`] and [`crate::KeyRecord::prefix`] give it), or `None`
/// when it cannot be a Rampart key: what brute-force protection counts per key without
/// ever holding the key.
pub fn presented_prefix(presented: &str) -> Option<&str> {
    let end = KEY_PREFIX.len() + DISPLAY_CHARS;
    let prefix = presented.get(..end)?;
    (prefix.starts_with(KEY_PREFIX)
        && prefix[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(prefix)
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// A new random identifier such as `key_4fQ9…` (16 base62 characters, ~95 bits): public,
/// used to list and revoke keys, never enough to authenticate.
pub fn new_id(prefix: &str) -> Result<String, getrandom::Error> {
    let secret = SecretKey::generate()?;
    let random = &secret.expose()[KEY_PREFIX.len()..KEY_PREFIX.len() + 16];
    Ok(format!("{prefix}{random}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generated_keys_have_the_documented_shape_and_differ() {
        let mut seen = HashSet::new();
        for _ in 0..200 {
            let key = SecretKey::generate().unwrap();
            let text = key.expose();
            assert!(text.starts_with("rk-"));
            assert_eq!(text.len(), 3 + 43);
            assert!(text[3..].bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(seen.insert(text.to_owned()), "duplicate key");
            assert_eq!(KeyHash::of_presented(text), Some(key.hash()));
            assert!(text.starts_with(&key.display_prefix()));
            assert_eq!(key.display_prefix().len(), 9);
        }
    }

    #[test]
    fn base62_characters_are_roughly_uniform() {
        let mut counts = [0u32; 62];
        for _ in 0..500 {
            for b in SecretKey::generate().unwrap().expose()[3..].bytes() {
                counts[BASE62.iter().position(|&c| c == b).unwrap()] += 1;
            }
        }
        // 21,500 draws, 346.8 expected per character; a biased sampler (e.g. plain
        // `byte % 62`) over-weights the first eight characters by ~12 %.
        let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(*min > 260 && *max < 440, "counts {counts:?}");
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let key = SecretKey::generate().unwrap();
        assert!(!format!("{key:?}").contains(&key.expose()[3..]));
    }

    #[test]
    fn presented_garbage_is_refused_before_hashing() {
        assert!(KeyHash::of_presented("sk-abc").is_none());
        assert!(KeyHash::of_presented("rk-").is_none());
        assert!(KeyHash::of_presented("rk-abc def").is_none());
        assert!(KeyHash::of_presented(&format!("rk-{}", "a".repeat(300))).is_none());
        assert!(KeyHash::of_presented("rk-quickstart-not-a-secret").is_some());
    }

    #[test]
    fn presented_prefix_is_the_display_prefix() {
        let key = SecretKey::generate().unwrap();
        assert_eq!(
            presented_prefix(key.expose()),
            Some(key.display_prefix().as_str())
        );
        assert_eq!(presented_prefix("rk-ab"), None);
        assert_eq!(presented_prefix("sk-abcdefgh"), None);
        assert_eq!(presented_prefix("rk-ab cdefgh"), None);
        assert_eq!(presented_prefix("rk-abcé"), None);
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            KeyHash::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(KeyHash::from_hex(KeyHash::of("x").as_str()).is_some());
        assert!(KeyHash::from_hex("ABC").is_none());
    }
}
