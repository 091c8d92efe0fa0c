//! `rampart audit`: read and verify the gateway's audit log.
//!
//! The log lives in the database named by `[storage] url` in the gateway's config file
//! (only that setting is read, see `keys.rs`).

use super::keys::{print_table, storage_url};
use anyhow::Context;
use rampart_audit::checkpoint::{Checkpoint, CheckpointSigner, CheckpointVerifier};
use rampart_audit::publish::{CheckpointPolicy, CheckpointingStore};
use rampart_audit::record::format_time_ms;
use rampart_audit::store::AuditStore;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

const AUDIT_EXAMPLES: &str = "\
Examples:
  # The 20 most recent requests, as a table
  rampart audit list --config rampart.toml

  # The last 1000 as JSON, e.g. the blocked ones with jq
  rampart audit list --config rampart.toml --limit 1000 --json | jq '.[] | select(.decision == \"block\")'

  # Check that no record was changed, removed or reordered (exit 1 if one was)
  rampart audit verify --config rampart.toml

  # ... and that the log still matches a signed checkpoint kept elsewhere
  rampart audit checkpoint --config rampart.toml > checkpoint.txt
  rampart audit verify --config rampart.toml --checkpoint checkpoint.txt --key audit-pub.pem

  # Prove that record 42 is in the log, and that the log only grew from 1000 to 2000
  rampart audit prove --config rampart.toml --record 42
  rampart audit prove --config rampart.toml --from 1000 --to 2000

Every record holds who called (tenant, key id), the surface, model and provider, the
guard's decision and findings (kind and type, never the matched text), the status, tokens
and timings. Records are chained by SHA-256 and form an RFC 9162 Merkle tree; with
`[audit] checkpoint_key` the gateway signs checkpoints of the tree (C2SP tlog-checkpoint).
Keep checkpoints elsewhere: `verify --checkpoint` then also catches truncation and a
rewritten chain. Proofs are JSON, checkable offline (docs/audit.md).";

/// Read and verify the audit log.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AUDIT_EXAMPLES, after_help = "Run `rampart audit --help` for examples.")]
pub struct Args {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    List(ListArgs),
    Verify(VerifyArgs),
    Checkpoint(CheckpointArgs),
    Prove(ProveArgs),
}

/// Print the most recent audit records, newest first.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AUDIT_EXAMPLES)]
struct ListArgs {
    #[command(flatten)]
    config: super::keys::ConfigArg,
    /// How many records, newest first (at most 100000).
    #[arg(long, short = 'n', default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    limit: u32,
    /// Print a JSON array of records instead of a table.
    #[arg(long)]
    json: bool,
}

/// Recompute the hash chain over every record; exit 1 if it is broken.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AUDIT_EXAMPLES)]
struct VerifyArgs {
    #[command(flatten)]
    config: super::keys::ConfigArg,
    /// A signed checkpoint (C2SP tlog-checkpoint note) the log must still match: same
    /// root over its first N records, and at least N records.
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,
    /// The key that must have signed the checkpoint: a PEM public key file
    /// (`openssl pkey -pubout`), a file holding a verifier key, or the verifier key
    /// itself (NAME+HASH+BASE64, from `rampart audit checkpoint --verifier-key`).
    /// Without it the checkpoint's signature is not checked.
    #[arg(long, value_name = "PUB", requires = "checkpoint")]
    key: Option<String>,
    /// Print the result as a JSON object.
    #[arg(long)]
    json: bool,
}

/// Print the latest signed checkpoint of the log's Merkle tree.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AUDIT_EXAMPLES)]
struct CheckpointArgs {
    #[command(flatten)]
    config: super::keys::ConfigArg,
    /// Sign a checkpoint of the tree as it is now with `[audit] checkpoint_key`, keep
    /// it, publish it to `[audit] checkpoint_path` if set, and print it.
    #[arg(long)]
    new: bool,
    /// Print the verifier key of `[audit] checkpoint_key` (NAME+HASH+BASE64) instead.
    #[arg(long, conflicts_with = "new")]
    verifier_key: bool,
}

/// Print an inclusion proof of a record, or a consistency proof between two tree sizes,
/// as JSON (see docs/audit.md for checking it offline).
#[derive(Debug, clap::Args)]
#[command(after_long_help = AUDIT_EXAMPLES)]
struct ProveArgs {
    #[command(flatten)]
    config: super::keys::ConfigArg,
    /// The record's sequence number (`seq` in `rampart audit list --json`).
    #[arg(long, conflicts_with_all = ["from", "to"], required_unless_present = "from")]
    record: Option<i64>,
    /// With --record: the tree size to prove against, e.g. a checkpoint's [default: the
    /// whole log].
    #[arg(long, requires = "record")]
    size: Option<u64>,
    /// Consistency: the older tree size.
    #[arg(long)]
    from: Option<u64>,
    /// Consistency: the newer tree size [default: the whole log].
    #[arg(long, requires = "from")]
    to: Option<u64>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        match args.command {
            AuditCommand::List(args) => list(args).await,
            AuditCommand::Verify(args) => verify(args).await,
            AuditCommand::Checkpoint(args) => checkpoint(args).await,
            AuditCommand::Prove(args) => prove(args).await,
        }
    })
}

async fn open(config: &super::keys::ConfigArg) -> anyhow::Result<Arc<dyn AuditStore>> {
    let path = config.path();
    let url = storage_url(path)?;
    rampart_audit::store::open(&url)
        .await
        .with_context(|| format!("opening the audit log of {}", path.display()))
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let store = open(&args.config).await?;
    let records = store.list(args.limit).await?;
    if args.json {
        let values: Vec<_> = records.iter().map(|r| r.to_listing_json()).collect();
        println!("{}", serde_json::Value::Array(values));
        return Ok(ExitCode::SUCCESS);
    }
    if records.is_empty() {
        eprintln!("The audit log is empty: no request has reached the gateway yet.");
        return Ok(ExitCode::SUCCESS);
    }
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let rows: Vec<[String; 10]> = records
        .iter()
        .map(|stored| {
            let r = &stored.record;
            let findings: Vec<String> = r
                .findings
                .iter()
                .map(|f| format!("{}:{}", f.kind, f.entity))
                .collect();
            [
                format_time_ms(r.time_ms),
                r.request_id.clone(),
                dash(&r.tenant),
                dash(&r.key_id),
                r.surface.clone(),
                dash(&r.model),
                match &r.reason {
                    Some(reason) => format!("{} ({reason})", r.decision),
                    None => r.decision.to_string(),
                },
                r.status.to_string(),
                format!(
                    "{}/{}",
                    r.tokens_in.map_or("-".into(), |t| t.to_string()),
                    r.tokens_out.map_or("-".into(), |t| t.to_string())
                ),
                if findings.is_empty() {
                    "-".to_owned()
                } else {
                    findings.join(",")
                },
            ]
        })
        .collect();
    print_table(
        &[
            "TIME",
            "REQUEST",
            "TENANT",
            "KEY",
            "SURFACE",
            "MODEL",
            "DECISION",
            "STATUS",
            "TOKENS IN/OUT",
            "FINDINGS",
        ],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads the checkpoint of `--checkpoint`, checking its signature when `--key` is given.
fn read_checkpoint(path: &std::path::Path, key: Option<&str>) -> anyhow::Result<Checkpoint> {
    let note = std::fs::read_to_string(path)
        .with_context(|| format!("reading --checkpoint {}", path.display()))?;
    match key {
        Some(key) => {
            // A file (PEM or verifier key), else the verifier key itself.
            let text = match std::fs::read_to_string(key) {
                Ok(text) => text,
                Err(_) if key.contains('+') => key.to_owned(),
                Err(e) => return Err(anyhow::anyhow!("reading --key {key}: {e}")),
            };
            let verifier = CheckpointVerifier::parse(&text).context("--key")?;
            verifier
                .verify(&note)
                .with_context(|| format!("--checkpoint {}", path.display()))
        }
        None => Checkpoint::parse_unverified(&note)
            .map(|(checkpoint, _, _)| checkpoint)
            .with_context(|| format!("--checkpoint {}", path.display())),
    }
}

async fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let checkpoint = args
        .checkpoint
        .as_deref()
        .map(|path| read_checkpoint(path, args.key.as_deref()))
        .transpose()?;
    if checkpoint.is_some() && args.key.is_none() && !args.json {
        eprintln!("warning: no --key given: the checkpoint's signature is not checked");
    }
    let store = open(&args.config).await?;
    let check = rampart_audit::proof::check_against(store.as_ref(), checkpoint.as_ref()).await?;
    let report = &check.chain;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "intact": check.is_ok(),
                "records": report.records,
                "head": report.head,
                "root": report.root,
                "broken_at": report.broken.as_ref().map(|b| b.seq),
                "reason": report.broken.as_ref().map(|b| b.reason.clone()).or(check.mismatch.clone()),
                "checkpoint_size": checkpoint.as_ref().map(|c| c.size),
                "signature_checked": checkpoint.is_some() && args.key.is_some(),
            })
        );
    } else if let Some(broken) = &report.broken {
        println!(
            "audit log BROKEN at record {}: {}.\nRecords before it verify; this one and everything after it cannot be trusted.",
            broken.seq,
            crate::terminal::escape_cell(&broken.reason)
        );
    } else if let Some(mismatch) = &check.mismatch {
        println!("audit log does NOT match: {mismatch}.");
    } else {
        match &report.head {
            Some(head) => println!(
                "audit log intact: {} records, head {head}, root {}",
                report.records,
                report.root.as_deref().unwrap_or("-")
            ),
            None => println!("audit log intact: no records yet"),
        }
        if let Some(cp) = &checkpoint {
            println!(
                "matches the checkpoint of {} records{}",
                cp.size,
                if args.key.is_some() {
                    " (signature verified)"
                } else {
                    ""
                }
            );
        }
    }
    Ok(if check.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The signer of `[audit] checkpoint_key`, if set: a PEM file, or a secrets-manager
/// reference fetched once.
pub(crate) async fn checkpoint_signer(
    config: &rampart_gateway::Config,
) -> anyhow::Result<Option<CheckpointSigner>> {
    use rampart_gateway::secrets::SecretResolver;
    let Some(key) = &config.audit.checkpoint_key else {
        return Ok(None);
    };
    let key = key.get_ref().as_str();
    let pem = if rampart_gateway::secrets::is_reference(key) {
        tokio::time::timeout(
            rampart_gateway::secrets::FIRST_FETCH_DEADLINE,
            rampart_server::secrets::ManagedSecrets.fetch(key, &config.secrets),
        )
        .await
        .map_err(|_| anyhow::anyhow!("[audit] checkpoint_key: fetching the reference timed out"))?
        .map_err(|e| anyhow::anyhow!("[audit] checkpoint_key: {e}"))?
    } else {
        std::fs::read_to_string(key)
            .with_context(|| format!("[audit] checkpoint_key: reading {key}"))?
    };
    let signer = CheckpointSigner::from_pkcs8_pem(config.audit.checkpoint_origin.get_ref(), &pem)
        .context("[audit] checkpoint_key")?;
    Ok(Some(signer))
}

/// The audit store, signing checkpoints as it appends when `[audit] checkpoint_key` is
/// set (what `rampart serve` writes through).
pub(crate) async fn checkpointing(
    config: &rampart_gateway::Config,
    store: Arc<dyn AuditStore>,
) -> anyhow::Result<Arc<dyn AuditStore>> {
    let Some(signer) = checkpoint_signer(config).await? else {
        return Ok(store);
    };
    let a = &config.audit;
    let policy = CheckpointPolicy {
        every: *a.checkpoint_every.get_ref(),
        interval: Some(*a.checkpoint_interval.get_ref())
            .filter(|&s| s > 0)
            .map(Duration::from_secs),
        path: a
            .checkpoint_path
            .as_ref()
            .map(|p| PathBuf::from(p.get_ref().as_str())),
    };
    let store = Arc::new(
        CheckpointingStore::new(store, signer, policy)
            .await
            .context("reading the audit log's Merkle tree")?,
    );
    // Records appended after a burst are covered within `checkpoint_interval`.
    let _ticker = store.spawn_ticker();
    Ok(store)
}

async fn checkpoint(args: CheckpointArgs) -> anyhow::Result<ExitCode> {
    if args.new || args.verifier_key {
        let config = rampart_gateway::Config::load(args.config.path())?;
        let signer = checkpoint_signer(&config).await?.ok_or_else(|| {
            anyhow::anyhow!(
                "[audit] checkpoint_key is not set in {}",
                args.config.path().display()
            )
        })?;
        if args.verifier_key {
            println!("{}", signer.verifier_key());
            return Ok(ExitCode::SUCCESS);
        }
        let store = open(&args.config).await?;
        let policy = CheckpointPolicy {
            path: config
                .audit
                .checkpoint_path
                .as_ref()
                .map(|p| PathBuf::from(p.get_ref().as_str())),
            ..CheckpointPolicy::default()
        };
        let note = CheckpointingStore::new(store, signer, policy)
            .await?
            .checkpoint_now()
            .await?;
        print!("{note}");
        return Ok(ExitCode::SUCCESS);
    }
    let store = open(&args.config).await?;
    match store.latest_checkpoint().await? {
        Some(note) => {
            print!("{note}");
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!(
                "No checkpoint yet: set [audit] checkpoint_key so the gateway signs them, or run `rampart audit checkpoint --new`."
            );
            Ok(ExitCode::from(1))
        }
    }
}

async fn prove(args: ProveArgs) -> anyhow::Result<ExitCode> {
    let store = open(&args.config).await?;
    let json = match (args.record, args.from) {
        (Some(seq), _) => serde_json::to_string_pretty(
            &rampart_audit::proof::inclusion(store.as_ref(), seq, args.size).await?,
        )?,
        (None, Some(from)) => serde_json::to_string_pretty(
            &rampart_audit::proof::consistency(store.as_ref(), from, args.to).await?,
        )?,
        (None, None) => anyhow::bail!("give --record SEQ, or --from N [--to M]"),
    };
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}
