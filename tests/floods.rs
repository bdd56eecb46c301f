//! Floods at the API's door, over real HTTP, on SQLite and PostgreSQL: a made-up token
//! with a valid checksum costs one database read however often it is sent; an address
//! past `invalid_token_requests_per_hour` is answered 429 with `Retry-After` and no database
//! read, while tokens already in use go on working from it and other addresses are not
//! touched; parallel floods get 401s and 429s only, never a server error.

mod support;

use std::sync::atomic::Ordering;

use reqwest::{Client, StatusCode};
use tessera::server::{secrets::new_token_secret, store::Db};

/// The site trusting X-Forwarded-For from loopback (each call says where it comes from),
/// allowing each address `quota` requests without a valid token per hour.
async fn site(db: &Db, quota: u32) -> support::Site {
    support::site(db, move |var| match var {
        "TESSERA_TRUSTED_PROXIES" => Some("127.0.0.1".to_owned()),
        "TESSERA_INVALID_TOKEN_REQUESTS_PER_HOUR" => Some(quota.to_string()),
        _ => None,
    })
    .await
}

/// A well-formed token (valid checksum) that no row holds.
fn made_up() -> String {
    new_token_secret().expose().to_owned()
}

/// `GET /access-token` with `token` from `from`: the status and `Retry-After`.
async fn from(site: &support::Site, token: &str, from: &str) -> (StatusCode, Option<u64>) {
    let response = Client::new()
        .get(format!("http://{}/api/v1/access-token", site.served.addr))
        .bearer_auth(token)
        .header("x-forwarded-for", from)
        .send()
        .await
        .unwrap();
    let wait = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (response.status(), wait)
}

fn reads(db: &Db) -> u64 {
    db.token_cache().counts().misses.load(Ordering::Relaxed)
}

on_both_engines! {
    async fn a_made_up_token_costs_one_database_read_however_often_it_is_sent(test: TestDb) {
        let db = &test.db;
        let site = site(db, 1000).await;
        let fake = made_up();
        let before = reads(db);
        for _ in 0..25 {
            assert_eq!(from(&site, &fake, "192.0.2.1").await.0, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(reads(db) - before, 1, "one read for 25 requests");
        assert_eq!(db.token_cache().unknown_len(), 1);
        // A real token is still read, served and then kept.
        assert_eq!(from(&site, &site.secret, "192.0.2.1").await.0, StatusCode::OK);
        test.remove().await;
    }

    async fn an_address_past_its_quota_of_invalid_tokens_is_refused_for_a_while(test: TestDb) {
        let db = &test.db;
        let site = site(db, 5).await;
        // A token in use before the flood, and one never used yet.
        assert_eq!(from(&site, &site.secret, "203.0.113.1").await.0, StatusCode::OK);
        let by = support::acting(db, &support::api_keys(), &site.owner, &Default::default(), tessera::server::services::now_ms());
        let (_, fresh) = support::mint(&by, site.workspace, "fresh", tessera::domain::role::Role::Viewer, None, None).await;

        for _ in 0..5 {
            let (status, wait) = from(&site, &made_up(), "192.0.2.7").await;
            assert_eq!((status, wait), (StatusCode::UNAUTHORIZED, None));
        }
        let (status, wait) = from(&site, &made_up(), "192.0.2.7").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        let wait = wait.expect("Retry-After");
        assert!((1..=3600).contains(&wait), "{wait}");

        // Refused from now on without reading the database, even for a real token it has
        // not seen; a token in use goes on working; no token at all is refused the same.
        let before = reads(db);
        for _ in 0..10 {
            assert_eq!(from(&site, &made_up(), "192.0.2.7").await.0, StatusCode::TOO_MANY_REQUESTS);
        }
        assert_eq!(from(&site, &fresh, "192.0.2.7").await.0, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(reads(db), before, "no database read for a refused address");
        assert_eq!(from(&site, &site.secret, "192.0.2.7").await.0, StatusCode::OK);
        let response = Client::new()
            .get(format!("http://{}/api/v1/access-token", site.served.addr))
            .header("x-forwarded-for", "192.0.2.7")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let problem: serde_json::Value = response.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains("without a valid token"), "{problem}");

        // Another address is not touched: its own 401s, and the fresh token works there,
        // and once in use, from the refused address too.
        assert_eq!(from(&site, &made_up(), "192.0.2.8").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(from(&site, &fresh, "198.51.100.1").await.0, StatusCode::OK);
        assert_eq!(from(&site, &fresh, "192.0.2.7").await.0, StatusCode::OK);
        test.remove().await;
    }

    async fn a_parallel_flood_gets_401_then_429_and_never_an_error(test: TestDb) {
        let db = &test.db;
        let site = site(db, 20).await;
        let calls = (0..60).map(|_| {
            let fake = made_up();
            let site = &site;
            async move { from(site, &fake, "2001:db8:7::1").await.0 }
        });
        let statuses = futures_util::future::join_all(calls).await;
        let unauthorized = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
        let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
        assert_eq!(unauthorized + limited, 60, "{statuses:?}");
        assert_eq!(unauthorized, 20, "exactly the quota answered 401: {statuses:?}");
        // The rest of the /64 is the same address.
        assert_eq!(from(&site, &made_up(), "2001:db8:7::2").await.0, StatusCode::TOO_MANY_REQUESTS);
        test.remove().await;
    }

    // Writes that read first (an invitation looks for the member it would duplicate) racing
    // each other and the last-use flush: on SQLite a deferred transaction lost such a race with
    // "database is locked" (SQLITE_BUSY_SNAPSHOT) and the caller got a 500; every one must now
    // be made.
    async fn parallel_writes_that_read_first_all_succeed(test: TestDb) {
        let db = &test.db;
        let site = site(db, 1000).await;
        let invite = |n: usize| {
            let site = &site;
            async move {
                let response = Client::new()
                    .post(format!("http://{}/api/v1/workspaces/{}/members", site.served.addr, site.workspace))
                    .bearer_auth(&site.secret)
                    .json(&serde_json::json!({"email": format!("p{n}@example.com"), "role": "viewer"}))
                    .send()
                    .await
                    .unwrap();
                response.status()
            }
        };
        let flushes = async {
            for _ in 0..20 {
                site.state.last_used.flush(db).await.unwrap();
                tokio::task::yield_now().await;
            }
        };
        let (statuses, ()) = tokio::join!(futures_util::future::join_all((0..30).map(invite)), flushes);
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
        let invited = db.invitations(site.workspace, tessera::server::services::now_ms()).await.unwrap();
        assert_eq!(invited.len(), 30);
        test.remove().await;
    }
}
