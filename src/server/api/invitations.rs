//! `/api/v1` endpoints that add people: invitations. An invitation's link is mailed to the
//! invitee (or held in the outbox, where only the workspace's Owners see it); the API never
//! returns it, so a token with `members:write` cannot make itself a person.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    door::{ApiResult, BodyRefused, Conflict, Ids, Refused},
    json::{ApiJson, Json, Time},
};
use crate::{
    domain::role::Role,
    model::{Invitation, InvitationStatus},
    server::{context::Ctx, services::invitations},
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
    responses((status = 201, description = "Invited: the link is mailed to them (never returned here); they become a member when they accept. Needs members:write and Administrator scope; the role may not be above the token's scope", body = InvitationJson), Refused, BodyRefused, Conflict),
    security(("bearer" = [])))]
pub async fn invite_member(
    ctx: Ctx,
    Ids(workspace): Ids<Uuid>,
    ApiJson(body): ApiJson<InviteMember>,
) -> ApiResult<(StatusCode, Json<InvitationJson>)> {
    let sent = invitations::invite(&ctx, workspace, &body.email, body.role).await?;
    debug_assert!(sent.link.is_none(), "a token never sees an invitation link");
    Ok((StatusCode::CREATED, Json(sent.invitation.into())))
}

#[utoipa::path(get, path = "/workspaces/{workspace}/invitations", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id")),
    responses((status = 200, description = "Open invitations and those answered in the last 30 days, newest first (empty below Administrator scope)", body = [InvitationJson]), Refused),
    security(("bearer" = [])))]
pub async fn list_invitations(
    ctx: Ctx,
    Ids(workspace): Ids<Uuid>,
) -> ApiResult<Json<Vec<InvitationJson>>> {
    let list = invitations::list(&ctx, workspace).await?;
    Ok(Json(list.into_iter().map(InvitationJson::from).collect()))
}

#[utoipa::path(post, path = "/workspaces/{workspace}/invitations/{invitation}/resend", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("invitation" = Uuid, Path, description = "Invitation id")),
    responses((status = 200, description = "Mailed again with a new link and seven more days; the old link stops working", body = InvitationJson), Refused, Conflict),
    security(("bearer" = [])))]
pub async fn resend_invitation(
    ctx: Ctx,
    Ids((workspace, invitation)): Ids<(Uuid, Uuid)>,
) -> ApiResult<Json<InvitationJson>> {
    let sent = invitations::resend(&ctx, workspace, invitation).await?;
    Ok(Json(sent.invitation.into()))
}

#[utoipa::path(delete, path = "/workspaces/{workspace}/invitations/{invitation}", tag = "members",
    params(("workspace" = Uuid, Path, description = "Workspace id"), ("invitation" = Uuid, Path, description = "Invitation id")),
    responses((status = 204, description = "Revoked: the link stops working"), Refused, Conflict),
    security(("bearer" = [])))]
pub async fn revoke_invitation(
    ctx: Ctx,
    Ids((workspace, invitation)): Ids<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    invitations::revoke(&ctx, workspace, invitation).await?;
    Ok(StatusCode::NO_CONTENT)
}
