//! People's own tokens over real HTTP, on SQLite and PostgreSQL: one token for several of
//! its owner's workspaces, never above the owner's live role in each, gone from a workspace
//! the owner leaves or an Administrator takes away, and seen (never copied) by the
//! workspace's Administrators.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{ApiServer, api_keys as keys};
use tessera::{
    domain::{api_permission::ApiPermission, error::AppError, role::Role},
    model::{CurrentUser, GrantInput, PersonalTokenInput},
    server::{
        context::Ctx,
        services::{Principal, RequestMeta, now_ms, personal_tokens, workspaces},
        store::Db,
    },
};
use uuid::Uuid;

/// The Owner of Acme and Beta, Ada (Administrator in Acme, Team Member in Beta) and a
/// workspace Gamma Ada is not in.
struct People {
    owner: CurrentUser,
    ada: CurrentUser,
    acme: Uuid,
    beta: Uuid,
    gamma: Uuid,
}

async fn people(db: &Db) -> People {
    let meta = RequestMeta::default();
    let (owner, acme) = support::set_up(db, &keys(), "Olive", &meta, now_ms()).await;
    let as_owner = support::ctx(db, &keys(), owner.clone(), &meta, now_ms());
    let beta = workspaces::create(&as_owner, "Beta").await.unwrap().id;
    let gamma = workspaces::create(&as_owner, "Gamma").await.unwrap().id;
    let acting = as_owner.acting();
    let (ada, _) =
        support::join(&acting, acme, "ada@example.com", "Ada", Role::Administrator).await;
    invite_back(db, &owner, &ada, beta, Role::TeamMember).await;
    People {
        owner,
        ada,
        acme,
        beta,
        gamma,
    }
}

/// Invites `member`, who has an account already, into `workspace`, and they accept.
async fn invite_back(
    db: &Db,
    owner: &CurrentUser,
    member: &CurrentUser,
    workspace: Uuid,
    role: Role,
) {
    support::invite_existing(&acting(db, owner), workspace, member, role).await;
}

fn person(db: &Db, user: &CurrentUser) -> Ctx<CurrentUser> {
    support::ctx(db, &keys(), user.clone(), &RequestMeta::default(), now_ms())
}

fn acting(db: &Db, user: &CurrentUser) -> Ctx {
    support::acting(
        db,
        &keys(),
        Principal::User(user.clone()),
        &RequestMeta::default(),
        now_ms(),
    )
}

fn grant(workspace_id: Uuid, scope: Role) -> GrantInput {
    GrantInput {
        workspace_id,
        scope,
        permissions: None,
    }
}

/// Ada's token "laptop": Administrator in Acme, Team Member in Beta.
async fn adas_token(db: &Db, p: &People) -> (Uuid, String) {
    let input = PersonalTokenInput {
        label: "laptop".into(),
        expires_at: None,
        workspaces: vec![
            grant(p.acme, Role::Administrator),
            grant(p.beta, Role::TeamMember),
        ],
        allowed_ips: None,
        rate_limit: Default::default(),
    };
    let made = personal_tokens::create(&person(db, &p.ada), input)
        .await
        .unwrap();
    (made.token.id, made.secret)
}

fn field(error: AppError) -> String {
    match error {
        AppError::Invalid(field) => field.field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

on_both_engines! {
    async fn a_personal_token_acts_in_its_workspaces_and_nowhere_else(test: TestDb) {
        let db = &test.db;
        let p = people(db).await;
        let (_, secret) = adas_token(db, &p).await;
        let site = ApiServer::start(db).await;

        let (status, me) = site.get("/access-token", &secret).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["kind"], "personal");
        assert_eq!(me["workspace"], Value::Null);
        let places: Vec<(String, String)> = me["workspaces"].as_array().unwrap().iter()
            .map(|w| (w["name"].as_str().unwrap().into(), w["scope"].as_str().unwrap().into()))
            .collect();
        assert_eq!(places, [("Acme".into(), "administrator".into()), ("Beta".into(), "team_member".into())]);

        assert_eq!(site.get(&format!("/workspaces/{}/tokens", p.acme), &secret).await.0, StatusCode::OK);
        assert_eq!(site.get(&format!("/workspaces/{}/members", p.beta), &secret).await.0, StatusCode::OK);
        // A workspace it was not given, one its owner is not even in: as if it did not exist.
        assert_eq!(site.get(&format!("/workspaces/{}", p.gamma), &secret).await.0, StatusCode::NOT_FOUND);
        // As a Team Member in Beta it may not make tokens there; as an Administrator in Acme it may.
        let body = json!({"label": "ci", "scope": "viewer"});
        let made = |ws: Uuid| {
            let (site, secret, body) = (&site, &secret, body.clone());
            async move { site.call(Method::POST, &format!("/workspaces/{ws}/tokens"), secret, Some(body)).await.0 }
        };
        assert_eq!(made(p.beta).await, StatusCode::FORBIDDEN);
        assert_eq!(made(p.acme).await, StatusCode::CREATED);
        test.remove().await;
    }

    async fn demoting_the_owner_narrows_the_token_on_the_next_request(test: TestDb) {
        let db = &test.db;
        let p = people(db).await;
        let (_, secret) = adas_token(db, &p).await;
        let site = ApiServer::start(db).await;
        let settings = format!("/workspaces/{}", p.acme);
        let rename = |name: &str| site.call(Method::PATCH, &settings, &secret, Some(json!({"name": name})));
        assert_eq!(rename("Acme Corp").await.0, StatusCode::OK, "an Administrator renames");

        workspaces::change_role(&acting(db, &p.owner), p.acme, p.ada.id, Role::Viewer).await.unwrap();
        assert_eq!(rename("Acme Again").await.0, StatusCode::FORBIDDEN, "a Viewer does not");
        let (_, me) = site.get("/access-token", &secret).await;
        assert_eq!(me["workspaces"][0]["scope"], "viewer");

        // Made an Administrator again, the token gets back what it was given, no more.
        workspaces::change_role(&acting(db, &p.owner), p.acme, p.ada.id, Role::Owner).await.unwrap();
        let (_, me) = site.get("/access-token", &secret).await;
        assert_eq!(me["workspaces"][0]["scope"], "administrator");
        test.remove().await;
    }

    async fn leaving_a_workspace_takes_it_from_the_token_for_good(test: TestDb) {
        let db = &test.db;
        let p = people(db).await;
        let (id, secret) = adas_token(db, &p).await;
        let site = ApiServer::start(db).await;
        let beta = format!("/workspaces/{}", p.beta);
        assert_eq!(site.get(&beta, &secret).await.0, StatusCode::OK);

        workspaces::remove_member(&acting(db, &p.owner), p.beta, p.ada.id).await.unwrap();
        assert_eq!(site.get(&beta, &secret).await.0, StatusCode::NOT_FOUND);
        assert_eq!(site.get(&format!("/workspaces/{}", p.acme), &secret).await.0, StatusCode::OK);
        let own = personal_tokens::page(&person(db, &p.ada)).await.unwrap();
        let token = own.tokens.iter().find(|t| t.id == id).unwrap();
        assert_eq!(token.workspaces.iter().map(|w| w.workspace_id).collect::<Vec<_>>(), [p.acme]);

        // Invited back, Ada is a member again, but the token stays out until she adds it.
        invite_back(db, &p.owner, &p.ada, p.beta, Role::TeamMember).await;
        assert_eq!(site.get(&beta, &secret).await.0, StatusCode::NOT_FOUND);
        test.remove().await;
    }

    async fn a_token_is_made_only_for_ones_own_workspaces_within_ones_role(test: TestDb) {
        let db = &test.db;
        let p = people(db).await;
        let ada = person(db, &p.ada);
        let ask = |workspaces: Vec<GrantInput>| PersonalTokenInput {
            label: "asked".into(),
            expires_at: None,
            workspaces,
            allowed_ips: None, rate_limit: Default::default(),
        };
        let refused = |input| async { field(personal_tokens::create(&ada, input).await.unwrap_err()) };
        assert_eq!(refused(ask(vec![])).await, "workspaces");
        assert_eq!(refused(ask(vec![grant(p.gamma, Role::Viewer)])).await, "workspaces");
        assert_eq!(refused(ask(vec![grant(p.beta, Role::Administrator)])).await, "workspaces");
        assert_eq!(refused(ask(vec![grant(p.acme, Role::Viewer), grant(p.acme, Role::Viewer)])).await, "workspaces");
        let mut empty = ask(vec![grant(p.acme, Role::Viewer)]);
        empty.workspaces[0].permissions = Some(Default::default());
        assert_eq!(refused(empty).await, "permissions");
        let mut stale = ask(vec![grant(p.acme, Role::Viewer)]);
        stale.expires_at = Some(ada.now - 1);
        assert_eq!(refused(stale).await, "expires_at");
        // Nothing half-made: no token, no record.
        assert!(personal_tokens::page(&ada).await.unwrap().tokens.is_empty());

        adas_token(db, &p).await;
        let again = PersonalTokenInput { label: "LAPTOP".into(), ..ask(vec![grant(p.acme, Role::Viewer)]) };
        assert_eq!(refused(again).await, "label");
        test.remove().await;
    }

    async fn only_the_owner_manages_a_personal_token(test: TestDb) {
        let db = &test.db;
        let p = people(db).await;
        let (id, secret) = adas_token(db, &p).await;
        let ada = person(db, &p.ada);
        let olive = person(db, &p.owner);
        // Someone else's token id finds nothing, whatever their role.
        assert_eq!(personal_tokens::copy(&olive, id).await, Err(AppError::NotFound));
        assert_eq!(personal_tokens::delete(&olive, id).await, Err(AppError::NotFound));
        let patch = personal_tokens::PersonalPatch { enabled: Some(false), ..Default::default() };
        assert_eq!(personal_tokens::update(&olive, id, patch.clone()).await, Err(AppError::NotFound));
        assert_eq!(personal_tokens::copy(&ada, id).await.unwrap(), secret);

        let site = ApiServer::start(db).await;
        let acme = format!("/workspaces/{}", p.acme);
        assert_eq!(site.get(&acme, &secret).await.0, StatusCode::OK);
        let off = personal_tokens::update(&ada, id, patch).await.unwrap();
        assert_eq!(off.status, tessera::domain::token::TokenStatus::Disabled);
        assert_eq!(site.get(&acme, &secret).await.0, StatusCode::UNAUTHORIZED);
        let on = personal_tokens::PersonalPatch { enabled: Some(true), ..Default::default() };
        personal_tokens::update(&ada, id, on).await.unwrap();
        assert_eq!(site.get(&acme, &secret).await.0, StatusCode::OK);

        // Each workspace it reached records what happened to it.
        let records = |ws: Uuid| {
            let sql = "SELECT action FROM audit_events WHERE workspace_id = $1 AND target_id = $2 ORDER BY created_at, id";
            async move {
                tessera::on_pool!(db, pool => sqlx::query_scalar::<_, String>(sql).bind(ws).bind(id).fetch_all(pool).await.unwrap())
            }
        };
        let expected = ["personal_token.created", "personal_token.disabled", "personal_token.enabled"];
        assert_eq!(records(p.acme).await, expected);
        assert_eq!(records(p.beta).await, expected);

        personal_tokens::delete(&ada, id).await.unwrap();
        assert_eq!(site.get(&acme, &secret).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(records(p.beta).await.last().unwrap(), "personal_token.deleted");
        test.remove().await;
    }

    async fn an_administrator_sees_and_removes_a_personal_token_and_the_owner_is_told(test: TestDb) {
        let db = &test.db;
        let p = people(db).await;
        let (id, secret) = adas_token(db, &p).await;
        let site = ApiServer::start(db).await;
        // The Owner's token in Beta lists what reaches Beta; it sees no secret.
        let (_, owners) = support::mint(&acting(db, &p.owner), p.beta, "admin", Role::Owner, None, None).await;
        let (status, listed) = site.get(&format!("/workspaces/{}/personal-tokens", p.beta), &owners).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((listed["total"].as_u64(), listed["waiting"].as_u64()), (Some(1), Some(0)), "{listed}");
        let listed = &listed["items"];
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["owner_email"], "ada@example.com");
        assert_eq!(listed[0]["scope"], "team_member");
        assert_eq!(listed[0]["approval"], "approved");
        assert!(!listed.to_string().contains(&secret[4..]));

        // A Team Member's token may not; another workspace's id finds nothing.
        let (_, member) = support::mint(&acting(db, &p.owner), p.beta, "reader", Role::TeamMember, Some(&[ApiPermission::TokensRead]), None).await;
        assert_eq!(site.get(&format!("/workspaces/{}/personal-tokens", p.beta), &member).await.0, StatusCode::FORBIDDEN);
        let elsewhere = format!("/workspaces/{}/personal-tokens/{id}", p.gamma);
        assert_eq!(site.call(Method::DELETE, &elsewhere, &owners, None).await.0, StatusCode::NOT_FOUND);

        let remove = format!("/workspaces/{}/personal-tokens/{id}", p.beta);
        assert_eq!(site.call(Method::DELETE, &remove, &owners, None).await.0, StatusCode::NO_CONTENT);
        assert_eq!(site.call(Method::DELETE, &remove, &owners, None).await.0, StatusCode::NOT_FOUND, "once only");
        assert_eq!(site.get(&format!("/workspaces/{}", p.beta), &secret).await.0, StatusCode::NOT_FOUND);
        assert_eq!(site.get(&format!("/workspaces/{}", p.acme), &secret).await.0, StatusCode::OK);

        let mail = tessera::server::services::notifications::outbox(&acting(db, &p.owner), p.beta).await.unwrap();
        let told: Vec<_> = mail.entries.iter().filter(|m| m.kind == "personal_token.removed").collect();
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].recipient, "ada@example.com");
        assert!(told[0].body.contains("laptop") && told[0].body.contains("Beta"), "{}", told[0].body);
        test.remove().await;
    }

    async fn introspection_sees_a_personal_token_only_where_it_reaches(test: TestDb) {
        let db = &test.db;
        let p = people(db).await;
        let (_, secret) = adas_token(db, &p).await;
        let site = ApiServer::start(db).await;
        let owner = acting(db, &p.owner);
        let verifier = |ws: Uuid, label: &'static str| {
            let owner = owner.clone();
            async move { support::mint(&owner, ws, label, Role::Viewer, Some(&[ApiPermission::Introspect]), None).await.1 }
        };
        let ask = |caller: String| {
            let site = &site;
            let secret = secret.clone();
            async move { site.call(Method::POST, "/introspect", &caller, Some(json!({"token": secret}))).await.2 }
        };
        let in_acme = ask(verifier(p.acme, "verify-acme").await).await;
        assert_eq!(in_acme["active"], true);
        assert_eq!(in_acme["scope"], "administrator");
        assert_eq!(in_acme["owner"], json!(p.ada.id));
        let in_gamma = ask(verifier(p.gamma, "verify-gamma").await).await;
        assert_eq!((in_gamma["active"].clone(), in_gamma["reason"].clone()), (json!(false), json!("NOT_FOUND")));
        test.remove().await;
    }

    async fn a_personal_token_revokes_itself_everywhere(test: TestDb) {
        let db = &test.db;
        let p = people(db).await;
        let (id, secret) = adas_token(db, &p).await;
        let site = ApiServer::start(db).await;
        assert_eq!(site.call(Method::DELETE, "/access-token", &secret, None).await.0, StatusCode::NO_CONTENT);
        assert_eq!(site.get("/access-token", &secret).await.0, StatusCode::UNAUTHORIZED);
        let revoked = "SELECT COUNT(*) FROM audit_events WHERE action = 'token.revoked' AND target_id = $1";
        let count: i64 = tessera::on_pool!(db, pool => sqlx::query_scalar(revoked).bind(id).fetch_one(pool).await.unwrap());
        assert_eq!(count, 2, "one record in each workspace it reached");
        test.remove().await;
    }

    async fn the_api_access_audit_lists_a_personal_token_where_it_reaches_marked_with_its_owner(test: TestDb) {
        use tessera::{
            model::AccessAuditQuery,
            server::{jobs::last_used::{LastUsed, Use}, services::access_audit},
        };
        let db = &test.db;
        let p = people(db).await;
        let (id, secret) = adas_token(db, &p).await;
        let recorder = LastUsed::default();
        recorder.record(Use {
            token_id: id, at: now_ms(), ip: Some([192, 0, 2, 7].into()), user_agent: Some("laptop/1"),
            method: "GET", path: "/api/v1/access-token", refused: None,
        });
        recorder.flush(db).await.unwrap();
        let olive = acting(db, &p.owner);
        let audit = |ws: Uuid, query: AccessAuditQuery| {
            let olive = olive.clone();
            async move { access_audit::page(&olive, ws, &query).await.unwrap().rows }
        };
        let found = |ws: Uuid, query: AccessAuditQuery| {
            let audit = &audit;
            async move { audit(ws, query).await.into_iter().filter(|r| r.token.id == id).count() }
        };

        // In Acme, beside the workspace's own tokens: marked personal, its owner as creator,
        // nothing an Administrator may do to it there, and what it acts with there.
        support::mint(&olive, p.acme, "deploy", Role::Viewer, None, None).await;
        let rows = audit(p.acme, AccessAuditQuery::default()).await;
        assert_eq!(rows.len(), 2);
        let row = rows.iter().find(|r| r.token.id == id).expect("the personal token is listed");
        assert!(row.personal);
        assert!(!rows.iter().find(|r| r.token.id != id).unwrap().personal);
        assert_eq!(row.token.created_by.as_deref(), Some("Ada"));
        assert_eq!(row.creator_email.as_deref(), Some("ada@example.com"));
        assert_eq!(row.token.scope, Role::Administrator);
        assert_eq!(row.token.last_used_ip.as_deref(), Some("192.0.2.7"));
        assert!(!(row.token.may_edit || row.token.may_copy || row.token.may_disable || row.token.may_delete || row.token.may_rotate));

        // The search finds it as it finds the workspace's own.
        let by = |query: AccessAuditQuery| found(p.acme, query);
        assert_eq!(by(AccessAuditQuery { creator: Some("ADA@".into()), ..Default::default() }).await, 1);
        assert_eq!(by(AccessAuditQuery { creator: Some("olive".into()), ..Default::default() }).await, 0);
        assert_eq!(by(AccessAuditQuery { token: Some(secret.clone()), ..Default::default() }).await, 1);
        assert_eq!(by(AccessAuditQuery { token: Some(secret[..8].to_owned()), ..Default::default() }).await, 1);
        assert_eq!(by(AccessAuditQuery { ip: Some("192.0.2.0/24".into()), ..Default::default() }).await, 1);
        assert_eq!(by(AccessAuditQuery { ip: Some("10.0.0.0/8".into()), ..Default::default() }).await, 0);
        assert_eq!(by(AccessAuditQuery { admin: true, ..Default::default() }).await, 1);

        // In Beta it acts as a Team Member; Gamma, which it was never given, lists nothing of it.
        let in_beta = audit(p.beta, AccessAuditQuery::default()).await;
        assert_eq!(in_beta.iter().find(|r| r.token.id == id).unwrap().token.scope, Role::TeamMember);
        assert_eq!(found(p.gamma, AccessAuditQuery::default()).await, 0);

        // Ada demoted in Acme: the audit shows what the token acts with now.
        workspaces::change_role(&olive, p.acme, p.ada.id, Role::Viewer).await.unwrap();
        assert_eq!(by(AccessAuditQuery { admin: true, ..Default::default() }).await, 0);
        let rows = audit(p.acme, AccessAuditQuery::default()).await;
        assert_eq!(rows.iter().find(|r| r.token.id == id).unwrap().token.scope, Role::Viewer);

        // Once Beta is taken from it, Beta's audit no longer lists it.
        personal_tokens::remove_workspace(&olive, p.beta, id).await.unwrap();
        assert_eq!(found(p.beta, AccessAuditQuery::default()).await, 0);
        assert_eq!(found(p.acme, AccessAuditQuery::default()).await, 1);
        test.remove().await;
    }

    async fn a_personal_token_is_held_to_its_ip_allowlist_in_every_workspace(test: TestDb) {
        let db = &test.db;
        let p = people(db).await;
        let ada = person(db, &p.ada);
        let input = PersonalTokenInput {
            label: "vpn only".into(),
            expires_at: None,
            workspaces: vec![grant(p.acme, Role::Viewer), grant(p.beta, Role::Viewer)],
            allowed_ips: Some(vec!["203.0.113.0/24".into()]), rate_limit: Default::default(),
        };
        let made = personal_tokens::create(&ada, input.clone()).await.unwrap();
        assert_eq!(made.token.allowed_ips, ["203.0.113.0/24"]);
        let site = ApiServer::start(db).await;
        // The test server's client is 127.0.0.1: refused in both workspaces, saying why.
        for ws in [p.acme, p.beta] {
            let (status, body) = site.get(&format!("/workspaces/{ws}"), &made.secret).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert!(body["detail"].as_str().unwrap().contains("may not be used from 127.0.0.1"), "{body}");
        }
        let bad = PersonalTokenInput { allowed_ips: Some(vec!["::/0".into()]), ..input.clone() };
        assert_eq!(field(personal_tokens::update(&ada, made.token.id, bad.into()).await.unwrap_err()), "allowed_ips");
        let patch = personal_tokens::PersonalPatch { allowed_ips: Some(vec!["127.0.0.1".into()]), ..Default::default() };
        let changed = personal_tokens::update(&ada, made.token.id, patch).await.unwrap();
        assert_eq!(changed.allowed_ips, ["127.0.0.1"]);
        assert_eq!(site.get(&format!("/workspaces/{}", p.beta), &made.secret).await.0, StatusCode::OK);
        test.remove().await;
    }

    async fn where_approval_is_asked_a_personal_token_waits_for_another_administrator(test: TestDb) {
        let db = &test.db;
        let p = people(db).await;
        let site = ApiServer::start(db).await;
        let (_, owners) = support::mint(&acting(db, &p.owner), p.acme, "owner", Role::Owner, None, None).await;
        let (status, _, body) = site.call(Method::PATCH, &format!("/workspaces/{}", p.acme), &owners, Some(json!({"approve_personal_tokens": true}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (id, secret) = adas_token(db, &p).await;

        // Pending in Acme (refused there, saying why), acting in Beta at once.
        let acme = format!("/workspaces/{}", p.acme);
        let (status, body) = site.get(&acme, &secret).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body["detail"].as_str().unwrap().contains("waiting for an Administrator"), "{body}");
        assert_eq!(site.get(&format!("/workspaces/{}", p.beta), &secret).await.0, StatusCode::OK);
        let (_, listed) = site.get(&format!("{acme}/personal-tokens"), &owners).await;
        assert_eq!(listed["items"][0]["approval"], "pending", "{listed}");

        // Ada is an Administrator of Acme, yet may not approve her own token.
        let ada = acting(db, &p.ada);
        let own = personal_tokens::decide(&ada, p.acme, id, true).await.unwrap_err();
        assert!(matches!(own, AppError::Forbidden(_)), "{own:?}");
        // Another workspace's id finds nothing; a Team Member's token may not.
        let (_, member) = support::mint(&acting(db, &p.owner), p.acme, "reader", Role::TeamMember, None, None).await;
        assert_eq!(site.call(Method::POST, &format!("{acme}/personal-tokens/{id}/approve"), &member, None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(site.call(Method::POST, &format!("/workspaces/{}/personal-tokens/{id}/approve", p.gamma), &owners, None).await.0, StatusCode::NOT_FOUND);

        // Two approvals at once: one decides, the other is told it was decided meanwhile.
        let approve = format!("{acme}/personal-tokens/{id}/approve");
        let (first, second) = tokio::join!(
            site.call(Method::POST, &approve, &owners, None),
            site.call(Method::POST, &approve, &owners, None)
        );
        let mut statuses = [first.0, second.0];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
        let answer = if first.0 == StatusCode::OK { first.2 } else { second.2 };
        assert_eq!(answer["approval"], "approved");
        // It acts in Acme from its next request.
        assert_eq!(site.get(&acme, &secret).await.0, StatusCode::OK);

        // A second token, denied: Acme is taken from it.
        let input = PersonalTokenInput { label: "desk".into(), expires_at: None, workspaces: vec![grant(p.acme, Role::Viewer)], allowed_ips: None, rate_limit: Default::default() };
        let desk = personal_tokens::create(&person(db, &p.ada), input).await.unwrap();
        let deny = format!("{acme}/personal-tokens/{}/deny", desk.token.id);
        assert_eq!(site.call(Method::POST, &deny, &owners, None).await.0, StatusCode::NO_CONTENT);
        assert_eq!(site.call(Method::POST, &deny, &owners, None).await.0, StatusCode::NOT_FOUND, "nothing left to deny");
        assert_eq!(site.get(&acme, &desk.secret).await.0, StatusCode::NOT_FOUND);

        // Ada was told both outcomes; each step is in Acme's audit log.
        let mail = tessera::server::services::notifications::outbox(&acting(db, &p.owner), p.acme).await.unwrap();
        let told: Vec<_> = mail.entries.iter().filter(|m| m.recipient == "ada@example.com" && m.kind.starts_with("personal_token.")).map(|m| m.kind.as_str()).collect();
        assert_eq!(told.len(), 2, "{told:?}");
        assert!(told.contains(&"personal_token.approved") && told.contains(&"personal_token.denied"), "{told:?}");
        let log = tessera::server::services::audit::page(&acting(db, &p.owner), p.acme, &Default::default()).await.unwrap();
        let actions: Vec<&str> = log.entries.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"personal_token.approved") && actions.contains(&"personal_token.denied"), "{actions:?}");
        test.remove().await;
    }

    async fn a_personal_token_may_do_exactly_what_a_workspace_token_of_its_acting_scope_may(test: TestDb) {
        // The permission matrix, for personal tokens: over HTTP, every member's own token
        // (given their whole role) is answered as the workspace's token of that scope is,
        // on every kind of call; demoted, it is answered as the lower scope's.
        let db = &test.db;
        let p = people(db).await;
        let site = ApiServer::start(db).await;
        let ws = p.acme;
        let calls: [(Method, String, Option<Value>); 8] = [
            (Method::GET, format!("/workspaces/{ws}"), None),
            (Method::GET, format!("/workspaces/{ws}/tokens"), None),
            (Method::POST, format!("/workspaces/{ws}/tokens"), Some(json!({"scope": "viewer"}))),
            (Method::GET, format!("/workspaces/{ws}/members"), None),
            (Method::GET, format!("/workspaces/{ws}/invitations"), None),
            (Method::GET, format!("/workspaces/{ws}/audit-events"), None),
            (Method::GET, format!("/workspaces/{ws}/personal-tokens"), None),
            (Method::PATCH, format!("/workspaces/{ws}"), Some(json!({"name": "Acme"}))),
        ];
        let answers = |token: String, tag: String| {
            let site = &site;
            let calls = calls.clone();
            async move {
                let mut statuses = Vec::new();
                for (n, (method, path, body)) in calls.into_iter().enumerate() {
                    // Each creation gets its own label.
                    let body = body.map(|mut b| {
                        if b.get("scope").is_some() {
                            b["label"] = json!(format!("{tag} {n}"));
                        }
                        b
                    });
                    statuses.push(site.call(method, &path, &token, body).await.0);
                }
                statuses
            }
        };
        let owner = acting(db, &p.owner);
        let mut checked = 0;
        let mut people = Vec::new();
        for role in Role::ALL {
            let email = format!("{}@example.com", role.as_str());
            let member = if role == Role::Owner {
                p.owner.clone()
            } else {
                support::join(&owner, ws, &email, role.label(), role).await.0
            };
            let input = PersonalTokenInput { label: "own".into(), expires_at: None, workspaces: vec![grant(ws, role)], allowed_ips: None, rate_limit: Default::default() };
            let own = personal_tokens::create(&person(db, &member), input).await.unwrap();
            let (_, workspace_token) = support::mint(&owner, ws, &format!("{role:?} scope"), role, None, None).await;
            let expected = answers(workspace_token, format!("{role:?} ws")).await;
            let got = answers(own.secret.clone(), format!("{role:?} own")).await;
            assert_eq!(got, expected, "{role:?}");
            checked += got.len();
            people.push((role, member, own.secret));
        }
        // Each demoted to Viewer: their token answers as a Viewer-scoped one, at once.
        let (_, viewer_token) = support::mint(&owner, ws, "viewer again", Role::Viewer, None, None).await;
        let expected = answers(viewer_token, "viewer again".into()).await;
        for (role, member, secret) in people.into_iter().filter(|(role, ..)| *role != Role::Owner && *role != Role::Viewer) {
            workspaces::change_role(&owner, ws, member.id, Role::Viewer).await.unwrap();
            let got = answers(secret, format!("{role:?} demoted")).await;
            assert_eq!(got, expected, "{role:?} demoted to Viewer");
            checked += got.len();
        }
        println!("personal-token matrix: {checked} calls checked");
        assert_eq!(checked, 8 * 5 + 8 * 3);
        test.remove().await;
    }

    async fn a_personal_token_rotates_into_one_for_the_same_workspaces(test: TestDb) {
        let db = &test.db;
        let p = people(db).await;
        let site = ApiServer::start(db).await;
        let (_, owners) = support::mint(&acting(db, &p.owner), p.acme, "owner", Role::Owner, None, None).await;
        // Acme asks approval and a 90-day limit; the token was made before, without expiry.
        let (id, secret) = adas_token(db, &p).await;
        let policy = json!({"approve_personal_tokens": true, "max_token_lifetime_days": 90});
        assert_eq!(site.call(Method::PATCH, &format!("/workspaces/{}", p.acme), &owners, Some(policy)).await.0, StatusCode::OK);

        // It rotates itself, keeping an hour of grace, under a key.
        let rotate = |token: String, key: &'static str| {
            let client = site.client.clone();
            let url = format!("{}/access-token/rotate", site.base);
            async move {
                let response = client.post(url).bearer_auth(token).header("idempotency-key", key)
                    .json(&json!({"grace_seconds": 3600})).send().await.unwrap();
                let replayed = response.headers().get("idempotent-replayed").is_some();
                (response.status(), replayed, response.json::<Value>().await.unwrap())
            }
        };
        let (status, replayed, body) = rotate(secret.clone(), "k-1").await;
        assert_eq!((status, replayed), (StatusCode::CREATED, false), "{body}");
        let token = &body["token"];
        assert_eq!((token["kind"].clone(), token["label"].clone()), (json!("personal"), json!("laptop")));
        let places: Vec<(String, String, String)> = token["workspaces"].as_array().unwrap().iter()
            .map(|w| (w["name"].as_str().unwrap().into(), w["scope"].as_str().unwrap().into(), w["approval"].as_str().unwrap().into()))
            .collect();
        // The same workspaces, scopes and approvals (it was approved before approval was asked).
        assert_eq!(places, [("Acme".into(), "administrator".into(), "approved".into()), ("Beta".into(), "team_member".into(), "approved".into())]);
        // Acme's limit caps the successor's life; the new secret works in both workspaces.
        let expires = tessera::server::api::json::parse_rfc3339("expires_at", token["expires_at"].as_str().unwrap()).unwrap();
        assert!(expires <= now_ms() + 90 * tessera::domain::time::DAY_MS, "{body}");
        let new = body["secret"].as_str().unwrap().to_owned();
        for ws in [p.acme, p.beta] {
            assert_eq!(site.get(&format!("/workspaces/{ws}"), &new).await.0, StatusCode::OK);
            assert_eq!(site.get(&format!("/workspaces/{ws}"), &secret).await.0, StatusCode::OK, "the old one during its grace");
        }
        // A retry under the same key gets the same secret; a second rotation is refused.
        let (status, replayed, again) = rotate(secret.clone(), "k-1").await;
        assert_eq!((status, replayed), (StatusCode::CREATED, true));
        assert_eq!(again["secret"], body["secret"]);
        let (status, _, _) = rotate(secret.clone(), "k-2").await;
        assert_eq!(status, StatusCode::CONFLICT, "already rotated");

        // Both workspaces record the rotation, linking the two tokens.
        for ws in [p.acme, p.beta] {
            let log = tessera::server::services::audit::page(&acting(db, &p.owner), ws, &Default::default()).await.unwrap();
            let rotated = log.entries.iter().find(|e| e.action == "token.rotated").expect("recorded");
            assert_eq!(rotated.target_id, Some(id));
        }
        // The owner rotates the successor on their page, ending it at once.
        let new_id: Uuid = token["id"].as_str().unwrap().parse().unwrap();
        let request = tessera::server::services::rotation::RotateRequest { grace_seconds: 0, key: None };
        let third = personal_tokens::rotate(&person(db, &p.ada), new_id, request.clone()).await.unwrap();
        assert_eq!(site.get(&format!("/workspaces/{}", p.beta), &new).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(site.get(&format!("/workspaces/{}", p.beta), &third.created.secret).await.0, StatusCode::OK);
        // Nobody else rotates Ada's token.
        let theirs = personal_tokens::rotate(&person(db, &p.owner), third.created.token.id, request).await;
        assert!(matches!(theirs, Err(AppError::NotFound)), "{theirs:?}");
        test.remove().await;
    }

    async fn the_personal_tokens_reaching_a_workspace_come_a_page_at_a_time_waiting_ones_first(test: TestDb) {
        // The workspace's token page reads members' personal tokens a page at a time (keyset
        // in SQL): every token once, those waiting for approval first, then newest first.
        let db = &test.db;
        let p = people(db).await;
        let site = ApiServer::start(db).await;
        let (_, owners) = support::mint(&acting(db, &p.owner), p.acme, "owner", Role::Owner, None, None).await;
        let make = async |label: String| {
            let input = PersonalTokenInput { label, expires_at: None, workspaces: vec![grant(p.acme, Role::Viewer)], allowed_ips: None, rate_limit: Default::default() };
            personal_tokens::create(&person(db, &p.ada), input).await.unwrap().token.id
        };
        for n in 0..70 {
            make(format!("approved {n}")).await;
        }
        let (status, _, body) = site.call(Method::PATCH, &format!("/workspaces/{}", p.acme), &owners, Some(json!({"approve_personal_tokens": true}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for n in 0..55 {
            make(format!("waiting {n}")).await;
        }
        // A token in Beta only does not reach Acme.
        let beta_only = PersonalTokenInput { label: "beta".into(), expires_at: None, workspaces: vec![grant(p.beta, Role::Viewer)], allowed_ips: None, rate_limit: Default::default() };
        personal_tokens::create(&person(db, &p.ada), beta_only).await.unwrap();

        let owner = acting(db, &p.owner);
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = personal_tokens::reaching_page(&owner, p.acme, after.as_deref(), Some(personal_tokens::REACHING_PAGE)).await.unwrap();
            assert_eq!((page.total, page.waiting), (125, 55));
            assert!(page.tokens.len() <= personal_tokens::REACHING_PAGE);
            seen.extend(page.tokens);
            pages += 1;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen.len(), 125);
        let ids: std::collections::HashSet<Uuid> = seen.iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), 125, "every token once");
        let waiting: Vec<bool> = seen.iter().map(|t| t.workspaces[0].pending).collect();
        assert!(waiting[..55].iter().all(|w| *w) && waiting[55..].iter().all(|w| !*w), "waiting ones first");
        assert!(seen.iter().all(|t| t.workspaces.len() == 1 && t.workspaces[0].workspace_id == p.acme), "Acme's standing only");
        for group in [&seen[..55], &seen[55..]] {
            let order: Vec<(i64, Uuid)> = group.iter().map(|t| (t.created_at, t.id)).collect();
            let mut newest_first = order.clone();
            newest_first.sort_by(|a, b| b.cmp(a));
            assert_eq!(order, newest_first, "newest first");
        }
        // A cursor that is not one the list gave is refused, naming it; a Team Member may
        // not read the list; another workspace's page names none of Acme's tokens.
        let bad = personal_tokens::reaching_page(&owner, p.acme, Some("bm90IGpzb24"), None).await.unwrap_err();
        assert_eq!(field(bad), "after");
        let (_, member) = support::mint(&owner, p.acme, "reader", Role::TeamMember, None, None).await;
        assert_eq!(site.get(&format!("/workspaces/{}/personal-tokens", p.acme), &member).await.0, StatusCode::FORBIDDEN);
        let beta = personal_tokens::reaching_page(&owner, p.beta, after.as_deref(), None).await.unwrap();
        assert!(beta.tokens.iter().all(|t| !ids.contains(&t.id)));
        assert_eq!(beta.total, 1);

        // The REST list reads the same pages: 40 at a time here, in the same order, each
        // token once, the counts on every page, `next` null on the last.
        let base = format!("/workspaces/{}/personal-tokens", p.acme);
        let mut listed: Vec<Uuid> = Vec::new();
        let mut query = "?limit=40".to_owned();
        let mut sizes = Vec::new();
        loop {
            let (status, body) = site.get(&format!("{base}{query}"), &owners).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!((body["total"].as_u64(), body["waiting"].as_u64(), body["limit"].as_u64()), (Some(125), Some(55), Some(40)), "{body}");
            let items = body["items"].as_array().unwrap();
            sizes.push(items.len());
            listed.extend(items.iter().map(|item| item["id"].as_str().unwrap().parse::<Uuid>().unwrap()));
            match body["next"].as_str() {
                Some(next) => query = format!("?limit=40&after={next}"),
                None => break,
            }
        }
        assert_eq!(sizes, [40, 40, 40, 5]);
        assert_eq!(listed, seen.iter().map(|t| t.id).collect::<Vec<_>>(), "the service's order");
        let (_, default) = site.get(&base, &owners).await;
        assert_eq!((default["items"].as_array().unwrap().len(), default["limit"].as_u64()), (50, Some(50)), "{default}");
        // Bad paging is a 422 naming the parameter and what to do.
        for (query, field, says) in [
            ("?limit=0", "limit", "1 to 200"),
            ("?limit=201", "limit", "1 to 200"),
            ("?limit=many", "query", "limit"),
            ("?after=bm90IGpzb24", "after", "next"),
            ("?offset=5", "query", "offset"),
        ] {
            let (status, body) = site.get(&format!("{base}{query}"), &owners).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
            assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
            assert!(body["detail"].as_str().unwrap().contains(says), "{query}: {body}");
        }
        // Acme's cursor on Beta's list starts Beta's list: none of Acme's tokens.
        let (_, beta_owners) = support::mint(&owner, p.beta, "beta owner", Role::Owner, None, None).await;
        let (status, body) = site.get(&format!("/workspaces/{}/personal-tokens?after={}", p.beta, after.unwrap()), &beta_owners).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["items"].as_array().unwrap().iter().all(|item| !ids.contains(&item["id"].as_str().unwrap().parse::<Uuid>().unwrap())), "{body}");
        test.remove().await;
    }
}

/// Two instances on one PostgreSQL database, each with its own token cache: a change to a
/// personal token's owner made through one instance reaches the tokens the other has
/// cached as soon as PostgreSQL delivers the notification, as token writes do.
mod instances {
    use super::*;
    use tessera::server::services::account_deletion;

    /// Waits (at most 5 s) until `db`'s cache has dropped what it held.
    async fn until_heard(db: &Db) {
        let mut waited = 0;
        while !db.token_cache().is_empty() && waited < 5_000 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            waited += 5;
        }
    }

    #[tokio::test]
    async fn another_instance_narrows_and_drops_personal_tokens_as_their_owner_changes() {
        let test = support::TestDb::postgres().await;
        let here = &test.db;
        let there = Db::connect(&test.url).await.unwrap();
        let p = people(here).await;
        let (_, secret) = adas_token(here, &p).await;
        let site = ApiServer::start(&there).await;
        let settings = format!("/workspaces/{}", p.acme);
        // The audit log: Administrators read it, Viewers do not.
        let audit = format!("{settings}/audit-events");
        assert_eq!(
            site.get(&audit, &secret).await.0,
            StatusCode::OK,
            "an Administrator"
        );
        assert_eq!(there.token_cache().len(), 1, "cached there");

        // Demoted through this instance: the other one narrows the token.
        workspaces::change_role(&acting(here, &p.owner), p.acme, p.ada.id, Role::Viewer)
            .await
            .unwrap();
        until_heard(&there).await;
        assert_eq!(
            site.get(&audit, &secret).await.0,
            StatusCode::FORBIDDEN,
            "a Viewer"
        );
        assert_eq!(there.token_cache().len(), 1, "cached again");

        // The account deleted through this instance: the other one refuses the token.
        account_deletion::delete_account(&person(here, &p.ada), support::JOINED_PASSWORD)
            .await
            .unwrap();
        until_heard(&there).await;
        assert_eq!(
            site.get(&settings, &secret).await.0,
            StatusCode::UNAUTHORIZED
        );
        drop(site);
        there.close().await;
        test.remove().await;
    }
}
