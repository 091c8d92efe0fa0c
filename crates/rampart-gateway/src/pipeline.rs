//! The request pipeline: named phases over one per-request context.
//!
//! ```text
//!   authenticate ─► ingress ─► authorize ─► limit ─► guard_input ─► policy ─► route/upstream
//!        │          (parse,     (model      (rpm,     (every text     ([authz]:   (deployments,
//!        │          validate)    allowed)    tpm)      with its role)  each        retries,
//!        │                                                             deployment) fallback)
//!        ▼                                                                          │
//!   audit ◄── respond ◄── guard_output (whole answer, or chunk by chunk) ◄──────────┘
//! ```
//!
//! `policy` runs only with `[authz]`: it comes after `guard_input` because the decision
//! depends on what the request carries (the guard's finding kinds become data classes),
//! and it narrows the model's deployments to those the policies allow.
//!
//! [`handle`] runs them in this order for every surface; each phase is a function below
//! that reads and fills the [`RequestCtx`]. A phase refuses by returning an [`ApiError`],
//! which `respond` renders in the surface's shape; `audit` runs for every request, refused
//! or not, when it is over (for a stream, when the stream ends or the client leaves).

use crate::audit::AuditRecord;
use crate::auth::{self, Principal};
use crate::authz::{AuthzAction, AuthzQuery, AuthzResource};
use crate::canonical;
use crate::error::{ApiError, Refusal};
use crate::guard::{Flow, InputGuard, StreamGuard, Tally};
use crate::limit::{LimitRefusal, LimitStatus};
use crate::providers::{ChatCall, ChatReply};
use crate::routing::{self, ModelRoute};
use crate::runtime::Runtime;
use crate::surfaces::{self, ChatIngress, Surface};
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderValue, StatusCode};
use rampart_guard::Session;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Everything one request carries from phase to phase.
#[derive(Debug)]
pub struct RequestCtx {
    pub request_id: String,
    pub surface: Surface,
    pub started: Instant,
    /// When the request arrived, milliseconds since the epoch.
    pub time_ms: i64,
    pub principal: Option<Principal>,
    /// Client-facing model name.
    pub model: Option<String>,
    pub provider: Option<String>,
    pub deployment: Option<String>,
    pub tally: Tally,
    pub session: Session,
    pub limits: Vec<LimitStatus>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// `tokens_out` is an estimate from the streamed text, not the provider's count.
    pub tokens_out_estimated: bool,
    pub upstream: Option<Duration>,
    pub status: u16,
    /// Why the request was refused or ended early; the first reason set wins.
    pub error: Option<Refusal>,
    /// A client's own provider key (`x-upstream-api-key`), used only where allowed.
    pub client_key: Option<String>,
    /// The spans of this request, when OTLP traces are on.
    pub trace: Option<crate::otlp::RequestTrace>,
    /// The client's address, when the listener knows it (`[authz]` policies read it).
    pub client_ip: Option<std::net::IpAddr>,
    /// The names of the client's certificate, on a listener that verified one.
    pub client_cert: Option<Arc<crate::client_cert::ClientCertificate>>,
    /// What the `[authz]` policies decided, for the audit record.
    pub authz: Option<rampart_core::audit::AuthzSummary>,
}

impl RequestCtx {
    pub fn new(surface: Surface, headers: &HeaderMap) -> Self {
        let request_id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
            .map_or_else(|| canonical::new_id("req_"), str::to_owned);
        RequestCtx {
            request_id,
            surface,
            started: Instant::now(),
            time_ms: crate::audit::now_ms(),
            principal: None,
            model: None,
            provider: None,
            deployment: None,
            tally: Tally::default(),
            session: Session::new(),
            limits: Vec::new(),
            tokens_in: 0,
            tokens_out: 0,
            tokens_out_estimated: false,
            upstream: None,
            status: 200,
            error: None,
            client_key: None,
            trace: None,
            client_ip: None,
            client_cert: None,
            authz: None,
        }
    }

    /// Records the phase `name`, begun at `start`, as a span (when traces are on).
    fn phase(&mut self, name: &'static str, start: Instant) {
        if let Some(trace) = &mut self.trace {
            trace.phase(name, start);
        }
    }

    fn record(&self, unrecorded_before: u64) -> AuditRecord {
        let total = self.started.elapsed();
        let overhead = total.saturating_sub(self.upstream.unwrap_or_default());
        let mut r = AuditRecord::new(self.time_ms, self.request_id.clone(), self.surface.name());
        r.tenant = self.principal.as_ref().map(|p| p.tenant.clone());
        r.key_id = self.principal.as_ref().map(|p| p.key_id.clone());
        // The client chose it, however long: bounded, with the length cut.
        r.model = self.model.as_deref().map(crate::audit::bounded_text);
        r.provider = self.provider.clone();
        r.deployment = self.deployment.clone();
        r.decision = self.tally.decision;
        r.reason = self.error.as_ref().map(|e| e.audit_reason().to_owned());
        r.findings = self.tally.findings.clone();
        r.status = self.status;
        r.tokens_in = Some(self.tokens_in);
        r.tokens_out = Some(self.tokens_out);
        r.upstream_latency_ms = self.upstream.map(millis_rounded);
        r.gateway_overhead_us = Some(u64::try_from(overhead.as_micros()).unwrap_or(u64::MAX));
        r.tokens_out_estimated = self.tokens_out_estimated;
        r.unrecorded_before = unrecorded_before;
        r.authz = self.authz.clone();
        r
    }
}

/// Whole milliseconds, rounded to the nearest, as the audit store has always kept them.
fn millis_rounded(d: Duration) -> u64 {
    u64::try_from((d.as_micros() + 500) / 1000).unwrap_or(u64::MAX)
}

/// Audits the request when dropped, so a client that leaves mid-request is still recorded.
struct AuditOnDrop {
    rt: Arc<Runtime>,
    ctx: Option<RequestCtx>,
}

impl Drop for AuditOnDrop {
    fn drop(&mut self) {
        if let Some(mut ctx) = self.ctx.take() {
            ctx.status = 499;
            ctx.error.get_or_insert(Refusal::ClientClosed);
            audit(&self.rt, ctx);
        }
    }
}

/// Runs a phase expression and records its span (`traced!(ctx, "name", expr)`).
macro_rules! traced {
    ($ctx:expr, $name:literal, $phase:expr) => {{
        let start = Instant::now();
        let result = $phase;
        $ctx.phase($name, start);
        result
    }};
}

/// The `audit` phase: metrics, one log line, one record to the sink. Requests that never
/// authenticated are counted, and only a sample of them logged and recorded (see
/// [`crate::audit::UnauthenticatedSampler`]): without a key nobody can fill the audit
/// buffer, spool or store.
fn audit(rt: &Arc<Runtime>, mut ctx: RequestCtx) {
    let audit_started = Instant::now();
    let label = crate::metrics::ModelLabel::of(ctx.model.as_deref(), &rt.models);
    crate::metrics::request(ctx.surface.name(), label, ctx.status);
    let unrecorded_before = if ctx.principal.is_none() {
        crate::metrics::unauthenticated(ctx.error.as_ref().map_or("none", Refusal::audit_reason));
        match rt.unauthenticated.admit() {
            Some(n) => n,
            None => return,
        }
    } else {
        0
    };
    let record = ctx.record(unrecorded_before);
    if ctx.tokens_in + ctx.tokens_out > 0 {
        crate::metrics::tokens(label, ctx.tokens_in, ctx.tokens_out);
    }
    let model = record.model.as_deref().unwrap_or("");
    crate::metrics::overhead(Duration::from_micros(
        record.gateway_overhead_us.unwrap_or(0),
    ));
    tracing::info!(
        request_id = %ctx.request_id, surface = ctx.surface.name(), model,
        status = ctx.status, decision = %ctx.tally.decision,
        error = ctx.error.as_ref().map(Refusal::audit_reason),
        source = ctx.error.as_ref().map(|r| r.source().name()),
        findings = ctx.tally.findings.len(), tokens_in = ctx.tokens_in, tokens_out = ctx.tokens_out,
        tokens_out_estimated = ctx.tokens_out_estimated, unrecorded_before,
        upstream_ms = record.upstream_latency_ms, overhead_us = record.gateway_overhead_us,
        "request"
    );
    if let (Some(p), Some(policy), Some(Refusal::Blocked | Refusal::OutputBlocked)) =
        (&ctx.principal, rt.suspension, &ctx.error)
        && rt.limiter.abuse().is_some()
    {
        // `[auth.suspend]`: a key the guard keeps blocking is suspended.
        let rt2 = rt.clone();
        let p = p.clone();
        let (request_id, surface) = (ctx.request_id.clone(), ctx.surface);
        run_or_spawn(async move {
            let Some(tracker) = rt2.limiter.abuse() else {
                return;
            };
            if tracker.guard_blocked(&p, &policy).await {
                crate::metrics::key_suspension();
                let mut event_ctx = RequestCtx::new(surface, &HeaderMap::new());
                event_ctx.request_id = request_id;
                event_ctx.principal = Some(p.clone());
                let event = rampart_core::audit::AbuseEvent {
                    kind: "key_suspension".to_owned(),
                    subject_kind: "key".to_owned(),
                    subject: p.key_id.clone(),
                    block_secs: None,
                    strike: None,
                };
                abuse_event(&rt2, &event_ctx, event, 403);
            }
        });
    }
    if let (Some(p), true) = (&ctx.principal, ctx.tokens_in + ctx.tokens_out > 0) {
        let limiter = rt.limiter.clone();
        let p = p.clone();
        let tokens = ctx.tokens_in + ctx.tokens_out;
        let model = ctx.model.clone().unwrap_or_default();
        run_or_spawn(async move { limiter.record(&p, &model, tokens).await });
    }
    let sink = rt.audit.clone();
    run_or_spawn(async move {
        if let Err(e) = sink.record(record).await {
            crate::metrics::audit_failure();
            tracing::error!(error = %e, "audit record lost");
        }
    });
    if let (Some(tracer), Some(mut trace)) = (&rt.tracer, ctx.trace.take()) {
        trace.phase("audit", audit_started);
        crate::otlp::finish_request(tracer, trace, &ctx);
    }
}

/// Polls `fut` once and spawns it only if it is not done: the built-in limiter and the
/// audit writer finish at once (a map update, a channel send), and a task per request for
/// them cost a wake-up and a scheduling round each. A future that must wait (Redis, a
/// custom sink) goes on as a task, registering its waker again when polled there.
fn run_or_spawn(fut: impl std::future::Future<Output = ()> + Send + 'static) {
    use futures_util::FutureExt;
    let mut fut = Box::pin(fut);
    if (&mut fut).now_or_never().is_none() {
        tokio::spawn(fut);
    }
}

/// Run the pipeline for one request.
pub async fn handle(
    rt: Arc<Runtime>,
    surface: Surface,
    client: Option<ClientAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle_with(rt, surface, None, client, headers, body).await
}

/// The client's connection: its address and, on a listener that asks for client
/// certificates, the names of the verified one. Put in each request's extensions by the
/// listener (`server.rs`); a router served by something else has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr {
    pub ip: std::net::IpAddr,
    pub certificate: Option<Arc<crate::client_cert::ClientCertificate>>,
}

/// [`handle`] with the model named by the path (`/v1/models/{id}`).
pub async fn handle_with(
    rt: Arc<Runtime>,
    surface: Surface,
    path_model: Option<String>,
    client: Option<ClientAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut ctx = RequestCtx::new(surface, &headers);
    ctx.model = path_model;
    if let Some(client) = client {
        ctx.client_ip = Some(client.ip);
        ctx.client_cert = client.certificate;
    }
    ctx.trace = rt.tracer.as_ref().map(|t| t.start(&headers));
    let request_id = ctx.request_id.clone();
    let mut holder = AuditOnDrop {
        rt: rt.clone(),
        ctx: Some(ctx),
    };
    let result = match holder.ctx.as_mut() {
        Some(ctx) => run(&rt, ctx, &headers, body).await,
        None => Err(ApiError::internal("request context lost")),
    };
    let mut response = match result {
        Ok(Outcome::Done(resp)) => resp,
        Ok(Outcome::Streaming(resp)) => {
            // The stream task owns the context now and audits it when the stream ends.
            holder.ctx = None;
            resp
        }
        Err(e) => {
            if let Some(ctx) = holder.ctx.as_mut() {
                ctx.status = e.status().as_u16();
                ctx.error.get_or_insert_with(|| e.refusal.clone());
            }
            e.render(surface.shape())
        }
    };
    if let Some(mut ctx) = holder.ctx.take() {
        ctx.status = response.status().as_u16();
        crate::limit::insert_headers(response.headers_mut(), &ctx.limits);
        mediation_headers(
            response.headers_mut(),
            &ctx.tally.dropped,
            ctx.tally.logprobs_removed,
        );
        audit(&rt, ctx);
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// The most field paths named in `x-rampart-dropped-fields`.
const MAX_DROPPED_NAMED: usize = 8;

/// Tell the client what complete mediation removed: fields no table classifies (named,
/// so a migrating user sees why a parameter had no effect) and `logprobs` that would have
/// spelled text the guard changed.
fn mediation_headers(h: &mut HeaderMap, dropped: &[String], logprobs_removed: bool) {
    if !dropped.is_empty() {
        let mut names: Vec<&str> = Vec::new();
        for d in dropped {
            if !names.contains(&d.as_str()) && names.len() < MAX_DROPPED_NAMED {
                names.push(d);
            }
        }
        let mut value = names.join(", ");
        if dropped.len() > names.len() {
            value.push_str(", …");
        }
        let value: String = value
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    '?'
                }
            })
            .take(512)
            .collect();
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert("x-rampart-dropped-fields", v);
        }
    }
    if logprobs_removed {
        h.insert("x-rampart-logprobs", HeaderValue::from_static("removed"));
    }
}

enum Outcome {
    Done(Response),
    Streaming(Response),
}

async fn run(
    rt: &Arc<Runtime>,
    ctx: &mut RequestCtx,
    headers: &HeaderMap,
    body: Body,
) -> Result<Outcome, ApiError> {
    if let Surface::Unknown(_) = ctx.surface {
        return Err(ApiError::new(
            Refusal::NotFound,
            "Unknown route: Rampart forwards only the APIs it inspects.",
        ));
    }
    traced!(ctx, "authenticate", authenticate(rt, ctx, headers).await)?;
    if ctx.surface == Surface::Models {
        return Ok(Outcome::Done(models(rt, ctx, headers)));
    }
    if ctx.surface == Surface::ModelInfo {
        return model_info(rt, ctx, headers).map(Outcome::Done);
    }
    let mut body = traced!(ctx, "ingress", ingress(rt, body).await)?;
    crate::surfaces::litellm::refuse_litellm_fields(&body)?;
    select_model(rt, ctx, &mut body);
    match ctx.surface {
        Surface::Embeddings => embeddings(rt, ctx, body).await.map(Outcome::Done),
        Surface::CountTokens => count_tokens(rt, ctx, &body).map(Outcome::Done),
        surface => {
            let mut req = surfaces::parse_chat(surface, body)?;
            ctx.model = Some(req.model.clone());
            let route = traced!(ctx, "authorize", authorize(rt, ctx, &req.model, headers))?;
            let estimate =
                canonical::estimate_tokens(canonical::request_text_bytes(&req.canonical));
            traced!(ctx, "limit", limit(rt, ctx, estimate).await)?;
            traced!(
                ctx,
                "guard_input",
                guard_input(rt, ctx, |g| g.chat(&mut req.canonical))
            )
            .map_err(|e| req.paths.rewrite(e))?;
            ctx.tokens_in =
                canonical::estimate_tokens(canonical::request_text_bytes(&req.canonical));
            let tokens = ctx.tokens_in;
            // A span only where the phase runs: without `[authz]` it does nothing.
            let route = if rt.authorizer.is_some() {
                traced!(
                    ctx,
                    "policy",
                    policy(rt, ctx, route, AuthzAction::InvokeModel, tokens)
                )?
            } else {
                std::borrow::Cow::Borrowed(route)
            };
            let (reply, started) = upstream(rt, ctx, &route, &req).await?;
            match reply {
                ChatReply::Complete(resp) => traced!(
                    ctx,
                    "guard_output",
                    respond(rt, ctx, surface, &req, resp, started)
                )
                .map(Outcome::Done),
                ChatReply::Stream(stream) => Ok(Outcome::Streaming(respond_stream(
                    rt, ctx, surface, req, stream, started,
                ))),
            }
        }
    }
}

/// The model a request names, as the client-facing model name: an Azure deployment in the
/// path (`/openai/deployments/{name}/…`, carried in `ctx.model`) wins over the body, and
/// an alias (`[[models]] aliases`) becomes its model. A body that is not an object is left
/// for its surface to refuse.
fn select_model(rt: &Runtime, ctx: &RequestCtx, body: &mut Value) {
    let Some(obj) = body.as_object_mut() else {
        return;
    };
    if let Some(deployment) = &ctx.model {
        obj.insert("model".into(), Value::String(deployment.clone()));
    }
    if let Some(name) = obj
        .get("model")
        .and_then(Value::as_str)
        .and_then(|m| rt.aliases.get(m))
    {
        obj.insert("model".into(), Value::String(name.clone()));
    }
}

/// Phase `authenticate`: the presented key → a principal, or 401.
async fn authenticate(
    rt: &Runtime,
    ctx: &mut RequestCtx,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let key = auth::presented_key(headers)
        .map_err(|m| ApiError::unauthenticated(Refusal::MalformedKey, m))?;
    // `[auth.mtls]`: no credential in the request, so the verified client certificate
    // speaks for the client (a credential, when sent, always decides instead).
    if key.is_none()
        && let Some(mtls) = &rt.config.auth.mtls
        && let Some(cert) = &ctx.client_cert
    {
        let principal = crate::client_cert::principal(mtls.get_ref(), cert).map_err(|e| {
            tracing::info!(refusal = %e, "client certificate refused");
            ApiError::unauthenticated(
                Refusal::Unauthenticated,
                format!("This client certificate is not accepted: {e}."),
            )
        })?;
        ctx.principal = Some(principal);
        ctx.client_key = client_key(headers);
        return Ok(());
    }
    let Some(key) = key else {
        return Err(ApiError::unauthenticated(
            Refusal::Unauthenticated,
            "Missing API key: send `Authorization: Bearer KEY` or `x-api-key: KEY` with a Rampart key.",
        ));
    };
    // `[auth.brute_force]`: a blocked address or key prefix is refused before its
    // credential is even looked at, so a valid key does not lift the block.
    let brute_force = rt.brute_force.as_ref().zip(rt.limiter.abuse());
    if let Some((_, tracker)) = brute_force
        && let Some(wait) = tracker.blocked(ctx.client_ip, key).await
    {
        return Err(ApiError::auth_blocked(wait));
    }
    let authenticated = rt.authenticator.authenticate(key).await;
    if let Some((policy, tracker)) = brute_force
        && matches!(
            authenticated,
            Ok(None) | Err(auth::AuthError::Refused { .. })
        )
    {
        for block in tracker.failed(ctx.client_ip, key, policy).await {
            abuse_event(rt, ctx, auth_block_event(&block), 429);
            crate::metrics::auth_block(block.reason.name());
        }
    }
    let principal = authenticated
        .map_err(|e| match e {
            auth::AuthError::Suspended => ApiError::new(
                Refusal::KeySuspended,
                "This key is suspended after unusual activity; an administrator can lift it with `rampart keys unsuspend`.",
            ),
            auth::AuthError::Refused { credential, reason } => ApiError::unauthenticated(
                Refusal::TokenRefused(reason),
                match credential {
                    auth::Credential::BearerToken => "Invalid bearer token.",
                    auth::Credential::Password => "Invalid user name or password.",
                },
            ),
            e => {
                tracing::error!(error = %e, "authentication unavailable");
                ApiError::new(
                    Refusal::AuthUnavailable,
                    "Authentication is unavailable; try again shortly.",
                )
            }
        })?;
    match principal {
        Some(p) => {
            ctx.principal = Some(p);
            ctx.client_key = client_key(headers);
            Ok(())
        }
        None if auth::looks_like_provider_key(key) => Err(ApiError::unauthenticated(
            Refusal::ProviderKeyRefused,
            "This looks like a provider's API key. Rampart does not accept provider keys from clients; use a Rampart key.",
        )),
        None => Err(ApiError::unauthenticated(
            Refusal::Unauthenticated,
            "Invalid API key.",
        )),
    }
}

/// A client's own provider key (`x-upstream-api-key`), used only where allowed.
fn client_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-upstream-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn auth_block_event(block: &crate::abuse::AuthBlock) -> rampart_core::audit::AbuseEvent {
    rampart_core::audit::AbuseEvent {
        kind: "auth_block".to_owned(),
        subject_kind: block.reason.name().to_owned(),
        subject: block.subject.clone(),
        block_secs: Some(block.retry_after.as_secs().max(1)),
        strike: Some(block.strike),
    }
}

/// Records an abuse event (a block or a suspension that this request started) as an
/// audit record of its own, beside the request's, and logs it.
fn abuse_event(
    rt: &Runtime,
    ctx: &RequestCtx,
    event: rampart_core::audit::AbuseEvent,
    status: u16,
) {
    tracing::warn!(
        request_id = %ctx.request_id, kind = %event.kind, subject_kind = %event.subject_kind,
        subject = %event.subject, block_secs = event.block_secs, strike = event.strike,
        "abuse protection"
    );
    let mut r = AuditRecord::new(
        crate::audit::now_ms(),
        format!("{}.{}", ctx.request_id, event.kind),
        ctx.surface.name(),
    );
    r.status = status;
    r.reason = Some(event.kind.clone());
    if let Some(p) = &ctx.principal {
        r.tenant = Some(p.tenant.clone());
        r.key_id = Some(p.key_id.clone());
    }
    r.abuse = Some(event);
    let sink = rt.audit.clone();
    run_or_spawn(async move {
        if let Err(e) = sink.record(r).await {
            crate::metrics::audit_failure();
            tracing::error!(error = %e, "audit record of an abuse event lost");
        }
    });
}

/// Read the body within the size limit and the body timeout, and parse it as JSON
/// (serde_json bounds nesting at 128 levels).
async fn ingress(rt: &Runtime, body: Body) -> Result<Value, ApiError> {
    let limit = rt.config.server.body_limit;
    let limited = http_body_util::Limited::new(body, limit);
    let collected =
        tokio::time::timeout(rt.body_timeout(), http_body_util::BodyExt::collect(limited))
            .await
            .map_err(|_| {
                ApiError::new(
                    Refusal::RequestTimeout,
                    "The request body was not received in time.",
                )
            })?;
    let bytes = match collected {
        Ok(c) => c.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return Err(ApiError::new(
                Refusal::RequestTooLarge,
                format!("The request body exceeds the limit of {limit} bytes."),
            ));
        }
        Err(_) => return Err(ApiError::invalid("body", "could not read the request body")),
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        let what = if e.to_string().contains("recursion limit") {
            "nested too deeply".to_owned()
        } else {
            format!("not valid JSON ({e})")
        };
        ApiError::invalid("body", what)
    })
}

/// Phase `authorize`: the model exists and this key may use it.
fn authorize<'r>(
    rt: &'r Runtime,
    ctx: &mut RequestCtx,
    model: &str,
    headers: &HeaderMap,
) -> Result<&'r ModelRoute, ApiError> {
    let Some(route) = rt.models.get(model) else {
        return Err(ApiError::model_not_found(model));
    };
    // With `[authz]`, the policies decide for bearer tokens (their issuer's interim model
    // lists do not apply); a key's own model list still does.
    let decided_by_policy =
        rt.authorizer.is_some() && ctx.principal.as_ref().is_some_and(|p| p.token.is_some());
    if !decided_by_policy && !ctx.principal.as_ref().is_some_and(|p| p.may_use(model)) {
        return Err(ApiError::new(
            Refusal::ModelNotAllowed,
            format!("This key may not use the model `{model}`."),
        )
        .with_param("model"));
    }
    if ctx.client_key.is_some()
        && !route
            .deployments
            .iter()
            .all(|d| rt.client_key_providers.contains(&d.provider_name))
    {
        return Err(ApiError::new(
            Refusal::ClientKeyRefused,
            "Client-supplied provider keys are not accepted for this model.",
        ));
    }
    let _ = headers;
    Ok(route)
}

/// Phase `policy` (only with `[authz]`): the policies decide each deployment of `route`
/// for this principal, action and request; the deployments they refuse are skipped, and
/// when none remains the request is refused (403 `policy_denied`) naming the determining
/// policy. Every decision is counted, and the request's decisions go to its audit record.
fn policy<'r>(
    rt: &Runtime,
    ctx: &mut RequestCtx,
    route: &'r ModelRoute,
    action: AuthzAction,
    tokens: u64,
) -> Result<std::borrow::Cow<'r, ModelRoute>, ApiError> {
    let Some(authorizer) = &rt.authorizer else {
        return Ok(std::borrow::Cow::Borrowed(route));
    };
    let Some(principal) = &ctx.principal else {
        return Err(ApiError::internal("no principal to authorise"));
    };
    let mut findings: Vec<rampart_core::FindingKind> = ctx
        .tally
        .findings
        .iter()
        .filter(|f| f.direction != Some(rampart_core::Direction::Output))
        .map(|f| f.kind)
        .collect();
    findings.sort_unstable();
    findings.dedup();
    let mut summary = rampart_core::audit::AuthzSummary {
        decision: "deny".into(),
        principal: String::new(),
        policies: Vec::new(),
        data_classes: Vec::new(),
        denied_providers: Vec::new(),
    };
    let mut allowed = Vec::with_capacity(route.deployments.len());
    let mut refused_by: Option<String> = None;
    for dep in &route.deployments {
        let decision = authorizer.decide(&AuthzQuery {
            principal,
            action,
            resource: AuthzResource::Model {
                model: &route.name,
                provider: &dep.provider_name,
                provider_kind: rt
                    .provider_kinds
                    .get(&dep.provider_name)
                    .map_or("", String::as_str),
            },
            findings: &findings,
            source_ip: ctx.client_ip,
            time_ms: ctx.time_ms,
            tokens,
        });
        crate::metrics::authz_decision(decision.allowed);
        for p in &decision.policies {
            if !summary.policies.contains(p) {
                summary.policies.push(p.clone());
            }
        }
        if decision.allowed {
            allowed.push(dep.clone());
        } else {
            refused_by.get_or_insert_with(|| decision.determining().to_owned());
            if !summary.denied_providers.contains(&dep.provider_name) {
                summary.denied_providers.push(dep.provider_name.clone());
            }
        }
        summary.principal = decision.principal;
        summary.data_classes = decision.data_classes;
    }
    if !allowed.is_empty() {
        summary.decision = "allow".into();
    }
    ctx.authz = Some(summary);
    match refused_by {
        None => Ok(std::borrow::Cow::Borrowed(route)),
        Some(_) if !allowed.is_empty() => Ok(std::borrow::Cow::Owned(ModelRoute {
            name: route.name.clone(),
            deployments: allowed,
        })),
        Some(policy) if policy == "default_deny" => Err(ApiError::new(
            Refusal::PolicyDenied,
            format!(
                "No authorisation policy allows this request to the model `{}` (default deny).",
                route.name
            ),
        )),
        Some(policy) => Err(ApiError::new(
            Refusal::PolicyDenied,
            format!(
                "The authorisation policy `{policy}` does not allow this request to the model `{}`.",
                route.name
            ),
        )),
    }
}

/// Phase `limit`: requests and tokens per minute.
async fn limit(rt: &Runtime, ctx: &mut RequestCtx, estimated_tokens: u64) -> Result<(), ApiError> {
    let (Some(p), Some(model)) = (&ctx.principal, &ctx.model) else {
        return Ok(());
    };
    match rt.limiter.check(p, model, estimated_tokens).await {
        Ok(statuses) => {
            ctx.limits = statuses;
            Ok(())
        }
        Err(LimitRefusal::Limited(denial)) => Err(ApiError::rate_limited(denial)),
        Err(LimitRefusal::Unavailable(why)) => {
            tracing::error!(error = %why, "limiter unavailable; refusing request");
            Err(ApiError::new(
                Refusal::LimiterUnavailable,
                "The rate limiter is unavailable; the request was not sent. Retry later.",
            ))
        }
    }
}

/// Phase `guard_input`.
fn guard_input(
    rt: &Runtime,
    ctx: &mut RequestCtx,
    f: impl FnOnce(&mut InputGuard<'_>) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let tenant = ctx.principal.as_ref().map(|p| p.tenant.clone());
    let mut g = InputGuard {
        guard: &rt.guard,
        session: &mut ctx.session,
        tally: &mut ctx.tally,
    };
    // The LLM judge (`[guard.llm_judge]`) charges its questions to this tenant.
    crate::llm_judge::with_tenant(tenant.as_deref(), || f(&mut g))
}

/// Phases `route` and `upstream`: pick deployments, call with retries and fallback.
async fn upstream(
    rt: &Runtime,
    ctx: &mut RequestCtx,
    route: &ModelRoute,
    req: &ChatIngress,
) -> Result<(ChatReply, Instant), ApiError> {
    let deadline = Instant::now() + rt.request_timeout();
    let started = Instant::now();
    let client_key = ctx.client_key.clone();
    let call = routing::call_with_fallback(route, deadline, |dep| {
        let mut body = req.canonical.clone();
        canonical::set_field(
            &mut body,
            "model",
            Value::String(dep.upstream_model.clone()),
        );
        Some(ChatCall {
            body,
            stream: req.stream,
            client_key: client_key.clone(),
        })
    });
    let span_id = crate::otlp::RequestTrace::new_span_id();
    let result = match &ctx.trace {
        Some(trace) => {
            crate::otlp::UPSTREAM_TRACEPARENT
                .scope(trace.traceparent(span_id), call)
                .await
        }
        None => call.await,
    };
    ctx.upstream = Some(started.elapsed());
    if let Some(trace) = &mut ctx.trace {
        trace.phase_with_id("upstream", span_id, started);
    }
    match result {
        Ok((dep, reply, _attempts)) => {
            ctx.provider = Some(dep.provider_name.clone());
            ctx.deployment = Some(dep.upstream_model.clone());
            Ok((reply, started))
        }
        Err(e) => Err(upstream_error(e)),
    }
}

/// An upstream failure as the client sees it: the provider's status mapped to ours and a
/// fixed message of ours with the provider's request id. The provider's own error text is
/// never relayed: it can carry the prompt, internal hostnames, or text an attacker made
/// the provider echo (it is logged truncated at debug level where it was read).
fn upstream_error(e: crate::providers::UpstreamError) -> ApiError {
    tracing::debug!(status = ?e.status, error = %e.message, upstream_request_id = ?e.request_id,
        "upstream call failed");
    let retry_after = upstream_retry_after_secs(&e);
    let (refusal, message) = match e.status {
        // The gateway refused locally with a message of its own.
        Some(s) if e.client_message.is_some() => (
            Refusal::UpstreamRejected(StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_GATEWAY)),
            e.client_message.unwrap_or_default(),
        ),
        // The provider refused the request itself: the client can fix it.
        Some(s @ (400 | 404 | 413 | 422)) => (
            Refusal::UpstreamRejected(StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_REQUEST)),
            format!("The provider refused the request (HTTP {s})."),
        ),
        Some(408 | 504) => (
            Refusal::UpstreamTimeout,
            "The provider did not answer in time.".to_owned(),
        ),
        // Rate limited by the provider after every retry and fallback: a 429 with the
        // provider's Retry-After, so that SDKs raise their rate-limit error and back off.
        Some(429) => (
            Refusal::UpstreamRateLimited {
                retry_after_secs: retry_after,
            },
            format!(
                "The provider is rate limiting this model (HTTP 429); retry after {retry_after} s."
            ),
        ),
        Some(s @ 503) => (
            Refusal::UpstreamUnavailable,
            format!("The provider is unavailable or over capacity (HTTP {s}); try again shortly."),
        ),
        Some(401 | 403) => (
            Refusal::UpstreamAuth,
            "The provider refused Rampart's credentials; check the provider key in the config."
                .to_owned(),
        ),
        Some(s) => (
            Refusal::UpstreamError,
            format!("The provider failed (HTTP {s})."),
        ),
        None if e.retryable => (
            Refusal::UpstreamError,
            "The provider could not be reached.".to_owned(),
        ),
        None => (
            Refusal::UpstreamError,
            "The provider's answer could not be used.".to_owned(),
        ),
    };
    let message = match &e.request_id {
        Some(id) => format!("{message} Upstream request id: {id}."),
        None => message,
    };
    ApiError::new(refusal, message)
}

/// The provider's `Retry-After` in whole seconds (rounded up, at least 1, at most an hour).
fn upstream_retry_after_secs(e: &crate::providers::UpstreamError) -> u64 {
    e.retry_after
        .map_or(1, |d| d.as_secs() + u64::from(d.subsec_nanos() > 0))
        .clamp(1, 3600)
}

/// Phases `guard_output` and `respond` for a complete answer.
fn respond(
    rt: &Runtime,
    ctx: &mut RequestCtx,
    surface: Surface,
    req: &ChatIngress,
    mut resp: Value,
    _started: Instant,
) -> Result<Response, ApiError> {
    let mut reported = None;
    if let Some((p, c)) = canonical::usage_of(&resp) {
        if p > 0 {
            ctx.tokens_in = p;
        }
        reported = Some(c);
    }
    (ctx.tokens_out, ctx.tokens_out_estimated) =
        canonical::output_tokens(reported, canonical::answer_text_bytes(&resp));
    crate::guard::output_complete(&rt.guard, &mut resp, &mut ctx.session, &mut ctx.tally)?;
    let body = surfaces::render_chat(surface, &resp, req);
    Ok(json_response(StatusCode::OK, &body))
}

/// Phases `guard_output` and `respond` for a stream: a task reads the provider's chunks,
/// inspects and renders them, and sends them to the client as they come. When the client
/// leaves, the channel closes, the task stops and drops the upstream request.
fn respond_stream(
    rt: &Arc<Runtime>,
    ctx: &mut RequestCtx,
    surface: Surface,
    req: ChatIngress,
    mut upstream: crate::providers::ChunkStream,
    started: Instant,
) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(32);
    let placeholder = RequestCtx::new(ctx.surface, &HeaderMap::new());
    let mut ctx = std::mem::replace(ctx, placeholder);
    let limits = ctx.limits.clone();
    // What input mediation removed is known now; what the answer loses is not.
    let dropped = ctx.tally.dropped.clone();
    let rt = rt.clone();
    tokio::spawn(async move {
        let stream_started = Instant::now();
        let guard = rt.guard.clone();
        let mut sg = StreamGuard::new(&guard);
        let mut renderer = surfaces::renderer(surface, &req, ctx.tokens_in);
        let mut client_gone = false;
        let mut failed = false;
        let mut guard_time = Duration::ZERO;
        // Output tokens: the provider's count when it sends one, else an estimate from
        // the text it streamed (counted before the guard: what the provider produced).
        let mut reported_out = None;
        let mut streamed_bytes = 0usize;
        // A pause of the provider releases what it decides (`[guard] stream_release_ms`):
        // armed by each chunk while the guard holds text, fired once per pause.
        let release_after = rt.config.guard.stream_release();
        let mut armed = false;
        'outer: loop {
            let pause = async {
                match release_after {
                    Some(d) if armed => tokio::time::sleep(d).await,
                    _ => std::future::pending().await,
                }
            };
            let next = tokio::select! {
                _ = tx.closed() => { client_gone = true; break }
                n = upstream.next() => Some(n),
                () = pause => None,
            };
            let mut out = Vec::new();
            let Some(next) = next else {
                armed = false;
                let t = Instant::now();
                let released = sg.release(&mut ctx.session, &mut ctx.tally);
                guard_time += t.elapsed();
                match released {
                    Ok((chunk, flow)) => {
                        if let Some(chunk) = chunk {
                            out.extend(renderer.chunk(&chunk));
                        }
                        if flow == Flow::Blocked {
                            ctx.error = Some(Refusal::OutputBlocked);
                            out.extend(renderer.finish());
                        }
                    }
                    Err(e) => {
                        ctx.error = Some(Refusal::GuardError);
                        out.extend(renderer.error(&e));
                        failed = true;
                    }
                }
                for b in out {
                    if tx.send(b).await.is_err() {
                        client_gone = true;
                        break 'outer;
                    }
                }
                if failed || ctx.error == Some(Refusal::OutputBlocked) {
                    break;
                }
                continue;
            };
            match next {
                None => break,
                Some(Err(e)) => {
                    let e = upstream_error(e);
                    out.extend(renderer.error(&e));
                    ctx.error = Some(e.refusal);
                    failed = true;
                }
                Some(Ok(mut chunk)) => {
                    if let Some((p, c)) = canonical::usage_of(&chunk) {
                        if p > 0 {
                            ctx.tokens_in = p;
                        }
                        reported_out = Some(c);
                    }
                    streamed_bytes =
                        streamed_bytes.saturating_add(canonical::answer_text_bytes(&chunk));
                    let t = Instant::now();
                    let flow = sg.chunk(&mut chunk, &mut ctx.session, &mut ctx.tally);
                    guard_time += t.elapsed();
                    armed = sg.holds();
                    match flow {
                        Ok(Flow::Continue) => out.extend(renderer.chunk(&chunk)),
                        Ok(Flow::Blocked) => {
                            ctx.error = Some(Refusal::OutputBlocked);
                            out.extend(renderer.chunk(&chunk));
                            out.extend(renderer.finish());
                            for b in out {
                                if tx.send(b).await.is_err() {
                                    client_gone = true;
                                    break;
                                }
                            }
                            break 'outer;
                        }
                        Err(e) => {
                            // Whatever the guard's failure, the audit reason of a
                            // stream that it ended is `guard_error`.
                            ctx.error = Some(Refusal::GuardError);
                            out.extend(renderer.error(&e));
                            failed = true;
                        }
                    }
                }
            }
            for b in out {
                if tx.send(b).await.is_err() {
                    client_gone = true;
                    break 'outer;
                }
            }
            if failed {
                break;
            }
        }
        if !client_gone && !failed && ctx.error != Some(Refusal::OutputBlocked) {
            let mut out = Vec::new();
            match sg.finish(&mut ctx.session, &mut ctx.tally) {
                Ok(Some(tail)) => out.extend(renderer.chunk(&tail)),
                Ok(None) => {}
                Err(e) => out.extend(renderer.error(&e)),
            }
            out.extend(renderer.finish());
            for b in out {
                if tx.send(b).await.is_err() {
                    client_gone = true;
                    break;
                }
            }
        }
        drop(upstream);
        // Charged in `audit` whether the stream ended or the client left.
        (ctx.tokens_out, ctx.tokens_out_estimated) =
            canonical::output_tokens(reported_out, streamed_bytes);
        // Upstream time for a stream: from the call until its end, less the guard's work.
        ctx.upstream = Some(started.elapsed().saturating_sub(guard_time));
        if client_gone {
            ctx.status = 499;
            ctx.error.get_or_insert(Refusal::ClientClosed);
        }
        ctx.phase("guard_output", stream_started);
        audit(&rt, ctx);
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
    }));
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    );
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    crate::limit::insert_headers(h, &limits);
    mediation_headers(h, &dropped, false);
    resp
}

/// `/v1/embeddings`.
async fn embeddings(rt: &Runtime, ctx: &mut RequestCtx, body: Value) -> Result<Response, ApiError> {
    let (model, mut req) = surfaces::openai::parse_embeddings(&body)?;
    ctx.model = Some(model.clone());
    let route = authorize(rt, ctx, &model, &HeaderMap::new())?;
    let token_inputs = crate::tokens::TokenInputs::take(&mut req, route)?;
    let estimate = match (&token_inputs, req.get("input")) {
        (Some(t), _) => t.count() as u64,
        (None, Some(Value::String(s))) => canonical::estimate_tokens(s.len()),
        (None, Some(Value::Array(a))) => {
            canonical::estimate_tokens(a.iter().filter_map(Value::as_str).map(str::len).sum())
        }
        _ => 0,
    };
    limit(rt, ctx, estimate).await?;
    guard_input(rt, ctx, |g| g.embeddings(&mut req))?;
    let route = policy(rt, ctx, route, AuthzAction::Embed, estimate)?;
    if let Some(t) = token_inputs {
        t.restore(&mut req);
    }
    let base64 = req.get("encoding_format").and_then(Value::as_str) == Some("base64");
    canonical::set_field(&mut req, "encoding_format", json!("float"));
    let started = Instant::now();
    let result =
        routing::embeddings_with_fallback(&route, Instant::now() + rt.request_timeout(), &req)
            .await;
    ctx.upstream = Some(started.elapsed());
    let (dep, resp) = result.map_err(upstream_error)?;
    ctx.provider = Some(dep.provider_name.clone());
    ctx.deployment = Some(dep.upstream_model.clone());
    let mut resp = resp;
    let walk = crate::mediation::mediate(
        &mut resp,
        &crate::mediation::answer::EMBEDDINGS,
        crate::mediation::Way::Answer,
    )?;
    ctx.tally.dropped.extend(walk.dropped);
    ctx.tokens_in = resp
        .pointer("/usage/prompt_tokens")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    Ok(json_response(
        StatusCode::OK,
        &surfaces::openai::render_embeddings(resp, &model, base64),
    ))
}

/// `/v1/messages/count_tokens`: an estimate computed here; the text goes nowhere.
fn count_tokens(rt: &Runtime, ctx: &mut RequestCtx, body: &Value) -> Result<Response, ApiError> {
    if !body.is_object() {
        return Err(ApiError::invalid("body", "expected a JSON object"));
    }
    let mut probe = body.clone();
    if probe.get("max_tokens").is_none() {
        canonical::set_field(&mut probe, "max_tokens", json!(1));
    }
    let req = surfaces::anthropic::parse(&probe)?;
    ctx.model = Some(req.model.clone());
    authorize(rt, ctx, &req.model, &HeaderMap::new())?;
    let tokens = canonical::estimate_tokens(canonical::request_text_bytes(&req.canonical));
    Ok(json_response(
        StatusCode::OK,
        &json!({"input_tokens": tokens}),
    ))
}

/// `GET /v1/models`: the models this key may use, in OpenAI's shape (or Anthropic's when
/// the client sends `anthropic-version`).
/// `GET /v1/models/{id}`: one model, if this key may use it (404 otherwise, as for a model
/// that does not exist). The id travels in `RequestCtx::model`, set by the router.
fn model_info(
    rt: &Runtime,
    ctx: &mut RequestCtx,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let id = ctx.model.clone().unwrap_or_default();
    let known =
        rt.models.contains_key(&id) && ctx.principal.as_ref().is_some_and(|p| p.may_use(&id));
    if !known {
        return Err(ApiError::model_not_found(&id));
    }
    let body = if headers.contains_key("anthropic-version") {
        json!({"type": "model", "id": id, "display_name": id, "created_at": "1970-01-01T00:00:00Z"})
    } else {
        json!({"id": id, "object": "model", "created": 0, "owned_by": "rampart"})
    };
    Ok(json_response(StatusCode::OK, &body))
}

fn models(rt: &Runtime, ctx: &RequestCtx, headers: &HeaderMap) -> Response {
    let allowed: Vec<&String> = rt
        .model_names
        .iter()
        .filter(|m| ctx.principal.as_ref().is_some_and(|p| p.may_use(m)))
        .collect();
    let body = if headers.contains_key("anthropic-version") {
        let data: Vec<Value> = allowed
            .iter()
            .map(|m| json!({"type": "model", "id": m, "display_name": m, "created_at": "1970-01-01T00:00:00Z"}))
            .collect();
        json!({"data": data, "has_more": false,
            "first_id": allowed.first(), "last_id": allowed.last()})
    } else {
        let data: Vec<Value> = allowed
            .iter()
            .map(|m| json!({"id": m, "object": "model", "created": 0, "owned_by": "rampart"}))
            .collect();
        json!({"object": "list", "data": data})
    };
    json_response(StatusCode::OK, &body)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}
