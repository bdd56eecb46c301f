//! `/api/v1` endpoints for the workspace's settings and its audit log.

use axum::extract::{Path, Query, State, rejection::QueryRejection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    Caller, Problem,
    handlers::{WorkspaceJson, id, principal},
    json::{ApiJson, Json, Time, parse_rfc3339, serde_message},
};
use crate::{
    model::{AuditEntry, AuditQuery},
    server::{
        services::{RequestMeta, audit, now_ms, workspaces},
        state::AppState,
    },
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWorkspace {
    /// The workspace's new name.
    pub name: String,
}

#[utoipa::path(patch, path = "/workspaces/{workspace}", tag = "workspaces",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    request_body = PatchWorkspace,
    responses((status = 200, description = "The workspace with its new settings", body = WorkspaceJson), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks workspace:write, or its scope is below Administrator", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn patch_workspace(
    State(state): State<AppState>,
    Caller(token): Caller,
    meta: RequestMeta,
    Path(workspace): Path<String>,
    ApiJson(body): ApiJson<PatchWorkspace>,
) -> Result<Json<WorkspaceJson>, Problem> {
    let workspace = workspaces::rename(
        &state.db,
        &principal(&token),
        id(&workspace)?,
        &body.name,
        &meta,
        now_ms(),
    )
    .await?;
    Ok(Json(workspace.into()))
}

/// Filters of the audit log; all optional, combined.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Part of the actor's email or token label (any case).
    pub actor: Option<String>,
    /// An action (`token.created`) or a family (`token`, `member`, `workspace`).
    pub action: Option<String>,
    /// Part of the target's label (any case), or its id.
    pub target: Option<String>,
    /// Records at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Records before this RFC 3339 time.
    pub until: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Records per page, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct ActorJson {
    /// `user`, `token` or `system`.
    pub kind: String,
    pub id: Option<Uuid>,
    /// The user's email or the token's label when it acted.
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct TargetJson {
    /// `token`, `user`, `workspace` or `email` (a failed sign-in).
    pub kind: Option<String>,
    pub id: Option<Uuid>,
    pub label: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventJson {
    pub id: Uuid,
    #[schema(value_type = String, format = DateTime)]
    pub at: Time,
    pub actor: ActorJson,
    pub action: String,
    pub target: Option<TargetJson>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// What changed, as the change recorded it.
    #[schema(value_type = Option<Object>)]
    pub changes: Option<serde_json::Value>,
}

impl From<AuditEntry> for AuditEventJson {
    fn from(entry: AuditEntry) -> Self {
        let has_target = entry.target_kind.is_some() || entry.target.is_some();
        let target = has_target.then_some(TargetJson {
            kind: entry.target_kind,
            id: entry.target_id,
            label: entry.target,
        });
        AuditEventJson {
            id: entry.id,
            at: Time(entry.at),
            actor: ActorJson {
                kind: entry.actor_kind,
                id: entry.actor_id,
                label: entry.actor,
            },
            action: entry.action,
            target,
            ip: entry.ip,
            user_agent: entry.user_agent,
            changes: entry
                .changes
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventList {
    /// Newest first.
    pub items: Vec<AuditEventJson>,
    /// Pass as `after` for the next (older) page; null on the last page.
    pub next: Option<String>,
}

#[utoipa::path(get, path = "/workspaces/{workspace}/audit-events", tag = "audit",
    params(("workspace" = Uuid, Path, description = "Workspace id"), AuditParams),
    responses((status = 200, description = "A page of the audit log, newest first", body = AuditEventList), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks audit:read, or its scope is below Administrator", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid filters", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list_audit_events(
    State(state): State<AppState>,
    Caller(token): Caller,
    Path(workspace): Path<String>,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<AuditEventList>, Problem> {
    let workspace = id(&workspace)?;
    let Query(params) = params.map_err(|rejection| {
        Problem::unprocessable("query", serde_message(&rejection.body_text()))
    })?;
    let time = |field: &str, text: &Option<String>| {
        text.as_deref()
            .map(|text| parse_rfc3339(field, text))
            .transpose()
    };
    let query = AuditQuery {
        actor: params.actor,
        action: params.action,
        target: params.target,
        from: time("since", &params.since)?,
        until: time("until", &params.until)?,
        after: params.after,
        limit: params.limit,
    };
    let page = audit::page(&state.db, &principal(&token), workspace, &query).await?;
    Ok(Json(AuditEventList {
        items: page.entries.into_iter().map(AuditEventJson::from).collect(),
        next: page.next,
    }))
}
