//! The HTTP sinks against receivers written in `common/` from the documented wire formats
//! (Standard Webhooks, Splunk HEC, Elasticsearch `_bulk`), and the dispatcher's promises:
//! order, retries, refusals, the spool across a receiver outage and a restart.

#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine as _;
use common::{Receiver, Request, eventually};
use rampart_core::audit::{AuditRecord, FindingSummary};
use rampart_core::{Decision, Direction, FindingKind};
use rampart_events::sinks::{SinkSettings, Target};
use rampart_events::{Event, Events, Format};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn blocked_request(id: &str) -> AuditRecord {
    let mut r = AuditRecord::new(1_765_000_000_000, id, "openai.chat_completions");
    r.key_id = Some("key_1".into());
    r.tenant = Some("acme".into());
    r.model = Some("gpt-4o-mini".into());
    r.provider = Some("openai".into());
    r.decision = Decision::Block;
    r.status = 400;
    r.findings = vec![FindingSummary {
        kind: FindingKind::PromptInjection,
        entity: "INSTRUCTION_OVERRIDE".into(),
        direction: Some(Direction::Input),
    }];
    r
}

fn numbered(i: usize) -> Event {
    let mut r = AuditRecord::new(
        1_765_000_000_000 + i as i64,
        format!("req-{i:05}"),
        "openai.chat_completions",
    );
    r.tenant = Some("acme".into());
    Event::from_audit(&r).remove(0)
}

fn settings(dir: &tempfile::TempDir, name: &str, format: Format, target: Target) -> SinkSettings {
    let mut s = SinkSettings::new(
        name,
        format,
        target,
        dir.path().join(format!("{name}.spool")),
    );
    s.timeout = Duration::from_secs(2);
    s
}

/// HMAC-SHA256 written out from RFC 2104 over `sha2`, independent of the sink's `hmac`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x36)
        .chain(message.iter().copied())
        .collect();
    let inner = Sha256::digest(&inner);
    let outer: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x5c)
        .chain(inner.iter().copied())
        .collect();
    Sha256::digest(&outer).to_vec()
}

fn ok(_: &Request) -> (u16, String) {
    (200, "{}".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_per_standard_webhooks_and_sent_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start("127.0.0.1:0", Arc::new(ok)).await;
    let key = rampart_events::sinks::webhook::decode_secret(SECRET).unwrap();
    let events = Events::start(&[settings(
        &dir,
        "soar",
        Format::Ocsf,
        Target::Webhook {
            url: format!("{}/hook", receiver.url()),
            secret: key,
        },
    )])
    .unwrap();
    events.publish_audit(&blocked_request("req-1"));
    assert!(
        eventually(10, || receiver.taken().len() == 3).await,
        "{:?}",
        events.stats()
    );
    let taken = receiver.taken();
    let ids: Vec<_> = taken
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["req-1", "req-1.auth", "req-1.f1"]);
    let raw_key = base64::engine::general_purpose::STANDARD
        .decode(SECRET.trim_start_matches("whsec_"))
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    for request in &taken {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/hook");
        let id = request.header("webhook-id").unwrap();
        let ts = request.header("webhook-timestamp").unwrap();
        assert!(
            (ts.parse::<i64>().unwrap() - now).abs() < 60,
            "timestamp {ts}"
        );
        let mut signed = format!("{id}.{ts}.").into_bytes();
        signed.extend_from_slice(&request.body);
        let expected = format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(hmac_sha256(&raw_key, &signed))
        );
        assert_eq!(request.header("webhook-signature"), Some(expected.as_str()));
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert!(body["type"].as_str().unwrap().starts_with("rampart."));
        assert_eq!(body["data"]["metadata"]["product"]["name"], "Rampart");
    }
    let first: serde_json::Value = serde_json::from_slice(&taken[0].body).unwrap();
    assert_eq!(first["type"], "rampart.api_activity");
    assert_eq!(first["data"]["class_uid"], 6003);
    assert!(eventually(10, || events.stats()[0].1.sent == 3).await);
    assert_eq!(events.stats()[0].1.dropped, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn splunk_hec_gets_the_token_and_one_json_object_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(
        "127.0.0.1:0",
        Arc::new(|r: &Request| {
            if r.header("authorization") != Some("Splunk hec-token-1") {
                return (401, r#"{"text":"Invalid authorization","code":3}"#.into());
            }
            (200, r#"{"text":"Success","code":0}"#.into())
        }),
    )
    .await;
    let events = Events::start(&[settings(
        &dir,
        "splunk",
        Format::Ocsf,
        Target::SplunkHec {
            url: receiver.url(),
            token: "hec-token-1".into(),
        },
    )])
    .unwrap();
    events.publish_audit(&blocked_request("req-2"));
    // The worker may take the three events in one request or several.
    let objects = || -> Vec<serde_json::Value> {
        receiver
            .taken()
            .iter()
            .flat_map(|r| {
                assert_eq!(r.path, "/services/collector/event");
                serde_json::Deserializer::from_slice(&r.body)
                    .into_iter()
                    .map(Result::unwrap)
                    .collect::<Vec<serde_json::Value>>()
            })
            .collect()
    };
    assert!(eventually(10, || objects().len() == 3).await);
    let objects = objects();
    assert_eq!(objects[0]["sourcetype"], "rampart:ocsf");
    assert_eq!(objects[0]["time"], 1_765_000_000.0);
    assert_eq!(objects[0]["event"]["class_uid"], 6003);
    assert_eq!(objects[2]["event"]["class_uid"], 2004);
    assert_eq!(objects[0]["fields"]["tenant"], "acme");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_sends_create_actions_with_event_ids_and_ecs_documents() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(
        "127.0.0.1:0",
        Arc::new(|r: &Request| {
            let lines = r
                .body
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count();
            let items: Vec<String> = (0..lines / 2)
                .map(|_| r#"{"create":{"status":201}}"#.to_owned())
                .collect();
            (
                200,
                format!(
                    r#"{{"took":1,"errors":false,"items":[{}]}}"#,
                    items.join(",")
                ),
            )
        }),
    )
    .await;
    let events = Events::start(&[settings(
        &dir,
        "elastic",
        Format::Ecs,
        Target::Elasticsearch {
            url: receiver.url(),
            index: "rampart-events".into(),
            api_key: Some("es-key".into()),
        },
    )])
    .unwrap();
    events.publish_audit(&blocked_request("req-3"));
    let lines = || -> Vec<serde_json::Value> {
        receiver
            .taken()
            .iter()
            .flat_map(|request| {
                assert_eq!(request.path, "/_bulk");
                assert_eq!(request.header("content-type"), Some("application/x-ndjson"));
                assert_eq!(request.header("authorization"), Some("ApiKey es-key"));
                assert!(request.body.ends_with(b"\n"));
                request
                    .body
                    .split(|b| *b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(|l| serde_json::from_slice(l).unwrap())
                    .collect::<Vec<serde_json::Value>>()
            })
            .collect()
    };
    assert!(eventually(10, || lines().len() == 6).await);
    let lines = lines();
    assert_eq!(lines[0]["create"]["_index"], "rampart-events");
    assert_eq!(lines[0]["create"]["_id"], "req-3");
    assert_eq!(lines[1]["@timestamp"], "2025-12-06T05:46:40.000Z");
    assert_eq!(lines[1]["event"]["kind"], "event");
    assert_eq!(lines[1]["gen_ai"]["request"]["model"]["id"], "gpt-4o-mini");
    assert_eq!(lines[5]["event"]["kind"], "alert");
    assert_eq!(lines[5]["rule"]["name"], "INSTRUCTION_OVERRIDE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_receiver_is_retried_and_a_refusal_is_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = calls.clone();
    let receiver = Receiver::start(
        "127.0.0.1:0",
        Arc::new(
            move |_: &Request| match seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 | 1 => (503, r#"{"text":"Server is busy","code":9}"#.into()),
                2 => (400, r#"{"text":"Invalid data format","code":6}"#.into()),
                _ => (200, r#"{"text":"Success","code":0}"#.into()),
            },
        ),
    )
    .await;
    let events = Events::start(&[settings(
        &dir,
        "splunk",
        Format::Ocsf,
        Target::SplunkHec {
            url: receiver.url(),
            token: "t".into(),
        },
    )])
    .unwrap();
    events.publish(numbered(1));
    assert!(
        eventually(10, || events.stats()[0].1.dropped == 1).await,
        "{:?}",
        events.stats()
    );
    let stats = events.stats()[0].1;
    assert_eq!(stats.retried, 2);
    assert_eq!(stats.sent, 0);
    events.publish(numbered(2));
    assert!(eventually(10, || receiver.taken().len() == 1).await);
    assert_eq!(events.stats()[0].1.sent, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_choose_what_each_sink_takes() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start("127.0.0.1:0", Arc::new(ok)).await;
    let mut s = settings(
        &dir,
        "alerts",
        Format::Ocsf,
        Target::Webhook {
            url: receiver.url(),
            secret: vec![7; 32],
        },
    );
    s.filter.min_severity = rampart_core::Severity::High;
    let events = Events::start(&[s]).unwrap();
    events.publish_audit(&blocked_request("req-4"));
    assert!(eventually(10, || receiver.taken().len() == 1).await);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let taken = receiver.taken();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].header("webhook-id"), Some("req-4.f1"));
}

/// The issue's test: stop the receiver, send 10,000 events, start it again, count exactly
/// 10,000 received, in order. A small queue makes most of them overflow to the spool from
/// the publishing side, which must not reorder them either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_events_survive_a_receiver_outage_in_order() {
    let dir = tempfile::tempdir().unwrap();
    // A port that nothing listens on yet.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut s = settings(
        &dir,
        "splunk",
        Format::Ocsf,
        Target::SplunkHec {
            url: format!("http://{addr}"),
            token: "t".into(),
        },
    );
    s.queue = 64;
    let events = Events::start(&[s]).unwrap();
    for i in 0..10_000 {
        events.publish(numbered(i));
    }
    assert!(eventually(10, || events.stats()[0].1.retried >= 1).await);
    let before = events.stats()[0].1;
    assert_eq!(before.sent, 0);
    assert_eq!(before.backlog, 10_000);
    assert!(before.spooled > 0, "{before:?}");
    let receiver = Receiver::start(
        &addr.to_string(),
        Arc::new(|_: &Request| (200, r#"{"text":"Success","code":0}"#.into())),
    )
    .await;
    assert!(
        eventually(60, || events.stats()[0].1.sent == 10_000).await,
        "{:?}",
        events.stats()
    );
    let ids: Vec<String> = receiver
        .taken()
        .iter()
        .flat_map(|r| {
            serde_json::Deserializer::from_slice(&r.body)
                .into_iter::<serde_json::Value>()
                .map(|v| {
                    v.unwrap()["event"]["metadata"]["uid"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let expected: Vec<String> = (0..10_000).map(|i| format!("req-{i:05}")).collect();
    assert_eq!(ids.len(), 10_000);
    assert!(ids == expected, "events arrived out of order");
    assert_eq!(events.stats()[0].1.dropped, 0);
}

/// Events spooled by one process are delivered by the next, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spooled_events_are_delivered_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let make = || {
        let key = vec![1; 32];
        settings(
            &dir,
            "soar",
            Format::Ocsf,
            Target::Webhook {
                url: format!("http://{addr}/hook"),
                secret: key,
            },
        )
    };
    let first = Events::start(&[make()]).unwrap();
    for i in 0..500 {
        first.publish(numbered(i));
    }
    assert!(!first.drain(Duration::from_millis(300)).await);
    drop(first);
    let receiver = Receiver::start(&addr.to_string(), Arc::new(ok)).await;
    let second = Events::start(&[make()]).unwrap();
    assert!(
        eventually(30, || receiver.taken().len() == 500).await,
        "{:?}",
        second.stats()
    );
    let ids: Vec<_> = receiver
        .taken()
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..500).map(|i| format!("req-{i:05}")).collect();
    assert_eq!(ids, expected);
}
