//! The HTTP surface: one router for the UI, its server functions, the REST API,
//! the health check and the static site, with the layers around them.

pub mod assets;
pub mod client;
pub mod cross_site;
pub mod headers;

use std::{net::SocketAddr, time::Duration};

use axum::{
    Json, Router,
    extract::{State, connect_info::IntoMakeServiceWithConnectInfo},
    http::{StatusCode, header},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde_json::json;
use tower::Layer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, level_filters::LevelFilter};

use crate::{
    app::{App, shell},
    server::{api, state::AppState},
};

/// The whole site as one service.
pub type Site = tower::util::MapResponse<Router, fn(Response) -> Response>;

/// The site as `axum::serve` takes it, each connection's peer address known to the handlers
/// (the last-used IP, trusted proxies).
pub fn service(state: AppState) -> IntoMakeServiceWithConnectInfo<Site, SocketAddr> {
    axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info(router(state))
}

pub fn router(state: AppState) -> Site {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    // Pages and server functions (all under /rpc, away from /api/v1); only these take
    // cookies, so only these need the cross-site check.
    let ui = Router::new()
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .route_layer(middleware::from_fn(cross_site::refuse_cross_site))
        .route_layer(headers::no_store())
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell));
    let router = Router::new()
        .route("/healthz", get(healthz))
        .merge(api::router(state.clone()))
        .merge(assets::router(&state.config.site_root))
        .merge(ui);
    // A line per request at `info`. When the log filter is quieter than that (say `warn`),
    // the layer is left out rather than asked, and dropping, each request's span.
    let router = if LevelFilter::current() >= LevelFilter::INFO {
        router.layer(
            TraceLayer::new_for_http()
                // The path alone, codes of mailed links masked: a query string can hold a
                // password (a sign-in form sent before the WASM loaded, by GET) and a link's
                // code is as good as the link.
                .make_span_with(|request: &axum::extract::Request| {
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %client::loggable_path(request.uri().path()),
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
    } else {
        router
    };
    // Requests by route and status, and their latency, when /metrics is served.
    let router = if state.config.metrics_addr.is_some() {
        router.layer(middleware::from_fn(crate::server::metrics::record))
    } else {
        router
    };
    // Around the router as a whole rather than through `Router::layer`, which wraps (and
    // per request clones) every route on its own.
    tower::util::MapResponseLayer::new(headers::with_security_headers as fn(Response) -> Response)
        .layer(router.with_state(state))
}

/// Liveness and readiness in one: 200 when the database answers, 503 when it does not.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let database = tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await;
    let (status, body) = match database {
        Ok(Ok(())) => (StatusCode::OK, json!({ "status": "ok", "database": "ok" })),
        Ok(Err(error)) => {
            tracing::warn!("health check: {error}");
            unavailable()
        }
        Err(_) => {
            tracing::warn!("health check: the database did not answer within 2 s");
            unavailable()
        }
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body))
}

fn unavailable() -> (StatusCode, serde_json::Value) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        json!({ "status": "unavailable", "database": "unreachable" }),
    )
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM; in-flight requests then finish before exit.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {error}");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!("cannot listen for SIGTERM: {error}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => tracing::info!("interrupt received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
