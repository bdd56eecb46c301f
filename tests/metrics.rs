//! `/metrics` as Prometheus scrapes it, from the compiled server on both engines: served
//! on its own address only, in the text format, with the requests, token checks, cache,
//! pool, outbox and listener figures the README lists, counting what the test did.

mod support;

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use support::binary::{Log, start_with};
use tessera::{
    domain::role::Role,
    server::{
        config::SecretKey,
        secrets::Keys,
        services::{RequestMeta, now_ms},
    },
};

const SECRET_HEX: &str = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";

/// The value of the sample of `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| {
            let (series, _) = line.rsplit_once(' ').unwrap_or((line, ""));
            let bare = series.split('{').next().unwrap_or_default();
            bare == name
                && labels
                    .iter()
                    .all(|(key, value)| series.contains(&format!("{key}=\"{value}\"")))
        })
        .and_then(|line| line.rsplit_once(' '))
        .map(|(_, value)| value.parse().unwrap())
}

/// The address the server says it serves `/metrics` on.
fn metrics_addr(log: &Log) -> String {
    let started = Instant::now();
    loop {
        let found = log.lock().unwrap().iter().find_map(|line| {
            let at = line.find("metrics on http://")?;
            let rest = &line[at + "metrics on http://".len()..];
            Some(rest.split('/').next().unwrap_or_default().to_owned())
        });
        if let Some(addr) = found {
            return addr;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no metrics address in the log: {:?}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn scraped_while_serving(test: support::TestDb) {
    let keys = Keys::derive(&SecretKey::from_hex(SECRET_HEX).unwrap());
    let meta = RequestMeta::default();
    let (owner, workspace) = support::set_up(&test.db, &keys, "Olive", &meta, now_ms()).await;
    let by = support::acting(&test.db, &keys, &owner, &meta, now_ms());
    let (_, secret) = support::mint(&by, workspace, "scraped", Role::Viewer, None, None).await;

    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, log) = start_with(
        dir.path(),
        &[
            ("DATABASE_URL", test.url.as_str()),
            ("TESSERA_SECRET_KEY", SECRET_HEX),
            ("TESSERA_METRICS_ADDR", "127.0.0.1:0"),
        ],
    );
    let metrics = metrics_addr(&log);
    assert_ne!(metrics, addr, "an address of its own");
    let client = Client::new();
    let scrape = async || {
        let answer = client
            .get(format!("http://{metrics}/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let kind = answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
        answer.text().await.unwrap()
    };
    if test.db.engine() == tessera::server::store::Engine::Postgres {
        // The cache is in use once the instance listens for other instances' writes.
        let started = Instant::now();
        while sample(&scrape().await, "tessera_pg_listener_up", &[]) != Some(1.0) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "never listened"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let me = format!("http://{addr}/api/v1/access-token");
    for _ in 0..3 {
        let answer = client.get(&me).bearer_auth(&secret).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
    }
    for _ in 0..2 {
        let answer = client
            .get(&me)
            .bearer_auth("tsr_not_a_token")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    }
    // The site does not serve it.
    let on_site = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(on_site.status(), StatusCode::NOT_FOUND);

    let text = scrape().await;
    let route = ("route", "/api/v1/access-token");
    let at = |name, labels: &[(&str, &str)]| {
        sample(&text, name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in\n{text}"))
    };
    assert_eq!(
        at(
            "tessera_http_requests_total",
            &[route, ("method", "GET"), ("status", "200")]
        ),
        3.0
    );
    assert_eq!(
        at(
            "tessera_http_requests_total",
            &[route, ("method", "GET"), ("status", "401")]
        ),
        2.0
    );
    assert_eq!(
        at(
            "tessera_http_request_duration_seconds_count",
            &[route, ("method", "GET")]
        ),
        5.0
    );
    assert_eq!(
        at(
            "tessera_http_request_duration_seconds_bucket",
            &[route, ("method", "GET"), ("le", "+Inf")]
        ),
        5.0
    );
    assert_eq!(
        at("tessera_token_checks_total", &[("verdict", "VALID")]),
        3.0
    );
    assert_eq!(
        at("tessera_token_checks_total", &[("verdict", "MALFORMED")]),
        2.0
    );
    assert_eq!(
        at("tessera_token_checks_total", &[("verdict", "DISABLED")]),
        0.0
    );
    // The first valid request read the database; the two after it were answered from memory.
    assert_eq!(at("tessera_token_cache_misses_total", &[]), 1.0);
    assert_eq!(at("tessera_token_cache_hits_total", &[]), 2.0);
    assert_eq!(at("tessera_token_cache_tokens", &[]), 1.0);
    // Three uses of one token wait for the next flush (30 s away).
    assert_eq!(at("tessera_last_used_pending_tokens", &[]), 1.0);
    assert!(at("tessera_db_pool_max_connections", &[]) >= 1.0);
    assert!(at("tessera_db_pool_connections", &[("state", "idle")]) >= 0.0);
    assert_eq!(at("tessera_database_up", &[]), 1.0);
    // Every status is there, with what the outbox holds (set-up's mail is held: no relay).
    let stored = test.db.outbox_counts().await.unwrap();
    assert!(!stored.is_empty());
    for status in ["pending", "sent", "held", "failed"] {
        let count = stored
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n);
        assert_eq!(
            at("tessera_outbox_messages", &[("status", status)]),
            count as f64,
            "{status}"
        );
    }
    let listener = sample(&text, "tessera_pg_listener_up", &[]);
    match test.db.engine() {
        tessera::server::store::Engine::Postgres => assert_eq!(listener, Some(1.0)),
        tessera::server::store::Engine::Sqlite => assert_eq!(listener, None),
    }
    // No secret reaches the page.
    assert!(!text.contains(&secret));

    server.kill().unwrap();
    server.wait().unwrap();
    test.remove().await;
}

#[tokio::test]
async fn sqlite() {
    scraped_while_serving(support::TestDb::sqlite().await).await;
}

#[tokio::test]
async fn postgres() {
    scraped_while_serving(support::TestDb::postgres().await).await;
}

/// Off unless set: the log names no metrics address, and taking a busy address for it
/// stops the server with one line naming the setting.
#[test]
fn off_by_default_and_a_busy_address_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _, log) = start_with(dir.path(), &[]);
    std::thread::sleep(Duration::from_millis(200));
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        !log.lock().unwrap().iter().any(|l| l.contains("metrics on")),
        "{:?}",
        log.lock().unwrap()
    );

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = busy.local_addr().unwrap().to_string();
    let output = support::binary::tessera()
        .current_dir(dir.path())
        .env("TESSERA_SITE_ADDR", "127.0.0.1:0")
        .env("TESSERA_METRICS_ADDR", &taken)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot serve /metrics on {taken}"))
            && stderr.contains("TESSERA_METRICS_ADDR"),
        "{stderr}"
    );
}
