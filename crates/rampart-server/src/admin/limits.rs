//! `/admin/v1/limits`: the limits in force, read only: each key's (`rpm`, `tpm`, token
//! budgets, from the key store) and each tenant's (`[[tenants]]` of the config as it was
//! at start; a reload of the config is not reflected here yet).

use super::AdminApi;
use super::body;
use super::error::AdminError;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Uri};
use rampart_authz::Action;
use rampart_gateway::config::Config;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;

/// The limits of one `[[tenants]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantLimit {
    pub name: String,
    pub rpm: Option<u64>,
    pub tpm: Option<u64>,
    pub daily_token_budget: Option<u64>,
    pub monthly_token_budget: Option<u64>,
}

impl TenantLimit {
    /// The `[[tenants]]` of `config`.
    pub fn from_config(config: &Config) -> Vec<TenantLimit> {
        config
            .tenants
            .iter()
            .map(|t| t.get_ref())
            .map(|t| TenantLimit {
                name: t.name.get_ref().clone(),
                rpm: t.rpm.as_ref().map(|v| *v.get_ref()),
                tpm: t.tpm.as_ref().map(|v| *v.get_ref()),
                daily_token_budget: t.daily_token_budget.as_ref().map(|v| *v.get_ref()),
                monthly_token_budget: t.monthly_token_budget.as_ref().map(|v| *v.get_ref()),
            })
            .collect()
    }
}

/// `GET /admin/v1/limits[?tenant=]`.
pub async fn list(State(api): State<Arc<AdminApi>>, headers: HeaderMap, uri: Uri) -> Response {
    let run = async {
        let caller = api.caller(&headers).await?;
        let query = body::query(&uri, &["tenant"])?;
        let scope = api.scope(
            &caller,
            Action::ReadReports,
            query.get("tenant").map(String::as_str),
        )?;
        let everywhere = scope.tenant().is_none();
        let keys: Vec<_> = api
            .keyring
            .list()
            .await
            .map_err(AdminError::keys)?
            .into_iter()
            .filter(|k| scope.covers(&k.tenant))
            .filter(|k| everywhere || !super::caller::GLOBAL_ROLES.contains(&k.role.as_str()))
            .map(|k| {
                json!({
                    "key_id": k.id,
                    "tenant": k.tenant,
                    "rpm": k.rpm,
                    "tpm": k.tpm,
                    "daily_token_budget": k.daily_token_budget,
                    "monthly_token_budget": k.monthly_token_budget,
                })
            })
            .collect();
        let tenants: Vec<&TenantLimit> = api
            .tenant_limits
            .iter()
            .filter(|t| scope.covers(&t.name))
            .collect();
        Ok::<_, AdminError>(Json(json!({ "keys": keys, "tenants": tenants })).into_response())
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}
