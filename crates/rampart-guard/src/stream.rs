//! Incremental inspection of a streamed answer.
//!
//! Each pushed chunk is appended to a pending buffer; the inspector emits the part of the
//! buffer that no future chunk can change and holds back the tail that could still become
//! part of a match (a card number or a key split across chunks) or of a pseudonym token.
//! `finish` inspects and flushes the rest.

use crate::engine::{Context, Guard};
use crate::error::GuardError;
use crate::session::Session;
use rampart_core::{Decision, Finding, FindingKind};

/// How many bytes at the end of the buffer are held back at least: longer than any match
/// a detector anchors on a single line (keys, cards, IBANs, e-mails).
const HOLD_BACK: usize = 256;

/// The result of one step of a stream.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StreamStep {
    /// Text that is safe to forward now (already redacted and with pseudonyms restored).
    pub emit: String,
    /// Findings in the emitted text, with code-point offsets into the whole stream.
    pub findings: Vec<Finding>,
    /// Set when the policy blocks the answer: stop forwarding and end the stream.
    pub blocked_by: Option<(FindingKind, String)>,
}

/// An incremental inspector; create it with [`Guard::stream`].
#[derive(Debug)]
pub struct StreamInspector<'g> {
    guard: &'g Guard,
    ctx: Context,
    pending: String,
    /// Code points already emitted, to offset findings into the whole stream.
    emitted_chars: usize,
    blocked: bool,
}

impl<'g> StreamInspector<'g> {
    pub(crate) fn new(guard: &'g Guard, ctx: Context) -> Self {
        StreamInspector {
            guard,
            ctx,
            pending: String::new(),
            emitted_chars: 0,
            blocked: false,
        }
    }

    /// Accept one chunk; return what can be forwarded now.
    pub fn push(&mut self, chunk: &str, session: &mut Session) -> Result<StreamStep, GuardError> {
        if self.blocked {
            return Ok(StreamStep::default());
        }
        self.pending.push_str(chunk);
        let hold = HOLD_BACK.max(session.longest_token());
        if self.pending.len() <= hold {
            return Ok(StreamStep::default());
        }
        let mut cut = self.pending.len() - hold;
        while !self.pending.is_char_boundary(cut) {
            cut -= 1;
        }
        self.step(cut, session)
    }

    /// End of stream: inspect and flush everything held back.
    pub fn finish(&mut self, session: &mut Session) -> Result<StreamStep, GuardError> {
        if self.blocked {
            return Ok(StreamStep::default());
        }
        let len = self.pending.len();
        self.step(len, session)
    }

    /// Inspect the whole pending buffer, emit up to `cut` bytes (moved back so that no
    /// finding straddles the cut), keep the rest.
    fn step(&mut self, cut: usize, session: &mut Session) -> Result<StreamStep, GuardError> {
        let detections = self.guard.detect(&self.pending, self.ctx)?;
        let cut_cp = self.pending[..cut].chars().count();
        let straddling = detections
            .findings
            .iter()
            .filter(|f| f.start < cut_cp && f.end > cut_cp)
            .map(|f| f.start)
            .min();
        let cut_cp = straddling.unwrap_or(cut_cp);
        let mut cut = self
            .pending
            .char_indices()
            .nth(cut_cp)
            .map_or(self.pending.len(), |(b, _)| b);
        if cut < self.pending.len() {
            cut = before_open_token(&self.pending[..cut], session.longest_token());
        }
        let cut_cp = self.pending[..cut].chars().count();
        let head: String = self.pending[..cut].to_owned();
        // Tokens may straddle the cut: only restore in text that is final.
        let inspection = self.guard.inspect(&head, self.ctx, session)?;
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
        if inspection.decision == Decision::Block {
            self.blocked = true;
            self.pending.clear();
            return Ok(StreamStep {
                emit: String::new(),
                findings,
                blocked_by: inspection.blocked_by,
            });
        }
        self.pending.drain(..cut);
        self.emitted_chars += cut_cp;
        Ok(StreamStep {
            emit: session.restore(&inspection.text),
            findings,
            blocked_by: None,
        })
    }
}

/// Where to cut `head` so that a pseudonym token is never split: before a `<` that is
/// not closed within the last `longest_token` bytes.
fn before_open_token(head: &str, longest_token: usize) -> usize {
    if longest_token == 0 {
        return head.len();
    }
    let window_start = head.len().saturating_sub(longest_token);
    match head[window_start..].rfind('<') {
        Some(i) if !head[window_start + i..].contains('>') => window_start + i,
        _ => head.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn run(chunks: &[&str], session: &mut Session) -> String {
        let guard = Guard::new(Policy::default()).unwrap();
        let mut s = guard.stream(Context::output());
        let mut out = String::new();
        for c in chunks {
            out.push_str(&s.push(c, session).unwrap().emit);
        }
        out.push_str(&s.finish(session).unwrap().emit);
        out
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

    #[test]
    fn multibyte_text_survives_arbitrary_chunking() {
        let text = "¿Qué tal? 日本語 ".repeat(40);
        let bytes = text.as_bytes();
        let mut chunks = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let mut j = (i + 7).min(bytes.len());
            while !text.is_char_boundary(j) {
                j += 1;
            }
            chunks.push(&text[i..j]);
            i = j;
        }
        assert_eq!(run(&chunks, &mut Session::new()), text);
    }
}
