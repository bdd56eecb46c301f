//! `POST /api/v1/workspaces/{workspace}/tokens/{token}/rotate` and
//! `POST /api/v1/access-token/rotate`: a token replaced by a successor with a fresh
//! secret, the old one working on for a grace. Both take an `Idempotency-Key`
//! (draft-ietf-httpapi-idempotency-key-header): a retry within ten minutes gets the same
//! answer.

use axum::{
    extract::{DefaultBodyLimit, FromRequestParts, Request, State},
    http::{HeaderMap, StatusCode, header, request::Parts},
    middleware::{Next, from_fn_with_state},
    response::{IntoResponse, Response},
    routing::{MethodRouter, post},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Problem, auth,
    door::{ApiResult, BodyRefused, Conflict, Ids, Refused},
    json::{self, ApiJson, Json, Time},
    tokens::TokenJson,
};
use crate::{
    domain::rotation::{DEFAULT_GRACE_SECONDS, IdempotencyKey},
    domain::{api_permission::PermissionSet, role::Role},
    model::PersonalTokenView,
    server::{
        context::Ctx,
        http::client::request_meta,
        services::{
            TokenPrincipal,
            rotation::{self, RotateRequest, Rotated},
        },
        state::AppState,
    },
};

const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Says that an answer repeats an earlier rotation under the same key.
const REPLAYED: &str = "idempotent-replayed";

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateBody {
    /// How long the old token keeps working, in seconds: 0 (it stops at once, the
    /// default) to 604800 (7 days), and never past its own expiry.
    #[serde(
        default = "default_grace",
        deserialize_with = "crate::domain::validation::whole_number"
    )]
    #[schema(example = 3600, minimum = 0, maximum = 604800)]
    pub grace_seconds: i64,
}

fn default_grace() -> i64 {
    DEFAULT_GRACE_SECONDS
}

impl RotateBody {
    /// The service's request: this body under the request's key.
    fn under(self, RetryKey(key): RetryKey) -> RotateRequest {
        RotateRequest {
            grace_seconds: self.grace_seconds,
            key,
        }
    }
}

/// The successor as creating a token answers it, and what it replaced.
#[derive(Serialize, ToSchema)]
pub struct RotatedJson {
    /// The new token: same label, scope and permissions (a personal token: the same
    /// workspaces, each with the same scope, permissions and approval); the old token's
    /// lifetime again from now when it had an expiry, never past a workspace's limit.
    pub token: SuccessorJson,
    /// The new secret: shown this once (or again to a retry under the same key).
    pub secret: String,
    /// The token it replaced.
    pub rotated_from: Uuid,
    /// When the old token stops working.
    #[schema(value_type = String, format = DateTime)]
    pub grace_ends_at: Time,
}

/// A rotated token's successor: a workspace's token, or a person's.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum SuccessorJson {
    Workspace(TokenJson),
    Personal(PersonalSuccessorJson),
}

/// A personal token's successor, as its owner sees it.
#[derive(Serialize, ToSchema)]
pub struct PersonalSuccessorJson {
    pub id: Uuid,
    pub label: String,
    /// Always `personal`.
    #[schema(example = "personal")]
    pub kind: &'static str,
    pub prefix: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Time,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Time>,
    pub workspaces: Vec<PersonalPlaceJson>,
}

/// One workspace a personal token's successor may act in.
#[derive(Serialize, ToSchema)]
pub struct PersonalPlaceJson {
    pub id: Uuid,
    pub name: String,
    pub scope: Role,
    #[schema(value_type = Option<Vec<String>>)]
    pub chosen_permissions: Option<PermissionSet>,
    /// `approved`, or `pending` while the workspace's Administrators have not approved it.
    #[schema(example = "approved")]
    pub approval: &'static str,
}

impl From<PersonalTokenView> for PersonalSuccessorJson {
    fn from(view: PersonalTokenView) -> Self {
        PersonalSuccessorJson {
            id: view.id,
            label: view.label,
            kind: "personal",
            prefix: view.display_prefix,
            created_at: Time(view.created_at),
            expires_at: view.expires_at.map(Time),
            workspaces: view
                .workspaces
                .into_iter()
                .map(|grant| PersonalPlaceJson {
                    id: grant.workspace_id,
                    name: grant.workspace_name,
                    scope: grant.scope,
                    chosen_permissions: grant.permissions,
                    approval: if grant.pending { "pending" } else { "approved" },
                })
                .collect(),
        }
    }
}

/// The request's `Idempotency-Key`, if any. A malformed one, or more than one, is a 400:
/// the draft forbids several, and a key the server cannot read would protect nothing.
pub struct RetryKey(pub Option<IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for RetryKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        retry_key(&parts.headers).map(RetryKey)
    }
}

fn retry_key(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, Problem> {
    let mut values = headers.get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let bad = |detail: String| Problem::new(StatusCode::BAD_REQUEST, detail);
    if values.next().is_some() {
        return Err(bad("Send one Idempotency-Key header, not several.".into()));
    }
    let text = value
        .to_str()
        .map_err(|_| bad("An Idempotency-Key holds visible ASCII characters only.".into()))?;
    IdempotencyKey::parse(text).map(Some).map_err(bad)
}

fn answer(rotated: Rotated) -> Response {
    let (json, replayed) = match rotated {
        Rotated::Workspace(rotated) => (
            RotatedJson {
                token: SuccessorJson::Workspace(rotated.created.token.into()),
                secret: rotated.created.secret,
                rotated_from: rotated.rotated_from,
                grace_ends_at: Time(rotated.grace_ends_at),
            },
            rotated.replayed,
        ),
        Rotated::Personal(rotated) => (
            RotatedJson {
                token: SuccessorJson::Personal(rotated.created.token.into()),
                secret: rotated.created.secret,
                rotated_from: rotated.rotated_from,
                grace_ends_at: Time(rotated.grace_ends_at),
            },
            rotated.replayed,
        ),
    };
    let mut response = (
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json),
    )
        .into_response();
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED, header::HeaderValue::from_static("true"));
    }
    response
}

/// Rotate a token
///
/// Makes a successor with the same label, scope and permissions and a fresh secret; the
/// old token works on until its grace ends (never past its own expiry). Needs what
/// creating a token of its scope needs (tokens:write, a role at least its scope) and
/// every permission it holds. With an Idempotency-Key, a retry by the same caller for the
/// same token within 10 minutes gets the same answer and secret (with the header
/// Idempotent-Replayed: true); the same key for another token is a 422.
#[utoipa::path(post, path = "/workspaces/{workspace}/tokens/{token}/rotate", tag = "tokens",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("token" = Uuid, Path, description = "Token id"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters, quoted (an RFC 8941 string) or bare; a UUID is a good one")),
    request_body = RotateBody,
    responses((status = 201, description = "Rotated; the new secret is shown this once", body = RotatedJson),
        Refused, BodyRefused, Conflict,
        (status = 400, description = "A malformed Idempotency-Key, or a body that is not JSON or holds a value of the wrong type", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn rotate_token(
    ctx: Ctx,
    Ids((workspace, token)): Ids<(Uuid, Uuid)>,
    key: RetryKey,
    ApiJson(body): ApiJson<RotateBody>,
) -> ApiResult<Response> {
    let request = body.under(key);
    Ok(answer(Rotated::Workspace(Box::new(
        rotation::rotate(&ctx, workspace, token, request).await?,
    ))))
}

/// Rotate the presented token
///
/// The presented token replaces itself, with no permission needed: its successor holds
/// exactly what it holds. Same body, key and answer as rotating a token of the workspace.
/// A retry under a remembered Idempotency-Key is answered even once the rotation has
/// stopped the old token.
#[utoipa::path(post, path = "/access-token/rotate", tag = "access-token",
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters, quoted (an RFC 8941 string) or bare; a UUID is a good one")),
    request_body = RotateBody,
    responses((status = 201, description = "Rotated; the new secret is shown this once", body = RotatedJson),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        BodyRefused, Conflict,
        (status = 400, description = "A malformed Idempotency-Key, or a body that is not JSON or holds a value of the wrong type", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn rotate_self(
    ctx: Ctx<TokenPrincipal>,
    key: RetryKey,
    ApiJson(body): ApiJson<RotateBody>,
) -> ApiResult<Response> {
    Ok(answer(rotation::rotate_self(&ctx, body.under(key)).await?))
}

/// The self-rotation route with its own layers: a retry under a remembered key is
/// answered first, then the bearer check and the handler as every other route has them.
pub fn self_route(state: AppState) -> MethodRouter<AppState> {
    post(rotate_self).layer(
        tower::ServiceBuilder::new()
            .layer(DefaultBodyLimit::max(json::BODY_LIMIT))
            .layer(from_fn_with_state(state.clone(), retried_self_rotation))
            .layer(from_fn_with_state(state, auth::bearer_auth)),
    )
}

/// Answers a retried self-rotation whose token the rotation may have stopped (see
/// `rotation::replay_for_presented`); anything else goes on to the bearer check.
async fn retried_self_rotation(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let presented = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    if let (Some(presented), Ok(Some(key))) = (presented, retry_key(&parts.headers)) {
        let ctx = Ctx::new(state.clone(), (), request_meta(&state, &parts));
        match rotation::replay_for_presented(&ctx, presented, &key).await {
            Ok(Some(rotated)) => return answer(rotated),
            Ok(None) => {}
            Err(error) => return Problem::from(error).into_response(),
        }
    }
    next.run(Request::from_parts(parts, body)).await
}
