//! Everything that runs only on the server.

pub mod admin;
pub mod api;
pub mod clock;
pub mod config;
pub mod context;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod secrets;
pub mod services;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod web;

use std::{io, net::SocketAddr};

use tokio::net::TcpListener;

use self::{config::Config, state::AppState, store::Db};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: io::Error },
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Secret(#[from] secrets::SecretError),
    #[error(
        "cannot listen on {addr}: {source} (set TESSERA_SITE_ADDR or site_addr in Leptos.toml to a free address)"
    )]
    Bind { addr: SocketAddr, source: io::Error },
    #[error(
        "cannot serve /metrics on {addr}: {source} (set TESSERA_METRICS_ADDR or metrics_addr in Leptos.toml to a free address, or leave it out)"
    )]
    MetricsBind { addr: SocketAddr, source: io::Error },
    #[error("server error: {0}")]
    Serve(#[source] io::Error),
    #[error("cannot use the SMTP settings: {0}")]
    Smtp(String),
    #[error("{0}")]
    Admin(String),
}

/// Opens the database, brings its schema up to date, and serves until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), ServerError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| ServerError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })?;
    let keys = secrets::Keys::load_or_create(&config)?;
    let mailer = jobs::mail::Mailer::new(config.smtp.as_ref()).map_err(ServerError::Smtp)?;
    match &config.smtp {
        Some(smtp) => {
            tracing::info!(host = %smtp.host, port = smtp.port, "notifications are sent by SMTP")
        }
        None => tracing::info!(
            "no SMTP relay configured: notifications are kept in each workspace's outbox"
        ),
    }
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    tracing::info!(
        engine = db.engine().name(),
        schema_version = db.schema_version().await?,
        "database ready"
    );

    let addr = config.site_addr;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let state = AppState::new(config, db.clone(), keys);
    tracing::info!(
        "listening on http://{}",
        listener.local_addr().unwrap_or(addr)
    );

    if let Some(addr) = state.config.metrics_addr {
        let bound = metrics::serve(addr, state.clone()).await?;
        tracing::info!("metrics on http://{bound}/metrics");
    }

    let jobs = jobs::Jobs::start(&state, mailer);
    axum::serve(listener, http::service(state))
        .with_graceful_shutdown(http::shutdown_signal())
        .await
        .map_err(ServerError::Serve)?;
    jobs.stop(&db).await;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}
