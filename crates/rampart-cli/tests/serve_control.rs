//! End to end: keys from `rampart keys create` work against `rampart serve`, limits answer
//! 429 with `Retry-After` and `x-ratelimit-*` in each surface's error shape, revocation is
//! immediate, and every request leaves one record in `rampart audit list`.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn rampart(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .current_dir(dir)
        .env_remove("RAMPART_CONFIG")
        .output()
        .expect("run rampart")
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let out = rampart(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP/1.1 client: one request per connection, `Connection: close`.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        let mut decoded = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).trim(), 16)
                .unwrap_or(0);
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = decoded;
    }
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// The port `rampart serve` bound, read from its "listening" log line in `log`. The config
/// listens on port 0, so no port is reserved, released and raced for before the gateway
/// binds it.
fn bound_port(log: &Path, server: &mut Server) -> u16 {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(line) = text
            .lines()
            .find(|l| l.contains("rampart gateway listening"))
            && let Some(port) = line
                .split("127.0.0.1:")
                .nth(1)
                .map(|rest| {
                    rest.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                })
                .and_then(|digits| digits.parse().ok())
        {
            return port;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("rampart serve exited with {status}:\n{text}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "gateway did not start:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chat(port: u16, key: &str) -> Response {
    http(
        port,
        "POST",
        "/v1/chat/completions",
        &[
            ("authorization", &format!("Bearer {key}")),
            ("content-type", "application/json"),
        ],
        r#"{"model":"mock","messages":[{"role":"user","content":"Hello there"}]}"#,
    )
    .expect("chat request")
}

#[test]
fn keys_limits_and_audit_through_a_running_gateway() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("rampart.toml"),
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[storage]\nurl = \"sqlite://rampart.db\"\n\n\
         [[providers]]\nname = \"mock\"\nkind = \"mock\"\n\n\
         [[models]]\nname = \"mock\"\nprovider = \"mock\"\nupstream_model = \"mock\"\n\n\
         [guard]\nmode = \"enforce\"\n",
    )
    .expect("config");
    let limited = json(
        dir.path(),
        &[
            "keys",
            "create",
            "-c",
            "rampart.toml",
            "--tenant",
            "acme",
            "--name",
            "limited",
            "--rpm",
            "2",
            "--json",
        ],
    );
    let limited_key = limited["key"].as_str().expect("key").to_owned();
    let other = json(
        dir.path(),
        &[
            "keys",
            "create",
            "-c",
            "rampart.toml",
            "--tenant",
            "beta",
            "--name",
            "other",
            "--json",
        ],
    );
    let other_key = other["key"].as_str().expect("key").to_owned();

    let log = dir.path().join("serve.log");
    let child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--config", "rampart.toml"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start rampart serve");
    let mut server = Server(child);
    let port = bound_port(&log, &mut server);
    let started = Instant::now();
    while http(port, "GET", "/healthz", &[], "")
        .map(|r| r.status)
        .ok()
        != Some(200)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "gateway did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Within the limit: answered, with the numbers of the limit.
    let first = chat(port, &limited_key);
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.header("x-ratelimit-limit-requests"), Some("2"));
    assert_eq!(first.header("x-ratelimit-remaining-requests"), Some("1"));
    assert_eq!(chat(port, &limited_key).status, 200);

    // Over it: 429 in the OpenAI shape, with Retry-After.
    let refused = chat(port, &limited_key);
    assert_eq!(refused.status, 429, "{:?}", refused.body);
    let retry_after: u64 = refused
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.header("x-ratelimit-remaining-requests"), Some("0"));
    assert!(
        refused.body["error"]["message"].is_string(),
        "{:?}",
        refused.body
    );

    // The same key on the Anthropic surface: 429 in the Anthropic shape.
    let anthropic = http(
        port,
        "POST",
        "/v1/messages",
        &[
            ("x-api-key", &limited_key),
            ("content-type", "application/json"),
            ("anthropic-version", "2023-06-01"),
        ],
        r#"{"model":"mock","max_tokens":64,"messages":[{"role":"user","content":"Hi"}]}"#,
    )
    .expect("messages request");
    assert_eq!(anthropic.status, 429, "{:?}", anthropic.body);
    assert_eq!(anthropic.body["type"], "error");
    assert!(anthropic.header("retry-after").is_some());

    // Another tenant's key is not affected, until it is revoked.
    assert_eq!(chat(port, &other_key).status, 200);
    let out = rampart(
        dir.path(),
        &[
            "keys",
            "revoke",
            "-c",
            "rampart.toml",
            other["id"].as_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    assert_eq!(chat(port, &other_key).status, 401);
    assert_eq!(chat(port, "rk-not-a-real-key").status, 401);

    // Stop gracefully (SIGTERM) so the audit writer drains.
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let mut server = server;
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.0.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "gateway did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }

    let records = json(
        dir.path(),
        &[
            "audit",
            "list",
            "-c",
            "rampart.toml",
            "--limit",
            "100",
            "--json",
        ],
    );
    let records = records.as_array().expect("array");
    // Health probes are not API requests; the seven API calls each left one record.
    let api: Vec<&Value> = records
        .iter()
        .filter(|r| r["surface"] != "unknown")
        .collect();
    // A record is appended when its response is finished, so two requests that overlap
    // (the client sends the next one while the last body frame is still being flushed) may
    // land in either order: compare the statuses as a multiset.
    let mut statuses: Vec<u64> = api
        .iter()
        .map(|r| r["status"].as_u64().unwrap_or(0))
        .collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 200, 200, 401, 401, 429, 429],
        "{records:#?}"
    );
    let limited_id = limited["id"].as_str().unwrap();
    let by_limited: Vec<&&Value> = api.iter().filter(|r| r["key_id"] == limited_id).collect();
    assert_eq!(by_limited.len(), 4);
    assert!(by_limited.iter().any(|r| {
        r["surface"]
            .as_str()
            .is_some_and(|s| s.starts_with("anthropic"))
    }));
    assert!(by_limited.iter().all(|r| r["tenant"] == "acme"));
    assert_eq!(by_limited.iter().filter(|r| r["status"] == 429).count(), 2);
    let verify = json(
        dir.path(),
        &["audit", "verify", "-c", "rampart.toml", "--json"],
    );
    assert_eq!(verify["intact"], true);
}

/// Issue 20, defect 10, for `rampart serve`: the storage URL in a start-up error is shown
/// without its password or credential query parameters.
#[test]
fn serve_never_prints_the_database_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("rampart.toml"),
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[storage]\n\
         url = \"mysql://rampart:hunter2@db.internal/rampart?password=k3ysecret\"\n\n\
         [[providers]]\nname = \"mock\"\nkind = \"mock\"\n\n\
         [[models]]\nname = \"mock\"\nprovider = \"mock\"\nupstream_model = \"mock\"\n",
    )
    .expect("config");
    let out = rampart(dir.path(), &["serve", "--config", "rampart.toml"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("hunter2") && !stderr.contains("k3ysecret"),
        "{stderr}"
    );
    assert!(
        stderr.contains("mysql://rampart:***@db.internal/rampart?password=***"),
        "{stderr}"
    );
}
