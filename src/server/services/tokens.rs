//! The access tokens of a workspace: listing, creating, editing, disabling, enabling,
//! deleting and copying, each checked against the permission matrix.

use serde_json::json;
use uuid::Uuid;

use super::{
    Principal, RequestMeta, TokenPrincipal, audit_by, notifications, workspaces::membership,
};
use crate::{
    domain::{
        api_permission::{ApiPermission, PermissionSet},
        error::AppError,
        notify::TokenChange,
        permission::{Denied, TokenAction, authorize_expiry_change, authorize_token, may_ever},
        role::Role,
        token::{HiddenColumns, TokenStatus},
        token_format::PresentedToken,
        validation,
    },
    model::{CreatedToken, CurrentUser, TokenInput, TokenView, TokensPage, WorkspaceSummary},
    server::{
        secrets::{self, Keys},
        store::{
            Db,
            token_cache::{AuthToken, Digest},
            tokens::{NewToken, TokenEdit, TokenRow, TokenWrite},
        },
    },
};

/// The preference that holds the hidden token-table columns.
pub const HIDDEN_COLUMNS_PREFERENCE: &str = "token_table.hidden_columns";

pub(super) fn view(row: TokenRow, role: Role, now: i64) -> Result<TokenView, AppError> {
    let scope: Role = row.scope.parse().map_err(|error| {
        tracing::error!("stored token scope: {error}");
        AppError::Internal
    })?;
    let allowed = |action| authorize_token(Some(role), action, scope).is_ok();
    let status = TokenStatus::at(row.disabled_at.is_some(), row.expires_at, now);
    let permissions = stored_permissions(row.id, row.permissions.as_deref())?;
    Ok(TokenView {
        permissions,
        effective_permissions: PermissionSet::effective(scope, permissions),
        id: row.id,
        label: row.label,
        scope,
        display_prefix: row.display_prefix,
        created_at: row.created_at,
        created_by: row.created_by_name,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        last_used_ip: row.last_used_ip,
        status,
        may_edit: allowed(TokenAction::Edit),
        // Copying an expired or disabled token helps nobody; the button shows on active ones.
        may_copy: allowed(TokenAction::Copy) && status == TokenStatus::Active,
        // The table's one toggle: on a disabled token it enables, which may be refused
        // where disabling was not.
        may_disable: allowed(if row.disabled_at.is_some() {
            TokenAction::Enable
        } else {
            TokenAction::Disable
        }),
        may_delete: allowed(TokenAction::Delete),
    })
}

pub async fn page(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    now: i64,
) -> Result<TokensPage, AppError> {
    let actor: Principal = actor.into();
    let workspace = membership(db, &actor, workspace_id).await?;
    actor.require(ApiPermission::TokensRead)?;
    let role = workspace.role;
    let tokens = db
        .tokens(workspace_id)
        .await?
        .into_iter()
        .map(|row| view(row, role, now))
        .collect::<Result<Vec<_>, _>>()?;
    let can_create = may_ever(role, TokenAction::Create);
    Ok(TokensPage {
        workspace,
        can_create,
        grantable_scopes: if can_create {
            role.at_or_below().collect()
        } else {
            Vec::new()
        },
        hidden_columns: match &actor {
            Principal::User(user) => hidden_columns(db, user).await?,
            Principal::Token(_) => HiddenColumns::default(),
        },
        tokens,
        now,
    })
}

pub async fn hidden_columns(db: &Db, user: &CurrentUser) -> Result<HiddenColumns, AppError> {
    let stored = db.preference(user.id, HIDDEN_COLUMNS_PREFERENCE).await?;
    Ok(stored
        .and_then(|json| serde_json::from_str::<HiddenColumns>(&json).ok())
        .unwrap_or_default()
        .sanitised())
}

pub async fn set_hidden_columns(
    db: &Db,
    user: &CurrentUser,
    hidden: HiddenColumns,
    now: i64,
) -> Result<HiddenColumns, AppError> {
    let hidden = hidden.sanitised();
    let json = serde_json::to_string(&hidden).map_err(|_| AppError::Internal)?;
    db.set_preference(user.id, HIDDEN_COLUMNS_PREFERENCE, &json, now)
        .await?;
    Ok(hidden)
}

/// Checks an expiry: none, or a moment in the future. `unchanged` lets an edit keep a
/// token's current (possibly past) expiry.
fn check_expiry(expires_at: Option<i64>, unchanged: Option<i64>, now: i64) -> Result<(), AppError> {
    match expires_at {
        Some(at) if at <= now && Some(at) != unchanged => Err(AppError::invalid(
            "expires_at",
            "Choose an expiry date in the future, or leave it empty for a token that does not expire.",
        )),
        _ => Ok(()),
    }
}

/// The permissions stored for a token (None: the whole scope).
pub(crate) fn stored_permissions(
    token: Uuid,
    stored: Option<&str>,
) -> Result<Option<PermissionSet>, AppError> {
    stored
        .map(PermissionSet::from_text)
        .transpose()
        .map_err(|error| {
            tracing::error!(%token, "stored permissions: {error}");
            AppError::Internal
        })
}

/// A new or edited token may not hold a permission its maker lacks, and narrowing it to
/// nothing at all is surely a mistake.
fn check_permissions(
    actor: &Principal,
    role: Role,
    scope: Role,
    chosen: Option<PermissionSet>,
) -> Result<(), AppError> {
    if chosen.is_some_and(PermissionSet::is_empty) {
        return Err(AppError::invalid(
            "permissions",
            "Choose at least one permission, or none at all to give the token its whole scope.",
        ));
    }
    let wanted = PermissionSet::effective(scope, chosen);
    let ceiling = actor.permission_ceiling(role);
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|p| !ceiling.contains(*p))
        .map(ApiPermission::as_str)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid(
            "permissions",
            format!(
                "A token cannot be given permissions its creator lacks: {}. Choose permissions explicitly, without these.",
                missing.join(", ")
            ),
        ))
    }
}

fn scope_error(role: Role) -> AppError {
    AppError::invalid(
        "scope",
        format!(
            "You can give a token at most your own role ({}).",
            role.label()
        ),
    )
}

fn label_taken(label: &str) -> AppError {
    AppError::invalid(
        "label",
        format!("This workspace already has a token labelled \"{label}\". Choose another label."),
    )
}

pub async fn create(
    db: &Db,
    keys: &Keys,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    input: TokenInput,
    meta: &RequestMeta,
    now: i64,
) -> Result<CreatedToken, AppError> {
    let actor: Principal = actor.into();
    let workspace = membership(db, &actor, workspace_id).await?;
    let role = workspace.role;
    authorize_token(Some(role), TokenAction::Create, input.scope).map_err(
        |denied| match denied {
            Denied::ScopeAboveRole => scope_error(role),
            other => other.into(),
        },
    )?;
    actor.require(ApiPermission::TokensWrite)?;
    let label = validation::token_label(&input.label)?;
    check_expiry(input.expires_at, None, now)?;
    check_permissions(&actor, role, input.scope, input.permissions)?;
    let permissions_text = input.permissions.map(PermissionSet::to_text);

    let secret = secrets::new_token_secret();
    let id = Uuid::now_v7();
    let digest = keys.token_digest(secret.as_presented());
    let sealed = keys.seal(id, &secret);
    let token = NewToken {
        id,
        workspace_id,
        label: &label,
        scope: input.scope.as_str(),
        permissions: permissions_text.as_deref(),
        digest: &digest,
        display_prefix: secret.display_prefix(),
        sealed_secret: &sealed,
        created_by: actor.user_id(),
        expires_at: input.expires_at,
    };
    let audit = audit_by(&actor, Some(workspace_id), "token.created", meta, now)
        .target("token", id, &label)
        .changes(json!({
            "label": label,
            "scope": input.scope.as_str(),
            "permissions": input.permissions,
            "expires_at": input.expires_at,
        }));
    let audit = audit.notify(
        notifications::token_created(
            db,
            &workspace,
            &actor,
            &label,
            input.scope,
            input.expires_at,
            meta.ip.as_deref(),
            now,
        )
        .await?,
    );
    match db.insert_token(&token, now, &audit).await? {
        TokenWrite::Done => {}
        TokenWrite::LabelTaken => return Err(label_taken(&label)),
        TokenWrite::NotFound => return Err(AppError::NotFound),
    }
    let row = db
        .token(workspace_id, id)
        .await?
        .ok_or(AppError::Internal)?;
    Ok(CreatedToken {
        token: view(row, role, now)?,
        secret: secret.expose().to_owned(),
    })
}

/// The token, if the viewer may see it: a token id of another workspace is not found.
async fn visible_token(
    db: &Db,
    actor: &Principal,
    workspace_id: Uuid,
    token_id: Uuid,
) -> Result<(WorkspaceSummary, TokenRow, Role), AppError> {
    let workspace = membership(db, actor, workspace_id).await?;
    let row = db
        .token(workspace_id, token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope: Role = row.scope.parse().map_err(|_| AppError::Internal)?;
    Ok((workspace, row, scope))
}

const REVIVAL_REFUSED: &str = "This token has expired; only those who may enable it (Administrators and Owners) can give it a new expiry.";

pub async fn edit(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    token_id: Uuid,
    input: TokenInput,
    meta: &RequestMeta,
    now: i64,
) -> Result<TokenView, AppError> {
    let actor: Principal = actor.into();
    let (workspace, row, scope) = visible_token(db, &actor, workspace_id, token_id).await?;
    let role = workspace.role;
    // The token as it is, then as it would be: neither may be above the editor.
    authorize_token(Some(role), TokenAction::Edit, scope)?;
    authorize_token(Some(role), TokenAction::Edit, input.scope).map_err(|_| scope_error(role))?;
    authorize_expiry_change(Some(role), scope, row.expires_at, input.expires_at, now)
        .map_err(|_| AppError::Forbidden(REVIVAL_REFUSED.into()))?;
    actor.require(ApiPermission::TokensWrite)?;
    let label = validation::token_label(&input.label)?;
    check_expiry(input.expires_at, row.expires_at, now)?;
    check_permissions(&actor, role, input.scope, input.permissions)?;
    let current_permissions = stored_permissions(row.id, row.permissions.as_deref())?;
    let mut changes = serde_json::Map::new();
    if label != row.label {
        changes.insert("label".into(), json!({ "from": row.label, "to": label }));
    }
    if input.scope != scope {
        changes.insert(
            "scope".into(),
            json!({ "from": scope.as_str(), "to": input.scope.as_str() }),
        );
    }
    if input.permissions != current_permissions {
        changes.insert(
            "permissions".into(),
            json!({ "from": current_permissions, "to": input.permissions }),
        );
    }
    if input.expires_at != row.expires_at {
        changes.insert(
            "expires_at".into(),
            json!({ "from": row.expires_at, "to": input.expires_at }),
        );
    }
    let rescoped = (input.scope != scope).then(|| {
        let change = TokenChange::ScopeChanged {
            from: scope,
            to: input.scope,
        };
        notifications::token_changed(&workspace, &row, &actor, change, now)
    });
    let audit = audit_by(&actor, Some(workspace_id), "token.edited", meta, now)
        .target("token", token_id, &label)
        .changes(serde_json::Value::Object(changes))
        .notify(rescoped.unwrap_or_default());
    let permissions_text = input.permissions.map(PermissionSet::to_text);
    let edit = TokenEdit {
        label: &label,
        scope: input.scope.as_str(),
        permissions: permissions_text.as_deref(),
        expires_at: input.expires_at,
    };
    match db
        .update_token(workspace_id, token_id, &edit, now, &audit)
        .await?
    {
        TokenWrite::Done => {}
        TokenWrite::LabelTaken => return Err(label_taken(&label)),
        TokenWrite::NotFound => return Err(AppError::NotFound),
    }
    let row = db
        .token(workspace_id, token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    view(row, role, now)
}

pub async fn set_enabled(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    token_id: Uuid,
    enabled: bool,
    meta: &RequestMeta,
    now: i64,
) -> Result<TokenView, AppError> {
    let actor: Principal = actor.into();
    let (workspace, row, scope) = visible_token(db, &actor, workspace_id, token_id).await?;
    let role = workspace.role;
    let (action, name) = if enabled {
        (TokenAction::Enable, "token.enabled")
    } else {
        (TokenAction::Disable, "token.disabled")
    };
    authorize_token(Some(role), action, scope)?;
    actor.require(ApiPermission::TokensWrite)?;
    if row.disabled_at.is_some() != enabled {
        // Already as asked: nothing to change or record.
        return view(row, role, now);
    }
    let told = match enabled {
        true => Vec::new(),
        false => notifications::token_changed(&workspace, &row, &actor, TokenChange::Disabled, now),
    };
    let audit = audit_by(&actor, Some(workspace_id), name, meta, now)
        .target("token", token_id, &row.label)
        .notify(told);
    let disabled_at = (!enabled).then_some(now);
    if db
        .set_token_disabled(workspace_id, token_id, disabled_at, now, &audit)
        .await?
        == TokenWrite::NotFound
    {
        return Err(AppError::NotFound);
    }
    let row = db
        .token(workspace_id, token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    view(row, role, now)
}

pub async fn delete(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    token_id: Uuid,
    meta: &RequestMeta,
    now: i64,
) -> Result<(), AppError> {
    let actor: Principal = actor.into();
    let (workspace, row, scope) = visible_token(db, &actor, workspace_id, token_id).await?;
    let role = workspace.role;
    authorize_token(Some(role), TokenAction::Delete, scope)?;
    actor.require(ApiPermission::TokensWrite)?;
    let audit = audit_by(&actor, Some(workspace_id), "token.deleted", meta, now)
        .target("token", token_id, &row.label)
        .changes(json!({ "scope": scope.as_str() }))
        .notify(notifications::token_changed(
            &workspace,
            &row,
            &actor,
            TokenChange::Deleted,
            now,
        ));
    match db.delete_token(workspace_id, token_id, &audit).await? {
        TokenWrite::Done => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// The full secret, for the clipboard. Every copy is recorded.
pub async fn copy(
    db: &Db,
    keys: &Keys,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    token_id: Uuid,
    meta: &RequestMeta,
    now: i64,
) -> Result<String, AppError> {
    let actor: Principal = actor.into();
    let (workspace, row, scope) = visible_token(db, &actor, workspace_id, token_id).await?;
    let role = workspace.role;
    authorize_token(Some(role), TokenAction::Copy, scope)?;
    if let Principal::Token(_) = actor {
        // Secrets leave Tessera once, at creation; copying is for people in the UI.
        return Err(AppError::Forbidden(
            "Tokens cannot read other tokens' secrets.".into(),
        ));
    }
    let sealed = db
        .sealed_secret(workspace_id, token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let secret = keys.open(token_id, &sealed).map_err(|error| {
        tracing::error!(token = %token_id, "{error}");
        AppError::Internal
    })?;
    let audit = audit_by(&actor, Some(workspace_id), "token.copied", meta, now)
        .target("token", token_id, &row.label);
    db.record_audit(&audit).await?;
    Ok(secret.expose().to_owned())
}

/// One token as the viewer sees it (`tokens:read` for tokens).
pub async fn get(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    token_id: Uuid,
    now: i64,
) -> Result<TokenView, AppError> {
    let actor: Principal = actor.into();
    let (workspace, row, _) = visible_token(db, &actor, workspace_id, token_id).await?;
    actor.require(ApiPermission::TokensRead)?;
    view(row, workspace.role, now)
}

/// What a presented token string turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenCheck {
    Valid(TokenPrincipal),
    Malformed,
    NotFound,
    /// A token of this workspace, disabled.
    Disabled {
        workspace_id: Uuid,
    },
    /// A token of this workspace, past its expiry.
    Expired {
        workspace_id: Uuid,
    },
}

impl TokenCheck {
    /// The reason code introspection reports (as Unkey names them).
    pub fn reason(&self) -> &'static str {
        match self {
            TokenCheck::Valid(_) => "VALID",
            TokenCheck::Malformed => "MALFORMED",
            TokenCheck::NotFound => "NOT_FOUND",
            TokenCheck::Disabled { .. } => "DISABLED",
            TokenCheck::Expired { .. } => "EXPIRED",
        }
    }
}

/// Checks a presented token: its shape and checksum first (no database look-up for a typo),
/// then its digest, then whether it is disabled or expired at `now`.
pub async fn check(
    db: &Db,
    keys: &Keys,
    presented: &str,
    now: i64,
) -> Result<TokenCheck, AppError> {
    match digest(keys, presented) {
        Some(digest) => check_digest(db, &digest, now).await,
        None => Ok(TokenCheck::Malformed),
    }
}

/// The look-up digest of a presented token, or `None` when it is malformed (wrong prefix,
/// length, characters or checksum): such a token is refused without a look-up.
pub fn digest(keys: &Keys, presented: &str) -> Option<Digest> {
    PresentedToken::parse(presented)
        .ok()
        .map(|secret| keys.token_digest(secret))
}

/// `check` for a token already digested, reading the database when it is not in memory.
pub async fn check_digest(db: &Db, digest: &Digest, now: i64) -> Result<TokenCheck, AppError> {
    Ok(match db.token_by_digest(digest).await? {
        Some(token) => verdict(&token, now),
        None => TokenCheck::NotFound,
    })
}

/// `check` from memory alone: `None` when the token is not in this instance's cache (then
/// `check_digest` asks the database). Lets the API's authentication answer without
/// awaiting anything for a token in use.
pub fn check_cached(db: &Db, digest: &Digest, now: i64) -> Option<TokenCheck> {
    db.with_cached_token(digest, |token| verdict(token, now))
}

/// The one rule deciding what a stored token is worth at `now`.
fn verdict(token: &AuthToken, now: i64) -> TokenCheck {
    if token.disabled_at.is_some() {
        return TokenCheck::Disabled {
            workspace_id: token.workspace_id,
        };
    }
    if token.expires_at.is_some_and(|at| at <= now) {
        return TokenCheck::Expired {
            workspace_id: token.workspace_id,
        };
    }
    TokenCheck::Valid(TokenPrincipal {
        id: token.id,
        label: token.label.clone(),
        workspace_id: token.workspace_id,
        workspace_name: token.workspace_name.clone(),
        scope: token.scope,
        chosen: token.chosen,
        permissions: token.permissions,
        created_at: token.created_at,
        expires_at: token.expires_at,
        last_used_at: token.last_used_at(),
    })
}

/// A token revokes itself: deleted at once, recorded as its own act.
pub async fn revoke_self(
    db: &Db,
    token: &TokenPrincipal,
    meta: &RequestMeta,
    now: i64,
) -> Result<(), AppError> {
    let actor = Principal::Token(token.clone());
    let audit = audit_by(&actor, Some(token.workspace_id), "token.revoked", meta, now)
        .target("token", token.id, &token.label)
        .changes(json!({ "scope": token.scope.as_str() }));
    match db
        .delete_token(token.workspace_id, token.id, &audit)
        .await?
    {
        TokenWrite::Done => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// Describes `presented` to a caller holding `introspect`, for tokens of the caller's own
/// workspace only: any other token is `NOT_FOUND`.
pub async fn introspect(
    db: &Db,
    keys: &Keys,
    caller: &TokenPrincipal,
    presented: &str,
    now: i64,
) -> Result<TokenCheck, AppError> {
    Principal::Token(caller.clone()).require(ApiPermission::Introspect)?;
    let check = check(db, keys, presented, now).await?;
    let workspace = match &check {
        TokenCheck::Valid(token) => Some(token.workspace_id),
        TokenCheck::Disabled { workspace_id } | TokenCheck::Expired { workspace_id } => {
            Some(*workspace_id)
        }
        TokenCheck::Malformed | TokenCheck::NotFound => None,
    };
    match workspace {
        Some(workspace) if workspace != caller.workspace_id => Ok(TokenCheck::NotFound),
        _ => Ok(check),
    }
}
