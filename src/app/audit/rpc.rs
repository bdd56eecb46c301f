//! The audit pages' server functions: the audit log, the API access audit and the outbox.

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use crate::{
    domain::error::AppError,
    model::{
        AccessAuditDetail, AccessAuditPage, AccessAuditQuery, AuditPage, AuditQuery, OutboxPage,
    },
};

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
