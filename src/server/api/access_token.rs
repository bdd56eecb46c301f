//! `/api/v1/access-token` and `/api/v1/introspect`: the presented token itself, and other
//! services asking whether a token of the workspace is valid (RFC 7662's shape).

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Caller, Problem,
    door::{ApiResult, BodyRefused},
    json::{ApiJson, Json, Time},
};
use crate::{
    domain::{api_permission::PermissionSet, role::Role},
    server::{
        context::Ctx,
        services::{
            TokenPrincipal,
            token_check::{self, TokenCheck},
        },
    },
};

#[derive(Serialize, ToSchema)]
pub struct WorkspaceRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct SelfJson {
    pub id: Uuid,
    pub label: String,
    pub workspace: WorkspaceRef,
    pub scope: Role,
    /// What the token may do.
    #[schema(value_type = Vec<String>, example = json!(["tokens:read"]))]
    pub permissions: PermissionSet,
    /// What was chosen at creation (null: the whole scope).
    #[schema(value_type = Option<Vec<String>>)]
    pub chosen_permissions: Option<PermissionSet>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Time,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Time>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Time>,
}

#[utoipa::path(get, path = "/access-token", tag = "access-token",
    responses((status = 200, description = "The presented token", body = SelfJson), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get_self(Caller(token): Caller) -> Json<SelfJson> {
    Json(SelfJson {
        id: token.id,
        label: token.label,
        workspace: WorkspaceRef {
            id: token.workspace_id,
            name: token.workspace_name,
        },
        scope: token.scope,
        permissions: token.permissions,
        chosen_permissions: token.chosen,
        created_at: Time(token.created_at),
        expires_at: token.expires_at.map(Time),
        last_used_at: token.last_used_at.map(Time),
    })
}

#[utoipa::path(delete, path = "/access-token", tag = "access-token",
    responses((status = 204, description = "Revoked; the token stops working at once"), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn revoke_self(ctx: Ctx<TokenPrincipal>) -> ApiResult<StatusCode> {
    token_check::revoke_self(&ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------
// Introspection (RFC 7662 shape)

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntrospectRequest {
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct IntrospectResponse {
    pub active: bool,
    #[schema(example = "VALID")]
    pub reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub permissions: Option<PermissionSet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Time>,
}

#[utoipa::path(post, path = "/introspect", tag = "introspection",
    request_body = IntrospectRequest,
    responses((status = 200, description = "Whether the token is active, and why not", body = IntrospectResponse), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the introspect permission", body = Problem, content_type = "application/problem+json"), BodyRefused),
    security(("bearer" = [])))]
pub async fn introspect(
    ctx: Ctx<TokenPrincipal>,
    ApiJson(body): ApiJson<IntrospectRequest>,
) -> ApiResult<Json<IntrospectResponse>> {
    let check = token_check::introspect(&ctx, &body.token).await?;
    let reason = check.reason();
    Ok(Json(match check {
        TokenCheck::Valid(found) => IntrospectResponse {
            active: true,
            reason,
            workspace: Some(found.workspace_id),
            scope: Some(found.scope),
            permissions: Some(found.permissions),
            expires_at: found.expires_at.map(Time),
        },
        _ => IntrospectResponse {
            active: false,
            reason,
            workspace: None,
            scope: None,
            permissions: None,
            expires_at: None,
        },
    }))
}
