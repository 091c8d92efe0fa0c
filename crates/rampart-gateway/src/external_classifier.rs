//! An HTTP client for an external prompt-injection classifier: a model server the
//! operator runs (`[guard.external_classifier]`, `rampart guard --external-classifier`).
//!
//! # Protocol
//!
//! Hugging Face text-embeddings-inference (TEI) sequence classification:
//! `POST {url}` (TEI's route is `/predict`) with `{"inputs": TEXT, "truncate": true}`,
//! answered by `[{"label": "INJECTION", "score": 0.97}, {"label": "SAFE", "score": 0.03}]`.
//! The Hugging Face Inference API's text-classification shape, `[[{"label", "score"}]]`,
//! is accepted too. The attack probability is the sum of the scores of the labels in
//! `injection_labels` (compared ignoring case; capped at 1), so a model with several
//! attack classes (`INJECTION`, `JAILBREAK`) counts them together. The server should
//! return every label (TEI does); an answer with none of the attack labels counts as 0.
//!
//! # Windows
//!
//! TEI's `truncate` cuts a text to the model's window, so an attack padded past it would
//! never be read. Rampart therefore sends at most `max_chars` characters per request and
//! scores a longer text as overlapping windows of `max_chars` characters, each starting
//! three quarters of a window after the previous one (so any passage of up to a quarter
//! window lies whole in some window), asked concurrently; the text's score is the highest
//! window's. The count is bounded by [`MAX_WINDOWS`]: the first `MAX_WINDOWS - 1` windows
//! from the start, and always a last window that ends at the end of the text (where a
//! padded attack usually sits). Past the bound, the part of the text between those is not
//! sent to the model server (with the defaults: text beyond the first 49,152 characters
//! and before the last 8,192). The built-in path always reads the whole text.
//!
//! # Why a dedicated thread
//!
//! Detectors are synchronous (the guard engine does no I/O) and the gateway runs them
//! inside tokio tasks. The client therefore owns one thread with its own single-threaded
//! tokio runtime and reqwest client (connection pool, rustls with the system roots plus
//! an optional `ca_bundle`, no redirects); [`classify`] queues a request to it and waits
//! on a channel with a deadline. The wait happens in [`tokio::task::block_in_place`] when
//! the caller is a worker of a multi-threaded runtime (the gateway), so the worker's
//! other tasks move to another thread instead of stalling behind a model server; on any
//! other thread (the CLI, a current-thread runtime) it is a plain blocking wait. The HTTP
//! work never runs on the caller's runtime, so a current-thread caller cannot deadlock
//! waiting for a task it would itself have to run. Requests run concurrently on that one
//! thread (they are I/O, not CPU); at most [`MAX_IN_FLIGHT`] are pending, past which a
//! request fails at once (counted as an error, handled by `on_error`). Dropping the client
//! (a config reload) closes the queue and the thread ends; nothing waits for it.
//!
//! Simpler alternatives were rejected: `reqwest::blocking` panics when its client is
//! dropped inside an async context (a reload drops the old guard there), and spawning
//! onto the caller's runtime deadlocks a current-thread runtime.
//!
//! # Cache
//!
//! A chat request carries the whole conversation, so the same user messages and tool
//! results come back on every turn. Answers are kept for the last `cache_entries` distinct
//! texts (keyed by the SHA-256 of what is sent; failures are not kept), so each text costs
//! one round trip per config generation: a reload starts a new client with an empty cache.
//!
//! # Outcomes
//!
//! Every question is counted in
//! `rampart_guard_external_total{outcome="ok|cached|timeout|error"}`. Failures are logged
//! at most once per [`LOG_EVERY`] (a server that is down fails every request). Errors and
//! logs name the server by host and port only; the text and the bearer token
//! (`api_key_env`) are never logged.
//!
//! [`classify`]: HttpInjectionClassifier::classify

use rampart_guard::{
    Context, Direction, ExternalError, ExternalInjectionClassifier, OnExternalError, Role,
};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// At most this many windows of one text are sent (see the module documentation).
pub const MAX_WINDOWS: usize = 8;

/// At most this many requests wait for the model server at once.
pub const MAX_IN_FLIGHT: usize = 256;
/// The largest answer read from the model server (a label list is a few hundred bytes).
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Extra time the caller waits beyond the request timeout, so that the HTTP client's own
/// timeout (which names the cause) normally fires first.
const WAIT_SLACK: Duration = Duration::from_millis(20);

/// Failures are logged at most this often.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// Default `injection_labels`: the attack labels of common open prompt-injection models
/// (`INJECTION` / `JAILBREAK`: Prompt Guard; `LABEL_1`: binary models without names;
/// `MALICIOUS`).
pub const DEFAULT_INJECTION_LABELS: [&str; 4] = ["INJECTION", "JAILBREAK", "LABEL_1", "MALICIOUS"];
/// Default `timeout_ms`.
pub const DEFAULT_TIMEOUT_MS: u64 = 200;
/// Default `max_chars`.
pub const DEFAULT_MAX_CHARS: usize = 8192;
/// Default `cache_entries`.
pub const DEFAULT_CACHE_ENTRIES: usize = 4096;
/// Default roles whose input texts are sent: what users and untrusted content wrote.
/// System prompts (instructions by design) and the model's own history are not.
pub const DEFAULT_ROLES: [Role; 3] = [Role::User, Role::Tool, Role::Document];

/// Everything the client needs; built from `[guard.external_classifier]` or CLI flags.
#[derive(Clone)]
pub struct ExternalSettings {
    /// The classification endpoint, e.g. `http://127.0.0.1:8080/predict`.
    pub url: String,
    pub timeout: Duration,
    /// Labels counted as attacks (any case).
    pub injection_labels: Vec<String>,
    pub on_error: OnExternalError,
    /// A bearer token (read from the environment variable `api_key_env`).
    pub api_key: Option<String>,
    pub max_chars: usize,
    /// Input texts of these roles are sent; output texts never are.
    pub roles: Vec<Role>,
    /// A PEM bundle of CAs trusted in addition to the system roots.
    pub ca_bundle: Option<String>,
    /// Answers kept for repeated texts (0: none).
    pub cache_entries: usize,
}

impl std::fmt::Debug for ExternalSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalSettings")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .field("injection_labels", &self.injection_labels)
            .field("on_error", &self.on_error)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("max_chars", &self.max_chars)
            .field("roles", &self.roles)
            .field("ca_bundle", &self.ca_bundle)
            .field("cache_entries", &self.cache_entries)
            .finish()
    }
}

impl ExternalSettings {
    /// Settings for `url` with every default.
    pub fn new(url: impl Into<String>) -> Self {
        ExternalSettings {
            url: url.into(),
            timeout: Duration::from_millis(DEFAULT_TIMEOUT_MS),
            injection_labels: DEFAULT_INJECTION_LABELS.map(String::from).to_vec(),
            on_error: OnExternalError::UseBuiltIn,
            api_key: None,
            max_chars: DEFAULT_MAX_CHARS,
            roles: DEFAULT_ROLES.to_vec(),
            ca_bundle: None,
            cache_entries: DEFAULT_CACHE_ENTRIES,
        }
    }
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExternalClientError {
    #[error("`url`: {0}")]
    Url(String),
    #[error("`ca_bundle`: {0}")]
    CaBundle(String),
    #[error("cannot start the classifier client: {0}")]
    Start(String),
}

/// One request for the worker thread.
struct Job {
    body: Vec<u8>,
    reply: std::sync::mpsc::SyncSender<Result<f32, ExternalError>>,
}

/// What the worker thread needs to make requests.
struct Worker {
    client: reqwest::Client,
    url: reqwest::Url,
    auth: Option<reqwest::header::HeaderValue>,
    timeout: Duration,
    labels: Vec<String>,
    warned_labels: AtomicBool,
}

/// The TEI / Hugging Face classification client. See the module documentation.
pub struct HttpInjectionClassifier {
    name: String,
    on_error: OnExternalError,
    roles: Vec<Role>,
    timeout: Duration,
    max_chars: usize,
    jobs: tokio::sync::mpsc::Sender<Job>,
    in_flight: Arc<AtomicUsize>,
    cache: Mutex<Cache>,
    /// When a failure was last logged.
    last_log: Mutex<Option<Instant>>,
}

/// The answers for the last `capacity` distinct texts, oldest evicted first (keyed by a
/// SHA-256 of what was asked; also the LLM judge's cache).
pub(crate) struct Cache {
    capacity: usize,
    scores: HashMap<[u8; 32], f32>,
    order: VecDeque<[u8; 32]>,
}

impl Cache {
    pub(crate) fn new(capacity: usize) -> Cache {
        Cache {
            capacity,
            scores: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    pub(crate) fn get(&self, key: &[u8; 32]) -> Option<f32> {
        self.scores.get(key).copied()
    }

    pub(crate) fn put(&mut self, key: [u8; 32], score: f32) {
        if self.capacity == 0 || self.scores.insert(key, score).is_some() {
            return;
        }
        self.order.push_back(key);
        if self.order.len() > self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.scores.remove(&old);
        }
    }
}

impl std::fmt::Debug for HttpInjectionClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpInjectionClassifier")
            .field("name", &self.name)
            .field("on_error", &self.on_error)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpInjectionClassifier {
    /// Check the settings, build the HTTP client and start its thread.
    pub fn new(settings: ExternalSettings) -> Result<Self, ExternalClientError> {
        let url = reqwest::Url::parse(&settings.url)
            .map_err(|e| ExternalClientError::Url(format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ExternalClientError::Url(
                "expected an http:// or https:// URL such as http://127.0.0.1:8080/predict".into(),
            ));
        }
        let host = url.host_str().unwrap_or_default();
        let name = match url.port() {
            Some(port) => format!("http:{host}:{port}"),
            None => format!("http:{host}"),
        };
        let auth = match &settings.api_key {
            Some(key) => {
                let mut v = reqwest::header::HeaderValue::from_str(&format!("Bearer {key}"))
                    .map_err(|_| {
                        ExternalClientError::Start(
                            "the API key is not a valid HTTP header value".into(),
                        )
                    })?;
                v.set_sensitive(true);
                if url.scheme() == "http" && !is_loopback(host) {
                    tracing::warn!(classifier = %name, "the external classifier's API key is sent over plain http");
                }
                Some(v)
            }
            None => None,
        };
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("rampart/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &settings.ca_bundle {
            builder = crate::providers::with_ca_bundle(builder, path)
                .map_err(ExternalClientError::CaBundle)?;
        }
        let client = builder
            .build()
            .map_err(|e| ExternalClientError::Start(e.to_string()))?;
        let worker = Arc::new(Worker {
            client,
            url,
            auth,
            timeout: settings.timeout,
            labels: settings
                .injection_labels
                .iter()
                .map(|l| l.to_ascii_uppercase())
                .collect(),
            warned_labels: AtomicBool::new(false),
        });
        let (jobs, rx) = tokio::sync::mpsc::channel::<Job>(MAX_IN_FLIGHT);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ExternalClientError::Start(e.to_string()))?;
        std::thread::Builder::new()
            .name("rampart-ext-classifier".into())
            .spawn(move || runtime.block_on(serve(worker, rx)))
            .map_err(|e| ExternalClientError::Start(e.to_string()))?;
        Ok(HttpInjectionClassifier {
            name,
            on_error: settings.on_error,
            roles: settings.roles,
            timeout: settings.timeout,
            max_chars: settings.max_chars.max(1),
            jobs,
            in_flight: Arc::new(AtomicUsize::new(0)),
            cache: Mutex::new(Cache::new(settings.cache_entries)),
            last_log: Mutex::new(None),
        })
    }

    /// The score for `text`: the highest of its windows' ([`windows`]), each from the
    /// cache or asked (and then cached); the outcome label for the metric. A window that
    /// cannot be scored fails the whole text: the caller's `on_error` decides.
    fn score(&self, text: &str) -> (Result<f32, ExternalError>, &'static str) {
        let mut best = 0.0f32;
        let mut pending = Vec::new();
        let mut failure = None;
        for window in windows(text, self.max_chars) {
            let key: [u8; 32] = Sha256::digest(window.as_bytes()).into();
            if let Some(score) = self.cache().get(&key) {
                best = best.max(score);
                continue;
            }
            match self.queue(window) {
                Ok(answer) => pending.push((key, answer)),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        let asked = !pending.is_empty();
        // One deadline for every window: they are asked concurrently.
        let deadline = Instant::now() + self.timeout + WAIT_SLACK;
        let wait = || {
            let mut answers = Vec::with_capacity(pending.len());
            for (key, answer) in &pending {
                let left = deadline.saturating_duration_since(Instant::now());
                let result = match answer.recv_timeout(left) {
                    Ok(result) => result,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(ExternalError::Timeout),
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(
                        ExternalError::Unavailable("the client thread stopped".into()),
                    ),
                };
                answers.push((*key, result));
            }
            answers
        };
        let answers = if asked && on_multi_thread_worker() {
            tokio::task::block_in_place(wait)
        } else {
            wait()
        };
        self.in_flight.fetch_sub(pending.len(), Ordering::AcqRel);
        for (key, result) in answers {
            match result {
                Ok(score) => {
                    self.cache().put(key, score);
                    best = best.max(score);
                }
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        match failure {
            Some(ExternalError::Timeout) => (Err(ExternalError::Timeout), "timeout"),
            Some(e) => (Err(e), "error"),
            None if asked => (Ok(best), "ok"),
            None => (Ok(best), "cached"),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A panic while holding it cannot leave the map half-updated in a way that
        // matters: at worst an entry is missing.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Log a failure unless one was logged less than [`LOG_EVERY`] ago.
    fn log_failure(&self, e: &ExternalError) {
        let mut last = self
            .last_log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if last.is_none_or(|t| now.duration_since(t) >= LOG_EVERY) {
            *last = Some(now);
            drop(last);
            tracing::warn!(classifier = %self.name, error = %e, "external injection classifier failed (further failures within 10 s are only counted in rampart_guard_external_total)");
        }
    }

    /// Queue one window for the worker thread; the answer arrives on the returned
    /// channel. Counts it in `in_flight` (the caller releases it after waiting).
    fn queue(
        &self,
        inputs: &str,
    ) -> Result<std::sync::mpsc::Receiver<Result<f32, ExternalError>>, ExternalError> {
        let body = serde_json::to_vec(&serde_json::json!({"inputs": inputs, "truncate": true}))
            .map_err(|e| ExternalError::Unavailable(format!("cannot encode the request: {e}")))?;
        if self.in_flight.fetch_add(1, Ordering::AcqRel) >= MAX_IN_FLIGHT {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            return Err(ExternalError::Unavailable(format!(
                "more than {MAX_IN_FLIGHT} requests waiting"
            )));
        }
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        match self.jobs.try_send(Job { body, reply }) {
            Ok(()) => Ok(answer),
            Err(e) => {
                self.in_flight.fetch_sub(1, Ordering::AcqRel);
                Err(ExternalError::Unavailable(
                    match e {
                        tokio::sync::mpsc::error::TrySendError::Full(_) => {
                            "the client queue is full"
                        }
                        tokio::sync::mpsc::error::TrySendError::Closed(_) => {
                            "the client thread stopped"
                        }
                    }
                    .into(),
                ))
            }
        }
    }
}

/// The windows of `text` sent to the model server: the text itself when it has at most
/// `max_chars` characters; otherwise windows of `max_chars` characters, each starting
/// three quarters of a window after the previous one, at most [`MAX_WINDOWS`] of them,
/// the last always ending at the end of the text (see the module documentation).
pub(crate) fn windows(text: &str, max_chars: usize) -> Vec<&str> {
    let max_chars = max_chars.max(1);
    let chars = text.chars().count();
    if chars <= max_chars {
        return vec![text];
    }
    let step = (max_chars - max_chars / 4).max(1);
    let mut spans: Vec<(usize, usize)> = (0..MAX_WINDOWS - 1)
        .map(|k| k * step)
        .take_while(|from| from + max_chars < chars)
        .map(|from| (from, from + max_chars))
        .collect();
    spans.push((chars - max_chars, chars));
    // Character index → byte offset; at most 2 * MAX_WINDOWS walks over the text.
    let byte = |c: usize| text.char_indices().nth(c).map_or(text.len(), |(i, _)| i);
    spans
        .into_iter()
        .map(|(from, to)| &text[byte(from)..byte(to)])
        .collect()
}

impl ExternalInjectionClassifier for HttpInjectionClassifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn classify(&self, text: &str, _ctx: &Context) -> Result<f32, ExternalError> {
        let (result, outcome) = self.score(text);
        crate::metrics::guard_external(outcome);
        if let Err(e) = &result {
            self.log_failure(e);
        }
        result
    }

    fn inspects(&self, ctx: &Context) -> bool {
        ctx.direction == Direction::Input && self.roles.contains(&ctx.role)
    }

    fn on_error(&self) -> OnExternalError {
        self.on_error
    }
}

/// Whether the current thread is a worker of a multi-threaded tokio runtime (where
/// `block_in_place` is allowed and useful; it panics on a current-thread runtime).
pub(crate) fn on_multi_thread_worker() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The worker thread's loop: one task per request, until every sender is gone.
async fn serve(worker: Arc<Worker>, mut rx: tokio::sync::mpsc::Receiver<Job>) {
    while let Some(job) = rx.recv().await {
        let worker = worker.clone();
        tokio::spawn(async move {
            let result = worker.call(job.body).await;
            // The caller may have given up (timeout): nobody to tell.
            let _ = job.reply.try_send(result);
        });
    }
}

impl Worker {
    async fn call(&self, body: Vec<u8>) -> Result<f32, ExternalError> {
        let mut req = self
            .client
            .post(self.url.clone())
            .timeout(self.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(auth) = &self.auth {
            req = req.header(reqwest::header::AUTHORIZATION, auth.clone());
        }
        let mut resp = req.send().await.map_err(transport_error)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(ExternalError::Unavailable(format!(
                "HTTP {}",
                status.as_u16()
            )));
        }
        let mut answer = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
            if answer.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(ExternalError::InvalidResponse(format!(
                    "answer larger than {MAX_ANSWER_BYTES} bytes"
                )));
            }
            answer.extend_from_slice(&chunk);
        }
        let labels = parse_answer(&answer)?;
        let mut attack = 0.0f32;
        let mut matched = false;
        for (label, score) in &labels {
            if self.labels.iter().any(|l| l.eq_ignore_ascii_case(label)) {
                attack += score;
                matched = true;
            }
        }
        if !matched && labels.len() > 1 && !self.warned_labels.swap(true, Ordering::Relaxed) {
            // Label names are model metadata, not text: safe to log, and the usual cause
            // of a classifier that never fires.
            let seen: Vec<&str> = labels.iter().map(|(l, _)| l.as_str()).collect();
            tracing::warn!(labels = ?seen, "the model server's labels include none of `injection_labels`; its answers count as 0");
        }
        Ok(attack.min(1.0))
    }
}

fn transport_error(e: reqwest::Error) -> ExternalError {
    if e.is_timeout() {
        ExternalError::Timeout
    } else if e.is_connect() {
        ExternalError::Unavailable("cannot connect".into())
    } else {
        // Without the URL: its query could hold a token.
        ExternalError::Unavailable(e.without_url().to_string())
    }
}

/// `[{"label", "score"}]` (TEI `/predict`) or `[[{"label", "score"}]]` (Hugging Face
/// Inference API) → (label, score) pairs; scores must be numbers in [0, 1].
pub fn parse_answer(bytes: &[u8]) -> Result<Vec<(String, f32)>, ExternalError> {
    #[derive(serde::Deserialize)]
    struct Label {
        label: String,
        score: f64,
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Answer {
        Flat(Vec<Label>),
        Nested(Vec<Vec<Label>>),
    }
    let answer: Answer = serde_json::from_slice(bytes).map_err(|_| {
        ExternalError::InvalidResponse(
            "expected [{\"label\": ..., \"score\": ...}] (TEI /predict) or [[...]]".into(),
        )
    })?;
    let labels = match answer {
        Answer::Flat(l) => l,
        Answer::Nested(mut l) if l.len() == 1 => l.remove(0),
        Answer::Nested(_) => {
            return Err(ExternalError::InvalidResponse(
                "expected the labels of one text".into(),
            ));
        }
    };
    if labels.is_empty() {
        return Err(ExternalError::InvalidResponse("no labels".into()));
    }
    labels
        .into_iter()
        .map(|l| {
            if (0.0..=1.0).contains(&l.score) {
                Ok((l.label, l.score as f32))
            } else {
                Err(ExternalError::InvalidResponse(format!(
                    "score {} outside [0, 1] (send raw_scores = false)",
                    l.score
                )))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_text_is_one_window() {
        assert_eq!(windows("héllo", 5), ["héllo"]);
        assert_eq!(windows("", 5), [""]);
    }

    #[test]
    fn windows_overlap_cover_the_text_and_end_at_its_end() {
        // 30 characters, windows of 8 starting every 6: 0, 6, 12, 18, then the last (22).
        let text: String = ('a'..='z').chain('0'..='3').collect();
        let w = windows(&text, 8);
        assert_eq!(
            w,
            ["abcdefgh", "ghijklmn", "mnopqrst", "stuvwxyz", "wxyz0123"]
        );
        // Every run of up to a quarter window (2 characters) lies whole in some window.
        let chars: Vec<char> = text.chars().collect();
        for pair in chars.windows(2) {
            let pair: String = pair.iter().collect();
            assert!(w.iter().any(|w| w.contains(&pair)), "{pair}");
        }
        // Multi-byte characters are counted as characters and never split.
        let accented = "é".repeat(20);
        for w in windows(&accented, 8) {
            assert_eq!(w.chars().count(), 8);
        }
    }

    #[test]
    fn past_the_bound_the_last_window_is_still_sent() {
        let text = format!("{}ATTACK", "x".repeat(10_000));
        let w = windows(&text, 100);
        assert_eq!(w.len(), MAX_WINDOWS);
        assert!(w.iter().all(|w| w.chars().count() == 100));
        assert!(w[..MAX_WINDOWS - 1].iter().all(|w| !w.contains("ATTACK")));
        assert!(w[MAX_WINDOWS - 1].ends_with("ATTACK"));
        // A one-character window still makes progress.
        assert_eq!(windows("abc", 1), ["a", "b", "c"]);
    }

    #[test]
    fn both_answer_shapes_parse() {
        let tei = br#"[{"label":"INJECTION","score":0.97},{"label":"SAFE","score":0.03}]"#;
        assert_eq!(parse_answer(tei).unwrap()[0], ("INJECTION".into(), 0.97));
        let hf = br#"[[{"label":"LABEL_1","score":0.6},{"label":"LABEL_0","score":0.4}]]"#;
        assert_eq!(parse_answer(hf).unwrap().len(), 2);
    }

    #[test]
    fn malformed_answers_are_invalid_responses() {
        for bad in [
            &b"{}"[..],
            b"[]",
            b"not json",
            br#"[{"label":"X","score":1.5}]"#,
            br#"[{"label":"X","score":-3}]"#,
            br#"[[{"label":"X","score":0.1}],[{"label":"X","score":0.1}]]"#,
            br#"{"error":"model not loaded"}"#,
        ] {
            assert!(
                matches!(parse_answer(bad), Err(ExternalError::InvalidResponse(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn bad_urls_are_refused_and_settings_do_not_print_the_key() {
        for url in ["ftp://x/predict", "not a url", "file:///etc/passwd"] {
            assert!(HttpInjectionClassifier::new(ExternalSettings::new(url)).is_err());
        }
        let mut s = ExternalSettings::new("http://127.0.0.1:9/predict");
        s.api_key = Some("tok-very-secret".into());
        assert!(!format!("{s:?}").contains("tok-very-secret"));
        let c = HttpInjectionClassifier::new(s).unwrap();
        assert_eq!(c.name(), "http:127.0.0.1:9");
        assert!(!format!("{c:?}").contains("tok-very-secret"));
    }

    #[test]
    fn the_cache_keeps_the_newest_answers() {
        let mut c = Cache::new(2);
        for (i, s) in [(1u8, 0.1), (2, 0.2), (1, 0.9), (3, 0.3)] {
            c.put([i; 32], s);
        }
        assert_eq!(c.get(&[1; 32]), None, "the oldest is evicted");
        assert_eq!(c.get(&[2; 32]), Some(0.2));
        assert_eq!(c.get(&[3; 32]), Some(0.3));
        let mut off = Cache::new(0);
        off.put([1; 32], 0.5);
        assert_eq!(off.get(&[1; 32]), None);
    }

    #[test]
    fn only_input_of_the_configured_roles_is_sent() {
        let c = HttpInjectionClassifier::new(ExternalSettings::new("http://127.0.0.1:9/predict"))
            .unwrap();
        assert!(c.inspects(&Context::input(Role::User)));
        assert!(c.inspects(&Context::input(Role::Tool)));
        assert!(!c.inspects(&Context::input(Role::System)));
        assert!(!c.inspects(&Context::output()));
    }
}
