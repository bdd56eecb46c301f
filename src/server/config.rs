//! Runtime configuration.
//!
//! `Leptos.toml` (or the file named by `TESSERA_CONFIG`) holds one flat key per
//! setting; the environment variable `TESSERA_<KEY>` overrides any of them, and
//! `DATABASE_URL` is accepted for `database_url`. Every value is parsed at start:
//! a bad one stops the server with one line naming the key and what it expects.

use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use ipnet::IpNet;

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
}

/// Who may create workspaces (`workspace_creation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkspaceCreation {
    /// The instance admin only (the account made at set-up).
    Admins,
    /// Every account.
    Everyone,
}

/// An SMTP relay for notification mail. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// User name and password, when the relay wants them.
    pub credentials: Option<(String, String)>,
    /// The sender, such as `Tessera <tessera@example.com>`.
    pub from: String,
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("from", &self.from)
            .finish()
    }
}

/// How the connection to the relay is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a relay on the same host or network only).
    None,
    /// Upgraded with STARTTLS, required (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

impl SmtpTls {
    fn parse(text: &str) -> Option<SmtpTls> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::StartTls),
            "tls" => Some(SmtpTls::Tls),
            _ => None,
        }
    }

    fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// Why the configuration could not be loaded. `Display` is a single line.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("configuration file {path} is not valid TOML: {reason}")]
    Syntax { path: String, reason: String },
    #[error("configuration file {path}: unknown key `{key}` (known keys: {known})")]
    UnknownKey {
        path: String,
        key: String,
        known: String,
    },
    #[error("{key} (or {var}) must be set when {with} is; expected {expected}")]
    Missing {
        key: &'static str,
        var: String,
        with: &'static str,
        expected: &'static str,
    },
    #[error("{origin}: {shown} is invalid; expected {expected}")]
    Invalid {
        origin: Origin,
        shown: String,
        expected: &'static str,
    },
}

/// Where a value came from, so the error points at the thing to edit.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Env(String),
    File { path: String, key: &'static str },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::File { path, key } => write!(f, "key `{key}` in {path}"),
        }
    }
}

struct Key {
    name: &'static str,
    expected: &'static str,
    /// Never echo the value (it may hold a password).
    secret: bool,
}

const SITE_ADDR: Key = Key {
    name: "site_addr",
    expected: "an IP address and port, such as 127.0.0.1:3000",
    secret: false,
};
const SITE_ROOT: Key = Key {
    name: "site_root",
    expected: "the directory the site is built into, such as target/site",
    secret: false,
};
const DATA_DIR: Key = Key {
    name: "data_dir",
    expected: "a directory path, such as data",
    secret: false,
};
const DATABASE_URL: Key = Key {
    name: "database_url",
    expected: "a URL starting with sqlite: (such as sqlite://data/tessera.db) or postgres:// (such as postgres://user:password@localhost/tessera)",
    secret: true,
};
const SECRET_KEY_FILE: Key = Key {
    name: "secret_key_file",
    expected: "a file path, such as data/secret.key",
    secret: false,
};
const SECRET_KEY: Key = Key {
    name: "secret_key",
    expected: "64 hexadecimal characters (32 random bytes, as `openssl rand -hex 32` prints)",
    secret: true,
};
const TRUSTED_PROXIES: Key = Key {
    name: "trusted_proxies",
    expected: "IP addresses or CIDR ranges, such as [\"10.0.0.0/8\", \"127.0.0.1\"] in the file or 10.0.0.0/8,127.0.0.1 in the environment",
    secret: false,
};
const LOG: Key = Key {
    name: "log",
    expected: "a log filter, such as info or tessera=debug,info",
    secret: false,
};

const LAST_USED_FLUSH_SECONDS: Key = Key {
    name: "last_used_flush_seconds",
    expected: "a whole number of seconds from 1 to 300, such as 30",
    secret: false,
};

const SMTP_HOST: Key = Key {
    name: "smtp_host",
    expected: "the host name of an SMTP relay, such as smtp.example.com",
    secret: false,
};
const SMTP_PORT: Key = Key {
    name: "smtp_port",
    expected: "a port number, such as 587",
    secret: false,
};
const SMTP_TLS: Key = Key {
    name: "smtp_tls",
    expected: "none, starttls or tls",
    secret: false,
};
const SMTP_USERNAME: Key = Key {
    name: "smtp_username",
    expected: "the user name the SMTP relay expects",
    secret: false,
};
const SMTP_PASSWORD: Key = Key {
    name: "smtp_password",
    expected: "the password the SMTP relay expects (with smtp_username)",
    secret: true,
};
const SMTP_FROM: Key = Key {
    name: "smtp_from",
    expected: "a sender address, such as \"Tessera <tessera@example.com>\" (required with smtp_host)",
    secret: false,
};

const PUBLIC_URL: Key = Key {
    name: "public_url",
    expected: "the http:// or https:// address people open Tessera at, such as https://tessera.example.com",
    secret: false,
};
const WORKSPACE_CREATION: Key = Key {
    name: "workspace_creation",
    expected: "admins (only the instance admin) or everyone",
    secret: false,
};

const KEYS: [&Key; 17] = [
    &PUBLIC_URL,
    &WORKSPACE_CREATION,
    &LAST_USED_FLUSH_SECONDS,
    &SITE_ADDR,
    &SITE_ROOT,
    &DATA_DIR,
    &DATABASE_URL,
    &SECRET_KEY_FILE,
    &SECRET_KEY,
    &TRUSTED_PROXIES,
    &LOG,
    &SMTP_HOST,
    &SMTP_PORT,
    &SMTP_TLS,
    &SMTP_USERNAME,
    &SMTP_PASSWORD,
    &SMTP_FROM,
];

/// The environment variable that overrides `key`.
pub fn env_var(key: &str) -> String {
    format!("TESSERA_{}", key.to_ascii_uppercase())
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
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: path.to_owned(),
                    reason: one_line(e.message()),
                })?;
        if let Some(key) = table
            .keys()
            .find(|k| KEYS.iter().all(|known| known.name != *k))
        {
            return Err(ConfigError::UnknownKey {
                path: path.to_owned(),
                key: key.clone(),
                known: KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", "),
            });
        }
        let sources = Sources { path, table, env };

        let site_addr = sources
            .parse(&SITE_ADDR, |v| v.parse::<SocketAddr>().ok())?
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        let site_root = sources
            .parse(&SITE_ROOT, non_empty_path)?
            .unwrap_or_else(|| PathBuf::from("target/site"));
        let data_dir = sources
            .parse(&DATA_DIR, non_empty_path)?
            .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = match sources.parse(&DATABASE_URL, database_url)? {
            Some(url) => url,
            None => match (sources.env)("DATABASE_URL") {
                Some(url) => database_url(&url).ok_or_else(|| ConfigError::Invalid {
                    origin: Origin::Env("DATABASE_URL".into()),
                    shown: "DATABASE_URL".into(),
                    expected: DATABASE_URL.expected,
                })?,
                None => default_sqlite_url(&data_dir),
            },
        };
        let secret_key_file = sources
            .parse(&SECRET_KEY_FILE, non_empty_path)?
            .unwrap_or_else(|| data_dir.join("secret.key"));
        let secret_key = sources.parse(&SECRET_KEY, SecretKey::from_hex)?;
        let trusted_proxies = sources
            .parse(&TRUSTED_PROXIES, ip_nets)?
            .unwrap_or_default();
        let log = sources
            .parse(&LOG, |v| {
                tracing_subscriber::EnvFilter::try_new(v)
                    .ok()
                    .map(|_| v.to_owned())
            })?
            .unwrap_or_else(|| "info".to_owned());
        let last_used_flush_seconds = sources
            .parse(&LAST_USED_FLUSH_SECONDS, |v| {
                v.trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|s| (1..=300).contains(s))
            })?
            .unwrap_or(30);

        let public_url = sources
            .parse(&PUBLIC_URL, |v| {
                let v = v.trim().trim_end_matches('/');
                let rest = v
                    .strip_prefix("https://")
                    .or_else(|| v.strip_prefix("http://"))?;
                (!rest.is_empty() && !rest.contains(char::is_whitespace)).then(|| v.to_owned())
            })?
            .unwrap_or_else(|| format!("http://{site_addr}"));
        let workspace_creation = sources
            .parse(&WORKSPACE_CREATION, |v| {
                match v.trim().to_ascii_lowercase().as_str() {
                    "admins" => Some(WorkspaceCreation::Admins),
                    "everyone" => Some(WorkspaceCreation::Everyone),
                    _ => None,
                }
            })?
            .unwrap_or(WorkspaceCreation::Admins);

        Ok(Config {
            public_url,
            workspace_creation,
            site_addr,
            site_root,
            data_dir,
            database_url,
            secret_key_file,
            secret_key,
            trusted_proxies,
            log,
            last_used_flush_seconds,
            smtp: smtp(&sources)?,
        })
    }
}

/// The SMTP settings: none without `smtp_host`; with it, `smtp_from` is required and a
/// password needs a user name (and the other way round).
fn smtp<E: Fn(&str) -> Option<String>>(
    sources: &Sources<'_, E>,
) -> Result<Option<Smtp>, ConfigError> {
    let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let Some(host) = sources.parse(&SMTP_HOST, text)? else {
        return Ok(None);
    };
    let tls = sources
        .parse(&SMTP_TLS, SmtpTls::parse)?
        .unwrap_or(SmtpTls::StartTls);
    let port = sources
        .parse(&SMTP_PORT, |v| {
            v.trim().parse::<u16>().ok().filter(|p| *p > 0)
        })?
        .unwrap_or_else(|| tls.default_port());
    let missing = |key: &Key, with: &Key| ConfigError::Missing {
        key: key.name,
        var: env_var(key.name),
        with: with.name,
        expected: key.expected,
    };
    let from = sources
        .parse(&SMTP_FROM, |v| {
            let v = v.trim();
            v.parse::<lettre::message::Mailbox>()
                .ok()
                .map(|_| v.to_owned())
        })?
        .ok_or_else(|| missing(&SMTP_FROM, &SMTP_HOST))?;
    let credentials = match (
        sources.parse(&SMTP_USERNAME, text)?,
        sources.parse(&SMTP_PASSWORD, |v| {
            Some(v.to_owned()).filter(|v| !v.is_empty())
        })?,
    ) {
        (Some(user), Some(password)) => Some((user, password)),
        (None, None) => None,
        (Some(_), None) => return Err(missing(&SMTP_PASSWORD, &SMTP_USERNAME)),
        (None, Some(_)) => return Err(missing(&SMTP_USERNAME, &SMTP_PASSWORD)),
    };
    Ok(Some(Smtp {
        host,
        port,
        tls,
        credentials,
        from,
    }))
}

/// 32 bytes of server secret. `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(pub [u8; 32]);

impl SecretKey {
    /// Parses 64 hexadecimal characters.
    pub fn from_hex(text: &str) -> Option<SecretKey> {
        let text = text.trim();
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
            *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        Some(SecretKey(bytes))
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

struct Sources<'a, E> {
    path: &'a str,
    table: toml::Table,
    env: E,
}

impl<E: Fn(&str) -> Option<String>> Sources<'_, E> {
    /// The value for `key` (environment first, then the file), parsed by `parse`.
    fn parse<T>(
        &self,
        key: &Key,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        let var = env_var(key.name);
        let (raw, origin) = if let Some(value) = (self.env)(&var) {
            (Some(value), Origin::Env(var))
        } else if let Some(value) = self.table.get(key.name) {
            let origin = Origin::File {
                path: self.path.to_owned(),
                key: key.name,
            };
            (file_value_as_text(value), origin)
        } else {
            return Ok(None);
        };
        let invalid = |raw: Option<&str>| ConfigError::Invalid {
            shown: match (&origin, raw) {
                (_, Some(_)) if key.secret => "the value".to_owned(),
                (Origin::Env(var), Some(raw)) => format!("{var}={raw:?}"),
                (Origin::File { key, .. }, Some(raw)) => format!("{key} = {raw:?}"),
                (_, None) => "the value".to_owned(),
            },
            origin: origin.clone(),
            expected: key.expected,
        };
        match raw {
            Some(raw) => parse(&raw).map(Some).ok_or_else(|| invalid(Some(&raw))),
            None => Err(invalid(None)),
        }
    }
}

/// File values are strings, or arrays of strings (joined like the environment's comma lists).
fn file_value_as_text(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join(",")),
        toml::Value::Integer(number) => Some(number.to_string()),
        _ => None,
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn non_empty_path(value: &str) -> Option<PathBuf> {
    let value = value.trim();
    (!value.is_empty()).then(|| PathBuf::from(value))
}

fn database_url(value: &str) -> Option<String> {
    let value = value.trim();
    let known = ["sqlite:", "postgres://", "postgresql://"];
    known
        .iter()
        .any(|scheme| value.starts_with(scheme) && value.len() > scheme.len())
        .then(|| value.to_owned())
}

fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("tessera.db").display())
}

fn ip_nets(value: &str) -> Option<Vec<IpNet>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .ok()
                .or_else(|| item.parse::<std::net::IpAddr>().ok().map(IpNet::from))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(file: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_sources("Leptos.toml", file, move |k| env.get(k).cloned())
    }

    #[test]
    fn defaults_put_everything_under_data() {
        let config = load("", &[]).unwrap();
        assert_eq!(config.site_addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert_eq!(config.database_url, "sqlite://data/tessera.db");
        assert_eq!(config.secret_key_file, PathBuf::from("data/secret.key"));
        assert!(config.trusted_proxies.is_empty());
        assert_eq!(config.log, "info");
        assert_eq!(config.secret_key, None);
    }

    #[test]
    fn smtp_is_off_without_a_host_and_checked_with_one() {
        assert_eq!(load("", &[]).unwrap().smtp, None);
        let file = r#"
            smtp_host = "mail.example.com"
            smtp_port = 2525
            smtp_tls = "none"
            smtp_username = "tessera"
            smtp_password = "hunter2-secret"
            smtp_from = "Tessera <tessera@example.com>"
        "#;
        let config = load(file, &[]).unwrap();
        let smtp = config.smtp.clone().unwrap();
        assert_eq!(
            (smtp.host.as_str(), smtp.port, smtp.tls),
            ("mail.example.com", 2525, SmtpTls::None)
        );
        assert_eq!(
            smtp.credentials,
            Some(("tessera".into(), "hunter2-secret".into()))
        );
        assert!(
            !format!("{config:?}").contains("hunter2"),
            "the password is never shown"
        );
        // Defaults: STARTTLS on 587.
        let plain = load("smtp_host = \"h\"\nsmtp_from = \"a@example.com\"", &[])
            .unwrap()
            .smtp
            .unwrap();
        assert_eq!(
            (plain.port, plain.tls, plain.credentials),
            (587, SmtpTls::StartTls, None)
        );
        // Missing or bad values say which key and what it wants; the password is not echoed.
        let message = load("smtp_host = \"h\"", &[]).unwrap_err().to_string();
        assert!(
            message.contains("smtp_from") && message.contains("smtp_host"),
            "{message}"
        );
        let message = load("smtp_host = \"h\"\nsmtp_from = \"nobody\"", &[])
            .unwrap_err()
            .to_string();
        assert!(message.contains("sender address"), "{message}");
        let message = load(file, &[("TESSERA_SMTP_TLS", "ssl")])
            .unwrap_err()
            .to_string();
        assert!(message.contains("none, starttls or tls"), "{message}");
        let message = load(
            "smtp_host = \"h\"\nsmtp_from = \"a@example.com\"\nsmtp_password = \"hunter2-secret\"",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            message.contains("smtp_username") && !message.contains("hunter2"),
            "{message}"
        );
    }

    #[test]
    fn a_secret_key_is_64_hex_characters_and_never_echoed() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let config = load("", &[("TESSERA_SECRET_KEY", hex)]).unwrap();
        let key = config.secret_key.clone().unwrap();
        assert_eq!(key.0[1], 0x11);
        assert_eq!(key.to_hex(), hex);
        assert!(!format!("{config:?}").contains("aabbcc"));
        let error = load("", &[("TESSERA_SECRET_KEY", "tooshort-secret")]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("TESSERA_SECRET_KEY"), "{message}");
        assert!(message.contains("64 hexadecimal characters"), "{message}");
        assert!(!message.contains("tooshort"), "{message}");
        assert!(load("", &[("TESSERA_SECRET_KEY", &"zz".repeat(32))]).is_err());
    }

    #[test]
    fn file_values_are_read_and_env_overrides_them() {
        let file = r#"
            site_addr = "0.0.0.0:8080"
            data_dir = "/var/lib/tessera"
            trusted_proxies = ["10.0.0.0/8", "127.0.0.1"]
        "#;
        let config = load(file, &[]).unwrap();
        assert_eq!(config.site_addr, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(config.database_url, "sqlite:///var/lib/tessera/tessera.db");
        assert_eq!(
            config.trusted_proxies,
            vec![
                "10.0.0.0/8".parse::<IpNet>().unwrap(),
                "127.0.0.1/32".parse().unwrap()
            ]
        );

        let config = load(
            file,
            &[
                ("TESSERA_SITE_ADDR", "127.0.0.1:4000"),
                ("TESSERA_TRUSTED_PROXIES", "192.168.0.0/16"),
            ],
        )
        .unwrap();
        assert_eq!(config.site_addr, "127.0.0.1:4000".parse().unwrap());
        assert_eq!(
            config.trusted_proxies,
            vec!["192.168.0.0/16".parse::<IpNet>().unwrap()]
        );
    }

    #[test]
    fn database_url_precedence_is_tessera_then_database_url_then_file() {
        let file = r#"database_url = "sqlite://from-file.db""#;
        assert_eq!(
            load(file, &[]).unwrap().database_url,
            "sqlite://from-file.db"
        );
        let pg = "postgres://u:p@localhost/db";
        assert_eq!(load("", &[("DATABASE_URL", pg)]).unwrap().database_url, pg);
        let config = load(
            file,
            &[
                ("DATABASE_URL", pg),
                ("TESSERA_DATABASE_URL", "sqlite://env.db"),
            ],
        )
        .unwrap();
        assert_eq!(config.database_url, "sqlite://env.db");
    }

    #[test]
    fn a_bad_env_value_names_the_variable_and_what_it_expects() {
        let error = load("", &[("TESSERA_SITE_ADDR", "localhost")]).unwrap_err();
        let message = error.to_string();
        assert_eq!(
            message,
            "environment variable TESSERA_SITE_ADDR: TESSERA_SITE_ADDR=\"localhost\" is invalid; \
             expected an IP address and port, such as 127.0.0.1:3000"
        );
        assert!(!message.contains('\n'));
    }

    #[test]
    fn a_bad_file_value_names_the_key_and_file() {
        let error = load("trusted_proxies = [\"not-an-ip\"]", &[]).unwrap_err();
        assert!(matches!(
            &error,
            ConfigError::Invalid {
                origin: Origin::File {
                    key: "trusted_proxies",
                    ..
                },
                ..
            }
        ));
        assert!(
            error
                .to_string()
                .starts_with("key `trusted_proxies` in Leptos.toml:")
        );

        let error = load("site_addr = 3000", &[]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expected an IP address and port")
        );
    }

    #[test]
    fn database_url_errors_never_echo_the_value() {
        let error = load("", &[("TESSERA_DATABASE_URL", "mysql://root:hunter2@db/x")]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("TESSERA_DATABASE_URL"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        let error = load("", &[("DATABASE_URL", "mysql://root:hunter2@db/x")]).unwrap_err();
        assert!(!error.to_string().contains("hunter2"));
        assert!(
            error
                .to_string()
                .starts_with("environment variable DATABASE_URL")
        );
    }

    #[test]
    fn unknown_keys_and_bad_toml_are_refused_in_one_line() {
        let error = load("sit_addr = \"127.0.0.1:3000\"", &[]).unwrap_err();
        assert!(matches!(&error, ConfigError::UnknownKey { key, .. } if key == "sit_addr"));
        assert!(error.to_string().contains("site_addr"));

        let error = load("site_addr = ", &[]).unwrap_err();
        assert!(matches!(error, ConfigError::Syntax { .. }));
        assert!(!error.to_string().contains('\n'));
    }

    #[test]
    fn log_filters_are_validated() {
        assert_eq!(
            load("", &[("TESSERA_LOG", "tessera=debug,info")])
                .unwrap()
                .log,
            "tessera=debug,info"
        );
        assert!(load("", &[("TESSERA_LOG", "tessera=loud")]).is_err());
    }
}
