//! Pickle analysis shared by every pickle-based format (plain pickles, PyTorch, NumPy object
//! arrays, joblib): the opcode [`walker`] that emulates the unpickler, the import
//! [`policy`], and [`findings`] that turns a walk into report findings.

pub mod findings;
pub mod policy;
pub mod walker;

pub use findings::{PickleFindings, looks_like_pickle, scan_pickle_stream};
pub use policy::{ImportPolicy, ImportVerdict};
pub use walker::{PickleWalk, WalkOptions, walk, walk_bytes};
