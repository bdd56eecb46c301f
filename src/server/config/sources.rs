//! Where settings come from: the TOML file, then `DATABASE_URL` where the file is silent,
//! then `TESSERA_*` variables over both, layered by figment. Its errors become one line
//! naming the key, the file or variable, and what is expected, never the value of a secret.

use std::fmt;

use figment::{
    Figment, Metadata, Profile, Provider, Source,
    error::Kind,
    providers::{Format, Toml},
    value::{Dict, Map, Value},
};
use serde::de::DeserializeOwned;

use super::{env_var, keys, smtp, spelled, values};

/// Why the configuration could not be loaded. `Display` is a single line.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("configuration file {path} is not valid TOML: {reason}")]
    Syntax { path: String, reason: String },
    #[error(
        "configuration file {path}: unknown key `{}` (known keys: {known})",
        spelled(key)
    )]
    UnknownKey {
        path: String,
        key: String,
        known: String,
    },
    /// A key from before the `[smtp]` table, such as `smtp_host`.
    #[error(
        "configuration file {path}: key `{key}` is now spelled `{}`: write `{} = …` under an [smtp] line",
        spelled(now),
        now.trim_start_matches("smtp.")
    )]
    Moved {
        path: String,
        key: String,
        now: &'static str,
    },
    #[error(
        "{} (or {var}) must be set when {} is; expected {expected}",
        spelled(key),
        spelled(with)
    )]
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
            Origin::File { path, key } => write!(f, "key `{}` in {path}", spelled(key)),
        }
    }
}

/// The metadata name of a value read from the environment.
const ENVIRONMENT: &str = "environment variable";

/// One environment variable as a figment provider, so an error names exactly that
/// variable. figment's own `Env` reads only the process environment (tests pass theirs)
/// and guesses types (an all-digit secret key would become a number); this passes text.
struct EnvVar {
    name: String,
    key: &'static str,
    value: String,
}

impl Provider for EnvVar {
    fn metadata(&self) -> Metadata {
        Metadata::from(ENVIRONMENT, Source::Custom(self.name.clone()))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let nested = figment::util::nest(self.key, Value::from(self.value.clone()));
        Ok(Profile::Default.collect(nested.into_dict().unwrap_or_default()))
    }
}

/// Reads `text` (the file at `path`) and the variables `env` knows into `T`.
pub(super) fn merge<T: DeserializeOwned>(
    path: &str,
    text: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<T, ConfigError> {
    // Parsed here first for the parser's bare message: figment's would quote the line,
    // which may hold a secret.
    if let Err(error) = Toml::from_str::<Dict>(text) {
        let message = one_line(error.message());
        let reason = match error.span() {
            Some(at) if message.is_empty() => place(text, at.start),
            Some(at) => format!("{}: {message}", place(text, at.start)),
            None => message,
        };
        return Err(ConfigError::Syntax {
            path: path.to_owned(),
            reason,
        });
    }
    let var = |name: String, key| env(&name).map(|value| EnvVar { name, key, value });
    let mut figment = Figment::from(Toml::string(text));
    // `join`: DATABASE_URL counts only where the file is silent; TESSERA_* win over both.
    if let Some(database_url) = var("DATABASE_URL".to_owned(), "database_url") {
        figment = figment.join(database_url);
    }
    for key in keys() {
        if let Some(value) = var(env_var(key.path), key.path) {
            figment = figment.merge(value);
        }
    }
    figment
        .extract()
        .map_err(|error| explain(&figment, path, error))
}

/// The one line for figment's (first) error.
fn explain(figment: &Figment, path: &str, error: figment::Error) -> ConfigError {
    let at = error.path.join(".");
    if let Kind::UnknownField(_, known) = &error.kind {
        // figment's path ends with the unknown key itself.
        let key = at;
        if let Some(now) = moved(&key) {
            return ConfigError::Moved {
                path: path.to_owned(),
                key,
                now,
            };
        }
        return ConfigError::UnknownKey {
            path: path.to_owned(),
            key,
            known: known.join(", "),
        };
    }
    let Some(key) = keys().chain([&smtp::TABLE]).find(|key| key.path == at) else {
        // Every value has a key above; this is a fault in that list, not in the file.
        return ConfigError::Syntax {
            path: path.to_owned(),
            reason: format!("unexpected value at `{at}`"),
        };
    };
    let origin = match figment.find_metadata(&at) {
        Some(Metadata {
            name,
            source: Some(Source::Custom(var)),
            ..
        }) if name == ENVIRONMENT => Origin::Env(var.clone()),
        _ => Origin::File {
            path: path.to_owned(),
            key: key.path,
        },
    };
    let raw = figment
        .find_value(&at)
        .ok()
        .and_then(|value| values::text(&value));
    let shown = match (&origin, raw) {
        (Origin::Env(var), Some(raw)) if !key.secret => format!("{var}={raw:?}"),
        (Origin::File { .. }, Some(raw)) if !key.secret => {
            let name = key.path.rsplit('.').next().unwrap_or(key.path);
            format!("{name} = {raw:?}")
        }
        _ => "the value".to_owned(),
    };
    ConfigError::Invalid {
        origin,
        shown,
        expected: key.expected,
    }
}

/// The `[smtp]` key an old flat `smtp_<key>` became.
fn moved(key: &str) -> Option<&'static str> {
    let field = key.strip_prefix("smtp_")?;
    smtp::KEYS
        .iter()
        .map(|key| key.path)
        .find(|path| path.strip_prefix("smtp.") == Some(field))
}

/// `line L, column C` of a byte offset, as an editor counts them.
fn place(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("line {line}, column {column}")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
