//! `[audit]`: the local spool of audit records.

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
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            spool_path: default_spool_path(),
            spool_max_bytes: default_spool_max_bytes(),
        }
    }
}

fn default_spool_path() -> Spanned<Interpolated> {
    Spanned::new(0..0, Interpolated("rampart-audit.spool".into()))
}
fn default_spool_max_bytes() -> Spanned<u64> {
    Spanned::new(0..0, 1024 * 1024 * 1024)
}

/// The smallest spool bound accepted: room for a few thousand records.
pub(super) const MIN_SPOOL_BYTES: u64 = 1024 * 1024;
