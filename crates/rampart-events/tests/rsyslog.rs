//! The syslog sink against a real Debian `rsyslogd` (packages `rsyslog` and
//! `rsyslog-gnutls`), started by the test on free ports with its own configuration in a
//! temporary folder: one plain TCP input and one TLS input (gtls driver, a CA and a
//! server certificate made with `openssl`), both writing RFC 5424 lines
//! (`RSYSLOG_SyslogProtocol23Format`) to one file that the test reads back.
//!
//! Ignored by default; `scripts/test` installs rsyslog (apt-get) and runs them with
//! `--ignored`, or lists them as skipped.

#![allow(clippy::unwrap_used)]

use rampart_core::audit::{AuditRecord, FindingSummary};
use rampart_core::{Decision, Direction, FindingKind};
use rampart_events::sinks::{SinkSettings, SyslogAddress, Target};
use rampart_events::{Event, Events, Format};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn rsyslogd() -> PathBuf {
    for dir in ["/usr/sbin", "/sbin", "/usr/local/sbin"] {
        let p = Path::new(dir).join("rsyslogd");
        if p.exists() {
            return p;
        }
    }
    panic!("rsyslogd not found: apt-get install rsyslog rsyslog-gnutls");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success(), "openssl {args:?}");
}

struct Rsyslog {
    child: Child,
    out: PathBuf,
    tcp: u16,
    tls: u16,
    ca: PathBuf,
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_rsyslog(dir: &Path) -> Rsyslog {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Rampart test CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    );
    let (tcp, tls) = (free_port(), free_port());
    let out = dir.join("out.log");
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let d = dir.display();
    let conf = format!(
        r#"global(workDirectory="{work}"
       DefaultNetstreamDriverCAFile="{d}/ca.pem"
       DefaultNetstreamDriverCertFile="{d}/server.pem"
       DefaultNetstreamDriverKeyFile="{d}/server.key")
module(load="imtcp" MaxSessions="50")
ruleset(name="rampart") {{
  action(type="omfile" file="{out}" template="RSYSLOG_SyslogProtocol23Format")
}}
input(type="imtcp" address="127.0.0.1" port="{tcp}" ruleset="rampart")
input(type="imtcp" address="127.0.0.1" port="{tls}" ruleset="rampart"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
"#,
        work = work.display(),
        out = out.display(),
    );
    let conf_path = dir.join("rsyslog.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = Command::new(rsyslogd())
        .arg("-n")
        .arg("-f")
        .arg(&conf_path)
        .arg("-i")
        .arg(dir.join("rsyslogd.pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting rsyslogd");
    let server = Rsyslog {
        child,
        out,
        tcp,
        tls,
        ca: dir.join("ca.pem"),
    };
    for port in [tcp, tls] {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "rsyslogd did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    server
}

fn request(id: &str) -> AuditRecord {
    let mut r = AuditRecord::new(1_765_000_000_000, id, "openai.chat_completions");
    r.key_id = Some("key_1".into());
    r.decision = Decision::Block;
    r.status = 400;
    r.findings = vec![FindingSummary {
        kind: FindingKind::PromptInjection,
        entity: "INSTRUCTION_OVERRIDE".into(),
        direction: Some(Direction::Input),
    }];
    r
}

async fn lines_with(out: &Path, needle: &str, want: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let text = std::fs::read_to_string(out).unwrap_or_default();
        let lines: Vec<String> = text
            .lines()
            .filter(|l| l.contains(needle))
            .map(String::from)
            .collect();
        if lines.len() >= want || std::time::Instant::now() > deadline {
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs rsyslogd and rsyslog-gnutls; run by scripts/test"]
async fn rsyslog_receives_octet_counted_messages_over_tcp_and_tls() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_rsyslog(dir.path());
    let sink = |name: &str, address: SyslogAddress, ca: Option<PathBuf>, format: Format| {
        let mut s = SinkSettings::new(
            name,
            format,
            Target::Syslog {
                address,
                ca_file: ca,
            },
            dir.path().join(format!("{name}.spool")),
        );
        s.timeout = Duration::from_secs(5);
        s
    };
    let events = Events::start(&[
        sink(
            "tcp",
            SyslogAddress::Tcp(format!("127.0.0.1:{}", server.tcp)),
            None,
            Format::Cef,
        ),
        sink(
            "tls",
            SyslogAddress::Tls(format!("localhost:{}", server.tls)),
            Some(server.ca.clone()),
            Format::Ocsf,
        ),
    ])
    .unwrap();
    for i in 0..50 {
        events.publish_audit(&request(&format!("req-{i:03}")));
    }
    // Three events per request; each sink gets all of them.
    let cef = lines_with(&server.out, "CEF:0|Rampart|Rampart|", 150).await;
    let ocsf = lines_with(&server.out, "\"class_uid\":", 150).await;
    assert_eq!(cef.len(), 150, "{:?}", events.stats());
    assert_eq!(ocsf.len(), 150, "{:?}", events.stats());
    // The RFC 5424 header as rsyslog parsed it: version 1, app name, msgid = class.
    let first = &cef[0];
    assert!(
        first.starts_with("<108>1 ") || first.starts_with("<110>1 "),
        "{first}"
    );
    assert!(first.contains(" rampart "), "{first}");
    assert!(
        cef.iter()
            .any(|l| l.contains(" detection_finding - CEF:0|Rampart|Rampart|"))
    );
    assert!(cef.iter().any(|l| l.contains("externalId=req-049.f1")));
    // Order within a sink is the order of publication.
    let ids: Vec<&str> = cef
        .iter()
        .filter(|l| l.contains(" api_activity - "))
        .map(|l| {
            l.split("externalId=")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
        })
        .collect();
    let expected: Vec<String> = (0..50).map(|i| format!("req-{i:03}")).collect();
    assert_eq!(ids, expected);
    // The TLS messages are whole JSON documents.
    for line in &ocsf {
        let json = &line[line.find('{').unwrap()..];
        let v: serde_json::Value =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["metadata"]["version"], "1.8.0");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs rsyslogd and rsyslog-gnutls; run by scripts/test"]
async fn a_tls_server_with_an_untrusted_certificate_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_rsyslog(dir.path());
    let mut s = SinkSettings::new(
        "tls",
        Format::Cef,
        Target::Syslog {
            address: SyslogAddress::Tls(format!("localhost:{}", server.tls)),
            // The system roots: they do not hold the test CA.
            ca_file: None,
        },
        dir.path().join("tls.spool"),
    );
    s.timeout = Duration::from_secs(2);
    let events = Events::start(&[s]).unwrap();
    events.publish(Event::from_audit(&request("req-x")).remove(0));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while events.stats()[0].1.retried == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no retry: {:?}",
            events.stats()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = events.stats()[0].1;
    assert_eq!((stats.sent, stats.backlog), (0, 1));
    assert!(lines_with(&server.out, "req-x", 1).await.is_empty());
}
