//! `[audit]`: the local spool of audit records and the signed checkpoints of the log.

use super::*;

/// `[audit]`: the local spool where audit records wait while the store of
/// `[storage] url` cannot take them (buffer full, database down), replayed in order when
/// it can, and at the next start.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// The spool file; a relative path is relative to the working directory, like a
    /// `sqlite://` path. One gateway process per file. Default `rampart-audit.spool`.
    #[serde(default = "default_spool_path")]
    #[schemars(with = "Interpolated")]
    pub spool_path: Spanned<Interpolated>,
    /// Largest spool file, in bytes; past it, records are lost, counted in
    /// `rampart_audit_lost_total{reason="spool_full"}` and logged. Default 1 GiB.
    #[serde(default = "default_spool_max_bytes")]
    #[schemars(with = "u64")]
    pub spool_max_bytes: Spanned<u64>,
    /// Ed25519 private key that signs checkpoints of the log's Merkle tree: a PKCS#8 PEM
    /// file (`openssl genpkey -algorithm ed25519 -out audit-checkpoint.pem`), or a
    /// secrets-manager reference to that PEM (`file:`, `aws-sm:`, `vault:`, see
    /// `[secrets]`), read once at start. Unset: no checkpoints are signed.
    #[schemars(with = "Option<Interpolated>")]
    pub checkpoint_key: Option<Spanned<Interpolated>>,
    /// The checkpoints' origin line, also their key name: no spaces or `+`, e.g.
    /// `rampart.example.com/audit`. Default `rampart-audit`.
    #[serde(default = "default_checkpoint_origin")]
    #[schemars(with = "String")]
    pub checkpoint_origin: Spanned<String>,
    /// Sign a checkpoint after this many new records; 0: by time only. Default 1000.
    #[serde(default = "default_checkpoint_every")]
    #[schemars(with = "u64")]
    pub checkpoint_every: Spanned<u64>,
    /// Sign a checkpoint when this many seconds have passed since the last one and
    /// records were added; 0: by count only. Default 60.
    #[serde(default = "default_checkpoint_interval")]
    #[schemars(with = "u64")]
    pub checkpoint_interval: Spanned<u64>,
    /// Publish each checkpoint to this file, replaced atomically (serve it, copy it
    /// off-host). Checkpoints are also kept in the database (`rampart audit checkpoint`).
    #[schemars(with = "Option<Interpolated>")]
    pub checkpoint_path: Option<Spanned<Interpolated>>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            spool_path: default_spool_path(),
            spool_max_bytes: default_spool_max_bytes(),
            checkpoint_key: None,
            checkpoint_origin: default_checkpoint_origin(),
            checkpoint_every: default_checkpoint_every(),
            checkpoint_interval: default_checkpoint_interval(),
            checkpoint_path: None,
        }
    }
}

fn default_spool_path() -> Spanned<Interpolated> {
    Spanned::new(0..0, Interpolated("rampart-audit.spool".into()))
}
fn default_spool_max_bytes() -> Spanned<u64> {
    Spanned::new(0..0, 1024 * 1024 * 1024)
}

fn default_checkpoint_origin() -> Spanned<String> {
    Spanned::new(0..0, "rampart-audit".into())
}
fn default_checkpoint_every() -> Spanned<u64> {
    Spanned::new(0..0, 1000)
}
fn default_checkpoint_interval() -> Spanned<u64> {
    Spanned::new(0..0, 60)
}

/// The smallest spool bound accepted: room for a few thousand records.
pub(super) const MIN_SPOOL_BYTES: u64 = 1024 * 1024;
