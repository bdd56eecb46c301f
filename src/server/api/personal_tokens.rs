//! `/api/v1/workspaces/{workspace}/personal-tokens`: people's own tokens that can reach the
//! workspace, for its Administrators (never their secrets).

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    door::{ApiQuery, ApiResult, Conflict, Ids, QueryRefused, Refused},
    json::{Json, Time},
};
use crate::{
    domain::{api_permission::PermissionSet, error::AppError, role::Role},
    model::PersonalTokenView,
    server::{
        context::Ctx,
        services::{cursor, personal_tokens},
    },
};

#[derive(Serialize, ToSchema)]
pub struct PersonalTokenJson {
    pub id: Uuid,
    pub label: String,
    /// The person the token acts for.
    pub owner_email: String,
    pub owner_name: String,
    /// The scope its owner gave it in this workspace.
    pub scope: Role,
    /// The scope it acts with here now: never above its owner's role here.
    pub acting_scope: Role,
    /// The permissions chosen for this workspace (null: the whole scope).
    #[schema(value_type = Option<Vec<String>>)]
    pub chosen_permissions: Option<PermissionSet>,
    /// `approved`, or `pending` while this workspace's Administrators have not approved it.
    #[schema(example = "approved")]
    pub approval: &'static str,
    /// The first characters of the secret.
    pub prefix: String,
    #[schema(example = "active")]
    pub status: &'static str,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Time,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Time>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Time>,
}

impl PersonalTokenJson {
    /// The token as seen from `workspace`, when it reaches it.
    fn of(view: PersonalTokenView, workspace: Uuid) -> Option<PersonalTokenJson> {
        let grant = view
            .workspaces
            .into_iter()
            .find(|g| g.workspace_id == workspace)?;
        Some(PersonalTokenJson {
            id: view.id,
            label: view.label,
            owner_email: view.owner_email,
            owner_name: view.owner_name,
            scope: grant.scope,
            acting_scope: grant.acting_scope,
            chosen_permissions: grant.permissions,
            approval: if grant.pending { "pending" } else { "approved" },
            prefix: view.display_prefix,
            status: view.status.name(),
            created_at: Time(view.created_at),
            expires_at: view.expires_at.map(Time),
            last_used_at: view.last_used_at.map(Time),
        })
    }
}

/// A page of the personal tokens reaching a workspace.
#[derive(Serialize, ToSchema)]
pub struct PersonalTokenList {
    /// Those waiting for the workspace's approval first, then newest first.
    pub items: Vec<PersonalTokenJson>,
    /// How many personal tokens reach the workspace, on every page.
    pub total: u64,
    /// How many of those wait for its approval.
    pub waiting: u64,
    pub limit: usize,
    /// Give as `after` for the next page; null on the last page.
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReachingQuery {
    /// Tokens per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
    /// The page after this one: the `next` of the page before.
    #[param(max_length = 2048, pattern = "^[A-Za-z0-9_-]+$")]
    pub after: Option<String>,
}

#[utoipa::path(get, path = "/workspaces/{workspace}/personal-tokens", tag = "personal tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ReachingQuery),
    responses((status = 200, description = "A page of the personal tokens that can reach the workspace, approved or waiting", body = PersonalTokenList), Refused, QueryRefused),
    security(("bearer" = [])))]
pub async fn list_personal_tokens(
    ctx: Ctx,
    Ids(workspace): Ids<Uuid>,
    ApiQuery(query): ApiQuery<ReachingQuery>,
) -> ApiResult<Json<PersonalTokenList>> {
    let page = personal_tokens::reaching_page(&ctx, workspace, query.after.as_deref(), query.limit)
        .await?;
    Ok(Json(PersonalTokenList {
        // Checked by `reaching_page`.
        limit: query.limit.unwrap_or(cursor::DEFAULT_PAGE),
        items: page
            .tokens
            .into_iter()
            .filter_map(|view| PersonalTokenJson::of(view, workspace))
            .collect(),
        total: page.total,
        waiting: page.waiting,
        next: page.next,
    }))
}

#[utoipa::path(delete, path = "/workspaces/{workspace}/personal-tokens/{token}", tag = "personal tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("token" = Uuid, Path, description = "Personal token id")),
    responses((status = 204, description = "The workspace is removed from the token: it is refused here from the next request, and its owner is told by mail"), Refused),
    security(("bearer" = [])))]
pub async fn remove_personal_token(
    ctx: Ctx,
    Ids((workspace, token)): Ids<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    personal_tokens::remove_workspace(&ctx, workspace, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/workspaces/{workspace}/personal-tokens/{token}/approve", tag = "personal tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("token" = Uuid, Path, description = "Personal token id")),
    responses((status = 200, description = "Approved: the token acts here from its next request; its owner is told by mail", body = PersonalTokenJson),
        Refused, Conflict),
    security(("bearer" = [])))]
pub async fn approve_personal_token(
    ctx: Ctx,
    Ids((workspace, token)): Ids<(Uuid, Uuid)>,
) -> ApiResult<Json<PersonalTokenJson>> {
    let view = personal_tokens::decide(&ctx, workspace, token, true).await?;
    let json = PersonalTokenJson::of(view, workspace).ok_or(AppError::NotFound)?;
    Ok(Json(json))
}

#[utoipa::path(post, path = "/workspaces/{workspace}/personal-tokens/{token}/deny", tag = "personal tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("token" = Uuid, Path, description = "Personal token id")),
    responses((status = 204, description = "Denied: the workspace is taken from the token; its owner is told by mail"),
        Refused, Conflict),
    security(("bearer" = [])))]
pub async fn deny_personal_token(
    ctx: Ctx,
    Ids((workspace, token)): Ids<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    personal_tokens::decide(&ctx, workspace, token, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
