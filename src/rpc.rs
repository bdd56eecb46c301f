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
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            services::accounts::session_state(
                &request.state.db,
                &request.state.keys,
                request.session_id.as_deref(),
                request.state.config.workspace_creation,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
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
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let input = services::accounts::SetupInput {
                email,
                name,
                password,
                workspace_name,
            };
            let result = services::accounts::setup(
                &request.state.db,
                &request.state.keys,
                input,
                &request.meta,
                services::now_ms(),
            )
            .await;
            let (session, workspace) = request.after_plain_form(result, "/", "/setup")?;
            request.set_session_cookie(&session.id);
            Ok(workspace)
        }
        .await,
    )
}

/// Url-encoded so the form works before the WASM has loaded (a plain form post then
/// gets a redirect instead of JSON).
#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let result = services::accounts::login(
                &request.state.db,
                &request.state.keys,
                &email,
                &password,
                &request.meta,
                services::now_ms(),
            )
            .await;
            let session = request.after_plain_form(result, "/", "/login")?;
            request.set_session_cookie(&session.id);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            services::accounts::logout(
                &request.state.db,
                &request.state.keys,
                request.session_id.as_deref(),
            )
            .await?;
            request.clear_session_cookie();
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "workspaces", input = Json)]
pub async fn list_workspaces() -> Result<Vec<WorkspaceSummary>, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::workspaces::list(&request.state.db, &user).await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "create_workspace", input = Json)]
pub async fn create_workspace(name: String) -> Result<WorkspaceSummary, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::workspaces::create(
                &request.state.db,
                &user,
                &name,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

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

#[server(prefix = "/rpc", endpoint = "workspace", input = Json)]
pub async fn get_workspace(workspace: Uuid) -> Result<WorkspaceSummary, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::workspaces::get(&request.state.db, &user, workspace).await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "rename_workspace", input = Json)]
pub async fn rename_workspace(workspace: Uuid, name: String) -> Result<WorkspaceSummary, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::workspaces::rename(
                &request.state.db,
                &user,
                workspace,
                &name,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "audit", input = Json)]
pub async fn get_audit(workspace: Uuid, query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::audit::page(&request.state.db, &user, workspace, &query).await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "access_audit", input = Json)]
pub async fn get_access_audit(
    workspace: Uuid,
    query: AccessAuditQuery,
) -> Result<AccessAuditPage, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            let state = &request.state;
            services::access_audit::page(
                &state.db,
                &state.keys,
                &user,
                workspace,
                &query,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "access_audit_token", input = Json)]
pub async fn get_access_audit_detail(
    workspace: Uuid,
    token: Uuid,
) -> Result<AccessAuditDetail, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            let state = &request.state;
            // This instance's requests not yet written show at once (others' within one
            // flush interval).
            if let Err(error) = state.last_used.flush(&state.db).await {
                tracing::warn!("could not record tokens' last use (will retry): {error}");
            }
            services::access_audit::detail(&state.db, &user, workspace, token, services::now_ms())
                .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "outbox", input = Json)]
pub async fn get_outbox(workspace: Uuid) -> Result<OutboxPage, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::notifications::outbox(&request.state.db, &user, workspace).await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "tokens", input = Json)]
pub async fn get_tokens(workspace: Uuid) -> Result<TokensPage, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::page(&request.state.db, &user, workspace, services::now_ms()).await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "create_token", input = Json)]
pub async fn create_token(workspace: Uuid, input: TokenInput) -> Result<CreatedToken, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::create(
                &request.state.db,
                &request.state.keys,
                &user,
                workspace,
                input,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "edit_token", input = Json)]
pub async fn edit_token(
    workspace: Uuid,
    token: Uuid,
    input: TokenInput,
) -> Result<TokenView, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::edit(
                &request.state.db,
                &user,
                workspace,
                token,
                input,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "set_token_enabled", input = Json)]
pub async fn set_token_enabled(
    workspace: Uuid,
    token: Uuid,
    enabled: bool,
) -> Result<TokenView, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::set_enabled(
                &request.state.db,
                &user,
                workspace,
                token,
                enabled,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "delete_token", input = Json)]
pub async fn delete_token(workspace: Uuid, token: Uuid) -> Result<(), AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::delete(
                &request.state.db,
                &user,
                workspace,
                token,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "copy_token", input = Json)]
pub async fn copy_token(workspace: Uuid, token: Uuid) -> Result<String, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::copy(
                &request.state.db,
                &request.state.keys,
                &user,
                workspace,
                token,
                &request.meta,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "set_hidden_columns", input = Json)]
pub async fn set_hidden_columns(hidden: HiddenColumns) -> Result<HiddenColumns, AppError> {
    use crate::server::{services, web};
    web::respond(
        async move {
            let request = web::request()?;
            let user = request.user().await?;
            services::tokens::set_hidden_columns(
                &request.state.db,
                &user,
                hidden,
                services::now_ms(),
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "api_reference", input = Json)]
pub async fn api_reference() -> Result<Vec<crate::model::ApiOperation>, AppError> {
    use crate::server::{api::handlers, web};
    web::respond(
        async move {
            web::request()?.user().await?;
            Ok(handlers::operations())
        }
        .await,
    )
}
