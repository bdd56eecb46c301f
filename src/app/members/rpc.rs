//! The members' and invitations' server functions, the invitation link's included.

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use crate::{
    domain::{error::AppError, role::Role},
    model::{InvitationAnswer, InvitationView, Member, MembersPage, SentInvitation},
};

#[server(prefix = "/rpc", endpoint = "members", input = Json)]
pub async fn get_members(workspace: Uuid) -> Result<MembersPage, AppError> {
    use crate::server::{services::workspaces, web};
    web::acting(async |ctx| workspaces::members(&ctx, workspace).await).await
}

#[server(prefix = "/rpc", endpoint = "invite_member", input = Json)]
pub async fn invite_member(
    workspace: Uuid,
    email: String,
    role: Role,
) -> Result<SentInvitation, AppError> {
    use crate::server::{services::invitations, web};
    web::acting(async |ctx| invitations::invite(&ctx, workspace, &email, role).await).await
}

#[server(prefix = "/rpc", endpoint = "resend_invitation", input = Json)]
pub async fn resend_invitation(
    workspace: Uuid,
    invitation: Uuid,
) -> Result<SentInvitation, AppError> {
    use crate::server::{services::invitations, web};
    web::acting(async |ctx| invitations::resend(&ctx, workspace, invitation).await).await
}

#[server(prefix = "/rpc", endpoint = "revoke_invitation", input = Json)]
pub async fn revoke_invitation(workspace: Uuid, invitation: Uuid) -> Result<(), AppError> {
    use crate::server::{services::invitations, web};
    web::acting(async |ctx| invitations::revoke(&ctx, workspace, invitation).await).await
}

#[server(prefix = "/rpc", endpoint = "change_member_role", input = Json)]
pub async fn change_member_role(
    workspace: Uuid,
    member: Uuid,
    role: Role,
) -> Result<Member, AppError> {
    use crate::server::{services::workspaces, web};
    web::acting(async |ctx| workspaces::change_role(&ctx, workspace, member, role).await).await
}

#[server(prefix = "/rpc", endpoint = "remove_member", input = Json)]
pub async fn remove_member(workspace: Uuid, member: Uuid) -> Result<(), AppError> {
    use crate::server::{services::workspaces, web};
    web::acting(async |ctx| workspaces::remove_member(&ctx, workspace, member).await).await
}

#[server(prefix = "/rpc", endpoint = "invitation", input = server_fn::codec::Json)]
pub async fn get_invitation(code: String) -> Result<InvitationView, AppError> {
    use crate::server::{services::invitations, web};
    web::serve(async |request| {
        invitations::view_by_code(&request.maybe_person().await?, &code).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "answer_invitation", input = server_fn::codec::Json)]
pub async fn answer_invitation(
    code: String,
    answer: InvitationAnswer,
) -> Result<Option<Uuid>, AppError> {
    use crate::server::{services::invitations, web};
    web::serve(async |request| {
        let accept = answer.accept;
        let ctx = request.maybe_person().await?;
        let answered = invitations::answer(&ctx, &code, answer).await?;
        if let Some(session) = &answered.session {
            request.set_session_cookie(&session.id);
        }
        Ok(accept.then_some(answered.workspace_id))
    })
    .await
}
