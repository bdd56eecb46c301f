//! `kill -9` in the middle of a stream of writes, on SQLite and PostgreSQL: after a restart
//! every change that was answered 2xx is there, none that was not is half there (each token
//! and invitation has the audit record written in its transaction, and the other way
//! round), and the database's own checks pass (SQLite's integrity and foreign-key checks,
//! PostgreSQL's amcheck over every table and b-tree index).

mod support;

use support::binary::start_with;

use std::{
    collections::HashMap,
    process::Child,
    sync::{Arc, Mutex},
    time::Duration,
};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tessera::{
    domain::role::Role,
    server::{
        config::SecretKey,
        secrets::Keys,
        services::{RequestMeta, now_ms},
    },
};
use uuid::Uuid;

const SECRET_HEX: &str = "0909090909090909090909090909090909090909090909090909090909090909";

/// The compiled server on `url`, on a free port; its address once it listens.
fn start(dir: &std::path::Path, url: &str) -> (Child, String) {
    let (child, addr, _log) = start_with(
        dir,
        &[("DATABASE_URL", url), ("TESSERA_SECRET_KEY", SECRET_HEX)],
    );
    (child, addr)
}

/// What one write asked for and whether it was answered 2xx (None: no answer, it was
/// cut off by the kill).
#[derive(Debug)]
enum Write {
    Create {
        made: Option<Uuid>,
    },
    Rename {
        id: Uuid,
        label: String,
        done: Option<bool>,
    },
    Disable {
        id: Uuid,
        done: Option<bool>,
    },
    Invite {
        email: String,
        done: Option<bool>,
    },
}

impl Write {
    fn answered(&self) -> bool {
        match self {
            Write::Create { made, .. } => made.is_some(),
            Write::Rename { done, .. }
            | Write::Disable { done, .. }
            | Write::Invite { done, .. } => done.is_some(),
        }
    }
}

/// One writer: creates a token, renames it, disables it, invites someone; again and again
/// until the server stops answering.
async fn writer(api: String, bearer: String, n: usize, log: Arc<Mutex<Vec<Write>>>) {
    let client = Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let send = |method: reqwest::Method, path: String, body: Value| {
        client
            .request(method, format!("{api}{path}"))
            .bearer_auth(&bearer)
            .json(&body)
            .send()
    };
    for i in 0.. {
        let label = format!("w{n}-{i}");
        let made = match send(
            reqwest::Method::POST,
            "/tokens".into(),
            json!({"label": label, "scope": "viewer"}),
        )
        .await
        {
            Ok(response) if response.status() == StatusCode::CREATED => {
                let body: Value = response.json().await.unwrap_or(Value::Null);
                body["token"]["id"].as_str().and_then(|id| id.parse().ok())
            }
            Ok(response) => panic!("create answered {}", response.status()),
            Err(_) => None,
        };
        log.lock().unwrap().push(Write::Create { made });
        let Some(id) = made else { return };
        let answered = |result: Result<reqwest::Response, reqwest::Error>| match result {
            Ok(response) if response.status().is_success() => Some(true),
            Ok(response) => panic!("answered {}", response.status()),
            Err(_) => None,
        };
        let renamed = format!("{label}-renamed");
        let done = answered(
            send(
                reqwest::Method::PATCH,
                format!("/tokens/{id}"),
                json!({"label": renamed}),
            )
            .await,
        );
        log.lock().unwrap().push(Write::Rename {
            id,
            label: renamed,
            done,
        });
        if done.is_none() {
            return;
        }
        let done = answered(
            send(
                reqwest::Method::PATCH,
                format!("/tokens/{id}"),
                json!({"enabled": false}),
            )
            .await,
        );
        log.lock().unwrap().push(Write::Disable { id, done });
        if done.is_none() {
            return;
        }
        let email = format!("m{n}-{i}@example.com");
        let done = answered(
            send(
                reqwest::Method::POST,
                "/members".into(),
                json!({"email": email, "role": "viewer"}),
            )
            .await,
        );
        log.lock().unwrap().push(Write::Invite { email, done });
        if done.is_none() {
            return;
        }
    }
}

async fn crash_during_writes(test: support::TestDb) {
    let keys = Keys::derive(&SecretKey::from_hex(SECRET_HEX).unwrap());
    let meta = RequestMeta::default();
    let (owner, workspace) = support::set_up(&test.db, &keys, "Olive", &meta, now_ms()).await;
    let by = support::acting(&test.db, &keys, &owner, &meta, now_ms());
    let (_, secret) = support::mint(&by, workspace, "driver", Role::Owner, None, None).await;

    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr) = start(dir.path(), &test.url);
    let api = format!("http://{addr}/api/v1/workspaces/{workspace}");
    let log = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..4)
        .map(|n| tokio::spawn(writer(api.clone(), secret.clone(), n, log.clone())))
        .collect();
    // Let the stream run, then kill the server in the middle of it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    let log = std::mem::take(&mut *log.lock().unwrap());
    let answered = log.iter().filter(|write| write.answered()).count();
    assert!(
        answered >= 20,
        "the stream ran before the kill: {answered} writes answered"
    );

    // Restarted, it serves again; then the database is read as it is.
    let (mut again, addr) = start(dir.path(), &test.url);
    let health = Client::new()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    again.kill().unwrap();
    again.wait().unwrap();

    let (tokens, audited, invitations, invited) = read_back(&test, workspace).await;
    let mut lost = Vec::new();
    for write in &log {
        match write {
            Write::Create { made: Some(id), .. } if !tokens.contains_key(id) => {
                lost.push(format!("{write:?}"))
            }
            Write::Rename {
                id,
                label,
                done: Some(true),
            } if tokens.get(id).map(|t| &t.0) != Some(label) => lost.push(format!("{write:?}")),
            Write::Disable {
                id,
                done: Some(true),
            } if !tokens.get(id).is_some_and(|t| t.1) => lost.push(format!("{write:?}")),
            Write::Invite {
                email,
                done: Some(true),
            } if !invitations.contains(email) => lost.push(format!("{write:?}")),
            _ => {}
        }
    }
    assert!(
        lost.is_empty(),
        "answered 2xx but not there after the crash: {lost:?}"
    );
    println!(
        "{answered} of {} writes answered before the kill, all there after it; \
         {} tokens and {} invitations stored",
        log.len(),
        tokens.len(),
        invitations.len()
    );
    // Nothing half there: every token has its creation on record and every record of a
    // creation its token; the same for invitations.
    let created: Vec<&Uuid> = tokens.keys().collect();
    for id in &created {
        assert!(
            audited.contains(id),
            "token {id} without its token.created record"
        );
    }
    assert_eq!(
        audited.len(),
        tokens.len(),
        "a token.created record without its token"
    );
    assert_eq!(
        invited.len(),
        invitations.len(),
        "invitations and their member.invited records"
    );
    if let tessera::server::store::Pool::Sqlite(pool) = test.db.pool() {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(check, "ok");
        let broken: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(pool)
            .await
            .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
    }
    if let tessera::server::store::Pool::Postgres(pool) = test.db.pool() {
        // PostgreSQL's own checker (amcheck, shipped with the server): every table's heap,
        // and every b-tree index against it (each row has its index entries). The test's
        // throw-away cluster makes the test user its superuser, which CREATE EXTENSION needs.
        sqlx::query("CREATE EXTENSION IF NOT EXISTS amcheck")
            .execute(pool)
            .await
            .unwrap();
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind = 'r'",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        assert!(tables.len() > 10, "{tables:?}");
        for (table,) in &tables {
            let corrupt: Vec<(String,)> =
                sqlx::query_as("SELECT msg FROM verify_heapam($1::regclass)")
                    .bind(table)
                    .fetch_all(pool)
                    .await
                    .unwrap();
            assert!(corrupt.is_empty(), "{table}: {corrupt:?}");
        }
        let indexes: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (SELECT bt_index_check(c.oid, true) FROM pg_index i
             JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE am.amname = 'btree' AND n.nspname = current_schema()) checked",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert!(indexes > 10, "{indexes} b-tree indexes checked");
    }
    test.remove().await;
}

/// The workspace's tokens (label, disabled), the tokens its audit log records as created,
/// its invitations' emails and how many member.invited records it holds.
async fn read_back(
    test: &support::TestDb,
    workspace: Uuid,
) -> (
    HashMap<Uuid, (String, bool)>,
    Vec<Uuid>,
    Vec<String>,
    Vec<Uuid>,
) {
    tessera::on_pool!(test.db, pool => {
        let tokens: Vec<(Uuid, String, Option<i64>)> = sqlx::query_as(
            "SELECT id, label, disabled_at FROM access_tokens WHERE workspace_id = $1")
            .bind(workspace).fetch_all(pool).await.unwrap();
        let audited: Vec<(Uuid,)> = sqlx::query_as(
            "SELECT target_id FROM audit_events WHERE workspace_id = $1 AND action = 'token.created'")
            .bind(workspace).fetch_all(pool).await.unwrap();
        let invitations: Vec<(String,)> = sqlx::query_as(
            "SELECT email FROM invitations WHERE workspace_id = $1")
            .bind(workspace).fetch_all(pool).await.unwrap();
        let invited: Vec<(Uuid,)> = sqlx::query_as(
            "SELECT target_id FROM audit_events WHERE workspace_id = $1 AND action = 'member.invited'")
            .bind(workspace).fetch_all(pool).await.unwrap();
        (
            tokens.into_iter().map(|(id, label, disabled)| (id, (label, disabled.is_some()))).collect(),
            audited.into_iter().map(|(id,)| id).collect(),
            invitations.into_iter().map(|(email,)| email).collect(),
            invited.into_iter().map(|(id,)| id).collect(),
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    crash_during_writes(support::TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    crash_during_writes(support::TestDb::postgres().await).await;
}
