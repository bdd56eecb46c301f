//! Checking a presented token: what the API's authentication, introspection and a
//! token's own revocation ask. The check itself reads memory first and the database only
//! for a token this instance has not seen.

use std::{
    net::IpAddr,
    sync::atomic::{AtomicU64, Ordering},
};

use serde_json::json;
use uuid::Uuid;

use super::{TokenPrincipal, rate_limits::Verdict};
use crate::{
    domain::{
        api_permission::PermissionSet,
        error::AppError,
        permission::{Action, Actor, authorize},
        policy::OVER_POLICY,
        rate_limit::RateLimit,
        role::Role,
        token_format::PresentedToken,
    },
    server::{
        context::{self, Ctx},
        secrets::Keys,
        store::{
            Db,
            token_cache::{AuthToken, Digest, Grant, Reach, Standing},
            tokens::{TokenHolder, TokenWrite},
        },
    },
};

/// What a presented token string turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenCheck {
    Valid(TokenPrincipal),
    Malformed,
    NotFound,
    /// A stored token, disabled; where it could act.
    Disabled(Reach),
    /// A stored token past its expiry; where it could act.
    Expired(Reach),
    /// A valid token presented from an address its allowlist does not hold.
    IpNotAllowed {
        id: Uuid,
        reach: Reach,
    },
}

/// Where a token is presented from, for its IP allowlist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A request's client: its address as Tessera trusts it (`trusted_proxies`), or None
    /// when it is unknown — which no allowlist holds.
    Client(Option<IpAddr>),
    /// Not asked: introspection that did not say where the token came from.
    Unasked,
}

impl Origin {
    /// Whether `token`'s allowlist (if any) lets it be used from here.
    fn admits(self, token: &AuthToken) -> bool {
        match (&token.allowed_ips, self) {
            (None, _) | (Some(_), Origin::Unasked) => true,
            (Some(list), Origin::Client(Some(ip))) => list.allows(ip),
            (Some(_), Origin::Client(None)) => false,
        }
    }
}

impl TokenCheck {
    /// The reason code introspection reports (as Unkey names them).
    pub fn reason(&self) -> &'static str {
        REASONS[self.index()]
    }

    /// Its place in [`REASONS`] (and among the counts of [`VERDICTS`]).
    fn index(&self) -> usize {
        match self {
            TokenCheck::Valid(_) => 0,
            TokenCheck::Malformed => 1,
            TokenCheck::NotFound => 2,
            TokenCheck::Disabled(_) => 3,
            TokenCheck::Expired(_) => 4,
            TokenCheck::IpNotAllowed { .. } => 5,
        }
    }

    /// Where the token could act, when it is stored.
    fn reach(&self) -> Option<&Reach> {
        match self {
            TokenCheck::Valid(token) => Some(&token.reach),
            TokenCheck::Disabled(reach)
            | TokenCheck::Expired(reach)
            | TokenCheck::IpNotAllowed { reach, .. } => Some(reach),
            TokenCheck::Malformed | TokenCheck::NotFound => None,
        }
    }
}

/// How many token checks ended in each verdict since the start, by reason, for
/// `/metrics`: one relaxed add per check, nothing else on the way.
pub static VERDICTS: Verdicts = Verdicts([const { AtomicU64::new(0) }; 6]);

pub struct Verdicts([AtomicU64; 6]);

/// The reason codes introspection reports (as Unkey names them), by [`TokenCheck::index`].
const REASONS: [&str; 6] = [
    "VALID",
    "MALFORMED",
    "NOT_FOUND",
    "DISABLED",
    "EXPIRED",
    "IP_NOT_ALLOWED",
];

impl Verdicts {
    fn count(&self, check: &TokenCheck) {
        self.0[check.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// A presented token refused for its shape alone (no look-up).
    pub fn malformed(&self) {
        self.count(&TokenCheck::Malformed);
    }

    /// Each reason and how many checks ended with it.
    pub fn counts(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        REASONS
            .into_iter()
            .zip(&self.0)
            .map(|(reason, count)| (reason, count.load(Ordering::Relaxed)))
    }
}

/// Introspection's reason for a valid token over its rate limit.
pub const RATE_LIMITED: &str = "RATE_LIMITED";

/// Introspection's reason for a token an approval still holds back in the workspace asked
/// about.
pub const PENDING_APPROVAL: &str = "PENDING_APPROVAL";

/// What introspection tells a caller about a presented token, in the caller's workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Introspection {
    pub reason: &'static str,
    /// For an active token: what it may do in the caller's workspace.
    pub active: Option<ActiveGrant>,
    /// For a valid token with a rate limit: the limit and what this check left of it.
    pub rate: Option<(RateLimit, Verdict)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveGrant {
    pub workspace_id: Uuid,
    pub scope: Role,
    pub permissions: PermissionSet,
    pub expires_at: Option<i64>,
    /// The person a personal token acts for.
    pub owner_id: Option<Uuid>,
}

/// Checks a presented token: its shape and checksum first (no database look-up for a typo),
/// then its digest, then whether it is disabled or expired at `now`. Its IP allowlist is
/// not asked (see [`check_from`]).
pub async fn check(
    db: &Db,
    keys: &Keys,
    presented: &str,
    now: i64,
) -> Result<TokenCheck, AppError> {
    check_from(db, keys, presented, now, Origin::Unasked).await
}

/// [`check`], and whether the token may be used from `origin`.
pub async fn check_from(
    db: &Db,
    keys: &Keys,
    presented: &str,
    now: i64,
    origin: Origin,
) -> Result<TokenCheck, AppError> {
    match digest(keys, presented) {
        Some(digest) => check_digest(db, &digest, now, origin).await,
        None => {
            VERDICTS.malformed();
            Ok(TokenCheck::Malformed)
        }
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
pub async fn check_digest(
    db: &Db,
    digest: &Digest,
    now: i64,
    origin: Origin,
) -> Result<TokenCheck, AppError> {
    let check = match db.token_by_digest(digest).await? {
        Some(token) => verdict(&token, now, origin),
        None => TokenCheck::NotFound,
    };
    VERDICTS.count(&check);
    Ok(check)
}

/// `check` from memory alone: `None` when the token is not in this instance's cache (then
/// `check_digest` asks the database). Lets the API's authentication answer without
/// awaiting anything for a token in use.
pub fn check_cached(db: &Db, digest: &Digest, now: i64, origin: Origin) -> Option<TokenCheck> {
    let check = db.with_cached_token(digest, |token| verdict(token, now, origin))?;
    VERDICTS.count(&check);
    Some(check)
}

/// The one rule deciding what a stored token is worth at `now`, presented from `origin`.
/// Where it may act, and how, is asked per workspace afterwards ([`Reach::grant`]).
fn verdict(token: &AuthToken, now: i64, origin: Origin) -> TokenCheck {
    if token.disabled_at.is_some() {
        return TokenCheck::Disabled(token.reach.clone());
    }
    if token.expires_at.is_some_and(|at| at <= now) {
        return TokenCheck::Expired(token.reach.clone());
    }
    if !origin.admits(token) {
        return TokenCheck::IpNotAllowed {
            id: token.id,
            reach: token.reach.clone(),
        };
    }
    TokenCheck::Valid(TokenPrincipal {
        id: token.id,
        label: token.label.clone(),
        reach: token.reach.clone(),
        created_at: token.created_at,
        expires_at: token.expires_at,
        last_used_at: token.last_used_at(),
        rate_limit: token.rate_limit,
    })
}

/// A token revokes itself: deleted at once, recorded as its own act in every workspace it
/// could reach.
pub async fn revoke_self(ctx: &Ctx<TokenPrincipal>) -> Result<(), AppError> {
    let token = &ctx.principal;
    let audits: Vec<_> = token
        .reach
        .grants()
        .iter()
        .map(|grant| {
            ctx.audit_as(
                token.audit_actor(),
                Some(grant.workspace_id),
                "token.revoked",
            )
            .target("token", token.id, &token.label)
            .changes(json!({ "scope": grant.scope.as_str() }))
        })
        .collect();
    match ctx
        .db()
        .delete_token(TokenHolder::of(&token.reach), token.id, &audits)
        .await?
    {
        TokenWrite::Done => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// Describes `presented` to a caller holding `introspect`, as seen from the caller's
/// workspaces (those where it holds that permission, known without a look-up): a token that
/// reaches none of them is `NOT_FOUND`. A token over the workspace's lifetime limit past its
/// grace is `OVER_POLICY` there; a personal token still waiting for the workspace's
/// approval is `PENDING_APPROVAL` there; a valid one over its rate limit (each check
/// counts against it) is `RATE_LIMITED`; one whose allowlist does not hold the address the
/// caller says it came from (`origin`) is `IP_NOT_ALLOWED`.
pub async fn introspect(
    ctx: &Ctx<TokenPrincipal>,
    presented: &str,
    origin: Origin,
) -> Result<Introspection, AppError> {
    let caller = &ctx.principal;
    let acts = |grant: &&Grant| grant.standing(caller.expires_at, ctx.now) == Standing::Acts;
    let mut asking = caller.reach.grants().iter().filter(acts);
    let Some(first) = asking.next() else {
        // Refused as its first workspace refuses it.
        let first = caller.reach.grants().first();
        return Err(AppError::Forbidden(
            match first.map(|grant| grant.standing(caller.expires_at, ctx.now)) {
                Some(Standing::OverPolicy(limit)) => limit.refusal(),
                _ => context::PENDING_APPROVAL.into(),
            },
        ));
    };
    let allowed = |grant: &Grant| {
        authorize(
            Actor::token(grant.scope, grant.permissions()),
            Action::Introspect,
        )
    };
    let workspaces: Vec<Uuid> = std::iter::once(first)
        .chain(asking)
        .filter(|grant| allowed(grant).is_ok())
        .map(|grant| grant.workspace_id)
        .collect();
    if workspaces.is_empty() {
        // Refused as the first workspace refuses it (the same reason everywhere).
        allowed(first)?;
    }
    let check = check_from(ctx.db(), ctx.keys(), presented, ctx.now, origin).await?;
    let seen = check.reach().and_then(|reach| {
        workspaces
            .iter()
            .find_map(|ws| reach.grant(*ws).map(|grant| (grant, reach.owner_id())))
    });
    let not_found = Introspection {
        reason: TokenCheck::NotFound.reason(),
        active: None,
        rate: None,
    };
    Ok(match (&check, seen) {
        (TokenCheck::Malformed, _) => Introspection {
            reason: check.reason(),
            active: None,
            rate: None,
        },
        (_, None) => not_found,
        (TokenCheck::Valid(token), Some((grant, _)))
            if grant.standing(token.expires_at, ctx.now) != Standing::Acts =>
        {
            Introspection {
                reason: match grant.standing(token.expires_at, ctx.now) {
                    Standing::OverPolicy(_) => OVER_POLICY,
                    _ => PENDING_APPROVAL,
                },
                active: None,
                rate: None,
            }
        }
        (TokenCheck::Valid(token), Some((grant, owner_id))) => {
            // Verifying a token is a use of it: it counts against its rate limit.
            let rate = token.rate_limit.map(|limit| {
                (
                    limit,
                    ctx.state.token_limits.check(token.id, limit, ctx.now),
                )
            });
            if let Some((_, Verdict::Limited { .. })) = rate {
                return Ok(Introspection {
                    reason: RATE_LIMITED,
                    active: None,
                    rate,
                });
            }
            Introspection {
                reason: check.reason(),
                active: Some(ActiveGrant {
                    workspace_id: grant.workspace_id,
                    scope: grant.scope,
                    permissions: grant.permissions(),
                    expires_at: token.expires_at,
                    owner_id,
                }),
                rate,
            }
        }
        (_, Some(_)) => Introspection {
            reason: check.reason(),
            active: None,
            rate: None,
        },
    })
}
