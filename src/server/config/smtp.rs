//! The mail relay: the `[smtp]` table of the file, `TESSERA_SMTP_*` in the environment.

use std::fmt;

use serde::{Deserialize, Deserializer};

use super::{
    ConfigError, Key, env_var,
    values::{one_of, parsed},
};

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
    fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// The table itself, when the file has `smtp` as something else.
pub(super) const TABLE: Key = Key::new(
    "smtp",
    "an [smtp] table holding host, port, tls, username, password and from",
);
const HOST: Key = Key::new(
    "smtp.host",
    "the host name of an SMTP relay, such as smtp.example.com",
);
const PORT: Key = Key::new("smtp.port", "a port number, such as 587");
const TLS: Key = Key::new("smtp.tls", "none, starttls or tls");
const USERNAME: Key = Key::new("smtp.username", "the user name the SMTP relay expects");
const PASSWORD: Key = Key::secret(
    "smtp.password",
    "the password the SMTP relay expects (with [smtp] username)",
);
const FROM: Key = Key::new(
    "smtp.from",
    "a sender address, such as \"Tessera <tessera@example.com>\" (required with [smtp] host)",
);

pub(super) const KEYS: &[Key] = &[HOST, PORT, TLS, USERNAME, PASSWORD, FROM];

/// The `[smtp]` table as given, each value parsed; `resolve` checks them together.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct SmtpSettings {
    #[serde(deserialize_with = "trimmed")]
    host: Option<String>,
    #[serde(deserialize_with = "port")]
    port: Option<u16>,
    #[serde(deserialize_with = "tls")]
    tls: Option<SmtpTls>,
    #[serde(deserialize_with = "trimmed")]
    username: Option<String>,
    #[serde(deserialize_with = "password")]
    password: Option<String>,
    #[serde(deserialize_with = "sender")]
    from: Option<String>,
}

impl SmtpSettings {
    /// None without a host; with one, `from` is required and a password needs a user name
    /// (and the other way round).
    pub(super) fn resolve(self) -> Result<Option<Smtp>, ConfigError> {
        let Some(host) = self.host else {
            return Ok(None);
        };
        let tls = self.tls.unwrap_or(SmtpTls::StartTls);
        let missing = |key: &Key, with: &Key| ConfigError::Missing {
            key: key.path,
            var: env_var(key.path),
            with: with.path,
            expected: key.expected,
        };
        let from = self.from.ok_or_else(|| missing(&FROM, &HOST))?;
        let credentials = match (self.username, self.password) {
            (Some(user), Some(password)) => Some((user, password)),
            (None, None) => None,
            (Some(_), None) => return Err(missing(&PASSWORD, &USERNAME)),
            (None, Some(_)) => return Err(missing(&USERNAME, &PASSWORD)),
        };
        Ok(Some(Smtp {
            host,
            port: self.port.unwrap_or_else(|| tls.default_port()),
            tls,
            credentials,
            from,
        }))
    }
}

fn trimmed<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    parsed(de, |v| Some(v.trim().to_owned()).filter(|v| !v.is_empty()))
}

fn port<'de, D: Deserializer<'de>>(de: D) -> Result<Option<u16>, D::Error> {
    parsed(de, |v| v.trim().parse::<u16>().ok().filter(|p| *p > 0))
}

fn tls<'de, D: Deserializer<'de>>(de: D) -> Result<Option<SmtpTls>, D::Error> {
    let words = [
        ("none", SmtpTls::None),
        ("starttls", SmtpTls::StartTls),
        ("tls", SmtpTls::Tls),
    ];
    parsed(de, |v| one_of(v, &words))
}

/// Taken as given: spaces may be part of a password.
fn password<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    parsed(de, |v| Some(v.to_owned()).filter(|v| !v.is_empty()))
}

fn sender<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    parsed(de, |v| {
        let v = v.trim();
        v.parse::<lettre::message::Mailbox>()
            .ok()
            .map(|_| v.to_owned())
    })
}
