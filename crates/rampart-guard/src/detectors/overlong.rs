//! Rendered constructs longer than the output detectors read: suspicious in themselves.
//!
//! A stream can hold back only so much of an answer while a construct is still open
//! ([`Detector::max_match_len`](crate::Detector::max_match_len)), and the patterns read a
//! bounded tag or URL. An attacker who pads an `<img>` tag, an image's alt text or a
//! link's destination past those bounds would otherwise get the construct's start
//! released before the part that carries the payload (`onerror=`, `src=`, `?d=…`)
//! arrives. So a construct that is still open after its bound is reported as
//! `OVERLONG_MARKUP`, a finding the policy acts on like any exfiltration (the default
//! output policy redacts it, which removes the construct's opening and so neutralises
//! what follows). The decision depends only on the construct's first bound-plus-one
//! bytes, which a stream always holds, so a stream and the whole text agree. A construct
//! that starts in code is not one (CommonMark renders no HTML or markdown there: `if
//! a<b` with no `>` opens no tag): the whole text skips those in any code the parser
//! finds; a stream only those in the fenced code it proved (`code_fences.rs`), so there
//! a stream may be stricter than the whole text, never laxer.
//!
//! The constructs and their bounds:
//! - an HTML tag (as the tag tokenizer of [`super::rendered_urls`] reads it: quoted
//!   values may hold `>`) not closed within [`MAX_TAG`] bytes;
//! - a markdown image's alt text, `![` to its matching `]` (nested brackets counted,
//!   across lines but not across a blank line), not closed within [`MAX_TAG`] bytes;
//! - a link's or image's tail, `](` to its `)` (destination, title and the spaces
//!   between), not closed within [`MAX_URL`] bytes.
//!
//! Plain link text (`[` to `]`) has no bound of its own: long bracketed text is common
//! (JSON arrays), and a destination with data is judged where the tail is, whatever
//! precedes it.
//!
//! Every scan here is linear: each byte is read at most a bounded number of times.

use super::output::{MAX_TAG, MAX_URL};
use std::ops::Range;

/// How a scanned construct ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extent {
    /// Closed: the byte after its last byte.
    Closed(usize),
    /// Not the construct after all (a blank line inside an alt text, a space inside a
    /// destination without a title): ends before this byte.
    NotConstruct(usize),
    /// Still open at the end of the text, within its bound: more text decides it.
    Open,
    /// Still open after its bound.
    Overlong,
}

/// One markdown construct that a renderer reads ahead for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Construct {
    pub(crate) start: usize,
    pub(crate) extent: Extent,
}

/// The span reported for an overlong construct starting at `start`: its first `bound`
/// bytes and one more (the byte that made it overlong), on character boundaries.
pub(crate) fn overlong_span(text: &str, start: usize, bound: usize) -> Range<usize> {
    let end = rampart_core::text::ceil_char_boundary(text, (start + bound + 1).min(text.len()));
    start..end
}

/// Every markdown image alt text of `text` (`![` to its matching `]`), in order.
pub(crate) fn image_labels(text: &str) -> Vec<Construct> {
    image_labels_skipping(text, &|_| false)
}

/// [`image_labels`], passing over a `![` at a byte that `in_code` accepts (code renders
/// no image), so that one read from code cannot hide a real one after it.
fn image_labels_skipping(text: &str, in_code: &dyn Fn(usize) -> bool) -> Vec<Construct> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = memchr::memmem::find(&b[from..], b"![") {
        let start = from + found;
        if in_code(start) || (start > 0 && b[start - 1] == b'\\' && !escaped(b, start - 1)) {
            from = start + 2;
            continue;
        }
        let extent = label_extent(b, start);
        out.push(Construct { start, extent });
        from = match extent {
            Extent::Closed(end) | Extent::NotConstruct(end) => end.max(start + 2),
            Extent::Overlong => start + 2 + MAX_TAG,
            Extent::Open => break,
        };
        if from >= b.len() {
            break;
        }
    }
    out
}

/// Whether the byte at `i` is itself escaped by an odd run of backslashes before it.
fn escaped(b: &[u8], i: usize) -> bool {
    b[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1
}

/// How the alt text that starts with the `![` at `start` ends.
fn label_extent(b: &[u8], start: usize) -> Extent {
    let mut depth = 1usize;
    let mut i = start + 2;
    while i < b.len() {
        if i - start > MAX_TAG {
            return Extent::Overlong;
        }
        match b[i] {
            b'\\' => i += 1,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Extent::Closed(i + 1);
                }
            }
            b'\n' => {
                if let Some(end) = blank_line_after(b, i) {
                    return end;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if b.len() - start > MAX_TAG + 1 {
        Extent::Overlong
    } else {
        Extent::Open
    }
}

/// At the line break at `i`: whether the next line is blank (the paragraph ends there:
/// `NotConstruct`), or the text ends before that is known (`Open`); `None` when the next
/// line has text.
fn blank_line_after(b: &[u8], i: usize) -> Option<Extent> {
    let mut j = i + 1;
    while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r') {
        j += 1;
    }
    match b.get(j) {
        None => None,
        Some(b'\n') => Some(Extent::NotConstruct(j)),
        Some(_) => None,
    }
}

/// Every link or image tail of `text` (`](` to its `)`), in order. A `](` inside a tail
/// already read does not start another.
pub(crate) fn link_tails(text: &str) -> Vec<Construct> {
    link_tails_skipping(text, &|_| false)
}

/// [`link_tails`], passing over a `](` at a byte that `in_code` accepts.
fn link_tails_skipping(text: &str, in_code: &dyn Fn(usize) -> bool) -> Vec<Construct> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = memchr::memmem::find(&b[from..], b"](") {
        let start = from + found;
        if in_code(start) {
            from = start + 2;
            if from >= b.len() {
                break;
            }
            continue;
        }
        let extent = tail_extent(b, start);
        out.push(Construct { start, extent });
        from = match extent {
            Extent::Closed(end) | Extent::NotConstruct(end) => end.max(start + 2),
            Extent::Overlong => start + 2 + MAX_URL,
            Extent::Open => break,
        };
        if from >= b.len() {
            break;
        }
    }
    out
}

/// How the tail that starts with the `](` at `start` ends, read as CommonMark reads an
/// inline link's destination and title.
fn tail_extent(b: &[u8], start: usize) -> Extent {
    let limit = start + 2 + MAX_URL;
    let mut i = start + 2;
    // Past the bound before the tail closes: overlong. At the end of the text: open.
    macro_rules! need {
        () => {
            if i >= limit {
                return Extent::Overlong;
            }
            if i >= b.len() {
                return Extent::Open;
            }
        };
    }
    let skip_space = |i: &mut usize| -> Result<(), Extent> {
        let mut lines = 0;
        while *i < b.len() && *i < limit && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            if b[*i] == b'\n' {
                lines += 1;
                if lines > 1 {
                    return Err(Extent::NotConstruct(*i));
                }
            }
            *i += 1;
        }
        Ok(())
    };
    if let Err(e) = skip_space(&mut i) {
        return e;
    }
    need!();
    if b[i] == b'<' {
        i += 1;
        loop {
            need!();
            match b[i] {
                b'>' => {
                    i += 1;
                    break;
                }
                b'\n' | b'<' => return Extent::NotConstruct(i),
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
    } else {
        let mut depth = 0usize;
        loop {
            need!();
            match b[i] {
                b'\\' => i += 2,
                b'(' => {
                    depth += 1;
                    i += 1;
                }
                b')' if depth == 0 => break,
                b')' => {
                    depth -= 1;
                    i += 1;
                }
                c if c <= b' ' => break,
                _ => i += 1,
            }
        }
    }
    if let Err(e) = skip_space(&mut i) {
        return e;
    }
    need!();
    let closer = match b[i] {
        b')' => return Extent::Closed(i + 1),
        b'"' => b'"',
        b'\'' => b'\'',
        b'(' => b')',
        _ => return Extent::NotConstruct(i),
    };
    i += 1;
    loop {
        need!();
        match b[i] {
            b'\\' => i += 2,
            c if c == closer => {
                i += 1;
                break;
            }
            b'\n' => match blank_line_after(b, i) {
                Some(Extent::NotConstruct(end)) => return Extent::NotConstruct(end),
                _ => i += 1,
            },
            _ => i += 1,
        }
    }
    if let Err(e) = skip_space(&mut i) {
        return e;
    }
    need!();
    if b[i] == b')' {
        Extent::Closed(i + 1)
    } else {
        Extent::NotConstruct(i)
    }
}

/// The spans of the overlong markdown constructs of `text` (tags come from the tag
/// tokenizer, see [`super::rendered_urls::Rendered::overlong`]).
pub(crate) fn overlong_markdown(text: &str) -> Vec<Range<usize>> {
    overlong_markdown_skipping(text, &|_| false)
}

/// [`overlong_markdown`], passing over constructs that start at a byte `in_code` accepts.
pub(crate) fn overlong_markdown_skipping(
    text: &str,
    in_code: &dyn Fn(usize) -> bool,
) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if !text.contains('[') {
        return out;
    }
    for c in image_labels_skipping(text, in_code) {
        if c.extent == Extent::Overlong {
            out.push(overlong_span(text, c.start, MAX_TAG + 1));
        }
    }
    for c in link_tails_skipping(text, in_code) {
        if c.extent == Extent::Overlong {
            out.push(overlong_span(text, c.start, MAX_URL + 1));
        }
    }
    out
}

/// Where the earliest markdown construct still open at the end of `text` starts (an alt
/// text or a link tail), for a stream's hold-back.
pub(crate) fn open_markdown_start(text: &str) -> Option<usize> {
    if !text.contains('[') {
        return None;
    }
    let open = |cs: Vec<Construct>| {
        cs.into_iter()
            .find(|c| c.extent == Extent::Open)
            .map(|c| c.start)
    };
    match (open(image_labels(text)), open(link_tails(text))) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extent(cs: Vec<Construct>) -> Vec<(usize, Extent)> {
        cs.into_iter().map(|c| (c.start, c.extent)).collect()
    }

    #[test]
    fn alt_text_counts_nested_brackets_and_escapes_and_stops_at_a_blank_line() {
        assert_eq!(
            extent(image_labels("a ![x [y] z](u) b")),
            vec![(2, Extent::Closed(12))]
        );
        assert_eq!(
            extent(image_labels("![x \\] y](u)")),
            vec![(0, Extent::Closed(9))]
        );
        assert_eq!(
            extent(image_labels("![x\ny](u)")),
            vec![(0, Extent::Closed(6))]
        );
        assert_eq!(
            extent(image_labels("![x\n\ny](u)")),
            vec![(0, Extent::NotConstruct(4))]
        );
        assert_eq!(extent(image_labels("![x [y")), vec![(0, Extent::Open)]);
        assert!(image_labels("\\![x").is_empty());
        let long = format!("![{}](u)", "a".repeat(MAX_TAG));
        assert_eq!(extent(image_labels(&long)), vec![(0, Extent::Overlong)]);
        // Decided on the prefix: the same with the text cut right after the bound.
        assert_eq!(
            extent(image_labels(&long[..MAX_TAG + 2])),
            vec![(0, Extent::Overlong)]
        );
        assert_eq!(
            extent(image_labels(&long[..MAX_TAG + 1])),
            vec![(0, Extent::Open)]
        );
    }

    #[test]
    fn link_tails_read_destinations_titles_and_parentheses() {
        assert_eq!(extent(link_tails("[a](u)")), vec![(2, Extent::Closed(6))]);
        assert_eq!(
            extent(link_tails("[a](u(1)v \"t)\" )")),
            vec![(2, Extent::Closed(16))]
        );
        assert_eq!(
            extent(link_tails("[a](<u v>)")),
            vec![(2, Extent::Closed(10))]
        );
        assert_eq!(
            extent(link_tails("[a](\nu\n't')")),
            vec![(2, Extent::Closed(11))]
        );
        assert_eq!(
            extent(link_tails("[a](u v)")),
            vec![(2, Extent::NotConstruct(6))]
        );
        assert_eq!(extent(link_tails("[a](https://x")), vec![(2, Extent::Open)]);
        for padded in [
            format!("[a](https://evil.example/{}", "p".repeat(MAX_URL)),
            format!("[a](https://evil.example/ \"{}\")", "t".repeat(MAX_URL)),
            format!("[a]({}https://evil.example/)", " ".repeat(MAX_URL)),
        ] {
            assert_eq!(
                extent(link_tails(&padded)),
                vec![(2, Extent::Overlong)],
                "{padded:.40}"
            );
        }
    }

    #[test]
    fn open_constructs_are_found_for_the_hold_back() {
        assert_eq!(open_markdown_start("text ![alt\nmore alt"), Some(5));
        assert_eq!(open_markdown_start("text [a](https://x"), Some(7));
        assert_eq!(open_markdown_start("text ![a](u) [b](v) done"), None);
    }

    #[test]
    fn scans_are_linear() {
        let mb = 1 << 19;
        for text in [
            "](".repeat(mb / 2),
            "![".repeat(mb / 2),
            "](<".repeat(mb / 3),
            format!("{}{}", "![".repeat(mb / 4), "]".repeat(mb / 2)),
            "](a \"".repeat(mb / 5),
        ] {
            let started = std::time::Instant::now();
            let _ = overlong_markdown(&text);
            let _ = open_markdown_start(&text);
            assert!(started.elapsed() < std::time::Duration::from_secs(5));
        }
    }
}
