//! What the guard keeps for the length of one request.
//!
//! The pseudonym vault maps each personal value the user sent to a token such as
//! `<EMAIL_ADDRESS_1>`. The model only ever sees the token; [`Session::restore`] puts the
//! value back into the answer. The vault lives in memory for one request and is dropped
//! with it: nothing is persisted.

use std::collections::HashMap;

/// Per-request state of the guard.
#[derive(Debug, Default)]
pub struct Session {
    by_value: HashMap<(String, String), String>,
    /// `(token, value)` in the order tokens were issued.
    tokens: Vec<(String, String)>,
    counters: HashMap<String, usize>,
    system_prompts: Vec<String>,
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
        self.tokens.push((token.clone(), value.to_owned()));
        token
    }

    /// `text` with every token of this session replaced by the value it stands for.
    pub fn restore(&self, text: &str) -> String {
        if self.tokens.is_empty() || !text.contains('<') {
            return text.to_owned();
        }
        let mut out = text.to_owned();
        // Longest tokens first, so `<EMAIL_ADDRESS_12>` is not read as `<EMAIL_ADDRESS_1>`.
        let mut tokens: Vec<&(String, String)> = self.tokens.iter().collect();
        tokens.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
        for (token, value) in tokens {
            if out.contains(token.as_str()) {
                out = out.replace(token.as_str(), value);
            }
        }
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
    pub fn remember_system_prompt(&mut self, text: &str) {
        self.system_prompts.push(text.to_owned());
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
}
