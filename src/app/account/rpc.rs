//! The account pages' server functions: set-up, sign-in, password resets, the account page
//! and the instance admin's sign-in history.

use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    domain::error::AppError,
    model::{AccountPage as AccountData, SignIn},
};

/// Url-encoded so the form works before the WASM has loaded (a plain form post then
/// gets a redirect instead of JSON).
#[server(prefix = "/rpc", endpoint = "setup")]
pub async fn setup(
    email: String,
    name: String,
    password: String,
    workspace_name: String,
) -> Result<Uuid, AppError> {
    use crate::server::{services::accounts, web};
    web::serve(async |request| {
        let input = accounts::SetupInput {
            email,
            name,
            password,
            workspace_name,
        };
        let result = accounts::setup(&request.visitor(), input).await;
        let (session, workspace) = request.after_plain_form(result, "/", "/setup")?;
        request.set_session_cookie(&session.id);
        Ok(workspace)
    })
    .await
}

/// Url-encoded so the form works before the WASM has loaded (a plain form post then
/// gets a redirect instead of JSON).
#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::server::{services::accounts, web};
    web::serve(async |request| {
        let result = accounts::login(&request.visitor(), &email, &password).await;
        let session = request.after_plain_form(result, "/", "/login")?;
        request.set_session_cookie(&session.id);
        Ok(())
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "request_password_reset", input = server_fn::codec::Json)]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server::{services::password_changes, web};
    web::serve(async |request| {
        password_changes::request_password_reset(&request.visitor(), &email).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "password_reset", input = server_fn::codec::Json)]
pub async fn get_password_reset(code: String) -> Result<String, AppError> {
    use crate::server::{services::password_changes, web};
    web::serve(async |request| {
        password_changes::password_reset_email(&request.visitor(), &code).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "reset_password", input = server_fn::codec::Json)]
pub async fn reset_password(code: String, password: String) -> Result<(), AppError> {
    use crate::server::{services::password_changes, web};
    web::serve(async |request| {
        password_changes::complete_password_reset(&request.visitor(), &code, &password).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "account", input = server_fn::codec::Json)]
pub async fn get_account() -> Result<AccountData, AppError> {
    use crate::server::{services::accounts, web};
    web::serve(async |request| {
        // Reachable before choosing one's own password: this is where it is chosen.
        accounts::account_page(&request.any_person().await?).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "change_password", input = server_fn::codec::Json)]
pub async fn change_password(current_password: String, password: String) -> Result<u64, AppError> {
    use crate::server::{services::password_changes, web};
    web::serve(async |request| {
        let change = password_changes::PasswordChange {
            current: &current_password,
            new: &password,
        };
        let ctx = request.any_person().await?;
        password_changes::change_password(&ctx, request.session_id.as_deref(), change).await
    })
    .await
}

/// Deletes the signed-in person's account (their password again) and ends this session.
#[server(prefix = "/rpc", endpoint = "delete_account", input = server_fn::codec::Json)]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    use crate::server::{services::account_deletion, web};
    web::serve(async |request| {
        let ctx = request.any_person().await?;
        account_deletion::delete_account(&ctx, &password).await?;
        request.clear_session_cookie();
        Ok(())
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "all_sign_ins", input = server_fn::codec::Json)]
pub async fn get_all_sign_ins() -> Result<(Vec<SignIn>, i64), AppError> {
    use crate::server::{services::accounts, web};
    web::person(async |ctx| Ok((accounts::all_sign_ins(&ctx).await?, ctx.now))).await
}
