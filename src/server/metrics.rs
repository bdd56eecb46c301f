//! `/metrics` in Prometheus's text exposition format, on an address of its own
//! (`metrics_addr`, off unless set), so that it is never reachable where the API is.
//!
//! What requests do is recorded as it happens, by a layer on the router that exists only
//! when metrics are on: requests by route, method and status, and their latency as a
//! histogram. What the server already counts for itself (token checks by verdict, the token
//! cache, the last-use recorder) is read when scraped, so a token check costs nothing more
//! with metrics on; so are the gauges of the moment (the pool, the listener, the outbox).

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{LazyLock, OnceLock, RwLock, atomic::Ordering},
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use metrics::{Counter, Histogram, counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use super::{ServerError, services::token_check::VERDICTS, state::AppState, store::Pool};

/// The request latency histogram's name and its buckets, in seconds (a cached token check
/// answers in tens of microseconds; a password check takes a good part of a second).
const REQUEST_SECONDS: &str = "tessera_http_request_duration_seconds";
const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// How often histograms are drained into their buckets when nobody scrapes, so that their
/// samples do not pile up in memory.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process's one recorder (a process has one; tests start several servers in one).
static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder (once per process) and returns its handle.
fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder already installed (an embedding program's) keeps its place; this
        // handle then renders only what is read at scrape time.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows only the server's own counts");
        }
        let upkeep = handle.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(UPKEEP_EVERY).await;
                upkeep.run_upkeep();
            }
        });
        handle
    })
}

/// Binds `addr` and serves `/metrics` there until the process ends.
pub async fn serve(addr: SocketAddr, state: AppState) -> Result<SocketAddr, ServerError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::MetricsBind { addr, source })?;
    let bound = listener.local_addr().unwrap_or(addr);
    handle();
    let router = Router::new()
        .route("/metrics", get(scrape))
        .with_state(state);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!("the metrics listener stopped: {error}");
        }
    });
    Ok(bound)
}

/// The request series of one route: a counter per method and status and a latency
/// histogram per method, registered with the recorder the first time they are met and then
/// only added to. Building the label strings and looking the series up in the recorder's
/// registry on every request cost the token-check bench 8 % of its throughput (make bench,
/// 2026-12-03); a read lock and a short scan cost next to nothing.
#[derive(Default)]
struct RouteSeries {
    counters: Vec<(&'static str, u16, Counter)>,
    latencies: Vec<(&'static str, Histogram)>,
}

type Series = HashMap<String, RouteSeries, foldhash::fast::RandomState>;

/// Every route's series, bounded by the router's routes (and `(other)`) × methods × the
/// statuses they answer.
static SERIES: LazyLock<RwLock<Series>> = LazyLock::new(Default::default);

/// Adds one request to its route's series.
fn note(route: &str, method: &'static str, status: u16, seconds: f64) {
    let noted = |series: &RouteSeries| {
        let counter = series
            .counters
            .iter()
            .find(|(m, s, _)| *m == method && *s == status);
        let latency = series.latencies.iter().find(|(m, _)| *m == method);
        match (counter, latency) {
            (Some((_, _, counter)), Some((_, latency))) => {
                counter.increment(1);
                latency.record(seconds);
                true
            }
            _ => false,
        }
    };
    let known = SERIES
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(route)
        .is_some_and(noted);
    if known {
        return;
    }
    // The first request of its kind: register what is missing (with the recorder installed,
    // or the handles would count nowhere for good), then count it.
    handle();
    let mut all = SERIES
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let series = all.entry(route.to_owned()).or_default();
    if !series
        .counters
        .iter()
        .any(|(m, s, _)| *m == method && *s == status)
    {
        let counter = counter!("tessera_http_requests_total",
            "route" => route.to_owned(), "method" => method, "status" => status.to_string());
        series.counters.push((method, status, counter));
    }
    if !series.latencies.iter().any(|(m, _)| *m == method) {
        let latency = histogram!(REQUEST_SECONDS, "route" => route.to_owned(), "method" => method);
        series.latencies.push((method, latency));
    }
    noted(series);
}

/// Records one request: by the route it matched (its template, such as
/// `/api/v1/workspaces/{workspace}/tokens`, so that ids do not multiply the series), its
/// method and its status; and how long it took.
pub async fn record(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let route = route.as_ref().map_or("(other)", MatchedPath::as_str);
    note(route, method, response.status().as_u16(), seconds);
    response
}

/// The method as a label; a method of a client's own invention is `other`, so that it
/// cannot make series without end.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The page Prometheus scrapes: what is read at scrape time, then everything rendered.
async fn scrape(State(state): State<AppState>) -> Response {
    for (verdict, count) in VERDICTS.counts() {
        counter!("tessera_token_checks_total", "verdict" => verdict).absolute(count);
    }
    let cache = state.db.token_cache();
    let counts = cache.counts();
    counter!("tessera_token_cache_hits_total").absolute(counts.hits.load(Ordering::Relaxed));
    counter!("tessera_token_cache_misses_total").absolute(counts.misses.load(Ordering::Relaxed));
    counter!("tessera_token_cache_unknown_hits_total")
        .absolute(counts.unknown_hits.load(Ordering::Relaxed));
    gauge!("tessera_token_cache_tokens").set(cache.len() as f64);
    gauge!("tessera_last_used_pending_tokens").set(state.last_used.held() as f64);
    counter!("tessera_last_used_dropped_total").absolute(state.last_used.dropped());
    let (open, idle, max) = state.db.pool_use();
    gauge!("tessera_db_pool_connections", "state" => "idle").set(idle as f64);
    gauge!("tessera_db_pool_connections", "state" => "in_use")
        .set(open.saturating_sub(idle as u32) as f64);
    gauge!("tessera_db_pool_max_connections").set(f64::from(max));
    if let Pool::Postgres(_) = state.db.pool() {
        // 1 while the notification connection is known to deliver (the cache is in use).
        gauge!("tessera_pg_listener_up").set(if cache.is_enabled() { 1.0 } else { 0.0 });
    }
    let outbox = tokio::time::timeout(Duration::from_secs(2), state.db.outbox_counts()).await;
    let database_up = match outbox {
        Ok(Ok(counts)) => {
            for status in ["pending", "sent", "held", "failed"] {
                let count = counts
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, count)| *count);
                gauge!("tessera_outbox_messages", "status" => status).set(count as f64);
            }
            1.0
        }
        _ => 0.0,
    };
    gauge!("tessera_database_up").set(database_up);
    let handle = handle();
    handle.run_upkeep();
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        handle.render(),
    )
        .into_response()
}
