//! Leaked tokens: what anyone (`POST /api/v1/credentials/revoke`), GitLab's secret detection
//! and GitHub's secret scanning report becomes — each real token disabled for good with the
//! reason "reported as leaked", its creator and its workspaces' Owners mailed, and the
//! audit log recording who reported it from where, all in one transaction per token. A
//! report is idempotent: a token already reported is left as it is, told no one again.

use std::collections::HashMap;

use serde_json::json;

use super::{RequestMeta, notifications, token_check};
use crate::domain::error::AppError;
use crate::{
    domain::{
        leak::{self, LEAK_REASON, LeakSource},
        notify,
        role::Role,
    },
    server::{
        context::Ctx,
        state::AppState,
        store::{
            audit::Actor,
            token_cache::{Digest, Reach},
        },
    },
};

/// One reported string, and where it was found (a URL, for the scanners).
#[derive(Clone, Debug)]
pub struct Reported {
    pub token: String,
    pub location: Option<String>,
}

/// What one reported string turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finding {
    /// Not shaped as a Tessera token (prefix, length, checksum): never looked up.
    NotOurs,
    /// Shaped as one, but no token has this secret.
    Unknown,
    /// A token, disabled now as leaked.
    Revoked,
    /// A token already reported: nothing done again.
    AlreadyReported,
}

impl Finding {
    /// Whether the string is a real token (the scanners' "true positive").
    pub fn is_token(self) -> bool {
        matches!(self, Finding::Revoked | Finding::AlreadyReported)
    }
}

/// Acts on a report from `source`, sent from `meta`'s address: one finding per string, in
/// order. A string named twice is looked at once.
pub async fn report(
    state: &AppState,
    meta: &RequestMeta,
    source: LeakSource,
    reports: &[Reported],
) -> Result<Vec<Finding>, AppError> {
    let ctx = Ctx::new(state.clone(), (), meta.clone());
    let mut seen: HashMap<Digest, Finding> = HashMap::new();
    let mut findings = Vec::with_capacity(reports.len());
    for reported in reports {
        let finding = match token_check::digest(ctx.keys(), reported.token.trim()) {
            None => Finding::NotOurs,
            Some(digest) => match seen.get(&digest) {
                Some(finding) => *finding,
                None => {
                    let location = leak::location(reported.location.as_deref());
                    let finding = revoke(&ctx, &digest, source, location).await?;
                    seen.insert(digest, finding);
                    finding
                }
            },
        };
        findings.push(finding);
    }
    Ok(findings)
}

/// Disables the token with this digest as leaked, if there is one and it was not reported
/// already.
async fn revoke(
    ctx: &Ctx<()>,
    digest: &Digest,
    source: LeakSource,
    location: Option<String>,
) -> Result<Finding, AppError> {
    let Some(token) = ctx.db().token_by_digest(digest).await? else {
        return Ok(Finding::Unknown);
    };
    // Its creator while a member of its workspace, or a personal token's owner.
    let (kind, creator) = match &token.reach {
        Reach::Workspace { grant, .. } => (
            "token",
            ctx.db()
                .token(grant.workspace_id, token.id)
                .await?
                .and_then(|row| row.member_creator_email),
        ),
        Reach::Personal { owner_id, .. } => (
            "personal_token",
            ctx.db().user_by_id(*owner_id).await?.map(|user| user.email),
        ),
    };
    let mut audits = Vec::new();
    for grant in token.reach.grants() {
        let owners = ctx
            .db()
            .members(grant.workspace_id)
            .await?
            .into_iter()
            .filter(|member| member.role == Role::Owner)
            .map(|owner| owner.email);
        let mut recipients: Vec<String> = creator.iter().cloned().chain(owners).collect();
        recipients.sort();
        recipients.dedup();
        let notice = notify::token_leaked(&notify::Leaked {
            workspace: &grant.workspace_name,
            label: &token.label,
            source: source.label(),
            location: location.as_deref(),
            reporter_ip: ctx.meta.ip.as_deref(),
            at: ctx.now,
        });
        let mail = recipients
            .into_iter()
            .map(|to| {
                notifications::to_person(
                    grant.workspace_id,
                    "token.reported_leaked",
                    to,
                    notice.clone(),
                )
            })
            .collect();
        audits.push(
            ctx.audit_as(
                Actor::System,
                Some(grant.workspace_id),
                "token.reported_leaked",
            )
            .target(kind, token.id, &token.label)
            .changes(json!({
                "reason": LEAK_REASON,
                "source": source.as_str(),
                "location": location,
                "reporter_ip": ctx.meta.ip,
            }))
            .notify(mail),
        );
    }
    let marked = ctx
        .db()
        .mark_leaked(token.id, source, location.as_deref(), ctx.now, &audits)
        .await?;
    Ok(if marked {
        tracing::warn!(token = %token.id, source = source.as_str(), "token reported as leaked: disabled");
        Finding::Revoked
    } else {
        Finding::AlreadyReported
    })
}
