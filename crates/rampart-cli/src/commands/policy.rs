//! `rampart policy`: the Cedar policies of `[authz] policy_dir`, checked before they are
//! deployed.
//!
//! - `rampart policy check DIR`: every `*.cedar` file of DIR parsed and validated against
//!   the committed schema (`docs/authz.cedarschema`); exit 1 with one line per problem,
//!   `file:line:column: message`.
//! - `rampart policy test FILE.toml`: request fixtures with their expected decisions (see
//!   `rampart_authz::fixtures`); exit 1 when a case fails or the file or its policies are
//!   not valid.

use anyhow::Result;
use clap::Subcommand;
use rampart_authz::PolicyEngine;
use std::path::PathBuf;
use std::process::ExitCode;

/// Check and test authorisation policies (Cedar).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate every `*.cedar` file of DIR against the schema.
    Check {
        /// The policy folder (`[authz] policy_dir`).
        dir: PathBuf,
    },
    /// Decide the request fixtures of FILE and compare with their expected decisions.
    Test {
        /// A TOML file of `[[case]]`s; its `policies` key names the policy folder
        /// (relative to the file, default its own folder).
        file: PathBuf,
    },
}

pub fn run(args: Args) -> Result<ExitCode> {
    let escape = |s: &str| crate::terminal::escape_text(s).into_owned();
    match args.command {
        Command::Check { dir } => match PolicyEngine::check(&dir) {
            Ok(n) => {
                println!(
                    "{}: {n} policies, valid",
                    escape(&dir.display().to_string())
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                for line in e.to_string().lines() {
                    eprintln!("error: {}", escape(line));
                }
                Ok(ExitCode::from(1))
            }
        },
        Command::Test { file } => match rampart_authz::fixtures::run(&file) {
            Ok(outcomes) => {
                let failed = outcomes.iter().filter(|o| !o.passed()).count();
                for o in &outcomes {
                    let got = o.decision.effect.as_str();
                    let policies = if o.decision.policies.is_empty() {
                        "no policy".to_owned()
                    } else {
                        o.decision.policies.join(", ")
                    };
                    if o.passed() {
                        println!("ok    {} ({got}: {policies})", escape(&o.name));
                    } else {
                        let want = match &o.expected_policy {
                            Some(p) => format!("{} by `{p}`", o.expected.as_str()),
                            None => o.expected.as_str().to_owned(),
                        };
                        println!(
                            "FAIL  {}: expected {want}, got {got} ({policies})",
                            escape(&o.name)
                        );
                        for e in &o.decision.errors {
                            println!("      error: {}", escape(e));
                        }
                    }
                }
                println!(
                    "{} of {} cases as expected",
                    outcomes.len() - failed,
                    outcomes.len()
                );
                Ok(if failed == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                })
            }
            Err(e) => {
                for line in e.to_string().lines() {
                    eprintln!("error: {}", escape(line));
                }
                Ok(ExitCode::from(1))
            }
        },
    }
}
