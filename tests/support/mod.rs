//! Fresh databases for tests: a SQLite file in a temporary directory, or a
//! throw-away PostgreSQL database created through `TESSERA_TEST_POSTGRES_URL`
//! (`make test` starts a server and sets it).

#![allow(dead_code)] // each test crate uses a different part

pub mod binary;
pub mod smtp;

use tessera::{
    model::CurrentUser,
    server::{
        config::Config,
        context::Ctx,
        secrets::Keys,
        services::{Principal, RequestMeta},
        state::AppState,
        store::{Db, Pool},
    },
};

pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let test = TestDb::sqlite_empty().await;
        test.db.migrate().await.expect("migrate SQLite");
        test
    }

    /// A SQLite database without any schema yet.
    /// A database of `engine` with no schema at all.
    #[allow(dead_code)]
    pub async fn empty(engine: tessera::server::store::Engine) -> TestDb {
        match engine {
            tessera::server::store::Engine::Sqlite => TestDb::sqlite_empty().await,
            tessera::server::store::Engine::Postgres => TestDb::postgres_empty().await,
        }
    }

    pub async fn sqlite_empty() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("tessera.db").display());
        let db = Db::connect(&url).await.expect("open SQLite");
        TestDb {
            db,
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    pub async fn postgres() -> TestDb {
        let test = TestDb::postgres_empty().await;
        test.db.migrate().await.expect("migrate PostgreSQL");
        test
    }

    /// A PostgreSQL database without any schema yet.
    pub async fn postgres_empty() -> TestDb {
        let admin_url = std::env::var("TESSERA_TEST_POSTGRES_URL").expect(
            "TESSERA_TEST_POSTGRES_URL is not set: point it at a PostgreSQL server where the user \
             may create databases (make test starts one and sets it)",
        );
        let name = format!("tessera_test_{}", uuid::Uuid::now_v7().simple());
        let admin = Db::connect(&admin_url)
            .await
            .expect("connect to the PostgreSQL test server");
        let Pool::Postgres(pool) = admin.pool() else {
            panic!("TESSERA_TEST_POSTGRES_URL must be a postgres:// URL")
        };
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(pool)
            .await
            .expect("create the test database");
        admin.close().await;
        let url = with_database(&admin_url, &name);
        let db = Db::connect(&url).await.expect("open the test database");
        TestDb {
            db,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }

    /// Closes the pool and removes the database.
    pub async fn remove(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::Sqlite(dir) => drop(dir),
            Cleanup::Postgres { admin_url, name } => {
                let admin = Db::connect(&admin_url).await.expect("reconnect as admin");
                if let Pool::Postgres(pool) = admin.pool() {
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(pool)
                        .await
                        .expect("drop the test database");
                }
                admin.close().await;
            }
        }
    }
}

/// `postgres://user:pw@host:port/admin_db?opts` with the database name replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// Runs each `async fn name(db: TestDb)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_engines {
    ($(async fn $name:ident($db:ident: TestDb) $body:block)*) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let $db = $crate::support::TestDb::sqlite().await;
                    $body
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let $db = $crate::support::TestDb::postgres().await;
                    $body
                }
            )*
        }
    };
}

/// A strong password the people tests invite choose for themselves.
pub const JOINED_PASSWORD: &str = "violet anchor drizzle 42";

/// Invites `member`, who has an account already, into `workspace` as `role` (by `inviter`),
/// and they accept.
pub async fn invite_existing(
    inviter: &Ctx,
    workspace: uuid::Uuid,
    member: &CurrentUser,
    role: tessera::domain::role::Role,
) {
    use tessera::{model::InvitationAnswer, server::services::invitations};
    let sent = invitations::invite(inviter, workspace, &member.email, role)
        .await
        .expect("invite");
    let code = sent.link.unwrap().rsplit('/').next().unwrap().to_owned();
    let answer = InvitationAnswer {
        accept: true,
        name: None,
        password: None,
    };
    invitations::answer(&inviter.acting_as(Some(member.clone())), &code, answer)
        .await
        .expect("accept the invitation");
}

/// Invites `email` into `workspace` as `role` (by `inviter`, without a mail relay, so the
/// link comes back) and accepts as a new account named `name`: how people join now.
/// Returns the new person and their session id.
pub async fn join(
    inviter: &Ctx,
    workspace: uuid::Uuid,
    email: &str,
    name: &str,
    role: tessera::domain::role::Role,
) -> (CurrentUser, String) {
    use tessera::{
        model::InvitationAnswer,
        server::services::{accounts, invitations},
    };
    let sent = invitations::invite(inviter, workspace, email, role)
        .await
        .expect("invite");
    let link = sent
        .link
        .expect("without a relay the inviter gets the link");
    let code = link.rsplit('/').next().unwrap().to_owned();
    let answer = InvitationAnswer {
        accept: true,
        name: Some(name.to_owned()),
        password: Some(JOINED_PASSWORD.to_owned()),
    };
    let answered = invitations::answer(&inviter.acting_as(None), &code, answer)
        .await
        .expect("accept the invitation");
    let session = answered.session.expect("a new account is signed in");
    let user = accounts::authenticate(&inviter.acting_as(()), Some(&session.id))
        .await
        .unwrap()
        .expect("the session works");
    (user, session.id)
}

/// The whole site on a random loopback port, as `tessera` serves it, following other
/// instances' token changes (on PostgreSQL the token cache is in use once that has
/// started). Stops when dropped.
pub struct Served {
    pub addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    follower: tokio::task::JoinHandle<()>,
}

pub async fn serve(state: AppState) -> Served {
    let follower = tokio::spawn({
        let db = state.db.clone();
        async move { db.follow_token_changes().await }
    });
    for _ in 0..500 {
        if state.db.token_cache().is_enabled() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        state.db.token_cache().is_enabled(),
        "the token cache never came into use"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, tessera::server::http::service(state))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    Served {
        addr,
        stop: Some(stop),
        follower,
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.follower.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The site as `tessera` configures it from Leptos.toml, with `keys`, served on a random
/// port: its state, the API's base URL, and the server (stops when dropped).
pub async fn serve_api(db: &Db, keys: Keys) -> (AppState, String, Served) {
    let config = Config::from_sources("Leptos.toml", "", |_| None).expect("Leptos.toml");
    let state = AppState::new(config, db.clone(), keys);
    let served = serve(state.clone()).await;
    let base = format!("http://{}/api/v1", served.addr);
    (state, base, served)
}

/// Makes a token in `workspace` through the service, as `by` acts; returns its id and
/// secret. `permissions`: None for the whole scope.
pub async fn mint(
    by: &Ctx,
    workspace: uuid::Uuid,
    label: &str,
    scope: tessera::domain::role::Role,
    permissions: Option<&[tessera::domain::api_permission::ApiPermission]>,
    expires_at: Option<i64>,
) -> (uuid::Uuid, String) {
    let input = tessera::model::TokenInput {
        label: label.into(),
        scope,
        permissions: permissions.map(|p| p.iter().copied().collect()),
        expires_at,
        allowed_ips: None,
        rate_limit: Default::default(),
    };
    let created = tessera::server::services::tokens::create(by, workspace, input)
        .await
        .expect("a token");
    (created.token.id, created.secret)
}

/// Sets up a fresh instance: the Owner `owner@example.com` named `name` (password
/// "correct horse battery") and their workspace "Acme". Returns the Owner and the workspace.
pub async fn set_up(
    db: &Db,
    keys: &Keys,
    name: &str,
    meta: &RequestMeta,
    now: i64,
) -> (CurrentUser, uuid::Uuid) {
    use tessera::server::services::accounts::{self, SetupInput};
    let input = SetupInput {
        email: "owner@example.com".into(),
        name: name.into(),
        password: "correct horse battery".into(),
        workspace_name: "Acme".into(),
    };
    let (session, workspace) = accounts::setup(&ctx(db, keys, (), meta, now), input)
        .await
        .expect("set-up");
    (session.user, workspace)
}

/// The configuration services run with in tests: the defaults (no mail relay, only the
/// instance admin creates workspaces).
pub fn config() -> Config {
    Config::from_sources("none", "", |_| None).expect("the default configuration")
}

/// The context a service call runs in: `principal` acting at `now`, from `meta`, on `db`
/// with `keys` and the default configuration.
pub fn ctx<P>(db: &Db, keys: &Keys, principal: P, meta: &RequestMeta, now: i64) -> Ctx<P> {
    ctx_with(config(), db, keys, principal, meta, now)
}

/// [`ctx`] with another configuration.
pub fn ctx_with<P>(
    config: Config,
    db: &Db,
    keys: &Keys,
    principal: P,
    meta: &RequestMeta,
    now: i64,
) -> Ctx<P> {
    let state = AppState::new(config, db.clone(), keys.clone());
    Ctx {
        state,
        principal,
        meta: meta.clone(),
        now,
    }
}

/// [`ctx`] for a service any principal may call (a person or a token).
pub fn acting(
    db: &Db,
    keys: &Keys,
    actor: impl Into<Principal>,
    meta: &RequestMeta,
    now: i64,
) -> Ctx {
    ctx(db, keys, actor.into(), meta, now)
}

/// Runs a test on one runtime shared by the test binary, one test at a time. Leptos's
/// executor is global to the process: with a runtime per test, a page render or server
/// function could spawn its work onto another test's runtime, which may already be gone (a
/// hang), or miss its context. The server has one runtime, so it never meets this.
pub fn run(test: impl std::future::Future<Output = ()>) {
    use std::sync::{LazyLock, Mutex};
    static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the tests")
    });
    static SERIAL: Mutex<()> = Mutex::new(());
    let _one_at_a_time = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    RUNTIME.block_on(test);
}

/// The newest migration.
pub const SCHEMA_VERSION: i64 = 11;

/// Applies the migrations up to `version` only, as a database last started by an older
/// Tessera would have them.
pub async fn migrate_up_to(db: &tessera::server::store::Db, version: i64) {
    let mut migrator = match db.engine() {
        tessera::server::store::Engine::Sqlite => sqlx::migrate!("migrations/sqlite"),
        tessera::server::store::Engine::Postgres => sqlx::migrate!("migrations/postgres"),
    };
    migrator.migrations = migrator
        .migrations
        .iter()
        .filter(|m| m.version <= version)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    tessera::on_pool!(db, pool => migrator.run(pool).await.expect("older migrations"));
}

/// The server key the API tests serve with.
pub fn api_keys() -> tessera::server::secrets::Keys {
    tessera::server::secrets::Keys::derive(&tessera::server::config::SecretKey([5; 32]))
}

/// The whole site on a random port, called as the REST API is.
pub struct ApiServer {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    _served: Served,
}

impl ApiServer {
    /// The server's router on a random port, following other instances' token writes as
    /// `tessera` does (on PostgreSQL the token cache is in use once that has started).
    pub async fn start(db: &Db) -> ApiServer {
        let (state, base, served) = serve_api(db, api_keys()).await;
        ApiServer {
            base,
            state,
            client: reqwest::Client::new(),
            _served: served,
        }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (
        reqwest::StatusCode,
        reqwest::header::HeaderMap,
        serde_json::Value,
    ) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        };
        (status, headers, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> (reqwest::StatusCode, serde_json::Value) {
        let (status, _, body) = self.call(reqwest::Method::GET, path, token, None).await;
        (status, body)
    }
}

/// A site served over HTTP with its configuration read as from `env` (the file left
/// empty), and Olive, Owner of Acme, with an Owner-scoped token of Acme.
pub struct Site {
    pub state: AppState,
    pub served: Served,
    pub owner: CurrentUser,
    pub workspace: uuid::Uuid,
    /// The Owner-scoped token's secret.
    pub secret: String,
}

pub async fn site(db: &Db, env: impl Fn(&str) -> Option<String>) -> Site {
    use tessera::{domain::role::Role, server::services::now_ms};
    let config = Config::from_sources("Leptos.toml", "", env).unwrap();
    let state = AppState::new(config, db.clone(), api_keys());
    let served = serve(state.clone()).await;
    let meta = RequestMeta::default();
    let (owner, workspace) = set_up(db, &api_keys(), "Olive", &meta, now_ms()).await;
    let by = acting(db, &api_keys(), &owner, &meta, now_ms());
    let (_, secret) = mint(&by, workspace, "admin", Role::Owner, None, None).await;
    Site {
        state,
        served,
        owner,
        workspace,
        secret,
    }
}
