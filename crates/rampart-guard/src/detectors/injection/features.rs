//! Hashed n-gram features of the injection classifier, shared by inference and training.
//!
//! One pass over the bytes of the normalised text, no allocation: ASCII is lower-cased
//! on the fly, runs of white space collapse to one space, and three families of features
//! are hashed into `2^BITS` buckets:
//!
//! - byte 4-grams of that stream (robust to inflection, typos, leetspeak and languages
//!   without spaces),
//! - word unigrams and word bigrams (a word is a run of ASCII alphanumerics or non-ASCII
//!   bytes, so accented words stay whole).
//!
//! The text is cut into blocks of [`BLOCK`] bytes; [`visit`] reports every feature with the
//! block it ends in, so the classifier can score sliding windows of whole blocks from
//! per-block sums without a second pass. This file has no dependency on the rest of the
//! crate: `examples/train_injection.rs` includes it with `#[path]`, so training and
//! inference cannot drift apart.

/// log2 of the number of hash buckets.
pub const BITS: u32 = 16;
/// Number of hash buckets.
pub const BUCKETS: usize = 1 << BITS;
/// Bytes per block.
pub const BLOCK: usize = 256;
/// Blocks per scoring window (a window is `WINDOW_BLOCKS * BLOCK` bytes, 1 KiB).
pub const WINDOW_BLOCKS: usize = 4;

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn finish(h: u64) -> u32 {
    // Fibonacci hashing: the top bits of a multiplicative hash are well mixed.
    (h.wrapping_mul(MUL) >> (64 - BITS)) as u32
}

#[inline]
fn mix(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
}

/// Call `f(block, bucket)` for every feature of `text`, blocks in increasing order.
#[inline]
pub fn visit(text: &[u8], mut f: impl FnMut(usize, u32)) {
    // The last four bytes of the collapsed, lower-cased stream.
    let mut gram: u32 = 0;
    let mut gram_len = 0u32;
    let mut last_space = true;
    // FNV-style hash of the current word, and of the previous one.
    let mut word: u64 = 0xcbf2_9ce4_8422_2325;
    let mut word_len = 0usize;
    let mut prev_word: u64 = 0;
    let mut have_prev = false;
    for (i, &raw) in text.iter().enumerate() {
        let block = i / BLOCK;
        let b = raw.to_ascii_lowercase();
        let is_word = b.is_ascii_alphanumeric() || b >= 0x80;
        let c = if b.is_ascii_whitespace() {
            if last_space {
                // Collapse runs of white space, and end no word twice.
                continue;
            }
            last_space = true;
            b' '
        } else {
            last_space = false;
            b
        };
        gram = (gram << 8) | u32::from(c);
        gram_len += 1;
        if gram_len >= 4 {
            f(block, finish(u64::from(gram) | (1 << 40)));
        }
        if is_word {
            word = mix(word, b);
            word_len += 1;
        } else if word_len > 0 {
            f(block, finish(word ^ (2 << 56)));
            if have_prev {
                f(block, finish(prev_word.rotate_left(17) ^ word ^ (3 << 56)));
            }
            prev_word = word;
            have_prev = true;
            word = 0xcbf2_9ce4_8422_2325;
            word_len = 0;
        }
    }
    if word_len > 0 {
        let block = text.len().saturating_sub(1) / BLOCK;
        f(block, finish(word ^ (2 << 56)));
        if have_prev {
            f(block, finish(prev_word.rotate_left(17) ^ word ^ (3 << 56)));
        }
    }
}

/// Number of blocks `text_len` bytes make (at least one).
pub fn block_count(text_len: usize) -> usize {
    text_len.div_ceil(BLOCK).max(1)
}

/// The windows to score: `(first_block, end_block)` half-open, each at most
/// [`WINDOW_BLOCKS`] long, sliding by one block, covering every block.
#[allow(dead_code)] // The scorer walks the same windows incrementally; training lists them.
pub fn windows(blocks: usize) -> impl Iterator<Item = (usize, usize)> {
    let count = blocks.saturating_sub(WINDOW_BLOCKS) + 1;
    (0..count).map(move |s| (s, (s + WINDOW_BLOCKS).min(blocks)))
}
