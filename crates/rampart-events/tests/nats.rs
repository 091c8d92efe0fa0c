//! The NATS JetStream sink against a real `nats-server -js` (`RAMPART_TEST_NATS_URL`, e.g.
//! `nats://127.0.0.1:4222`). The test makes its own stream through the JetStream API
//! (`$JS.API.STREAM.CREATE`), publishes, and reads the stream back (`STREAM.INFO`,
//! `STREAM.MSG.GET`) over the same text protocol, then deletes it.
//!
//! Ignored by default; `scripts/test` runs it with `--ignored` when the variable is set.

#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use rampart_core::audit::AuditRecord;
use rampart_events::sinks::{SinkSettings, Target};
use rampart_events::{Event, Events, Format};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

fn nats_url() -> String {
    std::env::var("RAMPART_TEST_NATS_URL")
        .expect("RAMPART_TEST_NATS_URL (e.g. nats://127.0.0.1:4222) must be set for this test")
}

/// One JetStream API request over a fresh connection.
async fn js(subject: &str, payload: &Value) -> Value {
    let addr = nats_url().trim_start_matches("nats://").to_owned();
    let stream = TcpStream::connect(&addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = String::new();
    reader.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("INFO"), "{line}");
    let body = payload.to_string();
    let hello = format!(
        "CONNECT {{\"verbose\":false,\"headers\":true,\"no_responders\":true}}\r\nSUB _INBOX.test 1\r\nPUB {subject} _INBOX.test {}\r\n{body}\r\n",
        body.len()
    );
    write.write_all(hello.as_bytes()).await.unwrap();
    loop {
        line.clear();
        reader.read_line(&mut line).await.unwrap();
        let parts: Vec<&str> = line.trim_end().split(' ').collect();
        if parts[0] == "PING" {
            write.write_all(b"PONG\r\n").await.unwrap();
        } else if parts[0] == "MSG" {
            let len: usize = parts.last().unwrap().parse().unwrap();
            let mut buf = vec![0; len + 2];
            reader.read_exact(&mut buf).await.unwrap();
            return serde_json::from_slice(&buf[..len]).unwrap();
        } else if parts[0].starts_with("-ERR") {
            panic!("{line}");
        }
    }
}

fn numbered(i: usize) -> Event {
    let r = AuditRecord::new(
        1_765_000_000_000 + i as i64,
        format!("req-{i:05}"),
        "openai.chat_completions",
    );
    Event::from_audit(&r).remove(0)
}

async fn message(stream: &str, seq: u64) -> Value {
    let answer = js(
        &format!("$JS.API.STREAM.MSG.GET.{stream}"),
        &json!({"seq": seq}),
    )
    .await;
    let data = base64::engine::general_purpose::STANDARD
        .decode(answer["message"]["data"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&data).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a NATS JetStream server (RAMPART_TEST_NATS_URL); run by scripts/test"]
async fn jetstream_acknowledges_every_event_in_order_and_drops_resent_ids() {
    let tag = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let stream = format!("RAMPART_TEST_{tag}");
    let subject = format!("rampart.test.{tag}");
    let created = js(
        &format!("$JS.API.STREAM.CREATE.{stream}"),
        &json!({"name": stream, "subjects": [subject], "storage": "memory", "duplicate_window": 120_000_000_000u64}),
    )
    .await;
    assert!(created.get("error").is_none(), "{created}");

    let dir = tempfile::tempdir().unwrap();
    let mut s = SinkSettings::new(
        "nats",
        Format::Ocsf,
        Target::Nats {
            url: nats_url(),
            subject: subject.clone(),
            token: None,
        },
        dir.path().join("nats.spool"),
    );
    s.timeout = Duration::from_secs(5);
    let events = Events::start(&[s]).unwrap();
    for i in 0..2_000 {
        events.publish(numbered(i));
    }
    assert!(
        events.drain(Duration::from_secs(30)).await,
        "{:?}",
        events.stats()
    );
    // The same ids again: JetStream's duplicate window drops them.
    for i in 0..10 {
        events.publish(numbered(i));
    }
    assert!(
        events.drain(Duration::from_secs(10)).await,
        "{:?}",
        events.stats()
    );

    let info = js(&format!("$JS.API.STREAM.INFO.{stream}"), &json!({})).await;
    assert_eq!(info["state"]["messages"], 2_000, "{info}");
    let first = message(&stream, 1).await;
    let last = message(&stream, 2_000).await;
    assert_eq!(first["metadata"]["uid"], "req-00000");
    assert_eq!(last["metadata"]["uid"], "req-01999");
    assert_eq!(first["class_uid"], 6003);

    let deleted = js(&format!("$JS.API.STREAM.DELETE.{stream}"), &json!({})).await;
    assert_eq!(deleted["success"], true, "{deleted}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a NATS JetStream server (RAMPART_TEST_NATS_URL); run by scripts/test"]
async fn a_subject_no_stream_takes_is_retried_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SinkSettings::new(
        "nats",
        Format::Ocsf,
        Target::Nats {
            url: nats_url(),
            subject: "rampart.nostream.test".into(),
            token: None,
        },
        dir.path().join("nats.spool"),
    );
    s.timeout = Duration::from_secs(2);
    let events = Events::start(&[s]).unwrap();
    events.publish(numbered(1));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while events.stats()[0].1.retried == 0 {
        assert!(std::time::Instant::now() < deadline, "{:?}", events.stats());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = events.stats()[0].1;
    assert_eq!((stats.sent, stats.dropped, stats.backlog), (0, 0, 1));
}
