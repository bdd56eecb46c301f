//! People's own tokens: the account's server functions (only for the signed-in person's own
//! tokens), and what a workspace's Administrators see and do with those reaching it. Each
//! calls the same service as the REST API.

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use crate::{
    domain::error::AppError,
    model::{
        CreatedPersonalToken, PersonalTokenInput, PersonalTokenView, PersonalTokensPage,
        ReachingTokensPage,
    },
};

#[server(prefix = "/rpc", endpoint = "personal_tokens", input = Json)]
pub async fn get_personal_tokens() -> Result<PersonalTokensPage, AppError> {
    use crate::server::{services::personal_tokens, web};
    web::person(async |ctx| personal_tokens::page(&ctx).await).await
}

#[server(prefix = "/rpc", endpoint = "create_personal_token", input = Json)]
pub async fn create_personal_token(
    input: PersonalTokenInput,
) -> Result<CreatedPersonalToken, AppError> {
    use crate::server::{services::personal_tokens, web};
    web::person(async |ctx| personal_tokens::create(&ctx, input).await).await
}

#[server(prefix = "/rpc", endpoint = "edit_personal_token", input = Json)]
pub async fn edit_personal_token(
    token: Uuid,
    input: PersonalTokenInput,
) -> Result<PersonalTokenView, AppError> {
    use crate::server::{services::personal_tokens, web};
    web::person(async |ctx| personal_tokens::update(&ctx, token, input.into()).await).await
}

#[server(prefix = "/rpc", endpoint = "set_personal_token_enabled", input = Json)]
pub async fn set_personal_token_enabled(
    token: Uuid,
    enabled: bool,
) -> Result<PersonalTokenView, AppError> {
    use crate::server::{services::personal_tokens, web};
    let patch = personal_tokens::PersonalPatch {
        enabled: Some(enabled),
        ..Default::default()
    };
    web::person(async |ctx| personal_tokens::update(&ctx, token, patch).await).await
}

#[server(prefix = "/rpc", endpoint = "delete_personal_token", input = Json)]
pub async fn delete_personal_token(token: Uuid) -> Result<(), AppError> {
    use crate::server::{services::personal_tokens, web};
    web::person(async |ctx| personal_tokens::delete(&ctx, token).await).await
}

#[server(prefix = "/rpc", endpoint = "copy_personal_token", input = Json)]
pub async fn copy_personal_token(token: Uuid) -> Result<String, AppError> {
    use crate::server::{services::personal_tokens, web};
    web::person(async |ctx| personal_tokens::copy(&ctx, token).await).await
}

/// A page of the members' personal tokens reaching the workspace: the first, or the one
/// after `after` (the previous page's `next`).
#[server(prefix = "/rpc", endpoint = "workspace_personal_tokens", input = Json)]
pub async fn get_workspace_personal_tokens(
    workspace: Uuid,
    #[server(default)] after: Option<String>,
) -> Result<ReachingTokensPage, AppError> {
    use crate::server::{services::personal_tokens, web};
    web::acting(async |ctx| {
        personal_tokens::reaching_page(
            &ctx,
            workspace,
            after.as_deref(),
            Some(personal_tokens::REACHING_PAGE),
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "remove_personal_token", input = Json)]
pub async fn remove_personal_token(workspace: Uuid, token: Uuid) -> Result<(), AppError> {
    use crate::server::{services::personal_tokens, web};
    web::acting(async |ctx| personal_tokens::remove_workspace(&ctx, workspace, token).await).await
}

/// An Administrator approves (or denies) a personal token waiting for their workspace.
#[server(prefix = "/rpc", endpoint = "decide_personal_token", input = Json)]
pub async fn decide_personal_token(
    workspace: Uuid,
    token: Uuid,
    approve: bool,
) -> Result<PersonalTokenView, AppError> {
    use crate::server::{services::personal_tokens, web};
    web::acting(async |ctx| personal_tokens::decide(&ctx, workspace, token, approve).await).await
}

/// The owner rotates one of their tokens: a successor with a fresh secret for the same
/// workspaces, the old one working for `grace_seconds`.
#[server(prefix = "/rpc", endpoint = "rotate_personal_token", input = Json)]
pub async fn rotate_personal_token(
    token: Uuid,
    grace_seconds: i64,
) -> Result<crate::model::RotatedPersonalToken, AppError> {
    use crate::server::{
        services::{personal_tokens, rotation::RotateRequest},
        web,
    };
    let request = RotateRequest {
        grace_seconds,
        key: None,
    };
    web::person(async |ctx| personal_tokens::rotate(&ctx, token, request).await).await
}
