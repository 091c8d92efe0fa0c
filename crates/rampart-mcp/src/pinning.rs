//! Tool pinning against rug pulls: a SHA-256 per tool over its name, title, description,
//! input and output schemas and annotations, compared with the approved one.
//!
//! Approval is per server: `first-use` approves a server's whole tool set the first time
//! the proxy lists it (and records it in the lock file, when one is set); `lock` approves
//! only what the lock file says (`rampart mcp lock` writes it from the servers' current
//! definitions, for a reviewer to commit). Afterwards a tool whose hash differs, or that
//! is new (a rename is a removal and an addition), is [`PinStatus::Changed`] or
//! [`PinStatus::Added`]: hidden from listing and refused at call time until re-approved.
//! The lock file is re-read when it changes on disk, so re-approving needs no restart.

use crate::error::McpError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

pub use rampart_gateway::config::PinningMode;

/// The lock file: `{"version": 1, "servers": {"<server>": {"<tool>": "sha256:<hex>"}}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockFile {
    pub version: u32,
    pub servers: BTreeMap<String, BTreeMap<String, String>>,
}

/// The largest lock file read.
const MAX_LOCK_FILE_BYTES: u64 = 16 << 20;

impl LockFile {
    pub fn read(path: &Path) -> Result<LockFile, McpError> {
        let err = |message: String| McpError::LockFile {
            path: path.to_owned(),
            message,
        };
        let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
        if meta.len() > MAX_LOCK_FILE_BYTES {
            return Err(err("larger than 16 MiB".into()));
        }
        let text = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let lock: LockFile = serde_json::from_slice(&text).map_err(|e| err(e.to_string()))?;
        if lock.version != 1 {
            return Err(err(format!("unknown version {}", lock.version)));
        }
        Ok(lock)
    }

    /// Write atomically (a temporary file renamed over the old one).
    pub fn write(&self, path: &Path) -> Result<(), McpError> {
        let err = |e: std::io::Error| McpError::LockFile {
            path: path.to_owned(),
            message: e.to_string(),
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| McpError::LockFile {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        text.push('\n');
        let tmp = path.with_extension("lock.tmp");
        std::fs::write(&tmp, text).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)
    }
}

/// `sha256:<hex>` of the parts of a tool definition a client or model reads. Keys are
/// sorted at every depth, so the hash does not depend on the server's key order.
pub fn tool_hash(tool: &Value) -> String {
    let mut canonical = String::new();
    for field in [
        "name",
        "title",
        "description",
        "inputSchema",
        "outputSchema",
        "annotations",
    ] {
        canonical.push_str(field);
        canonical.push('=');
        write_canonical(tool.get(field).unwrap_or(&Value::Null), &mut canonical);
        canonical.push('\n');
    }
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

/// JSON with object keys sorted. Depth is bounded by the parser that built `v`.
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(k.as_str()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// What pinning says about one tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinStatus {
    Approved,
    /// Its definition differs from the approved one.
    Changed,
    /// The server's approved set does not have it (new or renamed).
    Added,
    /// The server has no approved set (`lock` mode, server missing from the lock file).
    Unapproved,
}

impl PinStatus {
    /// The words of a refusal.
    pub fn describe(self) -> &'static str {
        match self {
            PinStatus::Approved => "approved",
            PinStatus::Changed => "its definition changed since it was approved",
            PinStatus::Added => "it was added since the server's tools were approved",
            PinStatus::Unapproved => "the server's tools are not in the lock file",
        }
    }
}

/// The approved definitions, shared by all callers.
#[derive(Debug)]
pub struct Pins {
    mode: PinningMode,
    lock_file: Option<PathBuf>,
    state: Mutex<PinState>,
}

#[derive(Debug, Default)]
struct PinState {
    lock: LockFile,
    /// Modification time of the lock file when it was last read.
    read_at: Option<SystemTime>,
}

impl Pins {
    /// Load the approvals. `lock` mode needs the lock file to exist.
    pub fn load(mode: PinningMode, lock_file: Option<PathBuf>) -> Result<Pins, McpError> {
        let mut state = PinState {
            lock: LockFile {
                version: 1,
                servers: BTreeMap::new(),
            },
            read_at: None,
        };
        if let Some(path) = &lock_file {
            match std::fs::metadata(path) {
                Ok(meta) => {
                    state.lock = LockFile::read(path)?;
                    state.read_at = meta.modified().ok();
                }
                Err(e)
                    if e.kind() == std::io::ErrorKind::NotFound
                        && mode == PinningMode::FirstUse => {}
                Err(e) => {
                    return Err(McpError::LockFile {
                        path: path.clone(),
                        message: format!(
                            "{e} (with `pinning = \"lock\"`, write it with `rampart mcp lock`)"
                        ),
                    });
                }
            }
        }
        Ok(Pins {
            mode,
            lock_file,
            state: Mutex::new(state),
        })
    }

    /// Judge each of `server`'s current tools (name and hash). In `first-use` mode a server
    /// seen for the first time has its tools approved (and written to the lock file).
    pub fn check(&self, server: &str, tools: &[(String, String)]) -> Vec<PinStatus> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        self.reread_if_changed(&mut state);
        if !state.lock.servers.contains_key(server) {
            if self.mode == PinningMode::Lock {
                return vec![PinStatus::Unapproved; tools.len()];
            }
            let approved: BTreeMap<String, String> = tools.iter().cloned().collect();
            state.lock.servers.insert(server.to_owned(), approved);
            tracing::info!(
                server,
                tools = tools.len(),
                "MCP tools approved on first use"
            );
            self.persist(&mut state);
        }
        let approved = state.lock.servers.get(server);
        tools
            .iter()
            .map(|(name, hash)| match approved.and_then(|a| a.get(name)) {
                Some(h) if h == hash => PinStatus::Approved,
                Some(_) => PinStatus::Changed,
                None => PinStatus::Added,
            })
            .collect()
    }

    fn reread_if_changed(&self, state: &mut PinState) {
        let Some(path) = &self.lock_file else { return };
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if modified.is_none() || modified == state.read_at {
            return;
        }
        match LockFile::read(path) {
            Ok(lock) => {
                tracing::info!(path = %path.display(), "MCP lock file re-read");
                state.lock = lock;
                state.read_at = modified;
            }
            // Keep the approvals in force; a broken file approves nothing new.
            Err(e) => tracing::warn!(error = %e, "MCP lock file unreadable; keeping the last one"),
        }
    }

    fn persist(&self, state: &mut PinState) {
        let Some(path) = &self.lock_file else { return };
        match state.lock.write(path) {
            Ok(()) => {
                state.read_at = std::fs::metadata(path).and_then(|m| m.modified()).ok();
            }
            Err(e) => tracing::warn!(error = %e, "could not record first-use approvals"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_ignores_key_order_but_not_content() {
        let a = json!({"name": "t", "description": "d", "inputSchema": {"type": "object", "properties": {"x": {}}}});
        let b = json!({"inputSchema": {"properties": {"x": {}}, "type": "object"}, "description": "d", "name": "t"});
        let c = json!({"name": "t", "description": "d ", "inputSchema": {"type": "object", "properties": {"x": {}}}});
        assert_eq!(tool_hash(&a), tool_hash(&b));
        assert_ne!(tool_hash(&a), tool_hash(&c));
        let d = json!({"name": "t", "description": "d", "inputSchema": {"type": "object", "properties": {"x": {}}}, "annotations": {"destructiveHint": true}});
        assert_ne!(tool_hash(&a), tool_hash(&d));
    }

    #[test]
    fn first_use_approves_once_then_refuses_changes_and_additions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mcp.lock.json");
        let pins = Pins::load(PinningMode::FirstUse, Some(path.clone())).unwrap();
        let t = |n: &str, h: &str| (n.to_owned(), h.to_owned());
        assert_eq!(pins.check("s", &[t("a", "1")]), vec![PinStatus::Approved]);
        assert_eq!(
            pins.check("s", &[t("a", "2"), t("b", "1")]),
            vec![PinStatus::Changed, PinStatus::Added]
        );
        // Recorded: a new proxy on the same lock file keeps the approvals.
        let again = Pins::load(PinningMode::Lock, Some(path)).unwrap();
        assert_eq!(again.check("s", &[t("a", "1")]), vec![PinStatus::Approved]);
        assert_eq!(
            again.check("other", &[t("a", "1")]),
            vec![PinStatus::Unapproved]
        );
    }

    #[test]
    fn lock_mode_needs_the_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Pins::load(PinningMode::Lock, Some(dir.path().join("missing.json"))).is_err());
    }
}
