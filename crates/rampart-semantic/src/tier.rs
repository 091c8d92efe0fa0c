//! The semantic tier as the guard sees it: [`SemanticTier`] implements
//! `rampart_guard::SemanticInjectionScorer` over the encoder and the trained head.
//!
//! For a text it is asked about: cut the (already normalised) text at
//! [`TierSettings::max_chars`], embed windows of [`TierSettings::window_chars`] every
//! [`TierSettings::stride_chars`] (so an instruction hidden at the end of a long document is
//! still seen whole by one window), score each window with the head (an MLP over the 512
//! values and the untrusted-role flag), keep the highest, and stack it with the cheap tiers'
//! score (a logistic regression over [head logit, logit of the Rust score, untrusted]),
//! calibrated so that 0.5 is the training set's out-of-fold 1 % false-positive point.
//! Training and figures: `training/train_head.py`, `bench/RESULTS.md`.
//!
//! The head ships in the binary (`training/head.json`, about 150 kB of JSON, produced by the
//! training script); only the encoder is installed separately.

use std::sync::Arc;

use rampart_core::{Direction, Role};
use rampart_guard::{Context, SemanticInjectionScorer};
use serde::Deserialize;

use crate::encoder::{DIM, Encoder};
use crate::tokenizer::truncate_chars;

/// The head trained by `training/train_head.py`.
const SHIPPED_HEAD: &str = include_str!("../training/head.json");

/// Why a head file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HeadError {
    #[error("semantic head is not valid JSON of the expected shape: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("semantic head: {0}")]
    Shape(String),
}

#[derive(Debug, Deserialize)]
struct HeadFile {
    format: String,
    hidden: usize,
    w1: Vec<Vec<f32>>,
    b1: Vec<f32>,
    w2: Vec<f32>,
    b2: f32,
    stack: StackFile,
}

#[derive(Debug, Deserialize)]
struct StackFile {
    coef: Vec<f32>,
    bias: f32,
    shift: f32,
}

/// The trained head and stacker.
#[derive(Debug, Clone)]
pub struct Head {
    /// Input-major: `w1[i * hidden + j]`, inputs = 512 values + untrusted flag.
    w1: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
    b2: f32,
    stack: [f32; 3],
    stack_bias: f32,
    shift: f32,
}

impl Head {
    /// The head shipped with this build.
    pub fn shipped() -> Result<Self, HeadError> {
        Self::from_json(SHIPPED_HEAD)
    }

    /// Parse a head written by `training/train_head.py --write`.
    pub fn from_json(json: &str) -> Result<Self, HeadError> {
        let f: HeadFile = serde_json::from_str(json)?;
        let shape = |m: String| HeadError::Shape(m);
        if f.format != "rampart-semantic-head/1" {
            return Err(shape(format!("format {:?}", f.format)));
        }
        let inputs = DIM + 1;
        if f.w1.len() != inputs || f.w1.iter().any(|r| r.len() != f.hidden) {
            return Err(shape(format!("w1 must be {inputs} × {}", f.hidden)));
        }
        if f.b1.len() != f.hidden || f.w2.len() != f.hidden || f.stack.coef.len() != 3 {
            return Err(shape(
                "b1, w2 or stack.coef has the wrong length".to_string(),
            ));
        }
        let all =
            f.w1.iter()
                .flatten()
                .chain(&f.b1)
                .chain(&f.w2)
                .chain(&f.stack.coef);
        if all
            .chain([&f.b2, &f.stack.bias, &f.stack.shift])
            .any(|v| !v.is_finite())
        {
            return Err(shape("a weight is not finite".to_string()));
        }
        Ok(Self {
            w1: f.w1.concat(),
            b1: f.b1,
            w2: f.w2,
            b2: f.b2,
            stack: [f.stack.coef[0], f.stack.coef[1], f.stack.coef[2]],
            stack_bias: f.stack.bias,
            shift: f.stack.shift,
        })
    }

    /// The head's logit for one embedding.
    fn logit(&self, embedding: &[f32], untrusted: bool) -> f32 {
        let hidden = self.b1.len();
        let mut h = self.b1.clone();
        let flag = if untrusted { 1.0 } else { 0.0 };
        for (i, &x) in embedding.iter().chain(std::iter::once(&flag)).enumerate() {
            if x == 0.0 {
                continue;
            }
            let row = &self.w1[i * hidden..(i + 1) * hidden];
            for (acc, &w) in h.iter_mut().zip(row) {
                *acc += x * w;
            }
        }
        h.iter()
            .zip(&self.w2)
            .map(|(&a, &w)| a.max(0.0) * w)
            .sum::<f32>()
            + self.b2
    }

    /// The calibrated stacked probability from the best window's head logit.
    fn stacked(&self, head_logit: f32, built_in: f32, untrusted: bool) -> f32 {
        let p = built_in.clamp(1e-6, 1.0 - 1e-6);
        let rust_logit = (p / (1.0 - p)).ln();
        let z = self.stack[0] * head_logit / 4.0
            + self.stack[1] * rust_logit / 4.0
            + self.stack[2] * if untrusted { 1.0 } else { 0.0 }
            + self.stack_bias
            - self.shift;
        1.0 / (1.0 + (-z).exp())
    }
}

/// Which texts the tier is asked about, given the cheap tiers' combined score.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Cascade {
    /// Every text of a scored role, up to [`TierSettings::max_chars`] (the default: the
    /// cheap tiers miss most realistic attacks with a low score, so a band would skip
    /// exactly the texts the tier is for).
    #[default]
    All,
    /// Only texts whose cheap score lies in `[low, high)`: below `low` the cheap tiers are
    /// trusted to be right, at `high` and above they already decided (the tier can only
    /// raise a score, so it cannot change a block). Cheaper, and weaker.
    Uncertain { low: f32, high: f32 },
}

impl Cascade {
    /// Whether a text with this cheap score is scored.
    pub fn consults(&self, built_in: f32) -> bool {
        match *self {
            Cascade::All => true,
            Cascade::Uncertain { low, high } => built_in >= low && built_in < high,
        }
    }
}

/// Which texts the tier reads and how much of each (`[guard.semantic]` in the config).
#[derive(Debug, Clone, PartialEq)]
pub struct TierSettings {
    /// Roles of input texts it scores (answers are never sent to it).
    pub roles: Vec<Role>,
    /// Characters of a text read at most (the cost bound: about 10 ms per 1,000 on a core).
    pub max_chars: usize,
    /// Characters per window.
    pub window_chars: usize,
    /// Characters between window starts.
    pub stride_chars: usize,
    /// Which texts are scored, given the cheap tiers' score.
    pub cascade: Cascade,
}

impl Default for TierSettings {
    fn default() -> Self {
        Self {
            roles: vec![Role::User, Role::Tool, Role::Document],
            max_chars: 4_000,
            window_chars: 1_500,
            stride_chars: 1_000,
            cascade: Cascade::All,
        }
    }
}

impl TierSettings {
    /// Check the numbers; the message names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        if self.window_chars == 0 || self.stride_chars == 0 || self.max_chars == 0 {
            return Err("max_chars, window_chars and stride_chars must be positive".into());
        }
        if self.stride_chars > self.window_chars {
            return Err("stride_chars larger than window_chars would skip text".into());
        }
        if let Cascade::Uncertain { low, high } = self.cascade
            && !(0.0 <= low && low < high && high <= 1.0)
        {
            return Err("the uncertain band must satisfy 0 <= low < high <= 1".into());
        }
        Ok(())
    }

    /// The windows the tier embeds for `text`: its first [`Self::max_chars`] characters,
    /// cut into windows of [`Self::window_chars`] every [`Self::stride_chars`], the last
    /// one ending with the text. The training tools cut with this too, so a head is
    /// trained on the windows it will score.
    pub fn windows<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let text = truncate_chars(text, self.max_chars);
        let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let n = starts.len();
        let (window, stride) = (self.window_chars, self.stride_chars.max(1));
        let mut out = Vec::new();
        let mut first = 0;
        loop {
            let begin = starts.get(first).copied().unwrap_or(text.len());
            let end = starts.get(first + window).copied().unwrap_or(text.len());
            out.push(&text[begin..end]);
            if first + window >= n {
                return out;
            }
            first += stride;
        }
    }
}

/// The semantic tier: encoder + head + settings.
#[derive(Debug, Clone)]
pub struct SemanticTier {
    encoder: Arc<Encoder>,
    head: Head,
    settings: TierSettings,
}

impl SemanticTier {
    pub fn new(encoder: Arc<Encoder>, head: Head, settings: TierSettings) -> Self {
        Self {
            encoder,
            head,
            settings,
        }
    }

    pub fn settings(&self) -> &TierSettings {
        &self.settings
    }

    /// The best window's head logit for `text`.
    pub fn head_logit(&self, text: &str, untrusted: bool) -> f32 {
        self.settings
            .windows(text)
            .into_iter()
            .map(|w| self.head.logit(self.encoder.embed(w).as_slice(), untrusted))
            .fold(f32::NEG_INFINITY, f32::max)
    }
}

impl SemanticInjectionScorer for SemanticTier {
    fn name(&self) -> &str {
        "use-m3"
    }

    fn score(&self, text: &str, ctx: &Context, built_in: f32) -> f32 {
        let untrusted = ctx.role.is_untrusted_content();
        let logit = self.head_logit(text, untrusted);
        self.head.stacked(logit, built_in, untrusted)
    }

    fn inspects(&self, ctx: &Context) -> bool {
        ctx.direction == Direction::Input && self.settings.roles.contains(&ctx.role)
    }

    fn consults(&self, built_in: f32) -> bool {
        self.settings.cascade.consults(built_in)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_head_parses() {
        let head = Head::shipped().unwrap();
        assert_eq!(head.w1.len(), (DIM + 1) * head.b1.len());
        // The stack rises with the Rust score: a rule hit is never made less suspicious.
        let zero = vec![0.0; DIM];
        let low = head.stacked(head.logit(&zero, false), 0.01, false);
        let high = head.stacked(head.logit(&zero, false), 0.99, false);
        assert!(high > low, "{low} {high}");
    }

    #[test]
    fn malformed_heads_are_refused() {
        assert!(Head::from_json("{}").is_err());
        assert!(Head::from_json("not json").is_err());
        let mut v: serde_json::Value = serde_json::from_str(SHIPPED_HEAD).unwrap();
        v["b1"] = serde_json::json!([1.0]);
        assert!(matches!(
            Head::from_json(&v.to_string()),
            Err(HeadError::Shape(_))
        ));
        let mut v: serde_json::Value = serde_json::from_str(SHIPPED_HEAD).unwrap();
        v["format"] = serde_json::json!("other/2");
        assert!(Head::from_json(&v.to_string()).is_err());
    }

    #[test]
    fn windows_cover_the_read_part_of_the_text_and_end_with_it() {
        let s = TierSettings::default();
        assert_eq!(s.windows("short"), vec!["short"]);
        let text = "é".repeat(4_500);
        let w = s.windows(&text);
        let lens: Vec<usize> = w.iter().map(|w| w.chars().count()).collect();
        assert_eq!(lens, vec![1_500, 1_500, 1_500, 1_000]);
    }

    #[test]
    fn settings_are_validated() {
        assert!(TierSettings::default().validate().is_ok());
        let bad = TierSettings {
            stride_chars: 2_000,
            ..TierSettings::default()
        };
        assert!(bad.validate().unwrap_err().contains("stride_chars"));
        for (low, high) in [
            (0.5, 0.5),
            (0.6, 0.2),
            (-0.1, 0.5),
            (0.1, 1.5),
            (f32::NAN, 0.5),
        ] {
            let bad = TierSettings {
                cascade: Cascade::Uncertain { low, high },
                ..TierSettings::default()
            };
            assert!(bad.validate().is_err(), "{low} {high}");
        }
    }

    #[test]
    fn the_cascade_band_is_half_open() {
        let band = Cascade::Uncertain {
            low: 0.1,
            high: 0.5,
        };
        assert!(!band.consults(0.09));
        assert!(band.consults(0.1));
        assert!(band.consults(0.49));
        assert!(
            !band.consults(0.5),
            "at the threshold the cheap tiers decided"
        );
        assert!(Cascade::All.consults(0.0) && Cascade::All.consults(1.0));
    }
}
