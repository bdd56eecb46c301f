//! `/api/v1/workspaces/{workspace}`: the workspace's details and settings, and its members.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    door::{ApiResult, BodyRefused, Conflict, Ids, Refused},
    json::{ApiJson, Json, Time},
};
use crate::{
    domain::role::Role,
    model::{Member, WorkspaceSummary},
    server::{context::Ctx, services::workspaces},
};

#[derive(Serialize, ToSchema)]
pub struct WorkspaceJson {
    pub id: Uuid,
    pub name: String,
    /// The presented token's scope, its role here.
    pub role: Role,
}

impl From<WorkspaceSummary> for WorkspaceJson {
    fn from(workspace: WorkspaceSummary) -> Self {
        WorkspaceJson {
            id: workspace.id,
            name: workspace.name,
            role: workspace.role,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberJson {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: Time,
}

impl From<Member> for MemberJson {
    fn from(member: Member) -> Self {
        MemberJson {
            user_id: member.user_id,
            email: member.email,
            name: member.name,
            role: member.role,
            joined_at: Time(member.joined_at),
        }
    }
}

#[utoipa::path(get, path = "/workspaces/{workspace}", tag = "workspaces",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    responses((status = 200, description = "The workspace", body = WorkspaceJson), Refused),
    security(("bearer" = [])))]
pub async fn get_workspace(ctx: Ctx, Ids(workspace): Ids<Uuid>) -> ApiResult<Json<WorkspaceJson>> {
    Ok(Json(workspaces::get(&ctx, workspace).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWorkspace {
    /// The workspace's new name.
    pub name: String,
}

#[utoipa::path(patch, path = "/workspaces/{workspace}", tag = "workspaces",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    request_body = PatchWorkspace,
    responses((status = 200, description = "The workspace with its new settings (needs workspace:write and Administrator scope)", body = WorkspaceJson), Refused, BodyRefused),
    security(("bearer" = [])))]
pub async fn patch_workspace(
    ctx: Ctx,
    Ids(workspace): Ids<Uuid>,
    ApiJson(body): ApiJson<PatchWorkspace>,
) -> ApiResult<Json<WorkspaceJson>> {
    Ok(Json(
        workspaces::rename(&ctx, workspace, &body.name)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/workspaces/{workspace}/members", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    responses((status = 200, description = "The members", body = [MemberJson]), Refused),
    security(("bearer" = [])))]
pub async fn list_members(ctx: Ctx, Ids(workspace): Ids<Uuid>) -> ApiResult<Json<Vec<MemberJson>>> {
    let page = workspaces::members(&ctx, workspace).await?;
    Ok(Json(
        page.members.into_iter().map(MemberJson::from).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchMember {
    pub role: Role,
}

#[utoipa::path(patch, path = "/workspaces/{workspace}/members/{user}", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("user" = Uuid, Path, description = "User id")),
    request_body = PatchMember,
    responses((status = 200, description = "The member with the new role", body = MemberJson), Refused, Conflict, BodyRefused),
    security(("bearer" = [])))]
pub async fn patch_member(
    ctx: Ctx,
    Ids((workspace, user)): Ids<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<PatchMember>,
) -> ApiResult<Json<MemberJson>> {
    let member = workspaces::change_role(&ctx, workspace, user, body.role).await?;
    Ok(Json(member.into()))
}

#[utoipa::path(delete, path = "/workspaces/{workspace}/members/{user}", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("user" = Uuid, Path, description = "User id")),
    responses((status = 204, description = "Removed"), Refused, Conflict),
    security(("bearer" = [])))]
pub async fn delete_member(
    ctx: Ctx,
    Ids((workspace, user)): Ids<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    workspaces::remove_member(&ctx, workspace, user).await?;
    Ok(StatusCode::NO_CONTENT)
}
