//! Rewriting of rule expressions so that the regex engine stays on its lazy DFA: Unicode
//! word boundaries and the Unicode `\\w` class force it off as soon as a text holds a
//! non-ASCII byte. Two rewrites, for two rule tables with different needs:
//!
//! - [`ascii_word_boundaries`] (secret rules): only `\\b` becomes ASCII; every key those
//!   rules look for is ASCII.
//! - [`ascii_word_classes`] (injection heuristics): `\\b` becomes ASCII, and `\\w` and the
//!   classes that hold it become [`WORD`], kept out of case folding; the heuristics match
//!   prose in seven languages and need `\\w` to step over accented words.

/// `pattern` with every `\\b` made ASCII: a Unicode word boundary makes the regex engine
/// leave its DFA on non-ASCII text, and every key the secret rules look for is ASCII.
/// `\\w` and classes are left as written.
pub(crate) fn ascii_word_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// `pattern` with every `\\b` made an ASCII word boundary. Unicode boundaries force the
/// regex engine off its lazy DFA as soon as the text holds a non-ASCII byte, which costs
/// an order of magnitude in speed. The price: a boundary is not seen before a word that
/// starts with an accented letter, so such alternatives are written without one.
///
/// Likewise `\\w` becomes [`WORD`], "ASCII word character or any non-ASCII character":
/// the Unicode class compiles to a large automaton that overflows the lazy DFA's cache on
/// texts in several scripts, and the rules only need it to skip over words.
///
/// A class holding [`WORD`] is written inside `(?-i:…)`. Under `(?i)` the parser would
/// otherwise fold the case of every code point from U+0080 to U+10FFFF, once per class
/// in the pattern, which made compiling the rule table cost about half a second. The
/// flag changes nothing there: every character that has a case variant is an ASCII
/// letter or non-ASCII, so it is in [`WORD`] already, and so is its variant; the class
/// matches the same characters either way (`word_classes_need_no_case_folding` checks
/// the parsed expressions are identical).
pub(crate) fn ascii_word_classes(pattern: &str) -> String {
    let pattern = pattern.replace(r"\b", r"(?-u:\b)");
    let bytes = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len() + 64);
    // `copied` is the end of what `out` already holds of `pattern`.
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'w') => {
                out.push_str(&pattern[copied..i]);
                out.push_str("(?-i:[");
                out.push_str(WORD);
                out.push_str("])");
                i += 2;
                copied = i;
            }
            // Any other escape is one escaped character; skip it whole.
            b'\\' => i += 2,
            b'[' => {
                let end = class_end(bytes, i);
                let class = &pattern[i..end];
                out.push_str(&pattern[copied..i]);
                let (text, fold_free) = word_class(class);
                if fold_free {
                    out.push_str("(?-i:");
                    out.push_str(&text);
                    out.push(')');
                } else {
                    out.push_str(&text);
                }
                i = end;
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&pattern[copied..]);
    out
}

/// "ASCII word character or any non-ASCII character", as class items.
pub(crate) const WORD: &str = r"0-9A-Za-z_\x{80}-\x{10FFFF}";

/// The end (exclusive) of the bracketed class that starts at `bytes[start] == b'['`:
/// escapes are skipped, nested classes counted, and a `]` first in a class (after `[` or
/// `[^`) is a literal, as in the regex syntax. An unclosed class runs to the end (the
/// regex compiler then reports it).
fn class_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'[' => {
                depth += 1;
                i += 1;
                if bytes.get(i) == Some(&b'^') {
                    i += 1;
                }
                if bytes.get(i) == Some(&b']') {
                    i += 1;
                }
            }
            b']' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// A bracketed class with every `\\w` replaced by [`WORD`] (`[\\w…` by `[WORD…`, a
/// `\\w` elsewhere by a nested `[WORD]`), and whether case folding leaves it unchanged:
/// true when [`WORD`] is one of its top-level members and no set operation (`&&`, `--`,
/// `~~`) is written at its top level. Then it is `WORD ∪ X` (or the complement of that),
/// which holds every character that has a case variant, whatever case folding does to X.
fn word_class(class: &str) -> (String, bool) {
    let bytes = class.as_bytes();
    let mut out = String::with_capacity(class.len() + 32);
    let (mut depth, mut i, mut copied) = (0usize, 0, 0);
    let (mut top_word, mut set_op) = (false, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'w') => {
                out.push_str(&class[copied..i]);
                if depth == 1 && i >= 1 && bytes[i - 1] == b'[' {
                    // `[\\w…` (not `[^\\w…`): the items go straight into the class.
                    out.push_str(WORD);
                } else {
                    out.push('[');
                    out.push_str(WORD);
                    out.push(']');
                }
                top_word |= depth == 1;
                i += 2;
                copied = i;
            }
            b'\\' => i += 2,
            b'[' => {
                depth += 1;
                i += 1;
                if bytes.get(i) == Some(&b'^') {
                    i += 1;
                }
                if bytes.get(i) == Some(&b']') {
                    i += 1;
                }
            }
            b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'&' | b'-' | b'~' if depth == 1 && bytes.get(i + 1) == Some(&bytes[i]) => {
                set_op = true;
                i += 2;
            }
            _ => i += 1,
        }
    }
    out.push_str(&class[copied..]);
    (out, top_word && !set_op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_rewrite_leaves_word_classes_alone_and_the_class_rewrite_does_not() {
        let p = r"(?i)\bpass\w+[\w.]";
        assert_eq!(ascii_word_boundaries(p), r"(?i)(?-u:\b)pass\w+[\w.]");
        let classes = ascii_word_classes(p);
        assert!(classes.starts_with(r"(?i)(?-u:\b)pass(?-i:["), "{classes}");
        assert!(!classes.contains(r"\w"), "{classes}");
        assert!(classes.contains(WORD), "{classes}");
    }

    #[test]
    fn escapes_and_literal_brackets_are_not_classes() {
        assert_eq!(ascii_word_classes(r"a\[b\]"), r"a\[b\]");
        assert_eq!(class_end(br"[]a]b", 0), 4);
        assert_eq!(class_end(br"[^]a]b", 0), 5);
        assert_eq!(class_end(br"[a[b]]c", 0), 6);
    }
}
