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

/// A set of problem answers for the OpenAPI document. The answers themselves are
/// `Problem`s; these enums only describe them, so their variants are never built.
macro_rules! problem_answers {
    ($(#[$doc:meta])* $set:ident { $($variant:ident = $status:literal: $description:literal,)+ }) => {
        $(#[$doc])*
        #[allow(dead_code)]
        #[derive(utoipa::IntoResponses)]
        pub enum $set {
            $(
                #[response(status = $status, description = $description, content_type = "application/problem+json")]
                $variant(Problem),
            )+
        }
    };
}

problem_answers!(
    /// Every operation inside a workspace may be refused these ways.
    Refused {
        Unauthenticated = 401: "No valid token",
        Forbidden = 403: "The token lacks the permission, or its scope does not allow this",
        NotFound = 404: "Not found in this workspace",
    }
);

problem_answers!(
    /// What an operation with a JSON body may answer about the body.
    BodyRefused {
        NotReadable = 400: "The body is not JSON, or holds a value of the wrong type (a number where text belongs, a word that is not one of the listed ones)",
        TooLarge = 413: "The body is too large",
        NotJson = 415: "The body is not JSON",
        Invalid = 422: "Invalid fields",
    }
);

problem_answers!(
    /// What an operation with query parameters may answer about them.
    QueryRefused {
        Invalid = 422: "Invalid query parameters",
    }
);

problem_answers!(
    /// A change that would leave a workspace without an Owner, an invitation answered
    /// A change that would leave a workspace without an Owner, an invitation answered
    /// meanwhile, tokens of a bulk revocation changed meanwhile, or a token that cannot be
    /// rotated (already rotated, disabled, expired).
    Conflict {
        Conflict = 409: "The change conflicts with the workspace's state (its last Owner, an email already a member's or invited, an invitation already answered, a selected token changed meanwhile, a token already rotated, disabled or expired)",
    }
);
