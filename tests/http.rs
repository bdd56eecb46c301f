//! The assembled router, driven in-process: health, the API's JSON 404, the
//! rendered page and a server-function round trip.

mod support;

use axum::{
    body::Body,
    http::{HeaderMap, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use tessera::server::{
    config::{Config, SecretKey},
    http,
    secrets::Keys,
    state::AppState,
};

use tower::ServiceExt;

fn app(test: &support::TestDb) -> http::Site {
    let config = Config::from_sources("Leptos.toml", "", |_| None).unwrap();
    let keys = Keys::derive(&SecretKey([7; 32]));
    http::router(AppState::new(config, test.db.clone(), keys))
}

use support::run;

/// The answer to `request`: its status, its headers and its body as text.
async fn answer(app: &http::Site, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

/// The answer's status, content type (empty when none) and body.
async fn send(app: &http::Site, request: Request<Body>) -> (StatusCode, String, String) {
    let (status, headers, body) = answer(app, request).await;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, body)
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

async fn healthz_reports_the_database(test: support::TestDb) {
    let app = app(&test);
    let (status, content_type, body) = send(&app, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type, "application/json");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "status": "ok", "database": "ok" })
    );

    // Once the database is gone, the instance says so (a load balancer takes it out).
    test.db.close().await;
    let (status, _, body) = send(&app, get("/healthz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], "unavailable");
    test.remove().await;
}

async fn a_server_function_answers_over_http(test: support::TestDb) {
    let app = app(&test);
    let request = Request::post("/rpc/session")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from("{}"))
        .unwrap();
    let (status, _, body) = send(&app, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // No account yet: the UI is sent to set-up.
    assert_eq!(body, "\"SetupRequired\"");
    test.remove().await;
}

#[test]
fn healthz_reports_the_database_on_sqlite() {
    run(async { healthz_reports_the_database(support::TestDb::sqlite().await).await });
}

#[test]
fn healthz_reports_the_database_on_postgres() {
    run(async { healthz_reports_the_database(support::TestDb::postgres().await).await });
}

#[test]
fn a_server_function_answers_over_http_on_sqlite() {
    run(async { a_server_function_answers_over_http(support::TestDb::sqlite().await).await });
}

#[test]
fn a_server_function_answers_over_http_on_postgres() {
    run(async { a_server_function_answers_over_http(support::TestDb::postgres().await).await });
}

#[test]
fn unknown_api_paths_answer_json_problem_not_html() {
    run(async {
        let test = support::TestDb::sqlite().await;
        let app = app(&test);
        for path in ["/api/v1/no-such-thing", "/api/v1/workspaces/x/y/z"] {
            let (status, content_type, body) = send(&app, get(path)).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert_eq!(content_type, "application/problem+json");
            let body: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["status"], 404);
            assert_eq!(body["title"], "Not Found");
            assert_eq!(body["type"], "about:blank");
            assert!(body["detail"].as_str().unwrap().contains(path), "{body}");
        }
        test.remove().await;
    });
}

#[test]
fn the_setup_page_is_rendered_with_its_hydration_scripts_and_security_headers() {
    run(async {
        let test = support::TestDb::sqlite().await;
        let app = app(&test);
        let (status, headers, body) = answer(&app, get("/setup")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Set up Tessera"), "{body}");
        assert!(
            body.contains("/pkg/tessera.js"),
            "no hydration script in {body}"
        );
        assert!(body.contains("/pkg/tessera.css"), "no stylesheet in {body}");
        assert!(
            body.contains(r#"<link rel="icon" type="image/svg+xml" href="/favicon.svg">"#),
            "no icon in {body}"
        );

        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        // The inline bootstrap carries the nonce the policy names.
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("a nonce in the CSP");
        assert!(body.contains(&format!("nonce=\"{nonce}\"")), "{body}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        test.remove().await;
    });
}

#[test]
fn before_setup_every_page_leads_to_setup() {
    run(async {
        let test = support::TestDb::sqlite().await;
        let app = app(&test);
        for path in [
            "/",
            "/login",
            "/workspace/0190b6a8-0000-7000-8000-000000000000/access-tokens",
        ] {
            // As a browser asks for a page.
            let request = Request::get(path)
                .header(header::ACCEPT, "text/html,application/xhtml+xml")
                .body(Body::empty())
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::FOUND, "{path}");
            let location = response
                .headers()
                .get(header::LOCATION)
                .map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(
                location.as_deref(),
                Some("/setup"),
                "{path}: {:?}",
                response.status()
            );
        }
        test.remove().await;
    });
}

#[test]
fn cross_site_server_function_calls_are_refused() {
    run(async {
        let test = support::TestDb::sqlite().await;
        let app = app(&test);
        for (name, value) in [
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ] {
            let request = Request::post("/rpc/logout")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::COOKIE, "tessera_session=abc")
                .header(name, value)
                .body(Body::from("{}"))
                .unwrap();
            let (status, headers, body) = answer(&app, request).await;
            // Server functions' answers, refusals included, are never stored.
            assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{name}");
            assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
            assert!(body.contains("Cross-site"), "{body}");
        }
        test.remove().await;
    });
}

#[test]
fn the_site_icon_is_served_where_pages_and_browsers_look_for_it() {
    run(async {
        let test = support::TestDb::sqlite().await;
        let app = app(&test);
        for path in ["/favicon.svg", "/favicon.ico"] {
            let (status, headers, body) = answer(&app, get(path)).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(headers[header::CONTENT_TYPE], "image/svg+xml", "{path}");
            assert_eq!(
                headers[header::CACHE_CONTROL],
                "public, max-age=86400",
                "{path}"
            );
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert!(
                body.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
                "{path}: {body}"
            );
        }
        test.remove().await;
    });
}

#[test]
fn unknown_pages_are_html_404s() {
    run(async {
        let test = support::TestDb::sqlite().await;
        let app = app(&test);
        let (status, content_type, body) = send(&app, get("/no/such/page")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(body.contains("Page not found"), "{body}");
        test.remove().await;
    });
}

/// A browser session against the router: server-function calls with its cookie, from one
/// address and user agent.
struct Browser {
    app: http::Site,
    cookie: Option<String>,
}

impl Browser {
    async fn call(&mut self, endpoint: &str, body: serde_json::Value) -> serde_json::Value {
        self.send(endpoint, "application/json", body.to_string())
            .await
    }

    /// A form the page's script sends (set-up and sign-in take url-encoded forms).
    async fn form(&mut self, endpoint: &str, fields: &[(&str, &str)]) -> serde_json::Value {
        let body = fields
            .iter()
            .map(|(name, value)| format!("{name}={}", value.replace('@', "%40").replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        self.send(endpoint, "application/x-www-form-urlencoded", body)
            .await
    }

    async fn send(
        &mut self,
        endpoint: &str,
        content_type: &str,
        body: String,
    ) -> serde_json::Value {
        let mut request = Request::post(format!("/rpc/{endpoint}"))
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, "application/json")
            .header(header::USER_AGENT, "audit-test/1.0")
            .header("sec-fetch-site", "same-origin");
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let mut request = request.body(Body::from(body)).unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [198, 51, 100, 23],
                40000,
            ))));
        let response = self.app.clone().oneshot(request).await.unwrap();
        if let Some(set) = response.headers().get(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = Some(pair);
        }
        let body = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null)
    }
}

/// Runs `act`, then checks it left exactly one new audit record in the workspace, with
/// this action, actor and target, and the request's address and user agent.
async fn one_record(
    db: &tessera::server::store::Db,
    workspace: uuid::Uuid,
    expected: (&str, &str, Option<&str>),
    act: impl std::future::Future<Output = serde_json::Value>,
) -> serde_json::Value {
    let before = db.audit_events(workspace, 1000).await.unwrap();
    let answer = act.await;
    let after = db.audit_events(workspace, 1000).await.unwrap();
    let new: Vec<_> = after
        .iter()
        .filter(|e| !before.iter().any(|b| b.id == e.id))
        .collect();
    let (action, actor, target) = expected;
    assert_eq!(new.len(), 1, "{action}: {new:?} (answer {answer})");
    let event = new[0];
    assert_eq!(event.action, action, "{answer}");
    assert_eq!(event.actor_label, actor, "{action}");
    assert_eq!(event.target_label.as_deref(), target, "{action}");
    assert_eq!(event.ip.as_deref(), Some("198.51.100.23"), "{action}");
    assert_eq!(
        event.user_agent.as_deref(),
        Some("audit-test/1.0"),
        "{action}"
    );
    answer
}

/// Runs a sign-in, then checks it left exactly one new sign-in record (outside every
/// workspace) and nothing in the workspace's log.
async fn one_sign_in(
    db: &tessera::server::store::Db,
    workspace: uuid::Uuid,
    expected: (&str, &str, Option<&str>),
    act: impl std::future::Future<Output = serde_json::Value>,
) {
    let before = db.sign_ins(None, 1000).await.unwrap().len();
    let in_workspace = db.audit_events(workspace, 1000).await.unwrap().len();
    let answer = act.await;
    let after = db.sign_ins(None, 1000).await.unwrap();
    assert_eq!(after.len(), before + 1, "{answer}");
    let (action, actor, target) = expected;
    assert_eq!(after[0].action, action, "{answer}");
    assert_eq!(after[0].actor_label, actor, "{action}");
    assert_eq!(after[0].target_label.as_deref(), target, "{action}");
    assert_eq!(after[0].ip.as_deref(), Some("198.51.100.23"), "{action}");
    assert_eq!(
        after[0].user_agent.as_deref(),
        Some("audit-test/1.0"),
        "{action}"
    );
    assert_eq!(
        db.audit_events(workspace, 1000).await.unwrap().len(),
        in_workspace
    );
}

async fn every_server_function_change_leaves_one_audit_record(test: support::TestDb) {
    use serde_json::json;
    let db = &test.db;
    let mut browser = Browser {
        app: app(&test),
        cookie: None,
    };
    let owner = "owner@example.com";
    let setup = [
        ("email", owner),
        ("name", "Olive"),
        ("password", "correct horse battery"),
        ("workspace_name", "Acme"),
    ];
    let ws = browser.form("setup", &setup).await;
    let ws: uuid::Uuid = ws.as_str().expect("the workspace id").parse().unwrap();
    let events = db.audit_events(ws, 10).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        (events[0].action.as_str(), events[0].actor_label.as_str()),
        ("workspace.created", owner)
    );

    browser.call("logout", json!({})).await;
    // Sign-ins belong to the person: recorded outside every workspace, not in its log.
    let wrong = [("email", owner), ("password", "not the password")];
    one_sign_in(
        db,
        ws,
        ("login.failed", "system", Some(owner)),
        browser.form("login", &wrong),
    )
    .await;
    let right = [("email", owner), ("password", "correct horse battery")];
    one_sign_in(
        db,
        ws,
        ("login.succeeded", owner, None),
        browser.form("login", &right),
    )
    .await;

    let rename = json!({"workspace": ws, "name": "Acme Corp"});
    one_record(
        db,
        ws,
        ("workspace.settings_changed", owner, Some("Acme Corp")),
        browser.call("rename_workspace", rename),
    )
    .await;
    let invite = json!({"workspace": ws, "email": "mia@example.com", "role": "viewer"});
    let sent = one_record(
        db,
        ws,
        ("member.invited", owner, Some("mia@example.com")),
        browser.call("invite_member", invite),
    )
    .await;
    let invitation = sent["invitation"]["id"].clone();
    let resend = json!({"workspace": ws, "invitation": invitation});
    let sent = one_record(
        db,
        ws,
        ("member.invitation_resent", owner, Some("mia@example.com")),
        browser.call("resend_invitation", resend),
    )
    .await;
    // Without a mail relay the inviting person is shown the link, once per sending.
    let link = sent["link"]
        .as_str()
        .expect("the link, shown once")
        .to_owned();
    let code = link.rsplit('/').next().unwrap();
    let mut invitee = Browser {
        app: browser.app.clone(),
        cookie: None,
    };
    let answer = json!({"code": code, "answer": {"accept": true, "name": "Mia", "password": support::JOINED_PASSWORD}});
    let joined = invitee.call("answer_invitation", answer).await;
    assert_eq!(joined, json!(ws), "{joined}");
    let mia = db
        .user_by_email("mia@example.com")
        .await
        .unwrap()
        .expect("made on accepting")
        .id;
    let accepted = db.audit_events(ws, 1).await.unwrap();
    assert_eq!(
        (
            accepted[0].action.as_str(),
            accepted[0].actor_label.as_str()
        ),
        ("member.invitation_accepted", "mia@example.com")
    );
    let other = json!({"workspace": ws, "email": "zed@example.com", "role": "viewer"});
    let other = browser.call("invite_member", other).await;
    let revoke = json!({"workspace": ws, "invitation": other["invitation"]["id"]});
    one_record(
        db,
        ws,
        ("member.invitation_revoked", owner, Some("zed@example.com")),
        browser.call("revoke_invitation", revoke),
    )
    .await;
    let change = json!({"workspace": ws, "member": mia, "role": "team_member"});
    one_record(
        db,
        ws,
        ("member.role_changed", owner, Some("mia@example.com")),
        browser.call("change_member_role", change),
    )
    .await;

    let input =
        json!({"label": "deploy", "scope": "viewer", "permissions": null, "expires_at": null});
    let created = one_record(
        db,
        ws,
        ("token.created", owner, Some("deploy")),
        browser.call("create_token", json!({"workspace": ws, "input": input})),
    )
    .await;
    let token = created["token"]["id"].clone();
    let edit = json!({"workspace": ws, "token": token, "input": {"label": "deploy-2", "scope": "viewer", "permissions": null, "expires_at": null}});
    one_record(
        db,
        ws,
        ("token.edited", owner, Some("deploy-2")),
        browser.call("edit_token", edit),
    )
    .await;
    for (enabled, action) in [(false, "token.disabled"), (true, "token.enabled")] {
        let toggle = json!({"workspace": ws, "token": token, "enabled": enabled});
        one_record(
            db,
            ws,
            (action, owner, Some("deploy-2")),
            browser.call("set_token_enabled", toggle),
        )
        .await;
    }
    let copied = one_record(
        db,
        ws,
        ("token.copied", owner, Some("deploy-2")),
        browser.call("copy_token", json!({"workspace": ws, "token": token})),
    )
    .await;
    assert!(copied.as_str().unwrap().starts_with("tsr_"), "{copied}");
    one_record(
        db,
        ws,
        ("token.deleted", owner, Some("deploy-2")),
        browser.call("delete_token", json!({"workspace": ws, "token": token})),
    )
    .await;
    one_record(
        db,
        ws,
        ("member.removed", owner, Some("mia@example.com")),
        browser.call("remove_member", json!({"workspace": ws, "member": mia})),
    )
    .await;

    // Refused calls change nothing and record nothing.
    let before = db.audit_events(ws, 1000).await.unwrap().len();
    let refused = browser
        .call("rename_workspace", json!({"workspace": ws, "name": "  "}))
        .await;
    assert!(refused.to_string().contains("workspace_name"), "{refused}");
    assert_eq!(db.audit_events(ws, 1000).await.unwrap().len(), before);

    // The audit page shows them newest first, to the Owner.
    let page = browser
        .call(
            "audit",
            json!({"workspace": ws, "query": {"action": "token"}}),
        )
        .await;
    let actions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "token.deleted",
            "token.copied",
            "token.enabled",
            "token.disabled",
            "token.edited",
            "token.created"
        ]
    );
    test.remove().await;
}

#[test]
fn every_server_function_change_leaves_one_audit_record_on_sqlite() {
    run(async {
        every_server_function_change_leaves_one_audit_record(support::TestDb::sqlite().await).await
    });
}

#[test]
fn every_server_function_change_leaves_one_audit_record_on_postgres() {
    run(async {
        every_server_function_change_leaves_one_audit_record(support::TestDb::postgres().await)
            .await
    });
}

/// The site's built files: the encoding the request accepts best among those built beside
/// the file (brotli, gzip, none), with `Vary`, and cached for good only under a
/// content-hashed name.
#[test]
fn site_files_are_served_precompressed_and_hashed_names_are_cached_for_good() {
    run(async {
        let test = support::TestDb::sqlite().await;
        let site = tempfile::tempdir().unwrap();
        let pkg = site.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        let hashed = "tessera.Xk3pQ_9aB-cdEfGhIjKlMn.wasm";
        // Different bytes in each, so the body tells which file was sent.
        std::fs::write(pkg.join(hashed), b"plain").unwrap();
        std::fs::write(pkg.join(format!("{hashed}.br")), b"brotli").unwrap();
        std::fs::write(pkg.join(format!("{hashed}.gz")), b"gzip").unwrap();
        std::fs::write(pkg.join("notes.txt"), b"unhashed").unwrap();
        let root = site.path().display().to_string();
        let config = Config::from_sources("Leptos.toml", "", |key| {
            (key == "TESSERA_SITE_ROOT").then(|| root.clone())
        })
        .unwrap();
        let app = http::router(AppState::new(
            config,
            test.db.clone(),
            Keys::derive(&SecretKey([7; 32])),
        ));
        let fetch = |path: &str, accept: Option<&str>| {
            let mut request = Request::get(path);
            if let Some(accept) = accept {
                request = request.header(header::ACCEPT_ENCODING, accept);
            }
            let app = app.clone();
            let request = request.body(Body::empty()).unwrap();
            async move { answer(&app, request).await }
        };
        let path = format!("/pkg/{hashed}");
        for (accept, body, encoding) in [
            (Some("gzip, deflate, br, zstd"), "brotli", Some("br")),
            (Some("br;q=0.5, gzip"), "gzip", Some("gzip")),
            (Some("gzip"), "gzip", Some("gzip")),
            (Some("identity"), "plain", None),
            (None, "plain", None),
        ] {
            let (status, headers, sent) = fetch(&path, accept).await;
            assert_eq!(status, StatusCode::OK, "{accept:?}");
            assert_eq!(sent, body, "{accept:?}");
            assert_eq!(
                headers
                    .get(header::CONTENT_ENCODING)
                    .map(|v| v.to_str().unwrap()),
                encoding,
                "{accept:?}"
            );
            assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
            assert_eq!(headers[header::VARY], "accept-encoding");
            assert_eq!(
                headers[header::CACHE_CONTROL],
                "public, max-age=31536000, immutable"
            );
        }
        let (status, headers, sent) = fetch("/pkg/notes.txt", Some("br")).await;
        assert_eq!((status, sent.as_str()), (StatusCode::OK, "unhashed"));
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
        // A file that is not there: 404, and nothing said about caching it for good.
        let (status, headers, _) = fetch("/pkg/tessera.AAAAAAAAAAAAAAAAAAAAAA.wasm", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(headers.get(header::CACHE_CONTROL).is_none(), "{headers:?}");
        // Outside the site's folder: refused, never read.
        let (status, _, _) = fetch("/pkg/../../etc/passwd", None).await;
        assert!(status.is_client_error(), "{status}");
        test.remove().await;
    });
}
