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
