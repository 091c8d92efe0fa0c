//! A minimal HTTP/1.1 receiver for the HTTP sinks' tests, written from the vendors'
//! documented wire formats (Splunk HEC `/services/collector/event`, Elasticsearch
//! `_bulk` NDJSON, Standard Webhooks headers): it reads each request (request line,
//! headers, a `Content-Length` body, keep-alive), records it, and answers what the test's
//! handler says. `stop` closes the listener and every open connection, as a receiver
//! that goes down would.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub type Handler = Arc<dyn Fn(&Request) -> (u16, String) + Send + Sync>;

pub struct Receiver {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<Request>>>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Receiver {
    /// Listens on `addr` (`127.0.0.1:0` for any free port).
    pub async fn start(addr: &str, handler: Handler) -> Receiver {
        Receiver::start_recording(addr, handler, Arc::new(Mutex::new(Vec::new()))).await
    }

    /// The same, appending to `requests` (to keep counting across a restart).
    pub async fn start_recording(
        addr: &str,
        handler: Handler,
        requests: Arc<Mutex<Vec<Request>>>,
    ) -> Receiver {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::new(Mutex::new(Vec::new()));
        let (reqs, conns) = (requests.clone(), tasks.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (reqs, handler) = (reqs.clone(), handler.clone());
                let conn = tokio::spawn(async move {
                    let _ = serve(stream, reqs, handler).await;
                });
                conns.lock().unwrap().push(conn);
            }
        });
        tasks.lock().unwrap().push(accept);
        Receiver {
            addr,
            requests,
            tasks,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stop(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    pub fn taken(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    requests: Arc<Mutex<Vec<Request>>>,
    handler: Handler,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).await?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                headers.push((n.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body).await?;
        let request = Request {
            method,
            path,
            headers,
            body,
        };
        let (status, answer) = handler(&request);
        if (200..300).contains(&status) {
            requests.lock().unwrap().push(request);
        }
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        write.write_all(response.as_bytes()).await?;
    }
}

/// Waits until `check` holds, up to `secs` seconds.
pub async fn eventually(secs: u64, mut check: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    check()
}
