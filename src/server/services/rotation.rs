//! Rotating a token: a successor with the same label, scope, permissions and workspaces
//! and a fresh secret, while the old token keeps working until its grace ends. One rule
//! for both doors (the UI's server function and `/api/v1`), and for a token rotating
//! itself.
//!
//! Retries: under an `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) the
//! same caller retrying the same rotation within ten minutes gets the first answer again,
//! new secret included, so an answer lost on the way never leaves automation holding a
//! token that is about to stop and no successor (GitLab #428256, #524639). The key and
//! the rotation commit together, so there is never a rotation "in progress" to conflict
//! with: a parallel retry waits for the first and gets its answer.

use serde_json::json;
use uuid::Uuid;

use super::{
    Principal, TokenPrincipal, token_check,
    token_views::{reread, view, visible_token},
    workspaces,
};
use crate::{
    domain::{
        api_permission::PermissionSet,
        error::AppError,
        permission::{Action, TokenAction},
        role::Role,
        rotation::{Grace, IdempotencyKey, NotRotatable, REPLAY_WINDOW_MS, successor_expiry},
    },
    model::{CreatedToken, RotatedToken, Rotating, TokenPlace, TokenView},
    server::{
        clock::rfc3339,
        context::Ctx,
        secrets,
        store::{
            rotation::{ReplayKey, Rotation, RotationWrite, StoredRotation},
            tokens::TokenRow,
        },
    },
};

/// What a rotation asks for: the grace in seconds (checked here, 0 to 7 days) and the
/// retry key, if the caller sent one.
#[derive(Clone, Debug, Default)]
pub struct RotateRequest {
    pub grace_seconds: i64,
    pub key: Option<IdempotencyKey>,
}

/// Rotates a token of the workspace. The caller needs what creating a token of its scope
/// needs, and every permission the token holds.
pub async fn rotate(
    ctx: &Ctx,
    workspace_id: Uuid,
    token_id: Uuid,
    request: RotateRequest,
) -> Result<RotatedToken, AppError> {
    let (workspace, row) = visible_token(ctx, workspace_id, token_id).await?;
    ctx.allow(&workspace, Action::Token(TokenAction::Rotate, row.scope))?;
    let wanted = PermissionSet::effective(row.scope, row.permissions);
    if !wanted.is_subset_of(ctx.actor(&workspace).ceiling()) {
        return Err(AppError::Forbidden(
            "This token holds permissions you lack, so you cannot rotate it.".into(),
        ));
    }
    rotate_row(ctx, workspace.role, row, request).await
}

/// A token rotates itself: any valid token may, with no permission at all, since its
/// successor holds exactly what it holds (automation that must not hold broad rights,
/// GitLab #426779).
pub async fn rotate_self(
    ctx: &Ctx<TokenPrincipal>,
    request: RotateRequest,
) -> Result<RotatedToken, AppError> {
    let token = &ctx.principal;
    let Some(home) = token.reach.home() else {
        return Err(AppError::Conflict(
            "A personal token cannot rotate itself yet: its owner makes a new one on their account page (/account/tokens) and deletes this one.".into(),
        ));
    };
    let row = ctx
        .db()
        .token(home.workspace_id, token.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = home.scope;
    let ctx = ctx.acting_as(Principal::Token(token.clone()));
    rotate_row(&ctx, scope, row, request).await
}

/// Who a key belongs to: the person, or the token, making the request.
fn caller(principal: &Principal) -> Uuid {
    match principal {
        Principal::User(user) => user.id,
        Principal::Token(token) => token.id,
    }
}

async fn rotate_row(
    ctx: &Ctx,
    role: Role,
    row: TokenRow,
    request: RotateRequest,
) -> Result<RotatedToken, AppError> {
    let grace = Grace::seconds(request.grace_seconds)?;
    let now = ctx.now;
    let key = request.key.map(|key| {
        ctx.keys()
            .idempotency_digest(caller(&ctx.principal), key.as_str())
    });
    if let Some(digest) = &key
        && let Some(stored) = ctx.db().stored_rotation(digest, now).await?
    {
        return replay(ctx, role, &row, stored).await;
    }
    NotRotatable::check(
        row.rotated_to,
        row.disabled_at.is_some(),
        row.expires_at,
        now,
    )?;

    let secret = secrets::new_token_secret();
    let new_id = Uuid::now_v7();
    let digest = ctx.keys().token_digest(secret.as_presented());
    let sealed = ctx.keys().seal(new_id, &secret);
    let (workspace_id, old_id) = (row.workspace_id, row.id);
    let policy = workspaces::policy_of(ctx, workspace_id).await?;
    if policy.check_scope(row.scope).is_err() {
        return Err(AppError::Conflict(format!(
            "This workspace allows new tokens up to the {} scope, and rotating makes a new {} token. Make a new token with a lower scope instead.",
            policy.max_scope.unwrap_or(Role::Owner).label(),
            row.scope.label()
        )));
    }
    let grace_ends_at = grace.ends_at(row.expires_at, now);
    // The old lifetime again, but never past the workspace's limit: rotating is how a
    // token over the limit comes back within it.
    let expires_at = match (
        successor_expiry(row.created_at, row.expires_at, now),
        policy.latest_expiry(now),
    ) {
        (Some(at), Some(latest)) => Some(at.min(latest)),
        (at, latest) => at.or(latest),
    };
    let rotated = ctx
        .audit(Some(workspace_id), "token.rotated")
        .target("token", old_id, &row.label)
        .changes(json!({
            "rotated_to": new_id,
            "grace_ends_at": rfc3339(grace_ends_at),
            "grace_seconds": grace.as_seconds(),
            "expires_at": { "from": row.expires_at.map(rfc3339), "to": rfc3339(grace_ends_at) },
        }));
    let created = ctx
        .audit(Some(workspace_id), "token.created")
        .target("token", new_id, &row.label)
        .changes(json!({
            "label": row.label,
            "scope": row.scope.as_str(),
            "permissions": row.permissions,
            "expires_at": expires_at.map(rfc3339),
            "rotated_from": old_id,
        }));
    let rotation = Rotation {
        old_id,
        new_id,
        digest: &digest,
        display_prefix: secret.display_prefix(),
        sealed_secret: &sealed,
        keep_secret: !policy.secret_shown_once,
        created_by: ctx.principal.person(),
        created_by_token: ctx.principal.token(),
        expires_at,
        grace_ends_at,
    };
    let replay_key = key.as_ref().map(|digest| ReplayKey {
        digest,
        expires_at: now + REPLAY_WINDOW_MS,
    });
    let written = ctx
        .db()
        .rotate_token(&rotation, replay_key.as_ref(), now, &rotated, &created)
        .await?;
    match written {
        RotationWrite::Done => Ok(RotatedToken {
            created: CreatedToken {
                token: reread(ctx, role, workspace_id, new_id).await?,
                secret: secret.expose().to_owned(),
            },
            rotated_from: old_id,
            grace_ends_at,
            old: old_view(ctx, role, workspace_id, old_id).await?,
            replayed: false,
        }),
        // A parallel request under the same key rotated first (it committed before our
        // claim could): its answer is ours.
        RotationWrite::KeyTaken => {
            let digest = key.as_ref().ok_or(AppError::Internal)?;
            let stored = ctx
                .db()
                .stored_rotation(digest, now)
                .await?
                .ok_or(AppError::Internal)?;
            replay(ctx, role, &row, stored).await
        }
        // Changed meanwhile (rotated, disabled, expired or deleted by someone else): say
        // how it stands now.
        RotationWrite::NotRotatable => {
            let now_row = ctx
                .db()
                .token(workspace_id, old_id)
                .await?
                .ok_or(AppError::NotFound)?;
            NotRotatable::check(
                now_row.rotated_to,
                now_row.disabled_at.is_some(),
                now_row.expires_at,
                now,
            )?;
            Err(AppError::Conflict(
                "The token changed while it was being rotated; try again.".into(),
            ))
        }
    }
}

/// The first answer again, for a retry under the same key. A key names one rotation: the
/// same key for another token is the draft's "reused with a different request" (422).
async fn replay<P>(
    ctx: &Ctx<P>,
    role: Role,
    row: &TokenRow,
    stored: StoredRotation,
) -> Result<RotatedToken, AppError> {
    if stored.old_token_id != row.id {
        return Err(AppError::invalid(
            "Idempotency-Key",
            "This Idempotency-Key rotated another token in the last 10 minutes. Use a new key for each rotation.",
        ));
    }
    let secret = ctx
        .keys()
        .open(stored.new_token_id, &stored.sealed_secret)
        .map_err(|error| {
            tracing::error!(token = %stored.new_token_id, "{error}");
            AppError::Internal
        })?;
    let successor = ctx
        .db()
        .token(row.workspace_id, stored.new_token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(RotatedToken {
        created: CreatedToken {
            token: view(successor, role, ctx.now),
            secret: secret.expose().to_owned(),
        },
        rotated_from: row.id,
        grace_ends_at: stored.grace_ends_at,
        old: old_view(ctx, role, row.workspace_id, row.id).await?,
        replayed: true,
    })
}

/// A retried self-rotation, answered before the token is checked: the rotation it retries
/// may itself have stopped the token (a grace of 0), and automation whose answer was lost
/// must still get its new secret. Only while the key is remembered, for the token that
/// presents it, and only if nobody has since disabled or deleted that token.
pub async fn replay_for_presented<P>(
    ctx: &Ctx<P>,
    presented: &str,
    key: &IdempotencyKey,
) -> Result<Option<RotatedToken>, AppError> {
    let Some(digest) = token_check::digest(ctx.keys(), presented) else {
        return Ok(None);
    };
    let Some(token) = ctx.db().presented_token(&digest).await? else {
        return Ok(None);
    };
    let (Some(workspace_id), Some(successor), None) =
        (token.workspace_id, token.rotated_to, token.disabled_at)
    else {
        return Ok(None);
    };
    let key = ctx.keys().idempotency_digest(token.id, key.as_str());
    let Some(stored) = ctx.db().stored_rotation(&key, ctx.now).await? else {
        return Ok(None);
    };
    if stored.old_token_id != token.id || stored.new_token_id != successor {
        return Ok(None);
    }
    let Some(row) = ctx.db().token(workspace_id, token.id).await? else {
        return Ok(None);
    };
    replay(ctx, row.scope, &row, stored).await.map(Some)
}

/// The old token as the table shows it now, with its rotation.
async fn old_view<P>(
    ctx: &Ctx<P>,
    role: Role,
    workspace_id: Uuid,
    old_id: Uuid,
) -> Result<Option<TokenView>, AppError> {
    let Some(row) = ctx.db().token(workspace_id, old_id).await? else {
        return Ok(None);
    };
    let mut old = [view(row, role, ctx.now)];
    attach(ctx, workspace_id, &mut old).await?;
    let [old] = old;
    Ok(Some(old))
}

/// Marks the workspace's tokens being rotated out, with the places that still used each
/// since its rotation began.
pub(super) async fn attach<P>(
    ctx: &Ctx<P>,
    workspace_id: Uuid,
    tokens: &mut [TokenView],
) -> Result<(), AppError> {
    for rotating in ctx.db().rotating_tokens(workspace_id, ctx.now).await? {
        let Some(token) = tokens.iter_mut().find(|t| t.id == rotating.id) else {
            continue;
        };
        let places = ctx
            .db()
            .token_places_since(rotating.id, rotating.rotated_at)
            .await?
            .into_iter()
            .map(|place| TokenPlace {
                ip: place.ip,
                user_agent: place.user_agent,
                last_at: place.last_at,
                requests: place.requests,
            })
            .collect();
        token.rotating = Some(Rotating {
            successor: rotating.successor,
            rotated_at: rotating.rotated_at,
            grace_ends_at: rotating.grace_ends_at,
            places,
        });
    }
    Ok(())
}
