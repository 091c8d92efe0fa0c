//! SentencePiece's `nmt_nfkc` normaliser, driven by the model's precompiled character map.
//!
//! The map (`normalizer.charsmap`) is what SentencePiece compiles at training time: a
//! darts-clone double-array trie over UTF-8 byte strings whose leaves point into a table of
//! NUL-terminated replacements (NFKC plus SentencePiece's own folds). Using the model's own
//! map, rather than a Unicode library's NFKC, is what makes the pieces identical to the
//! ones the encoder was trained on: the two differ on a few hundred characters.
//!
//! Whitespace handling follows SentencePiece's defaults for this model: leading, trailing
//! and repeated spaces removed, a space prepended, spaces written as `▁` (U+2581).
//! Linear in the input: each step consumes at least one byte and walks at most the trie's
//! depth.

/// U+2581, SentencePiece's visible space.
pub(crate) const SPACE_SYMBOL: &str = "\u{2581}";

#[derive(Debug)]
pub(crate) struct Normalizer {
    /// Double-array units; empty when the model has no map (identity normalisation).
    units: Vec<u32>,
    /// NUL-terminated replacement strings, indexed by the trie's leaf values.
    replacements: Vec<u8>,
}

impl Normalizer {
    /// Parse a precompiled map: a u32 trie size in bytes, the trie, then the replacements.
    pub(crate) fn new(charsmap: &[u8]) -> Result<Self, String> {
        if charsmap.is_empty() {
            return Ok(Self {
                units: Vec::new(),
                replacements: Vec::new(),
            });
        }
        let Some(size) = charsmap.get(..4) else {
            return Err("character map shorter than its header".to_string());
        };
        let trie_size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
        let Some(trie) = charsmap.get(4..4usize.saturating_add(trie_size)) else {
            return Err("character map trie is truncated".to_string());
        };
        if !trie_size.is_multiple_of(4) || trie_size == 0 {
            return Err("character map trie size is not a positive multiple of 4".to_string());
        }
        let units = trie
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(Self {
            units,
            replacements: charsmap[4 + trie_size..].to_vec(),
        })
    }

    fn offset(unit: u32) -> usize {
        ((unit >> 10) << ((unit & 0x200) >> 6)) as usize
    }

    /// The replacement for the longest map key that prefixes `data`, and how many bytes it
    /// consumes; otherwise the first character unchanged.
    fn normalize_prefix<'a>(&'a self, data: &'a [u8]) -> (&'a [u8], usize) {
        let mut best_len = 0;
        let mut best_value = 0usize;
        if let Some(&root) = self.units.first() {
            let mut node = Self::offset(root);
            for (i, &c) in data.iter().enumerate() {
                node ^= usize::from(c);
                let Some(&unit) = self.units.get(node) else {
                    break;
                };
                if (unit & 0x8000_00FF) != u32::from(c) {
                    break;
                }
                node ^= Self::offset(unit);
                if unit & 0x100 != 0 {
                    let Some(&leaf) = self.units.get(node) else {
                        break;
                    };
                    best_len = i + 1;
                    best_value = (leaf & 0x7FFF_FFFF) as usize;
                }
            }
        }
        if best_len > 0 && best_value < self.replacements.len() {
            let tail = &self.replacements[best_value..];
            let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
            return (&tail[..end], best_len);
        }
        let len = utf8_len(data);
        (&data[..len], len)
    }

    /// Normalise `text` the way SentencePiece does before segmentation.
    pub(crate) fn normalize(&self, text: &str) -> String {
        let raw = text.as_bytes();
        let mut pos = 0;
        // Leading whitespace (after normalisation) is dropped.
        while pos < raw.len() {
            let (p, adv) = self.normalize_prefix(&raw[pos..]);
            if p != b" " {
                break;
            }
            pos += adv;
        }
        if pos >= raw.len() {
            return String::new();
        }
        let space = SPACE_SYMBOL.as_bytes();
        let mut out: Vec<u8> = Vec::with_capacity(raw.len() + 8);
        out.extend_from_slice(space);
        let mut prev_space = true;
        while pos < raw.len() {
            let (mut p, adv) = self.normalize_prefix(&raw[pos..]);
            pos += adv;
            if prev_space {
                while let [b' ', rest @ ..] = p {
                    p = rest;
                }
            }
            if p.is_empty() {
                continue;
            }
            if p.contains(&b' ') {
                for &b in p {
                    if b == b' ' {
                        out.extend_from_slice(space);
                    } else {
                        out.push(b);
                    }
                }
                prev_space = p.last() == Some(&b' ');
            } else {
                out.extend_from_slice(p);
                prev_space = false;
            }
        }
        while out.ends_with(space) {
            out.truncate(out.len() - space.len());
        }
        // The map's replacements are UTF-8 in any real model; a corrupt one must not panic.
        match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

/// Length of the UTF-8 sequence at the start of `data` (1 for an invalid lead byte).
fn utf8_len(data: &[u8]) -> usize {
    let Some(&first) = data.first() else {
        return 0;
    };
    let len = match first {
        0x00..=0x7F => 1,
        _ if first >> 5 == 0x6 => 2,
        _ if first >> 4 == 0xE => 3,
        _ if first >> 3 == 0x1E => 4,
        _ => 1,
    };
    if len > 1 && (len > data.len() || data[1..len].iter().any(|&b| b & 0xC0 != 0x80)) {
        return 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_map_only_whitespace_changes() {
        let n = Normalizer::new(&[]).unwrap();
        assert_eq!(n.normalize("  Hello   world  "), "▁Hello▁world");
        assert_eq!(n.normalize("   "), "");
        assert_eq!(n.normalize(""), "");
        assert_eq!(n.normalize("é\u{301}"), "▁é\u{301}");
    }

    #[test]
    fn a_truncated_map_is_an_error_not_a_panic() {
        assert!(Normalizer::new(&[1, 2]).is_err());
        assert!(Normalizer::new(&[16, 0, 0, 0, 1, 2]).is_err());
        assert!(Normalizer::new(&[3, 0, 0, 0, 1, 2, 3]).is_err());
    }

    #[test]
    fn a_map_of_garbage_never_panics() {
        // Arbitrary units: walks may point anywhere; every index is checked.
        let mut map = vec![64, 0, 0, 0];
        map.extend((0u8..64).map(|i| i.wrapping_mul(37)));
        map.extend_from_slice(b"x\0yy\0");
        let n = Normalizer::new(&map).unwrap();
        for text in ["abc", "é", "\u{10FFFF}", "  a  b  ", "\0\0"] {
            let _ = n.normalize(text);
        }
    }
}
