//! The REST API, nested at `/api/v1`. Bearer tokens only; errors are
//! `application/problem+json` (RFC 9457).

mod access_token;
mod audit;
mod auth;
mod door;
mod invitations;
pub mod json;
mod leaks;
pub mod openapi;
mod personal_tokens;
mod problem;
mod rotation;
mod tokens;
mod workspaces;

use axum::{
    Router,
    extract::{DefaultBodyLimit, OriginalUri},
    routing::{any, delete, get, patch, post},
};

pub use auth::Caller;
pub use problem::Problem;

use super::state::AppState;

/// Where the API lives; the OpenAPI document's server URL.
pub const PREFIX: &str = "/api/v1";

/// The API's routes with their full paths, to be merged into the site's router (a nested
/// router would rewrite every request's URI on the way in).
pub fn router(state: AppState) -> Router<AppState> {
    let path = |tail: &str| format!("{PREFIX}{tail}");
    let workspace = |tail: &str| path(&format!("/workspaces/{{workspace}}{tail}"));
    Router::new()
        .route(
            &path("/access-token"),
            get(access_token::get_self).delete(access_token::revoke_self),
        )
        .route(&path("/introspect"), post(access_token::introspect))
        .route(
            &workspace(""),
            get(workspaces::get_workspace).patch(workspaces::patch_workspace),
        )
        .route(
            &workspace("/members"),
            get(workspaces::list_members).post(invitations::invite_member),
        )
        .route(
            &workspace("/members/{user}"),
            patch(workspaces::patch_member).delete(workspaces::delete_member),
        )
        .route(
            &workspace("/invitations"),
            get(invitations::list_invitations),
        )
        .route(
            &workspace("/invitations/{invitation}"),
            delete(invitations::revoke_invitation),
        )
        .route(
            &workspace("/invitations/{invitation}/resend"),
            post(invitations::resend_invitation),
        )
        .route(
            &workspace("/tokens"),
            get(tokens::list_tokens).post(tokens::create_token),
        )
        .route(
            &workspace("/tokens/revoke"),
            // A list of ids is larger than any other body (see `REVOKE_BODY_LIMIT`); this
            // layer is inside the shared one below, so its limit is the one that holds.
            post(tokens::revoke_tokens).layer(DefaultBodyLimit::max(tokens::REVOKE_BODY_LIMIT)),
        )
        .route(
            &workspace("/tokens/{token}"),
            get(tokens::get_token)
                .patch(tokens::patch_token)
                .delete(tokens::delete_token),
        )
        .route(
            &workspace("/personal-tokens"),
            get(personal_tokens::list_personal_tokens),
        )
        .route(
            &workspace("/personal-tokens/{token}"),
            delete(personal_tokens::remove_personal_token),
        )
        .route(
            &workspace("/personal-tokens/{token}/approve"),
            post(personal_tokens::approve_personal_token),
        )
        .route(
            &workspace("/personal-tokens/{token}/deny"),
            post(personal_tokens::deny_personal_token),
        )
        .route(
            &workspace("/tokens/{token}/rotate"),
            post(rotation::rotate_token),
        )
        .route(&workspace("/audit-events"), get(audit::list_audit_events))
        // Only the routes above authenticate and take bodies; unknown paths answer the
        // JSON 404 below. One stacked layer: each `route_layer` call boxes the routes again.
        .route_layer(
            tower::ServiceBuilder::new()
                .layer(DefaultBodyLimit::max(json::BODY_LIMIT))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    auth::bearer_auth,
                )),
        )
        // Its own stack: a retry may outlive the token it rotated (api/rotation.rs).
        .route(&path("/access-token/rotate"), rotation::self_route(state))
        // Leak reports come from those who hold no Tessera token: each endpoint checks its
        // own caller (none, GitLab's pre-shared token, GitHub's signature).
        .route(
            &path("/credentials/revoke"),
            post(leaks::revoke_credentials).layer(DefaultBodyLimit::max(leaks::LEAK_BODY_LIMIT)),
        )
        .route(
            &path("/gitlab/revocable_token_types"),
            get(leaks::gitlab_token_types),
        )
        .route(
            &path("/gitlab/revoke_tokens"),
            post(leaks::gitlab_revoke_tokens).layer(DefaultBodyLimit::max(leaks::LEAK_BODY_LIMIT)),
        )
        .route(
            &path("/github/secret-scanning"),
            post(leaks::github_alert).layer(DefaultBodyLimit::max(leaks::LEAK_BODY_LIMIT)),
        )
        .route(&path("/openapi.json"), get(openapi::openapi_json))
        // Without these an unknown /api/v1 path would get the HTML 404 page.
        .route(PREFIX, any(not_found))
        .route(&path("/{*rest}"), any(not_found))
}

async fn not_found(OriginalUri(uri): OriginalUri) -> Problem {
    Problem::not_found(format!("There is no API endpoint at {}.", uri.path()))
}
