//! The workspace list's and settings' server functions.

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use crate::{domain::error::AppError, model::WorkspaceSummary};

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
