//! Two instances on one PostgreSQL database. The second one's notification connection is
//! cut in the two ways a network can cut it — closed (its backend terminated with
//! `pg_terminate_backend`) and open but deaf (a loopback TCP proxy, which this test
//! controls, stops passing what PostgreSQL sends on it) — and a token it holds in its
//! cache is disabled through the first: the second refuses it within the heartbeat bound.

mod support;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use support::ApiServer;
use tessera::{
    domain::role::Role,
    server::{
        services::{RequestMeta, now_ms, tokens},
        store::{
            Db, Pool,
            listener::{HEARTBEAT_EVERY, HEARTBEAT_LOST_AFTER},
        },
    },
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use uuid::Uuid;

/// A loopback TCP proxy in front of PostgreSQL. It marks the connections on which the
/// client sent `LISTEN`; [`Proxy::deafen`] makes those open at that moment stop passing
/// what the server sends (they stay open, and nothing more is read from the server on
/// them), while connections made afterwards pass everything.
struct Proxy {
    addr: std::net::SocketAddr,
    /// Connections numbered below this one are deaf if they listen.
    deaf_below: Arc<AtomicUsize>,
    /// How many connections were opened (the last one's number).
    opened: Arc<AtomicUsize>,
    listeners: Arc<AtomicUsize>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let deaf_below = Arc::new(AtomicUsize::new(0));
        let listeners = Arc::new(AtomicUsize::new(0));
        let opened = Arc::new(AtomicUsize::new(0));
        let (deaf, counted, numbered) = (deaf_below.clone(), listeners.clone(), opened.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = socket.accept().await {
                let server = TcpStream::connect(&upstream).await.unwrap();
                let number = numbered.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::spawn(pass(client, server, number, deaf.clone(), counted.clone()));
            }
        });
        Proxy {
            addr,
            deaf_below,
            opened,
            listeners,
        }
    }

    /// Every listening connection open now goes deaf.
    fn deafen(&self) {
        let next = self.opened.load(Ordering::SeqCst) + 1;
        self.deaf_below.store(next, Ordering::SeqCst);
    }
}

/// Passes bytes both ways until either side closes. Connection `number` goes deaf once
/// it has sent `LISTEN` and the proxy is deafened while it is open.
async fn pass(
    client: TcpStream,
    server: TcpStream,
    number: usize,
    deaf_below: Arc<AtomicUsize>,
    listeners: Arc<AtomicUsize>,
) {
    let (mut client_reads, mut client_writes) = client.into_split();
    let (mut server_reads, mut server_writes) = server.into_split();
    let listening = Arc::new(AtomicBool::new(false));
    let marked = listening.clone();
    let up = async move {
        let mut buffer = vec![0; 16 * 1024];
        loop {
            let n = match client_reads.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let sent = &buffer[..n];
            if !marked.load(Ordering::SeqCst) && sent.windows(7).any(|w| w == b"LISTEN ") {
                marked.store(true, Ordering::SeqCst);
                listeners.fetch_add(1, Ordering::SeqCst);
            }
            if server_writes.write_all(sent).await.is_err() {
                return;
            }
        }
    };
    // Deafening marks the connections open at that moment: numbered below the next one.
    let deaf =
        move || listening.load(Ordering::SeqCst) && number < deaf_below.load(Ordering::SeqCst);
    let down = async move {
        let mut buffer = vec![0; 16 * 1024];
        loop {
            if deaf() {
                // Open, silent: the connection stays up and nothing comes through.
                std::future::pending::<()>().await;
            }
            let n = match server_reads.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if deaf() {
                std::future::pending::<()>().await;
            }
            if client_writes.write_all(&buffer[..n]).await.is_err() {
                return;
            }
        }
    };
    // Whichever way closes first ends both.
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

/// A token cached by the second instance, which listens on `there`.
struct Setting {
    test: support::TestDb,
    there: Db,
    server: ApiServer,
    owner: tessera::model::CurrentUser,
    workspace: Uuid,
    token: Uuid,
    secret: String,
}

/// The setting; with `proxied`, the second instance reaches PostgreSQL through a proxy.
async fn setting(proxied: bool) -> (Setting, Option<Proxy>) {
    let test = support::TestDb::postgres().await;
    let keys = support::api_keys();
    let meta = RequestMeta::default();
    let (owner, workspace) = support::set_up(&test.db, &keys, "Olive", &meta, now_ms()).await;
    let by = support::acting(&test.db, &keys, &owner, &meta, now_ms());
    let (token, secret) = support::mint(&by, workspace, "watched", Role::Viewer, None, None).await;
    let mut url = reqwest::Url::parse(&test.url).unwrap();
    let proxy = if proxied {
        let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
        let proxy = Proxy::start(upstream).await;
        url.set_port(Some(proxy.addr.port())).unwrap();
        Some(proxy)
    } else {
        None
    };
    let there = Db::connect(url.as_str()).await.unwrap();
    let server = ApiServer::start(&there).await;
    // The second instance listens (its cache is in use), then holds the token.
    let started = Instant::now();
    while !there.token_cache().is_enabled() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never listened"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, _) = server.get("/access-token", &secret).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(there.token_cache().len(), 1);
    let setting = Setting {
        test,
        there,
        server,
        owner,
        workspace,
        token,
        secret,
    };
    (setting, proxy)
}

impl Setting {
    /// Disables the token through the first instance.
    async fn disable_elsewhere(&self) {
        let by = support::acting(
            &self.test.db,
            &support::api_keys(),
            &self.owner,
            &RequestMeta::default(),
            now_ms(),
        );
        tokens::update(
            &by,
            self.workspace,
            self.token,
            tokens::TokenPatch {
                enabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }

    /// How long the second instance goes on accepting the token (checked every 50 ms, for
    /// at most 15 s).
    async fn accepted_for(&self) -> Duration {
        let started = Instant::now();
        loop {
            let (status, _) = self.server.get("/access-token", &self.secret).await;
            if status == StatusCode::UNAUTHORIZED {
                return started.elapsed();
            }
            assert_eq!(status, StatusCode::OK);
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the other instance still accepts the disabled token after 15 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn remove(self) {
        drop(self.server);
        self.there.close().await;
        self.test.remove().await;
    }
}

/// The bound: a heartbeat is missed for `HEARTBEAT_LOST_AFTER`, noticed at the next tick.
fn bound() -> Duration {
    HEARTBEAT_LOST_AFTER + HEARTBEAT_EVERY + Duration::from_secs(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deaf_listener_is_noticed_by_its_heartbeat() {
    let (setting, proxy) = setting(true).await;
    let proxy = proxy.unwrap();
    assert_eq!(proxy.listeners.load(Ordering::SeqCst), 1);

    proxy.deafen();
    // Long enough for the deafness to be in place before the write it must not hear.
    tokio::time::sleep(Duration::from_millis(100)).await;
    setting.disable_elsewhere().await;
    let took = setting.accepted_for().await;
    println!(
        "a deaf listener: the disabled token was refused by the other instance after {} ms (bound {} ms)",
        took.as_millis(),
        bound().as_millis()
    );
    assert!(took <= bound(), "{took:?} is past {:?}", bound());
    // It listens again, on a new connection, and trusts its cache again.
    let started = Instant::now();
    while !(setting.there.token_cache().is_enabled() && proxy.listeners.load(Ordering::SeqCst) >= 2)
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never listened again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    setting.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminated_listener_is_noticed_at_once() {
    let (setting, _) = setting(false).await;
    let Pool::Postgres(pool) = setting.test.db.pool() else {
        unreachable!("a PostgreSQL test")
    };
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN %'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(ended, [true], "one listening backend, terminated");
    setting.disable_elsewhere().await;
    let took = setting.accepted_for().await;
    println!(
        "a terminated listener: the disabled token was refused by the other instance after {} ms",
        took.as_millis()
    );
    assert!(took <= bound(), "{took:?} is past {:?}", bound());
    setting.remove().await;
}
