//! Changing a password (the current one required) and resetting a forgotten one through a
//! one-time link, mailed or printed for the operator.

use super::{
    accounts::{check_password, reserve_attempt},
    passwords,
};
use crate::{
    domain::{error::AppError, notify, validation},
    model::CurrentUser,
    server::{
        context::Ctx,
        secrets::{self, LinkKind},
        store::{
            accounts::UserRow,
            audit::{Actor, AuditEvent},
            outbox::OutgoingMail,
        },
    },
};

/// A password reset link works this long, once.
pub const RESET_LINK_MS: i64 = 30 * 60 * 1000;
/// At most this many reset links of one account are open at once: asking again sends
/// nothing more (no mailbox is flooded by strangers asking).
const OPEN_RESET_LINKS: i64 = 3;

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
    ctx: &Ctx<CurrentUser>,
    session_id: Option<&str>,
    change: PasswordChange<'_>,
) -> Result<u64, AppError> {
    let (db, now, user) = (ctx.db(), ctx.now, &ctx.principal);
    let PasswordChange { current, new } = change;
    let row = confirm_password(
        ctx,
        current,
        "password.change_failed",
        "current_password",
        "That is not your current password.",
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
    let keep = session_id.map(|id| ctx.keys().session_digest(id));
    let audit = ctx
        .acting()
        .audit(None, "password.changed")
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

/// Checks the signed-in person's password before a change that needs it, counted like a
/// sign-in (a stolen session cannot guess the password at leisure). A wrong one is
/// recorded as `refused` and answered as a 422 on `field` saying `wrong`.
pub(super) async fn confirm_password(
    ctx: &Ctx<CurrentUser>,
    password: &str,
    refused: &'static str,
    field: &'static str,
    wrong: &'static str,
) -> Result<UserRow, AppError> {
    let (db, user) = (ctx.db(), &ctx.principal);
    let row = db
        .user_by_id(user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let (_, subjects) = reserve_attempt(ctx, &row.email, password).await?;
    if !check_password(Some(&row), password).await? {
        let audit = ctx
            .acting()
            .audit(None, refused)
            .target("user", user.id, &user.email);
        db.record(&audit).await?;
        return Err(AppError::invalid(field, wrong));
    }
    db.sign_in_succeeded(
        std::slice::from_ref(&subjects.pair),
        subjects.network.as_slice(),
        None,
        ctx.now,
    )
    .await?;
    Ok(row)
}

/// Mails a one-time reset link (30 minutes) when an account has `email`. The answer is
/// the same whether or not one does.
pub async fn request_password_reset(ctx: &Ctx<()>, email: &str) -> Result<(), AppError> {
    let (db, now) = (ctx.db(), ctx.now);
    let email = validation::email(email)?;
    let Some(user) = db.user_by_email(&email).await? else {
        return Ok(());
    };
    if db.open_password_resets(user.id, now).await? >= OPEN_RESET_LINKS {
        return Ok(());
    }
    let code = secrets::new_link_code();
    let link = reset_link(&ctx.config().public_url, &code);
    let mail = OutgoingMail::new(
        None,
        "password.reset",
        &user.email,
        notify::password_reset(&user.name, &link, RESET_LINK_MS),
    );
    let audit = ctx
        .audit_as(Actor::System, None, "password.reset_requested")
        .notify(vec![mail]);
    store_reset(ctx, &user, &code, audit).await
}

/// Stores a reset link's digest for `user`, with its audit record (and mail).
async fn store_reset(
    ctx: &Ctx<()>,
    user: &UserRow,
    code: &str,
    audit: AuditEvent,
) -> Result<(), AppError> {
    let now = ctx.now;
    let audit = audit.target("user", user.id, &user.email);
    ctx.db()
        .insert_password_reset(
            &ctx.keys().link_digest(LinkKind::PasswordReset, code),
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
pub async fn issue_password_reset(ctx: &Ctx<()>, email: &str) -> Result<String, AppError> {
    let email = validation::email(email)?;
    let user = ctx.db().user_by_email(&email).await?.ok_or_else(|| {
        AppError::invalid(
            "email",
            format!("No account has the email address {email}."),
        )
    })?;
    let code = secrets::new_link_code();
    let audit = ctx.audit_as(Actor::System, None, "password.reset_issued");
    store_reset(ctx, &user, &code, audit).await?;
    Ok(reset_link(&ctx.config().public_url, &code))
}

pub fn reset_link(public_url: &str, code: &str) -> String {
    format!("{public_url}/reset-password/{code}")
}

/// The email a live reset link is for (to show on its page), or not found.
pub async fn password_reset_email(ctx: &Ctx<()>, code: &str) -> Result<String, AppError> {
    let digest = ctx.keys().link_digest(LinkKind::PasswordReset, code);
    let user = ctx
        .db()
        .password_reset_user(&digest, ctx.now)
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
    ctx: &Ctx<()>,
    code: &str,
    password: &str,
) -> Result<(), AppError> {
    let (db, now) = (ctx.db(), ctx.now);
    let digest = ctx.keys().link_digest(LinkKind::PasswordReset, code);
    let user = db
        .password_reset_user(&digest, now)
        .await?
        .ok_or_else(dead_link)?;
    passwords::check_new(password, &user.email, &user.name)?;
    let hash = passwords::hash(password).await?;
    let audit = |user_id| {
        ctx.audit_as(
            Actor::User {
                id: user_id,
                email: user.email.clone(),
            },
            None,
            "password.reset",
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
