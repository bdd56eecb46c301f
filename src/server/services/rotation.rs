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
    Principal, TokenPrincipal, personal_tokens, token_check,
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
    model::{
        CreatedPersonalToken, CreatedToken, RotatedPersonalToken, RotatedToken, Rotating,
        TokenPlace, TokenView,
    },
    server::{
        clock::rfc3339,
        context::Ctx,
        secrets,
        store::{
            audit::AuditEvent,
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
) -> Result<Rotated, AppError> {
    let token = &ctx.principal;
    let Some(home) = token.reach.home() else {
        let owner_id = token.reach.owner_id().ok_or(AppError::NotFound)?;
        let ctx = ctx.acting_as(Principal::Token(token.clone()));
        return rotate_personal(&ctx, owner_id, token.id, request)
            .await
            .map(|rotated| Rotated::Personal(Box::new(rotated)));
    };
    let row = ctx
        .db()
        .token(home.workspace_id, token.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = home.scope;
    let ctx = ctx.acting_as(Principal::Token(token.clone()));
    rotate_row(&ctx, scope, row, request)
        .await
        .map(|rotated| Rotated::Workspace(Box::new(rotated)))
}

/// Who a key belongs to: the person, or the token, making the request.
fn caller(principal: &Principal) -> Uuid {
    match principal {
        Principal::User(user) => user.id,
        Principal::Token(token) => token.id,
    }
}

/// The token to rotate, whoever holds it, as the rotation needs it.
struct Old {
    /// What the audit log calls it: `token` or `personal_token`.
    kind: &'static str,
    id: Uuid,
    label: String,
    created_at: i64,
    expires_at: Option<i64>,
    /// When it was switched off, unless for a leak (a leaked token rotates).
    disabled_at: Option<i64>,
    rotated_to: Option<Uuid>,
    /// Each workspace whose audit log records the rotation, with what the successor
    /// holds there.
    places: Vec<(Uuid, serde_json::Value)>,
    /// Where the workspaces' policies leave the successor: its secret kept or not, and
    /// the latest expiry it may have.
    keep_secret: bool,
    latest_expiry: Option<i64>,
}

impl Old {
    fn check(&self, now: i64) -> Result<(), AppError> {
        Ok(NotRotatable::check(
            self.rotated_to,
            self.disabled_at.is_some(),
            self.expires_at,
            now,
        )?)
    }
}

/// A rotation's successor and its secret, before anyone views it.
struct Successor {
    new_id: Uuid,
    secret: String,
    grace_ends_at: i64,
    /// A retry under a remembered key: the first answer again.
    replayed: bool,
}

/// What a rotation did.
enum Written {
    Done(Successor),
    /// The token changed meanwhile (rotated, disabled, expired or deleted): read it again
    /// to say how it stands.
    Raced,
}

/// Rotates `old` (or finds the rotation a retry under the same key made): the one write
/// both kinds of token share.
async fn write(ctx: &Ctx, old: &Old, request: RotateRequest) -> Result<Written, AppError> {
    let grace = Grace::seconds(request.grace_seconds)?;
    let now = ctx.now;
    let key = request.key.map(|key| {
        ctx.keys()
            .idempotency_digest(caller(&ctx.principal), key.as_str())
    });
    if let Some(digest) = &key
        && let Some(stored) = ctx.db().stored_rotation(digest, now).await?
    {
        return replayed(ctx, old.id, stored);
    }
    old.check(now)?;

    let secret = secrets::new_token_secret();
    let new_id = Uuid::now_v7();
    let digest = ctx.keys().token_digest(secret.as_presented());
    let sealed = ctx.keys().seal(new_id, &secret);
    let grace_ends_at = grace.ends_at(old.expires_at, now);
    // The old lifetime again, but never past the workspaces' limit: rotating is how a
    // token over the limit comes back within it.
    let expires_at = match (
        successor_expiry(old.created_at, old.expires_at, now),
        old.latest_expiry,
    ) {
        (Some(at), Some(latest)) => Some(at.min(latest)),
        (at, latest) => at.or(latest),
    };
    let (kind, old_id) = (old.kind, old.id);
    let rotated: Vec<AuditEvent> = old
        .places
        .iter()
        .map(|(workspace_id, _)| {
            ctx.audit(Some(*workspace_id), "token.rotated")
                .target(kind, old_id, &old.label)
                .changes(json!({
                    "rotated_to": new_id,
                    "grace_ends_at": rfc3339(grace_ends_at),
                    "grace_seconds": grace.as_seconds(),
                    "expires_at": { "from": old.expires_at.map(rfc3339), "to": rfc3339(grace_ends_at) },
                }))
        })
        .collect();
    let created: Vec<AuditEvent> = old
        .places
        .iter()
        .map(|(workspace_id, holds)| {
            let mut changes = json!({
                "label": old.label,
                "expires_at": expires_at.map(rfc3339),
                "rotated_from": old_id,
            });
            if let (Some(changes), Some(holds)) = (changes.as_object_mut(), holds.as_object()) {
                changes.extend(holds.clone());
            }
            ctx.audit(Some(*workspace_id), "token.created")
                .target(kind, new_id, &old.label)
                .changes(changes)
        })
        .collect();
    let rotation = Rotation {
        old_id,
        new_id,
        digest: &digest,
        display_prefix: secret.display_prefix(),
        sealed_secret: &sealed,
        keep_secret: old.keep_secret,
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
        RotationWrite::Done => Ok(Written::Done(Successor {
            new_id,
            secret: secret.expose().to_owned(),
            grace_ends_at,
            replayed: false,
        })),
        // A parallel request under the same key rotated first (it committed before our
        // claim could): its answer is ours.
        RotationWrite::KeyTaken => {
            let digest = key.as_ref().ok_or(AppError::Internal)?;
            let stored = ctx
                .db()
                .stored_rotation(digest, now)
                .await?
                .ok_or(AppError::Internal)?;
            replayed(ctx, old.id, stored)
        }
        RotationWrite::NotRotatable => Ok(Written::Raced),
    }
}

/// The first answer again, for a retry under the same key. A key names one rotation: the
/// same key for another token is the draft's "reused with a different request" (422).
fn replayed<P>(ctx: &Ctx<P>, old_id: Uuid, stored: StoredRotation) -> Result<Written, AppError> {
    if stored.old_token_id != old_id {
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
    Ok(Written::Done(Successor {
        new_id: stored.new_token_id,
        secret: secret.expose().to_owned(),
        grace_ends_at: stored.grace_ends_at,
        replayed: true,
    }))
}

/// Changed meanwhile: says how the token stands now, or that it changed.
fn raced(now_row: Option<(Option<Uuid>, Option<i64>, Option<i64>)>, now: i64) -> AppError {
    let Some((rotated_to, disabled_at, expires_at)) = now_row else {
        return AppError::NotFound;
    };
    match NotRotatable::check(rotated_to, disabled_at.is_some(), expires_at, now) {
        Err(error) => error.into(),
        Ok(()) => {
            AppError::Conflict("The token changed while it was being rotated; try again.".into())
        }
    }
}

async fn rotate_row(
    ctx: &Ctx,
    role: Role,
    row: TokenRow,
    request: RotateRequest,
) -> Result<RotatedToken, AppError> {
    let workspace_id = row.workspace_id;
    let policy = workspaces::policy_of(ctx, workspace_id).await?;
    if policy.check_scope(row.scope).is_err() {
        return Err(AppError::Conflict(format!(
            "This workspace allows new tokens up to the {} scope, and rotating makes a new {} token. Make a new token with a lower scope instead.",
            policy.max_scope.unwrap_or(Role::Owner).label(),
            row.scope.label()
        )));
    }
    let old = Old {
        kind: "token",
        id: row.id,
        label: row.label.clone(),
        created_at: row.created_at,
        expires_at: row.expires_at,
        // A token disabled because it leaked may still be rotated: that is the way out.
        disabled_at: row.disabled_at.filter(|_| row.leaked_at.is_none()),
        rotated_to: row.rotated_to,
        places: vec![(
            workspace_id,
            json!({ "scope": row.scope.as_str(), "permissions": row.permissions }),
        )],
        keep_secret: !policy.secret_shown_once,
        latest_expiry: policy.latest_expiry(ctx.now),
    };
    let Successor {
        new_id,
        secret,
        grace_ends_at,
        replayed,
    } = match write(ctx, &old, request).await? {
        Written::Done(successor) => successor,
        Written::Raced => {
            let now_row = ctx.db().token(workspace_id, row.id).await?;
            return Err(raced(
                now_row.map(|r| (r.rotated_to, r.disabled_at, r.expires_at)),
                ctx.now,
            ));
        }
    };
    Ok(RotatedToken {
        created: CreatedToken {
            token: reread(ctx, role, workspace_id, new_id).await?,
            secret,
        },
        rotated_from: row.id,
        grace_ends_at,
        old: old_view(ctx, role, workspace_id, row.id).await?,
        replayed,
    })
}

/// A rotation's answer, for a workspace's token or a person's (the larger boxed: one is
/// made per rotation and moved into the answer).
#[derive(Clone, Debug)]
pub enum Rotated {
    Workspace(Box<RotatedToken>),
    Personal(Box<RotatedPersonalToken>),
}

/// A retried self-rotation, answered before the token is checked: the rotation it retries
/// may itself have stopped the token (a grace of 0), and automation whose answer was lost
/// must still get its new secret. Only while the key is remembered, for the token that
/// presents it, and only if nobody has since disabled or deleted that token.
pub async fn replay_for_presented<P>(
    ctx: &Ctx<P>,
    presented: &str,
    key: &IdempotencyKey,
) -> Result<Option<Rotated>, AppError> {
    let Some(digest) = token_check::digest(ctx.keys(), presented) else {
        return Ok(None);
    };
    let Some(token) = ctx.db().presented_token(&digest).await? else {
        return Ok(None);
    };
    let (Some(successor), None) = (token.rotated_to, token.disabled_at) else {
        return Ok(None);
    };
    let key = ctx.keys().idempotency_digest(token.id, key.as_str());
    let Some(stored) = ctx.db().stored_rotation(&key, ctx.now).await? else {
        return Ok(None);
    };
    if stored.old_token_id != token.id || stored.new_token_id != successor {
        return Ok(None);
    }
    let Written::Done(Successor {
        new_id,
        secret,
        grace_ends_at,
        ..
    }) = replayed(ctx, token.id, stored)?
    else {
        return Ok(None);
    };
    match (token.workspace_id, token.owner_id) {
        (Some(workspace_id), _) => {
            let (Some(row), Some(successor)) = (
                ctx.db().token(workspace_id, token.id).await?,
                ctx.db().token(workspace_id, new_id).await?,
            ) else {
                return Ok(None);
            };
            Ok(Some(Rotated::Workspace(Box::new(RotatedToken {
                created: CreatedToken {
                    token: view(successor, row.scope, ctx.now),
                    secret,
                },
                rotated_from: row.id,
                grace_ends_at,
                old: old_view(ctx, row.scope, workspace_id, row.id).await?,
                replayed: true,
            }))))
        }
        (None, Some(owner_id)) => Ok(Some(Rotated::Personal(Box::new(RotatedPersonalToken {
            created: CreatedPersonalToken {
                token: personal_tokens::owned(ctx, owner_id, new_id).await?,
                secret,
            },
            rotated_from: token.id,
            grace_ends_at,
            replayed: true,
        })))),
        (None, None) => Ok(None),
    }
}

/// Rotates a personal token of `owner_id` — by its owner, or by itself. The successor
/// reaches the same workspaces with the same scopes, permissions and approvals; every
/// workspace it reaches records the rotation; each workspace's policy applies (its
/// highest scope, its lifetime limit, whether secrets are kept).
pub async fn rotate_personal(
    ctx: &Ctx,
    owner_id: Uuid,
    token_id: Uuid,
    request: RotateRequest,
) -> Result<RotatedPersonalToken, AppError> {
    let (row, grants) = ctx
        .db()
        .personal_token(owner_id, token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut keep_secret = true;
    let mut latest_expiry: Option<i64> = None;
    let mut places = Vec::with_capacity(grants.len());
    for grant in grants.iter().filter(|grant| grant.owner_role.is_some()) {
        let policy = workspaces::policy_of(ctx, grant.workspace_id).await?;
        if policy.check_scope(grant.scope).is_err() {
            return Err(AppError::Conflict(format!(
                "{} allows new tokens up to the {} scope, and rotating would make a new {} token there. Lower its scope there first.",
                grant.workspace_name,
                policy.max_scope.unwrap_or(Role::Owner).label(),
                grant.scope.label()
            )));
        }
        keep_secret &= !policy.secret_shown_once;
        if let Some(latest) = policy.latest_expiry(ctx.now) {
            latest_expiry = Some(latest_expiry.map_or(latest, |at: i64| at.min(latest)));
        }
        places.push((
            grant.workspace_id,
            json!({ "owner": row.owner_email, "scope": grant.scope.as_str(), "permissions": grant.permissions }),
        ));
    }
    let old = Old {
        kind: "personal_token",
        id: row.id,
        label: row.label.clone(),
        created_at: row.created_at,
        expires_at: row.expires_at,
        // A token disabled because it leaked may still be rotated: that is the way out.
        disabled_at: row.disabled_at.filter(|_| row.leaked_at.is_none()),
        rotated_to: row.rotated_to,
        places,
        keep_secret,
        latest_expiry,
    };
    let Successor {
        new_id,
        secret,
        grace_ends_at,
        replayed,
    } = match write(ctx, &old, request).await? {
        Written::Done(successor) => successor,
        Written::Raced => {
            let now_row = ctx.db().personal_token(owner_id, token_id).await?;
            return Err(raced(
                now_row.map(|(r, _)| (r.rotated_to, r.disabled_at, r.expires_at)),
                ctx.now,
            ));
        }
    };
    Ok(RotatedPersonalToken {
        created: CreatedPersonalToken {
            token: personal_tokens::owned(ctx, owner_id, new_id).await?,
            secret,
        },
        rotated_from: row.id,
        grace_ends_at,
        replayed,
    })
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
