//! First-run set-up, signing in and out, and sessions.

use uuid::Uuid;

use super::{Principal, RequestMeta, passwords};
use crate::{
    domain::{
        error::AppError,
        sign_in::{self, Subjects},
        time::utc,
        validation,
    },
    model::{AccountPage, CurrentUser, SessionState, SignIn},
    server::{
        config::WorkspaceCreation,
        context::Ctx,
        secrets,
        store::{
            accounts::{NewUser, Reservation, UserRow},
            audit::{Actor, AuditEvent},
        },
    },
};

/// A session ends after this long without a request.
pub const SESSION_IDLE_MS: i64 = 12 * 60 * 60 * 1000;
/// Sliding the expiry costs a write; do it at most this often per session.
const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// What set-up asks for. `Debug` never shows the password.
#[derive(Clone)]
pub struct SetupInput {
    pub email: String,
    pub name: String,
    pub password: String,
    pub workspace_name: String,
}

impl std::fmt::Debug for SetupInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupInput")
            .field("email", &self.email)
            .field("name", &self.name)
            .field("workspace_name", &self.workspace_name)
            .finish_non_exhaustive()
    }
}

/// A new session's id (for the cookie) and its user.
#[derive(Debug)]
pub struct NewSession {
    pub id: String,
    pub user: CurrentUser,
    pub expires_at: i64,
}

pub async fn session_state(
    ctx: &Ctx<()>,
    session_id: Option<&str>,
) -> Result<SessionState, AppError> {
    if let Some(user) = authenticate(ctx, session_id).await? {
        return Ok(SessionState::SignedIn(user));
    }
    if ctx.db().count_users().await? == 0 {
        Ok(SessionState::SetupRequired)
    } else {
        Ok(SessionState::SignedOut)
    }
}

/// Creates the owner account and the first workspace, and signs the owner in. Only while
/// no user exists; afterwards it answers not found.
pub async fn setup(ctx: &Ctx<()>, input: SetupInput) -> Result<(NewSession, Uuid), AppError> {
    let db = ctx.db();
    if db.count_users().await? > 0 {
        return Err(AppError::NotFound);
    }
    let name = validation::person_name(&input.name)?;
    let email = validation::email(&input.email)?;
    passwords::check_new(&input.password, &email, &name)?;
    let workspace_name = validation::workspace_name(&input.workspace_name)?;
    let hash = passwords::hash(&input.password).await?;
    let user = NewUser {
        id: Uuid::now_v7(),
        email: &email,
        name: &name,
        password_hash: &hash,
        is_instance_admin: true,
    };
    let workspace_id = Uuid::now_v7();
    let current = person(ctx, user.id, &email, &name, true, false);
    let audit = ctx
        .acting_as(Principal::User(current.clone()))
        .audit(Some(workspace_id), "workspace.created")
        .target("workspace", workspace_id, &workspace_name)
        .changes(serde_json::json!({ "name": workspace_name, "first_owner": true }));
    if !db
        .create_first_owner(&user, workspace_id, &workspace_name, ctx.now, &audit)
        .await?
    {
        return Err(AppError::NotFound);
    }
    let session = start_session(ctx, current, None).await?;
    Ok((session, workspace_id))
}

/// Checks the password and opens a session. The same message for an unknown email and a
/// wrong password. The attempt is counted before the password is checked (see
/// [`crate::domain::sign_in`]) and argon2 runs behind the password gate, so neither a
/// burst of parallel guesses nor a flood of requests gets past the limits.
pub async fn login(ctx: &Ctx<()>, email: &str, password: &str) -> Result<NewSession, AppError> {
    let (db, now) = (ctx.db(), ctx.now);
    let (user, subjects) = reserve_attempt(ctx, email, password).await?;
    let matches = check_password(user.as_ref(), password).await?;
    let user = match user {
        Some(user) if matches => user,
        _ => {
            let audit = AuditEvent {
                target_label: Some(subjects.email.clone()),
                target_kind: Some("email"),
                ..ctx.audit_as(Actor::System, None, "login.failed")
            };
            db.record(&audit).await?;
            return Err(AppError::invalid(
                "password",
                "That email and password do not match an account. Check both and try again.",
            ));
        }
    };
    let network = client_network(&ctx.meta);
    db.sign_in_succeeded(
        &[subjects.pair.clone(), subjects.account.clone()],
        subjects.network.as_slice(),
        network.as_deref().map(|net| (user.id, net)),
        now,
    )
    .await?;
    if let Some(expired) = user.password_expires_at.filter(|at| *at <= now) {
        return Err(AppError::Forbidden(format!(
            "This password was chosen by someone else and stopped working on {}. Choose your own with \"Forgot your password?\" on the sign-in page.",
            utc(expired)
        )));
    }
    let current = current_user(ctx, &user);
    let audit = ctx
        .acting_as(Principal::User(current.clone()))
        .audit(None, "login.succeeded");
    start_session(ctx, current, Some(&audit)).await
}

/// Refuses what cannot be a sign-in before anything is stored, then reserves the attempt.
pub(super) async fn reserve_attempt<P>(
    ctx: &Ctx<P>,
    email: &str,
    password: &str,
) -> Result<(Option<UserRow>, Subjects), AppError> {
    let (db, now) = (ctx.db(), ctx.now);
    if email.trim().is_empty() || password.is_empty() {
        return Err(AppError::invalid(
            "email",
            "Enter your email address and password.",
        ));
    }
    let email = validation::email(email)?;
    if password.chars().count() > validation::PASSWORD_MAX {
        return Err(AppError::invalid(
            "password",
            format!(
                "A password has at most {} characters.",
                validation::PASSWORD_MAX
            ),
        ));
    }
    let network = client_network(&ctx.meta);
    let subjects = Subjects::new(&email, network.as_deref());
    let user = db.user_by_email(&email).await?;
    let known = match (&user, &network) {
        (Some(user), Some(network)) => {
            db.is_known_network(user.id, network, now - sign_in::KNOWN_NETWORK_MS)
                .await?
        }
        _ => false,
    };
    match db
        .reserve_sign_in(
            &subjects.to_reserve(known),
            now,
            now - sign_in::FAILURES_FORGOTTEN_AFTER_MS,
        )
        .await?
    {
        Reservation::Reserved => Ok((user, subjects)),
        Reservation::BlockedUntil(until) => Err(AppError::Throttled(format!(
            "Too many failed sign-in attempts. Wait {} and try again.",
            sign_in::human_wait(until - now)
        ))),
    }
}

/// Whether `password` is the user's (an unknown user's check takes as long and fails).
pub(super) async fn check_password(
    user: Option<&UserRow>,
    password: &str,
) -> Result<bool, AppError> {
    passwords::verify(user.map(|user| user.password_hash.clone()), password).await
}

/// The network the client's sign-ins are counted under.
fn client_network(meta: &RequestMeta) -> Option<String> {
    meta.ip
        .as_deref()
        .and_then(|ip| ip.parse().ok())
        .map(sign_in::network)
}

/// A person as the request sees them. Whether they may create workspaces is decided
/// here, once, by the instance's `workspace_creation`.
pub(super) fn person<P>(
    ctx: &Ctx<P>,
    id: Uuid,
    email: &str,
    name: &str,
    is_instance_admin: bool,
    must_change_password: bool,
) -> CurrentUser {
    CurrentUser {
        id,
        email: email.to_owned(),
        name: name.to_owned(),
        is_instance_admin,
        must_change_password,
        may_create_workspaces: is_instance_admin
            || ctx.config().workspace_creation == WorkspaceCreation::Everyone,
    }
}

fn current_user<P>(ctx: &Ctx<P>, user: &UserRow) -> CurrentUser {
    person(
        ctx,
        user.id,
        &user.email,
        &user.name,
        user.is_instance_admin,
        user.must_change_password,
    )
}

/// The account page: who the person is and their own recent sign-ins.
pub async fn account_page(ctx: &Ctx<CurrentUser>) -> Result<AccountPage, AppError> {
    let user = ctx.principal.clone();
    let sign_ins = ctx
        .db()
        .sign_ins(Some((user.id, &user.email)), 20)
        .await?
        .into_iter()
        .map(sign_in_view)
        .collect();
    Ok(AccountPage {
        user,
        sign_ins,
        now: ctx.now,
    })
}

/// Every account's sign-ins, newest first: the instance admin's view.
pub async fn all_sign_ins(ctx: &Ctx<CurrentUser>) -> Result<Vec<SignIn>, AppError> {
    if !ctx.principal.is_instance_admin {
        return Err(AppError::Forbidden(
            "Only the instance admin (the account made at set-up) sees every sign-in.".into(),
        ));
    }
    Ok(ctx
        .db()
        .sign_ins(None, 200)
        .await?
        .into_iter()
        .map(sign_in_view)
        .collect())
}

fn sign_in_view(row: crate::server::store::accounts::SignInRow) -> SignIn {
    let succeeded = row.action == "login.succeeded";
    SignIn {
        succeeded,
        email: if succeeded {
            row.actor_label
        } else {
            row.target_label.unwrap_or_default()
        },
        ip: row.ip,
        user_agent: row.user_agent,
        at: row.created_at,
    }
}

/// Opens a session for a person who just proved who they are another way (a new account
/// made through an invitation).
pub async fn open_session(ctx: &Ctx<()>, user: CurrentUser) -> Result<NewSession, AppError> {
    start_session(ctx, user, None).await
}

async fn start_session(
    ctx: &Ctx<()>,
    user: CurrentUser,
    audit: Option<&AuditEvent>,
) -> Result<NewSession, AppError> {
    let (meta, now) = (&ctx.meta, ctx.now);
    let id = secrets::new_session_id();
    let digest = ctx.keys().session_digest(&id);
    let expires_at = now + SESSION_IDLE_MS;
    ctx.db()
        .insert_session(
            crate::server::store::accounts::NewSession {
                id_digest: &digest,
                user_id: user.id,
                expires_at,
                ip: meta.ip.as_deref(),
                user_agent: meta.user_agent.as_deref(),
            },
            now,
            audit,
        )
        .await?;
    Ok(NewSession {
        id,
        user,
        expires_at,
    })
}

/// The user a session cookie belongs to, sliding its idle expiry.
pub async fn authenticate<P>(
    ctx: &Ctx<P>,
    session_id: Option<&str>,
) -> Result<Option<CurrentUser>, AppError> {
    let (db, now) = (ctx.db(), ctx.now);
    let Some(session_id) = session_id.filter(|id| id.len() == 64) else {
        return Ok(None);
    };
    let digest = ctx.keys().session_digest(session_id);
    let Some(session) = db.session_user(&digest, now).await? else {
        return Ok(None);
    };
    if now - session.last_seen_at >= TOUCH_EVERY_MS {
        db.touch_session(&digest, now, now + SESSION_IDLE_MS)
            .await?;
    }
    Ok(Some(person(
        ctx,
        session.id,
        &session.email,
        &session.name,
        session.is_instance_admin,
        session.must_change_password,
    )))
}

pub async fn logout(ctx: &Ctx<()>, session_id: Option<&str>) -> Result<(), AppError> {
    if let Some(session_id) = session_id {
        let digest = ctx.keys().session_digest(session_id);
        ctx.db().delete_session(&digest).await?;
    }
    Ok(())
}
