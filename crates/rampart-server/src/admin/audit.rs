//! `/admin/v1/audit`: search the audit log.
//!
//! Filters (all optional, combined): `tenant`, `key_id`, `from` and `to` (`YYYY-MM-DD`,
//! `YYYY-MM-DDTHH:MM:SSZ` or milliseconds since the epoch; `from` inclusive, `to`
//! exclusive), `decision` (`allow`, `redact`, `block`); `limit` (1–1000, default 100).
//! Records come newest first; `next_cursor` (absent on the last page) is passed back as
//! `cursor` for the next page. The cursor is the sequence number of the last record
//! returned, so records appended meanwhile neither repeat nor shift a page.
//!
//! A caller that may read the audit of every tenant searches everything (or `tenant`);
//! a tenant administrator searches its own tenant only, and asking for another is a 403.

use super::AdminApi;
use super::body;
use super::error::AdminError;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Uri};
use rampart_audit::AuditQuery;
use rampart_authz::Action;
use serde_json::json;
use std::sync::Arc;

/// Records per page when `limit` is not given.
pub const DEFAULT_PAGE: u32 = 100;

const PARAMETERS: [&str; 7] = [
    "tenant", "key_id", "from", "to", "decision", "limit", "cursor",
];

/// A time bound: a UTC date or time, or milliseconds since the epoch.
fn time_ms(field: &str, text: &str) -> Result<i64, AdminError> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .map_err(|_| AdminError::bad_request(field, "number out of range"));
    }
    rampart_identity::clock::parse_utc_date(text)
        .map(|secs| secs.saturating_mul(1000))
        .map_err(|_| {
            AdminError::bad_request(
                field,
                "expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or milliseconds since the epoch",
            )
        })
}

/// `GET /admin/v1/audit`.
pub async fn search(State(api): State<Arc<AdminApi>>, headers: HeaderMap, uri: Uri) -> Response {
    let run = async {
        let caller = api.caller(&headers).await?;
        let q = body::query(&uri, &PARAMETERS)?;
        let scope = api.scope(
            &caller,
            Action::ReadAudit,
            q.get("tenant").map(String::as_str),
        )?;
        let decision = match q.get("decision").map(String::as_str) {
            None => None,
            Some(d @ ("allow" | "redact" | "block")) => Some(d.to_owned()),
            Some(_) => {
                return Err(AdminError::bad_request(
                    "decision",
                    "expected allow, redact or block",
                ));
            }
        };
        let limit = match q.get("limit") {
            None => DEFAULT_PAGE,
            Some(l) => l
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=rampart_audit::store::MAX_PAGE).contains(l))
                .ok_or_else(|| AdminError::bad_request("limit", "expected 1 to 1000"))?,
        };
        let before_seq =
            q.get("cursor")
                .map(|c| {
                    c.parse::<i64>().ok().filter(|c| *c > 0).ok_or_else(|| {
                        AdminError::bad_request("cursor", "not a cursor of this API")
                    })
                })
                .transpose()?;
        let key_id = q.get("key_id").cloned();
        if key_id
            .as_ref()
            .is_some_and(|k| k.is_empty() || k.len() > 256)
        {
            return Err(AdminError::bad_request("key_id", "1 to 256 bytes"));
        }
        let query = AuditQuery {
            tenant: scope.tenant().map(str::to_owned),
            key_id,
            from_ms: q.get("from").map(|t| time_ms("from", t)).transpose()?,
            to_ms: q.get("to").map(|t| time_ms("to", t)).transpose()?,
            decision,
            before_seq,
            limit,
        };
        let records = api.audit.query(&query).await.map_err(AdminError::audit)?;
        let next_cursor = (records.len() == limit as usize)
            .then(|| records.last().map(|r| r.seq.to_string()))
            .flatten();
        let records: Vec<_> = records.iter().map(|r| r.to_listing_json()).collect();
        Ok::<_, AdminError>(
            Json(json!({"records": records, "next_cursor": next_cursor})).into_response(),
        )
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}
