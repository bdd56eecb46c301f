//! Rotation on SQLite and PostgreSQL: over real HTTP where the API's answer is the point,
//! through the services with a chosen `now` where time must pass (a grace ending, a retry
//! window closing), and in the store where personal tokens (not served yet) are concerned.

mod support;

use reqwest::{Client, StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use tessera::{
    domain::{api_permission::ApiPermission, role::Role, rotation::IdempotencyKey},
    model::CurrentUser,
    on_pool,
    server::{
        api::json::parse_rfc3339,
        config::SecretKey,
        context::Ctx,
        secrets::{self, Keys},
        services::{
            RequestMeta, audit, notifications, now_ms,
            rotation::{self, RotateRequest},
            token_check::{self, TokenCheck},
            token_views, tokens, workspaces,
        },
        state::AppState,
        store::{
            Db,
            audit::{Actor as AuditActor, AuditEvent},
            rotation::{Rotation, RotationWrite},
        },
    },
};
use uuid::Uuid;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The server secret these tests run with.
fn keys() -> Keys {
    static KEYS: std::sync::LazyLock<Keys> =
        std::sync::LazyLock::new(|| Keys::derive(&SecretKey([7; 32])));
    KEYS.clone()
}

/// The site on a random port (served while this lives): its state, the API's base URL and
/// a client.
struct Site(
    #[allow(dead_code)] support::Served,
    AppState,
    String,
    Client,
);

/// An answer: status, headers, JSON body (`Null` when empty).
type Answer = (StatusCode, HeaderMap, Value);

impl Site {
    async fn open(db: &Db) -> Site {
        let (state, api, served) = support::serve_api(db, keys()).await;
        Site(served, state, api, Client::new())
    }

    /// POSTs `body` to `path` with `token`, under `key` when given.
    async fn post(&self, path: &str, token: &str, key: Option<&str>, body: Value) -> Answer {
        let Site(_, _, api, http) = self;
        let mut request = http.post(format!("{api}{path}")).bearer_auth(token);
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let response = request.json(&body).send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let json = response.json().await.unwrap_or(Value::Null);
        (status, headers, json)
    }

    /// The presented token's own description: 200 while it works.
    async fn whoami(&self, token: &str) -> (StatusCode, Value) {
        let Site(_, _, api, http) = self;
        let url = format!("{api}/access-token");
        let response = http.get(url).bearer_auth(token).send().await.unwrap();
        (
            response.status(),
            response.json().await.unwrap_or(Value::Null),
        )
    }
}

/// The Owner of "Acme", their workspace, and a second workspace of theirs.
struct Acme {
    owner: CurrentUser,
    ws: Uuid,
    other_ws: Uuid,
}

async fn acme(db: &Db, now: i64) -> Acme {
    let meta = RequestMeta::default();
    let (owner, ws) = support::set_up(db, &keys(), "Owner", &meta, now).await;
    let other = workspaces::create(
        &support::ctx(db, &keys(), owner.clone(), &meta, now),
        "Other",
    )
    .await
    .unwrap();
    Acme {
        owner,
        ws,
        other_ws: other.id,
    }
}

impl Acme {
    /// The Owner acting at `now`.
    fn owner_at(&self, db: &Db, now: i64) -> Ctx {
        support::acting(db, &keys(), &self.owner, &RequestMeta::default(), now)
    }

    /// A token minted by the Owner at `now`.
    async fn mint(
        &self,
        db: &Db,
        label: &str,
        scope: Role,
        permissions: Option<&[ApiPermission]>,
        expires_at: Option<i64>,
        now: i64,
    ) -> (Uuid, String) {
        support::mint(
            &self.owner_at(db, now),
            self.ws,
            label,
            scope,
            permissions,
            expires_at,
        )
        .await
    }
}

fn rotate_path(ws: Uuid, token: Uuid) -> String {
    format!("/workspaces/{ws}/tokens/{token}/rotate")
}

fn ms(body: &Value, field: &str) -> i64 {
    parse_rfc3339(field, body[field].as_str().unwrap()).unwrap()
}

fn key(text: &str) -> Option<IdempotencyKey> {
    Some(IdempotencyKey::parse(text).unwrap())
}

async fn count(db: &Db, sql: &str, id: Uuid) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(pool).await.unwrap())
}

async fn actions(db: &Db, ws: Uuid, action: &str) -> Vec<tessera::server::store::audit::AuditRow> {
    db.audit_events(ws, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

on_both_engines! {
    async fn a_rotation_answers_a_working_successor_while_the_old_token_works_through_its_grace(test: TestDb) {
        let db = &test.db;
        let now = now_ms();
        let acme = acme(db, now).await;
        let site = Site::open(db).await;
        let (_, admin) = acme.mint(db, "admin", Role::Administrator, None, None, now).await;
        let made = now - 10 * DAY;
        let (old_id, old) = acme.mint(db, "deploy", Role::TeamMember, Some(&[ApiPermission::TokensRead]), Some(made + 30 * DAY), made).await;

        let (status, headers, body) = site.post(&rotate_path(acme.ws, old_id), &admin, None, json!({"grace_seconds": 3600})).await;
        let after = now_ms();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(headers["cache-control"], "no-store");
        assert!(headers.get("idempotent-replayed").is_none());
        let new = body["secret"].as_str().unwrap().to_owned();
        let new_id: Uuid = body["token"]["id"].as_str().unwrap().parse().unwrap();
        assert_eq!(body["rotated_from"], old_id.to_string());
        assert_eq!(body["token"]["label"], "deploy");
        assert_eq!(body["token"]["scope"], "team_member");
        assert_eq!(body["token"]["chosen_permissions"], json!(["tokens:read"]));
        assert_eq!(body["token"]["created_by"], "Owner (through the token “admin”)", "the person behind the acting token");
        assert!(new.starts_with(body["token"]["prefix"].as_str().unwrap()));
        // The old token's 30-day lifetime again, from now; its grace is the hour asked for.
        let expires = ms(&body["token"], "expires_at");
        assert!((now + 30 * DAY..=after + 30 * DAY).contains(&expires), "{body}");
        let grace_end = ms(&body, "grace_ends_at");
        assert!((now + HOUR..=after + HOUR).contains(&grace_end), "{body}");

        // Both work now; the successor is the same token to the API, with a new secret.
        let (status, me) = site.whoami(&new).await;
        assert_eq!((status, me["label"].clone()), (StatusCode::OK, json!("deploy")));
        assert_eq!(me["chosen_permissions"], json!(["tokens:read"]));
        assert_eq!(site.whoami(&old).await.0, StatusCode::OK, "the old token works through its grace");
        let owner = acme.owner_at(db, after);
        assert_eq!(tokens::copy(&owner, acme.ws, new_id).await.unwrap(), new, "the successor keeps a sealed secret");
        // Time travel: the old token stops exactly when its grace ends.
        assert!(matches!(token_check::check(db, &keys(), &old, grace_end - 1).await.unwrap(), TokenCheck::Valid(_)));
        assert!(matches!(token_check::check(db, &keys(), &old, grace_end).await.unwrap(), TokenCheck::Expired { .. }));
        assert!(matches!(token_check::check(db, &keys(), &new, grace_end).await.unwrap(), TokenCheck::Valid(_)));

        // The table: the old token is rotating, still used from this test's address.
        site.1.last_used.flush(db).await.unwrap();
        let page = token_views::page(&owner, acme.ws).await.unwrap();
        let row = |id: Uuid| page.tokens.iter().find(|t| t.id == id).unwrap().clone();
        let rotating = row(old_id).rotating.expect("the old token is rotating");
        assert_eq!((rotating.successor, rotating.grace_ends_at), (new_id, grace_end));
        assert_eq!(rotating.places.len(), 1, "{rotating:?}");
        assert_eq!(rotating.places[0].ip.as_deref(), Some("127.0.0.1"));
        assert!(!row(old_id).may_rotate, "a rotated token is not rotated again");
        assert!(row(new_id).may_rotate && row(new_id).rotating.is_none());
        test.remove().await;
    }

    async fn a_grace_of_zero_stops_the_old_token_at_once(test: TestDb) {
        let db = &test.db;
        let now = now_ms();
        let acme = acme(db, now).await;
        let site = Site::open(db).await;
        let (_, admin) = acme.mint(db, "admin", Role::Administrator, None, None, now).await;
        let (old_id, old) = acme.mint(db, "deploy", Role::Viewer, None, None, now).await;
        assert_eq!(site.whoami(&old).await.0, StatusCode::OK, "the token is in the cache");

        // No grace asked for: none.
        let (status, _, body) = site.post(&rotate_path(acme.ws, old_id), &admin, None, json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["token"]["expires_at"], Value::Null, "no expiry before, none after");
        assert!(ms(&body, "grace_ends_at") <= now_ms());
        assert_eq!(site.whoami(&old).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(site.whoami(body["secret"].as_str().unwrap()).await.0, StatusCode::OK);
        test.remove().await;
    }

    async fn the_grace_never_outlasts_the_old_token(test: TestDb) {
        let db = &test.db;
        let now = now_ms();
        let acme = acme(db, now).await;
        let made = now - 2 * HOUR;
        let (old_id, _) = acme.mint(db, "short", Role::Viewer, None, Some(now + 30 * MINUTE), made).await;
        let asked = RotateRequest { grace_seconds: 7 * 24 * 3600, key: None };
        let rotated = rotation::rotate(&acme.owner_at(db, now), acme.ws, old_id, asked).await.unwrap();
        assert_eq!(rotated.grace_ends_at, now + 30 * MINUTE, "clamped to the old expiry");
        assert_eq!(rotated.created.token.expires_at, Some(now + 2 * HOUR + 30 * MINUTE));
        let old = rotated.old.unwrap();
        assert_eq!(old.expires_at, Some(now + 30 * MINUTE));
        assert_eq!(old.rotating.unwrap().grace_ends_at, now + 30 * MINUTE);
        test.remove().await;
    }

    async fn refusals_say_why(test: TestDb) {
        let db = &test.db;
        let now = now_ms();
        let acme = acme(db, now).await;
        let site = Site::open(db).await;
        let (_, admin) = acme.mint(db, "admin", Role::Administrator, None, None, now).await;
        let (_, manager) = acme.mint(db, "manager", Role::WorkspaceManager, None, None, now).await;
        let (_, reader) = acme.mint(db, "reader", Role::Owner, Some(&[ApiPermission::TokensRead]), None, now).await;
        let (_, narrow) = acme.mint(db, "narrow", Role::Administrator, Some(&[ApiPermission::TokensWrite]), None, now).await;
        let (target, _) = acme.mint(db, "target", Role::Viewer, None, None, now).await;
        let (strong, _) = acme.mint(db, "strong", Role::Administrator, None, None, now).await;
        let path = rotate_path(acme.ws, target);

        for (body, field) in [
            (json!({"grace_seconds": -1}), "grace_seconds"),
            (json!({"grace_seconds": 604_801}), "grace_seconds"),
            (json!({"grace_seconds": "soon"}), "grace_seconds"),
            (json!({"grace": 60}), "grace"),
        ] {
            let (status, _, answer) = site.post(&path, &admin, None, body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
            assert_eq!(answer["errors"][0]["field"], field, "{answer}");
        }
        for bad in ["", "\"open", "two words", &"k".repeat(256)] {
            let (status, _, answer) = site.post(&path, &admin, Some(bad), json!({})).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?}: {answer}");
            assert!(answer["detail"].as_str().unwrap().contains("Idempotency-Key"), "{answer}");
        }
        // Another workspace's id is not found; the role and permission rules of creating.
        let (elsewhere, _) = support::mint(&acme.owner_at(db, now), acme.other_ws, "there", Role::Viewer, None, None).await;
        assert_eq!(site.post(&rotate_path(acme.ws, elsewhere), &admin, None, json!({})).await.0, StatusCode::NOT_FOUND);
        assert_eq!(site.post(&rotate_path(acme.other_ws, elsewhere), &admin, None, json!({})).await.0, StatusCode::NOT_FOUND);
        let (status, _, answer) = site.post(&rotate_path(acme.ws, strong), &manager, None, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a role below the token's scope: {answer}");
        let (status, _, answer) = site.post(&path, &reader, None, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        assert_eq!(answer["detail"], "This token lacks the tokens:write permission.");
        let (status, _, answer) = site.post(&path, &narrow, None, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "the target holds permissions the caller lacks: {answer}");
        // A person below the scope, through the same service the UI calls.
        let (member, _) = support::join(&acme.owner_at(db, now), acme.ws, "wm@example.com", "Manager", Role::WorkspaceManager).await;
        let person = support::acting(db, &keys(), &member, &RequestMeta::default(), now);
        let refused = rotation::rotate(&person, acme.ws, strong, RotateRequest::default()).await.unwrap_err();
        assert_eq!(refused.http_status(), 403, "{refused}");
        assert!(rotation::rotate(&person, acme.ws, target, RotateRequest::default()).await.is_ok());

        // Twice: the second says the token was already rotated, and names its successor.
        let (status, _, answer) = site.post(&path, &admin, None, json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        assert_eq!(answer["status"], 409);
        assert!(answer["detail"].as_str().unwrap().contains("already rotated"), "{answer}");
        // Disabled, expired.
        let owner = acme.owner_at(db, now);
        let (disabled, _) = acme.mint(db, "disabled", Role::Viewer, None, None, now).await;
        let off = tokens::TokenPatch { enabled: Some(false), ..Default::default() };
        tokens::update(&owner, acme.ws, disabled, off).await.unwrap();
        let (status, _, answer) = site.post(&rotate_path(acme.ws, disabled), &admin, None, json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(answer["detail"].as_str().unwrap().contains("disabled"), "{answer}");
        let (expired, _) = acme.mint(db, "expired", Role::Viewer, None, Some(now + MINUTE), now - HOUR).await;
        let later = acme.owner_at(db, now + 2 * MINUTE);
        let refused = rotation::rotate(&later, acme.ws, expired, RotateRequest::default()).await.unwrap_err();
        assert_eq!(refused.http_status(), 409);
        assert!(refused.to_string().contains("expired"), "{refused}");
        test.remove().await;
    }

    async fn a_token_without_any_permission_rotates_itself(test: TestDb) {
        let db = &test.db;
        let now = now_ms();
        let acme = acme(db, now).await;
        let site = Site::open(db).await;
        let (old_id, old) = acme.mint(db, "verifier", Role::Viewer, Some(&[ApiPermission::Introspect]), None, now).await;
        let (status, _, body) = site.post("/access-token/rotate", &old, None, json!({"grace_seconds": 60})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["rotated_from"], old_id.to_string());
        let (status, me) = site.whoami(body["secret"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((me["label"].clone(), me["chosen_permissions"].clone()), (json!("verifier"), json!(["introspect"])));
        assert_eq!(site.whoami(&old).await.0, StatusCode::OK, "a minute of grace");
        // The token is named as the actor, and its creator as the successor's.
        let rotated = actions(db, acme.ws, "token.rotated").await;
        assert_eq!((rotated.len(), rotated[0].actor_label.as_str()), (1, "verifier"));
        let new_id: Uuid = body["token"]["id"].as_str().unwrap().parse().unwrap();
        let by_token = count(db, "SELECT COUNT(*) FROM access_tokens WHERE created_by_token IS NOT NULL AND id = $1", new_id).await;
        assert_eq!(by_token, 1);
        assert_eq!(body["token"]["created_by"], "Owner (through the token “verifier”)");
        // Self-rotation again, from the old token: refused, it was rotated.
        let (status, _, _) = site.post("/access-token/rotate", &old, None, json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        test.remove().await;
    }

    async fn a_retry_under_the_same_key_gets_the_same_secret_from_one_rotation(test: TestDb) {
        let db = &test.db;
        let now = now_ms();
        let acme = acme(db, now).await;
        let site = Site::open(db).await;
        let (_, admin) = acme.mint(db, "admin", Role::Administrator, None, None, now).await;
        let (_, other_admin) = acme.mint(db, "other admin", Role::Administrator, None, None, now).await;
        let (old_id, _) = acme.mint(db, "deploy", Role::Viewer, None, None, now).await;
        let (second, _) = acme.mint(db, "second", Role::Viewer, None, None, now).await;
        let path = rotate_path(acme.ws, old_id);
        let key = "\"3f1c8e0a-rotate-deploy\"";

        let (status, _, first) = site.post(&path, &admin, Some(key), json!({"grace_seconds": 0})).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        // The same key, quoted or bare: the same answer, the same secret, marked as such.
        for again in [key, "3f1c8e0a-rotate-deploy"] {
            let (status, headers, body) = site.post(&path, &admin, Some(again), json!({"grace_seconds": 0})).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            assert_eq!(headers["idempotent-replayed"], "true");
            assert_eq!((&body["secret"], &body["token"]["id"]), (&first["secret"], &first["token"]["id"]));
            assert_eq!(body["grace_ends_at"], first["grace_ends_at"]);
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM access_tokens WHERE workspace_id = $1 AND label = 'deploy'", acme.ws).await, 2);
        assert_eq!(actions(db, acme.ws, "token.rotated").await.len(), 1);
        // The same key for another token: the draft's 422.
        let (status, _, body) = site.post(&rotate_path(acme.ws, second), &admin, Some(key), json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "Idempotency-Key");
        // A key is one caller's: another caller's same key is a new request (refused: rotated).
        let (status, _, body) = site.post(&path, &other_admin, Some(key), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        // The secret is kept sealed, never in clear.
        let stored: Vec<u8> = on_pool!(db, pool => sqlx::query_scalar("SELECT sealed_secret FROM rotation_keys").fetch_one(pool).await.unwrap());
        let secret = first["secret"].as_str().unwrap();
        assert!(!stored.windows(10).any(|w| w == &secret.as_bytes()[10..20]));
        test.remove().await;
    }

    async fn parallel_requests_under_one_key_rotate_once(test: TestDb) {
        let db = &test.db;
        let now = now_ms();
        let acme = acme(db, now).await;
        let site = Site::open(db).await;
        let (_, admin) = acme.mint(db, "admin", Role::Administrator, None, None, now).await;
        for round in 0..3 {
            let label = format!("parallel {round}");
            let (old_id, _) = acme.mint(db, &label, Role::Viewer, None, None, now).await;
            let path = rotate_path(acme.ws, old_id);
            let body = json!({"grace_seconds": 60});
            let key = format!("parallel-{round}");
            let (a, b) = tokio::join!(
                site.post(&path, &admin, Some(&key), body.clone()),
                site.post(&path, &admin, Some(&key), body.clone()),
            );
            assert_eq!((a.0, b.0), (StatusCode::CREATED, StatusCode::CREATED), "{} {}", a.2, b.2);
            assert_eq!(a.2["secret"], b.2["secret"]);
            assert_eq!(a.2["token"]["id"], b.2["token"]["id"]);
            assert!(a.1.contains_key("idempotent-replayed") != b.1.contains_key("idempotent-replayed"));
            let sql = format!("SELECT COUNT(*) FROM access_tokens WHERE workspace_id = $1 AND label = '{label}'");
            assert_eq!(count(db, &sql, acme.ws).await, 2, "one rotation");
        }
        assert_eq!(actions(db, acme.ws, "token.rotated").await.len(), 3);
        test.remove().await;
    }

    async fn a_lost_answer_to_a_self_rotation_is_given_again_after_the_old_token_stopped(test: TestDb) {
        let db = &test.db;
        let now = now_ms();
        let acme = acme(db, now).await;
        let site = Site::open(db).await;
        let (_, old) = acme.mint(db, "cron", Role::Viewer, None, None, now).await;
        let (status, _, first) = site.post("/access-token/rotate", &old, Some("cron-2026-12"), json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        assert_eq!(site.whoami(&old).await.0, StatusCode::UNAUTHORIZED, "grace 0: stopped at once");
        // The answer was lost: the retry still gets it, and nothing else does.
        let (status, headers, again) = site.post("/access-token/rotate", &old, Some("cron-2026-12"), json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert_eq!(headers["idempotent-replayed"], "true");
        assert_eq!(again["secret"], first["secret"]);
        assert_eq!(site.post("/access-token/rotate", &old, None, json!({})).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(site.post("/access-token/rotate", &old, Some("another"), json!({})).await.0, StatusCode::UNAUTHORIZED);
        // Once someone disables the old token, the retry is refused too.
        let owner = acme.owner_at(db, now_ms());
        let old_id: Uuid = first["rotated_from"].as_str().unwrap().parse().unwrap();
        let off = tokens::TokenPatch { enabled: Some(false), ..Default::default() };
        tokens::update(&owner, acme.ws, old_id, off).await.unwrap();
        assert_eq!(site.post("/access-token/rotate", &old, Some("cron-2026-12"), json!({})).await.0, StatusCode::UNAUTHORIZED);
        test.remove().await;
    }

    async fn after_ten_minutes_a_key_makes_a_new_rotation(test: TestDb) {
        let db = &test.db;
        let start = now_ms();
        let acme = acme(db, start).await;
        let (a, _) = acme.mint(db, "weekly", Role::Viewer, None, None, start).await;
        let ws = acme.ws;
        let rotate = |at: i64, token: Uuid| {
            let ctx = acme.owner_at(db, at);
            async move { rotation::rotate(&ctx, ws, token, RotateRequest { grace_seconds: 0, key: key("weekly") }).await }
        };
        let first = rotate(start, a).await.unwrap();
        let b = first.created.token.id;
        let within = rotate(start + 10 * MINUTE - 1, a).await.unwrap();
        assert!(within.replayed && within.created.secret == first.created.secret);
        // Past the window the key is forgotten: the old token is simply rotated already, and
        // the same key may rotate its successor.
        let refused = rotate(start + 10 * MINUTE, a).await.unwrap_err();
        assert_eq!(refused.http_status(), 409, "{refused}");
        let next = rotate(start + 10 * MINUTE, b).await.unwrap();
        assert!(!next.replayed);
        assert_eq!(next.rotated_from, b);
        assert_ne!(next.created.secret, first.created.secret);
        // The sweeper forgets what is past its window, and only that.
        assert_eq!(db.delete_expired_rotation_keys(start + 10 * MINUTE).await.unwrap(), 0, "the first was replaced by the second");
        assert_eq!(db.delete_expired_rotation_keys(start + 20 * MINUTE).await.unwrap(), 1);
        test.remove().await;
    }

    async fn rotations_are_audited_both_ways(test: TestDb) {
        let db = &test.db;
        let now = now_ms();
        let acme = acme(db, now).await;
        let (old_id, _) = acme.mint(db, "deploy", Role::Viewer, None, None, now).await;
        let owner = acme.owner_at(db, now);
        let rotated = rotation::rotate(&owner, acme.ws, old_id, RotateRequest { grace_seconds: 3600, key: None }).await.unwrap();
        let new_id = rotated.created.token.id;
        let record = &actions(db, acme.ws, "token.rotated").await[0];
        assert_eq!((record.target_id, record.actor_label.as_str()), (Some(old_id), "owner@example.com"));
        let changes: Value = serde_json::from_str(record.changes.as_deref().unwrap()).unwrap();
        assert_eq!(changes["rotated_to"], new_id.to_string());
        assert_eq!(parse_rfc3339("t", changes["grace_ends_at"].as_str().unwrap()).unwrap(), now + HOUR);
        let created = actions(db, acme.ws, "token.created").await;
        let created = created.iter().find(|e| e.target_id == Some(new_id)).expect("the successor's creation");
        let changes: Value = serde_json::from_str(created.changes.as_deref().unwrap()).unwrap();
        assert_eq!(changes["rotated_from"], old_id.to_string());
        // The audit page links each to the other token.
        let page = audit::page(&owner, acme.ws, &Default::default()).await.unwrap();
        let links = |action: &str, target: Uuid| page.entries.iter()
            .find(|e| e.action == action && e.target_id == Some(target)).unwrap().token_links.clone();
        assert_eq!(links("token.rotated", old_id), vec![("rotated to".to_owned(), new_id)]);
        assert_eq!(links("token.created", new_id), vec![("rotated from".to_owned(), old_id)]);
        test.remove().await;
    }

    async fn a_token_rotated_out_gets_no_expiry_reminder(test: TestDb) {
        let db = &test.db;
        let now = now_ms();
        let acme = acme(db, now).await;
        let made = now - 30 * DAY;
        acme.mint(db, "kept", Role::Viewer, None, Some(now + 6 * DAY), made).await;
        let (old_id, _) = acme.mint(db, "rotated", Role::Viewer, None, Some(now + 6 * DAY), made).await;
        let asked = RotateRequest { grace_seconds: 24 * 3600, key: None };
        rotation::rotate(&acme.owner_at(db, now), acme.ws, old_id, asked).await.unwrap();
        notifications::queue_expiry_reminders(db, now).await.unwrap();
        let reminders: Vec<String> = db.outbox(acme.ws, 100).await.unwrap().into_iter()
            .filter(|m| m.kind == "token.expiring").map(|m| m.subject).collect();
        assert_eq!(reminders.len(), 1, "{reminders:?}");
        assert!(reminders[0].contains("“kept”"), "{reminders:?}");
        assert!(db.outbox(acme.ws, 100).await.unwrap().iter().any(|m| m.body.contains("/api/v1/access-token/rotate")));
        test.remove().await;
    }

    async fn a_personal_token_rotates_with_its_workspaces_and_no_sealed_secret(test: TestDb) {
        let db = &test.db;
        let now = now_ms();
        let acme = acme(db, now).await;
        let (owner, old_id, new_id) = (acme.owner.id, Uuid::now_v7(), Uuid::now_v7());
        on_pool!(db, pool => {
            sqlx::query("INSERT INTO access_tokens (id, owner_id, label, digest, display_prefix, created_by, created_at, updated_at)
                         VALUES ($1, $2, 'laptop', $3, 'tsr_abcdef', $2, $4, $4)")
                .bind(old_id).bind(owner).bind(&[1u8; 32][..]).bind(now - DAY).execute(pool).await.unwrap();
            for (ws, scope, status) in [(acme.ws, "administrator", "approved"), (acme.other_ws, "viewer", "pending")] {
                sqlx::query("INSERT INTO token_workspaces (token_id, workspace_id, scope, permissions, status, requested_at)
                             VALUES ($1, $2, $3, 'tokens:read', $4, $5)")
                    .bind(old_id).bind(ws).bind(scope).bind(status).bind(now - DAY).execute(pool).await.unwrap();
            }
        });
        let secret = secrets::new_token_secret();
        let sealed = keys().seal(new_id, &secret);
        let rotation = Rotation {
            old_id, new_id, digest: &[2u8; 32], display_prefix: secret.display_prefix(),
            sealed_secret: &sealed, keep_secret: true, created_by: Some(owner), created_by_token: None,
            expires_at: None, grace_ends_at: now + HOUR,
        };
        let event = |action: &'static str| AuditEvent {
            id: Uuid::now_v7(), workspace_id: None, actor: AuditActor::System, action,
            target_kind: None, target_id: None, target_label: None, ip: None, user_agent: None,
            changes: None, created_at: now, mail: Vec::new(),
        };
        let written = db.rotate_token(&rotation, None, now, &[event("token.rotated")], &[event("token.created")]).await.unwrap();
        assert_eq!(written, RotationWrite::Done);
        let copied: Vec<(Uuid, String, Option<String>, String)> = on_pool!(db, pool => sqlx::query_as(
            "SELECT workspace_id, scope, permissions, status FROM token_workspaces WHERE token_id = $1 ORDER BY scope")
            .bind(new_id).fetch_all(pool).await.unwrap());
        assert_eq!(copied, vec![
            (acme.ws, "administrator".to_owned(), Some("tokens:read".to_owned()), "approved".to_owned()),
            (acme.other_ws, "viewer".to_owned(), Some("tokens:read".to_owned()), "pending".to_owned()),
        ]);
        let (holder, label, sealed, from): (Option<Uuid>, String, Option<Vec<u8>>, Option<Uuid>) = on_pool!(db, pool => sqlx::query_as(
            "SELECT owner_id, label, sealed_secret, rotated_from FROM access_tokens WHERE id = $1")
            .bind(new_id).fetch_one(pool).await.unwrap());
        assert_eq!((holder, label.as_str(), sealed, from), (Some(owner), "laptop", None, Some(old_id)));
        assert_eq!(count(db, "SELECT COUNT(*) FROM access_tokens WHERE rotated_to IS NOT NULL AND id = $1", old_id).await, 1);
        // Nothing is left half done when the old token cannot be rotated: the same again.
        let again = Rotation { new_id: Uuid::now_v7(), digest: &[3u8; 32], ..rotation };
        let written = db.rotate_token(&again, None, now, &[event("token.rotated")], &[event("token.created")]).await.unwrap();
        assert_eq!(written, RotationWrite::NotRotatable);
        assert_eq!(count(db, "SELECT COUNT(*) FROM token_workspaces WHERE token_id = $1", again.new_id).await, 0);
        test.remove().await;
    }
}

#[tokio::test]
async fn the_openapi_document_describes_both_rotations() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(tessera::server::api::openapi::ApiDoc::openapi()).unwrap();
    for path in [
        "/workspaces/{workspace}/tokens/{token}/rotate",
        "/access-token/rotate",
    ] {
        let post = &doc["paths"][path]["post"];
        for code in ["201", "400", "409", "422"] {
            assert!(post["responses"][code].is_object(), "{path} {code}");
        }
        let params = post["parameters"].as_array().unwrap();
        assert!(
            params
                .iter()
                .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
            "{path}"
        );
    }
    let schema = &doc["components"]["schemas"]["RotatedJson"]["properties"];
    for field in ["token", "secret", "rotated_from", "grace_ends_at"] {
        assert!(schema[field].is_object(), "{field}");
    }
}
