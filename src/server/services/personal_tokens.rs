//! People's own tokens: one token that may act in several of its owner's workspaces, each
//! with a scope no higher than the owner's role there. The owner makes and manages them on
//! their account page; an Administrator of a workspace sees those that reach it and may
//! take the workspace away from one, never see or copy its secret. What a personal token
//! may do is decided again at every request against the owner's live role
//! ([`Reach`](crate::server::store::token_cache::Reach)).

use std::collections::HashSet;

use serde_json::json;
use uuid::Uuid;

use super::{
    cursor, notifications,
    tokens::{
        allowlist, check_expiry, check_permissions, edited_allowlist, edited_rate_limit,
        open_secret,
    },
    workspaces,
};
use crate::{
    domain::{
        api_permission::PermissionSet,
        error::AppError,
        ip_allowlist::IpAllowlist,
        notify,
        permission::{Action, Actor, Denied, authorize, personal_scope},
        rate_limit::RateLimit,
        role::Role,
        token::TokenStatus,
        validation,
    },
    model::{
        CreatedPersonalToken, CurrentUser, GrantInput, PersonalGrant, PersonalTokenInput,
        PersonalTokenView, PersonalTokensPage, ReachingTokensPage, WorkspaceSummary,
    },
    server::{
        clock::rfc3339,
        context::Ctx,
        secrets,
        store::{
            audit::AuditEvent,
            personal_tokens::{
                Decision, GrantRow, NewGrant, NewPersonalToken, PersonalEdit, PersonalTokenRow,
                ReachingEdge,
            },
            tokens::{
                TokenHolder, TokenWrite, allowlist_column, allowlist_entries, shown_rate_limit,
                stored_leak,
            },
        },
    },
};

pub(super) fn view(row: PersonalTokenRow, grants: Vec<GrantRow>, now: i64) -> PersonalTokenView {
    PersonalTokenView {
        id: row.id,
        status: TokenStatus::at(row.disabled_at.is_some(), row.expires_at, now),
        label: row.label,
        owner_name: row.owner_name,
        owner_email: row.owner_email,
        display_prefix: row.display_prefix,
        created_at: row.created_at,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        last_used_ip: row.last_used_ip,
        secret_kept: row.secret_kept,
        workspaces: grants
            .into_iter()
            // A workspace its owner left is no longer the token's (the removal deletes it).
            .filter_map(|grant| {
                let owner_role = grant.owner_role?;
                Some(PersonalGrant {
                    pending: grant.pending(),
                    workspace_id: grant.workspace_id,
                    workspace_name: grant.workspace_name,
                    scope: grant.scope,
                    permissions: grant.permissions,
                    acting_scope: personal_scope(grant.scope, owner_role),
                })
            })
            .collect(),
        allowed_ips: allowlist_entries(row.allowed_ips.as_deref()),
        rate_limit: shown_rate_limit(row.rate_limit.as_deref()),
        leak: stored_leak(
            row.leaked_at,
            row.leak_source.as_deref(),
            row.leak_location.as_deref(),
        ),
    }
}

/// A workspace's grant for the audit record.
fn describe(grant: &(Uuid, Role, Option<PermissionSet>)) -> serde_json::Value {
    json!({ "scope": grant.1.as_str(), "permissions": grant.2 })
}

fn label_taken(label: &str) -> AppError {
    AppError::invalid(
        "label",
        format!("You already have a token labelled \"{label}\". Choose another label."),
    )
}

/// The person's own tokens and the workspaces they may name.
pub async fn page(ctx: &Ctx<CurrentUser>) -> Result<PersonalTokensPage, AppError> {
    let user = &ctx.principal;
    let tokens = ctx.db().personal_tokens(user.id).await?;
    Ok(PersonalTokensPage {
        tokens: tokens
            .into_iter()
            .map(|(row, grants)| view(row, grants, ctx.now))
            .collect(),
        workspaces: ctx.db().workspaces_of(user.id).await?,
        now: ctx.now,
    })
}

/// The workspaces a personal token asks for, checked, and whether its secret may be kept.
struct Asked {
    grants: Vec<(NewGrant, String)>,
    /// False when any of them shows secrets once only.
    keep_secret: bool,
}

/// Checks the workspaces asked for: at least one, each once, each one where the person is a
/// member, with a scope no higher than their role there and permissions within it, and
/// within each workspace's token policy. `current` are the token's grants before an edit:
/// one asked again unchanged keeps its approval; a new or changed one waits for approval
/// where the workspace asks for it, and must meet that workspace's lifetime limit (as must
/// every one when `new_expiry` is a changed expiry).
async fn grants(
    ctx: &Ctx<CurrentUser>,
    asked: &[GrantInput],
    current: &[GrantRow],
    expires_at: Option<i64>,
    new_expiry: bool,
) -> Result<Asked, AppError> {
    if asked.is_empty() {
        return Err(AppError::invalid(
            "workspaces",
            "Choose at least one workspace the token may act in.",
        ));
    }
    let mut seen = HashSet::new();
    let mut grants = Vec::with_capacity(asked.len());
    let mut keep_secret = true;
    for grant in asked {
        if !seen.insert(grant.workspace_id) {
            return Err(AppError::invalid(
                "workspaces",
                "A workspace is named twice. Name each workspace once.",
            ));
        }
        let Some(workspace) = ctx
            .db()
            .workspace_for(grant.workspace_id, ctx.principal.id)
            .await?
        else {
            return Err(AppError::invalid(
                "workspaces",
                "You can only name workspaces you are a member of.",
            ));
        };
        match authorize(
            Actor::person(workspace.role),
            Action::PersonalToken(grant.scope),
        ) {
            Ok(()) => {}
            Err(Denied::ScopeAboveRole) => {
                return Err(AppError::invalid(
                    "workspaces",
                    format!(
                        "In {} you can give the token at most your own role ({}).",
                        workspace.name,
                        workspace.role.label()
                    ),
                ));
            }
            Err(other) => return Err(other.into()),
        }
        check_permissions(
            PermissionSet::of_role(workspace.role),
            grant.scope,
            grant.permissions,
        )?;
        let unchanged = current.iter().find(|g| {
            g.workspace_id == grant.workspace_id
                && g.scope == grant.scope
                && g.permissions == grant.permissions
        });
        let policy = workspaces::policy_of(ctx, grant.workspace_id).await?;
        let in_workspace = |error: AppError| match error {
            AppError::Invalid(field) => AppError::invalid(
                &field.field,
                format!("In {}: {}", workspace.name, field.message),
            ),
            other => other,
        };
        if unchanged.is_none() {
            policy.check_scope(grant.scope).map_err(in_workspace)?;
        }
        if unchanged.is_none() || new_expiry {
            policy
                .check_expiry(expires_at, ctx.now)
                .map_err(in_workspace)?;
        }
        keep_secret &= !policy.secret_shown_once;
        grants.push((
            NewGrant {
                workspace_id: grant.workspace_id,
                scope: grant.scope,
                permissions: grant.permissions,
                pending: match unchanged {
                    Some(kept) => kept.pending(),
                    None => policy.approve_personal_tokens,
                },
            },
            workspace.name,
        ));
    }
    Ok(Asked {
        grants,
        keep_secret,
    })
}

/// The person's record in one workspace of something done to their token.
fn audit_in(
    ctx: &Ctx<CurrentUser>,
    workspace_id: Uuid,
    action: &'static str,
    token_id: Uuid,
    label: &str,
    changes: serde_json::Value,
) -> AuditEvent {
    ctx.acting()
        .audit(Some(workspace_id), action)
        .target("personal_token", token_id, label)
        .changes(changes)
}

pub async fn create(
    ctx: &Ctx<CurrentUser>,
    input: PersonalTokenInput,
) -> Result<CreatedPersonalToken, AppError> {
    let label = validation::token_label(&input.label)?;
    check_expiry(input.expires_at, None, ctx.now)?;
    let allowed_ips = allowlist(input.allowed_ips.as_deref())?;
    let limit = input.rate_limit.map(RateLimit::checked).transpose()?;
    let Asked {
        grants,
        keep_secret,
    } = grants(ctx, &input.workspaces, &[], input.expires_at, true).await?;
    let secret = secrets::new_token_secret();
    let id = Uuid::now_v7();
    let digest = ctx.keys().token_digest(secret.as_presented());
    let sealed = keep_secret.then(|| ctx.keys().seal(id, &secret));
    let audits: Vec<AuditEvent> = grants
        .iter()
        .map(|(grant, _)| {
            audit_in(
                ctx,
                grant.workspace_id,
                "personal_token.created",
                id,
                &label,
                json!({
                    "owner": ctx.principal.email,
                    "scope": grant.scope.as_str(),
                    "permissions": grant.permissions,
                    "expires_at": input.expires_at.map(rfc3339),
                    "pending_approval": grant.pending,
                    "allowed_ips": allowed_ips.as_ref().map(IpAllowlist::entries),
                    "rate_limit": limit,
                }),
            )
        })
        .collect();
    let new_grants: Vec<NewGrant> = grants.into_iter().map(|(grant, _)| grant).collect();
    let token = NewPersonalToken {
        id,
        owner_id: ctx.principal.id,
        label: &label,
        digest: &digest,
        display_prefix: secret.display_prefix(),
        sealed_secret: sealed.as_deref(),
        expires_at: input.expires_at,
        grants: &new_grants,
        allowed_ips: allowlist_column(allowed_ips.as_ref()),
        rate_limit: limit.as_ref().map(RateLimit::column),
    };
    match ctx
        .db()
        .insert_personal_token(&token, ctx.now, &audits)
        .await?
    {
        TokenWrite::Done => {}
        TokenWrite::LabelTaken => return Err(label_taken(&label)),
        TokenWrite::NotFound => return Err(AppError::NotFound),
    }
    Ok(CreatedPersonalToken {
        token: own(ctx, id).await?,
        secret: secret.expose().to_owned(),
    })
}

/// One of the person's own tokens as they see it.
async fn own(ctx: &Ctx<CurrentUser>, id: Uuid) -> Result<PersonalTokenView, AppError> {
    owned(ctx, ctx.principal.id, id).await
}

/// A token of `owner_id` as its owner sees it.
pub(super) async fn owned<P>(
    ctx: &Ctx<P>,
    owner_id: Uuid,
    id: Uuid,
) -> Result<PersonalTokenView, AppError> {
    let (row, grants) = ctx
        .db()
        .personal_token(owner_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(view(row, grants, ctx.now))
}

/// The owner rotates one of their tokens (see `rotation::rotate_personal`).
pub async fn rotate(
    ctx: &Ctx<CurrentUser>,
    id: Uuid,
    request: super::rotation::RotateRequest,
) -> Result<crate::model::RotatedPersonalToken, AppError> {
    let acting = ctx.acting();
    super::rotation::rotate_personal(&acting, ctx.principal.id, id, request).await
}

/// A change to a personal token: each field given is set, each left out is kept.
#[derive(Clone, Debug, Default)]
pub struct PersonalPatch {
    pub label: Option<String>,
    /// `Some(None)` removes the expiry.
    pub expires_at: Option<Option<i64>>,
    /// Replaces its workspaces.
    pub workspaces: Option<Vec<GrantInput>>,
    pub enabled: Option<bool>,
    /// A new IP allowlist (an empty list: any address).
    pub allowed_ips: Option<Vec<String>>,
    /// `Some(None)` removes the rate limit.
    pub rate_limit: Option<Option<RateLimit>>,
}

impl From<PersonalTokenInput> for PersonalPatch {
    fn from(input: PersonalTokenInput) -> PersonalPatch {
        PersonalPatch {
            label: Some(input.label),
            expires_at: Some(input.expires_at),
            workspaces: Some(input.workspaces),
            enabled: None,
            allowed_ips: input.allowed_ips,
            rate_limit: Some(input.rate_limit),
        }
    }
}

/// Changes one of the person's tokens, in one transaction, recorded in every workspace it
/// reached before or reaches after.
pub async fn update(
    ctx: &Ctx<CurrentUser>,
    id: Uuid,
    patch: PersonalPatch,
) -> Result<PersonalTokenView, AppError> {
    let (row, current) = ctx
        .db()
        .personal_token(ctx.principal.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let label = match &patch.label {
        Some(asked) => validation::token_label(asked)?,
        None => row.label.clone(),
    };
    let expires_at = patch.expires_at.unwrap_or(row.expires_at);
    check_expiry(expires_at, row.expires_at, ctx.now)?;
    let allowed_ips = edited_allowlist(patch.allowed_ips.as_deref(), &row.allowed_ips)?;
    let rate_limit = edited_rate_limit(patch.rate_limit, &row.rate_limit)?;
    let new_expiry = expires_at != row.expires_at;
    let grants: Vec<NewGrant> = match &patch.workspaces {
        Some(asked) => grants(ctx, asked, &current, expires_at, new_expiry)
            .await?
            .grants
            .into_iter()
            .map(|(grant, _)| grant)
            .collect(),
        // A new expiry meets every workspace's lifetime limit.
        None if new_expiry => {
            let asked: Vec<GrantInput> = current
                .iter()
                .filter(|grant| grant.owner_role.is_some())
                .map(|grant| GrantInput {
                    workspace_id: grant.workspace_id,
                    scope: grant.scope,
                    permissions: grant.permissions,
                })
                .collect();
            grants(ctx, &asked, &current, expires_at, true)
                .await?
                .grants
                .into_iter()
                .map(|(grant, _)| grant)
                .collect()
        }
        // Kept as they are, but never one its owner has left.
        None => current
            .iter()
            .filter(|grant| grant.owner_role.is_some())
            .map(|grant| NewGrant {
                workspace_id: grant.workspace_id,
                scope: grant.scope,
                permissions: grant.permissions,
                pending: grant.pending(),
            })
            .collect(),
    };
    if patch.enabled == Some(true) && row.disabled_at.is_some() && row.leaked_at.is_some() {
        return Err(AppError::Conflict(crate::domain::leak::NO_REVIVAL.into()));
    }
    let disabled_at = match patch.enabled {
        Some(true) => None,
        Some(false) => row.disabled_at.or(Some(ctx.now)),
        None => row.disabled_at,
    };
    let action = match (row.disabled_at.is_some(), disabled_at.is_some()) {
        (true, false) => "personal_token.enabled",
        (false, true) => "personal_token.disabled",
        _ => "personal_token.changed",
    };
    let before: Vec<_> = current
        .iter()
        .map(|g| (g.workspace_id, g.scope, g.permissions))
        .collect();
    let after: Vec<_> = grants
        .iter()
        .map(|g| (g.workspace_id, g.scope, g.permissions))
        .collect();
    if label == row.label
        && expires_at == row.expires_at
        && disabled_at == row.disabled_at
        && allowed_ips == row.allowed_ips
        && rate_limit == row.rate_limit
        && before == after
    {
        return own(ctx, id).await;
    }
    let mut places: Vec<Uuid> = before.iter().chain(after.iter()).map(|g| g.0).collect();
    places.sort();
    places.dedup();
    let audits: Vec<AuditEvent> = places
        .into_iter()
        .map(|workspace_id| {
            let was = before.iter().find(|g| g.0 == workspace_id);
            let is = after.iter().find(|g| g.0 == workspace_id);
            audit_in(
                ctx,
                workspace_id,
                action,
                id,
                &label,
                json!({
                    "label": { "from": row.label, "to": label },
                    "expires_at": { "from": row.expires_at.map(rfc3339), "to": expires_at.map(rfc3339) },
                    "here": { "from": was.map(describe), "to": is.map(describe) },
                    "allowed_ips": { "from": row.allowed_ips, "to": allowed_ips },
                    "rate_limit": { "from": row.rate_limit, "to": rate_limit },
                }),
            )
        })
        .collect();
    let edit = PersonalEdit {
        label: &label,
        expires_at,
        disabled_at,
        grants: &grants,
        allowed_ips,
        rate_limit,
    };
    match ctx
        .db()
        .update_personal_token(ctx.principal.id, id, &edit, ctx.now, &audits)
        .await?
    {
        TokenWrite::Done => own(ctx, id).await,
        TokenWrite::LabelTaken => Err(label_taken(&label)),
        TokenWrite::NotFound => Err(AppError::NotFound),
    }
}

pub async fn delete(ctx: &Ctx<CurrentUser>, id: Uuid) -> Result<(), AppError> {
    let (row, grants) = ctx
        .db()
        .personal_token(ctx.principal.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let audits: Vec<AuditEvent> = grants
        .iter()
        .map(|grant| {
            audit_in(
                ctx,
                grant.workspace_id,
                "personal_token.deleted",
                id,
                &row.label,
                json!({ "scope": grant.scope.as_str() }),
            )
        })
        .collect();
    match ctx
        .db()
        .delete_token(TokenHolder::Owner(ctx.principal.id), id, &audits)
        .await?
    {
        TokenWrite::Done => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// The full secret of one of the person's own tokens, for the clipboard.
pub async fn copy(ctx: &Ctx<CurrentUser>, id: Uuid) -> Result<String, AppError> {
    open_secret(ctx, TokenHolder::Owner(ctx.principal.id), id).await
}

/// How many personal tokens the workspace's token page shows at a time.
pub const REACHING_PAGE: usize = 50;

/// A page of `limit` (default 50, at most 200) of the personal tokens that can reach a
/// workspace, for its Administrators, each with its standing in this workspace only: those
/// waiting for its approval first, then newest first; the first page, or the one after the
/// cursor `after` (a page's `next`).
pub async fn reaching_page(
    ctx: &Ctx,
    workspace_id: Uuid,
    after: Option<&str>,
    limit: Option<usize>,
) -> Result<ReachingTokensPage, AppError> {
    ctx.workspace(workspace_id, Action::ReadPersonalTokens)
        .await?;
    let limit = cursor::page_limit(limit)?;
    let after: Option<ReachingEdge> = after.map(|text| cursor::open("after", text)).transpose()?;
    let page = ctx
        .db()
        .personal_tokens_reaching_page(workspace_id, after.as_ref(), limit)
        .await?;
    let next = page
        .more
        .then(|| page.tokens.last())
        .flatten()
        .map(|(token, grant)| cursor::seal(&ReachingEdge::of(token, grant)));
    Ok(ReachingTokensPage {
        tokens: page
            .tokens
            .into_iter()
            .map(|(row, grant)| view(row, vec![grant], ctx.now))
            .collect(),
        total: page.total,
        waiting: page.waiting,
        next,
    })
}

/// A personal token reaching the workspace, for its Administrators and Owners (not found
/// for anyone else, or for a token that does not reach it).
async fn one_reaching(
    ctx: &Ctx,
    workspace_id: Uuid,
    token_id: Uuid,
) -> Result<(WorkspaceSummary, PersonalTokenRow, GrantRow), AppError> {
    let workspace = ctx
        .workspace(workspace_id, Action::ManagePersonalTokens)
        .await?;
    let (row, grant) = ctx
        .db()
        .personal_token_reaching(workspace_id, token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((workspace, row, grant))
}

/// An Administrator takes their workspace away from someone's personal token; its owner is
/// told by mail.
pub async fn remove_workspace(
    ctx: &Ctx,
    workspace_id: Uuid,
    token_id: Uuid,
) -> Result<(), AppError> {
    let (workspace, row, grant) = one_reaching(ctx, workspace_id, token_id).await?;
    let by = notifications::actor_name(&ctx.principal);
    let notice = notify::personal_token_removed(&workspace.name, &row.label, &by);
    let audit = ctx
        .audit(Some(workspace_id), "personal_token.removed")
        .target("personal_token", token_id, &row.label)
        .changes(json!({ "owner": row.owner_email, "scope": grant.scope.as_str() }))
        .notify(vec![notifications::to_person(
            workspace_id,
            "personal_token.removed",
            row.owner_email.clone(),
            notice,
        )]);
    match ctx
        .db()
        .remove_token_workspace(workspace_id, token_id, &audit)
        .await?
    {
        TokenWrite::Done => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// Deciding on a grant that is not waiting.
const ALREADY_DECIDED: &str = "This token is not waiting for approval here: it was decided on (or its owner changed it) meanwhile. Reload to see it as it is.";

/// An Administrator decides on a personal token waiting for their workspace's approval:
/// approved, it acts there from its next request; denied, the workspace is taken from it.
/// Its owner is mailed either way; a grant decided meanwhile is a 409.
pub async fn decide(
    ctx: &Ctx,
    workspace_id: Uuid,
    token_id: Uuid,
    approve: bool,
) -> Result<PersonalTokenView, AppError> {
    let (workspace, row, grant) = one_reaching(ctx, workspace_id, token_id).await?;
    // Approving one's own token would make the approval mean nothing.
    if ctx.principal.person() == Some(row.owner_id) {
        return Err(AppError::Forbidden(
            "You cannot decide on your own token: another Administrator of the workspace must."
                .into(),
        ));
    }
    if !grant.pending() {
        return Err(AppError::Conflict(ALREADY_DECIDED.into()));
    }
    let action = if approve {
        "personal_token.approved"
    } else {
        "personal_token.denied"
    };
    let by = notifications::actor_name(&ctx.principal);
    let notice = notify::personal_token_decided(&workspace.name, &row.label, &by, approve);
    let audit = ctx
        .audit(Some(workspace_id), action)
        .target("personal_token", token_id, &row.label)
        .changes(json!({ "owner": row.owner_email, "scope": grant.scope.as_str() }))
        .notify(vec![notifications::to_person(
            workspace_id,
            action,
            row.owner_email.clone(),
            notice,
        )]);
    let approved = approve.then(|| (ctx.principal.person(), ctx.now));
    match ctx
        .db()
        .decide_token_workspace(workspace_id, token_id, approved, &audit)
        .await?
    {
        Decision::Done => {}
        Decision::NotPending => return Err(AppError::Conflict(ALREADY_DECIDED.into())),
    }
    // As it stands now: approved there, or (denied) no longer reaching it.
    let grants = ctx
        .db()
        .personal_token_reaching(workspace_id, token_id)
        .await?
        .map(|(_, grant)| vec![grant])
        .unwrap_or_default();
    Ok(view(row, grants, ctx.now))
}
