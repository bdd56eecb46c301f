//! Changing a workspace's access tokens: creating, editing, disabling, enabling, deleting
//! and copying, each authorized by the domain's rules. Reading them is `token_views`.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{
    notifications,
    token_views::{reread, view, visible_token},
    workspaces,
};
use crate::{
    domain::{
        api_permission::{ApiPermission, PermissionSet},
        error::AppError,
        ip_allowlist::IpAllowlist,
        leak,
        notify::TokenChange,
        permission::{Action, Denied, TokenAction, authorize_expiry_change},
        rate_limit::{RateLimit, RateLimitChoice},
        revoke::RevokeAction,
        role::Role,
        validation,
    },
    model::{CreatedToken, TokenInput, TokenView, WorkspaceSummary},
    server::{
        clock::rfc3339,
        context::Ctx,
        secrets,
        store::{
            audit::AuditEvent,
            tokens::{NewToken, TokenEdit, TokenHolder, TokenRow, TokenWrite, allowlist_column},
        },
    },
};

/// A token's IP allowlist as asked (None or an empty list: any address), checked.
pub(super) fn allowlist(entries: Option<&[String]>) -> Result<Option<IpAllowlist>, AppError> {
    entries
        .map(IpAllowlist::parse)
        .transpose()
        .map(|list| list.and_then(IpAllowlist::into_option))
}

/// The allowlist column after an edit: the list asked for, checked, or the `current` one
/// kept when none is asked.
pub(super) fn edited_allowlist(
    asked: Option<&[String]>,
    current: &Option<String>,
) -> Result<Option<String>, AppError> {
    match asked {
        Some(entries) => Ok(allowlist_column(allowlist(Some(entries))?.as_ref())),
        None => Ok(current.clone()),
    }
}

/// A token's rate limit as asked, checked: the workspace's default, none, or the limit.
pub(super) async fn rate_limit(
    ctx: &Ctx,
    workspace_id: Uuid,
    asked: RateLimitChoice,
) -> Result<Option<RateLimit>, AppError> {
    match asked {
        RateLimitChoice::WorkspaceDefault => {
            workspaces::default_rate_limit(ctx, workspace_id).await
        }
        RateLimitChoice::Unlimited => Ok(None),
        RateLimitChoice::Limited(limit) => limit.checked().map(Some),
    }
}

/// The rate limit column after an edit: the limit asked for (`Some(None)`: none), checked,
/// or the `current` one kept when none is asked.
pub(super) fn edited_rate_limit(
    asked: Option<Option<RateLimit>>,
    current: &Option<String>,
) -> Result<Option<String>, AppError> {
    match asked {
        Some(limit) => Ok(limit
            .map(RateLimit::checked)
            .transpose()?
            .as_ref()
            .map(RateLimit::column)),
        None => Ok(current.clone()),
    }
}

/// Checks an expiry: none, or a moment in the future. `unchanged` lets an edit keep a
/// token's current (possibly past) expiry.
pub(super) fn check_expiry(
    expires_at: Option<i64>,
    unchanged: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    match expires_at {
        Some(at) if at <= now && Some(at) != unchanged => Err(AppError::invalid(
            "expires_at",
            "Choose an expiry date in the future, or leave it empty for a token that does not expire.",
        )),
        _ => Ok(()),
    }
}

/// A new or edited token may not hold a permission its maker lacks, and narrowing it to
/// nothing at all is surely a mistake.
pub(super) fn check_permissions(
    ceiling: PermissionSet,
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
    ctx: &Ctx,
    workspace_id: Uuid,
    input: TokenInput,
) -> Result<CreatedToken, AppError> {
    let workspace = ctx.membership(workspace_id).await?;
    let role = workspace.role;
    ctx.check(&workspace, Action::Token(TokenAction::Create, input.scope))
        .map_err(|denied| match denied {
            // Allowed to create, just not this high: said about the scope field.
            Denied::ScopeAboveRole => scope_error(role),
            other => other.into(),
        })?;
    let label = validation::token_label(&input.label)?;
    check_expiry(input.expires_at, None, ctx.now)?;
    // None given: the workspace's default list (an empty list given: any address).
    let allowed_ips = match input.allowed_ips.as_deref() {
        Some(entries) => allowlist(Some(entries))?,
        None => workspaces::default_allowed_ips(ctx, workspace_id).await?,
    };
    let limit = rate_limit(ctx, workspace_id, input.rate_limit).await?;
    let policy = workspaces::policy_of(ctx, workspace_id).await?;
    policy.check_scope(input.scope)?;
    policy.check_expiry(input.expires_at, ctx.now)?;
    check_permissions(
        ctx.actor(&workspace).ceiling(),
        input.scope,
        input.permissions,
    )?;

    let secret = secrets::new_token_secret();
    let id = Uuid::now_v7();
    let digest = ctx.keys().token_digest(secret.as_presented());
    let sealed = (!policy.secret_shown_once).then(|| ctx.keys().seal(id, &secret));
    let token = NewToken {
        id,
        workspace_id,
        label: &label,
        scope: input.scope,
        permissions: input.permissions,
        digest: &digest,
        display_prefix: secret.display_prefix(),
        sealed_secret: sealed.as_deref(),
        // Whoever made it is recorded truly: the person, or the token and the person behind it.
        created_by: ctx.principal.person(),
        created_by_token: ctx.principal.token(),
        expires_at: input.expires_at,
        allowed_ips: allowlist_column(allowed_ips.as_ref()),
        rate_limit: limit.as_ref().map(RateLimit::column),
    };
    let told = notifications::token_created(ctx, &workspace, &label, input.scope, input.expires_at)
        .await?;
    let audit = ctx
        .audit(Some(workspace_id), "token.created")
        .target("token", id, &label)
        .changes(json!({
            "label": label,
            "scope": input.scope.as_str(),
            "permissions": input.permissions,
            "expires_at": input.expires_at.map(rfc3339),
            "allowed_ips": allowed_ips.as_ref().map(IpAllowlist::entries),
            "rate_limit": limit,
        }))
        .notify(told);
    match ctx.db().insert_token(&token, ctx.now, &audit).await? {
        TokenWrite::Done => {}
        TokenWrite::LabelTaken => return Err(label_taken(&label)),
        TokenWrite::NotFound => return Err(AppError::NotFound),
    }
    Ok(CreatedToken {
        token: reread(ctx, role, workspace_id, id).await?,
        secret: secret.expose().to_owned(),
    })
}

/// Copying a token whose secret was shown once only.
pub const SECRET_NOT_KEPT: &str = "Tessera keeps no copy of this token's secret: it was shown once, when the token was made. Rotate the token for a new secret.";

const REVIVAL_REFUSED: &str = "This token has expired; only those who may enable it (Administrators and Owners) can give it a new expiry.";

/// A change to a token: each field given is set, each left out is kept. The edit dialog
/// gives every editable field, the table's toggle only `enabled`, and the API any mix.
#[derive(Clone, Debug, Default)]
pub struct TokenPatch {
    pub label: Option<String>,
    pub scope: Option<Role>,
    /// `Some(None)` gives the token its whole scope again.
    pub permissions: Option<Option<PermissionSet>>,
    /// `Some(None)` removes the expiry.
    pub expires_at: Option<Option<i64>>,
    pub enabled: Option<bool>,
    /// The new IP allowlist (an empty list: any address).
    pub allowed_ips: Option<Vec<String>>,
    /// `Some(None)` removes the rate limit.
    pub rate_limit: Option<Option<RateLimit>>,
}

impl From<TokenInput> for TokenPatch {
    fn from(input: TokenInput) -> TokenPatch {
        TokenPatch {
            label: Some(input.label),
            scope: Some(input.scope),
            permissions: Some(input.permissions),
            expires_at: Some(input.expires_at),
            enabled: None,
            allowed_ips: input.allowed_ips,
            rate_limit: match input.rate_limit {
                RateLimitChoice::WorkspaceDefault => None,
                RateLimitChoice::Unlimited => Some(None),
                RateLimitChoice::Limited(limit) => Some(Some(limit)),
            },
        }
    }
}

/// One field's change for the audit record, when it changed.
fn changed(changes: &mut Map<String, Value>, field: &str, from: Value, to: Value) {
    if from != to {
        changes.insert(field.into(), json!({ "from": from, "to": to }));
    }
}

/// Changes a token as `patch` asks, in one transaction with one audit record listing every
/// field that changed; a patch that changes nothing writes and records nothing.
pub async fn update(
    ctx: &Ctx,
    workspace_id: Uuid,
    token_id: Uuid,
    patch: TokenPatch,
) -> Result<TokenView, AppError> {
    let (workspace, row) = visible_token(ctx, workspace_id, token_id).await?;
    // The answer shows the token: whoever changes it must be able to read it.
    ctx.allow(&workspace, Action::ReadTokens)?;
    let (role, now, scope, permissions) = (workspace.role, ctx.now, row.scope, row.permissions);
    let edits = patch.label.is_some()
        || patch.scope.is_some()
        || patch.permissions.is_some()
        || patch.expires_at.is_some()
        || patch.allowed_ips.is_some()
        || patch.rate_limit.is_some();
    let next_allowed = edited_allowlist(patch.allowed_ips.as_deref(), &row.allowed_ips)?;
    let next_limit = edited_rate_limit(patch.rate_limit, &row.rate_limit)?;
    let next_scope = patch.scope.unwrap_or(scope);
    let next_permissions = patch.permissions.unwrap_or(permissions);
    let next_expiry = patch.expires_at.unwrap_or(row.expires_at);
    let mut label = row.label.clone();
    if edits {
        // The token as it is, then as it would be: neither may be above the editor.
        ctx.allow(&workspace, Action::Token(TokenAction::Edit, scope))?;
        ctx.allow(&workspace, Action::Token(TokenAction::Edit, next_scope))
            .map_err(|_| scope_error(role))?;
        authorize_expiry_change(Some(role), scope, row.expires_at, next_expiry, now)
            .map_err(|_| AppError::Forbidden(REVIVAL_REFUSED.into()))?;
        if let Some(asked) = &patch.label {
            label = validation::token_label(asked)?;
        }
        check_expiry(next_expiry, row.expires_at, now)?;
        let policy = workspaces::policy_of(ctx, workspace_id).await?;
        if next_scope > scope {
            policy.check_scope(next_scope)?;
        }
        // A new expiry must be within the lifetime limit; keeping the one it has is fine
        // (a token over the limit may still be renamed or narrowed).
        if next_expiry != row.expires_at {
            policy.check_expiry(next_expiry, now)?;
        }
        check_permissions(
            ctx.actor(&workspace).ceiling(),
            next_scope,
            next_permissions,
        )?;
    }
    let enabled = row.disabled_at.is_none();
    let next_enabled = patch.enabled.unwrap_or(enabled);
    if next_enabled && !enabled && row.leaked_at.is_some() {
        return Err(AppError::Conflict(leak::NO_REVIVAL.into()));
    }
    if let Some(asked) = patch.enabled {
        let toggle = if asked {
            TokenAction::Enable
        } else {
            TokenAction::Disable
        };
        ctx.allow(&workspace, Action::Token(toggle, next_scope))?;
    }

    let mut changes = Map::new();
    changed(&mut changes, "label", json!(row.label), json!(label));
    changed(
        &mut changes,
        "scope",
        json!(scope.as_str()),
        json!(next_scope.as_str()),
    );
    changed(
        &mut changes,
        "permissions",
        json!(permissions),
        json!(next_permissions),
    );
    changed(
        &mut changes,
        "expires_at",
        json!(row.expires_at.map(rfc3339)),
        json!(next_expiry.map(rfc3339)),
    );
    changed(
        &mut changes,
        "allowed_ips",
        json!(row.allowed_ips),
        json!(next_allowed),
    );
    changed(
        &mut changes,
        "rate_limit",
        json!(row.rate_limit),
        json!(next_limit),
    );
    changed(&mut changes, "enabled", json!(enabled), json!(next_enabled));
    if changes.is_empty() {
        return Ok(view(row, role, now));
    }
    // Switching it on or off alone is its own act in the log; anything more is an edit.
    let action = match (changes.len(), next_enabled) {
        (1, true) if changes.contains_key("enabled") => "token.enabled",
        (1, false) if changes.contains_key("enabled") => "token.disabled",
        _ => "token.edited",
    };
    let mut told = Vec::new();
    if next_scope != scope {
        let change = TokenChange::ScopeChanged {
            from: scope,
            to: next_scope,
        };
        told.extend(notifications::token_changed(ctx, &workspace, &row, change));
    }
    if enabled && !next_enabled {
        told.extend(notifications::token_changed(
            ctx,
            &workspace,
            &row,
            TokenChange::Disabled,
        ));
    }
    let audit = ctx
        .audit(Some(workspace_id), action)
        .target("token", token_id, &label)
        .changes(Value::Object(changes))
        .notify(told);
    let edit = TokenEdit {
        label: &label,
        scope: next_scope,
        permissions: next_permissions,
        expires_at: next_expiry,
        disabled_at: match (enabled, next_enabled) {
            (true, false) => Some(now),
            (_, true) => None,
            (false, false) => row.disabled_at,
        },
        allowed_ips: next_allowed,
        rate_limit: next_limit,
    };
    match ctx
        .db()
        .update_token(workspace_id, token_id, &edit, now, &audit)
        .await?
    {
        TokenWrite::Done => {}
        TokenWrite::LabelTaken => return Err(label_taken(&label)),
        TokenWrite::NotFound => return Err(AppError::NotFound),
    }
    reread(ctx, role, workspace_id, token_id).await
}

/// The record of a token disabled (switched off and nothing else, as [`update`] records
/// it) or deleted, with the news to its creator: a single deletion's, and each token's in
/// a bulk revocation.
pub(super) fn revocation_record(
    ctx: &Ctx,
    workspace: &WorkspaceSummary,
    row: &TokenRow,
    action: RevokeAction,
) -> AuditEvent {
    let (name, change, changes) = match action {
        RevokeAction::Disable => (
            "token.disabled",
            TokenChange::Disabled,
            json!({ "enabled": { "from": true, "to": false } }),
        ),
        RevokeAction::Delete => (
            "token.deleted",
            TokenChange::Deleted,
            json!({ "scope": row.scope.as_str() }),
        ),
    };
    let told = notifications::token_changed(ctx, workspace, row, change);
    ctx.audit(Some(workspace.id), name)
        .target("token", row.id, &row.label)
        .changes(changes)
        .notify(told)
}

pub async fn delete(ctx: &Ctx, workspace_id: Uuid, token_id: Uuid) -> Result<(), AppError> {
    let (workspace, row) = visible_token(ctx, workspace_id, token_id).await?;
    ctx.allow(&workspace, Action::Token(TokenAction::Delete, row.scope))?;
    let audit = revocation_record(ctx, &workspace, &row, RevokeAction::Delete);
    match ctx
        .db()
        .delete_token(TokenHolder::Workspace(workspace_id), token_id, &[audit])
        .await?
    {
        TokenWrite::Done => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// The full secret, for the clipboard. Every copy is recorded.
pub async fn copy(ctx: &Ctx, workspace_id: Uuid, token_id: Uuid) -> Result<String, AppError> {
    let (workspace, row) = visible_token(ctx, workspace_id, token_id).await?;
    ctx.allow(&workspace, Action::Token(TokenAction::Copy, row.scope))?;
    let secret = open_secret(ctx, TokenHolder::Workspace(workspace_id), token_id).await?;
    let audit = ctx
        .audit(Some(workspace_id), "token.copied")
        .target("token", token_id, &row.label);
    ctx.db().record(&audit).await?;
    Ok(secret)
}

/// The secret of a token of `holder`, opened from its sealed copy: what every Copy button
/// gives. Not found for a token elsewhere; a conflict when none was kept.
pub(super) async fn open_secret<P>(
    ctx: &Ctx<P>,
    holder: TokenHolder,
    token_id: Uuid,
) -> Result<String, AppError> {
    let sealed = ctx
        .db()
        .sealed_secret(holder, token_id)
        .await?
        .ok_or(AppError::NotFound)?
        .ok_or_else(|| AppError::Conflict(SECRET_NOT_KEPT.into()))?;
    let secret = ctx.keys().open(token_id, &sealed).map_err(|error| {
        tracing::error!(token = %token_id, "{error}");
        AppError::Internal
    })?;
    Ok(secret.expose().to_owned())
}
