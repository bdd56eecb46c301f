//! The REST API over real HTTP: the server's router on a random port, on SQLite and on
//! PostgreSQL, called with reqwest. Every endpoint's success and its error cases.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera::{
    domain::{api_permission::ApiPermission, role::Role},
    model::{CurrentUser, TokenInput},
    server::{
        services::{RequestMeta, accounts, now_ms, token_views, tokens, workspaces},
        store::Db,
    },
};
use uuid::Uuid;

const DAY: i64 = 86_400_000;

use support::{ApiServer as Server, api_keys as keys};

/// An owner, a workspace, a second workspace, and helpers to mint tokens.
struct World {
    owner: CurrentUser,
    workspace: Uuid,
    other_workspace: Uuid,
}

async fn world(db: &Db) -> World {
    let (owner, workspace) =
        support::set_up(db, &keys(), "Owner", &RequestMeta::default(), now_ms()).await;
    let other = workspaces::create(
        &support::ctx(
            db,
            &keys(),
            owner.clone(),
            &RequestMeta::default(),
            now_ms(),
        ),
        "Other",
    )
    .await
    .unwrap();
    World {
        owner,
        workspace,
        other_workspace: other.id,
    }
}

impl World {
    async fn token(
        &self,
        db: &Db,
        workspace: Uuid,
        label: &str,
        scope: Role,
        permissions: Option<&[ApiPermission]>,
    ) -> (Uuid, String) {
        self.token_at(db, workspace, label, scope, permissions, None, now_ms())
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn token_at(
        &self,
        db: &Db,
        workspace: Uuid,
        label: &str,
        scope: Role,
        permissions: Option<&[ApiPermission]>,
        expires_at: Option<i64>,
        now: i64,
    ) -> (Uuid, String) {
        let by = support::acting(db, &keys(), &self.owner, &RequestMeta::default(), now);
        support::mint(&by, workspace, label, scope, permissions, expires_at).await
    }
}

/// The invitation mailed to `email` (held in the outbox: no relay in tests), accepted by a
/// new account: the only way the link travels.
async fn accept_from_outbox(db: &Db, ws: Uuid, email: &str, name: &str) -> CurrentUser {
    let mail = db.outbox(ws, 100).await.unwrap();
    let invitation = mail
        .iter()
        .find(|m| m.recipient == email && m.kind == "member.invited")
        .expect("the invitation is in the outbox");
    let link = invitation
        .body
        .lines()
        .find(|line| line.contains("/invite/"))
        .expect("the mail holds the link");
    let code = link.trim().rsplit('/').next().unwrap();
    let answer = tessera::model::InvitationAnswer {
        accept: true,
        name: Some(name.into()),
        password: Some(support::JOINED_PASSWORD.into()),
    };
    let answered = tessera::server::services::invitations::answer(
        &support::ctx(db, &keys(), None, &RequestMeta::default(), now_ms()),
        code,
        answer,
    )
    .await
    .unwrap();
    accounts::authenticate(
        &support::ctx(db, &keys(), (), &RequestMeta::default(), now_ms()),
        Some(&answered.session.unwrap().id),
    )
    .await
    .unwrap()
    .unwrap()
}

fn assert_invalid_token(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
    case: &str,
) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
    assert_eq!(
        headers["www-authenticate"], r#"Bearer realm="tessera", error="invalid_token""#,
        "{case}"
    );
    assert_eq!(
        headers["content-type"], "application/problem+json",
        "{case}"
    );
    assert_eq!(
        body["detail"], "The access token is invalid, expired, disabled or revoked.",
        "{case}"
    );
}

on_both_engines! {
    async fn the_presented_token_describes_itself_and_can_revoke_itself(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let expires = now_ms() + 3 * DAY;
        let (id, secret) = world.token_at(db, world.workspace, "CI", Role::TeamMember, Some(&[ApiPermission::TokensRead, ApiPermission::Introspect]), Some(expires), now_ms()).await;

        let (status, headers, body) = server.call(Method::GET, "/access-token", &secret, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["id"], id.to_string());
        assert_eq!(body["label"], "CI");
        assert_eq!(body["workspace"]["name"], "Acme");
        assert_eq!(body["scope"], "team_member");
        assert_eq!(body["permissions"], json!(["tokens:read", "introspect"]));
        assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
        let announced = headers["tessera-token-expires"].to_str().unwrap();
        assert_eq!(announced, body["expires_at"].as_str().unwrap());
        assert!(body.get("secret").is_none());
        // The security headers of a JSON answer.
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert_eq!(headers["cache-control"], "no-store");
        // The first call read the token from the database; this one finds it in memory,
        // and an error answer to an authenticated request announces the expiry as well.
        let (status, headers, _) = server.call(Method::GET, "/access-token", &secret, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["tessera-token-expires"].to_str().unwrap(), announced);
        let elsewhere = format!("/workspaces/{}/tokens", Uuid::now_v7());
        let (status, headers, body) = server.call(Method::GET, &elsewhere, &secret, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(headers["tessera-token-expires"].to_str().unwrap(), announced);

        let (status, _, _) = server.call(Method::DELETE, "/access-token", &secret, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        // Revoked: refused on the very next request, and recorded as the token's own act.
        let (status, headers, body) = server.call(Method::GET, "/access-token", &secret, None).await;
        assert_invalid_token(status, &headers, &body, "after self-revoke");
        let events = db.audit_events(world.workspace, 100).await.unwrap();
        let revoked: Vec<_> = events.iter().filter(|e| e.action == "token.revoked").collect();
        assert_eq!(revoked.len(), 1);
        assert_eq!(revoked[0].actor_kind, "token");
        test.remove().await;
    }

    async fn every_kind_of_bad_token_gets_the_same_401(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let (_, good) = world.token(db, world.workspace, "good", Role::Viewer, None).await;
        let (disabled_id, disabled) = world.token(db, world.workspace, "disabled", Role::Viewer, None).await;
        tokens::update(&support::acting(db, &keys(), &world.owner, &RequestMeta::default(), now_ms()), world.workspace, disabled_id, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();
        let past = now_ms() - 2 * DAY;
        let (_, expired) = world.token_at(db, world.workspace, "expired", Role::Viewer, None, Some(past + DAY), past).await;
        let (deleted_id, deleted) = world.token(db, world.workspace, "deleted", Role::Viewer, None).await;
        tokens::delete(&support::acting(db, &keys(), &world.owner, &RequestMeta::default(), now_ms()), world.workspace, deleted_id).await.unwrap();
        let mut typo = good.clone().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(typo).unwrap();
        let unknown = tessera::server::secrets::new_token_secret().expose().to_owned();

        for (case, token) in [("typo", typo.as_str()), ("unknown", &unknown), ("disabled", &disabled), ("expired", &expired), ("deleted", &deleted), ("garbage", "hello")] {
            let (status, headers, body) = server.call(Method::GET, "/access-token", token, None).await;
            assert_invalid_token(status, &headers, &body, case);
        }
        // No Authorization header: a challenge without an error code.
        let response = server.client.get(format!("{}/access-token", server.base)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="tessera""#);
        // A session cookie is not an API credential.
        let session = accounts::login(&support::ctx(db, &keys(), (), &RequestMeta::default(), now_ms()), "owner@example.com", "correct horse battery").await.unwrap();
        let response = server.client.get(format!("{}/access-token", server.base))
            .header("cookie", format!("tessera_session={}", session.id)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let (status, _) = server.get("/access-token", &good).await;
        assert_eq!(status, StatusCode::OK);
        test.remove().await;
    }

    async fn tokens_are_listed_created_edited_and_deleted_within_role_and_permissions(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let ws = world.workspace;
        let (_, admin) = world.token(db, ws, "admin", Role::Administrator, None).await;
        let (_, reader) = world.token(db, ws, "reader", Role::Owner, Some(&[ApiPermission::TokensRead])).await;
        let (_, manager) = world.token(db, ws, "manager", Role::WorkspaceManager, None).await;
        let base = format!("/workspaces/{ws}/tokens");

        // Create: the secret comes once; reading it back never shows it.
        let (status, headers, body) = server.call(Method::POST, &base, &admin, Some(json!({
            "label": "deploy", "scope": "team_member", "expires_at": "2099-01-31T23:59:59Z"
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(headers["cache-control"], "no-store");
        let secret = body["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with(body["token"]["prefix"].as_str().unwrap()));
        let id = body["token"]["id"].as_str().unwrap().to_owned();
        let (status, body) = server.get(&format!("{base}/{id}"), &reader).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["expires_at"], "2099-01-31T23:59:59Z");
        assert!(!body.to_string().contains(&secret[10..]));
        let (status, _) = server.get("/access-token", &secret).await;
        assert_eq!(status, StatusCode::OK, "the new token works at once");

        // List with filters and paging.
        let (status, body) = server.get(&format!("{base}?label=DEP&status=active"), &reader).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["total"], 1);
        assert_eq!(body["items"][0]["label"], "deploy");
        let (_, body) = server.get(&format!("{base}?limit=2&offset=1"), &reader).await;
        assert_eq!(body["total"], 4);
        assert_eq!(body["items"].as_array().unwrap().len(), 2);
        let (_, body) = server.get(&format!("{base}?scope=owner"), &reader).await;
        assert_eq!(body["total"], 1);
        let (status, body) = server.get(&format!("{base}?status=lost"), &reader).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["field"], "status");

        // 403 names the missing permission.
        let (status, _, body) = server.call(Method::POST, &base, &reader, Some(json!({"label": "x", "scope": "viewer"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["detail"], "This token lacks the tokens:write permission.");
        // The role ceiling: a manager's token cannot create or raise above its scope…
        let (status, _, body) = server.call(Method::POST, &base, &manager, Some(json!({"label": "big", "scope": "administrator"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "scope");
        let (status, _, body) = server.call(Method::PATCH, &format!("{base}/{id}"), &manager, Some(json!({"scope": "owner"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        // …nor hand out a permission it lacks.
        let (_, narrow) = world.token(db, ws, "narrow", Role::Administrator, Some(&[ApiPermission::TokensRead, ApiPermission::TokensWrite])).await;
        let (status, _, body) = server.call(Method::POST, &base, &narrow, Some(json!({"label": "wide", "scope": "viewer"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "permissions");
        assert!(body["detail"].as_str().unwrap().contains("members:read"), "{body}");
        let (status, _, body) = server.call(Method::POST, &base, &narrow, Some(json!({"label": "narrower", "scope": "viewer", "permissions": ["tokens:read"]}))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["token"]["permissions"], json!(["tokens:read"]));

        // PATCH: rename, drop the expiry, disable; the disabled token fails at once.
        let (status, _, body) = server.call(Method::PATCH, &format!("{base}/{id}"), &admin, Some(json!({
            "label": "deploy (eu)", "expires_at": null, "enabled": false
        }))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["label"], "deploy (eu)");
        assert_eq!(body["expires_at"], Value::Null);
        assert_eq!(body["status"], "disabled");
        let (status, _) = server.get("/access-token", &secret).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Bad bodies explain themselves.
        let (status, _, body) = server.call(Method::POST, &base, &admin, Some(json!({"label": "deploy (EU)", "scope": "viewer"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["field"], "label");
        let (status, _, body) = server.call(Method::POST, &base, &admin, Some(json!({"label": "x", "scope": "viewer", "colour": "red"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "colour");
        assert!(body["detail"].as_str().unwrap().contains("unknown field `colour`"), "{body}");
        let (status, _, body) = server.call(Method::POST, &base, &admin, Some(json!({"label": "x", "scope": "root"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "scope");
        let (status, _, body) = server.call(Method::POST, &base, &admin, Some(json!({"label": "x", "scope": "viewer", "expires_at": "soon"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "expires_at");
        let response = server.client.post(format!("{}{base}", server.base)).bearer_auth(&admin)
            .header("content-type", "text/plain").body("label=x").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let response = server.client.post(format!("{}{base}", server.base)).bearer_auth(&admin)
            .header("content-type", "application/json").body(format!("{{\"label\": \"{}\"}}", "x".repeat(20_000))).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let response = server.client.post(format!("{}{base}", server.base)).bearer_auth(&admin)
            .header("content-type", "application/json").body("{\"label\": ").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let listed = token_views::page(&support::acting(db, &keys(), &world.owner, &RequestMeta::default(), now_ms()), ws).await.unwrap();
        assert_eq!(listed.tokens.len(), 6, "nothing was half-written");

        let (status, _, _) = server.call(Method::DELETE, &format!("{base}/{id}"), &admin, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = server.get(&format!("{base}/{id}"), &admin).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        test.remove().await;
    }

    async fn other_workspaces_are_not_found(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let (_, owner_token) = world.token(db, world.workspace, "owner", Role::Owner, None).await;
        let (elsewhere_id, _) = world.token(db, world.other_workspace, "elsewhere", Role::Viewer, None).await;
        let other = world.other_workspace;
        for path in [
            format!("/workspaces/{other}"),
            format!("/workspaces/{other}/tokens"),
            format!("/workspaces/{other}/members"),
            format!("/workspaces/{other}/tokens/{elsewhere_id}"),
            format!("/workspaces/{}/tokens/{elsewhere_id}", world.workspace),
            "/workspaces/not-an-id/tokens".to_owned(),
        ] {
            let (status, body) = server.get(&path, &owner_token).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        }
        let (status, _, _) = server.call(Method::DELETE, &format!("/workspaces/{other}/tokens/{elsewhere_id}"), &owner_token, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(db.token(other, elsewhere_id).await.unwrap().is_some());
        test.remove().await;
    }

    async fn workspace_and_members_through_the_api(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let ws = world.workspace;
        let (_, admin) = world.token(db, ws, "admin", Role::Administrator, None).await;
        let (_, viewer) = world.token(db, ws, "viewer", Role::Viewer, None).await;

        let (status, body) = server.get(&format!("/workspaces/{ws}"), &viewer).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["name"], "Acme");
        assert_eq!(body["role"], "viewer");
        let (status, body) = server.get(&format!("/workspaces/{ws}/members"), &viewer).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body.as_array().unwrap().len(), 1);

        let members = format!("/workspaces/{ws}/members");
        let (status, _, body) = server.call(Method::POST, &members, &viewer, Some(json!({"email": "a@example.com", "role": "viewer"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        // Adding is inviting: no account, no member, no link or password in the answer.
        let (status, _, body) = server.call(Method::POST, &members, &admin, Some(json!({"email": "a@example.com", "role": "team_member"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["status"], "pending");
        assert_eq!(body["role"], "team_member");
        assert_eq!(body["invited_by"], "token “admin”");
        assert!(!body.to_string().contains("/invite/") && body.get("initial_password").is_none(), "{body}");
        assert!(db.user_by_email("a@example.com").await.unwrap().is_none());
        let (_, list) = server.get(&format!("/workspaces/{ws}/invitations"), &admin).await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
        let user = accept_from_outbox(db, ws, "a@example.com", "Ann").await.id.to_string();
        let (status, _, body) = server.call(Method::PATCH, &format!("{members}/{user}"), &admin, Some(json!({"role": "workspace_manager"}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["role"], "workspace_manager");
        let (status, _, body) = server.call(Method::PATCH, &format!("{members}/{user}"), &admin, Some(json!({"role": "owner"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, _, body) = server.call(Method::PATCH, &format!("{members}/{}", world.owner.id), &admin, Some(json!({"role": "viewer"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "an Administrator's token cannot demote an Owner: {body}");
        let (status, _, _) = server.call(Method::DELETE, &format!("{members}/{user}"), &admin, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let events = db.audit_events(ws, 100).await.unwrap();
        // Every change by the token is the token's; accepting is the invitee's own act.
        assert!(events.iter().filter(|e| e.action.starts_with("member.")).all(|e| {
            (e.actor_kind == "token") != (e.action == "member.invitation_accepted")
        }));
        test.remove().await;
    }

    async fn every_api_change_leaves_one_audit_record_by_the_token(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let ws = world.workspace;
        let (admin_id, admin) = world.token(db, ws, "robot", Role::Administrator, None).await;
        let (leaver_id, leaver) = world.token(db, ws, "leaver", Role::Viewer, None).await;
        // Runs one call and checks it left exactly one record, by `actor`, on `target`.
        async fn one(db: &Db, ws: Uuid, server: &Server, token: &str, call: (Method, String, Option<Value>), expected: (&str, &str, &str)) -> Value {
            let before = db.audit_events(ws, 1000).await.unwrap();
            let (method, path, body) = call;
            let (status, _, answer) = server.call(method, &path, token, body).await;
            assert!(status.is_success(), "{path}: {status} {answer}");
            let after = db.audit_events(ws, 1000).await.unwrap();
            let new: Vec<_> = after.iter().filter(|e| !before.iter().any(|b| b.id == e.id)).collect();
            let (action, actor, target) = expected;
            assert_eq!(new.len(), 1, "{action}: {new:?}");
            assert_eq!((new[0].action.as_str(), new[0].actor_kind.as_str()), (action, "token"));
            assert_eq!(new[0].actor_label, actor, "{action}");
            assert_eq!(new[0].target_label.as_deref(), Some(target), "{action}");
            assert_eq!(new[0].ip.as_deref(), Some("127.0.0.1"), "{action}");
            answer
        }
        let tokens = format!("/workspaces/{ws}/tokens");
        let created = one(db, ws, &server, &admin, (Method::POST, tokens.clone(), Some(json!({"label": "ci", "scope": "viewer"}))), ("token.created", "robot", "ci")).await;
        let token = format!("{tokens}/{}", created["token"]["id"].as_str().unwrap());
        one(db, ws, &server, &admin, (Method::PATCH, token.clone(), Some(json!({"label": "ci-2"}))), ("token.edited", "robot", "ci-2")).await;
        one(db, ws, &server, &admin, (Method::PATCH, token.clone(), Some(json!({"enabled": false}))), ("token.disabled", "robot", "ci-2")).await;
        one(db, ws, &server, &admin, (Method::PATCH, token.clone(), Some(json!({"enabled": true}))), ("token.enabled", "robot", "ci-2")).await;
        one(db, ws, &server, &admin, (Method::DELETE, token, None), ("token.deleted", "robot", "ci-2")).await;
        let members = format!("/workspaces/{ws}/members");
        one(db, ws, &server, &admin, (Method::POST, members.clone(), Some(json!({"email": "b@example.com", "role": "viewer"}))), ("member.invited", "robot", "b@example.com")).await;
        let member = format!("{members}/{}", accept_from_outbox(db, ws, "b@example.com", "B").await.id);
        one(db, ws, &server, &admin, (Method::PATCH, member.clone(), Some(json!({"role": "team_member"}))), ("member.role_changed", "robot", "b@example.com")).await;
        one(db, ws, &server, &admin, (Method::DELETE, member, None), ("member.removed", "robot", "b@example.com")).await;
        one(db, ws, &server, &leaver, (Method::DELETE, "/access-token".into(), None), ("token.revoked", "leaver", "leaver")).await;

        // A rename is recorded and reaches a token already cached with the old name.
        let (_, body) = server.get("/access-token", &admin).await;
        assert_eq!(body["workspace"]["name"], "Acme");
        one(db, ws, &server, &admin, (Method::PATCH, format!("/workspaces/{ws}"), Some(json!({"name": "Acme Labs"}))), ("workspace.settings_changed", "robot", "Acme Labs")).await;
        let (_, body) = server.get("/access-token", &admin).await;
        assert_eq!(body["workspace"]["name"], "Acme Labs");
        let (status, _, body) = server.call(Method::PATCH, &format!("/workspaces/{ws}"), &admin, Some(json!({"name": ""}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (_, write_only) = world.token(db, ws, "write-only", Role::Owner, Some(&[ApiPermission::WorkspaceWrite])).await;
        let (_, manager) = world.token(db, ws, "manager", Role::WorkspaceManager, None).await;
        let (status, _, body) = server.call(Method::PATCH, &format!("/workspaces/{ws}"), &manager, Some(json!({"name": "Mine"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        // A token that may write the workspace but not read it is refused before anything
        // is written (it was refused after the change, the change made: the answer reads it).
        let before = db.audit_events(ws, 1000).await.unwrap().len();
        for change in [json!({"name": "Write Only"}), json!({"secret_shown_once": true})] {
            let (status, _, body) = server.call(Method::PATCH, &format!("/workspaces/{ws}"), &write_only, Some(change)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert!(body["detail"].as_str().unwrap().contains("workspace:read"), "{body}");
        }
        let (_, body) = server.get(&format!("/workspaces/{ws}"), &admin).await;
        assert_eq!(body["name"], "Acme Labs");
        assert_eq!(body["token_policy"]["secret_shown_once"], false, "{body}");
        assert_eq!(db.audit_events(ws, 1000).await.unwrap().len(), before, "nothing recorded");

        // The log through the API: newest first, filtered, paged.
        let audit = format!("/workspaces/{ws}/audit-events");
        let (status, body) = server.get(&audit, &admin).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let all = body["items"].as_array().unwrap().clone();
        assert_eq!(all[0]["action"], "token.created", "the manager's token, made last");
        assert_eq!(all[0]["target"]["label"], "manager");
        let (_, body) = server.get(&format!("{audit}?action=workspace"), &admin).await;
        let renamed = &body["items"][0];
        assert_eq!(renamed["action"], "workspace.settings_changed", "{body}");
        assert_eq!(renamed["actor"], json!({"kind": "token", "id": admin_id, "label": "robot"}));
        assert_eq!(renamed["changes"]["name"], json!({"from": "Acme", "to": "Acme Labs"}));
        assert!(renamed["at"].as_str().unwrap().ends_with('Z'));
        let (_, body) = server.get(&format!("{audit}?action=member"), &admin).await;
        let actions: Vec<_> = body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
        assert_eq!(actions, ["member.removed", "member.role_changed", "member.invitation_accepted", "member.invited"]);
        let (_, body) = server.get(&format!("{audit}?actor=LEAV&action=token.revoked"), &admin).await;
        assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
        assert_eq!(body["items"][0]["target"]["id"], json!(leaver_id));
        let (_, body) = server.get(&format!("{audit}?target={leaver_id}"), &admin).await;
        assert!(body["items"].as_array().unwrap().iter().all(|e| e["target"]["id"] == json!(leaver_id)), "{body}");
        assert!(!body["items"].as_array().unwrap().is_empty());
        let (_, body) = server.get(&format!("{audit}?until=2000-01-01T00:00:00Z"), &admin).await;
        assert_eq!(body["items"], json!([]));
        // Pages of two walk the whole log, in order, without repeats.
        let mut walked = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let after = next.map(|n| format!("&after={n}")).unwrap_or_default();
            let (status, body) = server.get(&format!("{audit}?limit=2{after}"), &admin).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            walked.extend(body["items"].as_array().unwrap().iter().map(|e| e["id"].clone()));
            next = body["next"].as_str().map(str::to_owned);
            if next.is_none() {
                break;
            }
        }
        let ids: Vec<_> = all.iter().map(|e| e["id"].clone()).collect();
        assert_eq!(walked, ids);

        // Bad filters say what is wrong; only Administrators and Owners with audit:read read it.
        for (query, field) in [("action=token.exploded", "action"), ("since=yesterday", "since"), ("after=junk", "after"), ("limit=0", "limit"), ("colour=red", "query")] {
            let (status, body) = server.get(&format!("{audit}?{query}"), &admin).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
            assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
        }
        let (status, body) = server.get(&audit, &manager).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (_, narrow) = world.token(db, ws, "narrow admin", Role::Administrator, Some(&[ApiPermission::TokensRead])).await;
        let (status, body) = server.get(&audit, &narrow).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("audit:read"), "{body}");
        let (_, elsewhere) = world.token(db, world.other_workspace, "elsewhere", Role::Owner, None).await;
        let (status, _) = server.get(&audit, &elsewhere).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        test.remove().await;
    }

    async fn a_patch_is_one_change_recorded_once_with_every_field_and_times_as_times(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let ws = world.workspace;
        let (_, admin) = world.token(db, ws, "robot", Role::Administrator, None).await;
        let (token_id, _) = world.token(db, ws, "multi", Role::Viewer, None).await;
        let path = format!("/workspaces/{ws}/tokens/{token_id}");
        let records = async || db.audit_events(ws, 1000).await.unwrap();
        let before = records().await.len();

        // Everything at once: one answer, one record naming every field, times as times.
        let all = json!({
            "label": "multi-2",
            "scope": "team_member",
            "permissions": ["tokens:read"],
            "expires_at": "2030-01-01T00:00:00Z",
            "enabled": false,
        });
        let (status, _, body) = server.call(Method::PATCH, &path, &admin, Some(all.clone())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!((body["label"].as_str(), body["status"].as_str()), (Some("multi-2"), Some("disabled")));
        let after = records().await;
        assert_eq!(after.len(), before + 1, "one record for one request");
        let record = &after[0];
        assert_eq!(record.action, "token.edited");
        let changes: Value = serde_json::from_str(record.changes.as_deref().unwrap()).unwrap();
        assert_eq!(changes["label"], json!({"from": "multi", "to": "multi-2"}));
        assert_eq!(changes["scope"], json!({"from": "viewer", "to": "team_member"}));
        assert_eq!(changes["permissions"], json!({"from": null, "to": ["tokens:read"]}));
        assert_eq!(changes["expires_at"], json!({"from": null, "to": "2030-01-01T00:00:00Z"}));
        assert_eq!(changes["enabled"], json!({"from": true, "to": false}));

        // Asking for what already is changes nothing and records nothing.
        for same in [json!({}), all, json!({"label": "multi-2", "enabled": false})] {
            let (status, _, body) = server.call(Method::PATCH, &path, &admin, Some(same.clone())).await;
            assert_eq!(status, StatusCode::OK, "{same}: {body}");
            assert_eq!(records().await.len(), before + 1, "{same} recorded something");
        }
        // A refused part refuses the whole request: nothing of it is kept.
        let (_, manager) = world.token(db, ws, "manager", Role::WorkspaceManager, None).await;
        let before = records().await.len();
        let (status, _, body) = server.call(Method::PATCH, &path, &manager, Some(json!({"label": "sneaky", "enabled": true}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (_, body) = server.get(&path, &admin).await;
        assert_eq!((body["label"].as_str(), body["status"].as_str()), (Some("multi-2"), Some("disabled")));
        // Only the manager's own token was added meanwhile.
        assert_eq!(records().await.len(), before);
        test.remove().await;
    }

    async fn introspection_reports_reasons_for_its_own_workspace_only(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let ws = world.workspace;
        let (_, verifier) = world.token(db, ws, "verifier", Role::Viewer, Some(&[ApiPermission::Introspect])).await;
        let (_, reader) = world.token(db, ws, "reader", Role::Owner, Some(&[ApiPermission::TokensRead])).await;
        let expiry = now_ms() + DAY;
        let (_, valid) = world.token_at(db, ws, "valid", Role::TeamMember, Some(&[ApiPermission::TokensRead, ApiPermission::MembersRead]), Some(expiry), now_ms()).await;
        let (disabled_id, disabled) = world.token(db, ws, "disabled", Role::Viewer, None).await;
        tokens::update(&support::acting(db, &keys(), &world.owner, &RequestMeta::default(), now_ms()), ws, disabled_id, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();
        let past = now_ms() - 2 * DAY;
        let (_, expired) = world.token_at(db, ws, "expired", Role::Viewer, None, Some(past + DAY), past).await;
        let (_, foreign) = world.token(db, world.other_workspace, "foreign", Role::Owner, None).await;

        let introspect = |token: String| {
            let server = &server;
            let verifier = verifier.clone();
            async move {
                let (status, _, body) = server.call(Method::POST, "/introspect", &verifier, Some(json!({ "token": token }))).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                body
            }
        };
        let body = introspect(valid).await;
        assert_eq!(body["active"], true);
        assert_eq!(body["reason"], "VALID");
        assert_eq!(body["workspace"], ws.to_string());
        assert_eq!(body["scope"], "team_member");
        assert_eq!(body["permissions"], json!(["tokens:read", "members:read"]));
        assert!(body["expires_at"].is_string());
        for (token, reason) in [(disabled, "DISABLED"), (expired, "EXPIRED"), (foreign, "NOT_FOUND"), ("tsr_nope".to_owned(), "MALFORMED"), (tessera::server::secrets::new_token_secret().expose().to_owned(), "NOT_FOUND")] {
            let body = introspect(token).await;
            assert_eq!(body["active"], false, "{reason}");
            assert_eq!(body["reason"], reason);
            assert!(body.get("scope").is_none(), "nothing described for {reason}");
        }
        let (status, _, body) = server.call(Method::POST, "/introspect", &reader, Some(json!({"token": "x"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["detail"], "This token lacks the introspect permission.");
        test.remove().await;
    }

    async fn last_use_is_recorded_in_memory_and_written_on_flush(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let ws = world.workspace;
        let (id, secret) = world.token(db, ws, "busy", Role::Viewer, None).await;
        for _ in 0..5 {
            let response = server.client.get(format!("{}/access-token", server.base))
                .bearer_auth(&secret).header("user-agent", "deploy-bot/1.0").send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
        // Five requests, no write yet: one pending entry for the token.
        assert!(db.token(ws, id).await.unwrap().unwrap().last_used_at.is_none());
        assert_eq!(server.state.last_used.pending(), 1);
        assert_eq!(server.state.last_used.flush(db).await.unwrap(), 1);
        let row = db.token(ws, id).await.unwrap().unwrap();
        assert!(row.last_used_at.is_some());
        assert_eq!(row.last_used_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(row.last_used_user_agent.as_deref(), Some("deploy-bot/1.0"));
        assert_eq!(row.last_used_method.as_deref(), Some("GET"));
        assert_eq!(row.last_used_path.as_deref(), Some("/api/v1/access-token"));
        let (_, body) = server.get(&format!("/workspaces/{ws}/tokens/{id}"), &secret).await;
        assert_eq!(body["last_used_ip"], "127.0.0.1");
        // The token describes itself with the use just written (its cached copy moved on).
        let (_, body) = server.get("/access-token", &secret).await;
        let written = tessera::server::api::json::rfc3339(row.last_used_at.unwrap());
        assert_eq!(body["last_used_at"], json!(written), "{body}");

        // The server's own flusher, every second here (30 s by default), writes the next use.
        let flusher = tokio::spawn(tessera::server::jobs::last_used::flush_periodically(
            server.state.last_used.clone(), db.clone(), std::time::Duration::from_secs(1),
            std::future::pending()));
        let response = server.client.get(format!("{}/workspaces/{ws}", server.base))
            .bearer_auth(&secret).header("user-agent", "nightly-job/2.0").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let mut row = db.token(ws, id).await.unwrap().unwrap();
        for _ in 0..100 {
            if row.last_used_user_agent.as_deref() == Some("nightly-job/2.0") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            row = db.token(ws, id).await.unwrap().unwrap();
        }
        flusher.abort();
        assert_eq!(row.last_used_user_agent.as_deref(), Some("nightly-job/2.0"));
        assert_eq!(row.last_used_path.as_deref(), Some(format!("/api/v1/workspaces/{ws}").as_str()));
        test.remove().await;
    }
}

/// A small JSON Schema check (the subset utoipa emits): types, required and known
/// properties, items, `$ref`, `oneOf`/`allOf`. Returns what does not match.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return conforms(
            doc,
            &doc["components"]["schemas"][name],
            value,
            at,
            problems,
        );
    }
    if let Some(options) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        let fits = options.iter().any(|option| {
            let mut inner = Vec::new();
            conforms(doc, option, value, at, &mut inner);
            inner.is_empty()
        });
        if !fits {
            problems.push(format!("{at}: {value} matches none of {schema}"));
        }
        return;
    }
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            conforms(doc, part, value, at, problems);
        }
        return;
    }
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let fits = allowed.is_empty()
        || allowed.contains(&kind)
        || (kind == "integer" && allowed.contains(&"number"));
    if !fits {
        problems.push(format!("{at}: a {kind}, the document says {allowed:?}"));
        return;
    }
    if let Some(choices) = schema["enum"].as_array()
        && !choices.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {choices:?}"));
    }
    match value {
        Value::Object(fields) => {
            for required in schema["required"].as_array().into_iter().flatten() {
                let name = required.as_str().unwrap();
                if !fields.contains_key(name) {
                    problems.push(format!("{at}: required `{name}` is missing"));
                }
            }
            for (name, field) in fields {
                match schema["properties"].get(name) {
                    Some(property) => {
                        conforms(doc, property, field, &format!("{at}.{name}"), problems)
                    }
                    None => problems.push(format!("{at}: `{name}` is not in the document")),
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                conforms(
                    doc,
                    &schema["items"],
                    item,
                    &format!("{at}[{index}]"),
                    problems,
                );
            }
        }
        _ => {}
    }
}

mod contract {
    use super::*;

    on_both_engines! {
        async fn the_openapi_document_is_served_and_matches_what_the_server_answers(test: TestDb) {
            let db = &test.db;
            let world = world(db).await;
            let server = Server::start(db).await;
            let ws = world.workspace;
            let response = server.client.get(format!("{}/openapi.json", server.base)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let doc: Value = response.json().await.unwrap();
            assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
            assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
            for (path, methods) in [
                ("/access-token", &["get", "delete"][..]),
                ("/workspaces/{workspace}", &["get"]),
                ("/workspaces/{workspace}/tokens", &["get", "post"]),
                ("/workspaces/{workspace}/tokens/{token}", &["get", "patch", "delete"]),
                ("/workspaces/{workspace}/tokens/revoke", &["post"]),
                ("/workspaces/{workspace}/members", &["get", "post"]),
                ("/workspaces/{workspace}/members/{user}", &["patch", "delete"]),
                ("/introspect", &["post"]),
            ] {
                for method in methods {
                    assert!(doc["paths"][path][method].is_object(), "{method} {path} is not documented");
                }
            }

            let (_, admin) = world.token(db, ws, "admin", Role::Administrator, None).await;
            let (token_id, _) = world.token_at(db, ws, "expiring", Role::Viewer, Some(&[ApiPermission::Introspect]), Some(now_ms() + DAY), now_ms()).await;
            let check = |doc: &Value, path: &str, method: &str, code: u16, content_type: &str, body: &Value| {
                let schema = &doc["paths"][path][method]["responses"][code.to_string()]["content"][content_type]["schema"];
                assert!(schema.is_object(), "{method} {path} {code} has no {content_type} schema");
                let mut problems = Vec::new();
                conforms(doc, schema, body, "body", &mut problems);
                assert!(problems.is_empty(), "{method} {path} {code}: {problems:#?}\n{body}");
            };
            let (_, body) = server.get("/access-token", &admin).await;
            check(&doc, "/access-token", "get", 200, "application/json", &body);
            let (_, body) = server.get(&format!("/workspaces/{ws}/tokens"), &admin).await;
            check(&doc, "/workspaces/{workspace}/tokens", "get", 200, "application/json", &body);
            let (_, body) = server.get(&format!("/workspaces/{ws}/tokens/{token_id}"), &admin).await;
            check(&doc, "/workspaces/{workspace}/tokens/{token}", "get", 200, "application/json", &body);
            let (status, _, body) = server.call(Method::POST, &format!("/workspaces/{ws}/tokens"), &admin, Some(json!({"label": "n", "scope": "viewer", "permissions": ["introspect"]}))).await;
            assert_eq!(status, StatusCode::CREATED);
            check(&doc, "/workspaces/{workspace}/tokens", "post", 201, "application/json", &body);
            let (status, _, body) = server.call(Method::POST, &format!("/workspaces/{ws}/tokens"), &admin, Some(json!({"label": "", "scope": "viewer"}))).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            check(&doc, "/workspaces/{workspace}/tokens", "post", 422, "application/problem+json", &body);
            let (_, body) = server.get(&format!("/workspaces/{ws}/members"), &admin).await;
            check(&doc, "/workspaces/{workspace}/members", "get", 200, "application/json", &body);
            let (_, body) = server.get(&format!("/workspaces/{ws}"), &admin).await;
            check(&doc, "/workspaces/{workspace}", "get", 200, "application/json", &body);
            let (status, _, body) = server.call(Method::POST, &format!("/workspaces/{ws}/tokens/revoke"), &admin, Some(json!({"ids": [token_id], "action": "delete", "dry_run": true}))).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            check(&doc, "/workspaces/{workspace}/tokens/revoke", "post", 200, "application/json", &body);
            let (_, body) = server.get("/access-token", "tsr_bad").await;
            check(&doc, "/access-token", "get", 401, "application/problem+json", &body);
        // The checker itself catches a wrong type, a missing field and an unknown one.
        let mut problems = Vec::new();
        let wrong = json!({ "id": 5, "extra": true });
        conforms(&doc, &doc["components"]["schemas"]["TokenJson"], &wrong, "body", &mut problems);
        assert!(problems.iter().any(|p| p.contains("body.id")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("`extra`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("required `label`")), "{problems:?}");
            test.remove().await;
        }
    }
}

/// Who made a token is always true: a token made through the API by another token names
/// both that token and the person behind it.
mod ownership {
    use super::*;

    on_both_engines! {
        async fn a_token_made_by_a_token_names_the_token_and_the_person_behind_it(test: TestDb) {
            let db = &test.db;
            let world = world(db).await;
            let server = Server::start(db).await;
            let ws = world.workspace;
            let (maker, secret) = world.token(db, ws, "deployer", Role::Administrator, None).await;
            let (status, _, made) = server
                .call(Method::POST, &format!("/workspaces/{ws}/tokens"), &secret, Some(json!({"label": "child", "scope": "viewer"})))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{made}");
            assert_eq!(made["token"]["created_by"], "Owner (through the token “deployer”)");
            assert_eq!(made["token"]["created_by_token"], "deployer");
            // The record names the token as the actor and the person behind it.
            let child: Uuid = made["token"]["id"].as_str().unwrap().parse().unwrap();
            let sql = "SELECT actor_kind, actor_token_id, actor_user_id FROM audit_events
                       WHERE action = 'token.created' AND target_id = $1";
            let (kind, token, person): (String, Option<Uuid>, Option<Uuid>) = tessera::on_pool!(db, pool =>
                sqlx::query_as(sql).bind(child).fetch_one(pool).await.unwrap());
            assert_eq!((kind.as_str(), token, person), ("token", Some(maker), Some(world.owner.id)));
            // The person behind it leaving does not erase that a token made it.
            tessera::on_pool!(db, pool => sqlx::query("UPDATE access_tokens SET created_by = NULL WHERE id = $1")
                .bind(child).execute(pool).await.map(|d| d.rows_affected()).unwrap());
            let (_, listed) = server.get(&format!("/workspaces/{ws}/tokens/{child}"), &secret).await;
            assert_eq!(listed["created_by"], "the token “deployer”");
            test.remove().await;
        }
    }
}

/// `POST /workspaces/{ws}/tokens/revoke`: the contract over HTTP (the rules themselves are
/// in `bulk_revoke.rs`).
mod bulk_revoke {
    use super::*;

    on_both_engines! {
        async fn tokens_are_revoked_in_bulk_and_a_cached_one_is_refused_at_once(test: TestDb) {
            let db = &test.db;
            let world = world(db).await;
            let server = Server::start(db).await;
            let ws = world.workspace;
            let path = format!("/workspaces/{ws}/tokens/revoke");
            let (_, admin) = world.token(db, ws, "admin", Role::Administrator, None).await;
            let (a, a_secret) = world.token(db, ws, "a", Role::Viewer, None).await;
            let (b, _) = world.token(db, ws, "b", Role::Owner, None).await;
            let (c, _) = world.token(db, ws, "c", Role::Viewer, None).await;
            // a is in this instance's memory before it is disabled.
            assert_eq!(server.get("/access-token", &a_secret).await.0, StatusCode::OK);

            let (status, _, body) = server.call(Method::POST, &path, &admin, Some(json!({"ids": [a, b], "action": "disable"}))).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["action"], "disable");
            assert_eq!(body["dry_run"], false);
            assert_eq!(body["count"], 2);
            assert_eq!(body["tokens"], json!([{"id": a, "label": "a"}, {"id": b, "label": "b"}]));
            let (status, headers, body) = server.call(Method::GET, "/access-token", &a_secret, None).await;
            assert_invalid_token(status, &headers, &body, "bulk-disabled while cached");

            // By criteria, as a dry run: counted, nothing deleted.
            let (status, _, body) = server.call(Method::POST, &path, &admin, Some(json!({
                "unused_since": "2999-01-01T00:00:00Z", "scope": "viewer", "action": "delete", "dry_run": true
            }))).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!((body["count"].clone(), body["dry_run"].clone()), (json!(2), json!(true)), "{body}");
            assert!(db.token(ws, a).await.unwrap().is_some() && db.token(ws, c).await.unwrap().is_some());
            let (status, _, body) = server.call(Method::POST, &path, &admin, Some(json!({"ids": [c], "action": "delete"}))).await;
            assert_eq!((status, body["count"].clone()), (StatusCode::OK, json!(1)), "{body}");
            assert!(db.token(ws, c).await.unwrap().is_none());
            let bulk = db.audit_events(ws, 100).await.unwrap().into_iter().filter(|e| e.action.starts_with("token.bulk_")).count();
            assert_eq!(bulk, 2, "one record per request that changed something");
            test.remove().await;
        }

        async fn a_bulk_revocation_is_refused_whole(test: TestDb) {
            let db = &test.db;
            let world = world(db).await;
            let server = Server::start(db).await;
            let ws = world.workspace;
            let path = format!("/workspaces/{ws}/tokens/revoke");
            let (_, admin) = world.token(db, ws, "admin", Role::Administrator, None).await;
            let (_, reader) = world.token(db, ws, "reader", Role::Owner, Some(&[ApiPermission::TokensRead])).await;
            let (_, manager) = world.token(db, ws, "manager", Role::WorkspaceManager, None).await;
            let (mine, _) = world.token(db, ws, "mine", Role::Viewer, None).await;
            let (theirs, _) = world.token(db, world.other_workspace, "theirs", Role::Viewer, None).await;
            let before = db.audit_events(ws, 1000).await.unwrap().len();

            let too_many: Vec<Uuid> = (0..1001).map(|_| Uuid::now_v7()).collect();
            for (case, body, field) in [
                ("neither ids nor criteria", json!({"action": "disable"}), "ids"),
                ("ids and criteria", json!({"ids": [mine], "scope": "viewer", "action": "disable"}), "ids"),
                ("no ids", json!({"ids": [], "action": "delete"}), "ids"),
                ("over the cap", json!({"ids": too_many, "action": "delete"}), "ids"),
                ("no action", json!({"ids": [mine]}), "action"),
                ("an unknown action", json!({"ids": [mine], "action": "explode"}), "action"),
                ("an unknown field", json!({"ids": [mine], "action": "delete", "force": true}), "force"),
                ("a time that is not one", json!({"unused_since": "last week", "action": "delete"}), "unused_since"),
            ] {
                let (status, headers, body) = server.call(Method::POST, &path, &admin, Some(body)).await;
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {body}");
                assert_eq!(headers["content-type"], "application/problem+json", "{case}");
                assert_eq!(body["errors"][0]["field"], field, "{case}: {body}");
            }

            // Another workspace's token beside one of this workspace's: 404, nothing changed.
            let (status, _, body) = server.call(Method::POST, &path, &admin, Some(json!({"ids": [mine, theirs], "action": "delete"}))).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
            assert!(body["detail"].as_str().unwrap().contains("Nothing was changed"), "{body}");
            assert!(db.token(world.other_workspace, theirs).await.unwrap().is_some());
            // Without tokens:write, or with a scope that may not disable: 403.
            let (status, _, body) = server.call(Method::POST, &path, &reader, Some(json!({"ids": [mine], "action": "delete"}))).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert_eq!(body["detail"], "This token lacks the tokens:write permission.");
            let (status, _, body) = server.call(Method::POST, &path, &manager, Some(json!({"scope": "viewer", "action": "disable"}))).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            // Another workspace's path is not found at all.
            let elsewhere = format!("/workspaces/{}/tokens/revoke", world.other_workspace);
            let (status, _, _) = server.call(Method::POST, &elsewhere, &admin, Some(json!({"ids": [theirs], "action": "delete"}))).await;
            assert_eq!(status, StatusCode::NOT_FOUND);

            assert!(db.tokens(ws).await.unwrap().iter().all(|t| t.disabled_at.is_none()));
            assert_eq!(db.tokens(ws).await.unwrap().len(), 4);
            assert_eq!(db.audit_events(ws, 1000).await.unwrap().len(), before);
            test.remove().await;
        }
    }
}

/// The tokens' cache: every change takes effect on the very next request, in this instance
/// at once and in another instance as soon as PostgreSQL delivers the notification.
mod cache {
    use super::*;

    async fn self_label(server: &Server, secret: &str) -> (StatusCode, Value) {
        let (status, body) = server.get("/access-token", secret).await;
        (status, body["label"].clone())
    }

    on_both_engines! {
        async fn a_cached_token_is_refused_on_the_very_next_request_after_a_change(test: TestDb) {
            let db = &test.db;
            let world = world(db).await;
            let server = Server::start(db).await;
            let ws = world.workspace;
            let (id, secret) = world.token(db, ws, "deploy", Role::TeamMember, None).await;
            let meta = RequestMeta::default();

            assert_eq!(self_label(&server, &secret).await, (StatusCode::OK, json!("deploy")));
            assert_eq!(db.token_cache().len(), 1, "a presented token is kept in memory");

            tokens::update(&support::acting(db, &keys(), &world.owner, &meta, now_ms()), ws, id, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();
            let (status, headers, body) = server.call(Method::GET, "/access-token", &secret, None).await;
            assert_invalid_token(status, &headers, &body, "disabled while cached");

            tokens::update(&support::acting(db, &keys(), &world.owner, &meta, now_ms()), ws, id, tokens::TokenPatch { enabled: Some(true), ..Default::default() }).await.unwrap();
            assert_eq!(self_label(&server, &secret).await, (StatusCode::OK, json!("deploy")));

            let input = TokenInput { label: "deploy-2".into(), scope: Role::Viewer, permissions: None, expires_at: None, allowed_ips: None, rate_limit: Default::default() };
            tokens::update(&support::acting(db, &keys(), &world.owner, &meta, now_ms()), ws, id, input.into()).await.unwrap();
            let (status, body) = server.get("/access-token", &secret).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!((body["label"].clone(), body["scope"].clone()), (json!("deploy-2"), json!("viewer")));

            tokens::delete(&support::acting(db, &keys(), &world.owner, &meta, now_ms()), ws, id).await.unwrap();
            let (status, headers, body) = server.call(Method::GET, "/access-token", &secret, None).await;
            assert_invalid_token(status, &headers, &body, "deleted while cached");
            assert_eq!(db.token_cache().len(), 0);
            drop(server);
            test.remove().await;
        }
    }

    /// A bulk revocation announces every token it changed, as single writes do.
    #[tokio::test]
    async fn another_instance_drops_every_token_revoked_here_in_bulk() {
        use tessera::{
            domain::revoke::{RevokeAction, RevokeRequest, Selection},
            server::services::bulk_revoke,
        };
        let test = support::TestDb::postgres().await;
        let here = &test.db;
        let there = Db::connect(&test.url).await.unwrap();
        let world = world(here).await;
        let ws = world.workspace;
        let (a, a_secret) = world.token(here, ws, "a", Role::Viewer, None).await;
        let (b, b_secret) = world.token(here, ws, "b", Role::Viewer, None).await;
        let server = Server::start(&there).await;
        for secret in [&a_secret, &b_secret] {
            assert_eq!(server.get("/access-token", secret).await.0, StatusCode::OK);
        }
        assert_eq!(there.token_cache().len(), 2);

        let request = RevokeRequest {
            selection: Selection::ids(vec![a, b]).unwrap(),
            action: RevokeAction::Disable,
            dry_run: false,
        };
        let by_owner = support::acting(
            here,
            &keys(),
            &world.owner,
            &RequestMeta::default(),
            now_ms(),
        );
        bulk_revoke::revoke(&by_owner, ws, request).await.unwrap();
        let mut waited = 0;
        while !there.token_cache().is_empty() && waited < 5_000 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            waited += 5;
        }
        for (case, secret) in [("a", &a_secret), ("b", &b_secret)] {
            let (status, headers, body) = server
                .call(Method::GET, "/access-token", secret, None)
                .await;
            assert_invalid_token(status, &headers, &body, case);
        }
        drop(server);
        there.close().await;
        test.remove().await;
    }

    /// Two instances on one PostgreSQL database, each with its own cache.
    #[tokio::test]
    async fn another_instance_drops_a_token_changed_here() {
        let test = support::TestDb::postgres().await;
        let here = &test.db;
        let there = Db::connect(&test.url).await.unwrap();
        let world = world(here).await;
        let ws = world.workspace;
        let (id, secret) = world.token(here, ws, "shared", Role::Viewer, None).await;
        let server = Server::start(&there).await;
        let meta = RequestMeta::default();
        assert_eq!(
            self_label(&server, &secret).await,
            (StatusCode::OK, json!("shared"))
        );
        assert_eq!(there.token_cache().len(), 1);

        // Disabled through this instance: the other one hears of it when the change commits.
        tokens::update(
            &support::acting(here, &keys(), &world.owner, &meta, now_ms()),
            ws,
            id,
            tokens::TokenPatch {
                enabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        until_heard(&there).await;
        let (status, headers, body) = server
            .call(Method::GET, "/access-token", &secret, None)
            .await;
        assert_invalid_token(status, &headers, &body, "disabled by another instance");

        tokens::update(
            &support::acting(here, &keys(), &world.owner, &meta, now_ms()),
            ws,
            id,
            tokens::TokenPatch {
                enabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        // The notification travels on its own connection: wait for it.
        until_heard(&there).await;
        assert_eq!(
            self_label(&server, &secret).await,
            (StatusCode::OK, json!("shared"))
        );

        // While the other instance cannot listen, it trusts nothing it cached.
        there.token_cache().reset(false);
        tokens::delete(
            &support::acting(here, &keys(), &world.owner, &meta, now_ms()),
            ws,
            id,
        )
        .await
        .unwrap();
        let (status, headers, body) = server
            .call(Method::GET, "/access-token", &secret, None)
            .await;
        assert_invalid_token(
            status,
            &headers,
            &body,
            "deleted while the listener was down",
        );

        drop(server);
        there.close().await;
        test.remove().await;
    }
}

/// Waits (up to 5 s) until `db`'s instance has dropped every cached token, as it does when
/// another instance's change reaches it.
async fn until_heard(db: &tessera::server::store::Db) {
    let mut waited = 0;
    while !db.token_cache().is_empty() && waited < 5_000 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        waited += 5;
    }
}
