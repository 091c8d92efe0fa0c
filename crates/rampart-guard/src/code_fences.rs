//! Fenced code blocks of a streamed answer, tracked line by line over the whole stream.
//!
//! A renderer does not read HTML or markdown inside code, so a `<` in code (`if a<b`)
//! opens no tag and must not become `OVERLONG_MARKUP` (see `detectors/overlong.rs`).
//! For a whole text the output detector asks the CommonMark parser where the code is. A
//! stream is inspected in windows, and a window that starts inside a long code block,
//! or in the middle of a line, is not parsed as the whole text would be: a window cut can
//! make the parser see code that the whole text does not have (an inline code span paired
//! across the cut, a list item's paragraph read as indented code), which would let a
//! padded raw-HTML tag through. So in a stream only the code this tracker proves is
//! trusted, and the tracker is conservative by construction:
//!
//! - it opens a fence only on a line that starts, in column 0, with three or more
//!   backticks or tildes (a backtick fence's info string holds no backtick): such a line
//!   is a top-level fence in CommonMark whatever came before it, except inside an HTML
//!   block, a fenced block, or a construct that might span lines and swallow it;
//! - it closes a fence exactly as CommonMark does (up to three spaces, the same
//!   character, at least as many, then only spaces or tabs);
//! - a line that might start an HTML block or a link reference definition (a `<` or a
//!   `[` after nothing but indentation and container markers: `>`, list bullets and
//!   numbers), or a closing line with other blank characters, **poisons** the tracker
//!   for the rest of the stream: no more code is reported, and the stream is then as
//!   strict as it was without this module.
//!
//! Indented code blocks and inline code spans depend on more context than a bounded
//! window holds; in a stream they are not trusted (the whole text trusts them).
//! Memory is constant: the tracker keeps a few counters for the line it is in.

use std::ops::Range;

/// What the tracker knows at the end of the text fed so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct FenceTracker {
    /// The open fence: its character and length.
    open: Option<(u8, usize)>,
    poisoned: bool,
    line: Line,
}

/// The parts of the current line that decide anything.
#[derive(Debug, Clone)]
struct Line {
    phase: Phase,
    spaces: usize,
    tab: bool,
    run_char: u8,
    run: usize,
    /// Only spaces and tabs after the run so far.
    rest_blank: bool,
    /// Only spaces, tabs, vertical tabs and form feeds after the run, at least one of
    /// the latter two: a closing fence to some parsers and not to others.
    rest_odd_blank: bool,
    rest_backtick: bool,
    /// Every byte so far is indentation or a container marker.
    container_prefix: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    Start,
    Indent,
    Run,
    Rest,
    Other,
}

impl Default for Line {
    /// A line with nothing read yet.
    fn default() -> Line {
        Line {
            phase: Phase::Start,
            spaces: 0,
            tab: false,
            run_char: 0,
            run: 0,
            rest_blank: true,
            rest_odd_blank: false,
            rest_backtick: false,
            container_prefix: true,
        }
    }
}

impl FenceTracker {
    pub(crate) fn new() -> FenceTracker {
        FenceTracker::default()
    }

    /// Read `text` (the continuation of what was read before).
    pub(crate) fn feed(&mut self, text: &str) {
        let _ = self.scan(text, false);
    }

    /// Read `text` and return the code-point ranges of `text` that are inside a fenced
    /// code block (the lines between the fences; from 0 when `text` starts inside one).
    pub(crate) fn code_ranges(&mut self, text: &str) -> Vec<Range<usize>> {
        self.scan(text, true)
    }

    fn scan(&mut self, text: &str, collect: bool) -> Vec<Range<usize>> {
        let mut ranges = Vec::new();
        let mut cp = 0usize;
        // Start (code point) of the code range open in this text, and of the current line.
        let mut from = self.open.map(|_| 0);
        let mut line_start = 0usize;
        for &b in text.as_bytes() {
            let is_char_start = b & 0xC0 != 0x80;
            if b == b'\n' || b == b'\r' {
                let was_open = self.open.is_some();
                self.end_line();
                match (was_open, self.open.is_some()) {
                    // Closed (or poisoned) on this line: the code ended where it started.
                    (true, false) => {
                        if let Some(f) = from.take()
                            && collect
                            && f < line_start
                        {
                            ranges.push(f..line_start);
                        }
                    }
                    (false, true) => from = Some(cp + 1),
                    _ => {}
                }
                cp += 1;
                line_start = cp;
                continue;
            }
            self.byte(b);
            if is_char_start {
                cp += 1;
            }
        }
        if let Some(f) = from
            && collect
            && self.open.is_some()
            && f < cp
        {
            ranges.push(f..cp);
        }
        ranges
    }

    fn byte(&mut self, b: u8) {
        let l = &mut self.line;
        if l.container_prefix {
            match b {
                b' ' | b'\t' | b'>' | b'-' | b'*' | b'+' | b'.' | b')' | b'0'..=b'9' => {}
                b'<' | b'[' if self.open.is_none() => {
                    self.poisoned = true;
                    l.container_prefix = false;
                }
                _ => l.container_prefix = false,
            }
        }
        match l.phase {
            Phase::Start | Phase::Indent => match b {
                b' ' => {
                    l.spaces += 1;
                    l.phase = Phase::Indent;
                }
                b'\t' => {
                    l.tab = true;
                    l.phase = Phase::Indent;
                }
                b'`' | b'~' => {
                    l.run_char = b;
                    l.run = 1;
                    l.phase = Phase::Run;
                }
                _ => l.phase = Phase::Other,
            },
            Phase::Run if b == l.run_char => l.run += 1,
            Phase::Run | Phase::Rest => {
                l.phase = Phase::Rest;
                match b {
                    b' ' | b'\t' => {}
                    0x0B | 0x0C => l.rest_odd_blank = true,
                    _ => {
                        l.rest_blank = false;
                        l.rest_odd_blank = false;
                    }
                }
                if b == b'`' {
                    l.rest_backtick = true;
                }
            }
            Phase::Other => {}
        }
    }

    fn end_line(&mut self) {
        let l = std::mem::take(&mut self.line);
        let fence_line = l.run >= 3 && !l.tab;
        match self.open {
            Some((c, n)) => {
                let closing_shape = fence_line && l.spaces <= 3 && l.run_char == c && l.run >= n;
                if closing_shape && l.rest_blank && !l.rest_odd_blank {
                    self.open = None;
                } else if closing_shape && l.rest_odd_blank {
                    // Closed to some parsers: trust nothing from here on.
                    self.open = None;
                    self.poisoned = true;
                }
            }
            None => {
                let opens = fence_line
                    && l.spaces == 0
                    && l.phase != Phase::Start
                    && (l.run_char == b'~' || !l.rest_backtick);
                if opens && !self.poisoned {
                    self.open = Some((l.run_char, l.run));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code of `text` read whole, as text.
    fn code(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        FenceTracker::new()
            .code_ranges(text)
            .into_iter()
            .map(|r| chars[r].iter().collect())
            .collect()
    }

    #[test]
    fn a_fence_opens_in_column_0_and_closes_as_commonmark_says() {
        assert_eq!(code("a\n```js\nif a<b {\n```\nafter"), ["if a<b {\n"]);
        assert_eq!(code("~~~\nx`y\n  ~~~~  \nz"), ["x`y\n"]);
        // A shorter or other fence does not close it; an unclosed one runs to the end.
        assert_eq!(code("````\n```\n~~~~\nx"), ["```\n~~~~\nx"]);
        // Indented, tabbed, too short, or a backtick in the info string: not a fence here.
        for text in [" ```\nx", "\t```\nx", "``\nx", "```a`b\nx", "    ```\nx"] {
            assert!(code(text).is_empty(), "{text:?}");
        }
        // CR and CRLF end lines too.
        assert_eq!(code("```\r\nx\r\n```\r\ny"), ["\nx\r\n"]);
    }

    #[test]
    fn a_line_that_may_start_html_or_a_definition_poisons_the_rest() {
        for text in [
            "<div>\n```\na<b\n```",
            "> <div>\n```\na<b",
            "1. <pre>\n```\na<b",
            "[r]: /url 'title\n```\na<b",
        ] {
            assert!(code(text).is_empty(), "{text:?}");
        }
        // Inside a fence a `<` line is code, and a `<` later in a line is prose.
        assert_eq!(code("```\n<div>\n```\nx<y\n```\nz"), ["<div>\n", "z"]);
        // A closing line with a form feed: trusted by no one from there on.
        assert_eq!(code("```\na\n```\x0c\nb\n```\nc"), ["a\n"]);
    }

    #[test]
    fn fed_in_pieces_it_reads_the_same_as_whole() {
        let text = "intro\n```rust\nlet x = a<b;\n```\nmid\n~~~\ny<z\n";
        let whole = FenceTracker::new().code_ranges(text);
        for cut in 0..text.len() {
            let mut t = FenceTracker::new();
            t.feed(&text[..cut]);
            let chars = text[..cut].chars().count();
            let mut tail: Vec<Range<usize>> = t
                .code_ranges(&text[cut..])
                .into_iter()
                .map(|r| r.start + chars..r.end + chars)
                .collect();
            // What the fed part held is not reported again; the rest matches.
            tail.retain(|r| r.end > chars);
            let expect: Vec<Range<usize>> = whole
                .iter()
                .filter(|r| r.end > chars)
                .map(|r| r.start.max(chars)..r.end)
                .collect();
            assert_eq!(tail, expect, "cut at {cut}");
        }
    }
}
