//! `rampart keys`: create, list, revoke and unsuspend the API keys clients present to the
//! gateway.
//!
//! Keys live in the database named by `[storage] url` in the gateway's config file. Until
//! the gateway's config loader is shared, this command reads only that one setting (with
//! `${VAR}` interpolation) and ignores the rest of the file.

use crate::terminal::escape_cell;
use anyhow::{Context, bail};
use rampart_identity::clock::{format_rfc3339, parse_utc_date};
use rampart_identity::{Keyring, NewKey};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const KEYS_EXAMPLES: &str = "\
Examples:
  # A key for the billing service of tenant acme, limited to two models and 60 requests/min
  rampart keys create --config rampart.toml --tenant acme --name billing \\
      --models gpt-4o-mini,claude-sonnet --rpm 60 --tpm 100000

  # Machine-readable, expiring at the start of 2027 (the key is in the \"key\" field, shown once)
  rampart keys create --config rampart.toml --tenant acme --name ci --expires 2027-01-01 --json

  rampart keys list --config rampart.toml
  rampart keys revoke --config rampart.toml key_4fQ9x2LmP0aZ7bC1

  # Lift the suspension [auth.suspend] put on a key the guard kept blocking
  rampart keys unsuspend --config rampart.toml key_4fQ9x2LmP0aZ7bC1

Keys are stored as SHA-256 hashes in the database of `[storage] url`; the key itself
cannot be recovered. Revocation takes effect on the next request, also for a running
`rampart serve`.";

/// Create, list and revoke API keys.
#[derive(Debug, clap::Args)]
#[command(after_long_help = KEYS_EXAMPLES, after_help = "Run `rampart keys --help` for examples.")]
pub struct Args {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, clap::Subcommand)]
enum KeysCommand {
    Create(CreateArgs),
    List(ListArgs),
    Revoke(RevokeArgs),
    Unsuspend(UnsuspendArgs),
}

/// The gateway config file whose `[storage] url` names the database.
#[derive(Debug, clap::Args)]
pub(crate) struct ConfigArg {
    /// Gateway config file (TOML); only `[storage] url` is read.
    #[arg(long, short = 'c', value_name = "FILE", env = "RAMPART_CONFIG")]
    config: PathBuf,
}

impl ConfigArg {
    pub(crate) fn path(&self) -> &Path {
        &self.config
    }
}

/// Create a key and print it once.
///
/// The key is printed on standard output and never again: store it in your secret
/// manager. Listings show only its id and first characters.
#[derive(Debug, clap::Args)]
#[command(after_long_help = KEYS_EXAMPLES)]
struct CreateArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Tenant the key belongs to (letters, digits, `-`, `_`, `.`); limits and audit
    /// records are grouped by tenant.
    #[arg(long)]
    tenant: String,
    /// A human name for the key, e.g. the application that uses it.
    #[arg(long)]
    name: String,
    /// Role of the key [default: user].
    #[arg(long)]
    role: Option<String>,
    /// Comma-separated client-facing model names the key may use [default: every model].
    #[arg(long, value_delimiter = ',', value_name = "MODEL,...")]
    models: Option<Vec<String>>,
    /// Requests per minute for this key [default: no per-key limit].
    #[arg(long, value_name = "N")]
    rpm: Option<u32>,
    /// Tokens (input + output) per minute for this key [default: no per-key limit].
    #[arg(long, value_name = "N")]
    tpm: Option<u64>,
    /// Tokens per UTC day [default: no budget].
    #[arg(long, value_name = "N")]
    daily_tokens: Option<u64>,
    /// Tokens per UTC calendar month [default: no budget].
    #[arg(long, value_name = "N")]
    monthly_tokens: Option<u64>,
    /// Expiry in UTC: `YYYY-MM-DD` (the key stops working at 00:00 that day) or
    /// `YYYY-MM-DDTHH:MM:SSZ` [default: never].
    #[arg(long, value_name = "DATE")]
    expires: Option<String>,
    /// Print a JSON object (`id`, `key`, and the record) instead of text.
    #[arg(long)]
    json: bool,
}

/// List keys (never the keys themselves: id, prefix, tenant, limits, status).
#[derive(Debug, clap::Args)]
#[command(after_long_help = KEYS_EXAMPLES)]
struct ListArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// Revoke a key by id; the gateway refuses it from the next request on.
#[derive(Debug, clap::Args)]
#[command(after_long_help = KEYS_EXAMPLES)]
struct RevokeArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The key id shown by `rampart keys create` and `rampart keys list` (`key_…`).
    id: String,
    /// Print the revoked record as JSON.
    #[arg(long)]
    json: bool,
}

/// Lift the automatic suspension of a key (`[auth.suspend]`); the gateway accepts it
/// again from the next request on.
#[derive(Debug, clap::Args)]
#[command(after_long_help = KEYS_EXAMPLES)]
struct UnsuspendArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The key id (`key_…`), as `rampart keys list` shows it with status `suspended`.
    id: String,
    /// Print the record as JSON.
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
            KeysCommand::Create(args) => create(args).await,
            KeysCommand::List(args) => list(args).await,
            KeysCommand::Revoke(args) => revoke(args).await,
            KeysCommand::Unsuspend(args) => unsuspend(args).await,
        }
    })
}

async fn open(config: &ConfigArg) -> anyhow::Result<Keyring> {
    let url = storage_url(&config.config)?;
    Keyring::open(&url)
        .await
        .with_context(|| format!("opening the key store of {}", config.config.display()))
}

fn now() -> i64 {
    use rampart_identity::clock::{Clock, SystemClock};
    SystemClock.now_unix_secs()
}

async fn create(args: CreateArgs) -> anyhow::Result<ExitCode> {
    let expires_at = args
        .expires
        .as_deref()
        .map(parse_utc_date)
        .transpose()
        .context("--expires")?;
    let keyring = open(&args.config).await?;
    let created = keyring
        .create(NewKey {
            tenant: args.tenant,
            name: args.name,
            role: args.role,
            models: args
                .models
                .map(|m| m.into_iter().map(|s| s.trim().to_owned()).collect()),
            rpm: args.rpm,
            tpm: args.tpm,
            daily_token_budget: args.daily_tokens,
            monthly_token_budget: args.monthly_tokens,
            expires_at,
        })
        .await?;
    let record = &created.record;
    if args.json {
        let mut value = record.to_listing_json(now());
        if let Some(object) = value.as_object_mut() {
            object.insert("key".to_owned(), created.key.expose().into());
        }
        println!("{value}");
    } else {
        println!(
            "Created key {} for tenant {} (name \"{}\", role {}).\n\n    {}\n\n\
             This is the only time the key is shown: store it in your secret manager now.\n\
             Clients send it as `Authorization: Bearer <key>` or `x-api-key: <key>`.",
            escape_cell(&record.id),
            escape_cell(&record.tenant),
            escape_cell(&record.name),
            escape_cell(&record.role),
            created.key.expose()
        );
        if let Some(at) = record.expires_at {
            println!("It expires at {}.", format_rfc3339(at));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let keyring = open(&args.config).await?;
    let records = keyring.list().await?;
    let now = now();
    if args.json {
        let values: Vec<_> = records.iter().map(|r| r.to_listing_json(now)).collect();
        println!("{}", serde_json::Value::Array(values));
        return Ok(ExitCode::SUCCESS);
    }
    if records.is_empty() {
        eprintln!(
            "No keys yet. Create one with `rampart keys create --config FILE --tenant T --name N`."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<[String; 10]> = records
        .iter()
        .map(|r| {
            [
                r.id.clone(),
                format!("{}…", r.prefix),
                r.tenant.clone(),
                r.name.clone(),
                r.role.clone(),
                r.status(now).to_owned(),
                format_rfc3339(r.created_at),
                or_dash(r.expires_at.map(format_rfc3339)),
                or_dash(r.rpm).to_string() + "/" + &or_dash(r.tpm),
                r.models
                    .as_ref()
                    .map_or_else(|| "*".to_owned(), |m| m.join(",")),
            ]
        })
        .collect();
    print_table(
        &[
            "ID", "PREFIX", "TENANT", "NAME", "ROLE", "STATUS", "CREATED", "EXPIRES", "RPM/TPM",
            "MODELS",
        ],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

/// The record of a command on one key, or an error that says where to find the ids.
fn known_key(
    result: Result<rampart_identity::KeyRecord, rampart_identity::IdentityError>,
    config: &ConfigArg,
) -> anyhow::Result<rampart_identity::KeyRecord> {
    match result {
        Ok(record) => Ok(record),
        Err(rampart_identity::IdentityError::NotFound(id)) => bail!(
            "no key with id `{}`; see the ids with `rampart keys list --config {}`",
            escape_cell(&id),
            config.config.display()
        ),
        Err(err) => Err(err.into()),
    }
}

async fn revoke(args: RevokeArgs) -> anyhow::Result<ExitCode> {
    let keyring = open(&args.config).await?;
    let record = known_key(keyring.revoke(&args.id).await, &args.config)?;
    if args.json {
        println!("{}", record.to_listing_json(now()));
    } else {
        println!(
            "Revoked key {} (tenant {}, name \"{}\") at {}.",
            escape_cell(&record.id),
            escape_cell(&record.tenant),
            escape_cell(&record.name),
            or_dash(record.revoked_at.map(format_rfc3339))
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn unsuspend(args: UnsuspendArgs) -> anyhow::Result<ExitCode> {
    let keyring = open(&args.config).await?;
    let record = known_key(keyring.unsuspend(&args.id).await, &args.config)?;
    if args.json {
        println!("{}", record.to_listing_json(now()));
    } else {
        println!(
            "Key {} (tenant {}, name \"{}\") is no longer suspended; its status is {}.",
            escape_cell(&record.id),
            escape_cell(&record.tenant),
            escape_cell(&record.name),
            record.status(now())
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints left-aligned columns separated by two spaces.
/// Every cell is escaped ([`crate::terminal::escape_cell`]): keys, audit records and their
/// names come from outside.
pub(crate) fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|row| row.each_ref().map(|cell| escape_cell(cell).into_owned()))
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  "));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Where keys and audit records live when the config does not say (as in the gateway).
const DEFAULT_STORAGE_URL: &str = "sqlite://rampart.db";

/// Reads `[storage] url` from the gateway config file, with `${VAR}` replaced by the
/// environment variable's value.
pub(crate) fn storage_url(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the config file {}", path.display()))?;
    let config: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    // The gateway's default when `[storage]` or its `url` is absent.
    let url = match config.get("storage") {
        None => DEFAULT_STORAGE_URL,
        Some(storage) => match storage.get("url") {
            None => DEFAULT_STORAGE_URL,
            Some(url) => url
                .as_str()
                .with_context(|| format!("{}: [storage] url must be a string", path.display()))?,
        },
    };
    interpolate(url).with_context(|| format!("{}: [storage] url", path.display()))
}

/// Replaces `${NAME}` with the environment variable `NAME`; a missing variable is an
/// error naming it.
fn interpolate(text: &str) -> anyhow::Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            bail!("unterminated `${{` (expected `${{NAME}}`)");
        };
        let name = &after[..end];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            bail!("`${{{name}}}` is not a valid variable reference");
        }
        let value = std::env::var(name)
            .with_context(|| format!("environment variable {name} is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::interpolate;

    #[test]
    fn interpolation_replaces_and_reports_missing_variables() {
        let path = std::env::var("PATH").unwrap();
        assert_eq!(interpolate("a${PATH}b").unwrap(), format!("a{path}b"));
        assert_eq!(interpolate("sqlite://x.db").unwrap(), "sqlite://x.db");
        let err = interpolate("${RAMPART_SURELY_UNSET_VAR}").unwrap_err();
        assert!(err.to_string().contains("RAMPART_SURELY_UNSET_VAR"));
        assert!(interpolate("${oops").is_err());
        assert!(interpolate("${a b}").is_err());
    }
}
