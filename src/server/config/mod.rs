//! Runtime configuration.
//!
//! `Leptos.toml` (or the file named by `TESSERA_CONFIG`) holds one key per setting, the mail
//! relay's in an `[smtp]` table. The environment variable `TESSERA_<KEY>` overrides any of
//! them (`TESSERA_SMTP_HOST` for `[smtp] host`), and `DATABASE_URL` is accepted for
//! `database_url`. Every value is parsed at start: a bad one stops the server with one line
//! naming the key and what it expects.

mod smtp;
mod sources;
#[cfg(test)]
mod tests;
pub mod values;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use ipnet::IpNet;
use serde::Deserialize;

pub use self::{
    smtp::{Smtp, SmtpTls},
    sources::{ConfigError, Origin},
    values::SecretKey,
};

/// The configuration file read when `TESSERA_CONFIG` is not set.
pub const DEFAULT_FILE: &str = "Leptos.toml";

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Address and port the HTTP server listens on.
    pub site_addr: SocketAddr,
    /// Directory holding the built site (`pkg/` with the WASM, JS and CSS).
    pub site_root: PathBuf,
    /// Directory for the embedded database and the secret key file.
    pub data_dir: PathBuf,
    /// `sqlite:` or `postgres://` URL; defaults to a SQLite file in `data_dir`.
    pub database_url: String,
    /// File holding the server secret (created on first start).
    pub secret_key_file: PathBuf,
    /// The server secret given directly (`TESSERA_SECRET_KEY`); wins over the file.
    pub secret_key: Option<SecretKey>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// `tracing` filter directives, such as `info` or `tessera=debug,info`.
    pub log: String,
    /// How often tokens' last use is written to the database.
    pub last_used_flush_seconds: u64,
    /// Where notification mail is sent; None keeps it in the outbox (and the log).
    pub smtp: Option<Smtp>,
    /// The address people reach Tessera at, for links in mail (no trailing slash).
    pub public_url: String,
    /// Who may create workspaces.
    pub workspace_creation: WorkspaceCreation,
    /// How many leak reports (`/api/v1/credentials/revoke` and the scanners' endpoints)
    /// one client address may send per hour.
    pub leak_reports_per_hour: u32,
    /// How many API requests without a valid token one client address may make per hour
    /// before its requests with tokens not in memory are refused for a while.
    pub invalid_token_requests_per_hour: u32,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// Where `/metrics` is served (Prometheus's text format); None: not at all.
    pub metrics_addr: Option<SocketAddr>,
    /// The pre-shared credential GitLab's secret detection presents to the Token
    /// Revocation API endpoints; None turns them off.
    pub gitlab_revocation_token: Option<String>,
    /// The public keys GitHub signs secret scanning alerts with, by key identifier; none
    /// turns the endpoint off.
    pub github_secret_scanning_keys: Vec<values::SigningKey>,
}

/// How log lines are written (`log_format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// For people: one readable line per event.
    Text,
    /// For log shippers: one JSON object per line.
    Json,
}

/// Who may create workspaces (`workspace_creation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkspaceCreation {
    /// The instance admin only (the account made at set-up).
    Admins,
    /// Every account.
    Everyone,
}

/// A setting as errors name it: its place in the file (`smtp.host` is `host` in the
/// `[smtp]` table), what it expects, and whether its value may be shown.
struct Key {
    path: &'static str,
    expected: &'static str,
    /// Never echo the value (it may hold a password).
    secret: bool,
}

impl Key {
    const fn new(path: &'static str, expected: &'static str) -> Key {
        Key {
            path,
            expected,
            secret: false,
        }
    }

    const fn secret(path: &'static str, expected: &'static str) -> Key {
        Key {
            path,
            expected,
            secret: true,
        }
    }
}

const KEYS: &[Key] = &[
    Key::new(
        "site_addr",
        "an IP address and port, such as 127.0.0.1:3000",
    ),
    Key::new(
        "site_root",
        "the directory the site is built into, such as target/site",
    ),
    Key::new("data_dir", "a directory path, such as data"),
    Key::secret(
        "database_url",
        "a URL starting with sqlite: (such as sqlite://data/tessera.db) or postgres:// (such as postgres://user:password@localhost/tessera)",
    ),
    Key::new("secret_key_file", "a file path, such as data/secret.key"),
    Key::secret(
        "secret_key",
        "64 hexadecimal characters (32 random bytes, as `openssl rand -hex 32` prints)",
    ),
    Key::new(
        "trusted_proxies",
        "IP addresses or CIDR ranges, such as [\"10.0.0.0/8\", \"127.0.0.1\"] in the file or 10.0.0.0/8,127.0.0.1 in the environment",
    ),
    Key::new("log", "a log filter, such as info or tessera=debug,info"),
    Key::new(
        "last_used_flush_seconds",
        "a whole number of seconds from 1 to 300, such as 30",
    ),
    Key::new(
        "public_url",
        "the http:// or https:// address people open Tessera at, such as https://tessera.example.com",
    ),
    Key::new(
        "workspace_creation",
        "admins (only the instance admin) or everyone",
    ),
    Key::new(
        "leak_reports_per_hour",
        "a whole number of reports from 1 to 100000, such as 60",
    ),
    Key::new(
        "invalid_token_requests_per_hour",
        "a whole number of requests from 1 to 100000, such as 1000",
    ),
    Key::new("log_format", "text or json"),
    Key::new(
        "metrics_addr",
        "an IP address and port to serve /metrics on, such as 127.0.0.1:9464 (leave it out to serve none)",
    ),
    Key::secret(
        "gitlab_revocation_token",
        "at least 32 characters without spaces, such as `openssl rand -hex 32` prints",
    ),
    Key::new(
        "github_secret_scanning_keys",
        "entries \"<key_identifier>=<public key>\", the key as GitHub's /meta/public_keys/secret_scanning gives it (PEM, or the base64 between its BEGIN and END lines)",
    ),
];

/// Every setting with a value of its own (the `[smtp]` table's keys included).
fn keys() -> impl Iterator<Item = &'static Key> {
    KEYS.iter().chain(smtp::KEYS)
}

/// The environment variable that overrides `key` (`smtp.host` → `TESSERA_SMTP_HOST`).
pub fn env_var(key: &str) -> String {
    format!("TESSERA_{}", key.replace('.', "_").to_ascii_uppercase())
}

/// How the file spells `key`: `site_addr`, or `[smtp] host` for a key in a table.
fn spelled(key: &str) -> String {
    match key.split_once('.') {
        Some((table, key)) => format!("[{table}] {key}"),
        None => key.to_owned(),
    }
}

/// The file and the environment merged: every setting optional, each parsed on the way
/// in (the parsers are in `values`; figment reports which key and source failed).
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    #[serde(deserialize_with = "values::socket_addr")]
    site_addr: Option<SocketAddr>,
    #[serde(deserialize_with = "values::path")]
    site_root: Option<PathBuf>,
    #[serde(deserialize_with = "values::path")]
    data_dir: Option<PathBuf>,
    #[serde(deserialize_with = "values::database_url")]
    database_url: Option<String>,
    #[serde(deserialize_with = "values::path")]
    secret_key_file: Option<PathBuf>,
    #[serde(deserialize_with = "values::secret_key")]
    secret_key: Option<SecretKey>,
    #[serde(deserialize_with = "values::ip_nets")]
    trusted_proxies: Option<Vec<IpNet>>,
    #[serde(deserialize_with = "values::log_filter")]
    log: Option<String>,
    #[serde(deserialize_with = "values::flush_seconds")]
    last_used_flush_seconds: Option<u64>,
    #[serde(deserialize_with = "values::public_url")]
    public_url: Option<String>,
    #[serde(deserialize_with = "values::workspace_creation")]
    workspace_creation: Option<WorkspaceCreation>,
    #[serde(deserialize_with = "values::reports_per_hour")]
    leak_reports_per_hour: Option<u32>,
    #[serde(deserialize_with = "values::reports_per_hour")]
    invalid_token_requests_per_hour: Option<u32>,
    #[serde(deserialize_with = "values::log_format")]
    log_format: Option<LogFormat>,
    #[serde(deserialize_with = "values::socket_addr")]
    metrics_addr: Option<SocketAddr>,
    #[serde(deserialize_with = "values::shared_token")]
    gitlab_revocation_token: Option<String>,
    #[serde(deserialize_with = "values::signing_keys")]
    github_secret_scanning_keys: Option<Vec<values::SigningKey>>,
    smtp: smtp::SmtpSettings,
}

impl Config {
    /// Reads the configuration file and the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let explicit = std::env::var("TESSERA_CONFIG").ok();
        let path = explicit.clone().unwrap_or_else(|| DEFAULT_FILE.to_owned());
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            // Without an explicit file every key has a default (or comes from the environment).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                String::new()
            }
            Err(e) => {
                return Err(ConfigError::Unreadable {
                    path,
                    reason: e.to_string(),
                });
            }
        };
        Self::from_sources(&path, &text, |var| std::env::var(var).ok())
    }

    /// Builds the configuration from a file's text and an environment lookup.
    pub fn from_sources(
        path: &str,
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let settings: Settings = sources::merge(path, text, env)?;
        let site_addr = settings
            .site_addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        let data_dir = settings.data_dir.unwrap_or_else(|| PathBuf::from("data"));
        Ok(Config {
            public_url: settings
                .public_url
                .unwrap_or_else(|| format!("http://{site_addr}")),
            workspace_creation: settings
                .workspace_creation
                .unwrap_or(WorkspaceCreation::Admins),
            site_addr,
            site_root: settings
                .site_root
                .unwrap_or_else(|| PathBuf::from("target/site")),
            database_url: settings
                .database_url
                .unwrap_or_else(|| default_sqlite_url(&data_dir)),
            secret_key_file: settings
                .secret_key_file
                .unwrap_or_else(|| data_dir.join("secret.key")),
            data_dir,
            secret_key: settings.secret_key,
            trusted_proxies: settings.trusted_proxies.unwrap_or_default(),
            log: settings.log.unwrap_or_else(|| "info".to_owned()),
            last_used_flush_seconds: settings.last_used_flush_seconds.unwrap_or(30),
            smtp: settings.smtp.resolve()?,
            leak_reports_per_hour: settings.leak_reports_per_hour.unwrap_or(60),
            invalid_token_requests_per_hour: settings
                .invalid_token_requests_per_hour
                .unwrap_or(1000),
            log_format: settings.log_format.unwrap_or(LogFormat::Text),
            metrics_addr: settings.metrics_addr,
            gitlab_revocation_token: settings.gitlab_revocation_token,
            github_secret_scanning_keys: settings.github_secret_scanning_keys.unwrap_or_default(),
        })
    }
}

fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("tessera.db").display())
}
