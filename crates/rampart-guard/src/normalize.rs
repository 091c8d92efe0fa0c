//! Normalisation shared by every detector.
//!
//! Detectors search [`Normalized::text`], never the raw input, so that one rule sees
//! through width variants, invisible characters and encodings. Every byte of the
//! normalised text maps back to a code-point offset of the original, so findings always
//! point into what the user sent.
//!
//! This first version is the identity transform with the offset map; the full pipeline
//! (NFKC, invisible and bidi controls, tag characters, confusables, embedded encodings)
//! replaces its body without changing this interface.

/// A text prepared for detection, with the map back to the original.
#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    original: &'a str,
    text: String,
    /// For each byte offset of `text` (plus one past the end), the code-point offset in
    /// `original` it came from.
    to_original: Vec<u32>,
}

impl<'a> Normalized<'a> {
    /// Normalise `original`.
    pub fn new(original: &'a str) -> Self {
        let mut to_original = Vec::with_capacity(original.len() + 1);
        let mut chars = 0u32;
        for c in original.chars() {
            to_original.extend(std::iter::repeat_n(chars, c.len_utf8()));
            chars += 1;
        }
        to_original.push(chars);
        Normalized {
            original,
            text: original.to_owned(),
            to_original,
        }
    }

    /// The text detectors search.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text as it was given.
    pub fn original(&self) -> &'a str {
        self.original
    }

    /// The code-point span of the original text that the byte span `start..end` of
    /// [`Normalized::text`] came from.
    pub fn span_to_original(&self, start: usize, end: usize) -> (usize, usize) {
        let last = self.to_original.len() - 1;
        let s = self.to_original[start.min(last)] as usize;
        let e = if end >= self.text.len() {
            self.to_original[last] as usize
        } else {
            // `end` is exclusive: it maps to the start of the character at `end`.
            self.to_original[end] as usize
        };
        (s, e.max(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_code_points_of_the_original() {
        let n = Normalized::new("año: a@b.es");
        let start = n.text().find('a').unwrap();
        let (s, e) = n.span_to_original(n.text().find("a@").unwrap(), n.text().len());
        assert_eq!((start, s, e), (0, 5, 11));
    }
}
