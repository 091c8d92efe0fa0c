//! Character boundaries of UTF-8 text, for code that cuts a `&str` at a byte offset it
//! computed (a window around a match, a length limit, a stream hold-back). Slicing a
//! `str` off a boundary panics; these move the offset to the nearest boundary instead.
//! The standard library's `floor_char_boundary` / `ceil_char_boundary` are not stable at
//! the crate's minimum Rust version.

/// The largest character boundary of `s` at or before `i` (`s.len()` when `i` is past
/// the end).
#[inline]
pub fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest character boundary of `s` at or after `i` (`s.len()` when `i` is past
/// the end).
#[inline]
pub fn ceil_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i;
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

/// The longest prefix of `s` that is at most `max` bytes long and ends on a character
/// boundary.
pub fn truncate_to_char_boundary(s: &str, max: usize) -> &str {
    &s[..floor_char_boundary(s, max)]
}

#[cfg(test)]
mod tests {
    use super::*;

    // "aé€😀": a (1 byte) at 0, é (2) at 1, € (3) at 3, 😀 (4) at 6; length 10.
    const S: &str = "a\u{e9}\u{20ac}\u{1f600}";

    #[test]
    fn floor_moves_back_to_the_start_of_the_character() {
        let floors: Vec<usize> = (0..=12).map(|i| floor_char_boundary(S, i)).collect();
        assert_eq!(floors, [0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10, 10]);
    }

    #[test]
    fn ceil_moves_forward_to_the_next_character() {
        let ceils: Vec<usize> = (0..=12).map(|i| ceil_char_boundary(S, i)).collect();
        assert_eq!(ceils, [0, 1, 3, 3, 6, 6, 6, 10, 10, 10, 10, 10, 10]);
    }

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(truncate_to_char_boundary(S, 0), "");
        assert_eq!(truncate_to_char_boundary(S, 2), "a");
        assert_eq!(truncate_to_char_boundary(S, 5), "a\u{e9}");
        assert_eq!(truncate_to_char_boundary(S, 9), "a\u{e9}\u{20ac}");
        assert_eq!(truncate_to_char_boundary(S, 100), S);
        assert_eq!(truncate_to_char_boundary("", 3), "");
    }
}
