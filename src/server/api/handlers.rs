//! The `/api/v1` endpoints. Each one is a thin translation between JSON and the services
//! the UI's server functions call too.

use axum::{
    extract::{Path, Query, State, rejection::QueryRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    Caller, Problem,
    json::{ApiJson, Json, Time, parse_rfc3339, present, serde_message},
};
use crate::{
    domain::{api_permission::PermissionSet, error::AppError, role::Role, token::TokenStatus},
    model::{Member, TokenInput, TokenView, WorkspaceSummary},
    server::{
        services::{
            Principal, RequestMeta, TokenPrincipal, now_ms,
            tokens::{self, TokenCheck},
            workspaces,
        },
        state::AppState,
    },
};

type ApiResult<T> = Result<T, Problem>;

pub(super) fn principal(token: &TokenPrincipal) -> Principal {
    Principal::Token(token.clone())
}

/// An id in a path; anything that is not one names nothing.
pub(super) fn id(text: &str) -> ApiResult<Uuid> {
    text.parse().map_err(|_| Problem::from(AppError::NotFound))
}

// ---------------------------------------------------------------------------------------
// Shapes

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

#[derive(Serialize, ToSchema)]
pub struct TokenJson {
    pub id: Uuid,
    pub label: String,
    pub scope: Role,
    #[schema(value_type = Vec<String>, example = json!(["tokens:read"]))]
    pub permissions: PermissionSet,
    #[schema(value_type = Option<Vec<String>>)]
    pub chosen_permissions: Option<PermissionSet>,
    /// The first characters of the secret; the rest is never shown again.
    pub prefix: String,
    #[schema(example = "active")]
    pub status: &'static str,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Time,
    pub created_by: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Time>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Time>,
    pub last_used_ip: Option<String>,
}

fn status_name(status: TokenStatus) -> &'static str {
    match status {
        TokenStatus::Active => "active",
        TokenStatus::Expired => "expired",
        TokenStatus::Disabled => "disabled",
    }
}

impl From<TokenView> for TokenJson {
    fn from(view: TokenView) -> Self {
        TokenJson {
            id: view.id,
            label: view.label,
            scope: view.scope,
            permissions: view.effective_permissions,
            chosen_permissions: view.permissions,
            prefix: view.display_prefix,
            status: status_name(view.status),
            created_at: Time(view.created_at),
            created_by: view.created_by,
            expires_at: view.expires_at.map(Time),
            last_used_at: view.last_used_at.map(Time),
            last_used_ip: view.last_used_ip,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedJson {
    pub token: TokenJson,
    /// The whole secret: shown this once.
    pub secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenJson>,
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
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

// ---------------------------------------------------------------------------------------
// The presented token

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
pub async fn revoke_self(
    State(state): State<AppState>,
    Caller(token): Caller,
    meta: RequestMeta,
) -> ApiResult<StatusCode> {
    tokens::revoke_self(&state.db, &token, &meta, now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------
// Tokens

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Labels containing this text, ignoring case.
    pub label: Option<String>,
    pub status: Option<String>,
    pub scope: Option<Role>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[utoipa::path(get, path = "/workspaces/{workspace}/tokens", tag = "tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ListQuery),
    responses((status = 200, description = "A page of tokens", body = TokenList), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks a permission", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Caller(token): Caller,
    Path(workspace): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<TokenList>> {
    let workspace = id(&workspace)?;
    let Query(query) = query.map_err(|rejection| {
        Problem::unprocessable("query", serde_message(&rejection.body_text()))
    })?;
    let status = match query.status.as_deref() {
        None => None,
        Some("active") => Some(TokenStatus::Active),
        Some("expired") => Some(TokenStatus::Expired),
        Some("disabled") => Some(TokenStatus::Disabled),
        Some(other) => {
            return Err(Problem::unprocessable(
                "status",
                format!("Unknown status {other:?}; use active, expired or disabled."),
            ));
        }
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Problem::unprocessable(
            "limit",
            "Use a limit from 1 to 200.",
        ));
    }
    let offset = query.offset.unwrap_or(0);
    let page = tokens::page(&state.db, &principal(&token), workspace, now_ms()).await?;
    let needle = query.label.as_deref().map(str::to_lowercase);
    let matching: Vec<TokenView> = page
        .tokens
        .into_iter()
        .filter(|t| {
            needle
                .as_ref()
                .is_none_or(|n| t.label.to_lowercase().contains(n))
        })
        .filter(|t| status.is_none_or(|s| t.status == s))
        .filter(|t| query.scope.is_none_or(|s| t.scope == s))
        .collect();
    let total = matching.len();
    Ok(Json(TokenList {
        items: matching
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(TokenJson::from)
            .collect(),
        total,
        limit,
        offset,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub label: String,
    pub scope: Role,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>, example = json!(["introspect"]))]
    pub permissions: Option<PermissionSet>,
    #[serde(default)]
    pub expires_at: Option<String>,
}

#[utoipa::path(post, path = "/workspaces/{workspace}/tokens", tag = "tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    request_body = CreateToken,
    responses((status = 201, description = "Created; the secret is shown this once", body = CreatedJson), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks a permission", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json"), (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"), (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    Caller(token): Caller,
    meta: RequestMeta,
    Path(workspace): Path<String>,
    ApiJson(body): ApiJson<CreateToken>,
) -> ApiResult<Response> {
    let workspace = id(&workspace)?;
    let expires_at = body
        .expires_at
        .as_deref()
        .map(|text| parse_rfc3339("expires_at", text))
        .transpose()?;
    let input = TokenInput {
        label: body.label,
        scope: body.scope,
        permissions: body.permissions,
        expires_at,
    };
    let created = tokens::create(
        &state.db,
        &state.keys,
        &principal(&token),
        workspace,
        input,
        &meta,
        now_ms(),
    )
    .await?;
    let json = CreatedJson {
        token: created.token.into(),
        secret: created.secret,
    };
    Ok((
        StatusCode::CREATED,
        [("cache-control", "no-store")],
        Json(json),
    )
        .into_response())
}

#[utoipa::path(get, path = "/workspaces/{workspace}/tokens/{token}", tag = "tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("token" = Uuid, Path, description = "Token id")),
    responses((status = 200, description = "The token", body = TokenJson), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks a permission", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get_token(
    State(state): State<AppState>,
    Caller(token): Caller,
    Path((workspace, token_id)): Path<(String, String)>,
) -> ApiResult<Json<TokenJson>> {
    let view = tokens::get(
        &state.db,
        &principal(&token),
        id(&workspace)?,
        id(&token_id)?,
        now_ms(),
    )
    .await?;
    Ok(Json(view.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchToken {
    pub label: Option<String>,
    pub scope: Option<Role>,
    /// null gives the token its whole scope again.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub permissions: Option<Option<PermissionSet>>,
    /// null removes the expiry.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<String>>,
    pub enabled: Option<bool>,
}

#[utoipa::path(patch, path = "/workspaces/{workspace}/tokens/{token}", tag = "tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("token" = Uuid, Path, description = "Token id")),
    request_body = PatchToken,
    responses((status = 200, description = "The token as changed", body = TokenJson), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks a permission", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json"), (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"), (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn patch_token(
    State(state): State<AppState>,
    Caller(token): Caller,
    meta: RequestMeta,
    Path((workspace, token_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<PatchToken>,
) -> ApiResult<Json<TokenJson>> {
    let (workspace, token_id) = (id(&workspace)?, id(&token_id)?);
    let actor = principal(&token);
    let now = now_ms();
    let mut view = tokens::get(&state.db, &actor, workspace, token_id, now).await?;
    let edits = body.label.is_some()
        || body.scope.is_some()
        || body.permissions.is_some()
        || body.expires_at.is_some();
    if edits {
        let expires_at = match body.expires_at {
            None => view.expires_at,
            Some(None) => None,
            Some(Some(text)) => Some(parse_rfc3339("expires_at", &text)?),
        };
        let input = TokenInput {
            label: body.label.unwrap_or_else(|| view.label.clone()),
            scope: body.scope.unwrap_or(view.scope),
            permissions: body.permissions.unwrap_or(view.permissions),
            expires_at,
        };
        view = tokens::edit(&state.db, &actor, workspace, token_id, input, &meta, now).await?;
    }
    if let Some(enabled) = body.enabled {
        view = tokens::set_enabled(&state.db, &actor, workspace, token_id, enabled, &meta, now)
            .await?;
    }
    Ok(Json(view.into()))
}

#[utoipa::path(delete, path = "/workspaces/{workspace}/tokens/{token}", tag = "tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("token" = Uuid, Path, description = "Token id")),
    responses((status = 204, description = "Deleted; anything using it stops working at once"), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks a permission", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn delete_token(
    State(state): State<AppState>,
    Caller(token): Caller,
    meta: RequestMeta,
    Path((workspace, token_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    tokens::delete(
        &state.db,
        &principal(&token),
        id(&workspace)?,
        id(&token_id)?,
        &meta,
        now_ms(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------
// Workspace and members

#[utoipa::path(get, path = "/workspaces/{workspace}", tag = "workspaces",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    responses((status = 200, description = "The workspace", body = WorkspaceJson), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks a permission", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get_workspace(
    State(state): State<AppState>,
    Caller(token): Caller,
    Path(workspace): Path<String>,
) -> ApiResult<Json<WorkspaceJson>> {
    let workspace = workspaces::get(&state.db, &principal(&token), id(&workspace)?).await?;
    Ok(Json(workspace.into()))
}

#[utoipa::path(get, path = "/workspaces/{workspace}/members", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    responses((status = 200, description = "The members", body = [MemberJson]), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks a permission", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list_members(
    State(state): State<AppState>,
    Caller(token): Caller,
    Path(workspace): Path<String>,
) -> ApiResult<Json<Vec<MemberJson>>> {
    let page =
        workspaces::members(&state.db, &principal(&token), id(&workspace)?, now_ms()).await?;
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
    responses((status = 200, description = "The member with the new role", body = MemberJson), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks a permission", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json"), (status = 409, description = "The workspace would lose its last Owner", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn patch_member(
    State(state): State<AppState>,
    Caller(token): Caller,
    meta: RequestMeta,
    Path((workspace, user)): Path<(String, String)>,
    ApiJson(body): ApiJson<PatchMember>,
) -> ApiResult<Json<MemberJson>> {
    let member = workspaces::change_role(
        &state.db,
        &principal(&token),
        id(&workspace)?,
        id(&user)?,
        body.role,
        &meta,
        now_ms(),
    )
    .await?;
    Ok(Json(member.into()))
}

#[utoipa::path(delete, path = "/workspaces/{workspace}/members/{user}", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("user" = Uuid, Path, description = "User id")),
    responses((status = 204, description = "Removed"), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks a permission", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json"), (status = 409, description = "The workspace would lose its last Owner", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn delete_member(
    State(state): State<AppState>,
    Caller(token): Caller,
    meta: RequestMeta,
    Path((workspace, user)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    workspaces::remove_member(
        &state.db,
        &principal(&token),
        id(&workspace)?,
        id(&user)?,
        &meta,
        now_ms(),
    )
    .await?;
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
    responses((status = 200, description = "Whether the token is active, and why not", body = IntrospectResponse), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks a permission", body = Problem, content_type = "application/problem+json"), (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"), (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn introspect(
    State(state): State<AppState>,
    Caller(token): Caller,
    ApiJson(body): ApiJson<IntrospectRequest>,
) -> ApiResult<Json<IntrospectResponse>> {
    let check = tokens::introspect(&state.db, &state.keys, &token, &body.token, now_ms()).await?;
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

/// The OpenAPI 3.1 document of `/api/v1`, generated from the handlers above.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Tessera API",
        description = "Manage a workspace's access tokens and verify them. Authenticate with `Authorization: Bearer tsr_…`. Times are RFC 3339 UTC; errors are RFC 9457 problem documents."
    ),
    servers((url = "/api/v1")),
    paths(
        get_self, revoke_self, list_tokens, create_token, get_token, patch_token, delete_token,
        get_workspace, super::audit::patch_workspace, list_members, super::invitations::invite_member, patch_member,
        delete_member, super::invitations::list_invitations,
        super::invitations::resend_invitation, super::invitations::revoke_invitation,
        super::audit::list_audit_events, introspect
    ),
    components(schemas(Problem, crate::domain::validation::FieldError, Role)),
    modifiers(&BearerScheme),
)]
pub struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An access token, tsr_…"))
                    .build(),
            ),
        );
    }
}

/// `GET /api/v1/openapi.json`: the contract, readable without a token.
pub async fn openapi_json() -> Response {
    use utoipa::OpenApi;
    (
        [("cache-control", "public, max-age=300")],
        Json(ApiDoc::openapi()),
    )
        .into_response()
}

/// The operations of the OpenAPI document, flattened for the API reference page.
pub fn operations() -> Vec<crate::model::ApiOperation> {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "post", "patch", "delete"] {
            let operation = &item[method];
            if !operation.is_object() {
                continue;
            }
            let parameters = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    format!(
                        "{} ({}): {}",
                        text(&p["name"]),
                        text(&p["in"]),
                        text(&p["description"])
                    )
                })
                .collect();
            let request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .map(|r| r.trim_start_matches("#/components/schemas/").to_owned());
            let responses = operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(code, response)| (code.clone(), text(&response["description"])))
                .collect();
            operations.push(crate::model::ApiOperation {
                tag: operation["tags"][0].as_str().unwrap_or("api").to_owned(),
                method: method.to_uppercase(),
                path: format!("/api/v1{path}"),
                summary: text(&operation["summary"]),
                description: text(&operation["description"]),
                parameters,
                request,
                responses,
            });
        }
    }
    operations
}
