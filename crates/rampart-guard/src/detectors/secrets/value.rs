//! Checks of a candidate value: placeholders are not secrets, a password may be a word but
//! not a reference, a generated value needs length, character classes and entropy, a JWT
//! header must decode to JSON with `alg`.

use super::*;

/// A password may be a word, but not a placeholder, a reference or a boolean.
pub(super) fn password_value_ok(v: &str) -> bool {
    let lower = v
        .trim_matches(['[', ']', '"', '\'', '(', ')'])
        .to_ascii_lowercase();
    v.chars().count() >= 4
        && !is_placeholder(v)
        && !matches!(
            lower.as_str(),
            "true" | "false" | "null" | "none" | "nil" | "undefined" | "required" | "optional" | "token" | "pass" | "user" | "username"
                | "string" | "str" | "password" | "passwd" | "secret" | "empty" | "hidden"
                | "prompt" | "input" | "env" | "self" | "this" | "value" | "config" | "os"
        )
        // A call, attribute access or type (`os.getenv`, `config.password`).
        && !is_dotted_identifier(v)
}

/// `os.getenv`, `X25519.KeyPair`, `config.db.password`: code, not a value.
pub(super) fn is_dotted_identifier(v: &str) -> bool {
    v.contains('.')
        && v.split('.').all(|p| {
            p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                // A long part with digits is a random token (`s.ZC9Ecf4M5g9o34Q6Rk…`).
                && (p.len() < 12 || !p.bytes().any(|b| b.is_ascii_digit()))
        })
}

/// A token value must look generated: long enough, several character classes or high
/// entropy, and not a word, a number, a host name or a reference.
pub(super) fn generated_value_ok(v: &str) -> bool {
    let n = v.chars().count();
    if n < 8 || is_placeholder(v) {
        return false;
    }
    let lower = v.bytes().any(|b| b.is_ascii_lowercase());
    let upper = v.bytes().any(|b| b.is_ascii_uppercase());
    let digit = v.bytes().any(|b| b.is_ascii_digit());
    let classes = lower as u8 + upper as u8 + digit as u8;
    // Long numeric secrets exist (client secrets, PINs of 16+ digits); short ones are ids.
    let long_number = classes == 1 && digit && n >= 16 && shannon(v) >= 2.5;
    if classes < 2 && !long_number {
        return false;
    }
    if is_dotted_identifier(v) {
        return false;
    }
    // Host names, file names and dotted identifiers (`5h.ca.iphmx.com`, `app.keytab`).
    if let Some(last) = v.rsplit('.').next()
        && v.contains('.')
        && (2..=6).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_lowercase())
    {
        return false;
    }
    // Identifiers in code: `kVK_Return`, `someVariableName`, `CONSTANT_NAME`.
    // Parts are words or short numbers: `DOC_Vector_5_32`, `SalesResults-1.2`.
    let parts = || v.split(['_', '-', '.']).filter(|p| !p.is_empty());
    let word_like = parts().all(|p| {
        p.len() >= 3 && p.bytes().all(|b| b.is_ascii_alphabetic())
            || p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit())
    }) && parts().any(|p| p.bytes().all(|b| b.is_ascii_alphabetic()));
    if word_like {
        return false;
    }
    let h = shannon(v);
    h >= 3.0 || (n >= 20 && h >= 2.5)
}

/// Whether a YAML document declares `kind: Secret`.
pub(super) fn kubernetes_secret_kind(text: &str) -> bool {
    static KIND: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    KIND.get_or_init(|| {
        Regex::new(r#"(?im)^[ \t]*kind:[ \t]*["']?secret["']?[ \t]*$"#).expect("static regex")
    })
    .is_match(text)
}

/// Shannon entropy of `s` in bits per character.
pub(super) fn shannon(s: &str) -> f32 {
    let mut counts = [0u32; 256];
    // Which bytes occur: the sum visits only those, in increasing order, so its terms
    // and their order are those of a pass over all 256 counts (the same `f32`).
    let mut present = [0u64; 4];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        present[usize::from(b >> 6)] |= 1 << (b & 63);
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f32;
    present
        .iter()
        .enumerate()
        .flat_map(|(word, &bits)| {
            let mut bits = bits;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let k = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    word * 64 + k
                })
            })
        })
        .map(|b| {
            let p = counts[b] as f32 / n;
            -p * p.log2()
        })
        .sum()
}

/// Documentation placeholders, template references and masked values.
pub(super) fn is_placeholder(v: &str) -> bool {
    static MARKERS: AnyWord = AnyWord::new(|| words(MARKER_WORDS, true));
    const MARKER_WORDS: &[&str] = &[
        "xxxx",
        "###",
        "****",
        "...",
        ">",
        "exampleexample",
        "your_",
        "your-",
        "yourapi",
        "<",
        "${",
        "{{",
        "$(",
        "%s",
        "%(",
        "changeme",
        "change_me",
        "placeholder",
        "redacted",
        "dummy",
        "replace",
        "insert",
        "put_your",
        "todo",
        "example_",
        "sample",
        "_here",
        "-here",
        "enter_",
        "fake",
        "#{",
        "000000000",
        "123456789",
        "abcdef123",
        "abcdefghij",
    ];
    if MARKERS.in_text(v) {
        return true;
    }
    let tail = v.len().saturating_sub(4);
    if v.as_bytes()[tail..].eq_ignore_ascii_case(b"here")
        || v.starts_with('$')
        || v.starts_with('%') && v.ends_with('%')
    {
        return true;
    }
    // Almost no distinct characters: `AAAAAAAA`, `abababab`.
    let mut seen = [false; 256];
    let mut distinct = 0;
    for b in v.bytes() {
        if !seen[b as usize] {
            seen[b as usize] = true;
            distinct += 1;
        }
    }
    distinct < 4
        || (v.len() >= 16 && distinct * 5 < v.len().min(40))
        || (v.len() >= 24 && distinct < 10)
}

/// A JWT whose header decodes to a JSON object with an `alg` member.
pub(super) fn jwt_header_ok(token: &str) -> bool {
    let header = token.split('.').next().unwrap_or("");
    let Some(bytes) = base64url_decode(header) else {
        return false;
    };
    let Ok(s) = std::str::from_utf8(&bytes) else {
        return false;
    };
    let s = s.trim();
    s.starts_with('{') && s.contains("\"alg\"")
}

pub(super) fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 26,
            b'0'..=b'9' => (c - b'0') as u32 + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        })
    };
    let b = s.trim_end_matches('=').as_bytes();
    if b.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() * 3 / 4);
    for chunk in b.chunks(4) {
        let mut acc = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * k);
        }
        for k in 0..chunk.len() * 6 / 8 {
            out.push((acc >> (16 - 8 * k)) as u8);
        }
    }
    Some(out)
}
