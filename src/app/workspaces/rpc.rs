//! The workspace list's and settings' server functions.

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use crate::{
    domain::{error::AppError, policy::TokenPolicy, rate_limit::RateLimit},
    model::WorkspaceSummary,
};

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

#[server(prefix = "/rpc", endpoint = "rename_workspace", input = Json)]
pub async fn rename_workspace(workspace: Uuid, name: String) -> Result<WorkspaceSummary, AppError> {
    use crate::server::{services::workspaces, web};
    web::acting(async |ctx| workspaces::rename(&ctx, workspace, &name).await).await
}

/// What the workspace's new tokens get by default: an IP allowlist and a rate limit.
#[server(prefix = "/rpc", endpoint = "token_defaults", input = Json)]
pub async fn get_token_defaults(
    workspace: Uuid,
) -> Result<(Vec<String>, Option<RateLimit>), AppError> {
    use crate::server::{services::workspaces, web};
    web::acting(async |ctx| {
        let settings = workspaces::settings(&ctx, workspace).await?;
        Ok((settings.default_allowed_ips, settings.default_rate_limit))
    })
    .await
}

/// Sets the default rate limit (Administrators and Owners; None: no limit); answers it as
/// stored.
#[server(prefix = "/rpc", endpoint = "set_default_rate_limit", input = Json)]
pub async fn set_default_rate_limit(
    workspace: Uuid,
    limit: Option<RateLimit>,
) -> Result<Option<RateLimit>, AppError> {
    use crate::server::{services::workspaces, web};
    web::acting(async |ctx| {
        workspaces::set_default_rate_limit(&ctx, workspace, limit).await?;
        Ok(workspaces::settings(&ctx, workspace)
            .await?
            .default_rate_limit)
    })
    .await
}

/// Sets it (Administrators and Owners); answers the list as stored.
#[server(prefix = "/rpc", endpoint = "set_default_allowed_ips", input = Json)]
pub async fn set_default_allowed_ips(
    workspace: Uuid,
    entries: Vec<String>,
) -> Result<Vec<String>, AppError> {
    use crate::server::{services::workspaces, web};
    web::acting(async |ctx| {
        workspaces::set_default_allowed_ips(&ctx, workspace, &entries).await?;
        Ok(workspaces::settings(&ctx, workspace)
            .await?
            .default_allowed_ips)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "token_policy", input = Json)]
pub async fn get_token_policy(workspace: Uuid) -> Result<TokenPolicy, AppError> {
    use crate::server::{services::workspaces, web};
    web::acting(async |ctx| workspaces::token_policy(&ctx, workspace).await).await
}

#[server(prefix = "/rpc", endpoint = "set_token_policy", input = Json)]
pub async fn set_token_policy(
    workspace: Uuid,
    policy: TokenPolicy,
) -> Result<TokenPolicy, AppError> {
    use crate::{
        domain::policy::PolicyPatch,
        server::{services::workspaces, web},
    };
    let patch = PolicyPatch::whole(policy);
    web::acting(async |ctx| workspaces::set_token_policy(&ctx, workspace, patch).await).await
}
