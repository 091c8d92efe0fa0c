//! The pickle opcode walker: emulates the unpickler's stack, mark stack and memo over
//! protocols 0–5 without executing or importing anything.
//!
//! The point of emulation (rather than scanning opcodes one by one, as `pickletools.genops`
//! based scanners do) is that every way of reaching a callable is resolved from the real
//! data flow: `STACK_GLOBAL` operands that come from the memo (`BINGET`, `LONG_BINGET`,
//! `GET`), from `PUT`/`MEMOIZE` mixes that overwrite memo slots, from `BINSTRING` (decoded to
//! `str` as Python 3 does) or raw-unicode-escaped `UNICODE` lines; `INST`/`OBJ`/`NEWOBJ`/
//! `NEWOBJ_EX`/`REDUCE` callables; `BUILD` on class or module objects (arbitrary `setattr`);
//! `EXT1/2/4` extension codes; and well-known name resolvers (`getattr`,
//! `importlib.import_module`, `pkgutil.resolve_name`, NumPy's `_ufunc_reconstruct`, …)
//! called with constant strings, whose result is followed as the global it names.
//!
//! Integer literals are parsed the way CPython's unpickler parses them (`INT`/`LONG` accept
//! `0x`, `0o`, `0b` prefixes, C-style leading-zero octal, underscores and signs;
//! `GET`/`PUT` indices are base 10). Parse errors never discard what was seen before them:
//! the walk records the error and returns every import and anomaly found up to that point.
//!
//! Memory and time are linear in the input: containers are stored in an arena (no
//! reference cycles, no recursive drops), each keeps at most [`MAX_ITEMS`] items, strings
//! longer than [`MAX_STR`] are kept only as lengths, and large byte payloads are skipped
//! with `seek`, never read.

use std::collections::HashMap;
use std::io::{BufRead, Seek, SeekFrom};
use std::rc::Rc;

/// Items kept per container (the rest are counted, not stored).
pub const MAX_ITEMS: usize = 4096;
/// Longest string kept as a value.
pub const MAX_STR: u64 = 4096;
/// Longest text line (`GLOBAL`, `INT`, `STRING`, …) read.
const MAX_LINE: usize = 64 * 1024;
const MAX_STACK: usize = 1 << 20;
const MAX_MEMO: usize = 1 << 22;
const MAX_NODES: usize = 1 << 23;
/// Payloads up to this size are skipped by reading through the buffer, larger ones by seek.
const SEEK_THRESHOLD: u64 = 256 * 1024;

/// A value on the emulated stack.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    None,
    Bool(bool),
    /// An integer; `None` when it does not fit in 128 bits.
    Int(Option<i128>),
    Float,
    Str(Rc<str>),
    /// A string too long to keep; its length in bytes.
    LongStr(u64),
    Bytes(u64),
    /// A class, function or module reached by import (`name` empty for a module object).
    Global(Rc<Global>),
    /// A container or object in the walk's arena.
    Ref(usize),
    /// Something whose value cannot be known statically (results of errors, buffers).
    Unknown,
}

/// A module-qualified name reached by import.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Global {
    pub module: String,
    pub name: String,
}

impl Global {
    pub fn qualified(&self) -> String {
        if self.name.is_empty() {
            self.module.clone()
        } else {
            format!("{}.{}", self.module, self.name)
        }
    }
}

/// Containers and objects, referenced by [`Val::Ref`].
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Tuple(Vec<Val>),
    List(Vec<Val>),
    /// Keys and values in insertion order.
    Dict(Vec<(Val, Val)>),
    Set(Vec<Val>),
    /// The result of calling `callable` (`REDUCE`, `NEWOBJ`, `OBJ`, `INST`), with the state
    /// `BUILD` gave it.
    Object {
        callable: Val,
        args: Val,
        state: Option<Val>,
    },
    /// What `persistent_load` returns for a persistent id.
    Persistent(Val),
}

/// How a global was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportVia {
    Global,
    StackGlobal,
    Inst,
    /// A resolver function called with constant names (`getattr`, `import_module`, …).
    Resolver,
    /// Bytes that look like an import, found after the stream stopped parsing.
    AfterError,
}

impl ImportVia {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportVia::Global => "GLOBAL",
            ImportVia::StackGlobal => "STACK_GLOBAL",
            ImportVia::Inst => "INST",
            ImportVia::Resolver => "resolver call",
            ImportVia::AfterError => "bytes after a parse error",
        }
    }
}

/// A global the unpickler would import.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub global: Global,
    pub via: ImportVia,
    /// Byte offset of the opcode, from the start of the walked stream.
    pub offset: u64,
    /// The protocol in force (`find_class` resolves dotted names and Python 2 aliases
    /// according to it).
    pub protocol: u8,
}

/// Something the unpickler would do that benign pickles do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AnomalyKind {
    /// `STACK_GLOBAL` whose operands are not constant strings.
    DynamicImport,
    /// A call of something that is not an imported global (e.g. the result of `getattr`).
    IndirectCall,
    /// `BUILD` (`setattr` / `__dict__` update) on a class, function or module.
    BuildOnGlobal,
    /// `BUILD` state that sets dunder attributes (`__setstate__`, `__reduce__`, …).
    DunderState,
    /// `APPEND`/`SETITEM`/… on a global: calls its `append`/`__setitem__`/… method.
    MethodOnGlobal,
    /// `GET` of a memo slot that was never set (the real unpickler fails here).
    MemoMissing,
    /// A memo slot written twice (`PUT`/`MEMOIZE` mixes that confuse scanners).
    MemoOverwrite,
    /// `EXT1/2/4`: a callable from the copyreg extension registry.
    Extension,
    /// `FRAME` lengths that do not match opcode boundaries (the C and Python unpicklers
    /// disagree about such streams).
    Frame,
    /// `PROTO` above 5, or changed mid-stream.
    Protocol,
    /// The stream is not a well-formed pickle at this point.
    Malformed,
    /// A walk limit was reached.
    Limit,
}

/// An anomaly with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    pub offset: u64,
    pub detail: String,
}

/// What one pickle (up to its `STOP`, or its first error) contains.
#[derive(Debug, Default)]
pub struct PickleWalk {
    pub imports: Vec<Import>,
    pub anomalies: Vec<Anomaly>,
    /// Calls made (`REDUCE`, `NEWOBJ`, `NEWOBJ_EX`, `OBJ`, `INST`).
    pub calls: u64,
    pub opcodes: u64,
    /// Offset just after the last opcode read (after `STOP` for a complete pickle).
    pub end: u64,
    /// `STOP` was reached.
    pub complete: bool,
    /// The first parse error, with its offset; the walk stopped there.
    pub error: Option<(u64, String)>,
    /// The value `STOP` returned.
    pub result: Option<Val>,
    /// Persistent ids (`PERSID`, `BINPERSID`), e.g. PyTorch storage descriptors.
    pub persistent_ids: Vec<Val>,
    /// The highest protocol declared.
    pub protocol: u8,
    /// The arena that [`Val::Ref`]s index.
    pub nodes: Vec<Node>,
    /// Calls of wrappers that are judged by what they wrap: `getattr(Global, "name")`
    /// (and `operator.getitem`) by the attribute it looks up, `functools.partial(Global,
    /// …)` by the function it binds. Each entry is the wrapper's qualified name and the
    /// global it reaches, or `None` when the arguments are not constant.
    pub wrapper_calls: Vec<(String, Option<Global>)>,
}

/// Wrappers judged by what they call (see [`PickleWalk::wrapper_calls`]).
pub fn is_judged_wrapper(module: &str, name: &str) -> bool {
    matches!(
        (module, name),
        ("builtins" | "__builtin__", "getattr")
            | ("operator" | "_operator", "getitem")
            | ("functools" | "_functools", "partial")
    )
}

impl PickleWalk {
    /// The node a value refers to.
    pub fn node(&self, v: &Val) -> Option<&Node> {
        match v {
            Val::Ref(i) => self.nodes.get(*i),
            _ => None,
        }
    }

    /// A string value's text.
    pub fn as_str(v: &Val) -> Option<&str> {
        match v {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Options of a walk.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// joblib streams: after `BUILD` of a `NumpyArrayWrapper`, array bytes (or a nested
    /// pickle for object arrays) follow inline; skip or walk them as `joblib.load` reads them.
    pub joblib: bool,
}

/// Whether `b` is an opcode of some protocol.
pub fn is_opcode(b: u8) -> bool {
    matches!(
        b,
        b'(' | b'.'
            | b'0'
            | b'1'
            | b'2'
            | b'F'
            | b'I'
            | b'J'
            | b'K'
            | b'L'
            | b'M'
            | b'N'
            | b'P'
            | b'Q'
            | b'R'
            | b'S'
            | b'T'
            | b'U'
            | b'V'
            | b'X'
            | b'a'
            | b'b'
            | b'c'
            | b'd'
            | b'}'
            | b'e'
            | b'g'
            | b'h'
            | b'i'
            | b'j'
            | b'l'
            | b']'
            | b'o'
            | b'p'
            | b'q'
            | b'r'
            | b's'
            | b't'
            | b')'
            | b'u'
            | b'G'
            | b'B'
            | b'C'
            | 0x80..=0x98
    )
}

struct Source<'r, R: BufRead + Seek> {
    r: &'r mut R,
    /// Position relative to where the walk started (offsets are reported relative to it).
    pos: u64,
    len: u64,
}

/// Why the walk of one pickle stopped early.
enum Stop {
    Error(String),
    Eof,
}

impl<R: BufRead + Seek> Source<'_, R> {
    fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    fn byte(&mut self) -> Result<u8, Stop> {
        let mut b = [0u8; 1];
        self.exact(&mut b)?;
        Ok(b[0])
    }

    fn exact(&mut self, buf: &mut [u8]) -> Result<(), Stop> {
        if (buf.len() as u64) > self.remaining() {
            return Err(Stop::Eof);
        }
        self.r.read_exact(buf).map_err(|_| Stop::Eof)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    fn take(&mut self, n: u64) -> Result<Vec<u8>, Stop> {
        if n > self.remaining() {
            return Err(Stop::Eof);
        }
        let mut v = vec![0u8; n as usize];
        self.exact(&mut v)?;
        Ok(v)
    }

    fn skip(&mut self, n: u64) -> Result<(), Stop> {
        if n > self.remaining() {
            return Err(Stop::Eof);
        }
        // Small skips (floats, short byte strings) consume the buffer: a seek would drop
        // it and cost a system call and a refill per opcode.
        if n <= SEEK_THRESHOLD {
            let mut left = n as usize;
            while left > 0 {
                let buf = self.r.fill_buf().map_err(|e| Stop::Error(e.to_string()))?;
                if buf.is_empty() {
                    return Err(Stop::Eof);
                }
                let k = buf.len().min(left);
                self.r.consume(k);
                left -= k;
            }
        } else {
            let delta = i64::try_from(n).map_err(|_| Stop::Eof)?;
            self.r
                .seek(SeekFrom::Current(delta))
                .map_err(|e| Stop::Error(e.to_string()))?;
        }
        self.pos += n;
        Ok(())
    }

    /// A line without its `\n`; the unpickler requires the newline.
    fn line(&mut self) -> Result<Vec<u8>, Stop> {
        let mut out = Vec::new();
        loop {
            let remaining = self.remaining().min(usize::MAX as u64) as usize;
            let buf = self.r.fill_buf().map_err(|e| Stop::Error(e.to_string()))?;
            let avail = buf.len().min(remaining);
            if avail == 0 {
                return Err(Stop::Eof);
            }
            let buf = &buf[..avail];
            if let Some(i) = buf.iter().position(|&b| b == b'\n') {
                out.extend_from_slice(&buf[..i]);
                self.r.consume(i + 1);
                self.pos += (i + 1) as u64;
                return Ok(out);
            }
            out.extend_from_slice(buf);
            self.r.consume(avail);
            self.pos += avail as u64;
            if out.len() > MAX_LINE {
                return Err(Stop::Error("text line longer than 64 KiB".into()));
            }
        }
    }

    fn u16(&mut self) -> Result<u64, Stop> {
        let mut b = [0u8; 2];
        self.exact(&mut b)?;
        Ok(u16::from_le_bytes(b) as u64)
    }

    fn u32(&mut self) -> Result<u64, Stop> {
        let mut b = [0u8; 4];
        self.exact(&mut b)?;
        Ok(u32::from_le_bytes(b) as u64)
    }

    fn u64(&mut self) -> Result<u64, Stop> {
        let mut b = [0u8; 8];
        self.exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
}

/// Parse an integer literal as Python's `int(s, 0)` and C's `strtol(s, 0)` would (the
/// unpickler tries the latter, then the former): optional sign, `0x`/`0o`/`0b` prefixes,
/// C-style leading-zero octal, `_` separators, surrounding whitespace.
pub fn parse_int_literal(s: &[u8]) -> Option<Option<i128>> {
    let s = std::str::from_utf8(s).ok()?.trim();
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_owned())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_owned())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_owned())
    } else if lower.len() > 1 && lower.starts_with('0') && lower.bytes().all(|b| b.is_ascii_digit())
    {
        // strtol base 0: a leading zero means octal. All zeros is zero either way.
        (8, lower[1..].to_owned())
    } else {
        (10, lower)
    };
    parse_digits(&digits, radix, neg)
}

/// Base-10 parse as `int(s)` (memo indices).
pub fn parse_decimal(s: &[u8]) -> Option<Option<i128>> {
    let s = std::str::from_utf8(s).ok()?.trim();
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    parse_digits(body, 10, neg)
}

fn parse_digits(digits: &str, radix: u32, neg: bool) -> Option<Option<i128>> {
    let d = digits.strip_prefix('_').unwrap_or(digits);
    if d.is_empty() || d.ends_with('_') || d.contains("__") {
        return None;
    }
    let mut value: Option<i128> = Some(0);
    for c in d.chars().filter(|&c| c != '_') {
        let digit = c.to_digit(radix)? as i128;
        value = value
            .and_then(|v| v.checked_mul(radix as i128))
            .and_then(|v| v.checked_add(digit));
    }
    Some(value.map(|v| if neg { -v } else { v }))
}

/// Little-endian two's-complement integer (`LONG1`, `LONG4`).
fn decode_long(bytes: &[u8]) -> Option<i128> {
    if bytes.is_empty() {
        return Some(0);
    }
    if bytes.len() > 16 {
        return None;
    }
    let fill = if bytes[bytes.len() - 1] & 0x80 != 0 {
        0xFF
    } else {
        0
    };
    let mut b = [fill; 16];
    b[..bytes.len()].copy_from_slice(bytes);
    Some(i128::from_le_bytes(b))
}

/// `raw-unicode-escape` decoding (`UNICODE` opcode): `\uXXXX` and `\UXXXXXXXX` escapes,
/// every other byte is Latin-1.
pub fn decode_raw_unicode_escape(b: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() && (b[i + 1] == b'u' || b[i + 1] == b'U') {
            // An escape only if preceded by an even number of backslashes.
            let mut backslashes = 0;
            let mut j = i;
            while j > 0 && b[j - 1] == b'\\' {
                backslashes += 1;
                j -= 1;
            }
            if backslashes % 2 == 0 {
                let n = if b[i + 1] == b'u' { 4 } else { 8 };
                let hex = b.get(i + 2..i + 2 + n)?;
                let code = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                i += 2 + n;
                continue;
            }
        }
        out.push(b[i] as char);
        i += 1;
    }
    Some(out)
}

/// Python `codecs.escape_decode` (the `STRING` opcode's body, between its quotes).
pub fn decode_python_escapes(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = b[i + 1];
        i += 2;
        match c {
            b'\n' => {}
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = (c - b'0') as u32;
                let mut k = 0;
                while k < 2 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + (b[i] - b'0') as u32;
                    i += 1;
                    k += 1;
                }
                out.push((v & 0xFF) as u8);
            }
            b'x' => {
                let hex = b.get(i..i + 2).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => {
                        out.push(b'\\');
                        out.push(b'x');
                    }
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    out
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

/// The emulated unpickler state for one pickle.
struct Machine {
    stack: Vec<Val>,
    marks: Vec<usize>,
    memo: HashMap<u64, Val>,
    walk: PickleWalk,
    frame_end: Option<u64>,
    opts: WalkOptions,
    pending_joblib: Option<Val>,
}

type Step = Result<(), Stop>;

impl Machine {
    fn anomaly(&mut self, kind: AnomalyKind, offset: u64, detail: impl Into<String>) {
        // One of each kind per offset is plenty; cap the list so a hostile stream cannot
        // make the report huge.
        if self.walk.anomalies.len() < 1000 {
            self.walk.anomalies.push(Anomaly {
                kind,
                offset,
                detail: detail.into(),
            });
        }
    }

    fn push(&mut self, v: Val) -> Step {
        if self.stack.len() >= MAX_STACK {
            return Err(Stop::Error("stack deeper than the walk limit".into()));
        }
        self.stack.push(v);
        Ok(())
    }

    fn node(&mut self, n: Node) -> Result<Val, Stop> {
        if self.walk.nodes.len() >= MAX_NODES {
            return Err(Stop::Error("more objects than the walk limit".into()));
        }
        self.walk.nodes.push(n);
        Ok(Val::Ref(self.walk.nodes.len() - 1))
    }

    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self, at: u64, op: &str) -> Result<Val, Stop> {
        if self.stack.len() <= self.floor() {
            return Err(Stop::Error(format!("{op} at offset {at}: stack underflow")));
        }
        Ok(self.stack.pop().unwrap_or(Val::Unknown))
    }

    fn top(&self, at: u64, op: &str) -> Result<Val, Stop> {
        if self.stack.len() <= self.floor() {
            return Err(Stop::Error(format!("{op} at offset {at}: stack underflow")));
        }
        Ok(self.stack.last().cloned().unwrap_or(Val::Unknown))
    }

    fn pop_mark(&mut self, at: u64, op: &str) -> Result<Vec<Val>, Stop> {
        let Some(m) = self.marks.pop() else {
            return Err(Stop::Error(format!(
                "{op} at offset {at}: no MARK on the stack"
            )));
        };
        Ok(self.stack.split_off(m.min(self.stack.len())))
    }

    fn memo_put(&mut self, key: u64, at: u64) -> Step {
        let v = self.top(at, "PUT")?;
        if self.memo.len() >= MAX_MEMO {
            return Err(Stop::Error("memo larger than the walk limit".into()));
        }
        if self.memo.insert(key, v).is_some() {
            self.anomaly(
                AnomalyKind::MemoOverwrite,
                at,
                format!("memo slot {key} is written twice"),
            );
        }
        Ok(())
    }

    fn memo_get(&mut self, key: Option<i128>, at: u64) -> Step {
        let v = key
            .and_then(|k| u64::try_from(k).ok())
            .and_then(|k| self.memo.get(&k).cloned());
        match v {
            Some(v) => self.push(v),
            None => {
                self.anomaly(
                    AnomalyKind::MemoMissing,
                    at,
                    format!(
                        "memo slot {} is read but was never written",
                        key.map(|k| k.to_string()).unwrap_or_else(|| "?".into())
                    ),
                );
                self.push(Val::Unknown)
            }
        }
    }

    fn import(&mut self, module: String, name: String, via: ImportVia, at: u64) -> Val {
        let g = Global { module, name };
        self.walk.imports.push(Import {
            global: g.clone(),
            via,
            offset: at,
            protocol: self.walk.protocol,
        });
        Val::Global(Rc::new(g))
    }

    /// Record a call and return its result. Calls of known name resolvers with constant
    /// arguments return the global they resolve.
    fn call(&mut self, callable: Val, args: Val, at: u64, op: &str) -> Result<Val, Stop> {
        self.walk.calls += 1;
        match &callable {
            Val::Global(g) => {
                let wrapper = is_judged_wrapper(&g.module, &g.name);
                if let Some(resolved) = self.resolve(g, &args) {
                    let (module, name) = resolved;
                    let v = self.import(module, name, ImportVia::Resolver, at);
                    if wrapper && let Val::Global(target) = &v {
                        let target = Global::clone(target);
                        self.walk.wrapper_calls.push((g.qualified(), Some(target)));
                    }
                    return Ok(v);
                }
                if wrapper {
                    let target = match self.args_of(&args).first() {
                        Some(Val::Global(f)) if g.name == "partial" => Some(Global::clone(f)),
                        _ => None,
                    };
                    self.walk.wrapper_calls.push((g.qualified(), target));
                }
            }
            Val::Unknown => {}
            Val::Ref(i) if matches!(self.walk.nodes.get(*i), Some(Node::Persistent(_))) => {
                self.anomaly(
                    AnomalyKind::IndirectCall,
                    at,
                    format!("{op} calls an object returned by persistent_load"),
                );
            }
            Val::Ref(_) => self.anomaly(
                AnomalyKind::IndirectCall,
                at,
                format!("{op} calls the result of an earlier call, not an imported global"),
            ),
            _ => self.anomaly(
                AnomalyKind::Malformed,
                at,
                format!("{op} calls a value that is not callable"),
            ),
        }
        self.node(Node::Object {
            callable,
            args,
            state: None,
        })
    }

    fn args_of(&self, args: &Val) -> Vec<Val> {
        match self.walk.node(args) {
            Some(Node::Tuple(items)) => items.clone(),
            _ => Vec::new(),
        }
    }

    /// `getattr(obj, "x")`, `importlib.import_module("m")`, `pkgutil.resolve_name("m:n")`,
    /// `numpy.core._ufunc_reconstruct("m", "n")`, … with constant arguments.
    fn resolve(&self, g: &Global, args: &Val) -> Option<(String, String)> {
        let a = self.args_of(args);
        let s = |i: usize| a.get(i).and_then(PickleWalk::as_str).map(str::to_owned);
        let m = g.module.as_str();
        let n = g.name.as_str();
        match (m, n) {
            ("builtins" | "__builtin__", "getattr") | ("operator" | "_operator", "getitem") => {
                let attr = s(1)?;
                match a.first()? {
                    Val::Global(base) if base.name.is_empty() => Some((base.module.clone(), attr)),
                    Val::Global(base) => {
                        Some((base.module.clone(), format!("{}.{attr}", base.name)))
                    }
                    _ => None,
                }
            }
            ("importlib", "import_module") | ("builtins" | "__builtin__", "__import__") => {
                Some((s(0)?, String::new()))
            }
            ("pkgutil", "resolve_name") | ("pydoc", "locate") => {
                let spec = s(0)?;
                match spec.split_once(':') {
                    Some((module, name)) => Some((module.to_owned(), name.to_owned())),
                    None => match spec.rsplit_once('.') {
                        Some((module, name)) => Some((module.to_owned(), name.to_owned())),
                        None => Some((spec, String::new())),
                    },
                }
            }
            (
                "numpy.core" | "numpy._core" | "numpy.core.numeric" | "numpy._core.numeric",
                "_ufunc_reconstruct",
            ) => Some((s(0)?, s(1)?)),
            _ => None,
        }
    }

    fn check_build(&mut self, target: &Val, state: &Val, at: u64) {
        if let Val::Global(g) = target {
            self.anomaly(
                AnomalyKind::BuildOnGlobal,
                at,
                format!(
                    "BUILD sets attributes on `{}` itself (a class, function or module), not on an instance",
                    g.qualified()
                ),
            );
        }
        // State is `dict` or `(dict, slotstate)`.
        let mut dicts = vec![state.clone()];
        if let Some(Node::Tuple(items)) = self.walk.node(state) {
            dicts = items.clone();
        }
        for d in dicts {
            if let Some(Node::Dict(pairs)) = self.walk.node(&d) {
                let dunder = pairs.iter().find_map(|(k, _)| match k {
                    Val::Str(s) if s.starts_with("__") && s.ends_with("__") && s.len() > 4 => {
                        Some(s.to_string())
                    }
                    _ => None,
                });
                if let Some(name) = dunder {
                    self.anomaly(
                        AnomalyKind::DunderState,
                        at,
                        format!("BUILD state sets the special attribute `{name}`"),
                    );
                }
            }
        }
    }

    fn container_op(&mut self, target: &Val, op: &str, at: u64) {
        match target {
            Val::Global(g) => self.anomaly(
                AnomalyKind::MethodOnGlobal,
                at,
                format!(
                    "{op} calls a method of `{}` itself, not of a container",
                    g.qualified()
                ),
            ),
            Val::Ref(_) | Val::Unknown => {}
            _ => self.anomaly(
                AnomalyKind::Malformed,
                at,
                format!("{op} on a value that is not a container"),
            ),
        }
    }

    fn extend_node(&mut self, target: &Val, items: Vec<Val>) {
        if let Val::Ref(i) = target
            && let Some(node) = self.walk.nodes.get_mut(*i)
        {
            match node {
                Node::List(v) | Node::Set(v) => {
                    let room = MAX_ITEMS.saturating_sub(v.len());
                    v.extend(items.into_iter().take(room));
                }
                Node::Dict(v) => {
                    let room = MAX_ITEMS.saturating_sub(v.len());
                    let mut it = items.into_iter();
                    while v.len() < MAX_ITEMS.min(v.len() + room) {
                        match (it.next(), it.next()) {
                            (Some(k), Some(val)) => v.push((k, val)),
                            _ => break,
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn build_tuple(&mut self, items: Vec<Val>) -> Result<Val, Stop> {
        let mut items = items;
        items.truncate(MAX_ITEMS);
        self.node(Node::Tuple(items))
    }

    fn str_val(s: String) -> Val {
        Val::Str(Rc::from(s))
    }

    fn string_of_len<R: BufRead + Seek>(
        &mut self,
        src: &mut Source<'_, R>,
        n: u64,
        utf8: bool,
    ) -> Result<Val, Stop> {
        if n > MAX_STR {
            src.skip(n)?;
            return Ok(Val::LongStr(n));
        }
        let b = src.take(n)?;
        Ok(Self::str_val(if utf8 {
            String::from_utf8_lossy(&b).into_owned()
        } else {
            latin1(&b)
        }))
    }

    /// After `BUILD` of a joblib `NumpyArrayWrapper`, skip the array bytes that follow.
    fn joblib_array<R: BufRead + Seek>(
        &mut self,
        src: &mut Source<'_, R>,
        wrapper: &Val,
        at: u64,
    ) -> Step {
        let Some(Node::Object {
            callable: Val::Global(g),
            state: Some(state),
            ..
        }) = self.walk.node(wrapper).cloned()
        else {
            return Ok(());
        };
        if g.name != "NumpyArrayWrapper" || !g.module.starts_with("joblib") {
            return Ok(());
        }
        let Some(Node::Dict(pairs)) = self.walk.node(&state).cloned() else {
            return Ok(());
        };
        let field = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| PickleWalk::as_str(key) == Some(k))
                .map(|(_, v)| v.clone())
        };
        let shape: Option<Vec<i128>> = field("shape").and_then(|s| match self.walk.node(&s) {
            Some(Node::Tuple(items)) => items
                .iter()
                .map(|v| match v {
                    Val::Int(Some(n)) if *n >= 0 => Some(*n),
                    _ => None,
                })
                .collect(),
            _ => None,
        });
        let dtype = field("dtype").and_then(|d| self.dtype_code(&d));
        let Some(dtype) = dtype else {
            self.anomaly(
                AnomalyKind::Malformed,
                at,
                "joblib array wrapper without a readable dtype",
            );
            return Ok(());
        };
        if dtype.starts_with('O') {
            // Object arrays are stored as a nested pickle, which joblib loads: walk it.
            let nested = walk_inner(src, self.opts)?;
            self.merge_nested(nested);
            return Ok(());
        }
        let itemsize = dtype_itemsize(&dtype);
        let count = shape
            .map(|s| s.iter().try_fold(1i128, |a, &b| a.checked_mul(b)))
            .unwrap_or(None);
        let (Some(itemsize), Some(count)) = (itemsize, count) else {
            self.anomaly(
                AnomalyKind::Malformed,
                at,
                "joblib array wrapper with an unreadable shape or dtype",
            );
            return Ok(());
        };
        let nbytes = u64::try_from(count.saturating_mul(itemsize as i128)).unwrap_or(u64::MAX);
        // joblib >= 1.2 (state key `numpy_array_alignment_bytes`) writes one byte giving a
        // padding length, then that many 0xFF bytes, to align the array; earlier versions
        // write the bytes directly.
        let aligned = matches!(
            field("numpy_array_alignment_bytes"),
            Some(Val::Int(Some(_)))
        );
        let mut skip = 0u64;
        if aligned
            && src.remaining() > nbytes
            && let Ok(buf) = src.r.fill_buf()
            && let Some(&pad) = buf.first()
            && (pad as usize) < buf.len()
            && pad <= 16
            && buf[1..=pad as usize].iter().all(|&b| b == 0xFF)
            && src.remaining() >= nbytes + 1 + pad as u64
        {
            skip = 1 + pad as u64;
        }
        src.skip(skip + nbytes)
    }

    fn dtype_code(&self, d: &Val) -> Option<String> {
        match self.walk.node(d)? {
            Node::Object { args, .. } => {
                let a = self.args_of(args);
                PickleWalk::as_str(a.first()?).map(str::to_owned)
            }
            _ => None,
        }
    }

    fn merge_nested(&mut self, nested: PickleWalk) {
        self.walk.imports.extend(nested.imports);
        self.walk.anomalies.extend(nested.anomalies);
        self.walk.calls += nested.calls;
        self.walk.opcodes += nested.opcodes;
        if let Some((at, e)) = nested.error {
            self.anomaly(
                AnomalyKind::Malformed,
                at,
                format!("nested pickle of a joblib object array: {e}"),
            );
        }
    }

    fn step<R: BufRead + Seek>(&mut self, src: &mut Source<'_, R>) -> Result<bool, Stop> {
        let at = src.pos;
        if let Some(end) = self.frame_end
            && at >= end
        {
            self.frame_end = None;
        }
        let op = src.byte()?;
        self.walk.opcodes += 1;
        match op {
            b'(' => {
                self.marks.push(self.stack.len());
            }
            b'.' => {
                let v = self.pop(at, "STOP")?;
                self.walk.result = Some(v);
                return Ok(true);
            }
            b'0' => {
                if self.stack.len() > self.floor() {
                    self.stack.pop();
                } else {
                    // Python's POP with an empty stack pops the mark instead.
                    self.pop_mark(at, "POP")?;
                }
            }
            b'1' => {
                self.pop_mark(at, "POP_MARK")?;
            }
            b'2' => {
                let v = self.top(at, "DUP")?;
                self.push(v)?;
            }
            b'F' => {
                let line = src.line()?;
                if std::str::from_utf8(&line)
                    .ok()
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .is_none()
                {
                    return Err(Stop::Error(format!("FLOAT at offset {at}: not a number")));
                }
                self.push(Val::Float)?;
            }
            b'I' => {
                let line = src.line()?;
                let v = match line.as_slice() {
                    b"00" => Val::Bool(false),
                    b"01" => Val::Bool(true),
                    _ => Val::Int(parse_int_literal(&line).ok_or_else(|| {
                        Stop::Error(format!("INT at offset {at}: not an integer literal"))
                    })?),
                };
                self.push(v)?;
            }
            b'L' => {
                let mut line = src.line()?;
                if line.last() == Some(&b'L') {
                    line.pop();
                }
                let v = parse_int_literal(&line).ok_or_else(|| {
                    Stop::Error(format!("LONG at offset {at}: not an integer literal"))
                })?;
                self.push(Val::Int(v))?;
            }
            b'J' => {
                let v = src.u32()? as u32 as i32;
                self.push(Val::Int(Some(v as i128)))?;
            }
            b'K' => {
                let v = src.byte()?;
                self.push(Val::Int(Some(v as i128)))?;
            }
            b'M' => {
                let v = src.u16()?;
                self.push(Val::Int(Some(v as i128)))?;
            }
            0x8a => {
                let n = src.byte()? as u64;
                let b = src.take(n)?;
                self.push(Val::Int(decode_long(&b)))?;
            }
            0x8b => {
                let n = src.u32()? as u32 as i32;
                if n < 0 {
                    return Err(Stop::Error(format!("LONG4 at offset {at}: negative size")));
                }
                let n = n as u64;
                if n > 16 {
                    src.skip(n)?;
                    self.push(Val::Int(None))?;
                } else {
                    let b = src.take(n)?;
                    self.push(Val::Int(decode_long(&b)))?;
                }
            }
            b'N' => self.push(Val::None)?,
            0x88 => self.push(Val::Bool(true))?,
            0x89 => self.push(Val::Bool(false))?,
            b'G' => {
                src.skip(8)?;
                self.push(Val::Float)?;
            }
            b'S' => {
                let line = src.line()?;
                let ok = line.len() >= 2
                    && line[0] == line[line.len() - 1]
                    && (line[0] == b'\'' || line[0] == b'"');
                if !ok {
                    return Err(Stop::Error(format!(
                        "STRING at offset {at}: the string is not quoted"
                    )));
                }
                let decoded = decode_python_escapes(&line[1..line.len() - 1]);
                self.push(Self::str_val(latin1(&decoded)))?;
            }
            b'T' => {
                let n = src.u32()? as u32 as i32;
                if n < 0 {
                    return Err(Stop::Error(format!(
                        "BINSTRING at offset {at}: negative size"
                    )));
                }
                let v = self.string_of_len(src, n as u64, false)?;
                self.push(v)?;
            }
            b'U' => {
                let n = src.byte()? as u64;
                let v = self.string_of_len(src, n, false)?;
                self.push(v)?;
            }
            b'V' => {
                let line = src.line()?;
                let s = decode_raw_unicode_escape(&line)
                    .ok_or_else(|| Stop::Error(format!("UNICODE at offset {at}: bad escape")))?;
                self.push(Self::str_val(s))?;
            }
            b'X' => {
                let n = src.u32()?;
                let v = self.string_of_len(src, n, true)?;
                self.push(v)?;
            }
            0x8c => {
                let n = src.byte()? as u64;
                let v = self.string_of_len(src, n, true)?;
                self.push(v)?;
            }
            0x8d => {
                let n = src.u64()?;
                let v = self.string_of_len(src, n, true)?;
                self.push(v)?;
            }
            b'B' | b'C' | 0x8e | 0x96 => {
                let n = match op {
                    b'B' => src.u32()?,
                    b'C' => src.byte()? as u64,
                    _ => src.u64()?,
                };
                src.skip(n)?;
                self.push(Val::Bytes(n))?;
            }
            0x97 => {
                // NEXT_BUFFER: an out-of-band buffer, unknown statically.
                self.push(Val::Unknown)?;
            }
            0x98 => {
                self.top(at, "READONLY_BUFFER")?;
            }
            b')' => {
                let v = self.node(Node::Tuple(Vec::new()))?;
                self.push(v)?;
            }
            b't' => {
                let items = self.pop_mark(at, "TUPLE")?;
                let v = self.build_tuple(items)?;
                self.push(v)?;
            }
            0x85..=0x87 => {
                let n = (op - 0x84) as usize;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.pop(at, "TUPLEn")?);
                }
                items.reverse();
                let v = self.build_tuple(items)?;
                self.push(v)?;
            }
            b']' => {
                let v = self.node(Node::List(Vec::new()))?;
                self.push(v)?;
            }
            b'l' => {
                let mut items = self.pop_mark(at, "LIST")?;
                items.truncate(MAX_ITEMS);
                let v = self.node(Node::List(items))?;
                self.push(v)?;
            }
            b'}' => {
                let v = self.node(Node::Dict(Vec::new()))?;
                self.push(v)?;
            }
            b'd' => {
                let items = self.pop_mark(at, "DICT")?;
                if items.len() % 2 != 0 {
                    return Err(Stop::Error(format!("DICT at offset {at}: odd item count")));
                }
                let v = self.node(Node::Dict(Vec::new()))?;
                self.extend_node(&v, items);
                self.push(v)?;
            }
            0x8f => {
                let v = self.node(Node::Set(Vec::new()))?;
                self.push(v)?;
            }
            0x91 => {
                let mut items = self.pop_mark(at, "FROZENSET")?;
                items.truncate(MAX_ITEMS);
                let v = self.node(Node::Set(items))?;
                self.push(v)?;
            }
            b'a' => {
                let item = self.pop(at, "APPEND")?;
                let target = self.top(at, "APPEND")?;
                self.container_op(&target, "APPEND", at);
                self.extend_node(&target, vec![item]);
            }
            b'e' | 0x90 => {
                let name = if op == b'e' { "APPENDS" } else { "ADDITEMS" };
                let items = self.pop_mark(at, name)?;
                let target = self.top(at, name)?;
                self.container_op(&target, name, at);
                self.extend_node(&target, items);
            }
            b's' => {
                let value = self.pop(at, "SETITEM")?;
                let key = self.pop(at, "SETITEM")?;
                let target = self.top(at, "SETITEM")?;
                self.container_op(&target, "SETITEM", at);
                self.extend_node(&target, vec![key, value]);
            }
            b'u' => {
                let items = self.pop_mark(at, "SETITEMS")?;
                if items.len() % 2 != 0 {
                    return Err(Stop::Error(format!(
                        "SETITEMS at offset {at}: odd item count"
                    )));
                }
                let target = self.top(at, "SETITEMS")?;
                self.container_op(&target, "SETITEMS", at);
                self.extend_node(&target, items);
            }
            b'g' => {
                let line = src.line()?;
                let key = parse_decimal(&line)
                    .ok_or_else(|| Stop::Error(format!("GET at offset {at}: not a memo index")))?;
                self.memo_get(key, at)?;
            }
            b'h' => {
                let key = src.byte()? as i128;
                self.memo_get(Some(key), at)?;
            }
            b'j' => {
                let key = src.u32()? as i128;
                self.memo_get(Some(key), at)?;
            }
            b'p' => {
                let line = src.line()?;
                let key = parse_decimal(&line)
                    .flatten()
                    .and_then(|k| u64::try_from(k).ok())
                    .ok_or_else(|| {
                        Stop::Error(format!("PUT at offset {at}: bad or negative memo index"))
                    })?;
                self.memo_put(key, at)?;
            }
            b'q' => {
                let key = src.byte()? as u64;
                self.memo_put(key, at)?;
            }
            b'r' => {
                let key = src.u32()?;
                self.memo_put(key, at)?;
            }
            0x94 => {
                // MEMOIZE uses len(memo) as the key, which may collide with a PUT slot.
                let key = self.memo.len() as u64;
                self.memo_put(key, at)?;
            }
            b'c' => {
                let module = src.line()?;
                let name = src.line()?;
                let g = self.import(
                    String::from_utf8_lossy(&module).into_owned(),
                    String::from_utf8_lossy(&name).into_owned(),
                    ImportVia::Global,
                    at,
                );
                self.push(g)?;
            }
            0x93 => {
                let name = self.pop(at, "STACK_GLOBAL")?;
                let module = self.pop(at, "STACK_GLOBAL")?;
                match (&module, &name) {
                    (Val::Str(m), Val::Str(n)) => {
                        let g =
                            self.import(m.to_string(), n.to_string(), ImportVia::StackGlobal, at);
                        self.push(g)?;
                    }
                    _ => {
                        self.anomaly(
                            AnomalyKind::DynamicImport,
                            at,
                            "STACK_GLOBAL imports a name that is not a constant string",
                        );
                        self.push(Val::Unknown)?;
                    }
                }
            }
            b'i' => {
                let module = src.line()?;
                let name = src.line()?;
                let args = self.pop_mark(at, "INST")?;
                let cls = self.import(
                    String::from_utf8_lossy(&module).into_owned(),
                    String::from_utf8_lossy(&name).into_owned(),
                    ImportVia::Inst,
                    at,
                );
                let args = self.build_tuple(args)?;
                let v = self.call(cls, args, at, "INST")?;
                self.push(v)?;
            }
            b'o' => {
                let mut items = self.pop_mark(at, "OBJ")?;
                if items.is_empty() {
                    return Err(Stop::Error(format!("OBJ at offset {at}: no class")));
                }
                let cls = items.remove(0);
                let args = self.build_tuple(items)?;
                let v = self.call(cls, args, at, "OBJ")?;
                self.push(v)?;
            }
            b'R' => {
                let args = self.pop(at, "REDUCE")?;
                let callable = self.pop(at, "REDUCE")?;
                let v = self.call(callable, args, at, "REDUCE")?;
                self.push(v)?;
            }
            0x81 => {
                let args = self.pop(at, "NEWOBJ")?;
                let cls = self.pop(at, "NEWOBJ")?;
                let v = self.call(cls, args, at, "NEWOBJ")?;
                self.push(v)?;
            }
            0x92 => {
                let _kwargs = self.pop(at, "NEWOBJ_EX")?;
                let args = self.pop(at, "NEWOBJ_EX")?;
                let cls = self.pop(at, "NEWOBJ_EX")?;
                let v = self.call(cls, args, at, "NEWOBJ_EX")?;
                self.push(v)?;
            }
            b'b' => {
                let state = self.pop(at, "BUILD")?;
                let target = self.top(at, "BUILD")?;
                self.check_build(&target, &state, at);
                if let Val::Ref(i) = target
                    && let Some(Node::Object { state: s, .. }) = self.walk.nodes.get_mut(i)
                {
                    *s = Some(state);
                }
                if self.opts.joblib {
                    self.pending_joblib = Some(target);
                }
            }
            0x82..=0x84 => {
                let code = match op {
                    0x82 => src.byte()? as u64,
                    0x83 => src.u16()?,
                    _ => src.u32()?,
                };
                self.anomaly(
                    AnomalyKind::Extension,
                    at,
                    format!(
                        "extension code {code} names a callable from the copyreg extension registry, which is empty unless the loading program filled it"
                    ),
                );
                self.push(Val::Unknown)?;
            }
            b'P' => {
                let line = src.line()?;
                let pid = Self::str_val(String::from_utf8_lossy(&line).into_owned());
                self.walk.persistent_ids.push(pid.clone());
                let v = self.node(Node::Persistent(pid))?;
                self.push(v)?;
            }
            b'Q' => {
                let pid = self.pop(at, "BINPERSID")?;
                if self.walk.persistent_ids.len() < 1 << 20 {
                    self.walk.persistent_ids.push(pid.clone());
                }
                let v = self.node(Node::Persistent(pid))?;
                self.push(v)?;
            }
            0x80 => {
                let p = src.byte()?;
                if p > 5 {
                    return Err(Stop::Error(format!(
                        "PROTO at offset {at}: unsupported protocol {p}"
                    )));
                }
                if self.walk.opcodes > 1 && p != self.walk.protocol {
                    self.anomaly(
                        AnomalyKind::Protocol,
                        at,
                        format!("protocol changes mid-stream to {p}"),
                    );
                }
                self.walk.protocol = p;
            }
            0x95 => {
                let n = src.u64()?;
                if let Some(end) = self.frame_end
                    && at < end
                {
                    self.anomaly(
                        AnomalyKind::Frame,
                        at,
                        "a new FRAME starts before the current frame ends",
                    );
                }
                if n > src.remaining() {
                    self.anomaly(
                        AnomalyKind::Frame,
                        at,
                        format!("FRAME of {n} bytes runs past the end of the stream"),
                    );
                }
                self.frame_end = Some(src.pos.saturating_add(n));
            }
            other => {
                return Err(Stop::Error(format!(
                    "invalid opcode {other:#04x} at offset {at}"
                )));
            }
        }
        if let Some(end) = self.frame_end
            && at < end
            && src.pos > end
        {
            self.anomaly(
                AnomalyKind::Frame,
                at,
                "an opcode crosses the end of its FRAME",
            );
            self.frame_end = None;
        }
        // joblib writes array bytes after closing the frame that holds the BUILD.
        if let Some(target) = self.pending_joblib.take() {
            self.frame_end = None;
            self.joblib_array(src, &target, at)?;
        }
        Ok(false)
    }
}

fn walk_inner<R: BufRead + Seek>(
    src: &mut Source<'_, R>,
    opts: WalkOptions,
) -> Result<PickleWalk, Stop> {
    let mut m = Machine {
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        walk: PickleWalk::default(),
        frame_end: None,
        opts,
        pending_joblib: None,
    };
    loop {
        match m.step(src) {
            Ok(true) => {
                m.walk.complete = true;
                break;
            }
            Ok(false) => {}
            Err(Stop::Eof) => {
                m.walk.error = Some((src.pos, "the stream ends before STOP".into()));
                break;
            }
            Err(Stop::Error(e)) => {
                m.walk.error = Some((src.pos, e));
                break;
            }
        }
    }
    m.walk.end = src.pos;
    Ok(m.walk)
}

/// Walk one pickle starting at the reader's current position, reading at most `len`
/// bytes. Offsets in the result are relative to that position.
pub fn walk<R: BufRead + Seek>(r: &mut R, len: u64, opts: WalkOptions) -> PickleWalk {
    let mut src = Source { r, pos: 0, len };
    match walk_inner(&mut src, opts) {
        Ok(w) => w,
        Err(_) => PickleWalk {
            error: Some((0, "unreadable stream".into())),
            ..PickleWalk::default()
        },
    }
}

/// Walk a pickle held in memory.
pub fn walk_bytes(bytes: &[u8], opts: WalkOptions) -> PickleWalk {
    walk(&mut std::io::Cursor::new(bytes), bytes.len() as u64, opts)
}

/// After a parse error the real unpickler stops, but a scanner must not miss a payload that
/// a more lenient reader (or a different entry point) would reach: look through the rest of
/// the bytes for `GLOBAL`/`INST` lines and short-string pairs followed by `STACK_GLOBAL`.
pub fn salvage_imports(bytes: &[u8], base: u64) -> Vec<Import> {
    fn ident(b: &[u8]) -> bool {
        !b.is_empty()
            && b.len() < 256
            && b.iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < 1000 {
        let b = bytes[i];
        if b == b'c' || b == b'i' {
            let rest = &bytes[i + 1..];
            if let Some(nl) = rest.iter().take(256).position(|&c| c == b'\n') {
                let module = &rest[..nl];
                let rest2 = &rest[nl + 1..];
                if let Some(nl2) = rest2.iter().take(256).position(|&c| c == b'\n') {
                    let name = &rest2[..nl2];
                    if ident(module) && ident(name) {
                        out.push(Import {
                            global: Global {
                                module: latin1(module),
                                name: latin1(name),
                            },
                            via: ImportVia::AfterError,
                            offset: base + i as u64,
                            protocol: 0,
                        });
                        i += nl + nl2 + 3;
                        continue;
                    }
                }
            }
        }
        // SHORT_BINUNICODE module, (MEMOIZE)?, SHORT_BINUNICODE name, (MEMOIZE)?, STACK_GLOBAL
        if b == 0x8c
            && let Some((module, after)) = short_str(bytes, i)
        {
            let j = skip_memoize(bytes, after);
            if bytes.get(j) == Some(&0x8c)
                && let Some((name, after2)) = short_str(bytes, j)
            {
                let k = skip_memoize(bytes, after2);
                if bytes.get(k) == Some(&0x93) && ident(module) && ident(name) {
                    out.push(Import {
                        global: Global {
                            module: latin1(module),
                            name: latin1(name),
                        },
                        via: ImportVia::AfterError,
                        offset: base + i as u64,
                        protocol: 4,
                    });
                    i = k + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

fn short_str(bytes: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let n = *bytes.get(at + 1)? as usize;
    let s = bytes.get(at + 2..at + 2 + n)?;
    Some((s, at + 2 + n))
}

fn skip_memoize(bytes: &[u8], mut at: usize) -> usize {
    loop {
        match bytes.get(at) {
            Some(0x94) => at += 1,
            Some(b'q') => at += 2,
            _ => return at,
        }
    }
}

/// Item size of a NumPy dtype code such as `f8`, `<i4`, `|b1`, `U10` (`None` if unknown).
pub fn dtype_itemsize(code: &str) -> Option<u64> {
    let c = code.trim_start_matches(['<', '>', '|', '=']);
    let (kind, size) = c.split_at(c.find(|ch: char| ch.is_ascii_digit()).unwrap_or(c.len()));
    let n: u64 = if size.is_empty() {
        match kind {
            "b" | "B" | "?" => 1,
            "h" | "H" | "e" => 2,
            "i" | "I" | "l" | "f" => 4,
            "q" | "Q" | "d" | "g" => 8,
            _ => return None,
        }
    } else {
        size.parse().ok()?
    };
    match kind {
        "U" => Some(n * 4),
        "b" | "i" | "u" | "f" | "c" | "S" | "V" | "a" | "m" | "M" | "B" | "?" | "h" | "H" | "e"
        | "I" | "l" | "q" | "Q" | "d" | "g" => Some(n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imports(w: &PickleWalk) -> Vec<String> {
        w.imports.iter().map(|i| i.global.qualified()).collect()
    }

    #[test]
    fn int_literals_parse_like_the_unpickler() {
        assert_eq!(parse_int_literal(b"10"), Some(Some(10)));
        assert_eq!(parse_int_literal(b"0x10"), Some(Some(16)));
        assert_eq!(parse_int_literal(b"-0o17"), Some(Some(-15)));
        assert_eq!(parse_int_literal(b"0b101"), Some(Some(5)));
        assert_eq!(parse_int_literal(b"010"), Some(Some(8)));
        assert_eq!(parse_int_literal(b" 1_000 "), Some(Some(1000)));
        assert_eq!(parse_int_literal(b"0"), Some(Some(0)));
        assert_eq!(parse_int_literal(b"1__0"), None);
        assert_eq!(parse_int_literal(b"abc"), None);
        assert_eq!(parse_decimal(b"010"), Some(Some(10)));
    }

    #[test]
    fn global_and_reduce_protocol_0() {
        let w = walk_bytes(b"cos\nsystem\n(S'id'\ntR.", WalkOptions::default());
        assert!(w.complete);
        assert_eq!(imports(&w), ["os.system"]);
        assert_eq!(w.calls, 1);
    }

    #[test]
    fn stack_global_from_memo_after_put_memoize_confusion() {
        // memo[0]="os", memo[1]="system" by BINPUT; MEMOIZE then writes len(memo)=2,3.
        let mut p = vec![0x80, 4];
        p.extend(b"U\x02osq\x00U\x06systemq\x01");
        p.extend(b"\x8c\x0ctorch._utils\x94\x8c\x12_rebuild_tensor_v2\x94");
        p.extend(b"0000"); // pop the four strings
        p.extend(b"h\x00h\x01\x93)R.");
        let w = walk_bytes(&p, WalkOptions::default());
        assert!(w.complete, "{:?}", w.error);
        assert_eq!(imports(&w), ["os.system"]);
    }

    #[test]
    fn unicode_escape_names_are_decoded() {
        let w = walk_bytes(b"Vo\\u0073\nVsystem\n\x93(Vid\ntR.", WalkOptions::default());
        assert_eq!(imports(&w), ["os.system"]);
    }

    #[test]
    fn payload_before_a_parse_error_is_kept() {
        let w = walk_bytes(b"cos\nsystem\n(S'id'\ntR\xff\xff", WalkOptions::default());
        assert!(!w.complete);
        assert!(w.error.is_some());
        assert_eq!(imports(&w), ["os.system"]);
    }

    #[test]
    fn resolver_calls_are_followed() {
        // importlib.import_module("os") then getattr(<module os>, "system")("id")
        let p = b"\x80\x04\x8c\x09importlib\x8c\x0dimport_module\x93\x8c\x02os\x85R\x94\
\x8c\x08builtins\x8c\x07getattr\x93h\x00\x8c\x06system\x86R\x8c\x02id\x85R.";
        let w = walk_bytes(p, WalkOptions::default());
        assert!(w.complete, "{:?}", w.error);
        let names = imports(&w);
        assert!(names.contains(&"os".to_string()), "{names:?}");
        assert!(names.contains(&"os.system".to_string()), "{names:?}");
        assert!(
            !w.anomalies
                .iter()
                .any(|a| a.kind == AnomalyKind::IndirectCall)
        );
    }

    #[test]
    fn build_on_a_global_is_an_anomaly() {
        // numpy.prod with BUILD (None, {"a": "os"}): setattr on a function.
        let w = walk_bytes(
            b"\x80\x02cnumpy\nprod\nN}U\x01aU\x02oss\x86b.",
            WalkOptions::default(),
        );
        assert!(w.complete, "{:?}", w.error);
        assert!(
            w.anomalies
                .iter()
                .any(|a| a.kind == AnomalyKind::BuildOnGlobal)
        );
    }

    #[test]
    fn memo_miss_and_ext_and_dynamic_import_are_anomalies() {
        let w = walk_bytes(
            b"\x80\x04h\x05h\x06\x93\x82\x01N\x86.",
            WalkOptions::default(),
        );
        let kinds: Vec<_> = w.anomalies.iter().map(|a| a.kind).collect();
        assert!(kinds.contains(&AnomalyKind::MemoMissing));
        assert!(kinds.contains(&AnomalyKind::DynamicImport));
        assert!(kinds.contains(&AnomalyKind::Extension));
    }

    #[test]
    fn frame_crossing_is_an_anomaly() {
        // FRAME of 3 bytes, then SHORT_BINUNICODE of 4 bytes crossing it.
        let mut p = vec![0x80, 4, 0x95];
        p.extend(3u64.to_le_bytes());
        p.extend(b"\x8c\x04abcd.");
        let w = walk_bytes(&p, WalkOptions::default());
        assert!(w.anomalies.iter().any(|a| a.kind == AnomalyKind::Frame));
    }

    #[test]
    fn deep_nesting_and_huge_lengths_are_bounded() {
        let mut p: Vec<u8> = std::iter::repeat_n(b']', 200_000).collect();
        p.extend(std::iter::repeat_n(b'a', 199_999));
        p.push(b'.');
        let w = walk_bytes(&p, WalkOptions::default());
        assert!(w.complete);
        // A length far beyond the data is an error, not an allocation.
        let w = walk_bytes(
            b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f",
            WalkOptions::default(),
        );
        assert!(w.error.is_some());
    }

    #[test]
    fn salvage_finds_globals_after_garbage() {
        let found = salvage_imports(
            b"\xff\xffcposix\nsystem\n\x8c\x02os\x94\x8c\x06system\x93",
            10,
        );
        let names: Vec<_> = found.iter().map(|i| i.global.qualified()).collect();
        assert_eq!(names, ["posix.system", "os.system"]);
        assert_eq!(found[0].offset, 12);
    }

    #[test]
    fn dtype_sizes() {
        assert_eq!(dtype_itemsize("<f8"), Some(8));
        assert_eq!(dtype_itemsize("f4"), Some(4));
        assert_eq!(dtype_itemsize("|b1"), Some(1));
        assert_eq!(dtype_itemsize("<U3"), Some(12));
        assert_eq!(dtype_itemsize("O"), None);
    }
}
