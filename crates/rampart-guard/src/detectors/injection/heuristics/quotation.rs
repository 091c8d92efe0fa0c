//! The discount of quoted mentions: a rule hit inside a quotation, in a text that
//! discusses attacks and does not ask for the quoted text to be carried out, counts less.

use super::Hit;
use rampart_core::text::{ceil_char_boundary, floor_char_boundary};
use std::sync::OnceLock;

/// How far around a hit, on its line, a quotation and a discussion cue are looked for.
pub(super) const QUOTE_REACH: usize = 300;

/// Words that say a text is *about* attacks: security training, reports, detector docs.
/// Compared with whole lower-case words, so "example.org" is not "example".
pub(super) const DISCUSSION_CUES: &[&str] = &[
    "injection",
    "injections",
    "jailbreak",
    "jailbreaks",
    "attack",
    "attacks",
    "attacker",
    "attackers",
    "example",
    "examples",
    "e.g",
    "phrase",
    "phrases",
    "payload",
    "payloads",
    "malicious",
    "adversarial",
    "phishing",
    "security",
    "detect",
    "detection",
    "detector",
    "classifier",
    "inyección",
    "inyeccion",
    "ataque",
    "ataques",
    "ejemplo",
    "ejemplos",
    "frase",
    "frases",
    "malicioso",
    "maliciosa",
    "seguridad",
    "injeção",
    "injecao",
    "exemplo",
    "exemplos",
    "segurança",
    "attaque",
    "attaques",
    "exemple",
    "exemples",
    "sécurité",
    "angriff",
    "angriffe",
    "beispiel",
    "beispiele",
    "sicherheit",
    "iniezione",
    "attacco",
    "attacchi",
    "esempio",
    "esempi",
    "sicurezza",
    "injecció",
    "atac",
    "atacs",
    "seguretat",
];

/// Lowers the score of rule hits that sit inside a quotation in a text that discusses
/// attacks ("attackers write 'ignore previous instructions' in documents"): security
/// training, incident reports and detector documentation quote attacks all day. The
/// discount keeps such a hit below the threshold alone but lets it add up with any other
/// signal; a hit outside the quotation, or a quotation with no discussion around it
/// (outside the quotes, on the same line), keeps its full score. Content from tools and
/// retrieved documents gets a smaller discount, since there a quotation is cheaper to fake
/// than a user's own question.
pub(crate) fn discount_quoted_mentions(text: &str, untrusted: bool, hits: &mut [Hit]) {
    let factor = if untrusted { 0.5 } else { 0.3 };
    for hit in hits.iter_mut() {
        if let Some((open, close)) = enclosing_quote(text, hit.start, hit.end)
            && discussion_around(text, open, close)
            && !endorsed(text, open, close)
        {
            hit.score *= factor;
        }
    }
}

/// The byte span `(open, close)` of the quotation marks around `start..end` on the same
/// line, if the hit is quoted.
pub(super) fn enclosing_quote(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let mut line_start = floor_char_boundary(text, start.saturating_sub(QUOTE_REACH));
    if let Some(nl) = text[line_start..start].rfind('\n') {
        line_start += nl + 1;
    }
    let before = &text[line_start..start];
    // Walk the line up to the hit, tracking the innermost quotation still open.
    let mut open: Option<(usize, char)> = None;
    let mut prev: Option<char> = None;
    let mut chars = before.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars
            .peek()
            .map(|&(_, n)| n)
            .or_else(|| text[start..].chars().next());
        match (open, c) {
            (Some((_, closer)), c) if c == closer && closes(c, prev, next) => open = None,
            (None, '"' | '`' | '“' | '‘' | '«' | '„') if opens_prose_quote(before, i) => {
                open = Some((line_start + i, closing_mark(c)));
            }
            (None, '\'')
                if !prev.is_some_and(char::is_alphanumeric) && opens_prose_quote(before, i) =>
            {
                open = Some((line_start + i, '\''));
            }
            _ => {}
        }
        prev = Some(c);
    }
    let (open_at, closer) = open?;
    let line_end = {
        let limit = ceil_char_boundary(text, end + QUOTE_REACH);
        text[end..limit].find('\n').map_or(limit, |nl| end + nl)
    };
    if text[start..end].contains(closer) {
        return None;
    }
    let mut prev = text[..end].chars().next_back();
    let after = &text[end..line_end];
    let mut chars = after.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if c == closer && closes(c, prev, next) {
            return Some((open_at, end + i));
        }
        prev = Some(c);
    }
    None
}

/// Whether the quotation mark at byte `at` of `line` opens a quotation in prose rather
/// than a string in data: JSON, code and key-value text quote every value (`"k": "v"`,
/// `x = "v"`, `["a", "b"]`), and content hidden in such values is not a quotation.
pub(super) fn opens_prose_quote(line: &str, at: usize) -> bool {
    let mut before = line[..at].trim_end().chars().rev();
    match before.next() {
        None | Some(',' | '[' | '{' | '=' | '(' | '>') => false,
        Some(':') => !matches!(before.next(), Some('"' | '\'')),
        Some(_) => true,
    }
}

pub(super) fn closing_mark(open: char) -> char {
    match open {
        '“' | '„' => '”',
        '‘' => '’',
        '«' => '»',
        other => other,
    }
}

/// A straight single quote closes a quotation only where it is not an apostrophe
/// ("don't", "l'utilisateur").
pub(super) fn closes(c: char, prev: Option<char>, next: Option<char>) -> bool {
    c != '\''
        || !(prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric))
}

/// Whether the line around the quotation `open..=close`, outside it, discusses attacks.
pub(super) fn discussion_around(text: &str, open: usize, close: usize) -> bool {
    let from = floor_char_boundary(text, open.saturating_sub(QUOTE_REACH));
    let to = ceil_char_boundary(text, close + QUOTE_REACH);
    let before = text[from..open].rsplit('\n').next().unwrap_or_default();
    let after = text[ceil_char_boundary(text, close + 1).min(to)..to]
        .split('\n')
        .next()
        .unwrap_or_default();
    let cue = |s: &str| {
        s.split(|c: char| !(c.is_alphanumeric() || c == '.'))
            .map(|w| w.trim_end_matches('.').to_lowercase())
            .any(|w| DISCUSSION_CUES.contains(&w.as_str()))
    };
    cue(before) || cue(after)
}

/// Whether the text around the quotation `open..=close` asks the reader to carry it
/// out ("Attackers often write '…' — please do it now", "…: do exactly that"): then the
/// quotation is a request wearing a mention, and gets no discount. Looked for before the
/// quotation on its line and after it up to [`QUOTE_REACH`] bytes (across lines: the
/// request may follow on the next one).
///
/// Only a request addressed to the reader counts: the cue must open a clause (after
/// punctuation or a line break) or follow "please", "now", "and", "you should" and the
/// like. A description ("the model may follow them") or a negation ("do not follow it",
/// "never obey it") is not one.
pub(super) fn endorsed(text: &str, open: usize, close: usize) -> bool {
    let from = floor_char_boundary(text, open.saturating_sub(QUOTE_REACH));
    let before = text[from..open].rsplit('\n').next().unwrap_or_default();
    let after_start = ceil_char_boundary(text, close + 1);
    let after = &text[after_start..ceil_char_boundary(text, after_start + QUOTE_REACH)];
    let re = ENDORSEMENT.get_or_init(|| {
        #[allow(clippy::expect_used)]
        regex::Regex::new(ENDORSEMENT_PATTERN).expect("static endorsement pattern")
    });
    re.is_match(before) || re.is_match(after)
}

pub(super) static ENDORSEMENT: OnceLock<regex::Regex> = OnceLock::new();

/// A request to carry out what was just quoted: a clause opening (or a word that turns
/// what follows into a request to the reader), then the request.
pub(super) const ENDORSEMENT_PATTERN: &str = r"(?i)(?:(?:^|[.;:!?,—–(\n\x22'”’«»])\s*|\b(?:please|now|then|and|so|just|simply|kindly|you\s+(?:should|must|will|need\s+to|have\s+to)|i\s+want\s+you\s+to|go\s+ahead\s+and|por\s+favor|ahora|agora|maintenant|bitte|jetzt|ora|per\s+favore|si\s+us\s+plau)\s+)(?:do\s+(?:exactly\s+|just\s+|precisely\s+)?(?:it|that|this|so|the\s+same|what\s+(?:it|they)\s+says?)|do\s+as\s+(?:\w+\s+){0,3}?(?:says?|writes?|tells?\s+you)|follow\s+(?:exactly\s+|just\s+)?(?:it|that|this|them|those|these|its?\s+instructions?)|obey(?:\s+(?:it|that|this|them))?|execute\s+(?:it|that|this|them)|carry\s+(?:it|that|this|them)\s+out|act\s+on\s+(?:it|that|this)|comply(?:\s+with\s+(?:it|that|this))?|apply\s+(?:it|that|this)|treat\s+(?:it|that|this)\s+as\s+(?:your|an?)\s+(?:new\s+)?(?:instructions?|orders?|command)|go\s+ahead|hazlo|haz\s+(?:eso|esto|lo\s+mismo)|obedece(?:lo|la)?|s[ií]gue(?:lo|la|las|los)|ejec[uú]ta(?:lo|la)|c[uú]mple(?:lo|la)|fa[cç]a\s+(?:isso|isto|o\s+mesmo)|faz\s+(?:isso|isto)|obede[cç]a|siga(?:-o|-a)?|fais(?:-le|\s+(?:[cç]a|cela|pareil))|ob[eé]is|ob[eé]issez|suis(?:-la|-le|-les)|ex[eé]cute(?:-la|-le|z)|tu\s+(?:es|das)|mach\s+(?:es|das)|befolge\s+(?:es|das|sie)|f[uü]hre\s+(?:es|das|sie)\s+aus|fallo|eseguil[oa]|seguil[oa]|obbedisci|fes-ho|segueix-(?:lo|la)|obeeix)\b";
