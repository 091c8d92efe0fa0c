//! `rampart audit`: read and verify the gateway's audit log.
//!
//! The log lives in the database named by `[storage] url` in the gateway's config file
//! (only that setting is read, see `keys.rs`).

use super::keys::{print_table, storage_url};
use anyhow::Context;
use rampart_audit::record::format_time_ms;
use rampart_audit::store::AuditStore;
use std::process::ExitCode;
use std::sync::Arc;

const AUDIT_EXAMPLES: &str = "\
Examples:
  # The 20 most recent requests, as a table
  rampart audit list --config rampart.toml

  # The last 1000 as JSON, e.g. the blocked ones with jq
  rampart audit list --config rampart.toml --limit 1000 --json | jq '.[] | select(.decision == \"block\")'

  # Check that no record was changed, removed or reordered (exit 1 if one was)
  rampart audit verify --config rampart.toml

Every record holds who called (tenant, key id), the surface, model and provider, the
guard's decision and findings (kind and type, never the matched text), the status, tokens
and timings. Records are chained by SHA-256: `verify` recomputes the chain and prints the
head hash; keep that hash elsewhere to detect later truncation.";

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
    /// Print the result as a JSON object.
    #[arg(long)]
    json: bool,
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

async fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = open(&args.config).await?;
    let report = store.verify().await?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "intact": report.is_intact(),
                "records": report.records,
                "head": report.head,
                "broken_at": report.broken.as_ref().map(|b| b.seq),
                "reason": report.broken.as_ref().map(|b| b.reason.clone()),
            })
        );
    } else if let Some(broken) = &report.broken {
        println!(
            "audit log BROKEN at record {}: {}.\nRecords before it verify; this one and everything after it cannot be trusted.",
            broken.seq,
            crate::terminal::escape_cell(&broken.reason)
        );
    } else {
        match &report.head {
            Some(head) => println!("audit log intact: {} records, head {head}", report.records),
            None => println!("audit log intact: no records yet"),
        }
    }
    Ok(if report.is_intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
