//! The assembled router, driven in-process: health, the API's JSON 404, the
//! rendered page and a server-function round trip.

mod support;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use tessera::server::{
    config::{Config, SecretKey},
    http,
    secrets::Keys,
    state::AppState,
};
use tower::ServiceExt;

fn app(test: &support::TestDb) -> Router {
    let config = Config::from_sources("Leptos.toml", "", |_| None).unwrap();
    let keys = Keys::derive(&SecretKey([7; 32]));
    http::router(AppState::new(config, test.db.clone(), keys))
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, String, String) {
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

on_both_engines! {
    async fn healthz_reports_the_database(test: TestDb) {
        let app = app(&test);
        let (status, content_type, body) = send(&app, get("/healthz")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(content_type, "application/json");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body, serde_json::json!({ "status": "ok", "database": "ok" }));

        // Once the database is gone, the instance says so (a load balancer takes it out).
        test.db.close().await;
        let (status, _, body) = send(&app, get("/healthz")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["status"], "unavailable");
        test.remove().await;
    }

    async fn the_server_status_function_answers_over_http(test: TestDb) {
        let app = app(&test);
        let request = Request::post("/rpc/server_status")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .unwrap();
        let (status, _, body) = send(&app, request).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        let engine = match test.db.engine() {
            tessera::server::store::Engine::Sqlite => "SQLite",
            tessera::server::store::Engine::Postgres => "PostgreSQL",
        };
        assert_eq!(body["database"], engine);
        assert_eq!(body["schema_version"], 1);
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
        test.remove().await;
    }
}

#[tokio::test]
async fn unknown_api_paths_answer_json_problem_not_html() {
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
}

#[tokio::test]
async fn the_start_page_is_rendered_with_its_hydration_scripts() {
    let test = support::TestDb::sqlite().await;
    let app = app(&test);
    let (status, content_type, body) = send(&app, get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(body.contains("Tessera is running"), "{body}");
    assert!(
        body.contains("/pkg/tessera.js"),
        "no hydration script in {body}"
    );
    assert!(body.contains("/pkg/tessera.css"), "no stylesheet in {body}");
    test.remove().await;
}

#[tokio::test]
async fn unknown_pages_are_html_404s() {
    let test = support::TestDb::sqlite().await;
    let app = app(&test);
    let (status, content_type, body) = send(&app, get("/no/such/page")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(body.contains("Page not found"), "{body}");
    test.remove().await;
}
