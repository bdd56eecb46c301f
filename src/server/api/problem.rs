//! RFC 9457 problem details: the REST API's one error shape.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::domain::{error::AppError, validation::FieldError};

/// An error, as RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// For 422: which fields are wrong and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For 401: the `WWW-Authenticate` challenge to send.
    #[serde(skip)]
    #[schema(ignore)]
    pub challenge: Option<&'static str>,
    /// For 429 and 503: the seconds to send as `Retry-After` (RFC 9110 section 10.2.3).
    #[serde(skip)]
    #[schema(ignore)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
            challenge: None,
            retry_after: None,
        }
    }

    /// Over a limit: a 429 that says, in `Retry-After`, when to try again.
    pub fn too_many_requests(detail: impl Into<String>, retry_after: u64) -> Self {
        Problem {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, detail)
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// No usable token. The same answer whatever was wrong with it (unknown, malformed,
    /// disabled, expired, deleted), so callers learn nothing about other tokens.
    pub fn invalid_token() -> Self {
        Problem {
            challenge: Some(r#"Bearer realm="tessera", error="invalid_token""#),
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "The access token is invalid, expired, disabled or revoked.",
            )
        }
    }

    /// No token at all (RFC 6750: no error code then).
    pub fn missing_token() -> Self {
        Problem {
            challenge: Some(r#"Bearer realm="tessera""#),
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "Send an access token: Authorization: Bearer tsr_…",
            )
        }
    }

    pub fn unprocessable(field: &str, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        Problem {
            detail: error.message.clone(),
            errors: Some(vec![error]),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "")
        }
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        let status =
            StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match error {
            AppError::Invalid(field) => Problem::unprocessable(&field.field, field.message),
            // Session language does not fit the API.
            AppError::Unauthenticated => Problem::invalid_token(),
            other => Problem::new(status, other.to_string()),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let challenge = self.challenge;
        let retry_after = self.retry_after.or_else(|| {
            (status == StatusCode::SERVICE_UNAVAILABLE)
                .then_some(crate::server::services::passwords::RETRY_AFTER_SECONDS.into())
        });
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            Json(self),
        )
            .into_response();
        if let Some(wait) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}
