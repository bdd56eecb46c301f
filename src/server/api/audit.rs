//! `/api/v1/workspaces/{workspace}/audit-events`: the workspace's audit log.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    door::{ApiQuery, ApiResult, Ids, QueryRefused, Refused},
    json::{Json, Time, parse_rfc3339},
};
use crate::{
    model::{AuditEntry, AuditQuery},
    server::{context::Ctx, services::audit},
};

/// Filters of the audit log; all optional, combined.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Part of the actor's email or token label (any case).
    pub actor: Option<String>,
    /// An action (`token.created`) or a family (`token`, `member`, `workspace`); any case,
    /// surrounding spaces ignored; empty: every action.
    #[param(schema_with = action_filter_schema)]
    pub action: Option<String>,
    /// Part of the target's label (any case), or its id.
    pub target: Option<String>,
    /// Records at or after this RFC 3339 time.
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<String>,
    /// Records before this RFC 3339 time (after `since`, when both are given).
    #[param(value_type = Option<String>, format = DateTime)]
    pub until: Option<String>,
    /// The `next` cursor of the previous page.
    #[param(pattern = r"^-?[0-9]{1,18}\.[0-9a-fA-F]{32}$")]
    pub after: Option<String>,
    /// Records per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The action filter's values: every action, every family, or nothing.
fn action_filter_schema() -> utoipa::openapi::Object {
    use crate::domain::audit::{ACTIONS, families};
    let values = std::iter::once("")
        .chain(ACTIONS.iter().map(|(action, _)| *action))
        .chain(families());
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values))
        .build()
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
    responses((status = 200, description = "A page of the audit log, newest first (needs audit:read and Administrator scope)", body = AuditEventList), Refused, QueryRefused),
    security(("bearer" = [])))]
pub async fn list_audit_events(
    ctx: Ctx,
    Ids(workspace): Ids<Uuid>,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> ApiResult<Json<AuditEventList>> {
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
    let page = audit::page(&ctx, workspace, &query).await?;
    Ok(Json(AuditEventList {
        items: page.entries.into_iter().map(AuditEventJson::from).collect(),
        next: page.next,
    }))
}
