//! The assembled router, driven in-process: health, the API's JSON 404, the
//! rendered page and a server-function round trip.

mod support;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use std::sync::{LazyLock, Mutex};
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

/// Every test here runs on one shared runtime, one at a time. Leptos's executor is global
/// to the process: with a runtime per test, a page render or server function could spawn
/// its work onto another test's runtime, which may already be gone (a hang), or miss its
/// context. The server has one runtime, so it never meets this.
fn run(test: impl std::future::Future<Output = ()>) {
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

async fn send(app: &http::Site, request: Request<Body>) -> (StatusCode, String, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
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
        let response = app.clone().oneshot(get("/setup")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("Set up Tessera"), "{body}");
        assert!(
            body.contains("/pkg/tessera.js"),
            "no hydration script in {body}"
        );
        assert!(body.contains("/pkg/tessera.css"), "no stylesheet in {body}");

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
            let response = app.clone().oneshot(request).await.unwrap();
            // Server functions' answers, refusals included, are never stored.
            assert_eq!(
                response.headers()[header::CACHE_CONTROL],
                "no-store",
                "{name}"
            );
            let status = response.status();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            let body = String::from_utf8(body.to_vec()).unwrap();
            assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
            assert!(body.contains("Cross-site"), "{body}");
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
