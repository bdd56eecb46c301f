//! The ceiling for `make bench`: the smallest axum server answering the path the benchmark
//! drives, with a JSON body of the same shape (a workspace token's, as three in four of the
//! bench's tokens are), built with the same profile as Tessera. It checks nothing, so the
//! gap to Tessera is the price of authenticating a token. It runs as Tessera does: the same
//! allocator (mimalloc) and the same Tokio runtime (`#[tokio::main]`: a worker per core).
//!
//! Usage: bare_axum 127.0.0.1:PORT

use axum::{Json, Router, routing::get};
use serde_json::{Value, json};

async fn access_token() -> Json<Value> {
    Json(json!({
        "id": "0196a1e2-7d3c-7e5b-9a1f-2b3c4d5e6f70",
        "label": "bench",
        "kind": "workspace",
        "workspace": { "id": "0196a1e2-7d3c-7e5b-9a1f-2b3c4d5e6f71", "name": "Bench" },
        "scope": "viewer",
        "permissions": ["tokens:read", "members:read", "workspace:read", "introspect"],
        "chosen_permissions": null,
        "workspaces": [{
            "id": "0196a1e2-7d3c-7e5b-9a1f-2b3c4d5e6f71",
            "name": "Bench",
            "scope": "viewer",
            "permissions": ["tokens:read", "members:read", "workspace:read", "introspect"],
            "status": "approved"
        }],
        "created_at": "2026-11-22T00:00:00Z",
        "expires_at": null,
        "last_used_at": null
    }))
}

/// Tessera's allocator (see `src/main.rs`), so the ceiling is not flattered or hampered by
/// another malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3998".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|error| panic!("cannot listen on {addr}: {error}"));
    let app = Router::new().route("/api/v1/access-token", get(access_token));
    axum::serve(listener, app).await.expect("serve");
}
