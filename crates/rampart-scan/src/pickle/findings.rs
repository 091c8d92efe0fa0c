//! Turns pickle walks into report findings, for streams of one or more pickles.
//!
//! Rules (stable ids): `pickle.dangerous-import` (deny-listed global, critical or high),
//! `pickle.unknown-import` (medium), `pickle.dynamic-import`, `pickle.indirect-call`,
//! `pickle.build-on-global`, `pickle.dunder-state`, `pickle.method-on-global` (high),
//! `pickle.extension-code` (high), `pickle.memo-missing`, `pickle.memo-overwrite`,
//! `pickle.frame-mismatch` (high: parser differentials, which no pickler writes and which
//! static parsers and the real unpicklers read differently), `pickle.malformed` (high for a
//! stream that stops parsing, medium for an odd operation), `pickle.limit` (medium),
//! `pickle.protocol`, `pickle.trailing-data` (low).

use super::policy::{ImportPolicy, ImportVerdict};
use super::walker::{self, AnomalyKind, Import, ImportVia, PickleWalk, Val, WalkOptions};
use crate::report::Finding;
use rampart_core::Severity;
use std::collections::HashMap;
use std::io::{BufRead, Read, Seek, SeekFrom};

/// How many pickles one stream may hold before the rest is reported as a limit.
const MAX_PICKLES: usize = 10_000;
/// How many bytes after a parse error are searched for imports.
const SALVAGE_BYTES: u64 = 16 << 20;

/// Findings of a pickle stream plus what the caller may need from the walks.
#[derive(Debug, Default)]
pub struct PickleFindings {
    pub findings: Vec<Finding>,
    /// Number of pickles walked.
    pub pickles: usize,
    /// Offset after the last pickle walked (relative to the stream start).
    pub end: u64,
    /// The `STOP` value of the first pickle, and persistent ids of all (PyTorch).
    pub first_result: Option<Val>,
    pub persistent_ids: usize,
}

/// Options of a stream scan.
#[derive(Debug, Clone, Default)]
pub struct StreamOptions {
    /// Stop after this many pickles (legacy PyTorch files hold exactly five, then tensor
    /// bytes). `None`: walk pickles until the data no longer starts with an opcode.
    pub max_pickles: Option<usize>,
    pub walk: WalkOptions,
    /// Prefix for finding locations, e.g. `archive/data.pkl: `.
    pub location: String,
}

fn rank_severity(v: &ImportVerdict) -> Option<(Severity, &'static str)> {
    match v {
        ImportVerdict::Allowed => None,
        ImportVerdict::Unknown => Some((Severity::Medium, "pickle.unknown-import")),
        ImportVerdict::Denied { severity, .. } => Some((*severity, "pickle.dangerous-import")),
    }
}

/// Wrappers (`getattr`, `operator.getitem`, `functools.partial`) whose every call in the
/// walk reaches an allowed global with constant arguments: judged by what they call, they
/// are not findings themselves (`getattr(str, "split")`, what pickle writes for a method
/// such as a CountVectorizer tokenizer; `partial(numpy.log1p)` in a FunctionTransformer).
/// A wrapper imported but never called, or called once with anything else, stays a finding.
fn judged_wrappers(w: &PickleWalk) -> Vec<String> {
    let policy = ImportPolicy::embedded();
    let mut verdicts: HashMap<&str, bool> = HashMap::new();
    for (wrapper, target) in &w.wrapper_calls {
        let ok = target
            .as_ref()
            .is_some_and(|t| policy.classify(&t.module, &t.name) == ImportVerdict::Allowed);
        let e = verdicts.entry(wrapper.as_str()).or_insert(true);
        *e &= ok;
    }
    verdicts
        .into_iter()
        .filter(|(_, ok)| *ok)
        .map(|(w, _)| w.to_owned())
        .collect()
}

fn import_findings(
    imports: &[Import],
    judged: &[String],
    base: u64,
    loc: &str,
    out: &mut Vec<Finding>,
) {
    let policy = ImportPolicy::embedded();
    // One finding per global, at its first offset, with a count.
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    for imp in imports {
        let full = imp.global.qualified();
        if let Some((idx, count)) = seen.get_mut(&full) {
            *count += 1;
            if let Some(f) = out.get_mut(*idx) {
                f.message = f
                    .message
                    .split(" (imported ")
                    .next()
                    .unwrap_or_default()
                    .to_owned()
                    + &format!(" (imported {} times)", *count);
            }
            continue;
        }
        let verdict = if judged.contains(&full)
            && walker::is_judged_wrapper(&imp.global.module, &imp.global.name)
        {
            ImportVerdict::Allowed
        } else {
            policy.classify(&imp.global.module, &imp.global.name)
        };
        let Some((severity, rule)) = rank_severity(&verdict) else {
            seen.insert(full, (usize::MAX, 1));
            continue;
        };
        let how = match imp.via {
            ImportVia::AfterError => "found in the bytes after a parse error".to_owned(),
            via => format!("imported with {}", via.as_str()),
        };
        let message = match &verdict {
            ImportVerdict::Denied { matched, why, .. } if matched != &full => {
                format!("`{full}` ({how}) reaches `{matched}`: {why}")
            }
            ImportVerdict::Denied { why, .. } => format!("`{full}` ({how}): {why}"),
            _ => {
                format!("`{full}` ({how}) is not on the allow-list; loading runs whatever it names")
            }
        };
        let alias = policy
            .alias(&imp.global.module, &imp.global.name)
            .map(|(m, n)| format!(" (the unpickler maps it to `{m}.{n}`)"))
            .unwrap_or_default();
        seen.insert(full, (out.len(), 1));
        out.push(
            Finding::new(severity, rule, format!("{message}{alias}"))
                .at(format!("{loc}offset {}", base + imp.offset)),
        );
    }
}

fn anomaly_rule(kind: AnomalyKind) -> (Severity, &'static str) {
    match kind {
        AnomalyKind::DynamicImport => (Severity::High, "pickle.dynamic-import"),
        AnomalyKind::IndirectCall => (Severity::High, "pickle.indirect-call"),
        AnomalyKind::BuildOnGlobal => (Severity::High, "pickle.build-on-global"),
        AnomalyKind::DunderState => (Severity::High, "pickle.dunder-state"),
        AnomalyKind::MethodOnGlobal => (Severity::High, "pickle.method-on-global"),
        // Parser differentials: no pickler writes them, and static parsers, the Python and
        // the C unpickler read them differently. A crafted file, whatever else it holds.
        AnomalyKind::MemoMissing => (Severity::High, "pickle.memo-missing"),
        AnomalyKind::MemoOverwrite => (Severity::High, "pickle.memo-overwrite"),
        AnomalyKind::Extension => (Severity::High, "pickle.extension-code"),
        AnomalyKind::Frame => (Severity::High, "pickle.frame-mismatch"),
        AnomalyKind::Malformed => (Severity::Medium, "pickle.malformed"),
        AnomalyKind::Limit => (Severity::Medium, "pickle.limit"),
        AnomalyKind::Protocol => (Severity::Low, "pickle.protocol"),
    }
}

/// Findings for one walk whose offsets start at `base` in the stream.
pub fn walk_findings(w: &PickleWalk, base: u64, loc: &str, first: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    if is_trailing_garbage(w, first) {
        let (at, e) = w.error.clone().unwrap_or_default();
        out.push(
            Finding::new(
                Severity::Low,
                "pickle.trailing-data",
                format!("data after the last pickle is not a pickle ({e})"),
            )
            .at(format!("{loc}offset {}", base + at)),
        );
        return out;
    }
    import_findings(&w.imports, &judged_wrappers(w), base, loc, &mut out);
    let mut per_rule: HashMap<&'static str, usize> = HashMap::new();
    for a in &w.anomalies {
        let (severity, rule) = anomaly_rule(a.kind);
        let n = per_rule.entry(rule).or_default();
        *n += 1;
        // The first few of each kind are enough to act on.
        if *n > 5 {
            continue;
        }
        out.push(
            Finding::new(severity, rule, a.detail.clone())
                .at(format!("{loc}offset {}", base + a.offset)),
        );
    }
    if let Some((at, e)) = &w.error {
        // No pickler writes a stream that stops parsing: it is cut or crafted, and the
        // unpickler runs everything before the break. Partly parsed is not clean: high.
        out.push(
            Finding::new(
                Severity::High,
                "pickle.malformed",
                format!(
                    "the pickle stops parsing ({e}); the real unpickler runs everything before this point"
                ),
            )
            .at(format!("{loc}offset {}", base + at)),
        );
    }
    out
}

/// Bytes after a complete pickle that fail to parse without importing or calling anything
/// (a newline, padding, a text trailer): not a payload.
fn is_trailing_garbage(w: &PickleWalk, first: bool) -> bool {
    !first
        && w.error.is_some()
        && w.imports.is_empty()
        && w.calls == 0
        && w.anomalies.iter().all(|a| {
            matches!(
                a.kind,
                AnomalyKind::MemoMissing
                    | AnomalyKind::Malformed
                    | AnomalyKind::Frame
                    | AnomalyKind::Protocol
            )
        })
}

/// Scan a stream of pickles from the reader's current position, `len` bytes long.
pub fn scan_pickle_stream<R: BufRead + Seek>(
    r: &mut R,
    len: u64,
    opts: &StreamOptions,
) -> PickleFindings {
    let start = r.stream_position().unwrap_or(0);
    let mut out = PickleFindings::default();
    let loc = opts.location.as_str();
    let mut pos = 0u64;
    loop {
        if r.seek(SeekFrom::Start(start + pos)).is_err() {
            break;
        }
        let w = walker::walk(r, len - pos, opts.walk);
        let first = out.pickles == 0;
        out.pickles += 1;
        out.persistent_ids += w.persistent_ids.len();
        if first {
            out.first_result = w.result.clone();
        }
        out.findings.extend(walk_findings(&w, pos, loc, first));
        let failed_at = w.error.as_ref().map(|(at, _)| pos + at);
        pos += w.end;
        out.end = pos;
        if let Some(at) = failed_at {
            if is_trailing_garbage(&w, first) {
                break;
            }
            salvage(r, start, at, len, loc, &mut out.findings);
            break;
        }
        if opts.max_pickles.is_some_and(|m| out.pickles >= m) || pos >= len {
            break;
        }
        if out.pickles >= MAX_PICKLES {
            out.findings.push(
                Finding::new(
                    Severity::Medium,
                    "pickle.limit",
                    format!(
                        "more than {MAX_PICKLES} pickles in one stream; the rest was not walked"
                    ),
                )
                .at(format!("{loc}offset {pos}")),
            );
            break;
        }
        // Another pickle follows only if the next byte is an opcode.
        let mut b = [0u8; 1];
        if r.seek(SeekFrom::Start(start + pos)).is_err() || r.read_exact(&mut b).is_err() {
            break;
        }
        if !walker::is_opcode(b[0]) {
            out.findings.push(
                Finding::new(
                    Severity::Low,
                    "pickle.trailing-data",
                    format!("{} bytes after the last pickle are not a pickle", len - pos),
                )
                .at(format!("{loc}offset {pos}")),
            );
            break;
        }
    }
    out
}

fn salvage<R: BufRead + Seek>(
    r: &mut R,
    start: u64,
    from: u64,
    len: u64,
    loc: &str,
    out: &mut Vec<Finding>,
) {
    let n = (len.saturating_sub(from)).min(SALVAGE_BYTES);
    if n == 0 || r.seek(SeekFrom::Start(start + from)).is_err() {
        return;
    }
    let mut rest = Vec::with_capacity(n as usize);
    if r.take(n).read_to_end(&mut rest).is_err() {
        return;
    }
    let found = walker::salvage_imports(&rest, from);
    // Only deny-listed names: the salvage is a heuristic over bytes that do not parse.
    let policy = ImportPolicy::embedded();
    let denied: Vec<Import> = found
        .into_iter()
        .filter(|i| {
            matches!(
                policy.classify(&i.global.module, &i.global.name),
                ImportVerdict::Denied { .. }
            )
        })
        .collect();
    import_findings(&denied, &[], 0, loc, out);
}

/// Whether content looks like a pickle: it starts with an opcode and either parses to
/// `STOP`, imports something before failing, or is cut off by the end of `head` while the
/// content goes on (`total_len` larger than `head`).
pub fn looks_like_pickle(head: &[u8], total_len: u64) -> bool {
    let Some(&first) = head.first() else {
        return false;
    };
    if !walker::is_opcode(first) {
        return false;
    }
    if first == 0x80 && head.get(1).is_none_or(|&p| p > 5) {
        return false;
    }
    let w = walker::walk_bytes(head, WalkOptions::default());
    if !w.imports.is_empty() {
        return true;
    }
    if w.complete {
        // A lone opcode (a text file that is just "N." ) is not worth calling a pickle
        // unless it declared a protocol.
        return w.opcodes >= 2 && (first == 0x80 || w.opcodes >= 3);
    }
    // A declared protocol followed by valid opcodes is a pickle even if it breaks later:
    // the unpickler runs everything before the break.
    if first == 0x80 && w.opcodes >= 2 {
        return true;
    }
    let cut_by_head = (head.len() as u64) < total_len && w.end >= head.len() as u64;
    cut_by_head
        && w.error
            .as_ref()
            .is_some_and(|(_, e)| e.contains("before STOP"))
        && w.opcodes >= 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn scan(bytes: &[u8]) -> PickleFindings {
        scan_pickle_stream(
            &mut Cursor::new(bytes),
            bytes.len() as u64,
            &StreamOptions::default(),
        )
    }

    fn max(f: &PickleFindings) -> Option<Severity> {
        f.findings.iter().map(|f| f.severity).max()
    }

    #[test]
    fn benign_state_dict_style_pickle_is_clean() {
        let p = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01.";
        let f = scan(p);
        assert!(f.findings.is_empty(), "{:?}", f.findings);
    }

    #[test]
    fn second_concatenated_pickle_is_walked() {
        let mut p = b"\x80\x02N.".to_vec();
        p.extend(b"\x80\x02cposix\nsystem\nU\x02id\x85R.");
        let f = scan(&p);
        assert_eq!(f.pickles, 2);
        assert_eq!(max(&f), Some(Severity::Critical));
        assert_eq!(f.findings[0].location.as_deref(), Some("offset 6"));
    }

    #[test]
    fn payload_hidden_after_garbage_is_salvaged() {
        let mut p = b"\x80\x02N\xfe".to_vec();
        p.extend(b"cos\nsystem\n");
        let f = scan(&p);
        let rules: Vec<_> = f.findings.iter().map(|f| f.rule.as_str()).collect();
        assert!(rules.contains(&"pickle.malformed"));
        assert!(rules.contains(&"pickle.dangerous-import"), "{rules:?}");
    }

    #[test]
    fn trailing_text_is_low() {
        let f = scan(b"\x80\x02N.hello");
        assert_eq!(max(&f), Some(Severity::Low));
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_pickle(b"\x80\x04N.", 4));
        assert!(looks_like_pickle(b"cos\nsystem\n", 11));
        assert!(!looks_like_pickle(b"Hello world", 11));
        assert!(!looks_like_pickle(b"# README\n", 9));
        assert!(!looks_like_pickle(b"\x80\x09", 2));
        assert!(!looks_like_pickle(b"N.", 2));
    }

    /// Issue 18: parser differentials are high, not medium.
    #[test]
    fn opcode_crossing_a_frame_is_high() {
        // FRAME of 3 bytes, then a SHORT_BINUNICODE of 4 bytes that crosses its end.
        let p = b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00\x8c\x04abcd\x94.";
        let f = scan(p);
        assert!(
            f.findings
                .iter()
                .any(|f| f.rule == "pickle.frame-mismatch" && f.severity == Severity::High),
            "{:?}",
            f.findings
        );
    }

    #[test]
    fn frame_longer_than_its_content_is_high() {
        let p = b"\x80\x04\x95\xff\x00\x00\x00\x00\x00\x00\x00N.";
        assert_eq!(max(&scan(p)), Some(Severity::High));
    }

    #[test]
    fn memo_tricks_are_high() {
        // GET of a slot never written, then a slot written twice.
        let get_missing = b"\x80\x02h\x05.";
        assert_eq!(max(&scan(get_missing)), Some(Severity::High));
        let overwrite = b"\x80\x02Nq\x00\x88q\x000.";
        let f = scan(overwrite);
        assert!(
            f.findings
                .iter()
                .any(|f| f.rule == "pickle.memo-overwrite" && f.severity == Severity::High),
            "{:?}",
            f.findings
        );
    }

    /// Issue 18: what real tools write, judged by what the wrapper calls.
    #[test]
    fn wrappers_are_judged_by_what_they_call() {
        // getattr(str, 'split') as pickle writes a method (CountVectorizer tokenizer).
        let split = b"\x80\x04\x8c\x08builtins\x94\x8c\x07getattr\x94\x93\x8c\x08builtins\x8c\x03str\x93\x8c\x05split\x86R.";
        assert!(
            scan(split).findings.is_empty(),
            "{:?}",
            scan(split).findings
        );
        // getattr(str, 'format') is not on the list; getattr of os.system is denied.
        let other = b"\x80\x04\x8c\x08builtins\x94\x8c\x07getattr\x94\x93\x8c\x08builtins\x8c\x03str\x93\x8c\x06format\x86R.";
        assert!(max(&scan(other)) >= Some(Severity::Medium));
        let evil = b"\x80\x04\x8c\x08builtins\x8c\x07getattr\x93\x8c\x02os\x8c\x04path\x93\x8c\x06exists\x86R.";
        assert!(max(&scan(evil)) >= Some(Severity::High));
        // getattr imported and called with a non-constant argument stays high.
        let opaque = b"\x80\x04\x8c\x08builtins\x8c\x07getattr\x93N\x8c\x05split\x86R.";
        assert_eq!(max(&scan(opaque)), Some(Severity::High));
        // partial(numpy.log1p) is judged by numpy.log1p; partial(os.system) is not.
        let partial =
            b"\x80\x04\x8c\tfunctools\x8c\x07partial\x93\x8c\x05numpy\x8c\x05log1p\x93\x85R.";
        assert!(
            scan(partial).findings.is_empty(),
            "{:?}",
            scan(partial).findings
        );
        let evil_partial =
            b"\x80\x04\x8c\tfunctools\x8c\x07partial\x93\x8c\x05posix\x8c\x06system\x93\x85R.";
        assert_eq!(max(&scan(evil_partial)), Some(Severity::Critical));
        // partial imported but never called cannot be judged.
        let stored = b"\x80\x04\x8c\tfunctools\x8c\x07partial\x93.";
        assert_eq!(max(&scan(stored)), Some(Severity::High));
    }
}
