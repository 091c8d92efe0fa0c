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
    /// automaton's order).
    pub(crate) fn hits<'a>(&'a self, text: &'a str) -> AnchorHits<'a> {
        let hay = text.as_bytes();
        AnchorHits {
            dfa: &self.dfa,
            hay,
            at: if self.start.is_some() { 0 } else { hay.len() },
            sid: self.start.unwrap_or_default(),
            next_match: 0,
            matches: 0,
        }
    }
}

/// The iterator of [`Anchors::hits`].
pub(crate) struct AnchorHits<'a> {
    dfa: &'a DFA,
    hay: &'a [u8],
    /// Bytes consumed so far: the end of the hits of `sid`.
    at: usize,
    sid: StateID,
    /// Hits of the match state `sid` reported so far, and how many it has.
    next_match: usize,
    matches: usize,
}

impl AnchorHits<'_> {
    fn hit(&mut self, index: usize) -> AnchorHit {
        let pid = self.dfa.match_pattern(self.sid, index);
        self.next_match = index + 1;
        AnchorHit {
            pattern: pid.as_usize(),
            start: self.at - self.dfa.pattern_len(pid),
            end: self.at,
        }
    }
}

impl Iterator for AnchorHits<'_> {
    type Item = AnchorHit;

    fn next(&mut self) -> Option<AnchorHit> {
        if self.next_match < self.matches {
            return Some(self.hit(self.next_match));
        }
        let dfa = self.dfa;
        let mut sid = self.sid;
        let mut at = self.at;
        for &byte in &self.hay[at..] {
            sid = dfa.next_state(Anchored::No, sid, byte);
            at += 1;
            if dfa.is_special(sid) {
                if dfa.is_dead(sid) {
                    break;
                }
                if dfa.is_match(sid) {
                    self.sid = sid;
                    self.at = at;
                    self.matches = dfa.match_len(sid);
                    return Some(self.hit(0));
                }
            }
        }
        self.sid = sid;
        self.at = self.hay.len();
        self.matches = 0;
        None
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
        ] {
            let ours: Vec<_> = anchors
                .hits(text)
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
