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
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::workspaces::members(&request.state.db, &user, workspace, services::now_ms())
                .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "invite_member", input = Json)]
pub async fn invite_member(
    workspace: Uuid,
    email: String,
    role: Role,
) -> Result<SentInvitation, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            let state = &request.state;
            services::invitations::invite(
                &state.db,
                &state.keys,
                &user,
                workspace,
                &email,
                role,
                state.links(),
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "resend_invitation", input = Json)]
pub async fn resend_invitation(
    workspace: Uuid,
    invitation: Uuid,
) -> Result<SentInvitation, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            let state = &request.state;
            services::invitations::resend(
                &state.db,
                &state.keys,
                &user,
                workspace,
                invitation,
                state.links(),
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "revoke_invitation", input = Json)]
pub async fn revoke_invitation(workspace: Uuid, invitation: Uuid) -> Result<(), AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::invitations::revoke(
                &request.state.db,
                &user,
                workspace,
                invitation,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "change_member_role", input = Json)]
pub async fn change_member_role(
    workspace: Uuid,
    member: Uuid,
    role: Role,
) -> Result<Member, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::workspaces::change_role(
                &request.state.db,
                &user,
                workspace,
                member,
                role,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "remove_member", input = Json)]
pub async fn remove_member(workspace: Uuid, member: Uuid) -> Result<(), AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::workspaces::remove_member(
                &request.state.db,
                &user,
                workspace,
                member,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "invitation", input = server_fn::codec::Json)]
pub async fn get_invitation(code: String) -> Result<InvitationView, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let signed_in = request.signed_in().await?;
            services::invitations::view_by_code(
                &request.state.db,
                &request.state.keys,
                &code,
                signed_in.as_ref(),
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "answer_invitation", input = server_fn::codec::Json)]
pub async fn answer_invitation(
    code: String,
    answer: InvitationAnswer,
) -> Result<Option<Uuid>, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let signed_in = request.signed_in().await?;
            let accept = answer.accept;
            let answered = services::invitations::answer(
                &request.state.db,
                &request.state.keys,
                &code,
                signed_in.as_ref(),
                answer,
                &request.meta,
                services::now_ms(),
            )
            .await?;
            if let Some(session) = &answered.session {
                request.set_session_cookie(&session.id);
            }
            Ok(accept.then_some(answered.workspace_id))
        }
        .await,
    )
}
