//! The `tessera` binary as an operator meets it: configuration errors, first start,
//! and a clean stop on Ctrl-C or SIGTERM.

mod support;

use support::binary::{start_with, tessera};

use std::{
    io::Read,
    process::{Child, Command},
    time::{Duration, Instant},
};

#[test]
fn a_bad_value_stops_the_server_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "TESSERA_SITE_ADDR",
            "localhost",
            "expected an IP address and port",
        ),
        (
            "TESSERA_TRUSTED_PROXIES",
            "10.0.0.0/33",
            "IP addresses or CIDR ranges",
        ),
        ("DATABASE_URL", "mysql://root:pw@db/x", "sqlite:"),
        (
            "TESSERA_METRICS_ADDR",
            "everywhere",
            "an IP address and port to serve /metrics on",
        ),
    ];
    for (var, value, expected) in cases {
        let output = tessera()
            .current_dir(dir.path())
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("tessera: environment variable "),
            "{stderr}"
        );
        assert!(stderr.contains(var), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("pw@"), "{stderr}");
    }
    // Nothing was created on the way out.
    assert!(!dir.path().join("data").exists());
}

#[test]
fn an_explicit_config_file_that_is_missing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = tessera()
        .current_dir(dir.path())
        .env("TESSERA_CONFIG", "nope.toml")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("tessera: cannot read configuration file nope.toml"),
        "{stderr}"
    );
}

#[test]
fn an_old_flat_smtp_key_in_the_file_names_its_new_spelling() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Leptos.toml"),
        "smtp_host = \"mail.example.com\"\n",
    )
    .unwrap();
    let output = tessera().current_dir(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("tessera: configuration file Leptos.toml: key `smtp_host`")
            && stderr.contains("`[smtp] host`"),
        "{stderr}"
    );
    assert!(!dir.path().join("data").exists());
}

/// Starts the server in `dir` on a free port; returns it and its address once it listens.
fn start(dir: &std::path::Path) -> (Child, String) {
    let (child, addr, _log) = start_with(dir, &[]);
    (child, addr)
}

/// Runs `tessera ARGS` in `dir` to the end.
fn run_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    tessera().current_dir(dir).args(args).output().unwrap()
}

fn http_get(addr: &str, path: &str) -> String {
    http_get_with(addr, path, "")
}

/// A GET with extra header lines (each ending in `\r\n`).
fn http_get_with(addr: &str, path: &str, headers: &str) -> String {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn stop_with(child: &mut Child, signal: &str) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the server ignored {signal}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn first_start_creates_the_database_and_stops_cleanly_on_sigint_and_sigterm() {
    for signal in ["-INT", "-TERM"] {
        let dir = tempfile::tempdir().unwrap();
        let (mut child, addr) = start(dir.path());
        assert!(dir.path().join("data/tessera.db").is_file());
        let health = http_get(&addr, "/healthz");
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");

        let status = stop_with(&mut child, signal);
        assert!(status.success(), "{signal}: {status}");
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(stderr.is_empty(), "{stderr}");
    }
}

/// The compiled server on each database: it checks tokens made by the same secret, answers
/// the API, and writes the last use it kept in memory when it stops (the flush interval,
/// 30 s by default, never came).
mod api_on_the_binary {
    use super::*;
    use tessera::{
        domain::role::Role,
        model::TokenInput,
        server::{
            config::SecretKey,
            secrets::Keys,
            services::{RequestMeta, accounts, now_ms, tokens},
        },
    };

    const SECRET_HEX: &str = "0707070707070707070707070707070707070707070707070707070707070707";

    async fn serve_and_stop(test: support::TestDb) {
        let keys = Keys::derive(&SecretKey::from_hex(SECRET_HEX).unwrap());
        let meta = RequestMeta::default();
        let input = accounts::SetupInput {
            email: "owner@example.com".into(),
            name: "Owner".into(),
            password: "correct horse battery".into(),
            workspace_name: "Acme".into(),
        };
        let (session, ws) =
            accounts::setup(&support::ctx(&test.db, &keys, (), &meta, now_ms()), input)
                .await
                .unwrap();
        let token = TokenInput {
            label: "binary".into(),
            scope: Role::Viewer,
            permissions: None,
            expires_at: None,
            allowed_ips: None,
            rate_limit: Default::default(),
        };
        let created = tokens::create(
            &support::acting(&test.db, &keys, &session.user, &meta, now_ms()),
            ws,
            token,
        )
        .await
        .unwrap();

        let dir = tempfile::tempdir().unwrap();
        let (mut child, addr, log) = start_with(
            dir.path(),
            &[
                ("DATABASE_URL", test.url.as_str()),
                ("TESSERA_SECRET_KEY", SECRET_HEX),
            ],
        );
        let bearer = format!(
            "Authorization: Bearer {}\r\nUser-Agent: binary-test/1.0\r\n",
            created.secret
        );
        let answer = http_get_with(&addr, "/api/v1/access-token", &bearer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains(r#""label":"binary""#), "{answer}");
        assert!(answer.contains(r#""name":"Acme""#), "{answer}");
        let wrong = http_get_with(
            &addr,
            "/api/v1/access-token",
            "Authorization: Bearer tsr_nope\r\n",
        );
        assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
        assert!(
            test.db
                .token(ws, created.token.id)
                .await
                .unwrap()
                .unwrap()
                .last_used_at
                .is_none()
        );

        let status = stop_with(&mut child, "-TERM");
        assert!(status.success(), "{status}");
        let row = test.db.token(ws, created.token.id).await.unwrap().unwrap();
        assert!(
            row.last_used_at.is_some(),
            "the last use was not written at shutdown; the server's log:\n{}",
            log.lock().unwrap().join("\n")
        );
        assert_eq!(row.last_used_user_agent.as_deref(), Some("binary-test/1.0"));
        assert_eq!(row.last_used_path.as_deref(), Some("/api/v1/access-token"));
        test.remove().await;
    }

    #[tokio::test]
    async fn sqlite() {
        serve_and_stop(support::TestDb::sqlite().await).await;
    }

    #[tokio::test]
    async fn postgres() {
        serve_and_stop(support::TestDb::postgres().await).await;
    }
}

/// A sign-in form sent by GET before the WASM loaded, and the codes of mailed links, never
/// reach the request log: it writes the path alone, link codes masked.
#[test]
fn request_logs_never_hold_a_query_string_or_a_link_code() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr, log) = start_with(dir.path(), &[]);
    let code = "ab".repeat(32);
    let paths = [
        "/login?email=a%40b.c&password=hunter2hunter2".to_owned(),
        "/setup?password=hunter2hunter2".to_owned(),
        format!("/invite/{code}"),
        format!("/reset-password/{code}?password=hunter2hunter2"),
    ];
    for path in &paths {
        http_get(&addr, path);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("finished processing"))
        .count()
        < paths.len()
    {
        assert!(Instant::now() < deadline, "{:?}", log.lock().unwrap());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(stop_with(&mut child, "-TERM").success());
    let log = log.lock().unwrap().join("\n");
    assert!(log.contains("path=/login}"), "{log}");
    assert!(
        log.contains("path=/invite/…}") && log.contains("path=/reset-password/…}"),
        "{log}"
    );
    assert!(
        !log.contains("hunter2") && !log.contains("password=") && !log.contains(&code),
        "{log}"
    );
}

/// `tessera admin reset-password EMAIL` prints a one-time link for the account, read from
/// the same configuration as the server; a bad command line gets the usage.
#[test]
fn the_operator_issues_a_reset_link() {
    let dir = tempfile::tempdir().unwrap();
    let run_in = |args: &[&str]| run_in(dir.path(), args);
    let usage = run_in(&["admin", "reset-passwd", "x@example.com"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("tessera admin reset-password EMAIL"));
    let nobody = run_in(&["admin", "reset-password", "nobody@example.com"]);
    assert_eq!(nobody.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&nobody.stderr)
            .contains("No account has the email address nobody@example.com")
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use tessera::server::{
            config::Config,
            secrets::Keys,
            services::{RequestMeta, accounts},
            store::Db,
        };
        let config = Config::from_sources("none", "", |var| {
            (var == "TESSERA_DATA_DIR").then(|| dir.path().join("data").display().to_string())
        })
        .unwrap();
        let db = Db::connect(&config.database_url).await.unwrap();
        db.migrate().await.unwrap();
        let keys = Keys::load_or_create(&config).unwrap();
        let input = accounts::SetupInput {
            email: "olive@example.com".into(),
            name: "Olive".into(),
            password: "correct horse battery".into(),
            workspace_name: "Acme".into(),
        };
        accounts::setup(
            &support::ctx(&db, &keys, (), &RequestMeta::default(), accounts_now()),
            input,
        )
        .await
        .unwrap();
        db.close().await;
    });
    let issued = run_in(&["admin", "reset-password", "Olive@Example.com"]);
    assert!(
        issued.status.success(),
        "{}",
        String::from_utf8_lossy(&issued.stderr)
    );
    let link = String::from_utf8(issued.stdout).unwrap();
    let code = link
        .trim()
        .strip_prefix("http://127.0.0.1:3000/reset-password/")
        .expect(&link);
    assert_eq!(code.len(), 64);
    runtime.block_on(async {
        use tessera::server::{
            config::Config,
            secrets::Keys,
            services::{RequestMeta, password_changes},
            store::Db,
        };
        let config = Config::from_sources("none", "", |var| {
            (var == "TESSERA_DATA_DIR").then(|| dir.path().join("data").display().to_string())
        })
        .unwrap();
        let db = Db::connect(&config.database_url).await.unwrap();
        let keys = Keys::load_or_create(&config).unwrap();
        let email = password_changes::password_reset_email(
            &support::ctx(&db, &keys, (), &RequestMeta::default(), accounts_now()),
            code,
        )
        .await
        .unwrap();
        assert_eq!(email, "olive@example.com");
        db.close().await;
    });
}

/// `tessera admin backup FILE` while the server serves, then a restore: the backup and the
/// secret key file in a new data directory serve the token made before the backup (and not
/// one made after). Bad targets are refused with nothing left behind.
#[test]
fn a_backup_taken_while_serving_restores_with_its_tokens() {
    use tessera::{
        domain::role::Role,
        server::{config::Config, secrets::Keys, services::RequestMeta, store::Db},
    };
    let dir = tempfile::tempdir().unwrap();
    let config_in = |dir: &std::path::Path| {
        let data = dir.join("data").display().to_string();
        Config::from_sources("none", "", move |var| {
            (var == "TESSERA_DATA_DIR").then(|| data.clone())
        })
        .unwrap()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Olive, Owner of Acme, set up once; each mint opens the database the server uses.
    let mut owner = None;
    let mut mint = |label: &'static str| {
        let config = config_in(dir.path());
        runtime.block_on(async {
            std::fs::create_dir_all(&config.data_dir).unwrap();
            let db = Db::connect(&config.database_url).await.unwrap();
            db.migrate().await.unwrap();
            let keys = Keys::load_or_create(&config).unwrap();
            let meta = RequestMeta::default();
            if owner.is_none() {
                owner = Some(support::set_up(&db, &keys, "Olive", &meta, accounts_now()).await);
            }
            let (user, workspace) = owner.clone().unwrap();
            let by = support::acting(&db, &keys, &user, &meta, accounts_now());
            let (_, secret) = support::mint(&by, workspace, label, Role::Owner, None, None).await;
            db.close().await;
            secret
        })
    };
    let before = mint("before");
    let (mut child, addr) = start(dir.path());
    let bearer = |secret: &str| format!("Authorization: Bearer {secret}\r\n");
    let status_of = |addr: &str, secret: &str| {
        let answer = http_get_with(addr, "/api/v1/access-token", &bearer(secret));
        answer
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(status_of(&addr, &before), "200");

    let run = |args: &[&str]| run_in(dir.path(), args);
    let made = run(&["admin", "backup", "backup.db"]);
    let said = String::from_utf8_lossy(&made.stdout);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(
        said.starts_with("Backed up the database to backup.db ("),
        "{said}"
    );
    assert!(
        said.contains("data/secret.key"),
        "names the secret to keep: {said}"
    );
    let backup = dir.path().join("backup.db");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the owner's only");
    }
    // Never over an existing file, nor into a missing directory; nothing left behind.
    let again = run(&["admin", "backup", "backup.db"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("backup.db already exists"));
    let nowhere = run(&["admin", "backup", "missing/b.db"]);
    assert_eq!(nowhere.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("cannot write missing/b.db"));
    let elsewhere = tempfile::tempdir().unwrap();
    let no_db = run_in(elsewhere.path(), &["admin", "backup", "b.db"]);
    assert_eq!(no_db.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_db.stderr).contains("cannot open the SQLite database"));
    assert!(
        !elsewhere.path().join("data").exists(),
        "no database was created"
    );
    let pg = tessera()
        .current_dir(elsewhere.path())
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .args(["admin", "backup", "b.db"])
        .output()
        .unwrap();
    assert_eq!(pg.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "data" && name != "backup.db")
        .collect();
    assert!(left.is_empty(), "{left:?}");

    let after = mint("after");
    assert_eq!(status_of(&addr, &after), "200");
    assert!(stop_with(&mut child, "-TERM").success());

    // Restore: the backup as the database, the secret key file beside it.
    let restored = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(restored.path().join("data")).unwrap();
    std::fs::copy(&backup, restored.path().join("data/tessera.db")).unwrap();
    std::fs::copy(
        dir.path().join("data/secret.key"),
        restored.path().join("data/secret.key"),
    )
    .unwrap();
    let (mut child, addr) = start(restored.path());
    assert_eq!(
        status_of(&addr, &before),
        "200",
        "a token made before the backup"
    );
    assert_eq!(
        status_of(&addr, &after),
        "401",
        "one made after it is not in the backup"
    );
    assert!(stop_with(&mut child, "-TERM").success());
}

/// `log_format = "json"`: every line the server writes is one JSON object with a
/// timestamp, a level and a message, and no token secret among them.
#[test]
fn json_logs_are_one_object_a_line_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr, log) = start_with(dir.path(), &[("TESSERA_LOG_FORMAT", "json")]);
    let secret = "tsr_ThisIsNoTokenButItMustNeverBeLoggedEitherXXXXXXXXXXXX";
    let answer = http_get_with(
        &addr,
        "/api/v1/access-token",
        &format!("Authorization: Bearer {secret}\r\n"),
    );
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(http_get(&addr, "/healthz").starts_with("HTTP/1.1 200"));
    assert!(stop_with(&mut child, "-TERM").success());
    let lines = log.lock().unwrap().clone();
    assert!(lines.len() >= 2, "{lines:?}");
    for line in &lines {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            event["timestamp"].is_string() && event["level"].is_string(),
            "{line}"
        );
        assert!(event["message"].is_string(), "{line}");
        assert!(!line.contains("ThisIsNoToken"), "{line}");
    }
    assert!(
        lines.iter().any(|l| l.contains("/api/v1/access-token")),
        "{lines:?}"
    );
    let bad = tessera()
        .current_dir(dir.path())
        .env("TESSERA_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("text or json"));
}

fn accounts_now() -> i64 {
    tessera::server::services::now_ms()
}
