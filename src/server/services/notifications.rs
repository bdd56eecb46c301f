//! Who is told of what by mail. The messages are written with the change that causes them
//! (see `store::outbox`); `crate::server::jobs::mail` sends them.

use uuid::Uuid;

use super::Principal;
use crate::{
    domain::{
        error::AppError,
        notify::{self, Notice, TokenChange},
        permission::Action,
        role::Role,
        time::DAY_MS,
    },
    model::{OutboxPage, WorkspaceSummary},
    server::{
        context::Ctx,
        store::{Db, outbox::OutgoingMail, tokens::TokenRow},
    },
};

fn mail(
    workspace_id: Uuid,
    kind: &'static str,
    recipient: String,
    notice: Notice,
    dedup_key: Option<String>,
) -> OutgoingMail {
    OutgoingMail {
        id: Uuid::now_v7(),
        workspace_id: Some(workspace_id),
        kind,
        recipient,
        subject: notice.subject,
        body: notice.body,
        dedup_key,
    }
}

/// A message to one person about something in a workspace.
pub(super) fn to_person(
    workspace_id: Uuid,
    kind: &'static str,
    recipient: String,
    notice: Notice,
) -> OutgoingMail {
    mail(workspace_id, kind, recipient, notice, None)
}

/// How the mail names who acted.
pub(super) fn actor_name(actor: &Principal) -> String {
    match actor {
        Principal::User(user) => format!("{} <{}>", user.name, user.email),
        Principal::Token(token) => format!("the access token “{}”", token.label),
    }
}

/// A message to every Owner of the workspace about a token just made.
pub async fn token_created(
    ctx: &Ctx,
    workspace: &WorkspaceSummary,
    label: &str,
    scope: Role,
    expires_at: Option<i64>,
) -> Result<Vec<OutgoingMail>, AppError> {
    let by = actor_name(&ctx.principal);
    let notice = notify::token_created(&notify::Created {
        workspace: &workspace.name,
        label,
        scope,
        expires_at,
        by: &by,
        ip: ctx.meta.ip.as_deref(),
        at: ctx.now,
    });
    Ok(ctx
        .db()
        .members(workspace.id)
        .await?
        .into_iter()
        .filter(|member| member.role == Role::Owner)
        .map(|owner| {
            mail(
                workspace.id,
                "token.created",
                owner.email,
                notice.clone(),
                None,
            )
        })
        .collect())
}

/// A message to the token's creator, unless the creator did it, has left the workspace
/// or no longer has an account.
pub fn token_changed(
    ctx: &Ctx,
    workspace: &WorkspaceSummary,
    token: &TokenRow,
    change: TokenChange,
) -> Vec<OutgoingMail> {
    let actor = &ctx.principal;
    let (Some(creator), Some(email)) = (token.created_by, token.member_creator_email.clone())
    else {
        return Vec::new();
    };
    if actor.user_id() == Some(creator) {
        return Vec::new();
    }
    let notice = notify::token_changed(
        &workspace.name,
        &token.label,
        change,
        &actor_name(actor),
        ctx.now,
    );
    vec![mail(workspace.id, "token.changed", email, notice, None)]
}

/// Queues the expiry reminders due at `now` (each one once per token and expiry time).
pub async fn queue_expiry_reminders(db: &Db, now: i64) -> Result<u64, AppError> {
    let longest = notify::REMINDER_DAYS.into_iter().max().unwrap_or(0) * DAY_MS;
    let mut queued = Vec::new();
    for token in db.expiring_tokens(now, now + longest).await? {
        let Some(days) = notify::reminder_due(token.created_at, token.expires_at, now) else {
            continue;
        };
        let notice =
            notify::expiry_reminder(&token.workspace_name, &token.label, days, token.expires_at);
        let key = format!("expiry:{}:{}:{days}", token.id, token.expires_at);
        queued.push(mail(
            token.workspace_id,
            "token.expiring",
            token.creator_email,
            notice,
            Some(key),
        ));
    }
    Ok(db.queue_mail(&queued, now).await?)
}

/// The workspace's mail, newest first: Owners only.
pub async fn outbox(ctx: &Ctx, workspace_id: Uuid) -> Result<OutboxPage, AppError> {
    let workspace = ctx.workspace(workspace_id, Action::ReadOutbox).await?;
    let entries = ctx.db().outbox(workspace_id, 200).await?;
    Ok(OutboxPage {
        workspace,
        entries,
        now: ctx.now,
    })
}
