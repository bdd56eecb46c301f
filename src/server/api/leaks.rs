//! Where leaked tokens are reported, none of it behind a Tessera token (a leaked token's
//! finder has none): anyone's report, GitLab's Token Revocation API and GitHub's secret
//! scanning alerts. Each counts against the reporter's address (`leak_reports_per_hour`)
//! before anything else is done, and `services::leaks` acts on what they report.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use super::{
    Problem,
    auth::{Presented, presented},
    door::BodyRefused,
    json::{ApiJson, Json},
};
use crate::{
    domain::{
        error::AppError,
        leak::{self, GITHUB_TOKEN_TYPE, GITLAB_TOKEN_TYPE, LeakSource},
    },
    server::{
        services::{
            RequestMeta,
            leaks::{self, Reported},
        },
        state::AppState,
    },
};

/// The largest report read: a thousand tokens, each with a location URL of up to 2 KiB.
pub const LEAK_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// A report refused (boxed: a problem is large for an `Err`).
pub struct Refused(Box<Problem>);

impl From<Problem> for Refused {
    fn from(problem: Problem) -> Refused {
        Refused(Box::new(problem))
    }
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Refused {
        Refused::from(Problem::from(error))
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

fn refused(status: StatusCode, detail: impl Into<String>) -> Refused {
    Refused::from(Problem::new(status, detail))
}

/// Counts the report against its address; a 429 with `Retry-After` past the limit.
fn counted(state: &AppState, meta: &RequestMeta) -> Result<(), Refused> {
    let ip = meta.ip.as_deref().and_then(|ip| ip.parse().ok());
    state.leak_reports.check(ip).map_err(|wait| {
        Refused::from(Problem::too_many_requests(
            format!("Too many leak reports from this address. Try again in {wait} seconds (Retry-After)."),
            wait,
        ))
    })
}

// ---------------------------------------------------------------------------------------
// Anyone's report, shaped as GitHub's `POST /credentials/revoke`

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsRevoke {
    /// Token secrets found exposed (`tsr_…`), at most 1000.
    #[schema(example = json!(["tsr_…"]))]
    pub credentials: Vec<String>,
}

/// Anyone who finds a token exposed reports it here, without authenticating. The answer
/// is always 202 and never says whether a string was a token; each real one is disabled
/// as leaked (after the answer), its creator and Owners mailed, the report audited with
/// the reporter's address.
#[utoipa::path(post, path = "/credentials/revoke", tag = "leaks",
    request_body = CredentialsRevoke,
    responses((status = 202, description = "Accepted: every real token named is disabled as leaked"),
        (status = 429, description = "Too many reports from this address", body = Problem, content_type = "application/problem+json"),
        BodyRefused))]
pub async fn revoke_credentials(
    State(state): State<AppState>,
    meta: RequestMeta,
    body: Result<ApiJson<CredentialsRevoke>, Problem>,
) -> Response {
    if let Err(refused) = counted(&state, &meta) {
        return refused.into_response();
    }
    let ApiJson(body) = match body {
        Ok(body) => body,
        Err(problem) => return problem.into_response(),
    };
    if let Err(error) = leak::check_count(body.credentials.len(), "credentials") {
        return Problem::from(error).into_response();
    }
    let reports: Vec<Reported> = body
        .credentials
        .into_iter()
        .map(|token| Reported {
            token,
            location: None,
        })
        .collect();
    // After the answer, so that how long it takes says nothing about what was found.
    tokio::spawn(async move {
        if let Err(error) = leaks::report(&state, &meta, LeakSource::PublicReport, &reports).await {
            tracing::error!("a leak report could not be acted on: {error}");
        }
    });
    StatusCode::ACCEPTED.into_response()
}

// ---------------------------------------------------------------------------------------
// GitLab's Token Revocation API (docs.gitlab.com/development/sec/token_revocation_api):
// `GET …/revocable_token_types` and `POST …/revoke_tokens`, authenticated by the
// pre-shared token GitLab sends as the whole `Authorization` header (a `Bearer ` scheme
// is accepted too); 204 once every token is accepted, 400 for a body it must not retry.

/// The pre-shared credential, compared in constant time.
fn gitlab_caller(state: &AppState, headers: &HeaderMap) -> Result<(), Refused> {
    let refused = |detail: &str| refused(StatusCode::UNAUTHORIZED, detail);
    let Some(expected) = state.config.gitlab_revocation_token.as_deref() else {
        return Err(refused(
            "GitLab token revocation is not set up on this server: set gitlab_revocation_token.",
        ));
    };
    // GitLab sends the credential as the whole header; a Bearer one is taken too.
    let given = match presented(headers) {
        Presented::Token(token) => token,
        Presented::Invalid => headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .unwrap_or_default(),
        Presented::Missing => "",
    };
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(refused(
            "Send the revocation token GitLab is configured with in the Authorization header.",
        ))
    }
}

#[derive(Serialize, ToSchema)]
pub struct RevocableTokenTypes {
    #[schema(example = json!([GITLAB_TOKEN_TYPE]))]
    pub types: Vec<&'static str>,
}

/// The token types `revoke_tokens` takes: `gitleaks_rule_id_tessera_access_token`.
#[utoipa::path(get, path = "/gitlab/revocable_token_types", tag = "leaks",
    responses((status = 200, description = "The token types revoke_tokens takes", body = RevocableTokenTypes),
        (status = 401, description = "No or the wrong revocation token", body = Problem, content_type = "application/problem+json")))]
pub async fn gitlab_token_types(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<RevocableTokenTypes>, Refused> {
    gitlab_caller(&state, &headers)?;
    Ok(Json(RevocableTokenTypes {
        types: vec![GITLAB_TOKEN_TYPE],
    }))
}

/// One token GitLab's secret detection found.
#[derive(Deserialize, ToSchema)]
pub struct GitLabToken {
    #[serde(rename = "type")]
    #[schema(example = "gitleaks_rule_id_tessera_access_token")]
    pub kind: String,
    pub token: String,
    /// Where it was found (a permalink).
    #[serde(default)]
    pub location: Option<String>,
}

/// Revokes what GitLab's secret detection found: 204 when every token is accepted (real
/// ones disabled as leaked, idempotently); 400, changing nothing, for a body that is not
/// a list of `{type, token, location}`, names another type, or holds over 1000 tokens.
#[utoipa::path(post, path = "/gitlab/revoke_tokens", tag = "leaks",
    request_body = Vec<GitLabToken>,
    responses((status = 204, description = "Every token accepted; real ones disabled as leaked"),
        (status = 400, description = "Not a list of tokens of a revocable type; do not retry", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or the wrong revocation token", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports from this address; retry later", body = Problem, content_type = "application/problem+json")))]
pub async fn gitlab_revoke_tokens(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, Refused> {
    counted(&state, &meta)?;
    gitlab_caller(&state, &headers)?;
    let bad = |detail: String| refused(StatusCode::BAD_REQUEST, detail);
    let tokens: Vec<GitLabToken> = serde_json::from_slice(&body).map_err(|error| {
        bad(format!(
            "Send a JSON list of {{\"type\", \"token\", \"location\"}}: {error}."
        ))
    })?;
    leak::check_count(tokens.len(), "body").map_err(|error| bad(error.to_string()))?;
    if let Some(other) = tokens.iter().find(|token| token.kind != GITLAB_TOKEN_TYPE) {
        return Err(bad(format!(
            "The token type \u{201c}{}\u{201d} is not revocable here; the one type is {GITLAB_TOKEN_TYPE}.",
            other.kind
        )));
    }
    let reports: Vec<Reported> = tokens
        .into_iter()
        .map(|token| Reported {
            token: token.token,
            location: token.location,
        })
        .collect();
    leaks::report(&state, &meta, LeakSource::GitLab, &reports).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------
// GitHub's secret scanning partner program (docs.github.com, "Secret scanning partner
// program"): a POST of `[{token, type, url, source}]` signed with ECDSA P-256 over SHA-256
// of the raw body (`Github-Public-Key-Signature`, base64 DER), by the key named in
// `Github-Public-Key-Identifier`; the answer is the feedback array.

const KEY_IDENTIFIER: &str = "github-public-key-identifier";
const SIGNATURE: &str = "github-public-key-signature";

/// Whether the body is signed by one of the configured keys.
fn github_signed(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<(), Refused> {
    use base64::Engine as _;
    use p256::ecdsa::{Signature, signature::Verifier as _};
    let refused = |detail: &str| refused(StatusCode::UNAUTHORIZED, detail);
    let header = |name| {
        headers
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
    };
    let (Some(id), Some(signature)) = (header(KEY_IDENTIFIER), header(SIGNATURE)) else {
        return Err(refused(
            "Send the alert signed: Github-Public-Key-Identifier and Github-Public-Key-Signature.",
        ));
    };
    let Some(key) = state
        .config
        .github_secret_scanning_keys
        .iter()
        .find(|key| key.key_identifier == id.trim())
    else {
        return Err(refused(
            "The signing key is not one this server knows: add it to github_secret_scanning_keys.",
        ));
    };
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .ok()
        .and_then(|der| Signature::from_der(&der).ok());
    match signature {
        Some(signature) if key.key.verify(body, &signature).is_ok() => Ok(()),
        _ => Err(refused("The signature does not match the body.")),
    }
}

/// One match GitHub's secret scanning found.
#[derive(Deserialize, ToSchema)]
pub struct GitHubMatch {
    pub token: String,
    #[serde(rename = "type")]
    #[schema(example = "tessera_access_token")]
    pub kind: String,
    /// Where it was found.
    #[serde(default)]
    pub url: Option<String>,
    /// What it was found in (`content`, `commit`, `pull_request_description`, …).
    #[serde(default)]
    pub source: Option<String>,
}

/// Feedback on one match: the SHA-256 of the token, its type and whether it was real.
#[derive(Serialize, ToSchema)]
pub struct GitHubFeedback {
    pub token_hash: String,
    pub token_type: String,
    #[schema(example = "true_positive")]
    pub label: &'static str,
}

/// Revokes what GitHub's secret scanning found, after checking the signature (401,
/// changing nothing, when it is missing or wrong), and answers GitHub's feedback array:
/// `true_positive` for a real token, `false_positive` otherwise.
#[utoipa::path(post, path = "/github/secret-scanning", tag = "leaks",
    request_body = Vec<GitHubMatch>,
    responses((status = 200, description = "Feedback on each match", body = Vec<GitHubFeedback>),
        (status = 401, description = "Missing, unknown or wrong signature", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a list of matches, or over 1000", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports from this address", body = Problem, content_type = "application/problem+json")))]
pub async fn github_alert(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Vec<GitHubFeedback>>, Refused> {
    counted(&state, &meta)?;
    github_signed(&state, &headers, &body)?;
    let matches: Vec<GitHubMatch> = serde_json::from_slice(&body).map_err(|error| {
        AppError::invalid(
            "body",
            format!("Send a JSON list of {{\"token\", \"type\", \"url\", \"source\"}}: {error}."),
        )
    })?;
    leak::check_count(matches.len(), "body")?;
    let reports: Vec<Reported> = matches
        .iter()
        .map(|found| Reported {
            token: found.token.clone(),
            // "https://github.com/…/blob/…/.env (content)": where, and in what.
            location: match (&found.url, &found.source) {
                (Some(url), Some(source)) => Some(format!("{url} ({source})")),
                (url, _) => url.clone(),
            },
        })
        .collect();
    let findings = leaks::report(&state, &meta, LeakSource::GitHub, &reports).await?;
    Ok(Json(
        matches
            .into_iter()
            .zip(findings)
            .map(|(found, finding)| GitHubFeedback {
                token_hash: hex::encode(Sha256::digest(found.token.as_bytes())),
                token_type: if found.kind.is_empty() {
                    GITHUB_TOKEN_TYPE.to_owned()
                } else {
                    found.kind
                },
                label: if finding.is_token() {
                    "true_positive"
                } else {
                    "false_positive"
                },
            })
            .collect(),
    ))
}
