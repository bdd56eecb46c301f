//! Adding people to a workspace the way GitHub, GitLab and Sentry do: an invitation
//! mailed as a one-time link. Nobody is made a member, and no account is made, without
//! the invitee opening the link (the proof that the mailbox is theirs) and accepting.
//! Nobody but the invitee ever holds a password for their account.

use serde_json::json;
use uuid::Uuid;

use super::{Principal, RequestMeta, accounts, audit_by, audit_event, passwords, workspaces};
use crate::{
    domain::{
        api_permission::ApiPermission,
        error::AppError,
        notify,
        permission::{MemberAction, authorize_member, may_manage_members},
        role::Role,
        time::DAY_MS,
        validation,
    },
    model::{
        CurrentUser, Invitation, InvitationAnswer, InvitationStatus, InvitationView, SentInvitation,
    },
    server::{
        secrets::{self, Keys, LinkKind},
        store::{
            Db,
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

/// Where links point and whether mail can leave: the link is shown to the person who
/// invited only when no relay is configured (it is then the only way to pass it on).
#[derive(Clone, Copy, Debug)]
pub struct Links<'a> {
    pub public_url: &'a str,
    pub mail_relay: bool,
}

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
        role: workspaces::parse_role(&row.role)?,
        invited_by: row.invited_by_label.clone(),
        created_at: row.created_at,
        expires_at: row.expires_at,
        status,
    })
}

/// The acting principal's role, if it may manage members here (tokens need
/// `members:write`).
async fn manager_role(
    db: &Db,
    actor: &Principal,
    workspace_id: Uuid,
) -> Result<crate::model::WorkspaceSummary, AppError> {
    let workspace = workspaces::membership(db, actor, workspace_id).await?;
    actor.require(ApiPermission::MembersWrite)?;
    authorize_member(Some(workspace.role), MemberAction::Add, Role::Viewer)?;
    Ok(workspace)
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
// The loose arguments are the house's current service shape; one request context is the
// restructuring filed after this change.
#[allow(clippy::too_many_arguments)]
pub async fn invite(
    db: &Db,
    keys: &Keys,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    email: &str,
    role: Role,
    links: Links<'_>,
    meta: &RequestMeta,
    now: i64,
) -> Result<SentInvitation, AppError> {
    let actor: Principal = actor.into();
    let workspace = manager_role(db, &actor, workspace_id).await?;
    authorize_member(Some(workspace.role), MemberAction::Add, role)
        .map_err(|_| workspaces::above_own_role(workspace.role))?;
    let email = validation::email(email)?;
    let code = secrets::new_link_code();
    let digest = keys.link_digest(LinkKind::Invitation, &code);
    let (by_user, by_token, by_label) = invited_by(&actor);
    let expires_at = now + INVITATION_MS;
    let invitation = NewInvitation {
        id: Uuid::now_v7(),
        workspace_id,
        email: &email,
        role: role.as_str(),
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
        &actor,
        links,
        &code,
        expires_at,
    );
    let audit = audit_by(&actor, Some(workspace_id), "member.invited", meta, now)
        .target("invitation", invitation.id, &email)
        .changes(json!({ "email": email, "role": role.as_str(), "expires_at": expires_at }))
        .notify(vec![mail.with_workspace(workspace_id)]);
    match db.insert_invitation(&invitation, now, &audit).await? {
        InvitationWrite::Done => {}
        InvitationWrite::AlreadyMember => {
            return Err(AppError::invalid(
                "email",
                format!("{email} is already a member of this workspace."),
            ));
        }
        _ => {
            return Err(AppError::invalid(
                "email",
                format!(
                    "{email} already has an open invitation: send it again or revoke it from the list of invitations."
                ),
            ));
        }
    }
    let row = InvitationRow {
        id: invitation.id,
        workspace_id,
        email: email.clone(),
        role: role.as_str().to_owned(),
        invited_by_user: by_user,
        invited_by_label: by_label,
        created_at: now,
        expires_at,
        status: "pending".into(),
        resolved_at: None,
    };
    Ok(SentInvitation {
        invitation: view(&row, now)?,
        link: shown_link(&actor, links, &code),
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
pub async fn list(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    now: i64,
) -> Result<Vec<Invitation>, AppError> {
    let actor: Principal = actor.into();
    let workspace = workspaces::membership(db, &actor, workspace_id).await?;
    actor.require(ApiPermission::MembersRead)?;
    if !may_manage_members(workspace.role) {
        return Ok(Vec::new());
    }
    db.invitations(workspace_id, now - LISTED_AFTER_ANSWER_MS)
        .await?
        .iter()
        .map(|row| view(row, now))
        .collect()
}

async fn open_invitation(
    db: &Db,
    workspace_id: Uuid,
    id: Uuid,
    role: Role,
) -> Result<InvitationRow, AppError> {
    let row = db
        .invitation(workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Nobody handles an invitation to a role above their own.
    authorize_member(
        Some(role),
        MemberAction::Add,
        workspaces::parse_role(&row.role)?,
    )?;
    if row.status != "pending" {
        return Err(AppError::Conflict(
            "This invitation was already answered or revoked.".into(),
        ));
    }
    Ok(row)
}

/// Sends an open (or expired) invitation again with a new link and seven more days; the
/// old link stops working.
#[allow(clippy::too_many_arguments)]
pub async fn resend(
    db: &Db,
    keys: &Keys,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    id: Uuid,
    links: Links<'_>,
    meta: &RequestMeta,
    now: i64,
) -> Result<SentInvitation, AppError> {
    let actor: Principal = actor.into();
    let workspace = manager_role(db, &actor, workspace_id).await?;
    let mut row = open_invitation(db, workspace_id, id, workspace.role).await?;
    let role = workspaces::parse_role(&row.role)?;
    let code = secrets::new_link_code();
    let expires_at = now + INVITATION_MS;
    let mail = invitation_mail(
        &workspace.name,
        &row.email,
        role,
        &actor,
        links,
        &code,
        expires_at,
    );
    let audit = audit_by(
        &actor,
        Some(workspace_id),
        "member.invitation_resent",
        meta,
        now,
    )
    .target("invitation", id, &row.email)
    .changes(json!({ "expires_at": expires_at }))
    .notify(vec![mail.with_workspace(workspace_id)]);
    let digest = keys.link_digest(LinkKind::Invitation, &code);
    if db
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
        link: shown_link(&actor, links, &code),
    })
}

/// Closes an open invitation: its link stops working.
pub async fn revoke(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    id: Uuid,
    meta: &RequestMeta,
    now: i64,
) -> Result<(), AppError> {
    let actor: Principal = actor.into();
    let workspace = manager_role(db, &actor, workspace_id).await?;
    let row = open_invitation(db, workspace_id, id, workspace.role).await?;
    let audit = audit_by(
        &actor,
        Some(workspace_id),
        "member.invitation_revoked",
        meta,
        now,
    )
    .target("invitation", id, &row.email);
    match db.revoke_invitation(workspace_id, id, now, &audit).await? {
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

async fn by_code(
    db: &Db,
    keys: &Keys,
    code: &str,
    now: i64,
) -> Result<(InvitationRow, String), AppError> {
    if code.len() != 64 || !code.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(dead_link());
    }
    db.invitation_by_code(&keys.link_digest(LinkKind::Invitation, code), now)
        .await?
        .ok_or_else(dead_link)
}

/// What the holder of the link sees: the workspace, the role, and how to answer.
pub async fn view_by_code(
    db: &Db,
    keys: &Keys,
    code: &str,
    signed_in: Option<&CurrentUser>,
    now: i64,
) -> Result<InvitationView, AppError> {
    let (row, workspace_name) = by_code(db, keys, code, now).await?;
    Ok(InvitationView {
        workspace_name,
        account_exists: db.user_by_email(&row.email).await?.is_some(),
        email: row.email,
        role: workspaces::parse_role(&row.role)?,
        invited_by: row.invited_by_label,
        expires_at: row.expires_at,
        signed_in_as: signed_in.map(|user| user.email.clone()),
        now,
    })
}

/// What answering did: the workspace joined, and a session when the answer signed the
/// person in (or made their account).
#[derive(Debug)]
pub struct Answered {
    pub workspace_id: Uuid,
    pub session: Option<accounts::NewSession>,
}

/// Answers an invitation. Accepting needs the invited account: the person signed in as
/// it, its password (checked like any sign-in), or — when no account has the email — a
/// name and a password of their own for a new one. Declining needs only the link.
pub async fn answer(
    db: &Db,
    keys: &Keys,
    code: &str,
    signed_in: Option<&CurrentUser>,
    answer: InvitationAnswer,
    meta: &RequestMeta,
    now: i64,
) -> Result<Answered, AppError> {
    let (row, workspace_name) = by_code(db, keys, code, now).await?;
    let mut session = None;
    let mut new_user = None;
    let mut hash = String::new();
    let (actor, invitee) = if !answer.accept {
        let actor = match signed_in {
            Some(user) => Actor::User {
                id: user.id,
                email: user.email.clone(),
            },
            None => Actor::System,
        };
        (actor, None)
    } else if let Some(user) = signed_in {
        if user.email != row.email {
            return Err(AppError::Forbidden(format!(
                "This invitation is for {}, and you are signed in as {}. Sign out, then open the link again.",
                row.email, user.email
            )));
        }
        (
            Actor::User {
                id: user.id,
                email: user.email.clone(),
            },
            Some(user.id),
        )
    } else if let Some(existing) = db.user_by_email(&row.email).await? {
        let password = answer.password.as_deref().unwrap_or_default();
        let opened = accounts::login(db, keys, &row.email, password, meta, now).await?;
        session = Some(opened);
        (
            Actor::User {
                id: existing.id,
                email: existing.email,
            },
            Some(existing.id),
        )
    } else {
        let name = validation::person_name(answer.name.as_deref().unwrap_or_default())?;
        let password = answer.password.as_deref().unwrap_or_default();
        passwords::check_new(password, &row.email, &name)?;
        hash = passwords::hash(password).await?;
        let id = Uuid::now_v7();
        new_user = Some((id, name));
        (
            Actor::User {
                id,
                email: row.email.clone(),
            },
            None,
        )
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
    let user_for_audit = new_user.as_ref().map(|(id, _)| *id).or(invitee);
    let mut audit = audit_event(actor, Some(row.workspace_id), action, meta, now)
        .changes(json!({ "role": row.role, "account_created": new_user.is_some() }))
        .notify(told);
    audit = match user_for_audit {
        Some(user_id) => audit.target("user", user_id, &row.email),
        None => audit.target("invitation", row.id, &row.email),
    };
    let made = new_user.as_ref().map(|(id, name)| NewUser {
        id: *id,
        email: &row.email,
        name,
        password_hash: &hash,
        is_instance_admin: false,
    });
    let who = match (&made, invitee) {
        (Some(user), _) => Invitee::New(user),
        (None, Some(id)) => Invitee::Existing(id),
        (None, None) => Invitee::Nobody,
    };
    if db
        .answer_invitation(&row, answer.accept, who, now, &audit)
        .await?
        != InvitationWrite::Done
    {
        return Err(dead_link());
    }
    if let Some(user) = made {
        let current = CurrentUser {
            id: user.id,
            email: row.email.clone(),
            name: user.name.to_owned(),
            is_instance_admin: false,
            must_change_password: false,
            may_create_workspaces: false,
        };
        session = Some(accounts::open_session(db, keys, current, meta, now).await?);
    }
    Ok(Answered {
        workspace_id: row.workspace_id,
        session,
    })
}
