//! A small deterministic generator for the tests that compare a fast scan with a plain
//! one on many generated inputs (no extra dependency; the same seed gives the same inputs
//! on every run).

/// Xorshift64: each call returns the next state after `seed`.
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}
