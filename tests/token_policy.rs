//! A workspace's token policy over real HTTP, on SQLite and PostgreSQL: who may set it and
//! how bad settings are refused, the maximum lifetime (new tokens within it, older ones
//! flagged and refused from the grace date, rotation as the way back), the highest scope,
//! and secrets shown once.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{ApiServer, api_keys as keys};
use tessera::{
    domain::{error::AppError, role::Role, time::DAY_MS},
    model::{CurrentUser, TokenInput},
    server::{
        context::Ctx,
        services::{Principal, RequestMeta, now_ms, tokens},
        store::Db,
    },
};
use uuid::Uuid;

fn acting(db: &Db, user: &CurrentUser) -> Ctx {
    support::acting(
        db,
        &keys(),
        Principal::User(user.clone()),
        &RequestMeta::default(),
        now_ms(),
    )
}

/// The Owner of Acme, an Owner-scoped and an Administrator-scoped token of Acme, served.
struct Acme {
    owner: CurrentUser,
    ws: Uuid,
    owners: String,
    admins: String,
    site: ApiServer,
}

async fn acme(db: &Db) -> Acme {
    let (owner, ws) =
        support::set_up(db, &keys(), "Olive", &RequestMeta::default(), now_ms()).await;
    let by = acting(db, &owner);
    let (_, owners) = support::mint(&by, ws, "owner", Role::Owner, None, None).await;
    let (_, admins) = support::mint(&by, ws, "admin", Role::Administrator, None, None).await;
    let site = ApiServer::start(db).await;
    Acme {
        owner,
        ws,
        owners,
        admins,
        site,
    }
}

impl Acme {
    async fn patch(&self, token: &str, body: Value) -> (StatusCode, Value) {
        let (status, _, body) = self
            .site
            .call(
                Method::PATCH,
                &format!("/workspaces/{}", self.ws),
                token,
                Some(body),
            )
            .await;
        (status, body)
    }

    async fn create(&self, token: &str, body: Value) -> (StatusCode, Value) {
        let (status, _, body) = self
            .site
            .call(
                Method::POST,
                &format!("/workspaces/{}/tokens", self.ws),
                token,
                Some(body),
            )
            .await;
        (status, body)
    }
}

fn rfc3339(ms: i64) -> String {
    tessera::server::clock::rfc3339(ms)
}

fn ms(value: &Value) -> i64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"));
    tessera::server::api::json::parse_rfc3339("time", text).unwrap()
}

async fn policy_changes(db: &Db, a: &Acme) -> usize {
    let log =
        tessera::server::services::audit::page(&acting(db, &a.owner), a.ws, &Default::default())
            .await
            .unwrap();
    log.entries
        .iter()
        .filter(|e| e.action == "workspace.token_policy_changed")
        .count()
}

on_both_engines! {
    async fn only_owners_set_the_policy_and_bad_settings_change_nothing(test: TestDb) {
        let db = &test.db;
        let a = acme(db).await;
        let (status, before) = a.site.get(&format!("/workspaces/{}", a.ws), &a.admins).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(before["token_policy"], json!({
            "approve_personal_tokens": false, "secret_shown_once": false,
            "max_token_lifetime_days": null, "token_lifetime_grace_until": null, "max_token_scope": null,
        }));

        // An Administrator may rename, not set the policy.
        let (status, body) = a.patch(&a.admins, json!({"secret_shown_once": true})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("Owners"), "{body}");

        // Bad settings: a clear field error each, and nothing changes (not even the name).
        for (bad, field) in [
            (json!({"max_token_lifetime_days": 0}), "max_token_lifetime_days"),
            (json!({"max_token_lifetime_days": 3651}), "max_token_lifetime_days"),
            (json!({"token_lifetime_grace_until": rfc3339(now_ms())}), "token_lifetime_grace_until"),
            (json!({"name": "Renamed", "max_token_lifetime_days": -5}), "max_token_lifetime_days"),
            (json!({"token_lifetime_grace_until": "next week", "max_token_lifetime_days": 9}), "token_lifetime_grace_until"),
            (json!({}), "name"),
        ] {
            let (status, body) = a.patch(&a.owners, bad.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad} {body}");
            assert_eq!(body["errors"][0]["field"], field, "{bad} {body}");
        }
        let (status, body) = a.patch(&a.owners, json!({"max_token_scope": "emperor"})).await;
        assert!(status.is_client_error(), "{body}");
        let (_, after) = a.site.get(&format!("/workspaces/{}", a.ws), &a.admins).await;
        assert_eq!(after, before);

        // The Owner sets it all; a limit without a grace date gets 30 days.
        let asked_at = now_ms();
        let (status, body) = a.patch(&a.owners, json!({
            "approve_personal_tokens": true, "secret_shown_once": true,
            "max_token_lifetime_days": 90, "max_token_scope": "workspace_manager",
        })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let policy = &body["token_policy"];
        assert_eq!((policy["max_token_lifetime_days"].clone(), policy["max_token_scope"].clone()), (json!(90), json!("workspace_manager")));
        let grace = ms(&policy["token_lifetime_grace_until"]);
        assert!((asked_at + 30 * DAY_MS - 1000..=now_ms() + 30 * DAY_MS).contains(&grace));
        // Recorded once; setting what is already set records nothing more.
        assert_eq!(policy_changes(db, &a).await, 1);
        assert_eq!(a.patch(&a.owners, json!({"secret_shown_once": true})).await.0, StatusCode::OK);
        assert_eq!(policy_changes(db, &a).await, 1);
        test.remove().await;
    }

    async fn new_tokens_expire_within_the_limit_and_older_ones_are_refused_from_the_grace_date(test: TestDb) {
        let db = &test.db;
        let a = acme(db).await;
        let ws = a.ws;
        // Made before the limit: no expiry.
        let (old_id, old) = support::mint(&acting(db, &a.owner), ws, "old", Role::Viewer, None, None).await;
        let (_, verifier) = support::mint(&acting(db, &a.owner), ws, "verifier", Role::Viewer, Some(&[tessera::domain::api_permission::ApiPermission::Introspect]), Some(now_ms() + 10 * DAY_MS)).await;
        let grace = now_ms() + DAY_MS;
        let (status, body) = a.patch(&a.owners, json!({"max_token_lifetime_days": 30, "token_lifetime_grace_until": rfc3339(grace)})).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // New tokens: an expiry within 30 days, nothing else.
        for expires in [None, Some(now_ms() + 31 * DAY_MS)] {
            let (status, body) = a.create(&a.owners, json!({"label": "new", "scope": "viewer", "expires_at": expires.map(rfc3339)})).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(body["errors"][0]["field"], "expires_at");
            assert!(body["errors"][0]["message"].as_str().unwrap().contains("within 30 days"), "{body}");
        }
        let (status, body) = a.create(&a.owners, json!({"label": "new", "scope": "viewer", "expires_at": rfc3339(now_ms() + 29 * DAY_MS)})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["token"]["over_policy_from"], Value::Null);
        // An edit that sets a longer expiry is refused; one that keeps it is not.
        let path = format!("/workspaces/{ws}/tokens/{old_id}");
        let (status, _, body) = a.site.call(Method::PATCH, &path, &a.owners, Some(json!({"expires_at": rfc3339(now_ms() + 40 * DAY_MS)}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, _, body) = a.site.call(Method::PATCH, &path, &a.owners, Some(json!({"label": "older"}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // The old token is flagged, and works until the grace date.
        assert_eq!(ms(&body["over_policy_from"]), grace);
        assert_eq!(a.site.get(&format!("/workspaces/{ws}"), &old).await.0, StatusCode::OK);
        let introspect = |token: String| json!({"token": token});
        let (_, _, seen) = a.site.call(Method::POST, "/introspect", &verifier, Some(introspect(old.clone()))).await;
        assert_eq!(seen["reason"], "VALID");

        // The grace ends (the Owner sets it to now): refused with the reason, at once. The
        // Owner's own token has no expiry either: they go on with one within the limit.
        let (_, owners) = support::mint(&acting(db, &a.owner), ws, "owner, 20 days", Role::Owner, None, Some(now_ms() + 20 * DAY_MS)).await;
        let (status, _) = a.patch(&a.owners, json!({"token_lifetime_grace_until": rfc3339(now_ms() - 1000)})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = a.site.get(&format!("/workspaces/{ws}/tokens"), &old).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("maximum token lifetime of 30 days"), "{body}");
        let (_, _, seen) = a.site.call(Method::POST, "/introspect", &verifier, Some(introspect(old.clone()))).await;
        assert_eq!((seen["reason"].clone(), seen["active"].clone()), (json!("OVER_POLICY"), json!(false)));
        // A token within the limit goes on working; the Owner's old one is refused too.
        assert_eq!(a.site.get(&format!("/workspaces/{ws}"), &owners).await.0, StatusCode::OK);
        assert_eq!(a.site.get(&format!("/workspaces/{ws}"), &a.owners).await.0, StatusCode::FORBIDDEN);

        // Rotating is the way back: the successor expires within the limit and works.
        let (status, _, body) = a.site.call(Method::POST, "/access-token/rotate", &old, Some(json!({}))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let expires = ms(&body["token"]["expires_at"]);
        assert!(expires <= now_ms() + 30 * DAY_MS && expires > now_ms() + 29 * DAY_MS, "{body}");
        let successor = body["secret"].as_str().unwrap();
        assert_eq!(a.site.get(&format!("/workspaces/{ws}/tokens"), successor).await.0, StatusCode::OK);

        // Lifting the limit lets the rest through again.
        let (status, body) = a.patch(&owners, json!({"max_token_lifetime_days": null})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["token_policy"]["token_lifetime_grace_until"], Value::Null);
        assert_eq!(a.site.get(&format!("/workspaces/{ws}"), &a.owners).await.0, StatusCode::OK);
        test.remove().await;
    }

    async fn no_new_token_above_the_highest_scope(test: TestDb) {
        let db = &test.db;
        let a = acme(db).await;
        let (admin_id, _) = support::mint(&acting(db, &a.owner), a.ws, "deploy", Role::Administrator, None, None).await;
        let (viewer_id, _) = support::mint(&acting(db, &a.owner), a.ws, "viewer", Role::Viewer, None, None).await;
        assert_eq!(a.patch(&a.owners, json!({"max_token_scope": "workspace_manager"})).await.0, StatusCode::OK);

        let (status, body) = a.create(&a.owners, json!({"label": "x", "scope": "administrator"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "scope");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("Workspace Manager"), "{body}");
        assert_eq!(a.create(&a.owners, json!({"label": "x", "scope": "workspace_manager"})).await.0, StatusCode::CREATED);
        // Raising a token above it is refused; what exists keeps working and may be edited.
        let raise = format!("/workspaces/{}/tokens/{viewer_id}", a.ws);
        let (status, _, _) = a.site.call(Method::PATCH, &raise, &a.owners, Some(json!({"scope": "owner"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let rename = format!("/workspaces/{}/tokens/{admin_id}", a.ws);
        assert_eq!(a.site.call(Method::PATCH, &rename, &a.owners, Some(json!({"label": "deploy-old"}))).await.0, StatusCode::OK);
        // Rotating makes a new Administrator token: refused, saying why.
        let (status, _, body) = a.site.call(Method::POST, &format!("{rename}/rotate"), &a.owners, Some(json!({}))).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("up to the Workspace Manager scope"), "{body}");
        test.remove().await;
    }

    async fn where_secrets_are_shown_once_none_is_kept_and_none_copied(test: TestDb) {
        let db = &test.db;
        let a = acme(db).await;
        let (kept_id, _) = support::mint(&acting(db, &a.owner), a.ws, "kept", Role::Viewer, None, None).await;
        assert_eq!(a.patch(&a.owners, json!({"secret_shown_once": true})).await.0, StatusCode::OK);
        let input = TokenInput { label: "once".into(), scope: Role::Viewer, permissions: None, expires_at: None, allowed_ips: None, rate_limit: Default::default() };
        let by = acting(db, &a.owner);
        let made = tokens::create(&by, a.ws, input).await.unwrap();
        assert!(!made.token.may_copy, "no Copy button");
        assert!(made.secret.starts_with("tsr_"), "shown once");
        match tokens::copy(&by, a.ws, made.token.id).await {
            Err(AppError::Conflict(message)) | Err(AppError::Forbidden(message)) => assert!(message.contains("shown once"), "{message}"),
            other => panic!("{other:?}"),
        }
        let kept: Vec<(bool,)> = tessera::on_pool!(db, pool => sqlx::query_as(
            "SELECT sealed_secret IS NOT NULL FROM access_tokens WHERE id = $1 OR id = $2 ORDER BY created_at")
            .bind(kept_id).bind(made.token.id).fetch_all(pool).await.unwrap());
        assert_eq!(kept, [(true,), (false,)], "older tokens keep theirs");
        // A rotation of a token that kept its secret keeps none now.
        let rotate = format!("/workspaces/{}/tokens/{kept_id}/rotate", a.ws);
        let (status, _, body) = a.site.call(Method::POST, &rotate, &a.owners, Some(json!({}))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let successor: Uuid = body["token"]["id"].as_str().unwrap().parse().unwrap();
        let (kept,): (bool,) = tessera::on_pool!(db, pool => sqlx::query_as(
            "SELECT sealed_secret IS NOT NULL FROM access_tokens WHERE id = $1")
            .bind(successor).fetch_one(pool).await.unwrap());
        assert!(!kept);
        test.remove().await;
    }
}
