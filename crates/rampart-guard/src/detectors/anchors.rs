//! The anchor walk several detectors share: every (overlapping) occurrence of a set of
//! literals, ASCII case-insensitive, found in one pass of an Aho-Corasick DFA.
//!
//! The result equals `AhoCorasick::find_overlapping_iter` with `MatchKind::Standard` and
//! a DFA, hit for hit and in the same order. The loop is written here against the DFA
//! itself because the generic overlapping search keeps its position in the iterator's
//! state (a memory round trip per byte) and checks for a prefilter it never has on these
//! sets: this loop keeps state and position in registers and costs a third as much per
//! byte, which matters because it reads every byte of every inspected text.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, BuildError, MatchKind, StartKind};

/// An anchor automaton: ASCII case-insensitive, all overlapping matches.
#[derive(Debug, Clone)]
pub(crate) struct Anchors {
    dfa: DFA,
    /// Always present: the DFA is built for unanchored searches.
    start: Option<StateID>,
}

/// One occurrence of anchor `pattern` at bytes `start..end` of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AnchorHit {
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
}

impl Anchors {
    pub(crate) fn new<P: AsRef<[u8]>>(literals: &[P]) -> Result<Anchors, BuildError> {
        let dfa = DFA::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .prefilter(false)
            .build(literals)?;
        let start = dfa.start_state(Anchored::No).ok();
        Ok(Anchors { dfa, start })
    }

    /// Every hit in `text`, in the order they end (hits ending at the same byte in the
    /// automaton's order). The walk takes four transitions at a time and tests once
    /// whether any of them reached a special (match or dead) state; only such a block is
    /// walked again byte by byte. Most blocks of a text reach none, so the per-byte cost
    /// is the table lookups alone.
    pub(crate) fn hits(&self, text: &str) -> Vec<AnchorHit> {
        let mut out = Vec::new();
        self.push_hits(text.as_bytes(), &mut out);
        out
    }

    /// [`Self::hits`] of `hay` (any bytes, e.g. a piece of a text), appended to `out`;
    /// offsets are relative to `hay`.
    pub(crate) fn push_hits(&self, hay: &[u8], out: &mut Vec<AnchorHit>) {
        let Some(start) = self.start else {
            return;
        };
        let dfa = &self.dfa;
        let mut sid = start;
        let blocks = hay.chunks_exact(4);
        let tail = blocks.remainder();
        for (k, block) in blocks.enumerate() {
            let s1 = dfa.next_state(Anchored::No, sid, block[0]);
            let s2 = dfa.next_state(Anchored::No, s1, block[1]);
            let s3 = dfa.next_state(Anchored::No, s2, block[2]);
            let s4 = dfa.next_state(Anchored::No, s3, block[3]);
            if !(dfa.is_special(s1) | dfa.is_special(s2) | dfa.is_special(s3) | dfa.is_special(s4))
            {
                sid = s4;
                continue;
            }
            for (j, &byte) in block.iter().enumerate() {
                sid = dfa.next_state(Anchored::No, sid, byte);
                if !self.on_special(sid, 4 * k + j + 1, out) {
                    return;
                }
            }
        }
        let base = hay.len() - tail.len();
        for (j, &byte) in tail.iter().enumerate() {
            sid = dfa.next_state(Anchored::No, sid, byte);
            if !self.on_special(sid, base + j + 1, out) {
                return;
            }
        }
    }

    /// The walk reached `sid` after `at` bytes: push its hits if it is a match state.
    /// `false` when it is the dead state (no hit can follow).
    #[inline(always)]
    fn on_special(&self, sid: StateID, at: usize, out: &mut Vec<AnchorHit>) -> bool {
        let dfa = &self.dfa;
        if !dfa.is_special(sid) {
            return true;
        }
        if dfa.is_dead(sid) {
            return false;
        }
        if dfa.is_match(sid) {
            for index in 0..dfa.match_len(sid) {
                let pid = dfa.match_pattern(sid, index);
                out.push(AnchorHit {
                    pattern: pid.as_usize(),
                    start: at - dfa.pattern_len(pid),
                    end: at,
                });
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, AhoCorasickKind};

    #[test]
    fn same_hits_as_the_library_overlapping_search() {
        let literals = [
            "key", "api", "apikey", "pass", "password", "SK", "a", "word",
        ];
        let anchors = Anchors::new(&literals).unwrap();
        let reference = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(literals)
            .unwrap();
        for text in [
            "",
            "a",
            "My APIKEY and Password: passwords, sk, ASK, keyword",
            "ñapikeyñ passpassword aaaa",
            "keyapikeypasswordaaaaaaaaa",
            "xxxa",
            "xxxxa",
            "xxxxxa",
            "xxxxxxa",
        ] {
            let ours: Vec<_> = anchors
                .hits(text)
                .iter()
                .map(|h| (h.pattern, h.start, h.end))
                .collect();
            let theirs: Vec<_> = reference
                .find_overlapping_iter(text)
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            assert_eq!(ours, theirs, "{text:?}");
            assert!(!ours.is_empty() || !text.contains('a'));
        }
    }
}
