//! Listeners, TLS, hot reload and graceful shutdown.
//!
//! [`Server::serve`] binds the main listener (plain HTTP or TLS, optionally requiring
//! client certificates) and, when configured, an admin listener for `/healthz`, `/readyz`,
//! `/metrics` and the routes of [`Seams::admin`] (the admin API of `rampart serve`). The compiled [`Runtime`] sits behind a lock: a reload (SIGHUP, or a
//! change of the config file seen by polling) builds a new one and swaps it in; requests
//! in flight finish on the runtime they started with. A config that fails to load or
//! validate is logged and refused, and the old one keeps serving. On shutdown, listeners
//! close, `/readyz` turns 503, and in-flight requests get `shutdown_grace_secs` to finish.

use crate::config::{Config, ConfigError};
use crate::error::{ApiError, Shape};
use crate::pipeline;
use crate::runtime::{Runtime, Seams};
use crate::surfaces::Surface;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http::{HeaderMap, Method, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;

/// The server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
}

/// State shared by every connection.
#[derive(Debug)]
pub struct Shared {
    runtime: RwLock<Arc<Runtime>>,
    ready: AtomicBool,
    seams: Seams,
    source: Option<PathBuf>,
    /// No limiter was supplied: a config that sets a limit is refused, at start and on
    /// reload, rather than served without it.
    unlimited: bool,
}

impl Shared {
    /// The runtime new requests use.
    pub fn current(&self) -> Arc<Runtime> {
        self.runtime
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reload the config file; on any error keep the old runtime, with nothing of the new
    /// config applied. Everything that can fail (parsing, validation, building the guard,
    /// providers and routes) happens first; then, under the runtime lock, the seams take
    /// the new settings (`[limits]`, `[[tenants]]`, `[[auth.keys]]`: none of which can
    /// fail) and the new runtime is swapped in, so a request sees either the old
    /// configuration or the new one.
    pub fn reload(&self) -> Result<(), ConfigError> {
        let Some(path) = &self.source else {
            return Ok(());
        };
        let config = Config::load(path)?;
        let old = self.current();
        if config.server.listen.get_ref() != old.config.server.listen.get_ref() {
            tracing::warn!("`server.listen` changed: the new address takes effect after a restart");
        }
        drop(old);
        if self.unlimited {
            refuse_unenforced_limits(&config)?;
        }
        let runtime = Runtime::build(config, &self.seams)?;
        let mut slot = self.runtime.write().unwrap_or_else(|p| p.into_inner());
        let config = &runtime.config;
        if let Some(l) = &self.seams.limiter {
            l.reconfigure(config);
        }
        if let Some(a) = &self.seams.authenticator {
            a.reconfigure(config);
        }
        *slot = Arc::new(runtime);
        Ok(())
    }
}

/// A config that sets a limit needs a limiter to enforce it (`rampart serve` supplies
/// `rampart-server`'s; an embedder passes one in [`Seams::limiter`]).
fn refuse_unenforced_limits(config: &Config) -> Result<(), ConfigError> {
    match crate::limit::configured_limit(config) {
        Some(location) => Err(ConfigError::Invalid {
            location,
            message: "sets a limit, but this server was built without a limiter to enforce it \
                      (`rampart serve` has one; an embedder passes `Seams::limiter`)"
                .to_owned(),
        }),
        None => Ok(()),
    }
}

/// A configured gateway, ready to serve.
#[derive(Debug)]
pub struct Server {
    shared: Arc<Shared>,
}

impl Server {
    /// Compile `config` (validated by [`Config::load`]) with the given seams.
    pub fn new(config: Config, mut seams: Seams) -> Result<Server, ServerError> {
        config.validate()?;
        let source = config.source.clone().filter(|p| p.exists());
        let unlimited = seams.limiter.is_none();
        if unlimited {
            refuse_unenforced_limits(&config)?;
            seams.limiter = Some(Arc::new(crate::limit::NoLimits));
        }
        let runtime = Runtime::build(config, &seams)?;
        crate::metrics::install();
        Ok(Server {
            shared: Arc::new(Shared {
                runtime: RwLock::new(Arc::new(runtime)),
                ready: AtomicBool::new(true),
                seams,
                source,
                unlimited,
            }),
        })
    }

    pub fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// The router of the main listener (with health and metrics unless an admin listener
    /// is configured).
    pub fn router(&self) -> Router {
        let admin_elsewhere = self.shared.current().config.server.admin.is_some();
        router(self.shared.clone(), !admin_elsewhere)
    }

    /// Bind the listeners and serve until `shutdown` completes.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let rt = self.shared.current();
        let addr = rt.config.listen_addr()?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        self.serve_on(listener, shutdown).await
    }

    /// Serve on an already bound listener (tests bind port 0); the admin listener, when
    /// configured, is bound here from `server.admin.listen`.
    pub async fn serve_on(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let admin = match &self.shared.current().config.server.admin {
            Some(admin) => {
                let addr: SocketAddr = admin.listen.get_ref().as_str().parse().map_err(|_| {
                    ServerError::Config(ConfigError::Invalid {
                        location: "server.admin.listen".into(),
                        message: "bad address".into(),
                    })
                })?;
                Some(
                    TcpListener::bind(addr)
                        .await
                        .map_err(|source| ServerError::Bind { addr, source })?,
                )
            }
            None => None,
        };
        self.serve_listeners(listener, admin, shutdown).await
    }

    /// Serve on already bound main and admin listeners (an embedding program, or a test,
    /// that binds port 0 for both). The admin listener is used only when `server.admin`
    /// is configured, so health and metrics are never served on both or on neither.
    pub async fn serve_on_with_admin(
        self,
        listener: TcpListener,
        admin: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        if self.shared.current().config.server.admin.is_none() {
            return Err(ServerError::Config(ConfigError::Invalid {
                location: "server.admin".into(),
                message: "an admin listener was given but `[server.admin]` is not configured"
                    .into(),
            }));
        }
        self.serve_listeners(listener, Some(admin), shutdown).await
    }

    async fn serve_listeners(
        self,
        listener: TcpListener,
        admin: Option<TcpListener>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let rt = self.shared.current();
        let config = &rt.config;
        let tls = match &config.server.tls {
            Some(t) => Some(tls_acceptor(
                &config.relative_path(t.cert.as_str()),
                &config.relative_path(t.key.as_str()),
                t.client_ca
                    .as_ref()
                    .map(|c| config.relative_path(c.as_str())),
            )?),
            None => None,
        };
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut tasks = Vec::new();
        if let Some(admin_listener) = admin {
            let addr = admin_listener.local_addr().ok();
            tracing::info!(addr = ?addr, "admin listener ready");
            let app = admin_router(self.shared.clone());
            tasks.push(tokio::spawn(accept_loop(
                admin_listener,
                app,
                None,
                stop_rx.clone(),
                config.server.timeouts.header_secs,
                config.server.shutdown_grace_secs,
            )));
        }
        let local = listener.local_addr().ok();
        tracing::info!(addr = ?local, tls = tls.is_some(), version = env!("CARGO_PKG_VERSION"), "rampart gateway listening");
        let main = tokio::spawn(accept_loop(
            listener,
            self.router(),
            tls,
            stop_rx.clone(),
            config.server.timeouts.header_secs,
            config.server.shutdown_grace_secs,
        ));
        let reloader = tokio::spawn(watch_config(
            self.shared.clone(),
            config.server.reload_poll_secs,
            stop_rx.clone(),
        ));
        drop(rt);
        shutdown.await;
        tracing::info!("shutting down: no new connections, finishing requests in flight");
        self.shared.ready.store(false, Ordering::SeqCst);
        let _ = stop_tx.send(true);
        let _ = main.await;
        for t in tasks {
            let _ = t.await;
        }
        reloader.abort();
        tracing::info!("stopped");
        Ok(())
    }
}

type Acceptor = tokio_rustls::TlsAcceptor;

fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
    client_ca: Option<PathBuf>,
) -> Result<Acceptor, ServerError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|i| i.collect::<Result<_, _>>())
        .map_err(|e| ServerError::Tls(format!("certificate {}: {e}", cert.display())))?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| ServerError::Tls(format!("private key {}: {e}", key.display())))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Tls(e.to_string()))?;
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_file_iter(&ca)
                .map_err(|e| ServerError::Tls(format!("client_ca {}: {e}", ca.display())))?
            {
                let c =
                    c.map_err(|e| ServerError::Tls(format!("client_ca {}: {e}", ca.display())))?;
                roots
                    .add(c)
                    .map_err(|e| ServerError::Tls(format!("client_ca {}: {e}", ca.display())))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| ServerError::Tls(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| ServerError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

async fn accept_loop(
    listener: TcpListener,
    app: Router,
    tls: Option<Acceptor>,
    mut stop: tokio::sync::watch::Receiver<bool>,
    header_secs: u64,
    grace_secs: u64,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(header_secs.max(1)));
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        // Each request carries its connection's address (policies read `source_ip`) and,
        // after a TLS handshake that verified one, its client certificate's names.
        let ip = peer.ip().to_canonical();
        let app = app.clone();
        let service = move |certificate| {
            let client = pipeline::ClientAddr { ip, certificate };
            TowerToHyperService::new(tower::ServiceExt::map_request(
                app,
                move |mut req: http::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(client.clone());
                    req
                },
            ))
        };
        let watcher = graceful.watcher();
        let builder = builder.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let result = match tls {
                Some(acceptor) => {
                    let tls_stream = match tokio::time::timeout(
                        Duration::from_secs(header_secs.max(1)),
                        acceptor.accept(stream),
                    )
                    .await
                    {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => {
                            tracing::debug!(error = %e, "TLS handshake failed");
                            return;
                        }
                        Err(_) => return,
                    };
                    // Present only when `client_ca` made rustls verify the chain.
                    let certificate = tls_stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|chain| chain.first())
                        .and_then(|leaf| crate::client_cert::ClientCertificate::from_der(leaf))
                        .map(Arc::new);
                    let conn = builder
                        .serve_connection_with_upgrades(
                            TokioIo::new(tls_stream),
                            service(certificate),
                        )
                        .into_owned();
                    watcher.watch(conn).await
                }
                None => {
                    let conn = builder
                        .serve_connection_with_upgrades(TokioIo::new(stream), service(None))
                        .into_owned();
                    watcher.watch(conn).await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(grace_secs), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("grace period over: closing connections still open");
    }
}

/// Reload on SIGHUP and when the config file changes.
async fn watch_config(
    shared: Arc<Shared>,
    poll_secs: u64,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let Some(path) = shared.source.clone() else {
        return;
    };
    let fingerprint = |p: &std::path::Path| {
        std::fs::read(p)
            .ok()
            .map(|b| crate::auth::key_hash(&String::from_utf8_lossy(&b)))
    };
    let mut last = fingerprint(&path);
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let poll = Duration::from_secs(poll_secs.max(1));
    loop {
        #[cfg(unix)]
        let hup_fut = async {
            match hup.as_mut() {
                Some(h) => {
                    h.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let hup_fut = std::future::pending::<()>();
        let reason = tokio::select! {
            _ = stop.changed() => return,
            _ = hup_fut => "SIGHUP",
            _ = tokio::time::sleep(poll), if poll_secs > 0 => {
                let now = fingerprint(&path);
                if now == last { continue; }
                "file change"
            }
        };
        last = fingerprint(&path);
        // A reload compiles the guard and the policies and fetches managed secrets (up to
        // `secrets::FIRST_FETCH_DEADLINE`): off the request workers.
        let reloading = shared.clone();
        match tokio::task::spawn_blocking(move || reloading.reload()).await {
            Ok(Ok(())) => tracing::info!(reason, "configuration reloaded"),
            Ok(Err(e)) => {
                tracing::error!(reason, error = %e, "new configuration refused; the previous one keeps serving")
            }
            Err(e) => {
                tracing::error!(reason, error = %e, "the reload failed; the previous configuration keeps serving")
            }
        }
    }
}

/// Where the OpenAI surfaces are served: `/v1` as OpenAI does, `/openai/v1` as Azure
/// OpenAI's v1 API does, and the root, for clients configured with a `base_url` without
/// `/v1` (LiteLLM proxy users: its routes work with and without it).
const OPENAI_PREFIXES: [&str; 3] = ["/v1", "/openai/v1", ""];

/// Azure OpenAI's deployment paths (`?api-version=…` is accepted and ignored): the
/// deployment names the model, as a model name or an alias.
const AZURE_DEPLOYMENT_PATHS: [(&str, Surface); 3] = [
    (
        "/openai/deployments/{deployment}/chat/completions",
        Surface::Chat,
    ),
    (
        "/openai/deployments/{deployment}/completions",
        Surface::Completions,
    ),
    (
        "/openai/deployments/{deployment}/embeddings",
        Surface::Embeddings,
    ),
];

fn router(shared: Arc<Shared>, with_admin: bool) -> Router {
    let mut r = Router::new();
    for prefix in OPENAI_PREFIXES {
        r = r
            .route(
                &format!("{prefix}/chat/completions"),
                any(|s, c, m, h, b| surface(s, c, m, h, b, Surface::Chat)),
            )
            .route(
                &format!("{prefix}/completions"),
                any(|s, c, m, h, b| surface(s, c, m, h, b, Surface::Completions)),
            )
            .route(
                &format!("{prefix}/responses"),
                any(|s, c, m, h, b| surface(s, c, m, h, b, Surface::Responses)),
            )
            .route(
                &format!("{prefix}/embeddings"),
                any(|s, c, m, h, b| surface(s, c, m, h, b, Surface::Embeddings)),
            )
            .route(
                &format!("{prefix}/models"),
                any(|s, c, m, h, b| surface(s, c, m, h, b, Surface::Models)),
            )
            .route(&format!("{prefix}/models/{{id}}"), get(model_info))
            .route(&format!("{prefix}/responses/{{id}}"), any(stored_response))
            .route(
                &format!("{prefix}/responses/{{id}}/{{*rest}}"),
                any(stored_response),
            );
    }
    for (path, surface) in AZURE_DEPLOYMENT_PATHS {
        r = r.route(
            path,
            any(move |s, c, p, m, h, b| deployment(s, c, p, m, h, b, surface)),
        );
    }
    // Azure's Responses API has no deployment in the path.
    r = r.route(
        "/openai/responses",
        any(|s, c, m, h, b| surface(s, c, m, h, b, Surface::Responses)),
    );
    let mut r = r
        .route(
            "/v1/messages",
            any(|s, c, m, h, b| surface(s, c, m, h, b, Surface::Messages)),
        )
        .route(
            "/v1/messages/count_tokens",
            any(|s, c, m, h, b| surface(s, c, m, h, b, Surface::CountTokens)),
        );
    if with_admin {
        r = r
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics));
    }
    r.fallback(not_found).with_state(shared)
}

fn admin_router(shared: Arc<Shared>) -> Router {
    let extension = shared.seams.admin.clone();
    let health = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(shared);
    match extension {
        // The extension's own paths (and its fallback, if any) beside health and metrics.
        Some(extension) => health.merge(extension),
        None => health,
    }
}

/// The client's address of a request, when the listener put it there.
type Client = Option<axum::Extension<pipeline::ClientAddr>>;

async fn surface(
    State(shared): State<Arc<Shared>>,
    client: Client,
    method: Method,
    headers: HeaderMap,
    body: Body,
    surface: Surface,
) -> Response {
    let want = if surface == Surface::Models {
        Method::GET
    } else {
        Method::POST
    };
    if method != want {
        let mut resp = ApiError::new(
            crate::error::Refusal::MethodNotAllowed,
            format!("Use {want} for this path."),
        )
        .render(surface.shape());
        if let Ok(v) = http::HeaderValue::from_str(want.as_str()) {
            resp.headers_mut().insert(http::header::ALLOW, v);
        }
        return resp;
    }
    pipeline::handle(
        shared.current(),
        surface,
        client.map(|c| c.0),
        headers,
        body,
    )
    .await
}

/// An Azure OpenAI deployment path: the deployment is the model.
async fn deployment(
    State(shared): State<Arc<Shared>>,
    client: Client,
    axum::extract::Path(deployment): axum::extract::Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Body,
    surface: Surface,
) -> Response {
    if method != Method::POST {
        let mut resp = ApiError::new(
            crate::error::Refusal::MethodNotAllowed,
            "Use POST for this path.",
        )
        .render(Shape::OpenAi);
        resp.headers_mut()
            .insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
        return resp;
    }
    pipeline::handle_with(
        shared.current(),
        surface,
        Some(deployment),
        client.map(|c| c.0),
        headers,
        body,
    )
    .await
}

async fn model_info(
    State(shared): State<Arc<Shared>>,
    client: Client,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    pipeline::handle_with(
        shared.current(),
        Surface::ModelInfo,
        Some(id),
        client.map(|c| c.0),
        headers,
        Body::empty(),
    )
    .await
}

/// `GET /v1/responses/{id}` (and its `cancel`, `input_items`, `DELETE`): Rampart stores
/// no responses, so there is nothing to return; the client is told why rather than
/// getting a bare 404 for a route it knows exists.
async fn stored_response() -> Response {
    ApiError::new(
        crate::error::Refusal::NotFound,
        "Rampart does not store responses, so none can be retrieved; \
         keep the answer on the client and pass the conversation in `input`.",
    )
    .with_param("response_id")
    .render(Shape::OpenAi)
}

async fn not_found(
    State(shared): State<Arc<Shared>>,
    client: Client,
    method: Method,
    uri: http::Uri,
    headers: HeaderMap,
) -> Response {
    let shape = if headers.contains_key("anthropic-version") || headers.contains_key("x-api-key") {
        Shape::Anthropic
    } else {
        Shape::OpenAi
    };
    let _ = pipeline::handle(
        shared.current(),
        Surface::Unknown(shape),
        client.map(|c| c.0),
        headers,
        Body::empty(),
    )
    .await;
    ApiError::not_found_route(method.as_str(), uri.path()).render(shape)
}

async fn healthz() -> Response {
    (
        StatusCode::OK,
        [(http::header::CONTENT_TYPE, "application/json")],
        r#"{"status":"ok"}"#,
    )
        .into_response()
}

async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    if shared.ready.load(Ordering::SeqCst) {
        (
            StatusCode::OK,
            [(http::header::CONTENT_TYPE, "application/json")],
            r#"{"status":"ready"}"#,
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(http::header::CONTENT_TYPE, "application/json")],
            r#"{"status":"shutting_down"}"#,
        )
            .into_response()
    }
}

async fn metrics() -> Response {
    (
        StatusCode::OK,
        [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::render(),
    )
        .into_response()
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// Run `future` on a new multi-threaded Tokio runtime (for binaries without one, e.g. to
/// open async stores before building [`Seams`]).
pub fn block_on<F: Future>(future: F) -> std::io::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("rampart")
        .build()?;
    Ok(runtime.block_on(future))
}

/// Serve `config` with `seams` until Ctrl-C or SIGTERM, then stop gracefully, on a runtime
/// of its own.
pub fn serve_blocking(config: Config, seams: Seams) -> Result<(), ServerError> {
    block_on(async move { Server::new(config, seams)?.serve(shutdown_signal()).await }).map_err(
        |e| ServerError::Bind {
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            source: e,
        },
    )?
}
