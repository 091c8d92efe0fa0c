//! `/admin/v1/keys`: create, list, get, revoke and rotate keys of the key store.
//!
//! A created or rotated key's secret is in that one response (with `Cache-Control:
//! no-store`) and nowhere else: the store keeps its SHA-256, and nothing here logs a
//! request body. Rotation makes a new key with the old one's settings and leaves the old
//! one working for `overlap_secs` (default one day, at most 30 days), then revoked.

use super::AdminApi;
use super::body::{self, SMALL_BODY};
use super::caller::{self, Scope};
use super::error::AdminError;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, Uri};
use rampart_authz::Action;
use rampart_identity::{CreatedKey, KeyRecord, NewKey};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// The overlap of a rotation when none is asked: one day.
pub const DEFAULT_OVERLAP_SECS: u32 = 86_400;
/// The longest overlap: 30 days.
pub const MAX_OVERLAP_SECS: u32 = 30 * 86_400;

/// `POST /admin/v1/keys`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    pub tenant: String,
    pub name: String,
    /// `user` (default), `admin`, `security_analyst`, `auditor`, `tenant_admin`, or
    /// another label the policies know.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub models: Option<Vec<String>>,
    #[serde(default)]
    pub rpm: Option<u32>,
    #[serde(default)]
    pub tpm: Option<u64>,
    #[serde(default)]
    pub daily_token_budget: Option<u64>,
    #[serde(default)]
    pub monthly_token_budget: Option<u64>,
    /// Unix seconds.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

/// `POST /admin/v1/keys/{id}/rotate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateKey {
    #[serde(default)]
    pub overlap_secs: Option<u32>,
}

fn listing(api: &AdminApi, record: &KeyRecord) -> Value {
    record.to_listing_json(api.keyring.now())
}

/// The answer that carries a secret: 201, not cached.
fn with_secret(api: &AdminApi, created: &CreatedKey, previous: Option<&KeyRecord>) -> Response {
    let mut body = json!({
        "key": listing(api, &created.record),
        "secret": created.key.expose(),
    });
    if let Some(previous) = previous {
        body["previous"] = listing(api, previous);
    }
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}

/// The key `id`, if it exists and the caller may `action` it.
async fn key_for(
    api: &AdminApi,
    caller: &caller::Caller,
    action: Action,
    id: &str,
) -> Result<KeyRecord, AdminError> {
    let not_found = || AdminError::NotFound(format!("no key with id `{id}`"));
    if id.len() > 64 {
        return Err(not_found());
    }
    let record = api
        .keyring
        .get(id)
        .await
        .map_err(AdminError::keys)?
        .ok_or_else(not_found)?;
    api.authorize_key(caller, action, &record)?;
    Ok(record)
}

/// `GET /admin/v1/keys[?tenant=]`: the keys the caller may read, newest first.
pub async fn list(State(api): State<Arc<AdminApi>>, headers: HeaderMap, uri: Uri) -> Response {
    let run = async {
        let caller = api.caller(&headers).await?;
        let query = body::query(&uri, &["tenant"])?;
        let scope = api.scope(
            &caller,
            Action::ReadReports,
            query.get("tenant").map(String::as_str),
        )?;
        let everywhere = matches!(scope, Scope::All);
        let keys: Vec<Value> = api
            .keyring
            .list()
            .await
            .map_err(AdminError::keys)?
            .iter()
            .filter(|k| scope.covers(&k.tenant))
            // Keys that act on every tenant are listed to callers who read every tenant.
            .filter(|k| everywhere || !caller::GLOBAL_ROLES.contains(&k.role.as_str()))
            .map(|k| listing(&api, k))
            .collect();
        Ok::<_, AdminError>(Json(json!({ "keys": keys })).into_response())
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /admin/v1/keys`: creates a key; the secret is in this answer only.
pub async fn create(State(api): State<Arc<AdminApi>>, headers: HeaderMap, body: Body) -> Response {
    let run = async {
        let caller = api.caller(&headers).await?;
        let new: CreateKey = body::json(body, SMALL_BODY).await?;
        let tenant = body::tenant_name("tenant", &new.tenant)?;
        let role = new
            .role
            .clone()
            .unwrap_or_else(|| rampart_identity::record::DEFAULT_ROLE.to_owned());
        api.authorize(
            &caller,
            Action::ManageKeys,
            &caller::key_resource(&role, &tenant),
        )?;
        let created = api
            .keyring
            .create(NewKey {
                tenant,
                name: new.name,
                role: Some(role),
                models: new.models,
                rpm: new.rpm,
                tpm: new.tpm,
                daily_token_budget: new.daily_token_budget,
                monthly_token_budget: new.monthly_token_budget,
                expires_at: new.expires_at,
            })
            .await
            .map_err(AdminError::keys)?;
        tracing::info!(key_id = %created.record.id, tenant = %created.record.tenant, by = %caller.subject.id, "admin API: key created");
        api.emit_change(
            "create",
            "key",
            &created.record.id,
            Some(&created.record.tenant),
            &caller.subject.id,
        );
        Ok::<_, AdminError>(with_secret(&api, &created, None))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /admin/v1/keys/{id}`.
pub async fn get(
    State(api): State<Arc<AdminApi>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let caller = api.caller(&headers).await?;
        let record = key_for(&api, &caller, Action::ReadReports, &id).await?;
        Ok::<_, AdminError>(Json(json!({ "key": listing(&api, &record) })).into_response())
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /admin/v1/keys/{id}/revoke`: the key stops working now.
pub async fn revoke(
    State(api): State<Arc<AdminApi>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        let caller = api.caller(&headers).await?;
        key_for(&api, &caller, Action::ManageKeys, &id).await?;
        let record = api.keyring.revoke(&id).await.map_err(AdminError::keys)?;
        tracing::info!(key_id = %record.id, by = %caller.subject.id, "admin API: key revoked");
        api.emit_change(
            "delete",
            "key",
            &record.id,
            Some(&record.tenant),
            &caller.subject.id,
        );
        Ok::<_, AdminError>(Json(json!({ "key": listing(&api, &record) })).into_response())
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /admin/v1/keys/{id}/rotate`: a new key now, the old one until the overlap ends.
pub async fn rotate(
    State(api): State<Arc<AdminApi>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let run = async {
        let caller = api.caller(&headers).await?;
        let ask: RotateKey = body::json(body, SMALL_BODY).await?;
        let overlap = ask.overlap_secs.unwrap_or(DEFAULT_OVERLAP_SECS);
        if overlap > MAX_OVERLAP_SECS {
            return Err(AdminError::bad_request(
                "overlap_secs",
                format!("at most {MAX_OVERLAP_SECS} (30 days)"),
            ));
        }
        key_for(&api, &caller, Action::ManageKeys, &id).await?;
        let (created, previous) = api
            .keyring
            .rotate(&id, overlap)
            .await
            .map_err(AdminError::keys)?;
        tracing::info!(key_id = %previous.id, new_key_id = %created.record.id, overlap_secs = overlap, by = %caller.subject.id, "admin API: key rotated");
        api.emit_change(
            "update",
            "key",
            &previous.id,
            Some(&previous.tenant),
            &caller.subject.id,
        );
        api.emit_change(
            "create",
            "key",
            &created.record.id,
            Some(&created.record.tenant),
            &caller.subject.id,
        );
        Ok(with_secret(&api, &created, Some(&previous)))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}
