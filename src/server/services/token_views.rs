//! What the viewer sees of a workspace's tokens: the token table, the API's list, one
//! token, and the columns a person hides. Changing tokens is `tokens`.

use uuid::Uuid;

use super::{Principal, cursor};
use crate::{
    domain::{
        api_permission::PermissionSet,
        error::AppError,
        permission::{Action, TokenAction, authorize_token, may_ever},
        policy::Lifetime,
        role::Role,
        token::{HiddenColumns, TokenStatus},
        token_list::{Edge, Position, TokenSort},
    },
    model::{CurrentUser, TokenQuery, TokenView, TokensPage, WorkspaceSummary},
    server::{
        context::Ctx,
        store::{
            token_lists::TokenListQuery,
            tokens::{TokenRow, allowlist_entries, shown_rate_limit, stored_leak},
        },
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

/// The token page's first page, newest first (what the page shows with no query).
pub async fn page(ctx: &Ctx, workspace_id: Uuid) -> Result<TokensPage, AppError> {
    page_at(ctx, workspace_id, &TokenQuery::default()).await
}

/// The token page: a page of the table as `query` asks (its search, status, order and
/// cursor), with what the page around it needs.
pub async fn page_at(
    ctx: &Ctx,
    workspace_id: Uuid,
    query: &TokenQuery,
) -> Result<TokensPage, AppError> {
    let workspace = ctx.workspace(workspace_id, Action::ReadTokens).await?;
    let role = workspace.role;
    let search = query.search.trim();
    let filter = TokenFilter {
        label: (!search.is_empty()).then(|| search.to_owned()),
        status: query.status,
        scope: None,
        sort: query.sort,
        limit: TOKEN_PAGE,
        page: match (&query.after, &query.before) {
            (Some(after), _) => PageAt::After(after.clone()),
            (None, Some(before)) => PageAt::Before(before.clone()),
            (None, None) => PageAt::First,
        },
    };
    let mut listed = list_in(ctx, &workspace, &filter).await?;
    super::rotation::attach(ctx, workspace_id, &mut listed.items).await?;
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
        tokens: listed.items,
        total: listed.total,
        start: listed.start,
        next: listed.next,
        previous: listed.previous,
        query: query.clone(),
        now: ctx.now,
    })
}

/// The tokens one page of the token table shows.
pub const TOKEN_PAGE: usize = 50;

/// Which tokens a list shows: each filter given must match; then a page of them in `sort`.
#[derive(Clone, Debug)]
pub struct TokenFilter {
    /// Labels containing this text, ignoring case.
    pub label: Option<String>,
    pub status: Option<TokenStatus>,
    pub scope: Option<Role>,
    pub sort: TokenSort,
    pub limit: usize,
    pub page: PageAt,
}

/// Where a page starts, as the caller asked: cursors still sealed.
#[derive(Clone, Debug, Default)]
pub enum PageAt {
    #[default]
    First,
    Offset(u64),
    /// After the `next` cursor of the page before.
    After(String),
    /// Before the `previous` cursor of the page after.
    Before(String),
}

/// A page of a list, the number of tokens the filters keep in all, how many of them come
/// before the page, and the cursors of the pages on either side (None at an end).
#[derive(Clone, Debug)]
pub struct TokenListPage {
    pub items: Vec<TokenView>,
    pub total: u64,
    pub start: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
}

/// A cursor's edge, which must belong to the order asked for.
fn edge(field: &str, cursor: &str, sort: TokenSort) -> Result<Edge, AppError> {
    let edge: Edge = cursor::open(field, cursor)?;
    if edge.sort != sort {
        return Err(AppError::invalid(
            field,
            format!(
                "This cursor belongs to the order {:?}, not {:?}: ask with sort={} to go on, \
                 or start again without a cursor.",
                edge.sort.name(),
                sort.name(),
                edge.sort.name()
            ),
        ));
    }
    Ok(edge)
}

/// A page of the workspace's tokens that match `filter`, in its order (read, filtered,
/// ordered and paged by the database).
pub async fn list(
    ctx: &Ctx,
    workspace_id: Uuid,
    filter: &TokenFilter,
) -> Result<TokenListPage, AppError> {
    let workspace = ctx.workspace(workspace_id, Action::ReadTokens).await?;
    list_in(ctx, &workspace, filter).await
}

/// [`list`] in a workspace the viewer may read the tokens of.
async fn list_in(
    ctx: &Ctx,
    workspace: &WorkspaceSummary,
    filter: &TokenFilter,
) -> Result<TokenListPage, AppError> {
    cursor::page_limit(Some(filter.limit))?;
    let position = match &filter.page {
        PageAt::First => Position::First,
        PageAt::Offset(skip) => Position::Offset(*skip),
        PageAt::After(cursor) => Position::After(edge("after", cursor, filter.sort)?),
        PageAt::Before(cursor) => Position::Before(edge("before", cursor, filter.sort)?),
    };
    let query = TokenListQuery {
        label: filter.label.as_deref(),
        status: filter.status,
        scope: filter.scope,
        sort: filter.sort,
        position: &position,
        limit: filter.limit,
        now: ctx.now,
    };
    let listed = ctx.db().token_page(workspace.id, &query).await?;
    let page = listed.page;
    let seal_edge =
        |row: Option<&TokenRow>| row.map(|row| cursor::seal(&Edge::of(filter.sort, &row.sorted())));
    let next = seal_edge(page.items.last().filter(|_| page.more_after));
    let previous = seal_edge(page.items.first().filter(|_| page.more_before));
    Ok(TokenListPage {
        items: page
            .items
            .into_iter()
            .map(|row| view(row, workspace.role, ctx.now))
            .collect(),
        total: listed.total,
        start: listed.start,
        next,
        previous,
    })
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
