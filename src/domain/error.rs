//! The one error type every service returns. Server functions hand it to the browser as
//! is; the REST API turns it into a problem document. Messages are for the person in
//! front of the screen: what is wrong and what to do.

use serde::{Deserialize, Serialize};

use super::{
    permission::{Action, Denied, TokenAction},
    validation::FieldError,
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Your session has ended. Sign in again.")]
    Unauthenticated,
    #[error("Not found. It does not exist, or you have no access to it.")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(FieldError),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Throttled(String),
    /// Too busy right now (503, with `Retry-After`): try again shortly.
    #[error("{0}")]
    Unavailable(String),
    #[error(
        "Something went wrong on the server. Try again; if it keeps happening, ask your administrator to look at the server log."
    )]
    Internal,
    /// The request did not reach the service (network, encoding).
    #[error("{0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(FieldError::new(field, message))
    }

    /// The HTTP status that says the same.
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::Invalid(_) => 422,
            AppError::Throttled(_) => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal => 500,
            AppError::Transport(_) => 502,
        }
    }

    /// A short name of the kind of error, safe to put in a URL (it holds no input).
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::NotFound => "not_found",
            AppError::Forbidden(_) => "forbidden",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::Throttled(_) => "throttled",
            AppError::Unavailable(_) => "busy",
            AppError::Internal => "internal",
            AppError::Transport(_) => "transport",
        }
    }

    /// What a page says for an error it only knows the kind of (a plain form post that
    /// came back with `?error=`).
    pub fn kind_message(kind: &str) -> &'static str {
        match kind {
            "invalid" => "That did not work: check what you entered and try again.",
            "throttled" => "Too many failed attempts. Wait a few minutes and try again.",
            "busy" => "Tessera is busy. Try again in a few seconds.",
            "forbidden" => {
                "That is not allowed. If your password was chosen by someone else and has expired, use \"Forgot your password?\"."
            }
            _ => "Something went wrong. Try again.",
        }
    }

    /// The field a validation error belongs to.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid(error) => Some(&error.field),
            _ => None,
        }
    }
}

impl From<FieldError> for AppError {
    fn from(error: FieldError) -> Self {
        AppError::Invalid(error)
    }
}

impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotFound => AppError::NotFound,
            Denied::Forbidden(action) => AppError::Forbidden(action.refusal().into()),
            Denied::ScopeAboveRole => AppError::Forbidden(
                "This goes above your own role in this workspace, which is not allowed.".into(),
            ),
            Denied::MissingPermission(permission) => {
                AppError::Forbidden(format!("This token lacks the {permission} permission."))
            }
            Denied::PeopleOnly(Action::Token(TokenAction::Copy, _)) => {
                AppError::Forbidden("Tokens cannot read other tokens' secrets.".into())
            }
            Denied::PeopleOnly(action) => AppError::Forbidden(action.refusal().into()),
        }
    }
}
