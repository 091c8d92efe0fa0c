//! A local file, one event per line (OCSF or ECS JSON, or CEF), rotated when it would pass
//! `max_bytes`: `PATH` → `PATH.1` → … → `PATH.KEEP` (the oldest is removed). Each batch is
//! written with one `write` and made durable with `fdatasync` before the spool lets it go.

use super::{BoxFuture, Sink, SinkError};
use crate::encode::Format;
use crate::event::Event;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug)]
struct State {
    file: Option<File>,
    len: u64,
}

/// The `file` sink.
#[derive(Debug, Clone)]
pub struct FileSink {
    path: PathBuf,
    max_bytes: u64,
    keep: u32,
    format: Format,
    state: Arc<Mutex<State>>,
}

impl FileSink {
    pub fn new(path: PathBuf, max_bytes: u64, keep: u32, format: Format) -> FileSink {
        FileSink {
            path,
            max_bytes: max_bytes.max(1),
            keep,
            format,
            state: Arc::new(Mutex::new(State { file: None, len: 0 })),
        }
    }

    fn write(&self, buf: &[u8]) -> std::io::Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.file.is_none() {
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            state.len = file.metadata()?.len();
            state.file = Some(file);
        }
        if state.len > 0 && state.len.saturating_add(buf.len() as u64) > self.max_bytes {
            state.file = None;
            rotate(&self.path, self.keep)?;
            state.file = Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)?,
            );
            state.len = 0;
        }
        let Some(file) = state.file.as_mut() else {
            return Err(std::io::Error::other("file not open"));
        };
        let result = file.write_all(buf).and_then(|()| file.sync_data());
        if result.is_err() {
            // Reopen next time; the batch is sent again (at least once).
            state.file = None;
            return result;
        }
        state.len += buf.len() as u64;
        Ok(())
    }
}

/// `PATH.KEEP` is removed, `PATH.N` becomes `PATH.N+1`, `PATH` becomes `PATH.1`.
fn rotate(path: &Path, keep: u32) -> std::io::Result<()> {
    let numbered = |n: u32| {
        let mut p = path.as_os_str().to_owned();
        p.push(format!(".{n}"));
        PathBuf::from(p)
    };
    if keep == 0 {
        return std::fs::remove_file(path).or_else(ignore_missing);
    }
    std::fs::remove_file(numbered(keep)).or_else(ignore_missing)?;
    for n in (1..keep).rev() {
        std::fs::rename(numbered(n), numbered(n + 1)).or_else(ignore_missing)?;
    }
    std::fs::rename(path, numbered(1)).or_else(ignore_missing)
}

fn ignore_missing(err: std::io::Error) -> std::io::Result<()> {
    if err.kind() == std::io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(err)
    }
}

impl Sink for FileSink {
    fn send<'a>(&'a self, events: &'a [Event]) -> BoxFuture<'a, Result<(), SinkError>> {
        let mut buf = Vec::with_capacity(events.len() * 600);
        for event in events {
            buf.extend_from_slice(&self.format.encode(event));
            buf.push(b'\n');
        }
        let this = self.clone();
        Box::pin(async move {
            let path = this.path.display().to_string();
            match tokio::task::spawn_blocking(move || this.write(&buf)).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(err)) => Err(SinkError::Retryable(format!("events file {path}: {err}"))),
                Err(_) => Err(SinkError::Retryable(format!(
                    "events file {path}: writer task failed"
                ))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::audit::AuditRecord;

    #[tokio::test]
    async fn lines_rotate_past_the_bound_and_the_oldest_file_goes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let sink = FileSink::new(path.clone(), 2_000, 2, Format::Ocsf);
        let mut record = AuditRecord::new(1, "r", "openai.chat_completions");
        record.key_id = Some("k".into());
        for i in 0..20 {
            record.request_id = format!("r{i}");
            sink.send(&Event::from_audit(&record)).await.unwrap();
        }
        assert!(path.exists());
        assert!(dir.path().join("events.jsonl.1").exists());
        assert!(dir.path().join("events.jsonl.2").exists());
        assert!(!dir.path().join("events.jsonl.3").exists());
        for name in ["events.jsonl", "events.jsonl.1"] {
            let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
            assert!(text.len() <= 2_000, "{name} is {} bytes", text.len());
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                assert!(v["class_uid"].is_u64());
            }
        }
        // The newest events are in the live file.
        let live = std::fs::read_to_string(&path).unwrap();
        assert!(live.contains("\"r19\""));
    }
}
