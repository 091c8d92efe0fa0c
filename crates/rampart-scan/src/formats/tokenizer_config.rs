//! Hugging Face `tokenizer_config.json`: its `chat_template` (a string, or a list of
//! `{"name", "template"}`) is rendered by `transformers` for every chat request, so it is
//! analysed like a GGUF template (see [`super::jinja`]). Recognised by content: a JSON
//! object whose head has a `"chat_template"` key.

use super::{Analyzer, Input, ScanContext, jinja};
use crate::error::ScanError;
use crate::report::Finding;
use serde_json::Value;
use std::io::Read;

/// Largest configuration read; real ones are a few hundred KB (added tokens included).
const MAX_CONFIG_BYTES: u64 = 32 << 20;

#[derive(Debug, Default)]
pub struct TokenizerConfig;

impl Analyzer for TokenizerConfig {
    fn format(&self) -> &'static str {
        "tokenizer-config"
    }

    fn sniff(&self, head: &[u8], len: u64) -> bool {
        let trimmed = head.trim_ascii_start();
        len <= MAX_CONFIG_BYTES
            && trimmed.first() == Some(&b'{')
            && head.windows(15).any(|w| w == b"\"chat_template\"")
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        _cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let mut bytes = Vec::new();
        (&mut *input.reader)
            .take(MAX_CONFIG_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| ScanError::Io {
                path: input.path.to_owned(),
                source: e,
            })?;
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ScanError::Malformed(format!("tokenizer config is not JSON: {e}")))?;
        let mut findings = Vec::new();
        match v.get("chat_template") {
            Some(Value::String(t)) => findings.extend(jinja::analyze_template(t, "chat_template")),
            Some(Value::Array(named)) => {
                for (i, entry) in named.iter().enumerate().take(64) {
                    if let Some(t) = entry.get("template").and_then(Value::as_str) {
                        let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
                        let at = format!(
                            "chat_template[{i}] {}",
                            name.chars().take(60).collect::<String>()
                        );
                        findings.extend(jinja::analyze_template(t, &at));
                    }
                }
            }
            _ => {}
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use crate::report::Verdict;
    use crate::{ScanOptions, Scanner};

    #[test]
    fn chat_templates_in_tokenizer_config_are_analysed() {
        let s = Scanner::new(ScanOptions::default());
        let llama3 = include_str!("../../tests/data/templates/llama3.jinja");
        let clean = serde_json::json!({"bos_token": "<s>", "chat_template": llama3, "model_max_length": 8192});
        let r = s.scan_bytes("tokenizer_config.json", clean.to_string().as_bytes());
        assert_eq!(r[0].format, "tokenizer-config");
        assert_eq!(r[0].verdict, Verdict::Clean, "{:?}", r[0].findings);
        let evil = serde_json::json!({"chat_template": [
            {"name": "default", "template": llama3},
            {"name": "tool_use", "template": "{{ joiner.__init__.__globals__.os.popen('id').read() }}"}]});
        let r = s.scan_bytes("tokenizer_config.json", evil.to_string().as_bytes());
        assert_eq!(r[0].verdict, Verdict::Malicious);
        assert!(
            r[0].findings[0]
                .location
                .as_deref()
                .unwrap()
                .contains("tool_use")
        );
        // Other JSON is not claimed.
        let r = s.scan_bytes("config.json", br#"{"architectures": ["LlamaForCausalLM"]}"#);
        assert_eq!(r[0].format, "unknown");
    }
}
