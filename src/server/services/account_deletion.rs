//! Deleting one's own account (as GitHub and GitLab let a person do): the password again,
//! and never while it would leave a workspace without an Owner or the instance without its
//! admin. Personal tokens die with the account; a workspace's tokens stay the workspace's.

use serde_json::json;

use super::password_changes::confirm_password;
use crate::{
    domain::error::AppError,
    model::CurrentUser,
    server::{context::Ctx, store::accounts::AccountDeletion},
};

/// Deletes the signed-in person's account after checking their password. Every session
/// of the account ends and its personal tokens are refused from their next request, on
/// every instance. Each of their workspaces' audit logs records it (with their email).
pub async fn delete_account(ctx: &Ctx<CurrentUser>, password: &str) -> Result<(), AppError> {
    let (db, user) = (ctx.db(), &ctx.principal);
    if user.is_instance_admin {
        return Err(AppError::Conflict(
            "This is the instance's admin account (the one set-up made), and the instance \
             needs it: it cannot be deleted."
                .to_owned(),
        ));
    }
    confirm_password(
        ctx,
        password,
        "account.delete_refused",
        "password",
        "That is not your password.",
    )
    .await?;
    sole_owner(ctx).await?;
    let workspaces = db.workspaces_of(user.id).await?;
    let audits: Vec<_> = workspaces
        .iter()
        .map(|workspace| Some(workspace.id))
        .chain([None])
        .map(|workspace_id| {
            ctx.acting()
                .audit(workspace_id, "account.deleted")
                .target("user", user.id, &user.email)
                .changes(json!({ "name": user.name }))
        })
        .collect();
    match db.delete_user(user.id, &audits).await? {
        AccountDeletion::Deleted => Ok(()),
        // Another Owner left meanwhile.
        AccountDeletion::SoleOwner => sole_owner(ctx).await,
        AccountDeletion::NoSuchUser => Err(AppError::Unauthenticated),
    }
}

/// A 409 naming the workspaces the person is the only Owner of, if any.
async fn sole_owner(ctx: &Ctx<CurrentUser>) -> Result<(), AppError> {
    let names = ctx.db().sole_owned_workspaces(ctx.principal.id).await?;
    if names.is_empty() {
        return Ok(());
    }
    Err(AppError::Conflict(format!(
        "You are the only Owner of {}. Make someone else an Owner there first, so that the \
         workspace keeps one.",
        names
            .iter()
            .map(|name| format!("\u{201c}{name}\u{201d}"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}
