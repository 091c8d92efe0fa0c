//! What the trainer and the measurement tools under `tools/` need from inside the
//! injection detector (feature `training`): the hashed features, the rule engine and the
//! classifier, the very code the detector runs, so that training and inference cannot
//! drift apart; and `measure`, the timing helpers the tools share. Not a stable API: it
//! follows the detector.
//!
//! Without the feature the modules stay private to the crate.

pub use crate::detectors::injection::{classifier, features, heuristics, stack};

pub mod measure;
