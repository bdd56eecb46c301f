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
    (
        [("cache-control", "public, max-age=300")],
        Json(document().clone()),
    )
        .into_response()
}

/// The document as served: what the handlers' annotations say, and the rules they cannot
/// say (written once, at first use).
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
        use utoipa::OpenApi;
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        contract(&mut doc);
        doc
    });
    &DOCUMENT
}

/// The rules of request bodies and headers that the derives cannot state, added to the
/// generated document so that it promises exactly what the server accepts (a fuzzer
/// generating from it, `scripts/schemathesis.sh`, checks that it does). Each comes from
/// the rule the server applies, not a copy of it.
fn contract(doc: &mut serde_json::Value) {
    use serde_json::json;

    use crate::domain::{
        revoke::MAX_IDS,
        rotation::KEY_MAX_LEN,
        validation::{EMAIL_MAX, LABEL_MAX, NAME_MAX, bounded_text_pattern, email_pattern},
    };
    let mut set = |pointer: &str, key: &str, value: serde_json::Value| {
        if let Some(serde_json::Value::Object(object)) = doc.pointer_mut(pointer) {
            object.insert(key.to_owned(), value);
        }
    };
    let label = json!(bounded_text_pattern(LABEL_MAX));
    for schema in ["CreateToken", "PatchToken"] {
        set(
            &format!("/components/schemas/{schema}/properties/label"),
            "pattern",
            label.clone(),
        );
    }
    set(
        "/components/schemas/PatchWorkspace/properties/name",
        "pattern",
        json!(bounded_text_pattern(NAME_MAX)),
    );
    set(
        "/components/schemas/InviteMember/properties/email",
        "pattern",
        json!(email_pattern()),
    );
    set(
        "/components/schemas/InviteMember/properties/email",
        "maxLength",
        json!(EMAIL_MAX),
    );

    // Introspection's `ip`: an IPv4 or IPv6 address, as Rust's `IpAddr` reads one.
    set(
        "/components/schemas/IntrospectRequest/properties/ip",
        "anyOf",
        json!([
            {"type": "string", "format": "ipv4"},
            {"type": "string", "format": "ipv6"},
            {"type": "null"},
        ]),
    );

    // A workspace patch changes something: a field given a value, or one whose null means
    // "remove" (a default rate limit, the lifetime limit and its grace, the scope cap).
    let given = |field: &str| json!({"required": [field], "properties": {field: {"not": {"type": "null"}}}});
    let present = |field: &str| json!({"required": [field]});
    set(
        "/components/schemas/PatchWorkspace",
        "anyOf",
        json!([
            given("name"),
            given("default_allowed_ips"),
            present("default_rate_limit"),
            given("approve_personal_tokens"),
            given("secret_shown_once"),
            present("max_token_lifetime_days"),
            present("token_lifetime_grace_until"),
            present("max_token_scope"),
        ]),
    );
    // A bulk revocation chooses its tokens one way: 1 to MAX_IDS ids and no criterion, or
    // no ids and at least one criterion.
    set(
        "/components/schemas/RevokeTokens",
        "oneOf",
        json!([
            {
                "required": ["ids"],
                "properties": {
                    "ids": {"type": "array", "minItems": 1, "maxItems": MAX_IDS},
                    "unused_since": {"type": "null"},
                    "created_by": {"type": "null"},
                    "scope": {"type": "null"},
                },
            },
            {
                "properties": {"ids": {"type": "null"}},
                "anyOf": [given("unused_since"), given("created_by"), given("scope")],
            },
        ]),
    );

    // Links from what a call makes to what acts on it (OpenAPI 3.1, "Link Object"): a
    // client, or a fuzzer's stateful phase, learns where the new id goes.
    let link = |operation: &str, parameter: &str, at: &str| {
        json!({
            "operationId": operation,
            "parameters": {"workspace": "$request.path.workspace", parameter: at},
        })
    };
    let token = "$response.body#/token/id";
    set(
        "/paths/~1workspaces~1{workspace}~1tokens/post/responses/201",
        "links",
        json!({
            "GetToken": link("get_token", "token", token),
            "PatchToken": link("patch_token", "token", token),
            "RotateToken": link("rotate_token", "token", token),
            "DeleteToken": link("delete_token", "token", token),
        }),
    );
    let invitation = "$response.body#/id";
    set(
        "/paths/~1workspaces~1{workspace}~1members/post/responses/201",
        "links",
        json!({
            "ResendInvitation": link("resend_invitation", "invitation", invitation),
            "RevokeInvitation": link("revoke_invitation", "invitation", invitation),
        }),
    );

    // An Idempotency-Key: 1 to 255 visible ASCII characters bare (not opening with a
    // quote), or an RFC 8941 string of 1 to 255 characters (spaces allowed, `\"` and `\\`
    // escaped); spaces around it are ignored.
    let key = format!(
        r#"^ *(?:[!#-~][!-~]{{0,{}}}|"(?:[ !#-\[\]-~]|\\["\\]){{1,{KEY_MAX_LEN}}}") *$"#,
        KEY_MAX_LEN - 1
    );
    let operations = doc
        .pointer_mut("/paths")
        .and_then(|paths| paths.as_object_mut())
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation.as_object_mut());
    for operation in operations {
        let parameters = operation
            .get_mut("parameters")
            .and_then(|p| p.as_array_mut());
        for parameter in parameters.into_iter().flatten() {
            if parameter["name"] == "Idempotency-Key" {
                parameter["schema"]["pattern"] = json!(key);
            }
        }
    }
}

/// The operations of the OpenAPI document, flattened for the API reference page.
pub fn operations() -> Vec<crate::model::ApiOperation> {
    let doc = document();
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
