//! The `tessera` binary as an operator meets it: configuration errors, first start,
//! and a clean stop on Ctrl-C or SIGTERM.

mod support;

use std::{
    io::{BufRead, BufReader, Read},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

fn tessera() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    // Only what the test sets: no stray TESSERA_* or DATABASE_URL from the caller.
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

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

/// Starts the server in `dir` on a free port; returns it and its address once it listens.
fn start(dir: &std::path::Path) -> (Child, String) {
    let (child, addr, _log) = start_with(dir, &[]);
    (child, addr)
}

/// The server's log lines after "listening", kept for failure messages.
type Log = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

fn start_with(dir: &std::path::Path, env: &[(&str, &str)]) -> (Child, String, Log) {
    let mut child = tessera()
        .current_dir(dir)
        .envs(env.iter().copied())
        .env("TESSERA_SITE_ADDR", "127.0.0.1:0")
        .env("TESSERA_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(at) = line.find("listening on http://") {
            let addr = line[at + "listening on http://".len()..].trim().to_owned();
            // Keep draining the log so the server never blocks on a full pipe.
            let log = Log::default();
            let kept = log.clone();
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    kept.lock().unwrap().push(line);
                }
            });
            return (child, addr, log);
        }
        seen.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start listening:\n{}", seen.join("\n"));
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
        let (session, ws) = accounts::setup(&test.db, &keys, input, &meta, now_ms())
            .await
            .unwrap();
        let token = TokenInput {
            label: "binary".into(),
            scope: Role::Viewer,
            permissions: None,
            expires_at: None,
        };
        let created = tokens::create(&test.db, &keys, &session.user, ws, token, &meta, now_ms())
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
