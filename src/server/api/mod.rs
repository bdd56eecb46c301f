//! The REST API, nested at `/api/v1`. Bearer tokens only; errors are
//! `application/problem+json` (RFC 9457).

mod auth;
pub mod handlers;
pub mod json;
mod problem;

use axum::{
    Router,
    extract::{DefaultBodyLimit, OriginalUri},
    middleware,
    routing::{get, post},
};

pub use problem::Problem;

use super::state::AppState;

pub fn router(state: AppState) -> Router<AppState> {
    use handlers::*;
    Router::new()
        .route("/access-token", get(get_self).delete(revoke_self))
        .route("/workspaces/{workspace}", get(get_workspace))
        .route(
            "/workspaces/{workspace}/tokens",
            get(list_tokens).post(create_token),
        )
        .route(
            "/workspaces/{workspace}/tokens/{token}",
            get(get_token).patch(patch_token).delete(delete_token),
        )
        .route(
            "/workspaces/{workspace}/members",
            get(list_members).post(add_member),
        )
        .route(
            "/workspaces/{workspace}/members/{user}",
            axum::routing::patch(patch_member).delete(delete_member),
        )
        .route("/introspect", post(introspect))
        // Only matched routes authenticate; unknown paths answer the JSON 404 below.
        .route_layer(middleware::from_fn_with_state(state, auth::authenticate))
        .route("/openapi.json", get(openapi_json))
        .layer(DefaultBodyLimit::max(json::BODY_LIMIT))
        // Without its own fallback an unknown /api/v1 path would get the HTML 404 page.
        .fallback(not_found)
}

async fn not_found(OriginalUri(uri): OriginalUri) -> Problem {
    Problem::not_found(format!("There is no API endpoint at {}.", uri.path()))
}
