//! Everything that runs only on the server.

pub mod admin;
pub mod api;
pub mod clock;
pub mod config;
pub mod context;
pub mod http;
pub mod last_used;
pub mod mail;
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
    let mailer = mail::Mailer::new(config.smtp.as_ref()).map_err(ServerError::Smtp)?;
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

    let sweeper = tokio::spawn(sweep(db.clone()));
    let follower = {
        let db = db.clone();
        tokio::spawn(async move { db.follow_token_changes().await })
    };
    let last_used = state.last_used.clone();
    let (stop_flusher, flusher_stopped) = tokio::sync::oneshot::channel::<()>();
    let flusher = tokio::spawn(last_used::flush_periodically(
        last_used.clone(),
        db.clone(),
        std::time::Duration::from_secs(state.config.last_used_flush_seconds),
        async {
            let _ = flusher_stopped.await;
        },
    ));
    let (stop_mailer, mailer_stopped) = tokio::sync::oneshot::channel::<()>();
    let mail_sender = tokio::spawn(mail::run(
        mailer,
        db.clone(),
        std::time::Duration::from_secs(5),
        async {
            let _ = mailer_stopped.await;
        },
    ));
    axum::serve(listener, http::service(state))
        .with_graceful_shutdown(http::shutdown_signal())
        .await
        .map_err(ServerError::Serve)?;

    sweeper.abort();
    follower.abort();
    // A send under way finishes; what is left goes out after the next start.
    let _ = stop_mailer.send(());
    if let Err(error) = mail_sender.await {
        tracing::warn!("the notification sender failed: {error}");
    }
    // The flusher finishes a flush under way, then what is left is written before the
    // database closes.
    let _ = stop_flusher.send(());
    if let Err(error) = flusher.await {
        tracing::warn!("the last-used flusher failed: {error}");
    }
    match last_used.flush(&db).await {
        Ok(0) => {}
        Ok(written) => tracing::info!(tokens = written, "recorded tokens' last use"),
        Err(error) => tracing::warn!("could not record tokens' last use: {error}"),
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Every ten minutes: deletes expired sessions (they are refused anyway), failed-sign-in
/// counters no longer slowing anyone, old sign-in networks and dead reset links, so none of
/// these tables grows without bound under attack.
async fn sweep(db: Db) {
    use crate::domain::sign_in::{FAILURES_FORGOTTEN_AFTER_MS, KNOWN_NETWORK_MS};
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = services::now_ms();
        match db.delete_expired_sessions(now).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed expired sessions"),
            Err(error) => tracing::warn!("could not remove expired sessions: {error}"),
        }
        match db
            .sweep_sign_in_records(
                now - FAILURES_FORGOTTEN_AFTER_MS,
                now - KNOWN_NETWORK_MS,
                now,
            )
            .await
        {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed old sign-in records"),
            Err(error) => tracing::warn!("could not remove old sign-in records: {error}"),
        }
    }
}
