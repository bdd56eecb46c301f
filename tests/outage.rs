//! PostgreSQL stopping under a serving instance, as a crash would (`pg_ctl -m immediate`),
//! then coming back: meanwhile every request that needs the database is answered 503 with
//! `Retry-After` (never left hanging: the client gives up after 20 s) and `/healthz` says
//! the database is unreachable; once it is back the instance serves again by itself.
//! The database is a private PostgreSQL cluster this test starts with
//! `scripts/postgres.sh` (the shared one serves the other tests meanwhile).

mod support;

use std::{path::PathBuf, process::Command, time::Duration};

use reqwest::{Client, StatusCode};
use support::binary::start_with;
use tessera::{
    domain::role::Role,
    server::{
        config::SecretKey,
        secrets::Keys,
        services::{RequestMeta, now_ms},
        store::Db,
    },
};

const SECRET_HEX: &str = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";

/// A private PostgreSQL cluster, removed when dropped.
struct Cluster {
    dir: PathBuf,
}

impl Cluster {
    fn run(&self, verb: &str) -> String {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/postgres.sh");
        // Durable, as a production server is: what was committed survives the crash.
        let durable = (verb == "start").then_some("durable");
        let output = Command::new(script)
            .arg(verb)
            .arg(&self.dir)
            .args(durable)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "postgres.sh {verb}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.run("stop");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_crash_is_answered_503_and_the_instance_recovers_by_itself() {
    let cluster = Cluster {
        dir: std::env::temp_dir().join(format!("tessera-outage-{}", std::process::id())),
    };
    let url = cluster.run("start");
    let keys = Keys::derive(&SecretKey::from_hex(SECRET_HEX).unwrap());
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let meta = RequestMeta::default();
    let (owner, workspace) = support::set_up(&db, &keys, "Olive", &meta, now_ms()).await;
    let by = support::acting(&db, &keys, &owner, &meta, now_ms());
    let (_, secret) = support::mint(&by, workspace, "ops", Role::Owner, None, None).await;
    db.close().await;

    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, log) = start_with(
        dir.path(),
        &[("DATABASE_URL", &url), ("TESSERA_SECRET_KEY", SECRET_HEX)],
    );
    let client = Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let tokens = format!("http://{addr}/api/v1/workspaces/{workspace}/tokens");
    let list = || client.get(&tokens).bearer_auth(&secret).send();
    assert_eq!(list().await.unwrap().status(), StatusCode::OK);

    cluster.run("crash");
    let down = list().await.expect("answered, not left hanging");
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(down.headers().contains_key("retry-after"));
    let problem: serde_json::Value = down.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("database is not answering"),
        "{problem}"
    );
    for _ in 0..3 {
        let again = list().await.expect("answered, not left hanging");
        assert_eq!(again.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");

    cluster.run("resume");
    let mut healthy = false;
    for _ in 0..100 {
        let health = client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .unwrap();
        if health.status() == StatusCode::OK {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        healthy,
        "not healthy again 20 s after the database came back:\n{}",
        log.lock().unwrap().join("\n")
    );
    assert_eq!(
        list().await.unwrap().status(),
        StatusCode::OK,
        "serving again"
    );
    let _ = server.kill();
    let _ = server.wait();
}
