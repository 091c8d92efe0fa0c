//! The clients people use, over real HTTP: structured output carried through every
//! translation, the Responses API's stored-state fields refused, Azure OpenAI paths and
//! headers, LiteLLM-style base URLs, aliases and body fields, and error `param`s named as
//! the client sent them. A scripted fake provider records what it received.

// The fake provider and the harness are test code outside `#[test]` functions.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use rampart_gateway::config::Config;
use serde_json::{Value, json};

async fn start() -> Harness {
    start_with(r#"aliases = ["openai/gpt", "azure-gpt"]"#, "").await
}

// ------------------------------------------------------------------ structured output

fn schema() -> Value {
    json!({"type": "object", "properties": {"city": {"type": "string", "description": "The city"}},
        "required": ["city"], "additionalProperties": false})
}

#[tokio::test]
async fn responses_text_format_reaches_the_provider_as_response_format_and_is_echoed() {
    let h = start().await;
    let a = h
        .post("/v1/responses", json!({"model": "gpt", "input": "Where?",
            "text": {"format": {"type": "json_schema", "name": "place", "schema": schema(), "strict": true},
                     "verbosity": "low"}}))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sent = h.sent().pop().unwrap();
    assert_eq!(
        sent["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "place", "schema": schema(), "strict": true}})
    );
    assert_eq!(sent["verbosity"], "low");
    assert_eq!(a.json()["text"]["format"]["name"], "place", "{}", a.text);

    // The same schema to an Anthropic model becomes native `output_config.format`.
    let a = h
        .post(
            "/v1/responses",
            json!({"model": "claude", "input": "Where?",
            "text": {"format": {"type": "json_schema", "name": "place", "schema": schema()}}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sent = h.sent().pop().unwrap();
    assert_eq!(
        sent["output_config"],
        json!({"format": {"type": "json_schema", "schema": schema()}})
    );
    assert!(sent.get("response_format").is_none(), "{sent}");

    // Without a format the echo says text, as OpenAI's does.
    let a = h
        .post("/v1/responses", json!({"model": "gpt", "input": "hi"}))
        .await;
    assert_eq!(a.json()["text"], json!({"format": {"type": "text"}}));
}

#[tokio::test]
async fn structured_output_schema_text_is_inspected_on_every_surface() {
    let h = start().await;
    let bad = json!({"type": "object", "properties": {"a": {"type": "string", "description": INJECTION}}});
    let a = h
        .post(
            "/v1/responses",
            json!({"model": "gpt", "input": "hi",
            "text": {"format": {"type": "json_schema", "name": "o", "schema": bad}}}),
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert!(a.text.contains("prompt_injection"), "{}", a.text);
    let a = h
        .post(
            "/v1/messages",
            json!({"model": "claude", "max_tokens": 10, "messages": user("hi"),
            "output_config": {"format": {"type": "json_schema", "schema": bad}}}),
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert!(a.text.contains("prompt_injection"), "{}", a.text);
    assert!(h.sent().is_empty(), "{:?}", h.sent());

    // Personal data in the schema is pseudonymised before any provider reads it.
    let pii = json!({"type": "object", "properties": {"to": {"type": "string", "default": EMAIL}}});
    let a = h
        .post(
            "/v1/messages",
            json!({"model": "claude", "max_tokens": 10, "messages": user("hi"),
            "output_config": {"format": {"type": "json_schema", "schema": pii}}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sent = h.sent().pop().unwrap().to_string();
    assert!(
        !sent.contains(EMAIL) && sent.contains("<EMAIL_ADDRESS_1>"),
        "{sent}"
    );
}

#[tokio::test]
async fn anthropic_output_config_is_carried_natively_and_translated_for_openai() {
    let h = start().await;
    let a = h
        .post("/v1/messages", json!({"model": "claude", "max_tokens": 10, "messages": user("Where?"),
            "output_config": {"format": {"type": "json_schema", "schema": schema()}, "effort": "low"}}))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sent = h.sent().pop().unwrap();
    assert_eq!(
        sent["output_config"],
        json!({"effort": "low", "format": {"type": "json_schema", "schema": schema()}})
    );

    let a = h
        .post(
            "/v1/messages",
            json!({"model": "gpt", "max_tokens": 10, "messages": user("Where?"),
            "output_config": {"format": {"type": "json_schema", "schema": schema()}}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sent = h.sent().pop().unwrap();
    assert_eq!(sent["response_format"]["type"], "json_schema", "{sent}");
    assert_eq!(sent["response_format"]["json_schema"]["schema"], schema());
    assert!(sent.get("output_config").is_none(), "{sent}");

    let a = h
        .post(
            "/v1/messages",
            json!({"model": "claude", "max_tokens": 10, "messages": user("x"),
            "output_config": {"format": {"type": "xml"}}}),
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert!(a.text.contains("output_config.format.type"), "{}", a.text);
}

#[tokio::test]
async fn chat_response_format_to_an_anthropic_model_becomes_output_config() {
    let h = start().await;
    h.script(Script::Json(
        json!({"id": "msg_up", "type": "message", "role": "assistant", "model": "claude-upstream",
            "content": [{"type": "text", "text": "{\"city\":\"Paris\"}"}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 3, "output_tokens": 4}}),
    ));
    let a = h
        .chat(json!({"model": "claude", "messages": user("Where?"),
            "response_format": {"type": "json_schema", "json_schema": {"name": "place", "schema": schema()}}}))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sent = h.sent().pop().unwrap();
    assert_eq!(
        sent["output_config"]["format"],
        json!({"type": "json_schema", "schema": schema()})
    );
    assert_eq!(
        a.json()["choices"][0]["message"]["content"],
        "{\"city\":\"Paris\"}"
    );
}

// ------------------------------------------------------- responses: no stored state

#[tokio::test]
async fn responses_that_lean_on_stored_state_are_refused_clearly() {
    let h = start().await;
    for key in ["previous_response_id", "conversation"] {
        let mut body = json!({"model": "gpt", "input": "and then?"});
        body[key] = json!("resp_123");
        let a = h.post("/v1/responses", body).await;
        assert_eq!(a.status, 400, "{}", a.text);
        assert_eq!(a.json()["error"]["param"], key, "{}", a.text);
        assert!(a.text.contains("does not store responses"), "{}", a.text);
    }
    let a = h
        .client
        .get(format!("{}/v1/responses/resp_123", h.gateway))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 404);
    assert!(a.text().await.unwrap().contains("does not store responses"));
    assert!(h.sent().is_empty());
}

#[tokio::test]
async fn a_streamed_structured_answer_keeps_its_json_text() {
    // The answer of an Anthropic model with `output_config` is plain text: no translation back.
    let h = start().await;
    h.script(Script::Sse(vec![
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
            "model": "claude-upstream", "content": [], "usage": {"input_tokens": 3, "output_tokens": 0}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "{\"city\": \"Paris\"}"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 5}}),
        json!({"type": "message_stop"}),
    ]));
    let a = h
        .chat(json!({"model": "claude", "stream": true, "messages": user("Where?"),
            "response_format": {"type": "json_schema", "json_schema": {"name": "place", "schema": schema()}}}))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(
        a.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let text: String = a
        .events()
        .iter()
        .filter_map(|e| {
            e.pointer("/choices/0/delta/content")
                .and_then(Value::as_str)
        })
        .collect();
    assert_eq!(text, "{\"city\": \"Paris\"}");
    assert!(h.last_sent().contains("output_config"));
}

// ------------------------------------------------------------- Azure OpenAI clients

impl Harness {
    async fn send(&self, req: reqwest::RequestBuilder, body: Value) -> Answer {
        let resp = req.json(&body).send().await.unwrap();
        Answer {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            text: resp.text().await.unwrap(),
        }
    }
}

#[tokio::test]
async fn azure_deployment_paths_with_the_api_key_header_reach_the_model() {
    let h = start().await;
    let url = |p: &str| {
        format!(
            "{}/openai/deployments/{p}?api-version=2024-10-21",
            h.gateway
        )
    };
    let a = h
        .send(
            h.client
                .post(url("gpt/chat/completions"))
                .header("api-key", KEY),
            json!({"messages": user("hi")}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(h.sent().pop().unwrap()["model"], "gpt-upstream");
    // The deployment in the path wins over a model in the body; an alias works as a deployment.
    let a = h
        .send(
            h.client
                .post(url("azure-gpt/chat/completions"))
                .header("api-key", KEY),
            json!({"model": "claude", "messages": user("hi")}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(h.sent().pop().unwrap()["model"], "gpt-upstream");
    let a = h
        .send(
            h.client.post(url("gpt/embeddings")).header("api-key", KEY),
            json!({"input": "hello"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let a = h
        .send(
            h.client.post(url("gpt/completions")).header("api-key", KEY),
            json!({"prompt": "hello"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);

    // Errors in OpenAI's shape: unknown deployment, wrong key.
    let a = h
        .send(
            h.client
                .post(url("nope/chat/completions"))
                .header("api-key", KEY),
            json!({"messages": user("hi")}),
        )
        .await;
    assert_eq!(a.status, 404, "{}", a.text);
    assert_eq!(a.json()["error"]["code"], "model_not_found");
    let a = h
        .send(
            h.client
                .post(url("gpt/chat/completions"))
                .header("api-key", "rk-wrong"),
            json!({"messages": user("hi")}),
        )
        .await;
    assert_eq!(a.status, 401, "{}", a.text);
    assert_eq!(a.json()["error"]["type"], "authentication_error");
}

#[tokio::test]
async fn openai_surfaces_are_served_under_openai_v1_and_without_v1() {
    let h = start().await;
    for prefix in ["/openai/v1", ""] {
        let a = h
            .post(
                &format!("{prefix}/chat/completions"),
                json!({"model": "gpt", "messages": user("hi")}),
            )
            .await;
        assert_eq!(a.status, 200, "{prefix}: {}", a.text);
        let a = h
            .post(
                &format!("{prefix}/responses"),
                json!({"model": "gpt", "input": "hi"}),
            )
            .await;
        assert_eq!(a.status, 200, "{prefix}: {}", a.text);
        let a = h
            .post(
                &format!("{prefix}/embeddings"),
                json!({"model": "gpt", "input": "hi"}),
            )
            .await;
        assert_eq!(a.status, 200, "{prefix}: {}", a.text);
        let models = h
            .client
            .get(format!("{}{prefix}/models", h.gateway))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(models.status(), 200, "{prefix}");
    }
    // Still no open proxy: other paths are refused.
    let a = h.post("/v1/files", json!({})).await;
    assert_eq!(a.status, 404, "{}", a.text);
}

// ----------------------------------------------------------------- LiteLLM migration

#[tokio::test]
async fn provider_prefixed_aliases_are_served_as_their_model() {
    let h = start().await;
    let a = h
        .chat(json!({"model": "openai/gpt", "messages": user("hi")}))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(h.sent().pop().unwrap()["model"], "gpt-upstream");
    assert_eq!(
        a.json()["model"],
        "gpt",
        "answered as the model: {}",
        a.text
    );
    let a = h
        .chat(json!({"model": "anthropic/claude", "messages": user("hi")}))
        .await;
    assert_eq!(
        a.status, 404,
        "unconfigured prefixes are unknown models: {}",
        a.text
    );
}

#[test]
fn an_alias_that_names_a_model_is_refused_at_load() {
    let text = r#"
[[providers]]
name = "m"
kind = "mock"

[[models]]
name = "a"
provider = "m"

[[models]]
name = "b"
provider = "m"
aliases = ["a"]
"#;
    let err = Config::from_toml(text, "c.toml")
        .and_then(|c| c.validate().map(|_| c))
        .unwrap_err()
        .to_string();
    assert!(err.contains("models.aliases"), "{err}");
}

#[tokio::test]
async fn litellm_only_body_fields_are_refused_by_name() {
    let h = start().await;
    for (path, mut body) in [
        (
            "/v1/chat/completions",
            json!({"model": "gpt", "messages": user("hi")}),
        ),
        ("/v1/responses", json!({"model": "gpt", "input": "hi"})),
        ("/v1/embeddings", json!({"model": "gpt", "input": "hi"})),
    ] {
        for key in [
            "api_key",
            "api_base",
            "fallbacks",
            "mock_response",
            "num_retries",
            "caching",
        ] {
            body[key] = json!("x");
            let a = h.post(path, body.clone()).await;
            assert_eq!(a.status, 400, "{path} {key}: {}", a.text);
            assert_eq!(a.json()["error"]["param"], key, "{path}: {}", a.text);
            body.as_object_mut().unwrap().remove(key);
        }
    }
    assert!(h.sent().is_empty(), "{:?}", h.sent());
}

// ------------------------------------------------------ error params as the client sent them

#[tokio::test]
async fn responses_errors_name_the_input_item() {
    let h = start().await;
    let a = h
        .post("/v1/responses", json!({"model": "gpt", "instructions": "Be brief.", "input": [
            {"role": "user", "content": "hello"},
            {"role": "assistant", "content": "hi"},
            {"role": "user", "content": [{"type": "input_text", "text": "fine"}, {"type": "input_text", "text": INJECTION}]}]}))
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    let param = a.json()["error"]["param"].as_str().unwrap_or("").to_owned();
    assert!(param.starts_with("input[2].content"), "{}", a.text);
    let message = a.json()["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        message.contains("`input[2].content") && !message.contains("messages["),
        "{}",
        a.text
    );

    let a = h
        .post(
            "/v1/responses",
            json!({"model": "gpt", "input": [
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": INJECTION}]}),
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert_eq!(a.json()["error"]["param"], "input[1].output", "{}", a.text);

    let a = h
        .post(
            "/v1/responses",
            json!({"model": "gpt", "input": "hi",
            "tools": [{"type": "function", "name": "f", "parameters": {"type": "object",
                "properties": {"q": {"type": "string", "description": INJECTION}}}}]}),
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    let param = a.json()["error"]["param"].as_str().unwrap_or("").to_owned();
    assert!(param.starts_with("tools[0].parameters"), "{}", a.text);
}

#[tokio::test]
async fn anthropic_errors_name_the_block_as_sent() {
    let h = start().await;
    let a = h
        .post("/v1/messages", json!({"model": "claude", "max_tokens": 10, "system": "Be brief.", "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": "ok"},
                {"type": "text", "text": "fine"},
                {"type": "text", "text": INJECTION}]}]}))
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    // Anthropic's error shape has no `param`: the message names the block.
    let message = a.json()["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(message.contains("`messages[2].content"), "{}", a.text);
    assert!(!message.contains("messages[4]"), "{}", a.text);
}
