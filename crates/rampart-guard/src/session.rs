//! What the guard keeps for the length of one request.
//!
//! The pseudonym vault maps each personal value the user sent to a token such as
//! `<EMAIL_ADDRESS_1>`. The model only ever sees the token; [`Session::restore`] puts the
//! value back into the answer. The vault lives in memory for one request and is dropped
//! with it: nothing is persisted.

use crate::detectors::output::{SHINGLE_WORDS, shingle_hash, word_hash, word_spans};
use std::collections::HashMap;

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
    fn restored_value_that_looks_like_a_token_is_not_restored_again() {
        let mut s = Session::new();
        s.pseudonym("A", "<B_1>");
        s.pseudonym("B", "secret");
        assert_eq!(s.restore("<A_1> <B_1> <C_1> <"), "<B_1> secret <C_1> <");
    }
}
