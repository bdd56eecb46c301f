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
    domain::{api_permission::PermissionSet, error::AppError, role::Role},
    server::{
        context::Ctx,
        services::{
            TokenPrincipal,
            token_check::{self, Origin},
        },
        store::token_cache::Grant,
    },
};

#[derive(Serialize, ToSchema)]
pub struct WorkspaceRef {
    pub id: Uuid,
    pub name: String,
}

/// One workspace the token may act in.
#[derive(Serialize, ToSchema)]
pub struct ReachJson {
    pub id: Uuid,
    pub name: String,
    /// Its scope there (a personal token's, capped by its owner's role there now).
    pub scope: Role,
    /// What it may do there.
    #[schema(value_type = Vec<String>, example = json!(["tokens:read"]))]
    pub permissions: PermissionSet,
    /// `approved`, or `pending` while the workspace's Administrators have not approved it.
    #[schema(example = "approved")]
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct SelfJson {
    pub id: Uuid,
    pub label: String,
    /// `workspace` for a workspace's token, `personal` for a person's.
    #[schema(example = "workspace")]
    pub kind: &'static str,
    /// A workspace token's workspace (null for a personal token: see `workspaces`).
    pub workspace: Option<WorkspaceRef>,
    /// A workspace token's scope (null for a personal token: see `workspaces`).
    pub scope: Option<Role>,
    /// What a workspace token may do (null for a personal token: see `workspaces`).
    #[schema(value_type = Option<Vec<String>>, example = json!(["tokens:read"]))]
    pub permissions: Option<PermissionSet>,
    /// What was chosen at creation for a workspace token (null: the whole scope).
    #[schema(value_type = Option<Vec<String>>)]
    pub chosen_permissions: Option<PermissionSet>,
    /// Every workspace the token may act in, with what it may do there.
    pub workspaces: Vec<ReachJson>,
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
    let home = token.reach.home();
    Json(SelfJson {
        id: token.id,
        label: token.label.clone(),
        kind: if home.is_some() {
            "workspace"
        } else {
            "personal"
        },
        workspace: home.map(|grant| WorkspaceRef {
            id: grant.workspace_id,
            name: grant.workspace_name.clone(),
        }),
        scope: home.map(|grant| grant.scope),
        permissions: home.map(Grant::permissions),
        chosen_permissions: home.and_then(|grant| grant.chosen),
        workspaces: token
            .reach
            .grants()
            .iter()
            .map(|grant| ReachJson {
                id: grant.workspace_id,
                name: grant.workspace_name.clone(),
                scope: grant.scope,
                permissions: grant.permissions(),
                status: if grant.pending { "pending" } else { "approved" },
            })
            .collect(),
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
    /// The address the token was presented from, when the asking service knows it: a
    /// token whose IP allowlist does not hold it is `IP_NOT_ALLOWED`. Left out, the
    /// allowlist is not asked.
    #[serde(default)]
    #[schema(example = "203.0.113.7")]
    pub ip: Option<String>,
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
    /// For a personal token: the person it acts for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Uuid>,
    /// For a valid token with a rate limit: the limit and what this check (which counts
    /// as a use) left of it; `RATE_LIMITED` when nothing was left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitState>,
}

/// A token's rate limit at the moment of a check.
#[derive(Serialize, ToSchema)]
pub struct RateLimitState {
    #[schema(example = 600)]
    pub requests: u32,
    #[schema(example = 60)]
    pub window_seconds: u32,
    /// Requests left now.
    #[schema(example = 599)]
    pub remaining: u32,
    /// Seconds until more quota is available.
    #[schema(example = 1)]
    pub reset_seconds: u64,
}

#[utoipa::path(post, path = "/introspect", tag = "introspection",
    request_body = IntrospectRequest,
    responses((status = 200, description = "Whether the token is active, and why not", body = IntrospectResponse), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the introspect permission", body = Problem, content_type = "application/problem+json"), BodyRefused),
    security(("bearer" = [])))]
pub async fn introspect(
    ctx: Ctx<TokenPrincipal>,
    ApiJson(body): ApiJson<IntrospectRequest>,
) -> ApiResult<Json<IntrospectResponse>> {
    // Exactly an address, as the document's ipv4/ipv6 formats say: no spaces around it.
    let origin = match body.ip.as_deref() {
        None => Origin::Unasked,
        Some(ip) => Origin::Client(Some(ip.parse().map_err(|_| {
            AppError::invalid(
                "ip",
                format!("\u{201c}{ip}\u{201d} is not an IP address: give the address the token came from, as 203.0.113.7 or 2001:db8::1."),
            )
        })?)),
    };
    let found = token_check::introspect(&ctx, &body.token, origin).await?;
    let active = found.active;
    Ok(Json(IntrospectResponse {
        active: active.is_some(),
        reason: found.reason,
        workspace: active.as_ref().map(|grant| grant.workspace_id),
        scope: active.as_ref().map(|grant| grant.scope),
        permissions: active.as_ref().map(|grant| grant.permissions),
        expires_at: active.as_ref().and_then(|grant| grant.expires_at).map(Time),
        owner: active.and_then(|grant| grant.owner_id),
        rate_limit: found.rate.map(|(limit, verdict)| {
            let (remaining, reset_seconds) = verdict.remaining();
            RateLimitState {
                requests: limit.requests,
                window_seconds: limit.window_seconds,
                remaining,
                reset_seconds,
            }
        }),
    }))
}
