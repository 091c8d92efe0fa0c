//! [`Config::validate`]: what the types cannot check (references between sections,
//! kind-specific keys, ranges), every problem collected into one report, each naming its key
//! and line.

use super::audit::MIN_SPOOL_BYTES;
use super::*;

impl Config {
    /// Check what the types cannot: addresses parse, names are unique, references resolve,
    /// each provider kind has the keys it needs, key hashes are well formed.
    /// Check what the types cannot: addresses parse, names are unique, references resolve,
    /// each provider kind has the keys it needs and none that belong to another kind, key
    /// hashes are well formed. Every problem is reported, not only the first (in the
    /// manner of Vector's `check_shape`): one error alone is returned as it is, several as
    /// [`ConfigError::Report`], each naming its key and line.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut errors = Vec::new();
        let listen = &self.server.listen;
        if listen.get_ref().0.parse::<SocketAddr>().is_err() {
            errors.push(self.invalid(
                listen.span(),
                "server.listen",
                "expected an address such as 127.0.0.1:8787",
            ));
        }
        if let Some(admin) = &self.server.admin
            && admin.listen.get_ref().0.parse::<SocketAddr>().is_err()
        {
            errors.push(self.invalid(
                admin.listen.span(),
                "server.admin.listen",
                "expected an address such as 127.0.0.1:9090",
            ));
        }
        if self.server.body_limit == 0 {
            errors.push(self.invalid(0..0, "server.body_limit", "must be greater than 0"));
        }
        let mut names = std::collections::HashSet::new();
        for p in &self.providers {
            let name = &p.get_ref().name;
            if !names.insert(name.get_ref().as_str()) {
                errors.push(self.invalid(name.span(), "providers.name", "duplicate provider name"));
            }
            self.validate_provider(p, &mut errors);
        }
        let model_names: std::collections::HashSet<&str> = self
            .models
            .iter()
            .map(|m| m.get_ref().name.get_ref().as_str())
            .collect();
        let mut aliases = std::collections::HashSet::new();
        for m in &self.models {
            for a in &m.get_ref().aliases {
                if a.is_empty() || model_names.contains(a.as_str()) || !aliases.insert(a.as_str()) {
                    errors.push(self.invalid(
                        m.span(),
                        "models.aliases",
                        format!("`{a}` is empty, a model name or another model's alias"),
                    ));
                }
            }
        }
        let mut models = std::collections::HashSet::new();
        for m in &self.models {
            let model = m.get_ref();
            if !models.insert(model.name.get_ref().as_str()) {
                errors.push(self.invalid(model.name.span(), "models.name", "duplicate model name"));
            }
            match (&model.provider, model.deployments.is_empty()) {
                (Some(_), false) => {
                    errors.push(self.invalid(
                        m.span(),
                        "models.deployments",
                        "give either `provider` or `deployments`, not both",
                    ));
                }
                (None, true) => {
                    errors.push(self.invalid(
                        m.span(),
                        "models.provider",
                        "missing: give `provider` (and `upstream_model`) or `deployments`",
                    ));
                }
                _ => {}
            }
            let refs = model
                .provider
                .iter()
                .chain(model.deployments.iter().map(|d| &d.get_ref().provider));
            for r in refs {
                if !names.contains(r.get_ref().as_str()) {
                    errors.push(self.invalid(
                        r.span(),
                        "models.provider",
                        format!("no provider named `{}` in [[providers]]", r.get_ref()),
                    ));
                }
            }
            if model.deployments.iter().all(|d| d.get_ref().weight == 0)
                && !model.deployments.is_empty()
            {
                errors.push(self.invalid(
                    m.span(),
                    "models.deployments.weight",
                    "at least one deployment needs a weight above 0",
                ));
            }
        }
        let mut key_ids = std::collections::HashSet::new();
        for k in &self.auth.keys {
            let key = k.get_ref();
            if !key_ids.insert(key.id.as_str()) {
                errors.push(self.invalid(k.span(), "auth.keys.id", "duplicate key id"));
            }
            let hash = key.sha256.get_ref();
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                errors.push(self.invalid(
                    key.sha256.span(),
                    "auth.keys.sha256",
                    "expected the SHA-256 of the key as 64 hex characters (`printf %s KEY | sha256sum`)",
                ));
            }
        }
        let mut issuers = std::collections::HashSet::new();
        let mut labels = std::collections::HashSet::new();
        for o in &self.auth.oidc {
            let oidc = o.get_ref();
            let issuer = oidc.issuer.get_ref();
            if !issuer.starts_with("https://") && !issuer.starts_with("http://") {
                errors.push(self.invalid(
                    oidc.issuer.span(),
                    "auth.oidc.issuer",
                    "expected the issuer URL (the exact `iss` of its tokens)",
                ));
            }
            if !issuers.insert(issuer.as_str()) {
                errors.push(self.invalid(
                    oidc.issuer.span(),
                    "auth.oidc.issuer",
                    "duplicate issuer",
                ));
            }
            if !labels.insert(oidc.label()) {
                errors.push(self.invalid(o.span(), "auth.oidc.name", "duplicate issuer name"));
            }
            if oidc
                .audience
                .get_ref()
                .to_vec()
                .iter()
                .all(|a| a.is_empty())
            {
                errors.push(self.invalid(
                    oidc.audience.span(),
                    "auth.oidc.audience",
                    "name at least one audience",
                ));
            }
            if oidc.allowed_algs.get_ref().is_empty() {
                errors.push(self.invalid(
                    oidc.allowed_algs.span(),
                    "auth.oidc.allowed_algs",
                    "pin at least one of RS256, PS256, ES256, EdDSA",
                ));
            }
            let named = oidc
                .models
                .iter()
                .chain(oidc.role_models.values().flatten())
                .chain(oidc.group_models.values().flatten());
            for model in named {
                if model != "*" && !models.contains(model.as_str()) {
                    errors.push(self.invalid(
                        o.span(),
                        "auth.oidc.models",
                        format!("no model named `{model}` in [[models]]"),
                    ));
                }
            }
        }
        if let Err(e) = self.validate_limits() {
            errors.push(e);
        }
        if let Some(ldap) = &self.auth.ldap {
            self.validate_ldap(ldap, &models, &mut errors);
        }
        if let Some(bf) = &self.auth.brute_force {
            let b = bf.get_ref();
            for (key, ok, what) in [
                (
                    "auth.brute_force.max_failures",
                    b.max_failures >= 1,
                    "at least 1",
                ),
                (
                    "auth.brute_force.window_secs",
                    b.window_secs >= 1,
                    "at least 1",
                ),
                (
                    "auth.brute_force.base_block_secs",
                    b.base_block_secs >= 1,
                    "at least 1",
                ),
                (
                    "auth.brute_force.max_block_secs",
                    b.max_block_secs >= b.base_block_secs && b.max_block_secs <= 7 * 86_400,
                    "at least `base_block_secs` and at most 604800 (a week)",
                ),
            ] {
                if !ok {
                    errors.push(self.invalid(bf.span(), key, format!("must be {what}")));
                }
            }
        }
        self.validate_secret_references(&mut errors);
        if let Some(mtls) = &self.auth.mtls {
            self.validate_mtls(mtls, &models, &mut errors);
        }
        if let Some(sus) = &self.auth.suspend {
            let s = sus.get_ref();
            if s.max_guard_blocks == 0 {
                errors.push(self.invalid(
                    sus.span(),
                    "auth.suspend.max_guard_blocks",
                    "must be at least 1",
                ));
            }
            if s.window_secs == 0 {
                errors.push(self.invalid(
                    sus.span(),
                    "auth.suspend.window_secs",
                    "must be at least 1",
                ));
            }
        }
        if let Some(endpoint) = &self.telemetry.otlp_endpoint {
            let url = endpoint.get_ref().as_str();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                errors.push(self.invalid(
                    endpoint.span(),
                    "telemetry.otlp_endpoint",
                    "expected an http:// or https:// URL such as http://127.0.0.1:4318",
                ));
            }
        }
        self.validate_mcp(&mut errors);
        self.validate_events(&mut errors);
        let spool = &self.audit.spool_path;
        if spool.get_ref().as_str().is_empty() {
            errors.push(self.invalid(spool.span(), "audit.spool_path", "must not be empty"));
        }
        let bound = &self.audit.spool_max_bytes;
        if *bound.get_ref() < MIN_SPOOL_BYTES {
            errors.push(self.invalid(
                bound.span(),
                "audit.spool_max_bytes",
                format!("must be at least {MIN_SPOOL_BYTES} (1 MiB)"),
            ));
        }
        self.validate_checkpoints(&mut errors);
        if let Some(policy) = &self.guard.policy
            && let Err(e) = policy.validate()
        {
            errors.push(self.invalid(0..0, "guard.policy", e));
        }
        if let Some(ext) = &self.guard.external_classifier
            && let Err(e) = self.validate_external(ext)
        {
            errors.push(e);
        }
        if let Some(sem) = &self.guard.semantic
            && let Err(e) = self.validate_semantic(sem)
        {
            errors.push(e);
        }
        if let Some(judge) = &self.guard.llm_judge
            && let Err(e) = self.validate_llm_judge(judge)
        {
            errors.push(e);
        }
        if let Some(ms) = &self.guard.stream_release_ms
            && *ms.get_ref() > 10_000
        {
            errors.push(self.invalid(
                ms.span(),
                "guard.stream_release_ms",
                "must be between 0 and 10000",
            ));
        }
        ConfigError::report(errors)
    }

    /// `[guard.llm_judge]`: a model of this config, numbers in range. It may be configured
    /// with `[guard.external_classifier]`: the guard asks the classifier server first and
    /// the judge with the score the server left (see `runtime.rs`).
    fn validate_llm_judge(&self, judge: &Spanned<LlmJudgeConfig>) -> Result<(), ConfigError> {
        let j = judge.get_ref();
        let key = |k: &str| format!("guard.llm_judge.{k}");
        let at = |span: std::ops::Range<usize>| if span.end > 0 { span } else { judge.span() };
        let model = j.model.get_ref();
        if !self
            .models
            .iter()
            .any(|m| m.get_ref().name.get_ref() == model)
        {
            return Err(self.invalid(
                j.model.span(),
                &key("model"),
                format!("no [[models]] entry is named `{model}`"),
            ));
        }
        let [low, high] = *j.band.get_ref();
        if !(0.0 <= low && low < high && high <= 1.0) {
            return Err(self.invalid(
                at(j.band.span()),
                &key("band"),
                "expected [low, high] with 0 <= low < high <= 1",
            ));
        }
        if !(1..=60_000).contains(j.timeout_ms.get_ref()) {
            return Err(self.invalid(
                at(j.timeout_ms.span()),
                &key("timeout_ms"),
                "must be between 1 and 60000",
            ));
        }
        if *j.calls_per_minute.get_ref() == 0 {
            return Err(self.invalid(
                at(j.calls_per_minute.span()),
                &key("calls_per_minute"),
                "must be at least 1 (leave the section out for no judge)",
            ));
        }
        if !(1..=100_000).contains(j.max_chars.get_ref()) {
            return Err(self.invalid(
                at(j.max_chars.span()),
                &key("max_chars"),
                "must be between 1 and 100000",
            ));
        }
        if j.roles.get_ref().is_empty() {
            return Err(self.invalid(at(j.roles.span()), &key("roles"), "give at least one role"));
        }
        Ok(())
    }

    /// `[secrets]` and the credentials that name a secrets manager: provider credentials
    /// only (the others are read once, at start, and use `${VAR}`), `vault:` with a
    /// `[secrets.vault]` that can log in.
    fn validate_secret_references(&self, errors: &mut Vec<ConfigError>) {
        let mut elsewhere: Vec<(&str, Option<&Secret>, Range<usize>)> = Vec::new();
        if let Some(u) = &self.limits.redis_url {
            elsewhere.push(("limits.redis_url", Some(u.get_ref()), u.span()));
        }
        if let Some(l) = &self.auth.ldap {
            elsewhere.push((
                "auth.ldap.bind_password",
                l.get_ref().bind_password.as_ref(),
                l.span(),
            ));
        }
        // `rampart mcp`'s upstream environment and headers are read when a server starts.
        if let Some(mcp) = &self.mcp {
            for server in &mcp.servers {
                let server_ref = server.get_ref();
                for value in server_ref.env.values() {
                    elsewhere.push(("mcp.servers.env", Some(value), server.span()));
                }
                for value in server_ref.headers.values() {
                    elsewhere.push(("mcp.servers.headers", Some(value), server.span()));
                }
            }
        }
        if let Some(v) = &self.secrets.vault {
            elsewhere.push(("secrets.vault.token", v.token.as_ref(), 0..0));
            elsewhere.push(("secrets.vault.secret_id", v.secret_id.as_ref(), 0..0));
            if v.token.is_none() && (v.role_id.is_none() || v.secret_id.is_none()) {
                errors.push(self.invalid(
                    0..0,
                    "secrets.vault",
                    "needs `token`, or `role_id` and `secret_id` (AppRole)",
                ));
            }
            if !(v.address.starts_with("https://") || v.address.starts_with("http://")) {
                errors.push(self.invalid(
                    0..0,
                    "secrets.vault.address",
                    "expected an https:// URL",
                ));
            }
        }
        for (key, secret, span) in elsewhere {
            if secret.and_then(Secret::reference).is_some() {
                errors.push(self.invalid(span, key, "a secrets-manager reference is accepted for provider credentials only; use `${VAR}`"));
            }
        }
        if self.secrets.refresh_secs == 0 {
            errors.push(self.invalid(0..0, "secrets.refresh_secs", "must be at least 1"));
        }
        for s in crate::secrets::references(self) {
            if s.reference().is_some_and(|r| r.starts_with("vault:"))
                && self.secrets.vault.is_none()
            {
                let span = self
                    .providers
                    .iter()
                    .find(|p| p.get_ref().api_key.as_ref() == Some(&s))
                    .map_or(0..0, |p| p.span());
                errors.push(self.invalid(
                    span,
                    "providers.api_key",
                    "a `vault:` reference needs a [secrets.vault] section",
                ));
            }
        }
    }

    /// `[auth.mtls]`: certificates are asked for (`[server.tls] client_ca`), and each
    /// entry has a pattern, a tenant and known models.
    fn validate_mtls(
        &self,
        mtls: &Spanned<MtlsConfig>,
        models: &std::collections::HashSet<&str>,
        errors: &mut Vec<ConfigError>,
    ) {
        if self
            .server
            .tls
            .as_ref()
            .is_none_or(|t| t.client_ca.is_none())
        {
            errors.push(self.invalid(
                mtls.span(),
                "auth.mtls",
                "needs `[server.tls] client_ca`: without it no client presents a certificate",
            ));
        }
        for client in &mtls.get_ref().clients {
            let pattern = client.pattern.as_str();
            let star = pattern.find('*');
            if pattern.is_empty() || pattern == "*" || star.is_some_and(|i| i + 1 != pattern.len())
            {
                errors.push(self.invalid(
                    mtls.span(),
                    "auth.mtls.clients.match",
                    format!(
                        "`{pattern}`: give a certificate name, or a prefix of at least one \
                         character ending in `*`"
                    ),
                ));
            }
            if client.tenant.trim().is_empty() {
                errors.push(self.invalid(
                    mtls.span(),
                    "auth.mtls.clients.tenant",
                    "must not be empty",
                ));
            }
            for model in &client.models {
                if model != "*" && !models.contains(model.as_str()) {
                    errors.push(self.invalid(
                        mtls.span(),
                        "auth.mtls.clients.models",
                        format!("no model named `{model}` in [[models]]"),
                    ));
                }
            }
        }
    }

    /// `[audit] checkpoint_*`.
    fn validate_checkpoints(&self, errors: &mut Vec<ConfigError>) {
        let a = &self.audit;
        let origin = &a.checkpoint_origin;
        if origin.get_ref().is_empty()
            || origin
                .get_ref()
                .chars()
                .any(|c| c.is_whitespace() || c == '+')
        {
            errors.push(self.invalid(
                origin.span(),
                "audit.checkpoint_origin",
                "must be non-empty, without spaces or `+` (it is also the key name)",
            ));
        }
        if let Some(key) = &a.checkpoint_key {
            let value = key.get_ref().as_str();
            if value.is_empty() {
                errors.push(self.invalid(key.span(), "audit.checkpoint_key", "must not be empty"));
            } else if value.starts_with("vault:") && self.secrets.vault.is_none() {
                errors.push(self.invalid(
                    key.span(),
                    "audit.checkpoint_key",
                    "a `vault:` reference needs a [secrets.vault] section",
                ));
            }
            if *a.checkpoint_every.get_ref() == 0 && *a.checkpoint_interval.get_ref() == 0 {
                errors.push(self.invalid(
                    a.checkpoint_every.span(),
                    "audit.checkpoint_every",
                    "and audit.checkpoint_interval are both 0: no checkpoint would ever be signed",
                ));
            }
        }
        if let Some(path) = &a.checkpoint_path {
            if path.get_ref().as_str().is_empty() {
                errors.push(self.invalid(
                    path.span(),
                    "audit.checkpoint_path",
                    "must not be empty",
                ));
            } else if a.checkpoint_key.is_none() {
                errors.push(self.invalid(
                    path.span(),
                    "audit.checkpoint_path",
                    "needs audit.checkpoint_key to sign the checkpoints it publishes",
                ));
            }
        }
    }

    /// `[auth.ldap]`: the checks that need no server (the identity crate repeats them when
    /// it builds the client, and reads the CA file).
    fn validate_ldap(
        &self,
        ldap: &Spanned<LdapConfig>,
        models: &std::collections::HashSet<&str>,
        errors: &mut Vec<ConfigError>,
    ) {
        let l = ldap.get_ref();
        let at = |span: std::ops::Range<usize>| if span.end > 0 { span } else { ldap.span() };
        let url = l.url.get_ref();
        let host = url
            .split_once("://")
            .map_or("", |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default();
        let host = match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => host,
        };
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(rampart_core::net::is_loopback);
        if !(url.starts_with("ldaps://") || url.starts_with("ldap://")) || host.is_empty() {
            errors.push(self.invalid(
                at(l.url.span()),
                "auth.ldap.url",
                "expected ldaps://HOST[:PORT] or ldap://HOST[:PORT] (StartTLS)",
            ));
        } else if l.allow_plaintext && (!url.starts_with("ldap://") || !loopback) {
            errors.push(self.invalid(
                at(l.url.span()),
                "auth.ldap.allow_plaintext",
                "plain ldap:// is only allowed to a loopback host (127.0.0.1, ::1, localhost)",
            ));
        }
        if let Some(ca) = &l.ca_file
            && std::fs::metadata(ca.get_ref()).map_or(true, |m| !m.is_file())
        {
            errors.push(self.invalid(
                at(ca.span()),
                "auth.ldap.ca_file",
                format!("cannot read `{}`", ca.get_ref()),
            ));
        }
        for (name, filter, wanted) in [
            ("auth.ldap.user_filter", &l.user_filter, "{user}"),
            ("auth.ldap.group_filter", &l.group_filter, "{dn}"),
        ] {
            let f = filter.get_ref();
            if !f.starts_with('(')
                || !f.ends_with(')')
                || !(f.contains(wanted) || f.contains("{user}"))
            {
                errors.push(self.invalid(
                    at(filter.span()),
                    name,
                    format!("expected one parenthesised LDAP filter using {wanted}"),
                ));
            }
        }
        if l.bind_dn.is_some() != l.bind_password.is_some() {
            errors.push(self.invalid(
                ldap.span(),
                "auth.ldap.bind_password",
                "bind_dn and bind_password go together",
            ));
        }
        if !(1..=16).contains(&l.max_depth) {
            errors.push(self.invalid(ldap.span(), "auth.ldap.max_depth", "must be 1 to 16"));
        }
        for (key, secs) in [
            ("auth.ldap.connect_timeout_secs", l.connect_timeout_secs),
            ("auth.ldap.operation_timeout_secs", l.operation_timeout_secs),
        ] {
            if !(1..=60).contains(&secs) {
                errors.push(self.invalid(ldap.span(), key, "must be 1 to 60 seconds"));
            }
        }
        if l.cache_secs > 3600 {
            errors.push(self.invalid(
                ldap.span(),
                "auth.ldap.cache_secs",
                "at most 3600 (a password changed in the directory must stop working soon)",
            ));
        }
        for model in l.models.iter().chain(l.group_models.values().flatten()) {
            if model != "*" && !models.contains(model.as_str()) {
                errors.push(self.invalid(
                    ldap.span(),
                    "auth.ldap.models",
                    format!("no model named `{model}` in [[models]]"),
                ));
            }
        }
    }

    /// `[guard.semantic]`: numbers in range, windows that cover the text, a band inside
    /// `[0, 1]`. The model file is read when the server is built.
    fn validate_semantic(&self, sem: &Spanned<SemanticConfig>) -> Result<(), ConfigError> {
        let s = sem.get_ref();
        let key = |k: &str| format!("guard.semantic.{k}");
        let at = |span: std::ops::Range<usize>| if span.end > 0 { span } else { sem.span() };
        if s.roles.get_ref().is_empty() {
            return Err(self.invalid(at(s.roles.span()), &key("roles"), "give at least one role"));
        }
        if !(1..=100_000).contains(s.max_chars.get_ref()) {
            return Err(self.invalid(
                at(s.max_chars.span()),
                &key("max_chars"),
                "must be between 1 and 100000",
            ));
        }
        if !(1..=100_000).contains(s.window_chars.get_ref()) {
            return Err(self.invalid(
                at(s.window_chars.span()),
                &key("window_chars"),
                "must be between 1 and 100000",
            ));
        }
        let stride = *s.stride_chars.get_ref();
        if stride == 0 || stride > *s.window_chars.get_ref() {
            return Err(self.invalid(
                at(s.stride_chars.span()),
                &key("stride_chars"),
                "must be between 1 and window_chars (a longer stride would skip text)",
            ));
        }
        let [low, high] = *s.uncertain_band.get_ref();
        if !(0.0 <= low && low < high && high <= 1.0) {
            return Err(self.invalid(
                at(s.uncertain_band.span()),
                &key("uncertain_band"),
                "expected [low, high] with 0 <= low < high <= 1",
            ));
        }
        Ok(())
    }

    /// `[guard.external_classifier]`: values in range; the URL and the environment
    /// variable are checked when the client is built ([`Config::external_settings`]).
    fn validate_external(
        &self,
        ext: &Spanned<ExternalClassifierConfig>,
    ) -> Result<(), ConfigError> {
        let e = ext.get_ref();
        let key = |k: &str| format!("guard.external_classifier.{k}");
        let url = e.url.get_ref().as_str();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(self.invalid(
                e.url.span(),
                &key("url"),
                "expected an http:// or https:// URL such as http://127.0.0.1:8080/predict",
            ));
        }
        let t = *e.timeout_ms.get_ref();
        if !(1..=60_000).contains(&t) {
            let span = if e.timeout_ms.span().end > 0 {
                e.timeout_ms.span()
            } else {
                ext.span()
            };
            return Err(self.invalid(span, &key("timeout_ms"), "must be between 1 and 60000"));
        }
        let labels = e.injection_labels.get_ref();
        if labels.is_empty() || labels.iter().any(|l| l.trim().is_empty()) {
            return Err(self.invalid(
                e.injection_labels.span(),
                &key("injection_labels"),
                "give at least one non-empty label (e.g. \"INJECTION\")",
            ));
        }
        if !(1..=1_000_000).contains(e.max_chars.get_ref()) {
            return Err(self.invalid(
                e.max_chars.span(),
                &key("max_chars"),
                "must be between 1 and 1000000",
            ));
        }
        if e.roles.get_ref().is_empty() {
            return Err(self.invalid(e.roles.span(), &key("roles"), "give at least one role"));
        }
        if let Some(var) = &e.api_key_env {
            let name = var.get_ref();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(self.invalid(
                    var.span(),
                    &key("api_key_env"),
                    "expected the name of an environment variable, such as TEI_API_KEY",
                ));
            }
        }
        Ok(())
    }

    /// `[limits]` and `[[tenants]]`: the backend has what it needs and nothing it ignores,
    /// limits are positive (leave a limit out for none), tenant names are unique.
    fn validate_limits(&self) -> Result<(), ConfigError> {
        let limits = &self.limits;
        let redis = *limits.backend.get_ref() == LimitBackend::Redis;
        match (&limits.redis_url, redis) {
            (None, true) => {
                return Err(self.invalid(
                    limits.backend.span(),
                    "limits.redis_url",
                    "missing: `backend = \"redis\"` needs it (redis://HOST:PORT/DB)",
                ));
            }
            (Some(url), false) => {
                return Err(self.invalid(
                    url.span(),
                    "limits.redis_url",
                    "only used with `backend = \"redis\"`",
                ));
            }
            (Some(url), true) => {
                let schemes = ["redis://", "rediss://", "redis+unix://", "unix://"];
                if !schemes
                    .iter()
                    .any(|s| url.get_ref().expose().starts_with(s))
                {
                    return Err(self.invalid(
                        url.span(),
                        "limits.redis_url",
                        "expected a redis:// URL such as redis://127.0.0.1:6379/0",
                    ));
                }
            }
            (None, false) => {}
        }
        if let Some(prefix) = &limits.redis_prefix {
            if !redis {
                return Err(self.invalid(
                    prefix.span(),
                    "limits.redis_prefix",
                    "only used with `backend = \"redis\"`",
                ));
            }
            let p = prefix.get_ref();
            if p.is_empty()
                || p.len() > 64
                || !p
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'{' && b != b'}')
            {
                return Err(self.invalid(
                    prefix.span(),
                    "limits.redis_prefix",
                    "expected 1 to 64 visible ASCII characters without `{` or `}`",
                ));
            }
        }
        let positive = |value: Option<&Spanned<u64>>, key: &str| match value {
            Some(v) if *v.get_ref() == 0 => Err(self.invalid(
                v.span(),
                key,
                "must be greater than 0 (leave it out for no limit)",
            )),
            _ => Ok(()),
        };
        for (value, key) in [
            (&limits.default_rpm, "limits.default_rpm"),
            (&limits.default_tpm, "limits.default_tpm"),
        ] {
            let widened = value
                .as_ref()
                .map(|v| Spanned::new(v.span(), u64::from(*v.get_ref())));
            positive(widened.as_ref(), key)?;
        }
        let mut tenants = std::collections::HashSet::new();
        for t in &self.tenants {
            let tenant = t.get_ref();
            let name = tenant.name.get_ref();
            if name.is_empty() {
                return Err(self.invalid(tenant.name.span(), "tenants.name", "must not be empty"));
            }
            if !tenants.insert(name.as_str()) {
                return Err(self.invalid(
                    tenant.name.span(),
                    "tenants.name",
                    "duplicate tenant name",
                ));
            }
            positive(tenant.rpm.as_ref(), "tenants.rpm")?;
            positive(tenant.tpm.as_ref(), "tenants.tpm")?;
            positive(
                tenant.daily_token_budget.as_ref(),
                "tenants.daily_token_budget",
            )?;
            positive(
                tenant.monthly_token_budget.as_ref(),
                "tenants.monthly_token_budget",
            )?;
        }
        Ok(())
    }

    /// One `[[providers]]` table: the keys its kind needs, no key that belongs to another
    /// kind (the table is flat, so `deny_unknown_fields` alone cannot tell; each such key
    /// is named with its own line), and an http(s) base URL.
    fn validate_provider(&self, p: &Spanned<ProviderConfig>, errors: &mut Vec<ConfigError>) {
        let cfg = p.get_ref();
        let mut need = |ok: bool, key: &str, why: &str| {
            if !ok {
                errors.push(self.invalid(
                    p.span(),
                    &format!("providers.{key}"),
                    format!(
                        "missing: a `{}` provider needs it ({why})",
                        cfg.kind.as_str()
                    ),
                ));
            }
        };
        match cfg.kind {
            ProviderKind::Openai | ProviderKind::Anthropic => {
                need(cfg.api_key.is_some(), "api_key", "the provider's API key")
            }
            ProviderKind::AzureOpenai => {
                need(
                    cfg.base_url.is_some(),
                    "base_url",
                    "https://RESOURCE.openai.azure.com",
                );
                need(
                    cfg.api_key.is_some(),
                    "api_key",
                    "the resource key or a bearer token",
                );
            }
            ProviderKind::OpenaiCompatible => need(
                cfg.base_url.is_some(),
                "base_url",
                "e.g. http://127.0.0.1:8000/v1",
            ),
            ProviderKind::Bedrock => {
                need(cfg.region.is_some(), "region", "e.g. us-east-1");
                need(
                    cfg.credentials.is_some(),
                    "credentials",
                    "access_key_id and secret_access_key",
                );
            }
            ProviderKind::Mock => {}
        }
        for &(key, kinds) in KIND_SPECIFIC_KEYS {
            if kinds.contains(&cfg.kind) {
                continue;
            }
            let written = key_span(&self.text, p.span(), key);
            if written.is_some() || cfg.sets(key) {
                let applies: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                errors.push(self.invalid(
                    written.unwrap_or_else(|| p.span()),
                    &format!("providers.{key}"),
                    format!(
                        "unknown key for a `{}` provider (it applies to `{}` only)",
                        cfg.kind.as_str(),
                        applies.join("`, `")
                    ),
                ));
            }
        }
        if let Some(url) = &cfg.base_url
            && !(url.0.starts_with("http://") || url.0.starts_with("https://"))
        {
            errors.push(self.invalid(
                p.span(),
                "providers.base_url",
                "expected an http:// or https:// URL",
            ));
        }
    }
}

/// Where `key` is written in the `[[providers]]` table that starts at `table.start` in
/// `text` (toml spans such a table from its header): a line that starts (after
/// indentation) with the key, bare or quoted, then `=` or `.` (a dotted key), or a
/// sub-table header `[providers.key]`. The table ends at the next header that is not one
/// of its sub-tables. `None` when the key is not written there (or written inline).
fn key_span(text: &str, table: Range<usize>, key: &str) -> Option<Range<usize>> {
    let region = text.get(table.start..)?;
    let quoted = format!("\"{key}\"");
    let mut offset = table.start;
    for (n, line) in region.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with('[') {
            let name = trimmed.trim_end().trim_matches(['[', ']']).trim();
            if name.strip_prefix("providers.").map(str::trim) == Some(key) {
                let start = offset + indent;
                return Some(start..start + trimmed.trim_end().len());
            }
            if n > 0 && !name.starts_with("providers.") {
                return None;
            }
        } else {
            let rest = trimmed
                .strip_prefix(key)
                .or_else(|| trimmed.strip_prefix(quoted.as_str()));
            if rest.is_some_and(|r| r.trim_start().starts_with(['=', '.'])) {
                let start = offset + indent;
                return Some(start..start + key.len());
            }
        }
        offset += line.len();
    }
    None
}
