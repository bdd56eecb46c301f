//! The server secret and what is derived from it: the key that digests token secrets for
//! look-up (HMAC-SHA256), the key that seals them for Copy (AES-256-GCM), and the key that
//! digests session ids. Also password hashing (argon2id) and the OS random source.
//!
//! The secret comes from `TESSERA_SECRET_KEY` or from the key file (created with mode 0600
//! on first start). Without it, no stored token can be verified or copied again.

use std::{
    fs,
    io::{self, Write},
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::Path,
};

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng, Payload, rand_core::RngCore},
};
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::SaltString,
};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::config::{Config, SecretKey};
use crate::domain::token_format::{PresentedToken, TokenSecret};

const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read the secret key file {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error(
        "the secret key file {path} does not hold 64 hexadecimal characters; restore it from your backup (see README, \"The server secret\")"
    )]
    Invalid { path: String },
    #[error("cannot create the secret key file {path}: {source}")]
    Create { path: String, source: io::Error },
    #[error("a sealed token secret could not be opened (was the server secret changed?)")]
    Unseal,
}

/// The keys derived from the server secret. `Debug` shows none of them.
#[derive(Clone)]
pub struct Keys {
    // Keyed once: each digest then starts from a copy of the keyed state instead of
    // hashing the key again.
    token_digest: Hmac<Sha256>,
    session_digest: Hmac<Sha256>,
    link_digest: Hmac<Sha256>,
    seal: Aes256Gcm,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

impl Keys {
    /// Independent keys for each use, derived with HKDF-SHA256.
    pub fn derive(master: &SecretKey) -> Keys {
        let hkdf = Hkdf::<Sha256>::new(Some(b"tessera"), &master.0);
        let expand = |info: &[u8]| {
            let mut key = [0u8; 32];
            hkdf.expand(info, &mut key)
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            key
        };
        let seal_key = expand(b"token seal v1");
        Keys {
            token_digest: keyed(&expand(b"token digest v1")),
            session_digest: keyed(&expand(b"session digest v1")),
            link_digest: keyed(&expand(b"link digest v1")),
            seal: Aes256Gcm::new(&seal_key.into()),
        }
    }

    /// The secret from the configuration, else from the key file, which is created (mode
    /// 0600) when it does not exist yet.
    pub fn load_or_create(config: &Config) -> Result<Keys, SecretError> {
        if let Some(key) = &config.secret_key {
            return Ok(Keys::derive(key));
        }
        Ok(Keys::derive(&load_or_create_key_file(
            &config.secret_key_file,
        )?))
    }

    /// The look-up digest of a token secret.
    pub fn token_digest(&self, secret: PresentedToken<'_>) -> [u8; 32] {
        hmac(&self.token_digest, secret.expose().as_bytes())
    }

    /// The look-up digest of a session id.
    pub fn session_digest(&self, session_id: &str) -> [u8; 32] {
        hmac(&self.session_digest, session_id.as_bytes())
    }

    /// The look-up digest of the code in a mailed link (`kind` keeps an invitation's code
    /// from ever opening a password reset, and the other way round).
    pub fn link_digest(&self, kind: LinkKind, code: &str) -> [u8; 32] {
        let mut input = Vec::with_capacity(16 + code.len());
        input.extend_from_slice(kind.domain());
        input.extend_from_slice(code.as_bytes());
        hmac(&self.link_digest, &input)
    }

    /// The look-up digest of an `Idempotency-Key` as `caller` sent it: a key is only ever
    /// the same key for the same caller, and is never stored as sent. Under the link key
    /// with a prefix of its own, which no link kind shares.
    pub fn idempotency_digest(&self, caller: Uuid, key: &str) -> [u8; 32] {
        let mut input = Vec::with_capacity(32 + key.len());
        input.extend_from_slice(b"idempotency:");
        input.extend_from_slice(caller.as_bytes());
        input.extend_from_slice(key.as_bytes());
        hmac(&self.link_digest, &input)
    }

    /// `nonce || ciphertext || tag`, bound to `token_id` so a sealed secret moved to
    /// another row does not open.
    pub fn seal(&self, token_id: Uuid, secret: &TokenSecret) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: secret.expose().as_bytes(),
            aad: token_id.as_bytes(),
        };
        let ciphertext = self
            .seal
            .encrypt(&nonce, payload)
            .expect("AES-GCM encryption of a short message cannot fail");
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Opens what [`Keys::seal`] made for the same `token_id`.
    pub fn open(&self, token_id: Uuid, sealed: &[u8]) -> Result<TokenSecret, SecretError> {
        if sealed.len() <= NONCE_LEN {
            return Err(SecretError::Unseal);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: token_id.as_bytes(),
        };
        let plain = self
            .seal
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| SecretError::Unseal)?;
        let text = String::from_utf8(plain).map_err(|_| SecretError::Unseal)?;
        TokenSecret::parse(&text).map_err(|_| SecretError::Unseal)
    }
}

fn keyed(key: &[u8; 32]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length")
}

fn hmac(keyed: &Hmac<Sha256>, message: &[u8]) -> [u8; 32] {
    let mut mac = keyed.clone();
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Compares two digests without leaking where they differ.
pub fn digests_equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

fn load_or_create_key_file(path: &Path) -> Result<SecretKey, SecretError> {
    let shown = path.display().to_string();
    match fs::read_to_string(path) {
        Ok(text) => {
            if let Ok(metadata) = fs::metadata(path)
                && metadata.permissions().mode() & 0o077 != 0
            {
                tracing::warn!(
                    "the secret key file {shown} is readable by other users; run chmod 600 {shown}"
                );
            }
            SecretKey::from_hex(&text).ok_or(SecretError::Invalid { path: shown })
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            OsRng.fill_bytes(&mut bytes);
            let key = SecretKey(bytes);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|source| SecretError::Create {
                    path: shown.clone(),
                    source,
                })?;
            }
            // create_new: two instances starting at once must not both write a key.
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|source| SecretError::Create {
                    path: shown.clone(),
                    source,
                })?;
            writeln!(file, "{}", key.to_hex())
                .and_then(|()| file.sync_all())
                .map_err(|source| SecretError::Create {
                    path: shown.clone(),
                    source,
                })?;
            tracing::info!("created the server secret key file {shown}; back it up");
            Ok(key)
        }
        Err(source) => Err(SecretError::Read {
            path: shown,
            source,
        }),
    }
}

/// Fills `buffer` from the operating system's CSPRNG.
pub fn random_bytes(buffer: &mut [u8]) {
    OsRng.fill_bytes(buffer);
}

/// A new token secret from the OS CSPRNG.
pub fn new_token_secret() -> TokenSecret {
    TokenSecret::generate(random_bytes)
}

/// What a mailed link's code opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    Invitation,
    PasswordReset,
}

impl LinkKind {
    fn domain(self) -> &'static [u8] {
        match self {
            LinkKind::Invitation => b"invitation:",
            LinkKind::PasswordReset => b"password-reset:",
        }
    }
}

/// The code of a mailed link (an invitation, a password reset): 256 random bits, hex.
pub fn new_link_code() -> String {
    new_session_id()
}

/// A new session id: 256 random bits, hex.
pub fn new_session_id() -> String {
    let mut bytes = [0u8; 32];
    random_bytes(&mut bytes);
    hex::encode(bytes)
}

/// argon2id with OWASP's parameters: 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string for `password`. Slow on purpose: call it off the async threads.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with valid parameters cannot fail")
        .to_string()
}

/// Whether `password` matches `phc`. A malformed hash never matches.
pub fn verify_password(phc: &str, password: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => argon2().verify_password(password.as_bytes(), &hash).is_ok(),
        Err(_) => false,
    }
}

/// A hash that matches nothing, verified when an email is unknown so that the answer
/// takes as long as for a known one.
pub fn decoy_password_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that no account has"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(byte: u8) -> Keys {
        Keys::derive(&SecretKey([byte; 32]))
    }

    #[test]
    fn digests_are_keyed_and_stable() {
        let secret = new_token_secret();
        let secret = secret.as_presented();
        assert_eq!(keys(1).token_digest(secret), keys(1).token_digest(secret));
        assert_ne!(keys(1).token_digest(secret), keys(2).token_digest(secret));
        assert_ne!(
            keys(1).token_digest(secret),
            keys(1).token_digest(new_token_secret().as_presented())
        );
        // Different purposes, different keys.
        assert_ne!(
            keys(1).token_digest(secret).to_vec(),
            keys(1).session_digest(secret.expose()).to_vec()
        );
        // Stored digests stay valid: the same HMAC-SHA256 under the same derived key as a
        // MAC keyed afresh for every message.
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(b"tessera"), &[1; 32])
            .expand(b"token digest v1", &mut key)
            .unwrap();
        let mut fresh = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
        fresh.update(secret.expose().as_bytes());
        assert_eq!(
            keys(1).token_digest(secret),
            <[u8; 32]>::from(fresh.finalize().into_bytes())
        );
        assert!(digests_equal(&[1, 2, 3], &[1, 2, 3]));
        assert!(!digests_equal(&[1, 2, 3], &[1, 2, 4]));
        assert!(!digests_equal(&[1, 2, 3], &[1, 2]));
    }

    #[test]
    fn sealing_round_trips_only_for_the_same_token_and_key() {
        let secret = new_token_secret();
        let id = Uuid::now_v7();
        let sealed = keys(1).seal(id, &secret);
        assert!(
            !sealed
                .windows(10)
                .any(|w| w == &secret.expose().as_bytes()[..10])
        );
        assert_eq!(keys(1).open(id, &sealed).unwrap(), secret);
        // A fresh nonce every time.
        assert_ne!(keys(1).seal(id, &secret), sealed);
        assert!(keys(1).open(Uuid::now_v7(), &sealed).is_err());
        assert!(keys(2).open(id, &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(keys(1).open(id, &tampered).is_err());
        assert!(keys(1).open(id, &sealed[..5]).is_err());
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse battery!"));
        assert!(!verify_password("not a hash", "anything"));
        assert!(!verify_password(decoy_password_hash(), "anything"));
    }

    #[test]
    fn the_key_file_is_created_private_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/secret.key");
        let first = load_or_create_key_file(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load_or_create_key_file(&path).unwrap(), first);
        fs::write(&path, "garbage").unwrap();
        let error = load_or_create_key_file(&path).unwrap_err().to_string();
        assert!(
            error.contains("does not hold 64 hexadecimal characters"),
            "{error}"
        );
    }

    #[test]
    fn session_ids_are_256_bit_hex() {
        let id = new_session_id();
        assert_eq!(id.len(), 64);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(id, new_session_id());
    }
}
