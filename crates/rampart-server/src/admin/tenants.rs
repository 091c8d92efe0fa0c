//! `/admin/v1/tenants`: the tenants the caller may read.
//!
//! Rampart has no tenant store: a tenant exists when a key names it or `[[tenants]]`
//! sets its limits, so tenants are listed, not created (creating a key for a new tenant
//! creates the tenant). Each comes with its key counts.

use super::AdminApi;
use super::body;
use super::error::AdminError;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Uri};
use rampart_authz::Action;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Default)]
struct Counts {
    keys: u64,
    active: u64,
    limits: bool,
}

/// `GET /admin/v1/tenants`.
pub async fn list(State(api): State<Arc<AdminApi>>, headers: HeaderMap, uri: Uri) -> Response {
    let run = async {
        let caller = api.caller(&headers).await?;
        body::query(&uri, &[])?;
        let scope = api.scope(&caller, Action::ReadReports, None)?;
        let now = api.keyring.now();
        let mut tenants: BTreeMap<String, Counts> = BTreeMap::new();
        for key in api.keyring.list().await.map_err(AdminError::keys)? {
            if scope.covers(&key.tenant) {
                let counts = tenants.entry(key.tenant.clone()).or_default();
                counts.keys += 1;
                counts.active += u64::from(key.is_active(now));
            }
        }
        for limit in &api.tenant_limits {
            if scope.covers(&limit.name) {
                tenants.entry(limit.name.clone()).or_default().limits = true;
            }
        }
        let tenants: Vec<_> = tenants
            .into_iter()
            .map(|(name, c)| {
                json!({"name": name, "keys": c.keys, "active_keys": c.active, "configured_limits": c.limits})
            })
            .collect();
        Ok::<_, AdminError>(Json(json!({ "tenants": tenants })).into_response())
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}
