//! The access-token page's server functions (the API access audit revokes with
//! `delete_token` too).

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use crate::{
    domain::{error::AppError, token::HiddenColumns},
    model::{CreatedToken, TokenInput, TokenView, TokensPage},
};

#[server(prefix = "/rpc", endpoint = "tokens", input = Json)]
pub async fn get_tokens(workspace: Uuid) -> Result<TokensPage, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::page(&request.state.db, &user, workspace, services::now_ms()).await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "create_token", input = Json)]
pub async fn create_token(workspace: Uuid, input: TokenInput) -> Result<CreatedToken, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::create(
                &request.state.db,
                &request.state.keys,
                &user,
                workspace,
                input,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "edit_token", input = Json)]
pub async fn edit_token(
    workspace: Uuid,
    token: Uuid,
    input: TokenInput,
) -> Result<TokenView, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::edit(
                &request.state.db,
                &user,
                workspace,
                token,
                input,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "set_token_enabled", input = Json)]
pub async fn set_token_enabled(
    workspace: Uuid,
    token: Uuid,
    enabled: bool,
) -> Result<TokenView, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::set_enabled(
                &request.state.db,
                &user,
                workspace,
                token,
                enabled,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "delete_token", input = Json)]
pub async fn delete_token(workspace: Uuid, token: Uuid) -> Result<(), AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::delete(
                &request.state.db,
                &user,
                workspace,
                token,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "copy_token", input = Json)]
pub async fn copy_token(workspace: Uuid, token: Uuid) -> Result<String, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::copy(
                &request.state.db,
                &request.state.keys,
                &user,
                workspace,
                token,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "set_hidden_columns", input = Json)]
pub async fn set_hidden_columns(hidden: HiddenColumns) -> Result<HiddenColumns, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::set_hidden_columns(
                &request.state.db,
                &user,
                hidden,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}
