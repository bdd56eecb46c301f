//! First-run set-up, signing in and out, and sessions.

use uuid::Uuid;

use super::{RequestMeta, audit_by, audit_event, blocking};
use crate::{
    domain::{error::AppError, validation},
    model::{CurrentUser, SessionState},
    server::{
        secrets::{self, Keys},
        store::{
            Db,
            accounts::NewUser,
            audit::{Actor, AuditEvent},
        },
    },
};

/// A session ends after this long without a request.
pub const SESSION_IDLE_MS: i64 = 12 * 60 * 60 * 1000;
/// Sliding the expiry costs a write; do it at most this often per session.
const TOUCH_EVERY_MS: i64 = 60 * 1000;
/// Failed sign-ins in a row (per account, per IP) before attempts are slowed.
pub const FAILURES_BEFORE_DELAY: i64 = 10;
/// The first delay after that; it doubles with each further failure.
const FIRST_DELAY_MS: i64 = 30 * 1000;
const MAX_DELAY_MS: i64 = 15 * 60 * 1000;
/// A run of failures is forgotten after an hour without one.
const FAILURES_FORGOTTEN_AFTER_MS: i64 = 60 * 60 * 1000;

/// What set-up asks for.
#[derive(Clone, Debug)]
pub struct SetupInput {
    pub email: String,
    pub name: String,
    pub password: String,
    pub workspace_name: String,
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
    now: i64,
) -> Result<SessionState, AppError> {
    if let Some(user) = authenticate(db, keys, session_id, now).await? {
        return Ok(SessionState::SignedIn(user));
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
    validation::password(&input.password)?;
    let workspace_name = validation::workspace_name(&input.workspace_name)?;
    let password = input.password;
    let hash = blocking(move || secrets::hash_password(&password)).await?;
    let user = NewUser {
        id: Uuid::now_v7(),
        email: &email,
        name: &name,
        password_hash: &hash,
    };
    let workspace_id = Uuid::now_v7();
    let current = CurrentUser {
        id: user.id,
        email: email.clone(),
        name: name.clone(),
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
/// wrong password; attempts are slowed after ten failures for the account or the IP.
pub async fn login(
    db: &Db,
    keys: &Keys,
    email: &str,
    password: &str,
    meta: &RequestMeta,
    now: i64,
) -> Result<NewSession, AppError> {
    let email = email.trim().to_lowercase();
    if email.is_empty() || password.is_empty() {
        return Err(AppError::invalid(
            "email",
            "Enter your email address and password.",
        ));
    }
    let subjects = throttle_subjects(&email, meta);
    for subject in &subjects {
        if let Some(wait) = throttle_wait(db, subject, now).await? {
            return Err(AppError::Throttled(format!(
                "Too many failed sign-in attempts. Wait {} and try again.",
                human_seconds(wait)
            )));
        }
    }
    let user = db.user_by_email(&email).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| secrets::decoy_password_hash().to_owned());
    let attempt = password.to_owned();
    let matches = blocking(move || secrets::verify_password(&hash, &attempt)).await?;
    match user {
        Some(user) if matches => {
            db.clear_login_failures(&subjects[0]).await?;
            let current = CurrentUser {
                id: user.id,
                email: user.email,
                name: user.name,
            };
            let audit = audit_by(&(&current).into(), None, "login.succeeded", meta, now);
            start_session(db, keys, current, meta, now, Some(&audit)).await
        }
        _ => {
            let audit = AuditEvent {
                target_label: Some(email),
                target_kind: Some("email"),
                ..audit_event(Actor::System, None, "login.failed", meta, now)
            };
            db.record_login_failure(&subjects, now, now - FAILURES_FORGOTTEN_AFTER_MS, &audit)
                .await?;
            Err(AppError::invalid(
                "password",
                "That email and password do not match an account. Check both and try again.",
            ))
        }
    }
}

fn throttle_subjects(email: &str, meta: &RequestMeta) -> Vec<String> {
    let mut subjects = vec![format!("email:{email}")];
    if let Some(ip) = &meta.ip {
        subjects.push(format!("ip:{ip}"));
    }
    subjects
}

/// How long `subject` must still wait, in milliseconds, if at all.
async fn throttle_wait(db: &Db, subject: &str, now: i64) -> Result<Option<i64>, AppError> {
    let Some((failures, last)) = db.login_failures(subject).await? else {
        return Ok(None);
    };
    Ok(delay_after(failures, last, now))
}

/// The wait imposed after `failures` consecutive failures, the last at `last`.
pub fn delay_after(failures: i64, last: i64, now: i64) -> Option<i64> {
    if failures < FAILURES_BEFORE_DELAY {
        return None;
    }
    let doublings = (failures - FAILURES_BEFORE_DELAY).min(10) as u32;
    let delay = (FIRST_DELAY_MS << doublings).min(MAX_DELAY_MS);
    let remaining = last + delay - now;
    (remaining > 0).then_some(remaining)
}

fn human_seconds(ms: i64) -> String {
    let seconds = (ms + 999) / 1000;
    if seconds >= 120 {
        format!("{} minutes", (seconds + 59) / 60)
    } else if seconds == 1 {
        "1 second".to_owned()
    } else {
        format!("{seconds} seconds")
    }
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
    Ok(Some(CurrentUser {
        id: session.id,
        email: session.email,
        name: session.name,
    }))
}

pub async fn logout(db: &Db, keys: &Keys, session_id: Option<&str>) -> Result<(), AppError> {
    if let Some(session_id) = session_id {
        db.delete_session(&keys.session_digest(session_id)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_ten_failures_and_double() {
        assert_eq!(delay_after(9, 0, 0), None);
        assert_eq!(delay_after(10, 0, 0), Some(30_000));
        assert_eq!(delay_after(10, 0, 29_000), Some(1_000));
        assert_eq!(delay_after(10, 0, 30_000), None);
        assert_eq!(delay_after(11, 0, 0), Some(60_000));
        assert_eq!(delay_after(40, 0, 0), Some(MAX_DELAY_MS));
        assert_eq!(human_seconds(1_000), "1 second");
        assert_eq!(human_seconds(29_001), "30 seconds");
        assert_eq!(human_seconds(900_000), "15 minutes");
    }
}
