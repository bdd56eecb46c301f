//! `/api/v1/workspaces/{workspace}`: the workspace's details and settings, and its members.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    door::{ApiResult, BodyRefused, Conflict, Ids, Refused},
    json::{ApiJson, Json, Time, parse_rfc3339, present},
};
use crate::{
    domain::{policy::PolicyPatch, rate_limit::RateLimit, role::Role},
    model::{Member, WorkspaceSettings},
    server::{
        context::Ctx,
        services::workspaces::{self, DefaultsPatch},
    },
};

#[derive(Serialize, ToSchema)]
pub struct WorkspaceJson {
    pub id: Uuid,
    pub name: String,
    /// The presented token's scope, its role here.
    pub role: Role,
    pub token_policy: TokenPolicyJson,
    /// The IP allowlist new tokens get when their maker gives none; empty: any address.
    pub default_allowed_ips: Vec<String>,
    /// The rate limit new tokens get when their maker gives none; null: no limit.
    pub default_rate_limit: Option<RateLimit>,
}

/// The rules every token of the workspace lives by (see README "Token policy").
#[derive(Serialize, ToSchema)]
pub struct TokenPolicyJson {
    /// Personal tokens wait for an Administrator's approval before acting here.
    pub approve_personal_tokens: bool,
    /// New tokens keep no copy of their secret: shown once, never copied.
    pub secret_shown_once: bool,
    /// New tokens must expire within this many days (null: no limit).
    #[schema(minimum = 1, maximum = 3650)]
    pub max_token_lifetime_days: Option<i64>,
    /// From this moment, tokens over the lifetime limit are refused.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub token_lifetime_grace_until: Option<Time>,
    /// No new token above this scope (null: up to owner).
    pub max_token_scope: Option<Role>,
}

impl From<WorkspaceSettings> for WorkspaceJson {
    fn from(settings: WorkspaceSettings) -> Self {
        let (workspace, policy) = (settings.workspace, settings.policy);
        WorkspaceJson {
            id: workspace.id,
            name: workspace.name,
            role: workspace.role,
            token_policy: TokenPolicyJson {
                approve_personal_tokens: policy.approve_personal_tokens,
                secret_shown_once: policy.secret_shown_once,
                max_token_lifetime_days: policy.max_lifetime_days,
                token_lifetime_grace_until: policy.lifetime_grace_until.map(Time),
                max_token_scope: policy.max_scope,
            },
            default_allowed_ips: settings.default_allowed_ips,
            default_rate_limit: settings.default_rate_limit,
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
    Ok(Json(workspaces::settings(&ctx, workspace).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWorkspace {
    /// The workspace's new name (Administrator scope).
    pub name: Option<String>,
    /// The IP allowlist new tokens get when their maker gives none (Administrator scope;
    /// the rules of a token's `allowed_ips`); an empty list: any address.
    #[schema(example = json!(["10.0.0.0/8"]))]
    pub default_allowed_ips: Option<Vec<String>>,
    /// The rate limit new tokens get when their maker gives none (Administrator scope;
    /// the rules of a token's `rate_limit`); null: no limit.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<RateLimit>)]
    pub default_rate_limit: Option<Option<RateLimit>>,
    /// The token policy (Owner scope): each field given is set.
    pub approve_personal_tokens: Option<bool>,
    pub secret_shown_once: Option<bool>,
    /// 1 to 3650; null removes the limit. Without a grace date, tokens over a new or
    /// changed limit are refused 30 days from now.
    #[serde(
        default,
        deserialize_with = "crate::domain::validation::present_whole_number"
    )]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 3650)]
    pub max_token_lifetime_days: Option<Option<i64>>,
    /// RFC 3339: from when tokens over the lifetime limit are refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub token_lifetime_grace_until: Option<Option<String>>,
    /// null allows every scope again.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Role>)]
    pub max_token_scope: Option<Option<Role>>,
}

#[utoipa::path(patch, path = "/workspaces/{workspace}", tag = "workspaces",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    request_body = PatchWorkspace,
    responses((status = 200, description = "The workspace with its new settings (needs workspace:read and workspace:write, and Administrator scope; the token policy fields Owner scope)", body = WorkspaceJson), Refused, BodyRefused),
    security(("bearer" = [])))]
pub async fn patch_workspace(
    ctx: Ctx,
    Ids(workspace): Ids<Uuid>,
    ApiJson(body): ApiJson<PatchWorkspace>,
) -> ApiResult<Json<WorkspaceJson>> {
    let policy = PolicyPatch {
        approve_personal_tokens: body.approve_personal_tokens,
        secret_shown_once: body.secret_shown_once,
        max_lifetime_days: body.max_token_lifetime_days,
        lifetime_grace_until: body
            .token_lifetime_grace_until
            .map(|asked| {
                asked
                    .map(|text| parse_rfc3339("token_lifetime_grace_until", &text))
                    .transpose()
            })
            .transpose()?,
        max_scope: body.max_token_scope,
    };
    Ok(Json(
        workspaces::change(
            &ctx,
            workspace,
            body.name.as_deref(),
            DefaultsPatch {
                allowed_ips: body.default_allowed_ips,
                rate_limit: body.default_rate_limit,
            },
            policy,
        )
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
