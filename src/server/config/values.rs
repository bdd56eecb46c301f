//! How a setting's text becomes a value. A file's strings, whole numbers and arrays of
//! strings, and the environment's text, go through the same parser, so a key means the
//! same wherever it is written.

use std::{fmt, net::SocketAddr, path::PathBuf};

use figment::value::Value;
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, de::Error as _};

use super::{LogFormat, WorkspaceCreation};

/// 32 bytes of server secret. `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(pub [u8; 32]);

impl SecretKey {
    /// Parses 64 hexadecimal characters (surrounding whitespace, such as a key file's
    /// final newline, is ignored).
    pub fn from_hex(text: &str) -> Option<SecretKey> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes).ok()?;
        Some(SecretKey(bytes))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// A value as text: strings as written, whole numbers spelled out, arrays of strings
/// joined with commas (the environment's way of writing a list). Anything else has none.
pub(super) fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(_, text) => Some(text.clone()),
        Value::Num(_, number) => number.to_i128().map(|n| n.to_string()),
        Value::Array(_, items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join(",")),
        _ => None,
    }
}

/// Deserializes one setting through `parse`. The error carries no words of its own: the
/// caller names the key, where it came from and what it expects, and never the value.
pub(super) fn parsed<'de, D: Deserializer<'de>, T>(
    de: D,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, D::Error> {
    let value = <Value as Deserialize>::deserialize(de)?;
    text(&value)
        .and_then(|text| parse(&text))
        .map(Some)
        .ok_or_else(|| D::Error::custom("invalid setting"))
}

pub(super) fn socket_addr<'de, D: Deserializer<'de>>(
    de: D,
) -> Result<Option<SocketAddr>, D::Error> {
    parsed(de, |v| v.parse().ok())
}

pub(super) fn path<'de, D: Deserializer<'de>>(de: D) -> Result<Option<PathBuf>, D::Error> {
    parsed(de, |v| {
        let v = v.trim();
        (!v.is_empty()).then(|| PathBuf::from(v))
    })
}

pub(super) fn database_url<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    parsed(de, |v| {
        let v = v.trim();
        ["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|scheme| v.starts_with(scheme) && v.len() > scheme.len())
            .then(|| v.to_owned())
    })
}

pub(super) fn secret_key<'de, D: Deserializer<'de>>(de: D) -> Result<Option<SecretKey>, D::Error> {
    parsed(de, SecretKey::from_hex)
}

/// A comma-separated list (or the file's array) of CIDR ranges and bare addresses.
pub(super) fn ip_nets<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Vec<IpNet>>, D::Error> {
    parsed(de, |v| {
        v.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .ok()
                    .or_else(|| item.parse::<std::net::IpAddr>().ok().map(IpNet::from))
            })
            .collect()
    })
}

pub(super) fn log_filter<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    parsed(de, |v| {
        tracing_subscriber::EnvFilter::try_new(v)
            .ok()
            .map(|_| v.to_owned())
    })
}

pub(super) fn flush_seconds<'de, D: Deserializer<'de>>(de: D) -> Result<Option<u64>, D::Error> {
    parsed(de, |v| {
        v.trim()
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=300).contains(s))
    })
}

/// An http(s) address without its trailing slash, so links can append `/path`.
pub(super) fn public_url<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    parsed(de, |v| {
        let v = v.trim().trim_end_matches('/');
        let rest = v
            .strip_prefix("https://")
            .or_else(|| v.strip_prefix("http://"))?;
        (!rest.is_empty() && !rest.contains(char::is_whitespace)).then(|| v.to_owned())
    })
}

pub(super) fn workspace_creation<'de, D: Deserializer<'de>>(
    de: D,
) -> Result<Option<WorkspaceCreation>, D::Error> {
    let words = [
        ("admins", WorkspaceCreation::Admins),
        ("everyone", WorkspaceCreation::Everyone),
    ];
    parsed(de, |v| one_of(v, &words))
}

pub(super) fn log_format<'de, D: Deserializer<'de>>(de: D) -> Result<Option<LogFormat>, D::Error> {
    let words = [("text", LogFormat::Text), ("json", LogFormat::Json)];
    parsed(de, |v| one_of(v, &words))
}

/// The value of the word `text` names, whatever its case.
pub(super) fn one_of<T: Copy>(text: &str, words: &[(&str, T)]) -> Option<T> {
    let text = text.trim();
    words
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(text))
        .map(|(_, value)| *value)
}

/// Leak reports one address may send per hour.
pub(super) fn reports_per_hour<'de, D: Deserializer<'de>>(de: D) -> Result<Option<u32>, D::Error> {
    parsed(de, |v| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
    })
}

/// A pre-shared credential: long enough not to be guessed, one word.
pub(super) fn shared_token<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    parsed(de, |v| {
        let v = v.trim();
        (v.len() >= 32 && !v.contains(char::is_whitespace)).then(|| v.to_owned())
    })
}

/// A public key a signer is known by.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub key_identifier: String,
    pub key: p256::ecdsa::VerifyingKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.key_identifier)
    }
}

impl SigningKey {
    /// `<key_identifier>=<key>`, the key a P-256 public key as PEM or as the base64 of its
    /// DER (what lies between a PEM's BEGIN and END lines).
    pub fn parse(entry: &str) -> Option<SigningKey> {
        use base64::Engine as _;
        use p256::pkcs8::DecodePublicKey;
        let (id, key) = entry.trim().split_once('=')?;
        let body: String = key
            .lines()
            .filter(|line| !line.trim_start().starts_with("-----"))
            .flat_map(|line| line.split_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .ok()?;
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(&der).ok()?;
        let key_identifier = id.trim().to_owned();
        (!key_identifier.is_empty()).then_some(SigningKey {
            key_identifier,
            key,
        })
    }
}

/// GitHub's secret scanning keys: a list of [`SigningKey::parse`] entries.
pub(super) fn signing_keys<'de, D: Deserializer<'de>>(
    de: D,
) -> Result<Option<Vec<SigningKey>>, D::Error> {
    parsed(de, |v| {
        v.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(SigningKey::parse)
            .collect()
    })
}
