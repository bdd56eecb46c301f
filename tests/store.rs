//! The schema behaves the same on SQLite and PostgreSQL: every case runs on both.

mod support;

use tessera::{
    domain::{api_permission::PermissionSet, role::Role},
    on_pool,
    server::store::{Db, Engine, Pool},
};
use uuid::Uuid;

const NOW: i64 = 1_795_000_000_000; // 2026-11-18T…Z, in milliseconds

async fn insert_user(db: &Db, email: &str) -> Uuid {
    let id = Uuid::now_v7();
    on_pool!(db, pool => sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(id)
    .bind(email)
    .bind("Test User")
    .bind("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
    .bind(NOW)
    .execute(pool).await.map(|done| done.rows_affected())
    .expect("insert user"));
    id
}

async fn insert_workspace(db: &Db, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    on_pool!(db, pool => sqlx::query(
        "INSERT INTO workspaces (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)",
    )
    .bind(id)
    .bind(name)
    .bind(NOW)
    .execute(pool).await.map(|done| done.rows_affected())
    .expect("insert workspace"));
    id
}

async fn insert_membership(
    db: &Db,
    workspace: Uuid,
    user: Uuid,
    role: &str,
) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(workspace)
    .bind(user)
    .bind(role)
    .bind(NOW)
    .execute(pool).await.map(|done| done.rows_affected()))?;
    Ok(())
}

struct NewToken<'a> {
    workspace: Uuid,
    label: &'a str,
    scope: &'a str,
    digest: [u8; 32],
    created_by: Option<Uuid>,
}

async fn insert_token(db: &Db, token: NewToken<'_>) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    on_pool!(db, pool => sqlx::query(
        "INSERT INTO access_tokens
            (id, workspace_id, label, scope, digest, display_prefix, sealed_secret,
             created_by, created_at, updated_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
    )
    .bind(id)
    .bind(token.workspace)
    .bind(token.label)
    .bind(token.scope)
    .bind(token.digest.to_vec())
    .bind("tsr_abcdef")
    .bind(vec![0u8; 60])
    .bind(token.created_by)
    .bind(NOW)
    .bind(Some(NOW + 86_400_000))
    .execute(pool).await.map(|done| done.rows_affected()))?;
    Ok(id)
}

fn token<'a>(workspace: Uuid, label: &'a str, digest_byte: u8) -> NewToken<'a> {
    NewToken {
        workspace,
        label,
        scope: "viewer",
        digest: [digest_byte; 32],
        created_by: None,
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.expect(sql))
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

on_both_engines! {
    async fn the_last_use_flush_keeps_the_newest_requests_and_days_and_skips_deleted_tokens(test: TestDb) {
        // The flush writes each engine its own way (PostgreSQL in arrays, SQLite in lists of
        // rows): both keep the newest 20 requests per token, add days up, forget days
        // beyond 90, move the last use only forwards, and write nothing for a token deleted
        // meanwhile.
        use std::collections::VecDeque;
        use tessera::server::store::tokens::{TokenRequest, TokenUses};
        let db = &test.db;
        let ws = insert_workspace(db, "Acme").await;
        let (a, b) = (insert_token(db, token(ws, "a", 1)).await.unwrap(), insert_token(db, token(ws, "b", 2)).await.unwrap());
        let gone = Uuid::now_v7();
        const DAY: i64 = 86_400_000;
        let today = NOW / DAY;
        let request = |at: i64, refused: Option<&'static str>| TokenRequest {
            at,
            ip: Some([203, 0, 113, (at % 200) as u8].into()),
            user_agent: Some(format!("agent {at}")),
            method: "GET".into(),
            path: format!("/api/v1/{at}"),
            refused,
        };
        let uses = |id: Uuid, ats: std::ops::Range<i64>, daily: Vec<(i64, i64)>| TokenUses {
            token_id: id,
            recent: ats.map(|at| request(NOW + at, None)).collect::<VecDeque<_>>(),
            daily,
        };
        db.record_token_uses(&[
            uses(a, 0..15, vec![(today - 100, 3), (today - 1, 4)]),
            uses(b, 0..3, vec![(today, 3)]),
            uses(gone, 0..2, vec![(today, 2)]),
        ]).await.unwrap();
        // Second flush: 10 more for a (25 in all: the oldest 5 go), an older use of b that
        // must not move its last use back, and a refused attempt of b's.
        let mut older = uses(b, 0..0, vec![(today, 1)]);
        older.recent.push_back(request(NOW - 50, None));
        older.recent.push_back(request(NOW + 100, Some("ip_not_allowed")));
        db.record_token_uses(&[uses(a, 15..25, vec![(today, 10)]), older]).await.unwrap();

        let kept = |id: Uuid| format!("SELECT COUNT(*) FROM token_requests WHERE token_id = '{id}'");
        let on_sqlite = matches!(db.pool(), Pool::Sqlite(_));
        let kept = |id: Uuid| if on_sqlite {
            format!("SELECT COUNT(*) FROM token_requests WHERE token_id = x'{}'", id.simple())
        } else {
            kept(id)
        };
        assert_eq!(count(db, &kept(a)).await, 20, "the newest 20 kept");
        let newest: Vec<i64> = db.token_requests(a).await.unwrap().iter().map(|r| r.at - NOW).collect();
        assert_eq!(newest, (5..25).rev().collect::<Vec<_>>());
        let first = &db.token_requests(a).await.unwrap()[0];
        assert_eq!((first.ip.as_deref(), first.user_agent.as_deref(), first.path.as_str()), (Some("203.0.113.24"), Some(format!("agent {}", NOW + 24).as_str()), format!("/api/v1/{}", NOW + 24).as_str()));
        assert_eq!(count(db, &kept(b)).await, 5);
        let refused = db.token_requests(b).await.unwrap();
        assert_eq!(refused[0].refused.as_deref(), Some("ip_not_allowed"));
        assert_eq!(count(db, &kept(gone)).await, 0, "nothing for a deleted token");
        assert_eq!(count(db, "SELECT COUNT(*) FROM token_daily_requests").await, 3, "a: yesterday and today; b: today");
        assert_eq!(db.token_daily_requests(a, 0).await.unwrap(), [(today - 1, 4), (today, 10)], "day 100 forgotten");
        assert_eq!(db.token_daily_requests(b, 0).await.unwrap(), [(today, 4)], "days add up");
        let last = |id: Uuid| {
            async move {
                on_pool!(db, pool => sqlx::query_as::<_, (Option<i64>, Option<String>)>(
                    "SELECT last_used_at, last_used_path FROM access_tokens WHERE id = $1")
                    .bind(id).fetch_one(pool).await.unwrap())
            }
        };
        assert_eq!(last(a).await, (Some(NOW + 24), Some(format!("/api/v1/{}", NOW + 24))));
        assert_eq!(last(b).await, (Some(NOW + 2), Some(format!("/api/v1/{}", NOW + 2))), "never moved back, never to a refusal");
        test.remove().await;
    }

    async fn a_flush_of_more_rows_than_one_statement_takes_writes_every_token(test: TestDb) {
        // SQLite writes a flush in statements of SQLITE_ROWS rows: 2.5 times as many tokens,
        // each with 21 requests, cross that size in every step; each token must come out as
        // if alone.
        use std::collections::VecDeque;
        use tessera::server::store::{token_uses::SQLITE_ROWS, tokens::{TokenRequest, TokenUses}};
        let db = &test.db;
        let ws = insert_workspace(db, "Acme").await;
        let tokens = SQLITE_ROWS * 5 / 2;
        let labels: Vec<String> = (0..tokens).map(|i| format!("token {i}")).collect();
        let mut ids = Vec::with_capacity(tokens);
        for (i, label) in labels.iter().enumerate() {
            let mut digest = [0u8; 32];
            digest[..8].copy_from_slice(&(i as u64).to_be_bytes());
            ids.push(insert_token(db, NewToken { digest, ..token(ws, label, 0) }).await.unwrap());
        }
        const DAY: i64 = 86_400_000;
        let today = NOW / DAY;
        let flush = |ats: std::ops::Range<i64>, daily: Vec<(i64, i64)>| {
            ids.iter().map(|&id| TokenUses {
                token_id: id,
                recent: ats.clone().map(|at| TokenRequest {
                    at: NOW + at,
                    ip: Some([198, 51, 100, 7].into()),
                    user_agent: None,
                    method: "GET".into(),
                    path: format!("/api/v1/{at}"),
                    refused: None,
                }).collect::<VecDeque<_>>(),
                daily: daily.clone(),
            }).collect::<Vec<_>>()
        };
        db.record_token_uses(&flush(0..2, vec![(today - 100, 1), (today, 2)])).await.unwrap();
        db.record_token_uses(&flush(2..21, vec![(today, 19)])).await.unwrap();

        assert_eq!(count(db, "SELECT COUNT(*) FROM token_requests").await, 20 * tokens as i64, "the newest 20 of each");
        assert_eq!(count(db, "SELECT COUNT(*) FROM token_daily_requests").await, tokens as i64, "today alone for each");
        for &id in [ids[0], ids[SQLITE_ROWS - 1], ids[SQLITE_ROWS], ids[tokens - 1]].iter() {
            let kept: Vec<i64> = db.token_requests(id).await.unwrap().iter().map(|r| r.at - NOW).collect();
            assert_eq!(kept, (1..21).rev().collect::<Vec<_>>());
            assert_eq!(db.token_daily_requests(id, 0).await.unwrap(), [(today, 21)]);
            let last: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(
                "SELECT last_used_at FROM access_tokens WHERE id = $1")
                .bind(id).fetch_one(pool).await.unwrap());
            assert_eq!(last, Some(NOW + 20));
        }
        test.remove().await;
    }

    async fn migrations_apply_once_and_create_every_table(test: TestDb) {
        assert_eq!(test.db.schema_version().await.unwrap(), support::SCHEMA_VERSION);
        // A second start finds nothing to do.
        test.db.migrate().await.unwrap();
        assert_eq!(test.db.schema_version().await.unwrap(), support::SCHEMA_VERSION);
        for table in [
            "users", "user_preferences", "sessions", "login_failures", "workspaces",
            "memberships", "access_tokens", "audit_events", "token_requests",
            "token_daily_requests", "outbox", "invitations", "password_resets",
            "sign_in_networks", "token_workspaces",
        ] {
            assert_eq!(count(&test.db, &format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table}");
        }
        test.db.ping().await.unwrap();
        test.remove().await;
    }

    async fn tokens_made_before_personal_tokens_keep_their_requests(test: TestDb) {
        // Version 5 rebuilds the token table on SQLite: nothing that refers to a token may
        // be lost on the way.
        let engine = test.db.engine();
        test.remove().await;
        let test = support::TestDb::empty(engine).await;
        let db = &test.db;
        support::migrate_up_to(db, 4).await;
        let workspace = insert_workspace(db, "Acme").await;
        let user = insert_user(db, "ada@example.com").await;
        let token = insert_token(db, NewToken { created_by: Some(user), ..token(workspace, "ci", 7) })
            .await
            .unwrap();
        on_pool!(db, pool => sqlx::query(
            "INSERT INTO token_requests (token_id, at, method, path) VALUES ($1, $2, 'GET', '/api/v1/x')",
        )
        .bind(token)
        .bind(NOW)
        .execute(pool).await.map(|done| done.rows_affected()).unwrap());
        on_pool!(db, pool => sqlx::query(
            "INSERT INTO token_daily_requests (token_id, day, requests) VALUES ($1, 20000, 3)",
        )
        .bind(token)
        .execute(pool).await.map(|done| done.rows_affected()).unwrap());

        db.migrate().await.unwrap();
        assert_eq!(db.schema_version().await.unwrap(), support::SCHEMA_VERSION);
        assert_eq!(count(db, "SELECT COUNT(*) FROM token_requests").await, 1);
        assert_eq!(count(db, "SELECT MAX(requests) FROM token_daily_requests").await, 3);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM access_tokens WHERE workspace_id IS NOT NULL AND owner_id IS NULL AND scope = 'viewer' AND created_by IS NOT NULL").await,
            1
        );
        // The requests still follow their token: deleting it takes them along.
        on_pool!(db, pool => sqlx::query("DELETE FROM access_tokens").execute(pool).await.map(|d| d.rows_affected()).unwrap());
        assert_eq!(count(db, "SELECT COUNT(*) FROM token_requests").await, 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM token_daily_requests").await, 0);
        if db.engine() == Engine::Sqlite {
            assert_eq!(count(db, "SELECT COUNT(*) FROM pragma_foreign_key_check").await, 0);
            assert_eq!(count(db, "SELECT foreign_keys FROM pragma_foreign_keys").await, 1);
        }
        test.remove().await;
    }

    async fn token_digests_are_unique_across_workspaces(test: TestDb) {
        let db = &test.db;
        let (a, b) = (insert_workspace(db, "A").await, insert_workspace(db, "B").await);
        insert_token(db, token(a, "deploy", 7)).await.unwrap();
        let error = insert_token(db, token(b, "other", 7)).await.unwrap_err();
        assert!(is_unique_violation(&error), "{error}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM access_tokens").await, 1);
        test.remove().await;
    }

    async fn token_labels_are_unique_per_workspace_ignoring_case(test: TestDb) {
        let db = &test.db;
        let (a, b) = (insert_workspace(db, "A").await, insert_workspace(db, "B").await);
        insert_token(db, token(a, "Deploy", 1)).await.unwrap();
        let error = insert_token(db, token(a, "deploy", 2)).await.unwrap_err();
        assert!(is_unique_violation(&error), "{error}");
        // The same label in another workspace is fine.
        insert_token(db, token(b, "deploy", 3)).await.unwrap();
        test.remove().await;
    }

    async fn roles_outside_the_five_are_refused(test: TestDb) {
        let db = &test.db;
        let (ws, user) = (insert_workspace(db, "A").await, insert_user(db, "a@example.com").await);
        assert!(insert_membership(db, ws, user, "superuser").await.is_err());
        let mut bad = token(ws, "root", 1);
        bad.scope = "root";
        assert!(insert_token(db, bad).await.is_err());
        for role in ["viewer", "team_member", "workspace_manager", "administrator", "owner"] {
            let user = insert_user(db, &format!("{role}@example.com")).await;
            insert_membership(db, ws, user, role).await.unwrap();
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM memberships").await, 5);
        test.remove().await;
    }

    async fn foreign_keys_are_enforced(test: TestDb) {
        let db = &test.db;
        let user = insert_user(db, "a@example.com").await;
        let error = insert_membership(db, Uuid::now_v7(), user, "owner").await.unwrap_err();
        assert!(error.as_database_error().is_some_and(|e| e.is_foreign_key_violation()), "{error}");
        test.remove().await;
    }

    async fn emails_are_unique(test: TestDb) {
        let db = &test.db;
        insert_user(db, "a@example.com").await;
        let error = on_pool!(db, pool => sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
             VALUES ($1, 'a@example.com', 'Again', 'x', 0, 0)",
        ).bind(Uuid::now_v7()).execute(pool).await.map(|done| done.rows_affected())).unwrap_err();
        assert!(is_unique_violation(&error), "{error}");
        test.remove().await;
    }

    async fn deleting_a_workspace_removes_what_belongs_to_it(test: TestDb) {
        let db = &test.db;
        let (gone, kept) = (insert_workspace(db, "Gone").await, insert_workspace(db, "Kept").await);
        let user = insert_user(db, "a@example.com").await;
        insert_membership(db, gone, user, "owner").await.unwrap();
        insert_membership(db, kept, user, "owner").await.unwrap();
        insert_token(db, token(gone, "ci", 1)).await.unwrap();
        insert_token(db, token(kept, "ci", 2)).await.unwrap();
        on_pool!(db, pool => sqlx::query(
            "INSERT INTO audit_events (id, workspace_id, actor_kind, actor_user_id, actor_label, action, created_at)
             VALUES ($1, $2, 'user', $3, 'a@example.com', 'token.created', $4)",
        ).bind(Uuid::now_v7()).bind(gone).bind(user).bind(NOW).execute(pool).await.map(|done| done.rows_affected()).unwrap());

        on_pool!(db, pool => sqlx::query("DELETE FROM workspaces WHERE id = $1").bind(gone).execute(pool).await.map(|done| done.rows_affected()).unwrap());

        assert_eq!(count(db, "SELECT COUNT(*) FROM memberships").await, 1);
        assert_eq!(count(db, "SELECT COUNT(*) FROM access_tokens").await, 1);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events").await, 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM users").await, 1);
        test.remove().await;
    }

    async fn deleting_a_user_keeps_their_tokens_and_audit_trail(test: TestDb) {
        let db = &test.db;
        let ws = insert_workspace(db, "A").await;
        let user = insert_user(db, "leaver@example.com").await;
        insert_membership(db, ws, user, "administrator").await.unwrap();
        let mut made = token(ws, "ci", 1);
        made.created_by = Some(user);
        let token_id = insert_token(db, made).await.unwrap();
        on_pool!(db, pool => sqlx::query(
            "INSERT INTO sessions (id_digest, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $3)",
        ).bind(vec![9u8; 32]).bind(user).bind(NOW).execute(pool).await.map(|done| done.rows_affected()).unwrap());
        on_pool!(db, pool => sqlx::query(
            "INSERT INTO user_preferences (user_id, name, value, updated_at) VALUES ($1, 'token_columns', '[]', $2)",
        ).bind(user).bind(NOW).execute(pool).await.map(|done| done.rows_affected()).unwrap());
        on_pool!(db, pool => sqlx::query(
            "INSERT INTO audit_events (id, workspace_id, actor_kind, actor_user_id, actor_label, action, target_kind, target_id, target_label, created_at)
             VALUES ($1, $2, 'user', $3, 'leaver@example.com', 'token.created', 'token', $4, 'ci', $5)",
        ).bind(Uuid::now_v7()).bind(ws).bind(user).bind(token_id).bind(NOW).execute(pool).await.map(|done| done.rows_affected()).unwrap());

        on_pool!(db, pool => sqlx::query("DELETE FROM users WHERE id = $1").bind(user).execute(pool).await.map(|done| done.rows_affected()).unwrap());

        assert_eq!(count(db, "SELECT COUNT(*) FROM sessions").await, 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM memberships").await, 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM user_preferences").await, 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM access_tokens WHERE created_by IS NULL").await, 1);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM audit_events WHERE actor_user_id IS NULL AND actor_label = 'leaver@example.com'").await,
            1
        );
        test.remove().await;
    }

    async fn rows_decode_roles_and_permissions_and_refuse_what_is_neither(test: TestDb) {
        let db = &test.db;
        let ws = insert_workspace(db, "A").await;
        let user = insert_user(db, "a@example.com").await;
        insert_membership(db, ws, user, "team_member").await.unwrap();
        assert_eq!(db.members(ws).await.unwrap()[0].role, Role::TeamMember);
        let id = insert_token(db, token(ws, "narrow", 1)).await.unwrap();
        let set_permissions = async |text: &str| {
            on_pool!(db, pool => sqlx::query("UPDATE access_tokens SET permissions = $2 WHERE id = $1")
                .bind(id).bind(text).execute(pool).await.map(|done| done.rows_affected()).unwrap());
        };
        set_permissions("introspect tokens:read").await;
        let row = db.token(ws, id).await.unwrap().unwrap();
        assert_eq!((row.scope, row.permissions.map(PermissionSet::to_text)),
            (Role::Viewer, Some("tokens:read introspect".to_owned())));
        // A value no version of Tessera writes is a store error for the caller to log.
        set_permissions("introspect tokens:delete").await;
        let error = db.tokens(ws).await.unwrap_err();
        assert!(error.to_string().contains("unknown permission `tokens:delete`"), "{error}");
        let error = db.token_by_digest(&[1; 32]).await.unwrap_err();
        assert!(error.to_string().contains("unknown permission `tokens:delete`"), "{error}");
        test.remove().await;
    }
}

#[tokio::test]
async fn sqlite_files_are_created_in_wal_mode_with_foreign_keys_on() {
    let test = support::TestDb::sqlite().await;
    assert_eq!(test.db.engine(), Engine::Sqlite);
    let Pool::Sqlite(pool) = test.db.pool() else {
        unreachable!()
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(foreign_keys, 1);
    let path = test.url.trim_start_matches("sqlite://").to_owned();
    assert!(
        std::path::Path::new(&path).is_file(),
        "{path} was not created"
    );
    test.remove().await;
}

#[tokio::test]
async fn unsupported_and_unreachable_databases_fail_with_a_clear_error() {
    let error = Db::connect("mysql://localhost/tessera").await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("expected sqlite: or postgres://"),
        "{error}"
    );
    // Port 1 on loopback: nothing listens there.
    let error = Db::connect("postgres://tessera:secret@127.0.0.1:1/tessera")
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("cannot open the database"), "{message}");
    assert!(!message.contains("secret"), "{message}");
}
