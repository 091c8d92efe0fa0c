//! The leetspeak reading of a text ("1gn0r3 4ll pr3v10u5" → "ignore all previous"):
//! digits and symbols read as letters inside words, when enough words have them.

/// Fewest words with a digit or symbol standing for a letter ("pr3v10u5") before a text
/// is read again as leetspeak: identifiers such as `md5sum` or `k8s` appear one at a time.
pub(super) const LEET_MIN_WORDS: usize = 3;

/// Leetspeak words must be at least one in this many words of the text: source code
/// has identifiers such as `utf8to16` by the dozen, and reading it twice would double its
/// cost for nothing.
pub(super) const LEET_MIN_SHARE: usize = 10;

pub(super) const LETTER: u8 = 1;
pub(super) const LEET: u8 = 2;

/// Per byte: whether it is an ASCII letter, and whether leetspeak uses it for one. A table,
/// because the test runs on every byte of a text.
pub(super) static BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphabetic() {
            table[b] = LETTER;
        }
        if matches!(c, b'0' | b'1' | b'3' | b'4' | b'5' | b'7' | b'@' | b'$') {
            table[b] = LEET;
        }
        b += 1;
    }
    table
};

/// The first position `i >= from` with a byte leetspeak uses for a letter and a byte after
/// it (`i + 1 < bytes.len()`). Eight bytes at a time: such bytes (digits, `@`, `$`) are
/// rare in prose, and this scan reads every byte of every text.
pub(super) fn next_leet(bytes: &[u8], from: usize) -> Option<usize> {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let end = bytes.len().saturating_sub(1);
    let mut i = from;
    while i + 8 <= end {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[i..i + 8]);
        let x = u64::from_le_bytes(chunk);
        // Digits, as in the PII detector's `next_digit`: exact per byte.
        let y = x & LOW7;
        let digits = (y + 0x5050_5050_5050_5050) & !(y + 0x4646_4646_4646_4646) & !x & HIGH;
        // Bytes equal to `@` or `$`: the lowest flagged byte of each test is exact
        // (higher ones may be flagged by a borrow), and every flag is checked below.
        let at = x ^ (ONES * u64::from(b'@'));
        let dollar = x ^ (ONES * u64::from(b'$'));
        let equal = (at.wrapping_sub(ONES) & !at | dollar.wrapping_sub(ONES) & !dollar) & HIGH;
        let mut flags = digits | equal;
        while flags != 0 {
            let k = i + (flags.trailing_zeros() / 8) as usize;
            if BYTE_CLASS[usize::from(bytes[k])] & LEET != 0 {
                return Some(k);
            }
            flags &= flags - 1;
        }
        i += 8;
    }
    (i..end).find(|&k| BYTE_CLASS[usize::from(bytes[k])] & LEET != 0)
}

/// How many runs of ASCII letters and digits `bytes` holds.
pub(super) fn word_count(bytes: &[u8]) -> usize {
    let mut count = 0;
    let mut in_word = false;
    for &b in bytes {
        let word = b.is_ascii_alphanumeric();
        count += usize::from(word && !in_word);
        in_word = word;
    }
    count
}

/// `text` with leetspeak digits and symbols read as letters ("1gn0r3 4ll" → "ignore all"),
/// when at least [`LEET_MIN_WORDS`] words, and one word in [`LEET_MIN_SHARE`], have one between
/// two letters; `None` otherwise.
/// Only ASCII bytes are replaced by ASCII bytes, so every offset stays valid for `text`.
pub(crate) fn leet_reading(text: &str) -> Option<String> {
    fn leet(b: u8) -> Option<u8> {
        Some(match b {
            b'0' => b'o',
            b'1' => b'i',
            b'3' => b'e',
            b'4' | b'@' => b'a',
            b'5' | b'$' => b's',
            b'7' => b't',
            _ => return None,
        })
    }
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'@' | b'$');
    // Most bytes are not leet characters: test those first. A candidate starts a new word
    // unless only word bytes separate it from the previous one (each byte is looked at
    // once more at most, so this stays linear).
    let mut words = 0;
    let mut previous: Option<usize> = None;
    // Every byte with a letter on each side, in order (the middle of each 3-byte window).
    let mut from = 1;
    while let Some(i) = next_leet(bytes, from) {
        from = i + 1;
        if BYTE_CLASS[usize::from(bytes[i - 1])] & BYTE_CLASS[usize::from(bytes[i + 1])] & LETTER
            == 0
        {
            continue;
        }
        if !previous.is_some_and(|p| bytes[p..i].iter().all(|&b| is_word(b))) {
            words += 1;
        }
        previous = Some(i);
    }
    if words < LEET_MIN_WORDS || words * LEET_MIN_SHARE < word_count(bytes) {
        return None;
    }
    // Replace within words that hold a letter; leave numbers ("2026", "4") alone.
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i < out.len() {
        if !is_word(out[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < out.len() && is_word(out[i]) {
            i += 1;
        }
        if out[start..i].iter().any(u8::is_ascii_alphabetic) {
            for b in &mut out[start..i] {
                if let Some(l) = leet(*b) {
                    *b = l;
                }
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod next_leet_tests {
    use super::*;

    #[test]
    fn finds_every_leet_byte_with_a_byte_after_it() {
        let mut texts: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"a1".to_vec(),
            b"a1b".to_vec(),
            b"1gn0r3 4ll pr3v10u5 1n5truct10n5 @$ $@ 2 6 8 9 @".to_vec(),
            "ñ0ñ@ñ$€7".as_bytes().to_vec(),
        ];
        // Every byte value at every offset of a 20-byte text, next to `@`, `$` and `0`
        // (borrows of the SWAR equality tests cross from one byte to the next).
        for b in 0..=255u8 {
            for at in 0..20 {
                let mut t = vec![b'x'; 20];
                t[at] = b;
                texts.push(t.clone());
                if at + 1 < 20 {
                    t[at + 1] = b'@';
                    texts.push(t.clone());
                    t[at + 1] = b'$';
                    texts.push(t);
                }
            }
        }
        for t in &texts {
            let expected: Vec<usize> = (1..t.len().saturating_sub(1))
                .filter(|&i| BYTE_CLASS[usize::from(t[i])] & LEET != 0)
                .collect();
            let mut found = Vec::new();
            let mut from = 1;
            while let Some(i) = next_leet(t, from) {
                found.push(i);
                from = i + 1;
            }
            assert_eq!(found, expected, "{t:?}");
        }
    }
}
