//! One module per subcommand. Each exposes `Args` (clap derive) and `run`.

pub mod audit;
pub mod completions;
pub mod config;
pub mod guard;
pub mod keys;
pub mod mcp;
pub mod policy;
pub mod scan;
pub mod serve;
