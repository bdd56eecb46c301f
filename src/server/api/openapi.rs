//! The OpenAPI document of `/api/v1`, served at `/api/v1/openapi.json` and flattened for
//! the UI's API reference page.

use axum::response::{IntoResponse, Response};

use super::{
    Problem, access_token, audit, invitations, json::Json, leaks, personal_tokens, rotation,
    tokens, workspaces,
};
use crate::domain::role::Role;

/// The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' annotations.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Tessera API",
        description = "Manage a workspace's access tokens and verify them. Authenticate with `Authorization: Bearer tsr_…`. Times are RFC 3339 UTC; errors are RFC 9457 problem documents."
    ),
    servers((url = "/api/v1")),
    paths(
        access_token::get_self, access_token::revoke_self,
        tokens::list_tokens, tokens::create_token, tokens::get_token, tokens::patch_token,
        tokens::delete_token, tokens::revoke_tokens, rotation::rotate_token, rotation::rotate_self,
        personal_tokens::list_personal_tokens, personal_tokens::remove_personal_token,
        personal_tokens::approve_personal_token, personal_tokens::deny_personal_token,
        workspaces::get_workspace, workspaces::patch_workspace, workspaces::list_members,
        invitations::invite_member, workspaces::patch_member, workspaces::delete_member,
        invitations::list_invitations, invitations::resend_invitation,
        invitations::revoke_invitation,
        audit::list_audit_events, access_token::introspect,
        leaks::revoke_credentials, leaks::gitlab_token_types, leaks::gitlab_revoke_tokens,
        leaks::github_alert
    ),
    components(schemas(Problem, crate::domain::validation::FieldError, Role)),
    modifiers(&BearerScheme),
)]
pub struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An access token, tsr_…"))
                    .build(),
            ),
        );
    }
}

/// `GET /api/v1/openapi.json`: the contract, readable without a token.
pub async fn openapi_json() -> Response {
    use utoipa::OpenApi;
    (
        [("cache-control", "public, max-age=300")],
        Json(ApiDoc::openapi()),
    )
        .into_response()
}

/// The operations of the OpenAPI document, flattened for the API reference page.
pub fn operations() -> Vec<crate::model::ApiOperation> {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "post", "patch", "delete"] {
            let operation = &item[method];
            if !operation.is_object() {
                continue;
            }
            let parameters = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    format!(
                        "{} ({}): {}",
                        text(&p["name"]),
                        text(&p["in"]),
                        text(&p["description"])
                    )
                })
                .collect();
            let request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .map(|r| r.trim_start_matches("#/components/schemas/").to_owned());
            let responses = operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(code, response)| (code.clone(), text(&response["description"])))
                .collect();
            operations.push(crate::model::ApiOperation {
                tag: operation["tags"][0].as_str().unwrap_or("api").to_owned(),
                method: method.to_uppercase(),
                path: format!("/api/v1{path}"),
                summary: text(&operation["summary"]),
                description: text(&operation["description"]),
                parameters,
                request,
                responses,
            });
        }
    }
    operations
}
