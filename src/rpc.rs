//! The server functions the UI calls (all under `/rpc`, JSON in and out). Each one
//! authenticates the session, then calls the same service the REST API uses.

use leptos::prelude::*;
use server_fn::{
    codec::{Json, JsonEncoding},
    error::{FromServerFnError, ServerFnErrorErr},
};
use uuid::Uuid;

use crate::{
    domain::{error::AppError, role::Role, token::HiddenColumns},
    model::{
        AccessAuditDetail, AccessAuditPage, AccessAuditQuery, AuditPage, AuditQuery, CreatedToken,
        Member, MembersPage, OutboxPage, SentInvitation, SessionState, TokenInput, TokenView,
        TokensPage, WorkspaceSummary,
    },
};

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(match value {
            ServerFnErrorErr::Request(_) => {
                "Tessera's server cannot be reached. Check your connection and try again."
                    .to_owned()
            }
            other => format!("The request failed: {other}"),
        })
    }
}

#[server(prefix = "/rpc", endpoint = "session", input = Json)]
pub async fn get_session() -> Result<SessionState, AppError> {
    use crate::server::{services::accounts, web};
    web::serve(async |request| {
        accounts::session_state(&request.visitor(), request.session_id.as_deref()).await
    })
    .await
}

/// Url-encoded so the form works before the WASM has loaded (a plain form post then
/// gets a redirect instead of JSON).
#[server(prefix = "/rpc", endpoint = "setup")]
pub async fn setup(
    email: String,
    name: String,
    password: String,
    workspace_name: String,
) -> Result<Uuid, AppError> {
    use crate::server::{services::accounts, web};
    web::serve(async |request| {
        let input = accounts::SetupInput {
            email,
            name,
            password,
            workspace_name,
        };
        let result = accounts::setup(&request.visitor(), input).await;
        let (session, workspace) = request.after_plain_form(result, "/", "/setup")?;
        request.set_session_cookie(&session.id);
        Ok(workspace)
    })
    .await
}

/// Url-encoded so the form works before the WASM has loaded (a plain form post then
/// gets a redirect instead of JSON).
#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::server::{services::accounts, web};
    web::serve(async |request| {
        let result = accounts::login(&request.visitor(), &email, &password).await;
        let session = request.after_plain_form(result, "/", "/login")?;
        request.set_session_cookie(&session.id);
        Ok(())
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{services::accounts, web};
    web::serve(async |request| {
        accounts::logout(&request.visitor(), request.session_id.as_deref()).await?;
        request.clear_session_cookie();
        Ok(())
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "workspaces", input = Json)]
pub async fn list_workspaces() -> Result<Vec<WorkspaceSummary>, AppError> {
    use crate::server::{services::workspaces, web};
    web::person(async |ctx| workspaces::list(&ctx).await).await
}

#[server(prefix = "/rpc", endpoint = "create_workspace", input = Json)]
pub async fn create_workspace(name: String) -> Result<WorkspaceSummary, AppError> {
    use crate::server::{services::workspaces, web};
    web::person(async |ctx| workspaces::create(&ctx, &name).await).await
}

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

#[server(prefix = "/rpc", endpoint = "workspace", input = Json)]
pub async fn get_workspace(workspace: Uuid) -> Result<WorkspaceSummary, AppError> {
    use crate::server::{services::workspaces, web};
    web::acting(async |ctx| workspaces::get(&ctx, workspace).await).await
}

#[server(prefix = "/rpc", endpoint = "rename_workspace", input = Json)]
pub async fn rename_workspace(workspace: Uuid, name: String) -> Result<WorkspaceSummary, AppError> {
    use crate::server::{services::workspaces, web};
    web::acting(async |ctx| workspaces::rename(&ctx, workspace, &name).await).await
}

#[server(prefix = "/rpc", endpoint = "audit", input = Json)]
pub async fn get_audit(workspace: Uuid, query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::server::{services::audit, web};
    web::acting(async |ctx| audit::page(&ctx, workspace, &query).await).await
}

#[server(prefix = "/rpc", endpoint = "access_audit", input = Json)]
pub async fn get_access_audit(
    workspace: Uuid,
    query: AccessAuditQuery,
) -> Result<AccessAuditPage, AppError> {
    use crate::server::{services::access_audit, web};
    web::acting(async |ctx| access_audit::page(&ctx, workspace, &query).await).await
}

#[server(prefix = "/rpc", endpoint = "access_audit_token", input = Json)]
pub async fn get_access_audit_detail(
    workspace: Uuid,
    token: Uuid,
) -> Result<AccessAuditDetail, AppError> {
    use crate::server::{services::access_audit, web};
    web::acting(async |ctx| {
        // This instance's requests not yet written show at once (others' within one
        // flush interval).
        if let Err(error) = ctx.state.last_used.flush(ctx.db()).await {
            tracing::warn!("could not record tokens' last use (will retry): {error}");
        }
        access_audit::detail(&ctx, workspace, token).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "outbox", input = Json)]
pub async fn get_outbox(workspace: Uuid) -> Result<OutboxPage, AppError> {
    use crate::server::{services::notifications, web};
    web::acting(async |ctx| notifications::outbox(&ctx, workspace).await).await
}

#[server(prefix = "/rpc", endpoint = "tokens", input = Json)]
pub async fn get_tokens(workspace: Uuid) -> Result<TokensPage, AppError> {
    use crate::server::{services::token_views, web};
    web::acting(async |ctx| token_views::page(&ctx, workspace).await).await
}

#[server(prefix = "/rpc", endpoint = "create_token", input = Json)]
pub async fn create_token(workspace: Uuid, input: TokenInput) -> Result<CreatedToken, AppError> {
    use crate::server::{services::tokens, web};
    web::acting(async |ctx| tokens::create(&ctx, workspace, input).await).await
}

#[server(prefix = "/rpc", endpoint = "edit_token", input = Json)]
pub async fn edit_token(
    workspace: Uuid,
    token: Uuid,
    input: TokenInput,
) -> Result<TokenView, AppError> {
    use crate::server::{services::tokens, web};
    web::acting(async |ctx| tokens::update(&ctx, workspace, token, input.into()).await).await
}

#[server(prefix = "/rpc", endpoint = "set_token_enabled", input = Json)]
pub async fn set_token_enabled(
    workspace: Uuid,
    token: Uuid,
    enabled: bool,
) -> Result<TokenView, AppError> {
    use crate::server::{services::tokens, web};
    let patch = tokens::TokenPatch {
        enabled: Some(enabled),
        ..Default::default()
    };
    web::acting(async |ctx| tokens::update(&ctx, workspace, token, patch).await).await
}

#[server(prefix = "/rpc", endpoint = "delete_token", input = Json)]
pub async fn delete_token(workspace: Uuid, token: Uuid) -> Result<(), AppError> {
    use crate::server::{services::tokens, web};
    web::acting(async |ctx| tokens::delete(&ctx, workspace, token).await).await
}

#[server(prefix = "/rpc", endpoint = "copy_token", input = Json)]
pub async fn copy_token(workspace: Uuid, token: Uuid) -> Result<String, AppError> {
    use crate::server::{services::tokens, web};
    web::acting(async |ctx| tokens::copy(&ctx, workspace, token).await).await
}

#[server(prefix = "/rpc", endpoint = "set_hidden_columns", input = Json)]
pub async fn set_hidden_columns(hidden: HiddenColumns) -> Result<HiddenColumns, AppError> {
    use crate::server::{services::token_views, web};
    web::person(async |ctx| token_views::set_hidden_columns(&ctx, hidden).await).await
}

#[server(prefix = "/rpc", endpoint = "api_reference", input = Json)]
pub async fn api_reference() -> Result<Vec<crate::model::ApiOperation>, AppError> {
    use crate::server::{api::openapi, web};
    web::person(async |_| Ok(openapi::operations())).await
}
