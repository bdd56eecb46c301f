//! The access-token page's server functions (the API access audit revokes with
//! `delete_token` too).

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use crate::{
    domain::{error::AppError, revoke::RevokeRequest, token::HiddenColumns},
    model::{CreatedToken, Revoked, RotatedToken, TokenInput, TokenQuery, TokenView, TokensPage},
};

/// A page of the token table as `query` asks (left out: the first page, newest first).
#[server(prefix = "/rpc", endpoint = "tokens", input = Json)]
pub async fn get_tokens(
    workspace: Uuid,
    #[server(default)] query: TokenQuery,
) -> Result<TokensPage, AppError> {
    use crate::server::{services::token_views, web};
    web::acting(async |ctx| token_views::page_at(&ctx, workspace, &query).await).await
}

#[server(prefix = "/rpc", endpoint = "create_token", input = Json)]
pub async fn create_token(workspace: Uuid, input: TokenInput) -> Result<CreatedToken, AppError> {
    use crate::server::{services::tokens, web};
    web::acting(async |ctx| tokens::create(&ctx, workspace, input).await).await
}

#[server(prefix = "/rpc", endpoint = "edit_token", input = Json)]
pub async fn edit_token(
    workspace: Uuid,
    token: Uuid,
    input: TokenInput,
) -> Result<TokenView, AppError> {
    use crate::server::{services::tokens, web};
    web::acting(async |ctx| tokens::update(&ctx, workspace, token, input.into()).await).await
}

#[server(prefix = "/rpc", endpoint = "set_token_enabled", input = Json)]
pub async fn set_token_enabled(
    workspace: Uuid,
    token: Uuid,
    enabled: bool,
) -> Result<TokenView, AppError> {
    use crate::server::{services::tokens, web};
    let patch = tokens::TokenPatch {
        enabled: Some(enabled),
        ..Default::default()
    };
    web::acting(async |ctx| tokens::update(&ctx, workspace, token, patch).await).await
}

#[server(prefix = "/rpc", endpoint = "delete_token", input = Json)]
pub async fn delete_token(workspace: Uuid, token: Uuid) -> Result<(), AppError> {
    use crate::server::{services::tokens, web};
    web::acting(async |ctx| tokens::delete(&ctx, workspace, token).await).await
}

/// Disables or deletes many tokens at once, or (`dry_run`) counts them: the table's
/// selection and "Revoke unused…".
#[server(prefix = "/rpc", endpoint = "revoke_tokens", input = Json)]
pub async fn revoke_tokens(workspace: Uuid, request: RevokeRequest) -> Result<Revoked, AppError> {
    use crate::server::{services::bulk_revoke, web};
    web::acting(async |ctx| bulk_revoke::revoke(&ctx, workspace, request).await).await
}

#[server(prefix = "/rpc", endpoint = "copy_token", input = Json)]
pub async fn copy_token(workspace: Uuid, token: Uuid) -> Result<String, AppError> {
    use crate::server::{services::tokens, web};
    web::acting(async |ctx| tokens::copy(&ctx, workspace, token).await).await
}

/// The same rotation as the API's, without a retry key: a person sees the answer at once.
#[server(prefix = "/rpc", endpoint = "rotate_token", input = Json)]
pub async fn rotate_token(
    workspace: Uuid,
    token: Uuid,
    grace_seconds: i64,
) -> Result<RotatedToken, AppError> {
    use crate::server::{services::rotation, web};
    let request = rotation::RotateRequest {
        grace_seconds,
        key: None,
    };
    web::acting(async |ctx| rotation::rotate(&ctx, workspace, token, request).await).await
}

#[server(prefix = "/rpc", endpoint = "set_hidden_columns", input = Json)]
pub async fn set_hidden_columns(hidden: HiddenColumns) -> Result<HiddenColumns, AppError> {
    use crate::server::{services::token_views, web};
    web::person(async |ctx| token_views::set_hidden_columns(&ctx, hidden).await).await
}
