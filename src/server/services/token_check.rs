//! Checking a presented token: what the API's authentication, introspection and a
//! token's own revocation ask. The check itself reads memory first and the database only
//! for a token this instance has not seen.

use serde_json::json;
use uuid::Uuid;

use super::TokenPrincipal;
use crate::{
    domain::{
        error::AppError,
        permission::{Action, Actor, authorize},
        token_format::PresentedToken,
    },
    server::{
        context::Ctx,
        secrets::Keys,
        store::{
            Db,
            token_cache::{AuthToken, Digest},
            tokens::TokenWrite,
        },
    },
};

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
        permissions: token.permissions(),
        created_at: token.created_at,
        expires_at: token.expires_at,
        last_used_at: token.last_used_at(),
    })
}

/// A token revokes itself: deleted at once, recorded as its own act.
pub async fn revoke_self(ctx: &Ctx<TokenPrincipal>) -> Result<(), AppError> {
    let token = &ctx.principal;
    let audit = ctx
        .audit_as(
            token.audit_actor(),
            Some(token.workspace_id),
            "token.revoked",
        )
        .target("token", token.id, &token.label)
        .changes(json!({ "scope": token.scope.as_str() }));
    match ctx
        .db()
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
    ctx: &Ctx<TokenPrincipal>,
    presented: &str,
) -> Result<TokenCheck, AppError> {
    let caller = &ctx.principal;
    // The caller's own workspace, known without a look-up: a token lives in one.
    authorize(
        Actor::token(caller.scope, caller.permissions),
        Action::Introspect,
    )?;
    let check = check(ctx.db(), ctx.keys(), presented, ctx.now).await?;
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
