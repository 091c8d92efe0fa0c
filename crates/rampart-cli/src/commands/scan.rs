//! `rampart scan`: scan model files and directories for code execution and other dangers,
//! without loading them. Glue over `rampart_scan::Scanner`.

use crate::terminal::escape_cell;
use clap::ValueEnum;
use rampart_core::Severity;
use rampart_scan::{FileReport, ScanOptions, ScanReport, Scanner, Verdict, sources};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

/// Scan model files before anyone loads them.
///
/// Every file is recognised by its content, never by its name: pickles (protocols 0-5),
/// PyTorch checkpoints (zip, legacy, tar), NumPy .npy/.npz, joblib and the other formats of
/// this build. Nothing is executed or deserialised; only metadata is read, so a directory
/// of multi-gigabyte checkpoints scans in well under a second.
///
/// Exit status: 0 when nothing at or above --fail-on was found, 1 when something was,
/// 2 when a target could not be scanned or nothing was scanned.
///
/// Examples:
///
///   rampart scan ./models
///
///   rampart scan --format json model.pt > report.json
///
///   rampart scan --fail-on medium --hash checkpoints/ extra/weights.bin
///
///   rampart scan --format json ./model | jq '.files[] | select(.verdict != "clean")'
///
///   rampart scan --format sarif ./models > rampart.sarif    # GitHub code scanning
///
///   rampart scan --format cyclonedx --hash ./models > ml-bom.json
///
///   rampart scan hf://org/model@main           # Hugging Face Hub (token from HF_TOKEN)
///
///   rampart scan https://models.example.com/model.safetensors
///
///   rampart scan s3://bucket/models/llama    # every object under the folder
///
///   rampart scan git+https://git.example.com/org/repo.git@v1.0
///
/// Remote objects are read with range requests, so only metadata is downloaded; each
/// object is its own report entry (s3://bucket/key, hf://org/name@<commit>/file).
/// s3://, gs:// and az:// (abfs://) use each provider's standard credentials: the
/// AWS_* variables (AWS_REGION, AWS_ENDPOINT_URL for S3-compatible servers,
/// AWS_ALLOW_HTTP), ~/.aws/credentials and AWS_PROFILE, web identity and instance roles;
/// GOOGLE_* and AZURE_* likewise. git+https:// repositories are cloned at depth 1 with
/// the system git (no hooks, submodules, redirects or LFS downloads) and reported as
/// git+https://host/repo.git@<commit>!/path; Git LFS pointers are reported as not
/// fetched. Addresses on loopback, link-local and private networks (also a private
/// AWS_ENDPOINT_URL or HF_ENDPOINT) are refused unless --allow-private-network is given.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
// This comment is the `--help` text, printed verbatim in a terminal: its URLs and
// `@<commit>` placeholders are plain text there, not Markdown.
#[allow(rustdoc::bare_urls, rustdoc::invalid_html_tags)]
pub struct Args {
    /// Files or directories to scan (directories are walked recursively; symbolic links
    /// are reported, not followed), `hf://org/name[@revision]` repositories, `https://`
    /// URLs, `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix` or
    /// `git+https://host/repo.git[@rev]`.
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,

    /// Output format: a table for people, or the JSON / SARIF / CycloneDX contracts for
    /// tools.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,

    /// Exit with status 1 when a finding at or above this severity is found
    /// (info, low, medium, high, critical).
    #[arg(long, default_value = "high", value_name = "SEVERITY")]
    fail_on: Severity,

    /// Also compute each file's SHA-256 (reads every byte; off by default so that scans
    /// cost metadata, not tensor bytes).
    #[arg(long)]
    hash: bool,

    /// Allow remote targets on loopback, link-local and private addresses (a Hub mirror,
    /// an S3-compatible store or a git server inside your network; also git+http://).
    /// Off by default against SSRF. Prefer --allow-private-host, which opens one host only.
    #[arg(long)]
    allow_private_network: bool,

    /// Allow this one host (a name as written in the target, or an IP literal) to reach a
    /// loopback, link-local or private address, e.g. `--allow-private-host models.corp.local`
    /// for an internal mirror. Repeatable. Redirects from it to any other host are still
    /// refused when they lead to such an address.
    #[arg(long = "allow-private-host", value_name = "HOST")]
    allow_private_hosts: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
    Sarif,
    Cyclonedx,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let scanner = Scanner::new(ScanOptions {
        hash: args.hash,
        ..ScanOptions::default()
    });
    let progress =
        (args.format == OutputFormat::Human && std::io::stderr().is_terminal()).then(progress_bar);
    let report = if args.targets.iter().any(|t| sources::is_remote(t)) {
        let remote = sources::RemoteOptions {
            allow_private_network: args.allow_private_network,
            private_hosts: args.allow_private_hosts.clone(),
            ..sources::RemoteOptions::from_env()
        };
        sources::scan_targets(&scanner, &args.targets, &remote)
    } else {
        scanner.scan_with_progress(&args.targets, &mut |f: &FileReport| {
            if let Some(bar) = &progress {
                bar.inc(1);
                bar.set_message(escape_cell(&f.path).into_owned());
            }
        })
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }

    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        OutputFormat::Sarif => {
            serde_json::to_writer_pretty(&mut out, &rampart_scan::to_sarif(&report))?;
            writeln!(out)?;
        }
        OutputFormat::Cyclonedx => {
            serde_json::to_writer_pretty(&mut out, &rampart_scan::to_cyclonedx(&report))?;
            writeln!(out)?;
        }
        OutputFormat::Human => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            write_human(&mut out, &report, colour)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::from(exit_code(&report, args.fail_on)))
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} files scanned  {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// 1 when something at or above `fail_on` was found, else 2 when a target could not be
/// scanned or nothing was, else 0.
fn exit_code(report: &ScanReport, fail_on: Severity) -> u8 {
    if report.has_finding_at_or_above(fail_on) {
        1
    } else if report.summary.errors > 0 || report.summary.scanned == 0 {
        2
    } else {
        0
    }
}

struct Paint(bool);

impl Paint {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn verdict(&self, v: Verdict) -> String {
        let (code, text) = match v {
            Verdict::Malicious => ("1;31", "MALICIOUS"),
            Verdict::Suspicious => ("33", "suspicious"),
            Verdict::Clean => ("32", "clean"),
            Verdict::Error => ("35", "error"),
        };
        self.paint(code, &format!("{text:<10}"))
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical | Severity::High => "31",
            Severity::Medium => "33",
            _ => "2",
        };
        self.paint(code, &format!("{:<8}", s.as_str()))
    }
}

/// The table for people. Paths (archive members, git file names), formats, errors and
/// finding texts come from the scanned content or a remote server: every one is escaped.
fn write_human(out: &mut dyn Write, report: &ScanReport, colour: bool) -> std::io::Result<()> {
    let p = Paint(colour);
    let format_width = report
        .files
        .iter()
        .map(|f| escape_cell(&f.format).chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    writeln!(
        out,
        "{}",
        p.paint(
            "1",
            &format!("{:<10}  {:<format_width$}  PATH", "VERDICT", "FORMAT")
        )
    )?;
    for f in &report.files {
        writeln!(
            out,
            "{}  {:<format_width$}  {}",
            p.verdict(f.verdict),
            escape_cell(&f.format),
            escape_cell(&f.path)
        )?;
        if let Some(err) = &f.error {
            writeln!(out, "            {}", p.paint("35", &escape_cell(err)))?;
        }
        let mut findings: Vec<_> = f.findings.iter().collect();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for finding in findings {
            let location = finding
                .location
                .as_deref()
                .map(|l| format!(" [{}]", escape_cell(l)))
                .unwrap_or_default();
            writeln!(
                out,
                "            {} {}{}: {}",
                p.severity(finding.severity),
                escape_cell(&finding.rule),
                location,
                escape_cell(&finding.message)
            )?;
        }
    }
    let s = &report.summary;
    writeln!(
        out,
        "\n{} scanned: {} malicious, {} suspicious, {} clean, {} could not be scanned ({} ms)",
        s.scanned + s.errors,
        s.malicious,
        s.suspicious,
        s.clean,
        s.errors,
        s.duration_ms
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_scan::{Finding, Summary};

    fn report(files: Vec<FileReport>) -> ScanReport {
        let mut r = ScanReport {
            files,
            summary: Summary::default(),
        };
        r.summarise(0);
        r
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        let clean = FileReport::from_findings("a".into(), "pickle", vec![]);
        let medium = FileReport::from_findings(
            "b".into(),
            "pickle",
            vec![Finding::new(Severity::Medium, "r", "m")],
        );
        let error = FileReport::error("c".into(), "unknown", "unreadable".into());
        assert_eq!(exit_code(&report(vec![clean.clone()]), Severity::High), 0);
        assert_eq!(exit_code(&report(vec![medium.clone()]), Severity::High), 0);
        assert_eq!(
            exit_code(&report(vec![medium.clone()]), Severity::Medium),
            1
        );
        assert_eq!(
            exit_code(&report(vec![clean, error.clone()]), Severity::High),
            2
        );
        assert_eq!(exit_code(&report(vec![]), Severity::High), 2);
        assert_eq!(exit_code(&report(vec![medium, error]), Severity::Low), 1);
    }

    #[test]
    fn human_output_has_no_colour_codes_when_colour_is_off() {
        let r = report(vec![FileReport::from_findings(
            "m.pkl".into(),
            "pickle",
            vec![
                Finding::new(Severity::Critical, "pickle.dangerous-import", "os.system")
                    .at("offset 2"),
            ],
        )]);
        let mut out = Vec::new();
        write_human(&mut out, &r, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\x1b'));
        assert!(text.contains("MALICIOUS"));
        assert!(text.contains("critical pickle.dangerous-import [offset 2]: os.system"));
        let mut out = Vec::new();
        write_human(&mut out, &r, true).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("\x1b[1;31m"));
    }
}
