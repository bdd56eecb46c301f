//! The one state shared by the Leptos routes, server functions and REST handlers.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{config::Config, last_used::LastUsed, secrets::Keys, store::Db};

#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub db: Db,
    pub keys: Arc<Keys>,
    pub last_used: Arc<LastUsed>,
}

impl AppState {
    pub fn new(config: Config, db: Db, keys: Keys) -> Self {
        let leptos_options = LeptosOptions::builder()
            .output_name("tessera")
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(config.site_addr)
            .build();
        AppState {
            leptos_options,
            config: Arc::new(config),
            db,
            keys: Arc::new(keys),
            last_used: Arc::new(LastUsed::default()),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
