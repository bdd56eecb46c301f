//! JSON in and out of the API: a body extractor whose failures are problem documents
//! (415 for the wrong content type, 413 for a body over the limit, 400 for broken JSON,
//! 422 for the wrong fields), and RFC 3339 times.

use axum::{
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

pub use crate::server::clock::{Time, rfc3339};

use super::Problem;
use crate::domain::error::AppError;

/// The largest request body the API reads.
pub const BODY_LIMIT: usize = 16 * 1024;

pub struct ApiJson<T>(pub T);

/// Every body the API reads is one JSON object. serde would also read a struct from an
/// array of its fields in order (`["ci", "viewer"]`), which no document promises: such a
/// body, or any other value than an object, is refused as one not of this operation's
/// shape.
impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(request.headers()) {
            return Err(not_json());
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    Problem::new(rejection.status(), rejection.body_text())
                }
            })?;
        let opens = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if opens.is_some_and(|b| *b != b'{') {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "Send the body as one JSON object: {\"field\": value, …}.",
            ));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_problem(rejection)),
        }
    }
}

/// `Content-Type: application/json`, or another `application/…+json`, as axum's `Json`
/// asks.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
}

fn not_json() -> Problem {
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Send the body as JSON, with Content-Type: application/json.",
    )
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("The body is larger than the API accepts ({BODY_LIMIT} bytes)."),
    )
}

fn json_problem(rejection: JsonRejection) -> Problem {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => not_json(),
        JsonRejection::JsonDataError(error) => {
            // serde's message names the field: "unknown field `x`, expected one of …".
            let message = serde_message(&error.body_text());
            let field = field_of(&message);
            Problem::unprocessable(&field, message)
        }
        JsonRejection::JsonSyntaxError(error) => Problem::new(
            StatusCode::BAD_REQUEST,
            format!("The body is not valid JSON: {}", error.body_text()),
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        other => Problem::new(other.status(), other.body_text()),
    }
}

/// axum's rejection text without its "Failed to deserialize …: " preamble: serde's own
/// words, which name the field.
pub fn serde_message(rejection_text: &str) -> String {
    rejection_text
        .split_once(": ")
        .map_or(rejection_text, |(_, rest)| rest)
        .to_owned()
}

/// The field a serde error is about, when it says (`unknown field `x``, `label: …`).
fn field_of(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        return rest.split('`').next().unwrap_or("body").to_owned();
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        return rest.split('`').next().unwrap_or("body").to_owned();
    }
    match message.split_once(": ") {
        Some((path, _)) if !path.contains(' ') => path.to_owned(),
        _ => "body".to_owned(),
    }
}

/// A JSON answer. As axum's `Json`, but written into a buffer with room for a typical
/// answer from the start instead of one grown (and copied) from 128 bytes.
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(512);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(error) => {
                tracing::error!("cannot write an API answer as JSON: {error}");
                Problem::from(AppError::Internal).into_response()
            }
        }
    }
}

/// RFC 3339 text as milliseconds since the epoch.
pub fn parse_rfc3339(field: &str, text: &str) -> Result<i64, Problem> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| {
            Problem::unprocessable(
                field,
                format!("{text:?} is not an RFC 3339 time; write it like 2027-01-31T23:59:59Z."),
            )
        })
}

/// For PATCH bodies: tells a field left out (`None`) from one set to null (`Some(None)`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_in_rfc3339() {
        assert_eq!(rfc3339(1_795_391_999_999), "2026-11-22T23:59:59.999Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            serde_json::to_string(&[Time(1_795_391_999_999), Time(0)]).unwrap(),
            r#"["2026-11-22T23:59:59.999Z","1970-01-01T00:00:00Z"]"#
        );
        // Beyond year 9999 RFC 3339 has no words; nothing is written rather than garbage.
        assert_eq!(rfc3339(253_402_300_800_000), "");
        assert_eq!(
            parse_rfc3339("t", "2026-11-22T23:59:59.999Z").unwrap(),
            1_795_391_999_999
        );
        assert_eq!(
            parse_rfc3339("t", "2026-11-23T00:59:59.999+01:00").unwrap(),
            1_795_391_999_999
        );
        let problem = parse_rfc3339("expires_at", "tomorrow").unwrap_err();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors.unwrap()[0].field, "expires_at");
    }

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(
            field_of("unknown field `colour`, expected one of `label`"),
            "colour"
        );
        assert_eq!(
            field_of("missing field `label` at line 1 column 2"),
            "label"
        );
        assert_eq!(field_of("scope: unknown variant `root`"), "scope");
        assert_eq!(field_of("invalid type: string, expected u32"), "body");
    }
}
