//! The ceiling for `make bench`: the smallest axum server answering the path the benchmark
//! drives, with a JSON body of the same shape (a workspace token's, as three in four of the
//! bench's tokens are), built with the same profile as Tessera. It checks nothing, so the
//! gap to Tessera is the price of authenticating a token. It runs as Tessera does: the same
//! allocator (mimalloc) and the same Tokio runtime (`#[tokio::main]`: a worker per core).
//!
//! With `--floor TOKENS` it is instead the floor of any check: before answering it does
//! only what no token check can skip, with Tessera's own functions — parse the presented
//! token and its checksum, its HMAC-SHA256 digest, a look-up of that digest in a map under
//! a read lock (filled at start from TOKENS, one secret per line), the use recorded for the
//! Last used column, and the security headers every answer of Tessera's carries. No router
//! beyond this one route, no middleware, no principal handed on, no expiry looked at, and
//! the recorded uses are never written (no flush), which can only flatter it. What it
//! measures against the plain ceiling bounds what any rewrite of Tessera's request path
//! could reach on the same machine (README "Speed").
//!
//! Usage: bare_axum 127.0.0.1:PORT [--floor TOKENS]

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use axum::{
    Json, Router,
    extract::{Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};
use tessera::server::{
    config::SecretKey,
    http::headers::with_security_headers,
    jobs::last_used::{LastUsed, Use},
    secrets::{Keys, random_bytes},
    services::{now_ms, token_check},
};
use uuid::Uuid;

fn body() -> Json<Value> {
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

async fn access_token() -> Json<Value> {
    body()
}

/// What the floor keeps: the digests it knows and where their uses go.
struct Floor {
    keys: Keys,
    tokens: RwLock<HashMap<[u8; 32], Uuid, foldhash::fast::RandomState>>,
    last_used: LastUsed,
}

async fn checked_access_token(State(floor): State<Arc<Floor>>, request: Request) -> Response {
    let headers = request.headers();
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let Some(digest) = presented.and_then(|token| token_check::digest(&floor.keys, token)) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some(id) = floor
        .tokens
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&digest)
        .copied()
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    floor.last_used.record(Use {
        token_id: id,
        at: now_ms(),
        ip: None,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok()),
        method: "GET",
        path: "/api/v1/access-token",
        refused: None,
    });
    // Every answer of Tessera's carries these (nosniff, no framing, a CSP, no-store).
    with_security_headers(body().into_response())
}

/// The floor's map: each line of `path` a token secret, digested with a fresh key.
fn floor(path: &str) -> Floor {
    let mut key = [0u8; 32];
    random_bytes(&mut key);
    let keys = Keys::derive(&SecretKey(key));
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read the tokens in {path}: {error}"));
    let tokens = text
        .lines()
        .map(|line| {
            let digest = token_check::digest(&keys, line)
                .unwrap_or_else(|| panic!("{path}: {line:?} is not a token"));
            (digest, Uuid::now_v7())
        })
        .collect();
    Floor {
        keys,
        tokens: RwLock::new(tokens),
        last_used: LastUsed::default(),
    }
}

/// Tessera's allocator (see `src/main.rs`), so the ceiling is not flattered or hampered by
/// another malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:3998".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|error| panic!("cannot listen on {addr}: {error}"));
    let app = match args.get(1).map(String::as_str) {
        Some("--floor") => {
            let tokens = args.get(2).expect("--floor takes a file of token secrets");
            Router::new()
                .route("/api/v1/access-token", get(checked_access_token))
                .with_state(Arc::new(floor(tokens)))
        }
        Some(other) => panic!("unknown argument {other:?}: usage: bare_axum ADDR [--floor TOKENS]"),
        None => Router::new().route("/api/v1/access-token", get(access_token)),
    };
    axum::serve(listener, app).await.expect("serve");
}
