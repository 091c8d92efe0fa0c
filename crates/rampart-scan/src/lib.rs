//! Rampart's model and artifact scanner.
//!
//! A [`Scanner`] takes targets (files and directories for now), recognises each file's
//! format by its content — never by its name — and hands it to the [`Analyzer`] registered
//! for that format in [`formats::registry`]. Analysers never execute or deserialise what
//! they read: they parse bounded metadata and report [`Finding`]s. The result is a
//! [`ScanReport`] whose JSON shape is the `rampart scan --format json` contract (changing
//! it breaks consumers of that output).

mod descriptors;
mod error;
pub mod formats;
pub mod output;
pub mod pickle;
pub mod report;
mod scanner;
pub mod sources;
pub mod zipread;

pub use error::ScanError;
pub use formats::{Analyzer, Input, ScanContext};
pub use output::{to_cyclonedx, to_sarif};
pub use rampart_core::Severity;
pub use report::{FileReport, Finding, ScanReport, Summary, Verdict};
pub use scanner::{Limits, ScanOptions, Scanner};
