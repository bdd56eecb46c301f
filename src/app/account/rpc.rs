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
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let input = services::accounts::SetupInput {
                email,
                name,
                password,
                workspace_name,
            };
            let result = services::accounts::setup(
                &request.state.db,
                &request.state.keys,
                input,
                &request.meta,
                services::now_ms(),
            )
            .await;
            let (session, workspace) = request.after_plain_form(result, "/", "/setup")?;
            request.set_session_cookie(&session.id);
            Ok(workspace)
        }
        .await,
    )
}

/// Url-encoded so the form works before the WASM has loaded (a plain form post then
/// gets a redirect instead of JSON).
#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let result = services::accounts::login(
                &request.state.db,
                &request.state.keys,
                &email,
                &password,
                &request.meta,
                services::now_ms(),
            )
            .await;
            let session = request.after_plain_form(result, "/", "/login")?;
            request.set_session_cookie(&session.id);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "request_password_reset", input = server_fn::codec::Json)]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let state = &request.state;
            services::accounts::request_password_reset(
                &state.db,
                &state.keys,
                &email,
                &state.config.public_url,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "password_reset", input = server_fn::codec::Json)]
pub async fn get_password_reset(code: String) -> Result<String, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            services::accounts::password_reset_email(
                &request.state.db,
                &request.state.keys,
                &code,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "reset_password", input = server_fn::codec::Json)]
pub async fn reset_password(code: String, password: String) -> Result<(), AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            services::accounts::complete_password_reset(
                &request.state.db,
                &request.state.keys,
                &code,
                &password,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "account", input = server_fn::codec::Json)]
pub async fn get_account() -> Result<AccountData, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            // Reachable before choosing one's own password: this is where it is chosen.
            let user = request.any_user().await?;
            services::accounts::account_page(&request.state.db, user, services::now_ms()).await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "change_password", input = server_fn::codec::Json)]
pub async fn change_password(current_password: String, password: String) -> Result<u64, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.any_user().await?;
            services::accounts::change_password(
                &request.state.db,
                &request.state.keys,
                &user,
                request.session_id.as_deref(),
                services::accounts::PasswordChange {
                    current: &current_password,
                    new: &password,
                },
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "all_sign_ins", input = server_fn::codec::Json)]
pub async fn get_all_sign_ins() -> Result<(Vec<SignIn>, i64), AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            let list = services::accounts::all_sign_ins(&request.state.db, &user).await?;
            Ok((list, services::now_ms()))
        }
        .await,
    )
}
