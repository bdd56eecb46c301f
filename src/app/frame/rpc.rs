//! The frame's server functions: who is looking, signing out, and the workspace a
//! workspace page shows. Each one authenticates the session, then calls the same service
//! the REST API uses.

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use crate::{
    domain::error::AppError,
    model::{SessionState, WorkspaceSummary},
};

#[server(prefix = "/rpc", endpoint = "session", input = Json)]
pub async fn get_session() -> Result<SessionState, AppError> {
    use crate::server::{services::accounts, web};
    web::serve(async |request| {
        accounts::session_state(&request.visitor(), request.session_id.as_deref()).await
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

#[server(prefix = "/rpc", endpoint = "workspace", input = Json)]
pub async fn get_workspace(workspace: Uuid) -> Result<WorkspaceSummary, AppError> {
    use crate::server::{services::workspaces, web};
    web::acting(async |ctx| workspaces::get(&ctx, workspace).await).await
}
