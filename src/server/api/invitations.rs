//! `/api/v1` endpoints that add people: invitations. An invitation's link is mailed to the
//! invitee (or held in the outbox, where only the workspace's Owners see it); the API never
//! returns it, so a token with `members:write` cannot make itself a person.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Caller, Problem,
    handlers::{id, principal},
    json::{ApiJson, Json, Time},
};
use crate::{
    domain::role::Role,
    model::{Invitation, InvitationStatus},
    server::{
        services::{RequestMeta, invitations, now_ms},
        state::AppState,
    },
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteMember {
    /// Who to invite; the link is mailed there.
    pub email: String,
    /// The role they get on accepting (at most the token's scope).
    pub role: Role,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationJson {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// Who invited: a person's email or a token's label.
    pub invited_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Time,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Time,
    /// pending, expired, accepted, declined or revoked.
    #[schema(example = "pending")]
    pub status: &'static str,
}

impl From<Invitation> for InvitationJson {
    fn from(invitation: Invitation) -> Self {
        InvitationJson {
            id: invitation.id,
            email: invitation.email,
            role: invitation.role,
            invited_by: invitation.invited_by,
            created_at: Time(invitation.created_at),
            expires_at: Time(invitation.expires_at),
            status: match invitation.status {
                InvitationStatus::Pending => "pending",
                InvitationStatus::Expired => "expired",
                InvitationStatus::Accepted => "accepted",
                InvitationStatus::Declined => "declined",
                InvitationStatus::Revoked => "revoked",
            },
        }
    }
}

#[utoipa::path(post, path = "/workspaces/{workspace}/members", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    request_body = InviteMember,
    responses((status = 201, description = "Invited: the link is mailed to them (never returned here); they become a member when they accept", body = InvitationJson), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks members:write, or its scope is below Administrator", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json"), (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"), (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid fields (a role above the token's scope, an email already a member or already invited)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn invite_member(
    State(state): State<AppState>,
    Caller(token): Caller,
    meta: RequestMeta,
    Path(workspace): Path<String>,
    ApiJson(body): ApiJson<InviteMember>,
) -> Result<Response, Problem> {
    let sent = invitations::invite(
        &state.db,
        &state.keys,
        &principal(&token),
        id(&workspace)?,
        &body.email,
        body.role,
        state.links(),
        &meta,
        now_ms(),
    )
    .await?;
    debug_assert!(sent.link.is_none(), "a token never sees an invitation link");
    Ok((
        StatusCode::CREATED,
        Json(InvitationJson::from(sent.invitation)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/workspaces/{workspace}/invitations", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    responses((status = 200, description = "Open invitations and those answered in the last 30 days, newest first (empty below Administrator scope)", body = [InvitationJson]), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks members:read", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list_invitations(
    State(state): State<AppState>,
    Caller(token): Caller,
    Path(workspace): Path<String>,
) -> Result<Json<Vec<InvitationJson>>, Problem> {
    let list = invitations::list(&state.db, &principal(&token), id(&workspace)?, now_ms()).await?;
    Ok(Json(list.into_iter().map(InvitationJson::from).collect()))
}

#[utoipa::path(post, path = "/workspaces/{workspace}/invitations/{invitation}/resend", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("invitation" = Uuid, Path, description = "Invitation id")),
    responses((status = 200, description = "Mailed again with a new link and seven more days; the old link stops working", body = InvitationJson), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks members:write, or its scope is below the invitation's role", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Already answered or revoked", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn resend_invitation(
    State(state): State<AppState>,
    Caller(token): Caller,
    meta: RequestMeta,
    Path((workspace, invitation)): Path<(String, String)>,
) -> Result<Json<InvitationJson>, Problem> {
    let sent = invitations::resend(
        &state.db,
        &state.keys,
        &principal(&token),
        id(&workspace)?,
        id(&invitation)?,
        state.links(),
        &meta,
        now_ms(),
    )
    .await?;
    Ok(Json(sent.invitation.into()))
}

#[utoipa::path(delete, path = "/workspaces/{workspace}/invitations/{invitation}", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("invitation" = Uuid, Path, description = "Invitation id")),
    responses((status = 204, description = "Revoked: the link stops working"), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks members:write, or its scope is below the invitation's role", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found in this workspace", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Already answered or revoked", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    Caller(token): Caller,
    meta: RequestMeta,
    Path((workspace, invitation)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    invitations::revoke(
        &state.db,
        &principal(&token),
        id(&workspace)?,
        id(&invitation)?,
        &meta,
        now_ms(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
