//! What the viewer sees of a workspace's tokens: the token table, the API's list, one
//! token, and the columns a person hides. Changing tokens is `tokens`.

use uuid::Uuid;

use super::Principal;
use crate::{
    domain::{
        api_permission::PermissionSet,
        error::AppError,
        permission::{Action, TokenAction, authorize_token, may_ever},
        policy::Lifetime,
        role::Role,
        token::{HiddenColumns, TokenStatus},
    },
    model::{CurrentUser, TokenView, TokensPage, WorkspaceSummary},
    server::{
        context::Ctx,
        store::tokens::{TokenRow, allowlist_entries, shown_rate_limit, stored_leak},
    },
};

/// The preference that holds the hidden token-table columns.
pub const HIDDEN_COLUMNS_PREFERENCE: &str = "token_table.hidden_columns";

pub(crate) fn view(row: TokenRow, role: Role, now: i64) -> TokenView {
    let scope = row.scope;
    let allowed = |action| authorize_token(Some(role), action, scope).is_ok();
    let status = TokenStatus::at(row.disabled_at.is_some(), row.expires_at, now);
    let leak = stored_leak(
        row.leaked_at,
        row.leak_source.as_deref(),
        row.leak_location.as_deref(),
    );
    let over_policy = match row
        .lifetime_limit()
        .map(|limit| limit.lifetime(row.expires_at, now))
    {
        Some(Lifetime::OverPolicy { refused_from }) => Some(refused_from),
        _ => None,
    };
    TokenView {
        permissions: row.permissions,
        effective_permissions: PermissionSet::effective(scope, row.permissions),
        id: row.id,
        label: row.label,
        scope,
        display_prefix: row.display_prefix,
        created_at: row.created_at,
        created_by: match (row.created_by_name, &row.created_by_token_label) {
            (Some(name), Some(token)) => Some(format!("{name} (through the token “{token}”)")),
            (None, Some(token)) => Some(format!("the token “{token}”")),
            (name, None) => name,
        },
        created_by_token: row.created_by_token_label,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        last_used_ip: row.last_used_ip,
        status,
        may_edit: allowed(TokenAction::Edit),
        // Copying an expired or disabled token helps nobody; the button shows on active ones.
        may_copy: allowed(TokenAction::Copy) && status == TokenStatus::Active && row.secret_kept,
        over_policy,
        // The table's one toggle: on a disabled token it enables, which may be refused
        // where disabling was not.
        // A leaked token is never enabled again.
        may_disable: leak.is_none()
            && allowed(if row.disabled_at.is_some() {
                TokenAction::Enable
            } else {
                TokenAction::Disable
            }),
        may_delete: allowed(TokenAction::Delete),
        // A leaked token (disabled) may be rotated: that is the way out of a leak.
        may_rotate: allowed(TokenAction::Rotate)
            && (status == TokenStatus::Active || leak.is_some())
            && row.expires_at.is_none_or(|at| at > now)
            && row.rotated_to.is_none(),
        // Filled in by `rotation::attach` where the page shows it.
        rotating: None,
        allowed_ips: allowlist_entries(row.allowed_ips.as_deref()),
        rate_limit: shown_rate_limit(row.rate_limit.as_deref()),
        leak,
    }
}

pub async fn page(ctx: &Ctx, workspace_id: Uuid) -> Result<TokensPage, AppError> {
    let workspace = ctx.workspace(workspace_id, Action::ReadTokens).await?;
    let role = workspace.role;
    let mut tokens: Vec<TokenView> = ctx
        .db()
        .tokens(workspace_id)
        .await?
        .into_iter()
        .map(|row| view(row, role, ctx.now))
        .collect();
    super::rotation::attach(ctx, workspace_id, &mut tokens).await?;
    let can_create = may_ever(role, TokenAction::Create);
    Ok(TokensPage {
        workspace,
        can_create,
        can_disable: may_ever(role, TokenAction::Disable),
        can_delete: may_ever(role, TokenAction::Delete),
        grantable_scopes: if can_create {
            role.at_or_below().collect()
        } else {
            Vec::new()
        },
        policy: super::workspaces::policy_of(ctx, workspace_id).await?,
        default_allowed_ips: super::workspaces::default_entries(ctx, workspace_id).await?,
        default_rate_limit: super::workspaces::default_rate_limit(ctx, workspace_id).await?,
        hidden_columns: match &ctx.principal {
            Principal::User(user) => hidden_columns(ctx, user).await?,
            Principal::Token(_) => HiddenColumns::default(),
        },
        tokens,
        now: ctx.now,
    })
}

/// The most tokens one page of the API's list holds, and how many by default.
pub const MAX_PAGE: usize = 200;
pub const DEFAULT_PAGE: usize = 50;

/// Which tokens a list shows: each filter given must match; then a page of them.
#[derive(Clone, Debug)]
pub struct TokenFilter {
    /// Labels containing this text, ignoring case.
    pub label: Option<String>,
    pub status: Option<TokenStatus>,
    pub scope: Option<Role>,
    pub limit: usize,
    pub offset: usize,
}

/// A page of the workspace's tokens that match `filter`, and how many match in all.
pub async fn list(
    ctx: &Ctx,
    workspace_id: Uuid,
    filter: &TokenFilter,
) -> Result<(Vec<TokenView>, usize), AppError> {
    if !(1..=MAX_PAGE).contains(&filter.limit) {
        return Err(AppError::invalid(
            "limit",
            format!("Use a limit from 1 to {MAX_PAGE}."),
        ));
    }
    let page = page(ctx, workspace_id).await?;
    let needle = filter.label.as_deref().map(str::to_lowercase);
    let matching: Vec<TokenView> = page
        .tokens
        .into_iter()
        .filter(|t| {
            needle
                .as_ref()
                .is_none_or(|n| t.label.to_lowercase().contains(n))
        })
        .filter(|t| filter.status.is_none_or(|s| t.status == s))
        .filter(|t| filter.scope.is_none_or(|s| t.scope == s))
        .collect();
    let total = matching.len();
    let items = matching
        .into_iter()
        .skip(filter.offset)
        .take(filter.limit)
        .collect();
    Ok((items, total))
}

async fn hidden_columns<P>(ctx: &Ctx<P>, user: &CurrentUser) -> Result<HiddenColumns, AppError> {
    let stored = ctx
        .db()
        .preference(user.id, HIDDEN_COLUMNS_PREFERENCE)
        .await?;
    Ok(stored
        .and_then(|json| serde_json::from_str::<HiddenColumns>(&json).ok())
        .unwrap_or_default()
        .sanitised())
}

/// The token-table columns the signed-in person hides, remembered for every device.
pub async fn set_hidden_columns(
    ctx: &Ctx<CurrentUser>,
    hidden: HiddenColumns,
) -> Result<HiddenColumns, AppError> {
    let hidden = hidden.sanitised();
    let json = serde_json::to_string(&hidden).map_err(|_| AppError::Internal)?;
    ctx.db()
        .set_preference(ctx.principal.id, HIDDEN_COLUMNS_PREFERENCE, &json, ctx.now)
        .await?;
    Ok(hidden)
}

/// The token, if the viewer may see it: a token id of another workspace is not found.
pub(super) async fn visible_token(
    ctx: &Ctx,
    workspace_id: Uuid,
    token_id: Uuid,
) -> Result<(WorkspaceSummary, TokenRow), AppError> {
    let workspace = ctx.membership(workspace_id).await?;
    let row = ctx
        .db()
        .token(workspace_id, token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((workspace, row))
}

/// The token as it is now stored, as the viewer sees it.
pub(super) async fn reread(
    ctx: &Ctx,
    role: Role,
    workspace_id: Uuid,
    token_id: Uuid,
) -> Result<TokenView, AppError> {
    let row = ctx
        .db()
        .token(workspace_id, token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(view(row, role, ctx.now))
}

/// One token as the viewer sees it.
pub async fn get(ctx: &Ctx, workspace_id: Uuid, token_id: Uuid) -> Result<TokenView, AppError> {
    let (workspace, row) = visible_token(ctx, workspace_id, token_id).await?;
    ctx.allow(&workspace, Action::ReadTokens)?;
    Ok(view(row, workspace.role, ctx.now))
}
