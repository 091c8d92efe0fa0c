//! Token-array inputs: embeddings requests may send token ids instead of text (LangChain's
//! `OpenAIEmbeddings` does by default). The guard must read what the model will read, so
//! the ids are decoded with the vocabulary of the deployment's model family, the decoded
//! text is inspected like any input, and the original ids are forwarded unless the guard
//! rewrote the text (then the rewritten text is encoded again with the same vocabulary).
//!
//! Ids are accepted only where the vocabulary is known: OpenAI and Azure OpenAI (and the
//! mock provider, which speaks OpenAI's API). A self-hosted model (vLLM, Ollama) has a
//! tokenizer of its own: ids decoded with the wrong vocabulary would show the guard one
//! text and the model another, so they are refused with a 400 that says to send text.

use crate::config::ProviderKind;
use crate::error::ApiError;
use crate::routing::ModelRoute;
use serde_json::Value;
use tiktoken_rs::CoreBPE;

/// A tiktoken vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Cl100kBase,
    O200kBase,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Cl100kBase => "cl100k_base",
            Encoding::O200kBase => "o200k_base",
        }
    }

    fn bpe(self) -> &'static CoreBPE {
        match self {
            Encoding::Cl100kBase => tiktoken_rs::cl100k_base_singleton(),
            Encoding::O200kBase => tiktoken_rs::o200k_base_singleton(),
        }
    }

    /// The vocabulary a deployment reads token ids in, when it is known. OpenAI's
    /// embedding models (and GPT-4, GPT-3.5) use `cl100k_base`; the GPT-4o, GPT-4.1,
    /// GPT-5 and `o` series use `o200k_base`. An Azure deployment name usually follows
    /// the model's name; one that does not is read as an embedding model.
    pub fn for_deployment(kind: ProviderKind, upstream_model: &str) -> Option<Encoding> {
        match kind {
            ProviderKind::Openai | ProviderKind::AzureOpenai | ProviderKind::Mock => {
                let m = upstream_model.to_ascii_lowercase();
                let o200k = ["gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4"]
                    .iter()
                    .any(|family| m.starts_with(family));
                Some(if o200k {
                    Encoding::O200kBase
                } else {
                    Encoding::Cl100kBase
                })
            }
            ProviderKind::Anthropic | ProviderKind::Bedrock | ProviderKind::OpenaiCompatible => {
                None
            }
        }
    }

    /// The text token ids stand for. Bytes that are not UTF-8 on their own (a character
    /// cut at the edge of a chunk) read as U+FFFD. `None` when an id is not in the
    /// vocabulary.
    pub fn decode(self, ids: &[u32]) -> Option<String> {
        let bytes = self.bpe().decode_bytes(ids).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    pub fn encode(self, text: &str) -> Vec<u32> {
        self.bpe().encode_ordinary(text)
    }
}

/// The token-array inputs of one embeddings request, replaced by their text while the
/// guard reads it.
#[derive(Debug)]
pub struct TokenInputs {
    encoding: Encoding,
    /// The ids of each input, in order, and the text they decoded to.
    inputs: Vec<(Vec<u32>, String)>,
    /// The request sent one array of ids (not an array of arrays).
    single: bool,
}

/// Whether `v` is an array of token ids.
fn ids_of(v: &Value) -> Option<Vec<u32>> {
    let items = v.as_array()?;
    items
        .iter()
        .map(|t| t.as_u64().and_then(|t| u32::try_from(t).ok()))
        .collect()
}

impl TokenInputs {
    /// When `req.input` holds token ids, decode them into text in place and remember the
    /// ids. Refused (400 naming `input`) when a deployment's vocabulary is unknown or an
    /// id is not in it.
    pub fn take(req: &mut Value, route: &ModelRoute) -> Result<Option<TokenInputs>, ApiError> {
        let Some(input) = req.get("input") else {
            return Ok(None);
        };
        let (arrays, single) = match input {
            Value::Array(items) if items.first().is_some_and(Value::is_number) => {
                (vec![ids_of(input)], true)
            }
            Value::Array(items) if items.first().is_some_and(Value::is_array) => {
                (items.iter().map(ids_of).collect(), false)
            }
            _ => return Ok(None),
        };
        let mut encodings = route
            .deployments
            .iter()
            .map(|d| Encoding::for_deployment(d.provider.kind(), &d.upstream_model));
        let first = encodings.next().flatten();
        let Some(encoding) = first.filter(|e| encodings.all(|o| o == Some(*e))) else {
            return Err(ApiError::invalid(
                "input",
                "token ids can be inspected only for models whose vocabulary Rampart knows (OpenAI, Azure OpenAI, all deployments alike); send the input as text",
            ));
        };
        let mut inputs = Vec::with_capacity(arrays.len());
        for (i, ids) in arrays.into_iter().enumerate() {
            let at = if single {
                "input".to_owned()
            } else {
                format!("input[{i}]")
            };
            let Some(ids) = ids.filter(|ids| !ids.is_empty()) else {
                return Err(ApiError::invalid(
                    at,
                    "expected a non-empty array of token ids (integers)",
                ));
            };
            let Some(text) = encoding.decode(&ids) else {
                return Err(ApiError::invalid(
                    at,
                    format!(
                        "holds a token id outside the {} vocabulary",
                        encoding.name()
                    ),
                ));
            };
            inputs.push((ids, text));
        }
        req["input"] = Value::Array(
            inputs
                .iter()
                .map(|(_, t)| Value::String(t.clone()))
                .collect(),
        );
        Ok(Some(TokenInputs {
            encoding,
            inputs,
            single,
        }))
    }

    /// Put token ids back in place of the inspected text: the original ids where the
    /// guard left the text alone, the rewritten text encoded again where it changed it.
    pub fn restore(self, req: &mut Value) {
        let texts: Vec<Option<String>> = match req.get("input") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let arrays: Vec<Value> = self
            .inputs
            .into_iter()
            .enumerate()
            .map(|(i, (ids, decoded))| {
                let ids = match texts.get(i).cloned().flatten() {
                    Some(now) if now != decoded => self.encoding.encode(&now),
                    _ => ids,
                };
                Value::Array(ids.into_iter().map(Value::from).collect())
            })
            .collect();
        req["input"] = match (self.single, arrays.len()) {
            (true, 1) => arrays.into_iter().next().unwrap_or(Value::Null),
            _ => Value::Array(arrays),
        };
    }

    /// How many token ids were sent.
    pub fn count(&self) -> usize {
        self.inputs.iter().map(|(ids, _)| ids.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_both_vocabularies() {
        for e in [Encoding::Cl100kBase, Encoding::O200kBase] {
            let text = "Escribe a ana@example.es — ¿vale?";
            let ids = e.encode(text);
            assert_eq!(e.decode(&ids).as_deref(), Some(text));
        }
        assert_eq!(Encoding::Cl100kBase.decode(&[u32::MAX]), None);
    }

    #[test]
    fn only_known_vocabularies_are_used() {
        assert_eq!(
            Encoding::for_deployment(ProviderKind::Openai, "text-embedding-3-small"),
            Some(Encoding::Cl100kBase)
        );
        assert_eq!(
            Encoding::for_deployment(ProviderKind::Openai, "gpt-4o-mini"),
            Some(Encoding::O200kBase)
        );
        assert_eq!(
            Encoding::for_deployment(ProviderKind::OpenaiCompatible, "text-embedding-3-small"),
            None
        );
    }
}
