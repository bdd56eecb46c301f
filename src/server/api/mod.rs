//! The REST API, nested at `/api/v1`. Bearer tokens only; errors are
//! `application/problem+json` (RFC 9457).

mod audit;
mod auth;
pub mod handlers;
mod invitations;
pub mod json;
mod problem;

use axum::{
    Router,
    extract::{DefaultBodyLimit, OriginalUri},
    routing::{any, get, post},
};

pub use auth::Caller;
pub use problem::Problem;

use super::state::AppState;

/// Where the API lives; the OpenAPI document's server URL.
pub const PREFIX: &str = "/api/v1";

/// The API's routes with their full paths, to be merged into the site's router (a nested
/// router would rewrite every request's URI on the way in).
pub fn router(state: AppState) -> Router<AppState> {
    use handlers::*;
    let path = |tail: &str| format!("{PREFIX}{tail}");
    Router::new()
        .route(&path("/access-token"), get(get_self).delete(revoke_self))
        .route(
            &path("/workspaces/{workspace}"),
            get(get_workspace).patch(audit::patch_workspace),
        )
        .route(
            &path("/workspaces/{workspace}/audit-events"),
            get(audit::list_audit_events),
        )
        .route(
            &path("/workspaces/{workspace}/tokens"),
            get(list_tokens).post(create_token),
        )
        .route(
            &path("/workspaces/{workspace}/tokens/{token}"),
            get(get_token).patch(patch_token).delete(delete_token),
        )
        .route(
            &path("/workspaces/{workspace}/members"),
            get(list_members).post(invitations::invite_member),
        )
        .route(
            &path("/workspaces/{workspace}/invitations"),
            get(invitations::list_invitations),
        )
        .route(
            &path("/workspaces/{workspace}/invitations/{invitation}"),
            axum::routing::delete(invitations::revoke_invitation),
        )
        .route(
            &path("/workspaces/{workspace}/invitations/{invitation}/resend"),
            post(invitations::resend_invitation),
        )
        .route(
            &path("/workspaces/{workspace}/members/{user}"),
            axum::routing::patch(patch_member).delete(delete_member),
        )
        .route(&path("/introspect"), post(introspect))
        // Only the routes above authenticate and take bodies; unknown paths answer the
        // JSON 404 below. One stacked layer: each `route_layer` call boxes the routes again.
        .route_layer(
            tower::ServiceBuilder::new()
                .layer(DefaultBodyLimit::max(json::BODY_LIMIT))
                .layer(auth::BearerAuth::new(state)),
        )
        .route(&path("/openapi.json"), get(openapi_json))
        // Without these an unknown /api/v1 path would get the HTML 404 page.
        .route(PREFIX, any(not_found))
        .route(&path("/{*rest}"), any(not_found))
}

async fn not_found(OriginalUri(uri): OriginalUri) -> Problem {
    Problem::not_found(format!("There is no API endpoint at {}.", uri.path()))
}
