//! First-run set-up, signing in and out, and sessions.

use uuid::Uuid;

use super::{RequestMeta, audit_by, audit_event, passwords};
use crate::{
    domain::{
        error::AppError,
        notify,
        sign_in::{self, Subjects},
        time::utc,
        validation,
    },
    model::{AccountPage, CurrentUser, SessionState, SignIn},
    server::{
        config::WorkspaceCreation,
        secrets::{self, Keys, LinkKind},
        store::{
            Db,
            accounts::{NewUser, Reservation, SessionUser, UserRow},
            audit::{Actor, AuditEvent},
            outbox::OutgoingMail,
        },
    },
};

/// A session ends after this long without a request.
pub const SESSION_IDLE_MS: i64 = 12 * 60 * 60 * 1000;
/// Sliding the expiry costs a write; do it at most this often per session.
const TOUCH_EVERY_MS: i64 = 60 * 1000;
/// A password reset link works this long, once.
pub const RESET_LINK_MS: i64 = 30 * 60 * 1000;
/// At most this many reset links of one account are open at once: asking again sends
/// nothing more (no mailbox is flooded by strangers asking).
const OPEN_RESET_LINKS: i64 = 3;

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
    db: &Db,
    keys: &Keys,
    session_id: Option<&str>,
    creation: WorkspaceCreation,
    now: i64,
) -> Result<SessionState, AppError> {
    if let Some(user) = authenticate(db, keys, session_id, now).await? {
        return Ok(SessionState::SignedIn(with_creation_right(user, creation)));
    }
    if db.count_users().await? == 0 {
        Ok(SessionState::SetupRequired)
    } else {
        Ok(SessionState::SignedOut)
    }
}

/// Creates the owner account and the first workspace, and signs the owner in. Only while
/// no user exists; afterwards it answers not found.
pub async fn setup(
    db: &Db,
    keys: &Keys,
    input: SetupInput,
    meta: &RequestMeta,
    now: i64,
) -> Result<(NewSession, Uuid), AppError> {
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
    let current = CurrentUser {
        id: user.id,
        email: email.clone(),
        name: name.clone(),
        is_instance_admin: true,
        must_change_password: false,
        may_create_workspaces: true,
    };
    let audit = audit_by(
        &(&current).into(),
        Some(workspace_id),
        "workspace.created",
        meta,
        now,
    )
    .target("workspace", workspace_id, &workspace_name)
    .changes(serde_json::json!({ "name": workspace_name, "first_owner": true }));
    if !db
        .create_first_owner(&user, workspace_id, &workspace_name, now, &audit)
        .await?
    {
        return Err(AppError::NotFound);
    }
    let session = start_session(db, keys, current, meta, now, None).await?;
    Ok((session, workspace_id))
}

/// Checks the password and opens a session. The same message for an unknown email and a
/// wrong password. The attempt is counted before the password is checked (see
/// [`crate::domain::sign_in`]) and argon2 runs behind the password gate, so neither a
/// burst of parallel guesses nor a flood of requests gets past the limits.
pub async fn login(
    db: &Db,
    keys: &Keys,
    email: &str,
    password: &str,
    meta: &RequestMeta,
    now: i64,
) -> Result<NewSession, AppError> {
    let (user, subjects) = reserve_attempt(db, email, password, meta, now).await?;
    let matches = check_password(user.as_ref(), password).await?;
    let user = match user {
        Some(user) if matches => user,
        _ => {
            let audit = AuditEvent {
                target_label: Some(subjects.email.clone()),
                target_kind: Some("email"),
                ..audit_event(Actor::System, None, "login.failed", meta, now)
            };
            db.record(&audit).await?;
            return Err(AppError::invalid(
                "password",
                "That email and password do not match an account. Check both and try again.",
            ));
        }
    };
    let network = client_network(meta);
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
    let current = current_user(&user);
    let audit = audit_by(&(&current).into(), None, "login.succeeded", meta, now);
    start_session(db, keys, current, meta, now, Some(&audit)).await
}

/// Refuses what cannot be a sign-in before anything is stored, then reserves the attempt.
async fn reserve_attempt(
    db: &Db,
    email: &str,
    password: &str,
    meta: &RequestMeta,
    now: i64,
) -> Result<(Option<UserRow>, Subjects), AppError> {
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
    let network = client_network(meta);
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
async fn check_password(user: Option<&UserRow>, password: &str) -> Result<bool, AppError> {
    passwords::verify(user.map(|user| user.password_hash.clone()), password).await
}

/// The network the client's sign-ins are counted under.
fn client_network(meta: &RequestMeta) -> Option<String> {
    meta.ip
        .as_deref()
        .and_then(|ip| ip.parse().ok())
        .map(sign_in::network)
}

fn current_user(user: &UserRow) -> CurrentUser {
    CurrentUser {
        id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        is_instance_admin: user.is_instance_admin,
        must_change_password: user.must_change_password,
        may_create_workspaces: user.is_instance_admin,
    }
}

/// Whether this person may create workspaces, by `workspace_creation`.
pub fn with_creation_right(mut user: CurrentUser, creation: WorkspaceCreation) -> CurrentUser {
    user.may_create_workspaces = user.is_instance_admin || creation == WorkspaceCreation::Everyone;
    user
}

/// A password change as asked: the current password and the new one. (No `Debug`: it
/// holds passwords.)
#[derive(Clone, Copy)]
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
}

/// Changes the signed-in person's password: the current one is required, the new one
/// must be their own choice and strong; every other session of the account ends.
pub async fn change_password(
    db: &Db,
    keys: &Keys,
    user: &CurrentUser,
    session_id: Option<&str>,
    change: PasswordChange<'_>,
    meta: &RequestMeta,
    now: i64,
) -> Result<u64, AppError> {
    let PasswordChange { current, new } = change;
    let row = db
        .user_by_id(user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    // Counted like a sign-in: a stolen session cannot guess the password at leisure.
    let (_, subjects) = reserve_attempt(db, &row.email, current, meta, now).await?;
    let matches = check_password(Some(&row), current).await?;
    if !matches {
        let audit = audit_by(&user.into(), None, "password.change_failed", meta, now).target(
            "user",
            user.id,
            &user.email,
        );
        db.record(&audit).await?;
        return Err(AppError::invalid(
            "current_password",
            "That is not your current password.",
        ));
    }
    db.sign_in_succeeded(
        std::slice::from_ref(&subjects.pair),
        subjects.network.as_slice(),
        None,
        now,
    )
    .await?;
    if new == current {
        return Err(AppError::invalid(
            "password",
            "Choose a password different from the current one.",
        ));
    }
    passwords::check_new(new, &row.email, &row.name)?;
    let hash = passwords::hash(new).await?;
    let keep = session_id.map(|id| keys.session_digest(id));
    let audit = audit_by(&user.into(), None, "password.changed", meta, now)
        .target("user", user.id, &user.email)
        .notify(vec![password_changed_mail(&row.email, &row.name, now)]);
    Ok(db
        .set_password(
            user.id,
            &hash,
            keep.as_ref().map(<[u8; 32]>::as_slice),
            now,
            &audit,
        )
        .await?)
}

/// Mails a one-time reset link (30 minutes) when an account has `email`. The answer is
/// the same whether or not one does.
pub async fn request_password_reset(
    db: &Db,
    keys: &Keys,
    email: &str,
    public_url: &str,
    meta: &RequestMeta,
    now: i64,
) -> Result<(), AppError> {
    let email = validation::email(email)?;
    let Some(user) = db.user_by_email(&email).await? else {
        return Ok(());
    };
    if db.open_password_resets(user.id, now).await? >= OPEN_RESET_LINKS {
        return Ok(());
    }
    let code = secrets::new_link_code();
    let link = reset_link(public_url, &code);
    let mail = OutgoingMail::new(
        None,
        "password.reset",
        &user.email,
        notify::password_reset(&user.name, &link, RESET_LINK_MS),
    );
    let audit =
        audit_event(Actor::System, None, "password.reset_requested", meta, now).notify(vec![mail]);
    store_reset(db, keys, &user, &code, audit, now).await
}

/// Stores a reset link's digest for `user`, with its audit record (and mail).
async fn store_reset(
    db: &Db,
    keys: &Keys,
    user: &UserRow,
    code: &str,
    audit: AuditEvent,
    now: i64,
) -> Result<(), AppError> {
    let audit = audit.target("user", user.id, &user.email);
    db.insert_password_reset(
        &keys.link_digest(LinkKind::PasswordReset, code),
        user.id,
        now,
        now + RESET_LINK_MS,
        Some(&audit),
    )
    .await?;
    Ok(())
}

/// A reset link for the operator (`tessera admin reset-password EMAIL`): printed, not
/// mailed.
pub async fn issue_password_reset(
    db: &Db,
    keys: &Keys,
    email: &str,
    public_url: &str,
    now: i64,
) -> Result<String, AppError> {
    let email = validation::email(email)?;
    let user = db.user_by_email(&email).await?.ok_or_else(|| {
        AppError::invalid(
            "email",
            format!("No account has the email address {email}."),
        )
    })?;
    let code = secrets::new_link_code();
    let audit = audit_event(
        Actor::System,
        None,
        "password.reset_issued",
        &RequestMeta::default(),
        now,
    );
    store_reset(db, keys, &user, &code, audit, now).await?;
    Ok(reset_link(public_url, &code))
}

pub fn reset_link(public_url: &str, code: &str) -> String {
    format!("{public_url}/reset-password/{code}")
}

/// The email a live reset link is for (to show on its page), or not found.
pub async fn password_reset_email(
    db: &Db,
    keys: &Keys,
    code: &str,
    now: i64,
) -> Result<String, AppError> {
    let digest = keys.link_digest(LinkKind::PasswordReset, code);
    let user = db
        .password_reset_user(&digest, now)
        .await?
        .ok_or_else(dead_link)?;
    Ok(user.email)
}

fn dead_link() -> AppError {
    AppError::Invalid(validation::FieldError::new(
        "code",
        "This link is not valid any more: it was used, or more than 30 minutes have passed. Ask for a new one.",
    ))
}

/// Sets a new password through a reset link, once: every session of the account ends
/// and other open links die. The person then signs in with the new password.
pub async fn complete_password_reset(
    db: &Db,
    keys: &Keys,
    code: &str,
    password: &str,
    meta: &RequestMeta,
    now: i64,
) -> Result<(), AppError> {
    let digest = keys.link_digest(LinkKind::PasswordReset, code);
    let user = db
        .password_reset_user(&digest, now)
        .await?
        .ok_or_else(dead_link)?;
    passwords::check_new(password, &user.email, &user.name)?;
    let hash = passwords::hash(password).await?;
    let audit = |user_id| {
        audit_event(
            Actor::User {
                id: user_id,
                email: user.email.clone(),
            },
            None,
            "password.reset",
            meta,
            now,
        )
        .target("user", user_id, &user.email)
        .notify(vec![password_changed_mail(&user.email, &user.name, now)])
    };
    db.complete_password_reset(&digest, &hash, now, audit)
        .await?
        .ok_or_else(dead_link)?;
    Ok(())
}

fn password_changed_mail(email: &str, name: &str, now: i64) -> OutgoingMail {
    OutgoingMail::new(
        None,
        "password.changed",
        email,
        notify::password_changed(name, now),
    )
}

/// The account page: who the person is and their own recent sign-ins.
pub async fn account_page(db: &Db, user: CurrentUser, now: i64) -> Result<AccountPage, AppError> {
    let sign_ins = db
        .sign_ins(Some((user.id, &user.email)), 20)
        .await?
        .into_iter()
        .map(sign_in_view)
        .collect();
    Ok(AccountPage {
        user,
        sign_ins,
        now,
    })
}

/// Every account's sign-ins, newest first: the instance admin's view.
pub async fn all_sign_ins(db: &Db, user: &CurrentUser) -> Result<Vec<SignIn>, AppError> {
    if !user.is_instance_admin {
        return Err(AppError::Forbidden(
            "Only the instance admin (the account made at set-up) sees every sign-in.".into(),
        ));
    }
    Ok(db
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
pub async fn open_session(
    db: &Db,
    keys: &Keys,
    user: CurrentUser,
    meta: &RequestMeta,
    now: i64,
) -> Result<NewSession, AppError> {
    start_session(db, keys, user, meta, now, None).await
}

async fn start_session(
    db: &Db,
    keys: &Keys,
    user: CurrentUser,
    meta: &RequestMeta,
    now: i64,
    audit: Option<&AuditEvent>,
) -> Result<NewSession, AppError> {
    let id = secrets::new_session_id();
    let digest = keys.session_digest(&id);
    let expires_at = now + SESSION_IDLE_MS;
    db.insert_session(
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
pub async fn authenticate(
    db: &Db,
    keys: &Keys,
    session_id: Option<&str>,
    now: i64,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(session_id) = session_id.filter(|id| id.len() == 64) else {
        return Ok(None);
    };
    let digest = keys.session_digest(session_id);
    let Some(session) = db.session_user(&digest, now).await? else {
        return Ok(None);
    };
    if now - session.last_seen_at >= TOUCH_EVERY_MS {
        db.touch_session(&digest, now, now + SESSION_IDLE_MS)
            .await?;
    }
    Ok(Some(session_user(session)))
}

fn session_user(session: SessionUser) -> CurrentUser {
    CurrentUser {
        id: session.id,
        email: session.email,
        name: session.name,
        is_instance_admin: session.is_instance_admin,
        must_change_password: session.must_change_password,
        may_create_workspaces: session.is_instance_admin,
    }
}

pub async fn logout(db: &Db, keys: &Keys, session_id: Option<&str>) -> Result<(), AppError> {
    if let Some(session_id) = session_id {
        db.delete_session(&keys.session_digest(session_id)).await?;
    }
    Ok(())
}
