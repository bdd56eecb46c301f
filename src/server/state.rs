//! The one state shared by the Leptos routes, server functions and REST handlers.

use std::{ops::Deref, sync::Arc};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    config::Config,
    jobs::last_used::LastUsed,
    secrets::Keys,
    services::rate_limits::{AddressLimits, InvalidTokens, TokenLimits},
    store::Db,
};

/// A handle on the shared state: cloned for every request that extracts it, so it is one
/// reference count, not a copy of the options it holds.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub config: Config,
    pub db: Db,
    pub keys: Keys,
    pub last_used: Arc<LastUsed>,
    /// Tokens' rate limits, in this instance's memory.
    pub token_limits: TokenLimits,
    /// Leak reports per client address, in this instance's memory.
    pub leak_reports: AddressLimits,
    /// API requests without a valid token per client address, in this instance's memory.
    pub invalid_tokens: InvalidTokens,
}

/// Whether `cargo leptos build` gave the site's files hashed names (its `hash-files`): it
/// writes them to `hash.txt` beside the server executable, where Leptos's page shell reads
/// them. Not when the server was built otherwise (a test, `cargo build`): plain names then.
fn site_files_hashed() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").is_file()))
        .unwrap_or(false)
}

impl AppState {
    pub fn new(config: Config, db: Db, keys: Keys) -> Self {
        let leptos_options = LeptosOptions::builder()
            .output_name("tessera")
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir(crate::server::http::assets::PKG)
            .site_addr(config.site_addr)
            .hash_files(site_files_hashed())
            .build();
        let leak_reports = AddressLimits::per_hour(config.leak_reports_per_hour);
        let invalid_tokens = InvalidTokens::per_hour(config.invalid_token_requests_per_hour);
        AppState(Arc::new(Shared {
            leptos_options,
            config,
            db,
            keys,
            last_used: Arc::new(LastUsed::default()),
            token_limits: TokenLimits::default(),
            leak_reports,
            invalid_tokens,
        }))
    }

    /// The configured instance as a tool outside the server opens it (a seeder, a fixture):
    /// the configuration from `Leptos.toml` and `TESSERA_*`, its server secret, and its
    /// database with the schema brought up to date. Errors are one line for the tool to print.
    pub async fn open_configured() -> Result<AppState, String> {
        let config = Config::load().map_err(|e| e.to_string())?;
        let keys = Keys::load_or_create(&config).map_err(|e| e.to_string())?;
        let db = Db::connect(&config.database_url)
            .await
            .map_err(|e| e.to_string())?;
        db.migrate().await.map_err(|e| e.to_string())?;
        Ok(AppState::new(config, db, keys))
    }
}

impl Shared {
    /// Where mailed links point, and whether mail can leave at all.
    pub fn links(&self) -> Links<'_> {
        Links {
            public_url: &self.config.public_url,
            mail_relay: self.config.smtp.is_some(),
        }
    }
}

/// Where links point and whether mail can leave: the link is shown to the person who
/// invited only when no relay is configured (it is then the only way to pass it on).
#[derive(Clone, Copy, Debug)]
pub struct Links<'a> {
    pub public_url: &'a str,
    pub mail_relay: bool,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
