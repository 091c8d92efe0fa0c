//! `openai_compatible`: servers that speak OpenAI's API (vLLM, Ollama's `/v1`, Hugging
//! Face TGI and Inference Endpoints, LM Studio).
//!
//! `base_url` includes `/v1` as in their docs (e.g. `http://127.0.0.1:11434/v1`); the key
//! is optional. No `stream_options` is sent, since some of these servers refuse unknown
//! fields; token counts then come from the gateway's estimate when the stream has none.

use super::openai::{Endpoint, KeyHeader, OpenAiProvider};
use crate::config::ProviderConfig;

pub fn build(config: &ProviderConfig) -> Result<OpenAiProvider, String> {
    let base = config
        .base_url
        .as_ref()
        .ok_or("openai_compatible needs base_url")?
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    OpenAiProvider::new(config, Endpoint::Base(base), KeyHeader::Bearer, false)
}
