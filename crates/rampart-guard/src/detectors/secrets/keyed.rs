//! Keyed assignments (`password = …`, `"api_key": …`, `<token>…</token>`): the key words
//! that anchor them, the line-bounded windows they are searched in, and what a key name
//! says about its value.

use super::*;

/// Words in a key name that say its value is a secret.
pub(super) const SECRET_KEY_WORDS: &[&str] = &[
    "key",
    "token",
    "secret",
    "pass",
    "pwd",
    "contraseña",
    "contrasena",
    "clave",
    "auth",
    "credential",
    "api",
    "private",
    "signature",
    "session",
    "cookie",
    "bearer",
    "access",
];

/// The spans of `text` worth searching for keyed assignments, given the sorted spans of
/// its key-word anchor hits: the segments that hold a key word or a non-ASCII character
/// an assignment key can contain (`ñ`, `Ñ`, `ſ`, the Kelvin sign: under `(?i)` the key
/// classes match them, and [`key_kind`] lower-cases a non-ASCII key with Unicode rules),
/// since a match outside them cannot yield anything (see [`SecretDetector::assignments`]).
///
/// A segment ends at a run of ASCII whitespace holding a line break that no match can
/// contain: the assignment regex admits a line break only in the `\s*` after `<tag>` or
/// before `</`, so a run whose neighbours are neither `>` before nor `<` after (nor a
/// non-ASCII byte, which might be more Unicode whitespace) is a cut that every match lies
/// on one side of. The leftmost-first search started at a cut therefore finds the same
/// matches after it as the search started at 0. Linear: each byte is looked at a bounded
/// number of times.
pub(super) fn assignment_windows(text: &str, key_words: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut points: Vec<usize> = key_words.iter().map(|w| w.0).collect();
    let mut from = 0;
    while let Some(i) = memchr::memchr3(0xC3, 0xC5, 0xE2, &bytes[from..]) {
        let p = from + i;
        let rest = &bytes[p..];
        if rest.starts_with("ñ".as_bytes())
            || rest.starts_with("Ñ".as_bytes())
            || rest.starts_with("ſ".as_bytes())
            || rest.starts_with("\u{212A}".as_bytes())
        {
            points.push(p);
        }
        from = p + 1;
    }
    points.sort_unstable();
    let mut windows: Vec<(usize, usize)> = Vec::new();
    let mut covered = 0;
    for p in points {
        if p < covered {
            continue;
        }
        let start = cut_before(bytes, covered, p);
        let end = cut_after(bytes, p);
        match windows.last_mut() {
            Some(last) if last.1 == start => last.1 = end,
            _ => windows.push((start, end)),
        }
        covered = end;
    }
    windows
}

/// ASCII whitespace, a superset of the ASCII part of the regex class `\s`.
pub(super) fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// The maximal run of ASCII whitespace around the line break at `i`, and whether no
/// assignment match can contain it (see [`assignment_windows`]).
pub(super) fn space_run(bytes: &[u8], i: usize) -> (usize, usize, bool) {
    let mut a = i;
    while a > 0 && is_ascii_space(bytes[a - 1]) {
        a -= 1;
    }
    let mut b = i + 1;
    while b < bytes.len() && is_ascii_space(bytes[b]) {
        b += 1;
    }
    let before_ok = a == 0 || (bytes[a - 1] != b'>' && bytes[a - 1].is_ascii());
    let after_ok = b == bytes.len() || (bytes[b] != b'<' && bytes[b].is_ascii());
    (a, b, before_ok && after_ok)
}

/// The last cut at or before `p` and not before `floor` (itself a cut, or 0).
pub(super) fn cut_before(bytes: &[u8], floor: usize, p: usize) -> usize {
    let mut end = p;
    while end > floor {
        let Some(i) = memchr::memrchr(b'\n', &bytes[floor..end]) else {
            return floor;
        };
        let (a, b, cut) = space_run(bytes, floor + i);
        if cut {
            return b.min(p);
        }
        end = a;
    }
    floor
}

/// The first cut after `p` (which is not whitespace), or the end of the text.
pub(super) fn cut_after(bytes: &[u8], p: usize) -> usize {
    let mut from = p;
    while from < bytes.len() {
        let Some(i) = memchr::memchr(b'\n', &bytes[from..]) else {
            break;
        };
        let (_, b, cut) = space_run(bytes, from + i);
        if cut {
            return b;
        }
        from = b;
    }
    bytes.len()
}

/// Whether the key that ends at byte `end` was quoted.
pub(super) fn key_quoted(text: &str, end: usize) -> bool {
    text[end..].starts_with(['"', '\'', '`'])
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum KeyKind {
    Password,
    Secret,
}

/// What a key name says about its value, if it names a secret.
pub(super) fn key_kind(key: &str) -> Option<KeyKind> {
    let k = key.trim_start_matches(['$', '@']);
    let k = if k.is_ascii() {
        k.to_ascii_lowercase()
    } else {
        k.to_lowercase()
    };
    static PASSWORD: AnyWord =
        AnyWord::new(|| words(&["pass", "pwd", "contraseña", "contrasena", "clave"], false));
    static SECRET: AnyWord = AnyWord::new(|| words(SECRET_WORDS, false));
    const SECRET_WORDS: &[&str] = &[
        "key",
        "token",
        "secret",
        "auth",
        "credential",
        "private",
        "session",
        "cookie",
        "bearer",
    ];
    let password = PASSWORD.in_text(&k);
    // `apikey`, `api_key` and `api-key` contain `key`.
    let secret = SECRET.in_text(&k) || k.ends_with("access");
    // Most keys name nothing secret: answer before the longer exclusion lists.
    if !password && !secret {
        return None;
    }
    // Names of things about a secret, not the secret itself.
    const NOT_VALUE: &[&str] = &[
        "id",
        "_id",
        "-id",
        "name",
        "_name",
        "file",
        "_file",
        "path",
        "_path",
        "url",
        "_url",
        "uri",
        "type",
        "_type",
        "length",
        "_len",
        "size",
        "count",
        "version",
        "_env",
        "_var",
        "header",
        "field",
        "format",
        "policy",
        "_ref",
        "_arn",
        "region",
        "endpoint",
        "expiry",
        "expires",
        "expiration",
        "_at",
        "timeout",
        "_ttl",
        "_mode",
        "_hint",
        "_label",
        "_provider",
        "algorithm",
        "_alg",
        "_manager",
        "_store",
        "_storage",
        "_vault",
        "_user",
        "username",
        "_method",
        "_scheme",
        "enabled",
        "_enabled",
        "_required",
        "placeholder",
    ];
    // The last byte first: most keys end in none of the suffixes' last bytes.
    let last = k.as_bytes().last().copied();
    if NOT_VALUE
        .iter()
        .any(|s| s.as_bytes().last().copied() == last && k.ends_with(s))
        && !k.ends_with("passwd")
    {
        return None;
    }
    static NOT_SECRET_KEYS: AnyWord = AnyWord::new(|| words(NOT_SECRET_WORDS, false));
    const NOT_SECRET_WORDS: &[&str] = &[
        "keyboard",
        "public",
        "pubkey",
        "pub_key",
        "key_down",
        "key_up",
        "key_event",
        "keyhash",
        "key_hash",
        "keying",
        "csrf",
        "xsrf",
        "keymap",
        "keybind",
        "keycode",
        "hotkey",
        "keypress",
        "keyframe",
        "keyword",
        "keyup",
        "keydown",
        "foreignkey",
        "primarykey",
        "sortkey",
        "partitionkey",
        "keyspace",
        "monkey",
        "donkey",
        "turkey",
        "hockey",
        "jockey",
        "whiskey",
        "passage",
        "passenger",
        "compass",
        "bypass",
        "passive",
        "author",
        "oauth_callback",
        "apiversion",
        "api_version",
        "tokenizer",
        "tokenize",
        "sessionstorage",
        "keyvault",
        "access_log",
        "accessible",
        "capital",
        "apiurl",
        "api_url",
        "apihost",
        "api_host",
        "api_base",
    ];
    if NOT_SECRET_KEYS.in_text(&k) {
        return None;
    }
    if password {
        return Some(KeyKind::Password);
    }
    Some(KeyKind::Secret)
}
