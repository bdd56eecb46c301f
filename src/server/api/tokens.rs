//! `/api/v1/workspaces/{workspace}/tokens`: the workspace's tokens.

use axum::{http::StatusCode, response::IntoResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    Problem,
    door::{ApiQuery, ApiResult, BodyRefused, Conflict, Ids, QueryRefused, Refused},
    json::{ApiJson, Json, Time, parse_rfc3339, present},
};
use crate::{
    domain::{
        api_permission::PermissionSet,
        error::AppError,
        rate_limit::{RateLimit, RateLimitChoice},
        revoke::{self, RevokeAction, RevokeRequest, Selection, SelectionFields},
        role::Role,
        token::TokenStatus,
        token_list::TokenSort,
    },
    model::{Revoked, TokenInput, TokenView},
    server::{
        context::Ctx,
        services::{
            bulk_revoke, cursor,
            token_views::{self, PageAt, TokenFilter},
            tokens::{self, TokenPatch},
        },
    },
};

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
    /// Who made it: the person, and the token they made it through, if any.
    pub created_by: Option<String>,
    /// The label of the token it was made through (the API), if it was.
    pub created_by_token: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Time>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Time>,
    pub last_used_ip: Option<String>,
    /// Set when the token does not expire within the workspace's maximum token lifetime:
    /// the moment from which the API refuses it (past: refused now).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub over_policy_from: Option<Time>,
    /// The addresses and ranges it may be used from; empty: any address.
    #[schema(example = json!(["203.0.113.7", "10.0.0.0/8"]))]
    pub allowed_ips: Vec<String>,
    /// How often it may be used (null: no limit); every answer to it carries the
    /// `RateLimit-Policy` and `RateLimit` fields, and one over the limit is a 429.
    pub rate_limit: Option<RateLimit>,
    /// Set once it was reported as leaked: it is disabled for good (rotate it, or make a
    /// new token).
    pub leak: Option<LeakJson>,
}

/// A token's leak: when it was reported, through which channel, and where it was found.
#[derive(Serialize, ToSchema)]
pub struct LeakJson {
    #[schema(value_type = String, format = DateTime)]
    pub reported_at: Time,
    /// `public_report`, `gitlab` or `github`.
    #[schema(example = "github")]
    pub source: &'static str,
    pub location: Option<String>,
}

/// A status as the API names it.
impl From<TokenView> for TokenJson {
    fn from(view: TokenView) -> Self {
        TokenJson {
            id: view.id,
            label: view.label,
            scope: view.scope,
            permissions: view.effective_permissions,
            chosen_permissions: view.permissions,
            prefix: view.display_prefix,
            status: view.status.name(),
            created_at: Time(view.created_at),
            created_by: view.created_by,
            created_by_token: view.created_by_token,
            expires_at: view.expires_at.map(Time),
            last_used_at: view.last_used_at.map(Time),
            last_used_ip: view.last_used_ip,
            over_policy_from: view.over_policy.map(Time),
            allowed_ips: view.allowed_ips,
            rate_limit: view.rate_limit,
            leak: view.leak.map(|leak| LeakJson {
                reported_at: Time(leak.at),
                source: leak.source.as_str(),
                location: leak.location,
            }),
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
    /// How many tokens the filters keep, on every page.
    pub total: u64,
    pub limit: usize,
    /// The order the page is in.
    pub sort: String,
    /// The offset asked for (0 when the page was asked by cursor).
    pub offset: u64,
    /// Give as `after` for the next page; null on the last page.
    pub next: Option<String>,
    /// Give as `before` for the page before; null on the first page.
    pub previous: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Labels containing this text, ignoring case.
    pub label: Option<String>,
    #[param(schema_with = status_filter_schema)]
    pub status: Option<String>,
    pub scope: Option<Role>,
    /// The order, as in JSON:API: a field, with a leading minus for descending
    /// (default `-created_at`, newest first). A token that never expires sorts after every
    /// expiry date, one never used before every use; ties go by id.
    #[param(schema_with = sort_schema)]
    pub sort: Option<String>,
    /// Tokens per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
    /// Tokens to skip, 0 to 4294967295. Prefer the cursors: a page read by cursor costs the
    /// same wherever it is, and never repeats or skips a token created or deleted meanwhile.
    #[param(minimum = 0, maximum = 4294967295_u32)]
    pub offset: Option<u32>,
    /// The page after this one: the `next` of the page before (same `sort`).
    #[param(max_length = 2048, pattern = "^[A-Za-z0-9_-]+$")]
    pub after: Option<String>,
    /// The page before this one: the `previous` of the page after (same `sort`).
    #[param(max_length = 2048, pattern = "^[A-Za-z0-9_-]+$")]
    pub before: Option<String>,
}

/// The orders a list can have.
fn sort_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(TokenSort::names()))
        .build()
}

/// The status filter's values.
fn status_filter_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(TokenStatus::ALL.map(TokenStatus::name)))
        .build()
}

#[utoipa::path(get, path = "/workspaces/{workspace}/tokens", tag = "tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ListQuery),
    responses((status = 200, description = "A page of tokens", body = TokenList), Refused, QueryRefused),
    security(("bearer" = [])))]
pub async fn list_tokens(
    ctx: Ctx,
    Ids(workspace): Ids<Uuid>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<TokenList>> {
    let status = match query.status.as_deref() {
        None => None,
        Some(name) => Some(TokenStatus::parse(name).ok_or_else(|| {
            Problem::unprocessable(
                "status",
                format!("Unknown status {name:?}; use active, expired or disabled."),
            )
        })?),
    };
    let sort = match query.sort.as_deref() {
        None => TokenSort::default(),
        Some(name) => TokenSort::parse(name).map_err(|why| Problem::unprocessable("sort", why))?,
    };
    let page = match (query.offset, query.after, query.before) {
        (None, None, None) => PageAt::First,
        (Some(offset), None, None) => PageAt::Offset(u64::from(offset)),
        (None, Some(after), None) => PageAt::After(after),
        (None, None, Some(before)) => PageAt::Before(before),
        _ => {
            return Err(Problem::unprocessable(
                "after",
                "Give one of offset, after and before: they each say where the page starts.",
            ));
        }
    };
    let offset = match page {
        PageAt::Offset(offset) => offset,
        _ => 0,
    };
    let filter = TokenFilter {
        label: query.label,
        status,
        scope: query.scope,
        sort,
        limit: query.limit.unwrap_or(cursor::DEFAULT_PAGE),
        page,
    };
    let page = token_views::list(&ctx, workspace, &filter).await?;
    Ok(Json(TokenList {
        items: page.items.into_iter().map(TokenJson::from).collect(),
        total: page.total,
        limit: filter.limit,
        sort: sort.name(),
        offset,
        next: page.next,
        previous: page.previous,
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
    /// The IPv4/IPv6 addresses and CIDR ranges the token may be used from (at most 32;
    /// IPv4-mapped IPv6 counts as IPv4; `0.0.0.0/0` and `::/0` are refused). Empty or left
    /// out: any address. A request from elsewhere gets 403.
    #[serde(default)]
    #[schema(example = json!(["203.0.113.7", "10.0.0.0/8"]))]
    pub allowed_ips: Option<Vec<String>>,
    /// At most `requests` per `window_seconds` (GCRA: a burst of up to `requests`, then
    /// evenly spread). Left out: the workspace's default; null: no limit.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<RateLimit>)]
    pub rate_limit: Option<Option<RateLimit>>,
}

#[utoipa::path(post, path = "/workspaces/{workspace}/tokens", tag = "tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    request_body = CreateToken,
    responses((status = 201, description = "Created; the secret is shown this once", body = CreatedJson), Refused, BodyRefused),
    security(("bearer" = [])))]
pub async fn create_token(
    ctx: Ctx,
    Ids(workspace): Ids<Uuid>,
    ApiJson(body): ApiJson<CreateToken>,
) -> ApiResult<impl IntoResponse> {
    let input = TokenInput {
        label: body.label,
        scope: body.scope,
        permissions: body.permissions,
        expires_at: time(body.expires_at.as_deref())?,
        allowed_ips: body.allowed_ips,
        rate_limit: body
            .rate_limit
            .map_or(RateLimitChoice::WorkspaceDefault, RateLimitChoice::of),
    };
    let created = tokens::create(&ctx, workspace, input).await?;
    let json = CreatedJson {
        token: created.token.into(),
        secret: created.secret,
    };
    Ok((
        StatusCode::CREATED,
        [("cache-control", "no-store")],
        Json(json),
    ))
}

/// An `expires_at` as given, in milliseconds.
fn time(text: Option<&str>) -> ApiResult<Option<i64>> {
    text.map(|text| parse_rfc3339("expires_at", text))
        .transpose()
}

#[utoipa::path(get, path = "/workspaces/{workspace}/tokens/{token}", tag = "tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("token" = Uuid, Path, description = "Token id")),
    responses((status = 200, description = "The token", body = TokenJson), Refused),
    security(("bearer" = [])))]
pub async fn get_token(
    ctx: Ctx,
    Ids((workspace, token)): Ids<(Uuid, Uuid)>,
) -> ApiResult<Json<TokenJson>> {
    Ok(Json(token_views::get(&ctx, workspace, token).await?.into()))
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
    /// A new IP allowlist: an empty list allows any address again.
    #[schema(example = json!(["203.0.113.7", "10.0.0.0/8"]))]
    pub allowed_ips: Option<Vec<String>>,
    /// A new rate limit; null removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<RateLimit>)]
    pub rate_limit: Option<Option<RateLimit>>,
}

#[utoipa::path(patch, path = "/workspaces/{workspace}/tokens/{token}", tag = "tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("token" = Uuid, Path, description = "Token id")),
    request_body = PatchToken,
    responses((status = 200, description = "The token as changed (in one step, recorded once)", body = TokenJson), Refused, BodyRefused),
    security(("bearer" = [])))]
pub async fn patch_token(
    ctx: Ctx,
    Ids((workspace, token)): Ids<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<PatchToken>,
) -> ApiResult<Json<TokenJson>> {
    let patch = TokenPatch {
        label: body.label,
        scope: body.scope,
        permissions: body.permissions,
        expires_at: body
            .expires_at
            .map(|asked| time(asked.as_deref()))
            .transpose()?,
        enabled: body.enabled,
        allowed_ips: body.allowed_ips,
        rate_limit: body.rate_limit,
    };
    Ok(Json(
        tokens::update(&ctx, workspace, token, patch).await?.into(),
    ))
}

#[utoipa::path(delete, path = "/workspaces/{workspace}/tokens/{token}", tag = "tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("token" = Uuid, Path, description = "Token id")),
    responses((status = 204, description = "Deleted; anything using it stops working at once"), Refused),
    security(("bearer" = [])))]
pub async fn delete_token(
    ctx: Ctx,
    Ids((workspace, token)): Ids<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    tokens::delete(&ctx, workspace, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The largest body `POST …/tokens/revoke` reads: room for [`revoke::MAX_IDS`] ids (38
/// bytes each, quoted and separated) and the rest, so that a list over the cap is told so
/// (422) instead of being cut off as too large.
pub const REVOKE_BODY_LIMIT: usize = 64 * 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeTokens {
    /// These tokens (1 to 1000 ids). Leave out to choose by the criteria below instead.
    #[serde(default)]
    pub ids: Option<Vec<Uuid>>,
    /// Tokens never used, or last used before this time.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub unused_since: Option<String>,
    /// Tokens made by this person (a user id).
    #[serde(default)]
    pub created_by: Option<Uuid>,
    /// Tokens of exactly this scope.
    #[serde(default)]
    pub scope: Option<Role>,
    pub action: RevokeAction,
    /// Only say which tokens it would take; change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RevokedJson {
    pub action: RevokeAction,
    pub dry_run: bool,
    /// How many tokens were (on a dry run: would be) disabled or deleted.
    pub count: usize,
    pub tokens: Vec<RevokedTokenJson>,
}

#[derive(Serialize, ToSchema)]
pub struct RevokedTokenJson {
    pub id: Uuid,
    pub label: String,
}

impl From<Revoked> for RevokedJson {
    fn from(revoked: Revoked) -> Self {
        RevokedJson {
            action: revoked.action,
            dry_run: revoked.dry_run,
            count: revoked.tokens.len(),
            tokens: revoked
                .tokens
                .into_iter()
                .map(|token| RevokedTokenJson {
                    id: token.id,
                    label: token.label,
                })
                .collect(),
        }
    }
}

#[utoipa::path(post, path = "/workspaces/{workspace}/tokens/revoke", tag = "tokens",
    description = "Disables or deletes many tokens at once: those listed in `ids`, or every token matching all the criteria given (`unused_since`, `created_by`, `scope`). All or nothing: an id that is not a token of this workspace (404), or a token the caller may not disable or delete (403), refuses the whole request and nothing changes. Disabling skips tokens already disabled. Each token is recorded as a single disable or delete is, and the request once more (`token.bulk_disabled`, `token.bulk_deleted`). With `dry_run` nothing changes: the answer says what would be done.",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    request_body = RevokeTokens,
    responses((status = 200, description = "The tokens disabled or deleted (on a dry run: that would be)", body = RevokedJson), Refused, BodyRefused, Conflict),
    security(("bearer" = [])))]
pub async fn revoke_tokens(
    ctx: Ctx,
    Ids(workspace): Ids<Uuid>,
    ApiJson(body): ApiJson<RevokeTokens>,
) -> ApiResult<Json<RevokedJson>> {
    let fields = SelectionFields {
        ids: body.ids,
        unused_since: body
            .unused_since
            .map(|text| parse_rfc3339("unused_since", &text))
            .transpose()?,
        created_by: body.created_by,
        scope: body.scope,
    };
    let request = RevokeRequest {
        selection: Selection::try_from(fields).map_err(AppError::from)?,
        action: body.action,
        dry_run: body.dry_run,
    };
    match bulk_revoke::revoke(&ctx, workspace, request).await {
        Ok(revoked) => Ok(Json(revoked.into())),
        Err(AppError::NotFound) => Err(Problem::not_found(revoke::NOT_FOUND)),
        Err(other) => Err(other.into()),
    }
}
