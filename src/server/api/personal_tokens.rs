//! `/api/v1/workspaces/{workspace}/personal-tokens`: people's own tokens that can reach the
//! workspace, for its Administrators (never their secrets).

use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    door::{ApiResult, Conflict, Ids, Refused},
    json::{Json, Time},
};
use crate::{
    domain::{api_permission::PermissionSet, error::AppError, role::Role},
    model::PersonalTokenView,
    server::{context::Ctx, services::personal_tokens},
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

#[utoipa::path(get, path = "/workspaces/{workspace}/personal-tokens", tag = "personal tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    responses((status = 200, description = "Every personal token that can reach the workspace, approved or waiting", body = Vec<PersonalTokenJson>), Refused),
    security(("bearer" = [])))]
pub async fn list_personal_tokens(
    ctx: Ctx,
    Ids(workspace): Ids<Uuid>,
) -> ApiResult<Json<Vec<PersonalTokenJson>>> {
    let tokens = personal_tokens::reaching(&ctx, workspace).await?;
    Ok(Json(
        tokens
            .into_iter()
            .filter_map(|view| PersonalTokenJson::of(view, workspace))
            .collect(),
    ))
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
