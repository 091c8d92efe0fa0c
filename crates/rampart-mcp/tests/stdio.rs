//! `serve_stdio` as a client sees it, over an in-memory pipe: the handshake, ping, and
//! JSON-RPC errors for what the proxy does not serve or cannot parse.

// Test helpers outside #[test] functions unwrap too: a failure is the test's failure.
#![allow(clippy::unwrap_used)]

use rampart_guard::{Guard, Policy};
use rampart_mcp::Proxy;
use rampart_mcp::pinning::{PinningMode, Pins};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const MAX: usize = 4096;

/// Write `input` (lines) to a proxy without upstreams and read every answer line.
async fn exchange(input: &[u8]) -> Vec<Value> {
    let proxy = Arc::new(Proxy::new(
        Vec::new(),
        Pins::load(PinningMode::FirstUse, None).unwrap(),
        Arc::new(Guard::new(Policy::default()).unwrap()),
        None,
    ));
    let (mut client_in, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, client_out) = tokio::io::duplex(1 << 16);
    let served = tokio::spawn(rampart_mcp::serve_stdio::serve_stdio(
        proxy, server_in, server_out, MAX,
    ));
    client_in.write_all(input).await.unwrap();
    drop(client_in);
    let mut answers = Vec::new();
    let mut lines = BufReader::new(client_out).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        answers.push(serde_json::from_str(&line).unwrap());
    }
    served.await.unwrap().unwrap();
    answers
}

fn by_id(answers: &[Value], id: Value) -> &Value {
    answers
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no answer with id {id}: {answers:?}"))
}

#[tokio::test]
async fn handshake_ping_and_refusals_over_stdio() {
    let long = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"ping\",\"params\":{{\"pad\":\"{}\"}}}}\n",
        "x".repeat(MAX)
    );
    let input = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"file:///etc/passwd"}}"#,
        r#"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#,
        r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"x__y"}}"#,
        r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":7}}"#,
        r#"{"jsonrpc":"2.0","id":"#,
        r#"[{"jsonrpc":"2.0","id":8,"method":"ping"}]"#,
        "",
    ]
    .join("\n")
        + &long
        + "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"}\n";
    let answers = exchange(input.as_bytes()).await;

    let init = by_id(&answers, json!(1));
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(init["result"]["serverInfo"]["name"], "rampart-mcp");
    assert_eq!(by_id(&answers, json!(2))["result"], json!({}));
    let refused = by_id(&answers, json!(3));
    assert_eq!(refused["error"]["code"], -32601);
    assert!(
        !refused.to_string().contains("passwd"),
        "the refusal echoes the request"
    );
    assert_eq!(by_id(&answers, json!(4))["result"]["tools"], json!([]));
    assert_eq!(by_id(&answers, json!(5))["error"]["code"], -32602);
    assert_eq!(by_id(&answers, json!(6))["error"]["code"], -32602);
    let nulls: Vec<i64> = answers
        .iter()
        .filter(|a| a["id"].is_null())
        .map(|a| a["error"]["code"].as_i64().unwrap())
        .collect();
    // The cut message, the batch and the over-long line, in order.
    assert_eq!(nulls, vec![-32700, -32600, -32600]);
    assert_eq!(by_id(&answers, json!(10))["result"], json!({}));
    // Nothing answers the notification; nothing answers the over-long line's id.
    assert_eq!(answers.len(), 10, "{answers:?}");
}
