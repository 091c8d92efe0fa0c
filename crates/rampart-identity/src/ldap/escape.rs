//! Escaping of values put into LDAP filters (RFC 4515) and distinguished names (RFC 4514),
//! and the one-pass substitution of `{user}` / `{dn}` into configured templates.
//!
//! Every value that comes from a client (a user name) or from the directory (a DN fed back
//! into a group filter) goes through these functions before it reaches a filter or a DN, so
//! that `*)(uid=*` is a literal user name, never a wildcard or a second clause.

/// A value escaped for an LDAP search filter (RFC 4515 §3): `*`, `(`, `)`, `\` and NUL
/// become `\2a`, `\28`, `\29`, `\5c`, `\00`. Every other byte outside printable ASCII is
/// escaped too (`\XX` of its UTF-8 bytes, which RFC 4515 allows), so no control character
/// reaches the server's filter parser.
pub fn filter_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for &b in value.as_bytes() {
        match b {
            b'*' | b'(' | b')' | b'\\' | 0 => push_hex(&mut out, b),
            0x20..=0x7e => out.push(b as char),
            _ => push_hex(&mut out, b),
        }
    }
    out
}

/// A value escaped for one attribute value of a distinguished name (RFC 4514 §2.4): `,`,
/// `+`, `"`, `\`, `<`, `>`, `;`, `=` get a backslash, as do a leading `#` or space and a
/// trailing space; NUL and other control characters become `\XX`.
pub fn dn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let last = value.len().saturating_sub(1);
    for (i, c) in value.char_indices() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for &b in c.encode_utf8(&mut buf).as_bytes() {
                    push_hex(&mut out, b);
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn push_hex(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('\\');
    out.push(HEX[usize::from(b >> 4)] as char);
    out.push(HEX[usize::from(b & 0xf)] as char);
}

/// `template` with each `{name}` replaced by its value, in one pass: a value that itself
/// contains `{dn}` is not substituted again. Values must already be escaped for where the
/// template goes. An unknown `{…}` stays as written (the config check refuses templates
/// with unknown placeholders).
pub fn substitute(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after
            .find('}')
            .and_then(|end| values.iter().find(|(k, _)| *k == &after[..end]))
        {
            Some((name, value)) => {
                out.push_str(value);
                rest = &after[name.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders of `template` (`{user}`, …), for the config check.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// Whether `filter` has balanced parentheses around one outer clause — enough to refuse a
/// mistyped template at start-up rather than at the first login. Escaped characters (`\28`)
/// are hex pairs, so any literal parenthesis counts.
pub fn looks_like_filter(filter: &str) -> bool {
    let mut depth = 0usize;
    for (i, c) in filter.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = match depth.checked_sub(1) {
                    Some(d) => d,
                    None => return false,
                };
                if depth == 0 && i + 1 != filter.len() {
                    return false;
                }
            }
            _ if depth == 0 => return false,
            _ => {}
        }
    }
    depth == 0 && filter.starts_with('(')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_specials_are_hex_escaped() {
        assert_eq!(filter_value("*"), "\\2a");
        assert_eq!(filter_value("("), "\\28");
        assert_eq!(filter_value(")"), "\\29");
        assert_eq!(filter_value("\\"), "\\5c");
        assert_eq!(filter_value("a\0b"), "a\\00b");
        assert_eq!(filter_value("alice"), "alice");
        assert_eq!(filter_value("é"), "\\c3\\a9");
        assert_eq!(filter_value("a\nb"), "a\\0ab");
    }

    #[test]
    fn injection_attempts_stay_one_literal_value() {
        for attempt in [
            "*)(uid=*",
            "*",
            "admin)(|(uid=*))",
            "x)(objectClass=*))(&(uid=x",
            "\\2a",
            "a\0)(uid=*",
        ] {
            let filter = substitute("(uid={user})", &[("user", &filter_value(attempt))]);
            // One clause, no wildcard, no parenthesis but the template's own.
            assert!(looks_like_filter(&filter), "{attempt} → {filter}");
            assert_eq!(filter.matches('(').count(), 1, "{attempt} → {filter}");
            assert_eq!(filter.matches(')').count(), 1, "{attempt} → {filter}");
            assert!(!filter.contains('*'), "{attempt} → {filter}");
            assert!(!filter.contains('\0'), "{attempt} → {filter}");
        }
        // An escaped backslash cannot be read back as the start of an escape.
        assert_eq!(filter_value("\\2a"), "\\5c2a");
    }

    #[test]
    fn dn_specials_are_escaped() {
        assert_eq!(dn_value("a,b"), "a\\,b");
        assert_eq!(dn_value("a+b=c"), "a\\+b\\=c");
        assert_eq!(dn_value("\"q\";<>\\"), "\\\"q\\\"\\;\\<\\>\\\\");
        assert_eq!(dn_value("#x"), "\\#x");
        assert_eq!(dn_value("x#"), "x#");
        assert_eq!(dn_value(" x "), "\\ x\\ ");
        assert_eq!(dn_value("a\0b"), "a\\00b");
        assert_eq!(dn_value("alice"), "alice");
        // The classic: a user name that would add an RDN or change the base.
        let dn = substitute(
            "uid={user},ou=people,dc=example,dc=org",
            &[("user", &dn_value("x,ou=admins"))],
        );
        assert_eq!(dn, "uid=x\\,ou\\=admins,ou=people,dc=example,dc=org");
    }

    #[test]
    fn substitution_is_one_pass() {
        let out = substitute(
            "(&(member={dn})(cn={user}))",
            &[("user", "{dn}"), ("dn", "cn=g")],
        );
        assert_eq!(out, "(&(member=cn=g)(cn={dn}))");
        assert_eq!(substitute("(x={other})", &[("user", "u")]), "(x={other})");
        assert_eq!(substitute("(x={user", &[("user", "u")]), "(x={user");
        assert_eq!(placeholders("(&(a={user})(b={dn}))"), vec!["user", "dn"]);
    }

    #[test]
    fn filter_shape_check() {
        assert!(looks_like_filter("(uid={user})"));
        assert!(looks_like_filter("(&(objectClass=person)(uid={user}))"));
        assert!(!looks_like_filter("uid={user}"));
        assert!(!looks_like_filter("(uid={user}"));
        assert!(!looks_like_filter("(a=b)(c=d)"));
        assert!(!looks_like_filter("(a=b))"));
        assert!(!looks_like_filter(""));
    }
}
