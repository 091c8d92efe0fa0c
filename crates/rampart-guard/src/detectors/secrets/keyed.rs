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

/// Where a keyed assignment that a later chunk could still complete starts in `tail`
/// (a stream's last [`super::DEFAULT_MAX_MATCH_LEN`] bytes), if one does: a key holding
/// a word of [`SECRET_KEY_WORDS`] on the last line, followed only by what may still
/// lead to a value (quotes, a type word or its beginning, an operator or its
/// beginning) or by a value that has not ended (an unclosed quote, a bare value not
/// yet followed by white space); or an XML element `<key…>` whose value or closing tag
/// has not arrived (its `\s*` spans lines). The tail is normalised first, as the
/// detector reads it, so invisible characters or look-alikes inside a key change
/// nothing. Returns a byte offset into `tail`.
pub(super) fn open_assignment(tail: &str) -> Option<usize> {
    static KEY_WORD: OnceLock<Regex> = OnceLock::new();
    static OPEN: OnceLock<Regex> = OnceLock::new();
    static OPEN_XML: OnceLock<Regex> = OnceLock::new();
    let key_word = KEY_WORD.get_or_init(|| {
        let words: Vec<String> = SECRET_KEY_WORDS.iter().map(|w| regex::escape(w)).collect();
        Regex::new(&format!("(?i){}", words.join("|"))).expect("static regex")
    });
    let open = OPEN.get_or_init(|| {
        Regex::new(concat!(
            r#"(?i)^[A-Za-z0-9_$@.\-ñ\x{212A}\x{017F}]*["'`]?\]?"#,
            r"(?:[ \t]+(?:s(?:t(?:r(?:i(?:n(?:g)?)?)?)?)?|c(?:o(?:n(?:s(?:t)?)?)?|h(?:a(?:r\*?)?)?)?)?)?",
            r"[ \t]*(?:(?:=>?|:{1,3}=?|\?=?|\.=?|\+=?|,)[ \t]*@?",
            r#"(?:"[^"\n]*|'[^'\n]*|`[^`\n]*|[^\s"'`,;<>(){}\[\]]*)?)?$"#,
        ))
        .expect("static regex")
    });
    let open_xml = OPEN_XML.get_or_init(|| {
        Regex::new(r"^<[A-Za-z_][A-Za-z0-9_.\-]*(?:>\s*[^<\s]*\s*(?:<)?)?$").expect("static regex")
    });
    let n = Normalized::new(tail);
    let text = n.main_text();
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    let mut found: Option<usize> = None;
    for m in key_word.find_iter(text) {
        // The key (or the element name) the word is part of.
        let key_start = text[..m.start()]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| {
                c.is_ascii_alphanumeric()
                    || matches!(
                        c,
                        '_' | '$' | '@' | '.' | '-' | 'ñ' | 'Ñ' | '\u{212A}' | '\u{017F}'
                    )
            })
            .last()
            .map_or(m.start(), |(i, _)| i);
        let start = if text[..key_start].ends_with('<') {
            let lt = key_start - 1;
            open_xml.is_match(&text[lt..]).then_some(lt)
        } else {
            (key_start >= line_start && open.is_match(&text[key_start..])).then_some(key_start)
        };
        if let Some(start) = start {
            found = Some(found.map_or(start, |f| f.min(start)));
            break;
        }
    }
    let start = found?;
    // Back to the original: a code-point offset, then bytes.
    let (cp, _) = n.span_to_original(start, start);
    Some(tail.char_indices().nth(cp).map_or(tail.len(), |(b, _)| b))
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
