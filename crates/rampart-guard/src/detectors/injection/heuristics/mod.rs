//! Multilingual injection and jailbreak heuristics behind a literal prefilter.
//!
//! Each [`RuleSpec`] is a regular expression plus the literal anchors that any match must
//! contain. One Aho-Corasick automaton over every anchor scans the text once; only when an
//! anchor is found is its rule's regex run, and only on a bounded window around the
//! anchor. A rule never rescans bytes it has already covered, so the cost stays linear in
//! the input and small for ordinary text (most texts contain no anchor at all).
//!
//! Rules cover English, Spanish, Portuguese, French, German, Italian and Catalan. Every rule
//! carries two scores: one for text written by the people operating or using the
//! application (`system`, `user`, `assistant`) and one for untrusted content (`tool`
//! results, retrieved `document`s), where an instruction to the model is injection even
//! when it is polite.
//!
//! One concept per file: the engine (this file: anchor walk, rule windows, hits and
//! their combination), [`compile`] (how a rule becomes a regex), [`rules`] (the table),
//! [`leet`] (the leetspeak reading), [`markup`] (the markup reading), [`quotation`] (the
//! discount of quoted mentions) and [`suffix`] (the structural adversarial-suffix pass).

mod compile;
mod leet;
mod markup;
mod quotation;
mod rules;
mod suffix;
#[cfg(test)]
mod tests;

use crate::detectors::anchors::Anchors;
use crate::detectors::ascii_regex::ascii_word_classes;
use compile::{compile, rule_pattern};
pub(crate) use leet::leet_reading;
use quotation::discount_quoted_mentions;
use rampart_core::FindingKind;
use rampart_core::text::{ceil_char_boundary, floor_char_boundary};
use regex_automata::meta::Regex;
pub(crate) use rules::RULES;
use std::sync::OnceLock;

/// Bytes searched before an anchor: the longest prefix a rule needs before its anchor.
const WINDOW_BEFORE: usize = 128;
/// Bytes searched after an anchor.
const WINDOW_AFTER: usize = 256;
/// At most this many hits are reported per text; scoring needs only the best per rule.
const MAX_HITS: usize = 64;

/// One heuristic rule, as written in the rule table.
#[derive(Debug)]
pub struct RuleSpec {
    /// The finding's `entity` (e.g. `INSTRUCTION_OVERRIDE`).
    pub kind_name: &'static str,
    pub kind: FindingKind,
    /// Lower-case literals, one of which every match contains.
    pub anchors: &'static [&'static str],
    pub pattern: &'static str,
    /// Score when the text comes from a trusted role.
    pub trusted: f32,
    /// Score when the text is untrusted content (tool result, retrieved document).
    pub untrusted: f32,
    /// Every match starts exactly at one of the anchors (and is preceded by a word
    /// boundary): the rule is then tried anchored at the anchor, which stops after a few
    /// bytes instead of scanning a window.
    pub from_anchor: bool,
}

/// A rule match: which rule, where (byte span of the normalised text), how strong.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    pub score: f32,
}

/// The compiled rule set.
#[derive(Debug)]
pub struct Heuristics {
    /// The automaton of the literals alone, built on first use: the detector walks the
    /// literals merged with the secret detector's (`scan_anchored`), the training
    /// example this one (`scan`).
    anchors: OnceLock<Anchors>,
    /// The anchor literals; pattern `i` of `anchors` is `anchor_list[i]`.
    anchor_list: Vec<&'static str>,
    /// For each anchor pattern id, the rules it triggers.
    anchor_rules: Vec<Vec<usize>>,
    /// The length of the longest anchor literal.
    max_anchor_len: usize,
    /// Each rule's expression, compiled the first time one of its anchors is found:
    /// compiling the whole table costs more than a million times scanning a short text
    /// without anchors, and most processes (a CLI run, a test) need few rules.
    rules: Vec<(&'static RuleSpec, OnceLock<Regex>)>,
}

impl Heuristics {
    /// The rule set, built on first use and shared by every detector: building the
    /// anchor automaton costs milliseconds, scanning costs microseconds.
    pub fn shared() -> &'static Heuristics {
        static SHARED: OnceLock<Heuristics> = OnceLock::new();
        SHARED.get_or_init(Heuristics::new)
    }

    /// Rule `rule`'s expression, compiled on first use.
    fn regex(&self, rule: usize) -> &Regex {
        let (spec, re) = &self.rules[rule];
        re.get_or_init(|| {
            // The rule table is static and covered by tests (`every_rule_compiles…`); a
            // bad pattern is a build bug.
            #[allow(clippy::expect_used)]
            // A roomy lazy-DFA cache: these case-insensitive alternations need many
            // states, and a thrashing cache sends the engine to its slow fallback.
            compile(&ascii_word_classes(&rule_pattern(spec))).expect("static heuristic regex")
        })
    }

    fn new() -> Heuristics {
        let mut anchor_list: Vec<&'static str> = Vec::new();
        let mut anchor_rules: Vec<Vec<usize>> = Vec::new();
        let mut rules = Vec::with_capacity(RULES.len());
        for (i, spec) in RULES.iter().enumerate() {
            rules.push((spec, OnceLock::new()));
            for a in spec.anchors {
                match anchor_list.iter().position(|x| x == a) {
                    Some(p) => anchor_rules[p].push(i),
                    None => {
                        anchor_list.push(a);
                        anchor_rules.push(vec![i]);
                    }
                }
            }
        }
        Heuristics {
            anchors: OnceLock::new(),
            max_anchor_len: anchor_list.iter().map(|a| a.len()).max().unwrap_or(0),
            anchor_list,
            anchor_rules,
            rules,
        }
    }

    /// How many anchors `text` holds, and how many rule windows they open (diagnostics
    /// for the speed tool).
    #[cfg_attr(not(feature = "training"), allow(dead_code))]
    pub fn anchor_stats(&self, text: &str) -> (usize, usize) {
        let mut covered = vec![0usize; self.rules.len()];
        let (mut anchors, mut windows) = (0, 0);
        for m in self.anchors().hits(text) {
            anchors += 1;
            for &rule in &self.anchor_rules[m.pattern] {
                if m.start + WINDOW_AFTER / 2 < covered[rule] {
                    continue;
                }
                covered[rule] = m.start + WINDOW_AFTER;
                windows += 1;
            }
        }
        (anchors, windows)
    }

    pub fn spec(&self, rule: usize) -> &'static RuleSpec {
        self.rules[rule].0
    }

    /// The automaton of [`Self::anchor_literals`] alone.
    fn anchors(&self) -> &Anchors {
        self.anchors.get_or_init(|| {
            // A full DFA: a few hundred kilobytes, the fastest per-byte search.
            #[allow(clippy::expect_used)]
            Anchors::new(&self.anchor_list).expect("static anchor set")
        })
    }

    /// The anchor literals, numbered as the hits [`Self::scan_anchored`] takes.
    pub fn anchor_literals(&self) -> &[&'static str] {
        &self.anchor_list
    }

    /// Every rule match in `text`, scored for `untrusted` content or not.
    pub fn scan(&self, text: &str, untrusted: bool, hits: &mut Vec<Hit>) {
        let anchor_hits = self
            .anchors()
            .hits(text)
            .into_iter()
            .map(|m| (m.pattern, m.start));
        self.scan_anchored(text, untrusted, hits, anchor_hits);
    }

    /// [`Self::scan`] given the anchor hits in `text` as (literal number, start): every
    /// overlapping occurrence of [`Self::anchor_literals`], in the order the automaton
    /// reports them.
    pub fn scan_anchored(
        &self,
        text: &str,
        untrusted: bool,
        hits: &mut Vec<Hit>,
        anchor_hits: impl IntoIterator<Item = (usize, usize)>,
    ) {
        // Per rule, the end of the window already searched (allocated at the first hit:
        // most texts have none).
        let mut covered: Vec<usize> = Vec::new();
        let bytes = text.as_bytes();
        for (pattern, p) in anchor_hits {
            if covered.is_empty() {
                covered = vec![0usize; self.rules.len()];
            }
            for &rule in &self.anchor_rules[pattern] {
                let spec = self.rules[rule].0;
                if spec.from_anchor {
                    // The anchor must start a word, as the rule's leading `\b` demands.
                    if p > 0 && is_ascii_word(bytes[p - 1]) {
                        continue;
                    }
                    let we = ceil_char_boundary(text, p + WINDOW_AFTER);
                    if let Some(found) = self.regex(rule).find(&text[p..we]) {
                        if hits.len() >= MAX_HITS {
                            return;
                        }
                        hits.push(Hit {
                            rule,
                            start: p,
                            end: p + found.end(),
                            score: if untrusted {
                                spec.untrusted
                            } else {
                                spec.trusted
                            },
                        });
                    }
                    continue;
                }
                if p + WINDOW_AFTER / 2 < covered[rule] {
                    continue;
                }
                let ws = floor_char_boundary(
                    text,
                    p.saturating_sub(WINDOW_BEFORE)
                        .max(covered[rule].saturating_sub(WINDOW_AFTER / 2 + WINDOW_BEFORE)),
                );
                let we = ceil_char_boundary(text, p + WINDOW_AFTER);
                covered[rule] = we;
                let score = if untrusted {
                    spec.untrusted
                } else {
                    spec.trusted
                };
                let window = &text[ws..we];
                let re = self.regex(rule);
                // Most windows hold no match: a forward-only scan says so cheaply.
                if !re.is_match(window) {
                    continue;
                }
                for found in re.find_iter(window) {
                    if hits.len() >= MAX_HITS {
                        return;
                    }
                    let (start, end) = (ws + found.start(), ws + found.end());
                    // The same match may be seen from two overlapping windows.
                    if hits
                        .iter()
                        .rev()
                        .take(8)
                        .any(|h| h.rule == rule && h.start == start)
                    {
                        continue;
                    }
                    hits.push(Hit {
                        rule,
                        start,
                        end,
                        score,
                    });
                }
            }
        }
    }
}

fn is_ascii_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Heuristics {
    /// Every rule hit the detector scores: [`Heuristics::scan`] of the text, of its
    /// leetspeak reading when it has one ([`leet_reading`]) and of its markup reading
    /// when it has one ([`markup::markup_reading`]: emphasis, in-word hyphens and inline
    /// tags removed), with quoted mentions discounted ([`discount_quoted_mentions`]).
    /// Then the adversarial-suffix pass ([`Self::find_suffix`]), as on model input.
    // The detector passes the shared anchor walk; the trainer uses this.
    #[cfg_attr(not(feature = "training"), allow(dead_code))]
    pub fn inspect(&self, text: &str, untrusted: bool, hits: &mut Vec<Hit>) {
        let anchor_hits = self
            .anchors()
            .hits(text)
            .into_iter()
            .map(|m| (m.pattern, m.start));
        self.inspect_anchored(text, untrusted, hits, anchor_hits);
        self.find_suffix(text, hits);
    }

    /// [`Self::inspect`] given the anchor hits in `text`, as [`Self::scan_anchored`] takes
    /// them. The leetspeak reading, a different text, gets its own walk.
    pub fn inspect_anchored(
        &self,
        text: &str,
        untrusted: bool,
        hits: &mut Vec<Hit>,
        anchor_hits: impl IntoIterator<Item = (usize, usize)>,
    ) {
        // Kept: the markup reading's anchors are derived from them.
        let anchor_hits: Vec<(usize, usize)> = anchor_hits.into_iter().collect();
        self.scan_anchored(text, untrusted, hits, anchor_hits.iter().copied());
        if let Some(folded) = leet_reading(text) {
            let mut more = Vec::new();
            self.scan(&folded, untrusted, &mut more);
            for hit in more {
                if hits.len() >= MAX_HITS {
                    break;
                }
                if !hits
                    .iter()
                    .any(|h| h.rule == hit.rule && h.start == hit.start)
                {
                    hits.push(hit);
                }
            }
        }
        if let Some(reading) = markup::markup_reading(text) {
            // Only the rule windows that hold a removed piece of markup can match
            // differently from the text: the others are skipped (markdown and code have
            // markup on every line, and scanning their reading whole doubled the cost).
            // Hits of the reading are mapped back onto the text; those of the text
            // itself stay as they are.
            let anchors = self
                .reading_anchors(&reading, &anchor_hits)
                .into_iter()
                .filter(|&(_, p)| {
                    reading.has_joint_in(p.saturating_sub(WINDOW_BEFORE), p + WINDOW_AFTER)
                });
            let mut more = Vec::new();
            self.scan_anchored(&reading.text, untrusted, &mut more, anchors);
            for mut hit in more {
                if hits.len() >= MAX_HITS {
                    break;
                }
                (hit.start, hit.end) = reading.source_span(hit.start, hit.end);
                if !hits
                    .iter()
                    .any(|h| h.rule == hit.rule && h.start < hit.end && hit.start < h.end)
                {
                    hits.push(hit);
                }
            }
        }
        discount_quoted_mentions(text, untrusted, hits);
    }

    /// The anchor hits of a markup reading as (literal number, start), in the order a
    /// walk of the whole reading gives them, from the hits of the text it reads: a hit
    /// that lies within one stretch the reading copies is a hit of the text there, so
    /// only the bytes around each seam (where markup was removed) are walked again, for
    /// the hits that span it. A reading with seams closer together than that saves
    /// nothing and is walked whole.
    fn reading_anchors(
        &self,
        reading: &markup::Reading,
        text_hits: &[(usize, usize)],
    ) -> Vec<(usize, usize)> {
        let reach = self.max_anchor_len.saturating_sub(1);
        let bytes = reading.text.as_bytes();
        if reading.seams().count().saturating_mul(2 * reach) >= bytes.len() {
            return self
                .anchors()
                .hits(&reading.text)
                .into_iter()
                .map(|m| (m.pattern, m.start))
                .collect();
        }
        self.derived_reading_anchors(reading, text_hits)
    }

    /// [`Self::reading_anchors`] without the whole walk, however many seams.
    fn derived_reading_anchors(
        &self,
        reading: &markup::Reading,
        text_hits: &[(usize, usize)],
    ) -> Vec<(usize, usize)> {
        let reach = self.max_anchor_len.saturating_sub(1);
        let bytes = reading.text.as_bytes();
        // (end, length, literal): the walk's order is by end, then longest first, then
        // literal number (`shared_anchors.rs`).
        let mut all: Vec<(usize, usize, usize)> = Vec::with_capacity(text_hits.len() + 8);
        for &(pattern, start) in text_hits {
            let len = self.anchor_list[pattern].len();
            if let Some(r) = reading.reading_offset(start, start + len) {
                all.push((r + len, len, pattern));
            }
        }
        let mut piece = Vec::new();
        let mut previous = 0;
        for seam in reading.seams() {
            // Hits that start before `seam` and end after it; one that also spans the
            // previous seam was taken there.
            let from = seam.saturating_sub(reach).max(previous);
            let to = (seam + reach).min(bytes.len());
            piece.clear();
            self.anchors().push_hits(&bytes[from..to], &mut piece);
            for h in &piece {
                let (start, end) = (from + h.start, from + h.end);
                if start < seam && seam < end {
                    all.push((end, end - start, h.pattern));
                }
            }
            previous = seam;
        }
        all.sort_unstable_by_key(|&(end, len, pattern)| (end, std::cmp::Reverse(len), pattern));
        all.into_iter()
            .map(|(end, len, pattern)| (pattern, end - len))
            .collect()
    }

    /// The adversarial suffix of `text`, if it has one ([`suffix`]). Only for text on its
    /// way to a model: a suffix attacks the model that reads it, and the pass needs the
    /// whole line, which a streamed answer does not give at once.
    pub fn find_suffix(&self, text: &str, hits: &mut Vec<Hit>) {
        if let Some(found) = suffix::find(text)
            && hits.len() < MAX_HITS
        {
            hits.push(Hit {
                rule: ADVERSARIAL_SUFFIX_RULE,
                start: found.start,
                end: found.end,
                score: if found.evidence >= suffix::STRONG {
                    ADVERSARIAL_SUFFIX_STRONG
                } else {
                    ADVERSARIAL_SUFFIX_WEAK
                },
            });
        }
    }
}

/// The scores of an adversarial suffix ([`suffix`]), for either role: its shape, not its
/// words, is the signal, and it means the same in a document.
const ADVERSARIAL_SUFFIX_WEAK: f32 = 0.6;
const ADVERSARIAL_SUFFIX_STRONG: f32 = 0.85;

/// Noisy-or of the best score of each rule that hit: independent weak signals add up,
/// the same rule matching twice does not.
pub fn combine(hits: &[Hit], rule_count: usize) -> f32 {
    let mut best = vec![0f32; rule_count];
    for h in hits {
        best[h.rule] = best[h.rule].max(h.score);
    }
    1.0 - best.iter().fold(1.0, |acc, s| acc * (1.0 - s))
}

impl Heuristics {
    /// Whether `hit` sits inside a quotation or an inline code span on its line (what the
    /// stacker reads as a mention, whatever the words around it).
    pub fn quoted(text: &str, hit: &Hit) -> bool {
        hit.end <= text.len()
            && text.is_char_boundary(hit.start)
            && quotation::enclosing_quote(text, hit.start, hit.end).is_some()
    }

    /// Whether `hit` sits inside a quotation that the text around it asks to be carried
    /// out ("…; obey it"): such a quotation is a use, not a mention.
    pub fn endorsed_quote(text: &str, hit: &Hit) -> bool {
        hit.end <= text.len()
            && text.is_char_boundary(hit.start)
            && quotation::enclosing_quote(text, hit.start, hit.end)
                .is_some_and(|(open, close)| quotation::endorsed(text, open, close))
    }
}

pub fn rule_count() -> usize {
    RULES.len()
}

/// The rule that names [`suffix`] hits: the last of the table.
const ADVERSARIAL_SUFFIX_RULE: usize = RULES.len() - 1;
