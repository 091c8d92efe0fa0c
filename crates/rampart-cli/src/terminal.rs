//! Escaping of text that came from outside before it reaches a terminal.
//!
//! Human output prints data nobody here chose: model names and paths from unauthenticated
//! requests (audit records), key names, archive member and git file names, messages from
//! remote servers, error chains. A terminal interprets some of those characters: ESC and
//! the C1 controls start sequences that retitle the window, rewrite earlier lines, set the
//! clipboard or hide text; CR and BS overwrite what was printed; bidi overrides reorder it.
//! Every human output goes through [`escape_cell`] or [`escape_text`], which replace each
//! such character by a visible escape (`\x1b`, `\u{202e}`); JSON output is escaped by
//! serde and does not use this module.

use std::borrow::Cow;

/// Escapes everything a terminal could act on, including newlines and tabs: for table
/// cells and one-line messages, where a line break would forge a row.
pub(crate) fn escape_cell(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Like [`escape_cell`], but keeps newlines and tabs: for multi-line text (error chains,
/// the text `rampart guard` forwards).
pub(crate) fn escape_text(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_layout: bool) -> Cow<'_, str> {
    let keep = |c: char| !is_dangerous(c) || (keep_layout && (c == '\n' || c == '\t'));
    if text.chars().all(keep) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if keep(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// C0 controls, DEL, C1 controls, and the invisible characters that change how the rest
/// of a line is shown (bidi embeddings, overrides, isolates and marks; line and paragraph
/// separators; zero-width characters and the BOM).
fn is_dangerous(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_overwrites_become_visible() {
        // OSC 0 (window title) terminated by BEL, a CSI clear screen, CR overwrite, C1 CSI.
        let hostile = "a\x1b]0;pwned\x07b\x1b[2Jc\rd\u{9b}31me\x08\x7f";
        let shown = escape_cell(hostile);
        assert_eq!(
            shown,
            "a\\x1b]0;pwned\\x07b\\x1b[2Jc\\rd\\u{9b}31me\\x08\\x7f"
        );
        assert!(shown.chars().all(|c| !is_dangerous(c)));
    }

    #[test]
    fn bidi_overrides_and_invisibles_become_visible() {
        let shown = escape_cell("invoice\u{202e}fdp.exe\u{2066}x\u{200b}\u{feff}\u{2028}");
        assert_eq!(
            shown,
            "invoice\\u{202e}fdp.exe\\u{2066}x\\u{200b}\\u{feff}\\u{2028}"
        );
    }

    #[test]
    fn cells_escape_line_breaks_and_text_keeps_them() {
        assert_eq!(escape_cell("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(escape_text("a\nb\tc\x1b"), "a\nb\tc\\x1b");
        assert_eq!(escape_text("a\r\nb"), "a\\r\nb");
    }

    #[test]
    fn printable_text_is_borrowed_unchanged() {
        for s in ["gpt-4o-mini", "modèle/日本語 ✓", "C:\\path\\x1b", ""] {
            assert!(matches!(escape_cell(s), Cow::Borrowed(b) if b == s));
        }
    }
}
