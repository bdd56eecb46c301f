//! Adding people to a workspace the way GitHub, GitLab and Sentry do: an invitation
//! mailed as a one-time link. Nobody is made a member, and no account is made, without
//! the invitee opening the link (the proof that the mailbox is theirs) and accepting.
//! Nobody but the invitee ever holds a password for their account.

use serde_json::json;
use uuid::Uuid;

use super::{Principal, accounts, passwords};
use crate::{
    domain::{
        error::AppError,
        notify,
        permission::{Action, MemberAction},
        role::Role,
        time::DAY_MS,
        validation,
    },
    model::{
        CurrentUser, Invitation, InvitationAnswer, InvitationStatus, InvitationView,
        SentInvitation, WorkspaceSummary,
    },
    server::{
        clock::rfc3339,
        context::Ctx,
        secrets::{self, LinkKind},
        state::Links,
        store::{
            accounts::NewUser,
            audit::Actor,
            invitations::{InvitationRow, InvitationWrite, Invitee, NewInvitation},
            outbox::OutgoingMail,
        },
    },
};

/// An invitation works this long.
pub const INVITATION_MS: i64 = 7 * DAY_MS;
/// Answered invitations stay listed this long.
const LISTED_AFTER_ANSWER_MS: i64 = 30 * DAY_MS;

pub fn invitation_link(public_url: &str, code: &str) -> String {
    format!("{public_url}/invite/{code}")
}

fn view(row: &InvitationRow, now: i64) -> Result<Invitation, AppError> {
    let status = match row.status.as_str() {
        "pending" if row.expires_at <= now => InvitationStatus::Expired,
        "pending" => InvitationStatus::Pending,
        "accepted" => InvitationStatus::Accepted,
        "declined" => InvitationStatus::Declined,
        "revoked" => InvitationStatus::Revoked,
        other => {
            tracing::error!("stored invitation status {other:?}");
            return Err(AppError::Internal);
        }
    };
    Ok(Invitation {
        id: row.id,
        email: row.email.clone(),
        role: row.role,
        invited_by: row.invited_by_label.clone(),
        created_at: row.created_at,
        expires_at: row.expires_at,
        status,
    })
}

/// Adding someone with `role`: what inviting, resending and revoking each ask.
fn add(role: Role) -> Action {
    Action::Member(MemberAction::Add, role)
}

fn invited_by(actor: &Principal) -> (Option<Uuid>, Option<Uuid>, String) {
    match actor {
        Principal::User(user) => (Some(user.id), None, user.email.clone()),
        Principal::Token(token) => (None, Some(token.id), format!("token “{}”", token.label)),
    }
}

/// The link for the person who invited, when it may be shown to them.
fn shown_link(actor: &Principal, links: Links<'_>, code: &str) -> Option<String> {
    match actor {
        Principal::User(_) if !links.mail_relay => Some(invitation_link(links.public_url, code)),
        _ => None,
    }
}

/// Invites `email` to the workspace with `role` (never above the inviter's own).
pub async fn invite(
    ctx: &Ctx,
    workspace_id: Uuid,
    email: &str,
    role: Role,
) -> Result<SentInvitation, AppError> {
    let (db, keys, now, actor, links) = (
        ctx.db(),
        ctx.keys(),
        ctx.now,
        &ctx.principal,
        ctx.state.links(),
    );
    let workspace = ctx.workspace(workspace_id, add(Role::Viewer)).await?;
    ctx.allow(&workspace, add(role))
        .map_err(|_| super::above_own_role(workspace.role))?;
    let email = validation::email(email)?;
    let code = secrets::new_link_code();
    let digest = keys.link_digest(LinkKind::Invitation, &code);
    let (by_user, by_token, by_label) = invited_by(actor);
    let expires_at = now + INVITATION_MS;
    let invitation = NewInvitation {
        id: Uuid::now_v7(),
        workspace_id,
        email: &email,
        role,
        code_digest: &digest,
        invited_by_user: by_user,
        invited_by_token: by_token,
        invited_by_label: &by_label,
        expires_at,
    };
    let mail = invitation_mail(
        &workspace.name,
        &email,
        role,
        actor,
        links,
        &code,
        expires_at,
    );
    let audit = ctx
        .audit(Some(workspace_id), "member.invited")
        .target("invitation", invitation.id, &email)
        .changes(
            json!({ "email": email, "role": role.as_str(), "expires_at": rfc3339(expires_at) }),
        )
        .notify(vec![mail.with_workspace(workspace_id)]);
    match db.insert_invitation(&invitation, now, &audit).await? {
        InvitationWrite::Done => {}
        InvitationWrite::AlreadyMember => {
            // The address is fine; the workspace's state is what refuses it.
            return Err(AppError::Conflict(format!(
                "{email} is already a member of this workspace."
            )));
        }
        _ => {
            return Err(AppError::Conflict(format!(
                "{email} already has an open invitation: send it again or revoke it from the list of invitations."
            )));
        }
    }
    let row = InvitationRow {
        id: invitation.id,
        workspace_id,
        email: email.clone(),
        role,
        invited_by_user: by_user,
        invited_by_label: by_label,
        created_at: now,
        expires_at,
        status: "pending".into(),
        resolved_at: None,
    };
    Ok(SentInvitation {
        invitation: view(&row, now)?,
        link: shown_link(actor, links, &code),
    })
}

fn invitation_mail(
    workspace: &str,
    email: &str,
    role: Role,
    actor: &Principal,
    links: Links<'_>,
    code: &str,
    expires_at: i64,
) -> OutgoingMail {
    let by = match actor {
        Principal::User(user) => format!("{} ({})", user.name, user.email),
        Principal::Token(token) => format!("The access token “{}”", token.label),
    };
    OutgoingMail::new(
        None,
        "member.invited",
        email,
        notify::invitation(
            workspace,
            role,
            &by,
            &invitation_link(links.public_url, code),
            expires_at,
        ),
    )
}

/// The workspace's open and recently answered invitations (for those who manage members).
pub async fn list(ctx: &Ctx, workspace_id: Uuid) -> Result<Vec<Invitation>, AppError> {
    let workspace = ctx.workspace(workspace_id, Action::ReadMembers).await?;
    if Action::ReadInvitations.role_allows(workspace.role).is_err() {
        return Ok(Vec::new());
    }
    let now = ctx.now;
    ctx.db()
        .invitations(workspace_id, now - LISTED_AFTER_ANSWER_MS)
        .await?
        .iter()
        .map(|row| view(row, now))
        .collect()
}

/// An invitation still open, once the acting principal may handle it.
async fn open_invitation(
    ctx: &Ctx,
    workspace_id: Uuid,
    id: Uuid,
) -> Result<(WorkspaceSummary, InvitationRow), AppError> {
    let workspace = ctx.workspace(workspace_id, add(Role::Viewer)).await?;
    let row = ctx
        .db()
        .invitation(workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Nobody handles an invitation to a role above their own.
    ctx.allow(&workspace, add(row.role))?;
    if row.status != "pending" {
        return Err(AppError::Conflict(
            "This invitation was already answered or revoked.".into(),
        ));
    }
    Ok((workspace, row))
}

/// Sends an open (or expired) invitation again with a new link and seven more days; the
/// old link stops working.
pub async fn resend(ctx: &Ctx, workspace_id: Uuid, id: Uuid) -> Result<SentInvitation, AppError> {
    let (actor, links, now) = (&ctx.principal, ctx.state.links(), ctx.now);
    let (workspace, mut row) = open_invitation(ctx, workspace_id, id).await?;
    let code = secrets::new_link_code();
    let expires_at = now + INVITATION_MS;
    let mail = invitation_mail(
        &workspace.name,
        &row.email,
        row.role,
        actor,
        links,
        &code,
        expires_at,
    );
    let audit = ctx
        .audit(Some(workspace_id), "member.invitation_resent")
        .target("invitation", id, &row.email)
        .changes(json!({ "expires_at": rfc3339(expires_at) }))
        .notify(vec![mail.with_workspace(workspace_id)]);
    let digest = ctx.keys().link_digest(LinkKind::Invitation, &code);
    if ctx
        .db()
        .renew_invitation(workspace_id, id, &digest, expires_at, &audit)
        .await?
        != InvitationWrite::Done
    {
        return Err(AppError::Conflict(
            "This invitation was answered or revoked meanwhile.".into(),
        ));
    }
    row.expires_at = expires_at;
    Ok(SentInvitation {
        invitation: view(&row, now)?,
        link: shown_link(actor, links, &code),
    })
}

/// Closes an open invitation: its link stops working.
pub async fn revoke(ctx: &Ctx, workspace_id: Uuid, id: Uuid) -> Result<(), AppError> {
    let (_, row) = open_invitation(ctx, workspace_id, id).await?;
    let audit = ctx
        .audit(Some(workspace_id), "member.invitation_revoked")
        .target("invitation", id, &row.email);
    match ctx
        .db()
        .revoke_invitation(workspace_id, id, ctx.now, &audit)
        .await?
    {
        InvitationWrite::Done => Ok(()),
        _ => Err(AppError::Conflict(
            "This invitation was answered or revoked meanwhile.".into(),
        )),
    }
}

fn dead_link() -> AppError {
    AppError::invalid(
        "code",
        "This invitation link does not work any more: it was used, revoked, or has expired. Ask the person who invited you for a new one.",
    )
}

async fn by_code<P>(ctx: &Ctx<P>, code: &str) -> Result<(InvitationRow, String), AppError> {
    if code.len() != 64 || !code.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(dead_link());
    }
    let digest = ctx.keys().link_digest(LinkKind::Invitation, code);
    ctx.db()
        .invitation_by_code(&digest, ctx.now)
        .await?
        .ok_or_else(dead_link)
}

/// What the holder of the link sees: the workspace, the role, and how to answer.
/// (The link's holder may or may not be signed in: `Ctx<Option<CurrentUser>>`.)
pub async fn view_by_code(
    ctx: &Ctx<Option<CurrentUser>>,
    code: &str,
) -> Result<InvitationView, AppError> {
    let (row, workspace_name) = by_code(ctx, code).await?;
    Ok(InvitationView {
        workspace_name,
        account_exists: ctx.db().user_by_email(&row.email).await?.is_some(),
        email: row.email,
        role: row.role,
        invited_by: row.invited_by_label,
        expires_at: row.expires_at,
        signed_in_as: ctx.principal.as_ref().map(|user| user.email.clone()),
        now: ctx.now,
    })
}

/// What answering did: the workspace joined, and a session when the answer signed the
/// person in (or made their account).
#[derive(Debug)]
pub struct Answered {
    pub workspace_id: Uuid,
    pub session: Option<accounts::NewSession>,
}

/// Who accepts an invitation, worked out before anything is written.
enum Acceptor {
    /// The invited account: signed in as it, or proved by its password (then with the
    /// session that sign-in opened).
    Existing {
        id: Uuid,
        session: Option<accounts::NewSession>,
    },
    /// No account has the email: one is made with this name and password.
    New {
        id: Uuid,
        name: String,
        password_hash: String,
    },
}

impl Acceptor {
    fn id(&self) -> Uuid {
        match self {
            Acceptor::Existing { id, .. } | Acceptor::New { id, .. } => *id,
        }
    }
}

/// Accepting needs the invited account: the person signed in as it, its password
/// (checked like any sign-in), or — when no account has the email — a name and a password
/// of their own for a new one.
async fn acceptor(
    ctx: &Ctx<Option<CurrentUser>>,
    row: &InvitationRow,
    answer: &InvitationAnswer,
) -> Result<Acceptor, AppError> {
    let password = answer.password.as_deref().unwrap_or_default();
    if let Some(user) = &ctx.principal {
        if user.email != row.email {
            return Err(AppError::Forbidden(format!(
                "This invitation is for {}, and you are signed in as {}. Sign out, then open the link again.",
                row.email, user.email
            )));
        }
        return Ok(Acceptor::Existing {
            id: user.id,
            session: None,
        });
    }
    if let Some(existing) = ctx.db().user_by_email(&row.email).await? {
        let session = accounts::login(&ctx.acting_as(()), &row.email, password).await?;
        return Ok(Acceptor::Existing {
            id: existing.id,
            session: Some(session),
        });
    }
    let name = validation::person_name(answer.name.as_deref().unwrap_or_default())?;
    passwords::check_new(password, &row.email, &name)?;
    Ok(Acceptor::New {
        id: Uuid::now_v7(),
        password_hash: passwords::hash(password).await?,
        name,
    })
}

/// Answers an invitation: accepting (see [`acceptor`]) or declining, which needs only the
/// link.
pub async fn answer(
    ctx: &Ctx<Option<CurrentUser>>,
    code: &str,
    answer: InvitationAnswer,
) -> Result<Answered, AppError> {
    let (row, workspace_name) = by_code(ctx, code).await?;
    let acceptor = match answer.accept {
        true => Some(acceptor(ctx, &row, &answer).await?),
        false => None,
    };
    let actor = match (&acceptor, &ctx.principal) {
        (Some(acceptor), _) => Actor::User {
            id: acceptor.id(),
            email: row.email.clone(),
        },
        (None, Some(user)) => Actor::User {
            id: user.id,
            email: user.email.clone(),
        },
        (None, None) => Actor::System,
    };
    let action = if answer.accept {
        "member.invitation_accepted"
    } else {
        "member.invitation_declined"
    };
    let told = row
        .invited_by_user
        .map(|_| {
            OutgoingMail::new(
                Some(row.workspace_id),
                "member.invitation_answered",
                &row.invited_by_label,
                notify::invitation_answered(&workspace_name, &row.email, answer.accept),
            )
        })
        .into_iter()
        .collect();
    let account_created = matches!(acceptor, Some(Acceptor::New { .. }));
    let audit = ctx
        .audit_as(actor, Some(row.workspace_id), action)
        .changes(json!({ "role": row.role.as_str(), "account_created": account_created }))
        .notify(told);
    let audit = match &acceptor {
        Some(acceptor) => audit.target("user", acceptor.id(), &row.email),
        None => audit.target("invitation", row.id, &row.email),
    };
    let made = match &acceptor {
        Some(Acceptor::New {
            id,
            name,
            password_hash,
        }) => Some(NewUser {
            id: *id,
            email: &row.email,
            name,
            password_hash,
            is_instance_admin: false,
        }),
        _ => None,
    };
    let who = match (&made, &acceptor) {
        (Some(user), _) => Invitee::New(user),
        (None, Some(acceptor)) => Invitee::Existing(acceptor.id()),
        (None, None) => Invitee::Nobody,
    };
    if ctx
        .db()
        .answer_invitation(&row, answer.accept, who, ctx.now, &audit)
        .await?
        != InvitationWrite::Done
    {
        return Err(dead_link());
    }
    let new_account = made.map(|user| (user.id, user.name.to_owned()));
    let session = match (new_account, acceptor) {
        (Some((id, name)), _) => {
            let current = accounts::person(ctx, id, &row.email, &name, false, false);
            Some(accounts::open_session(&ctx.acting_as(()), current).await?)
        }
        (None, Some(Acceptor::Existing { session, .. })) => session,
        _ => None,
    };
    Ok(Answered {
        workspace_id: row.workspace_id,
        session,
    })
}
