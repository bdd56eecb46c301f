//! The REST door: what every `/api/v1` handler extracts. The request's context (built once
//! from the token that authenticated it), ids in the path, and query strings, each failing
//! as a problem document.

use axum::{
    extract::{FromRequestParts, Path, Query},
    http::request::Parts,
};
use serde::de::DeserializeOwned;

use super::{Caller, Problem, json::serde_message};
use crate::{
    domain::error::AppError,
    server::{
        context::Ctx,
        http::client::request_meta,
        services::{Principal, TokenPrincipal},
        state::AppState,
    },
};

pub type ApiResult<T> = Result<T, Problem>;

/// The context of a request made with a token (a route inside `BearerAuth`).
impl FromRequestParts<AppState> for Ctx<TokenPrincipal> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let Caller(token) = Caller::from_request_parts(parts, state).await?;
        Ok(Ctx::new(state.clone(), token, request_meta(state, parts)))
    }
}

/// The same, for services any principal may call.
impl FromRequestParts<AppState> for Ctx {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let Caller(token) = Caller::from_request_parts(parts, state).await?;
        Ok(Ctx::new(
            state.clone(),
            Principal::Token(token),
            request_meta(state, parts),
        ))
    }
}

/// Ids in the path (`Uuid`, or a tuple of them): anything that is not one names nothing,
/// so it is a 404 like an id of another workspace.
pub struct Ids<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Ids<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(ids)) => Ok(Ids(ids)),
            Err(_) => Err(AppError::NotFound.into()),
        }
    }
}

/// A query string; one that does not fit is a 422 about `query`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(query)) => Ok(ApiQuery(query)),
            Err(rejection) => Err(Problem::unprocessable(
                "query",
                serde_message(&rejection.body_text()),
            )),
        }
    }
}

// The sets below only describe answers for the OpenAPI document (each answer itself is a
// `Problem`), so their variants are never built.

/// What an operation may answer besides its success, in shared sets for the OpenAPI
/// document: every operation inside a workspace may be refused these ways.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum Refused {
    #[response(
        status = 401,
        description = "No valid token",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    #[response(
        status = 403,
        description = "The token lacks the permission, or its scope does not allow this",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "Not found in this workspace",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
}

/// What an operation with a JSON body may answer about the body.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum BodyRefused {
    #[response(
        status = 413,
        description = "The body is too large",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    #[response(
        status = 415,
        description = "The body is not JSON",
        content_type = "application/problem+json"
    )]
    NotJson(Problem),
    #[response(
        status = 422,
        description = "Invalid fields",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
}

/// What an operation with query parameters may answer about them.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum QueryRefused {
    #[response(
        status = 422,
        description = "Invalid query parameters",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
}

/// The answer when a change would leave a workspace without an Owner, or an invitation
/// was answered meanwhile.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum Conflict {
    #[response(
        status = 409,
        description = "The change conflicts with the workspace's state (its last Owner, an invitation already answered)",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
}
