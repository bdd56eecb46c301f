//! Password hashing behind a gate, and the rules for a password someone chooses.
//!
//! Each argon2 run takes 19 MiB and most of a core for tens of milliseconds. Without a cap,
//! a flood of sign-in attempts (no account needed) runs them all at once on the blocking
//! pool: a thousand parallel requests take gigabytes. The gate lets as many run as there
//! are cores; others wait briefly, then are told to come back (503, `Retry-After`).

use std::{sync::LazyLock, time::Duration};

use tokio::sync::Semaphore;

use super::blocking;
use crate::{
    domain::{error::AppError, validation},
    server::secrets,
};

/// How long an attempt waits for a turn before it is refused.
const WAIT_FOR_TURN: Duration = Duration::from_secs(2);
/// What a refused attempt is told: try again after this many seconds.
pub const RETRY_AFTER_SECONDS: u32 = 2;
/// zxcvbn's scores run 0 (too guessable) to 4; below this a new password is refused.
const MIN_SCORE: u8 = 3;
/// zxcvbn's work grows faster than the length; beyond this many characters a password is
/// judged by its start (which only makes it look weaker, never stronger).
const JUDGED_CHARS: usize = 100;

/// At most one argon2 run per core at a time.
fn gate() -> &'static Semaphore {
    static GATE: LazyLock<Semaphore> = LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Semaphore::new(cores)
    });
    &GATE
}

/// Runs `work` (one argon2 run) when the gate has room: waits briefly for a turn, else
/// refuses with 503. The turn ends with the work, never later.
async fn through_gate<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let Ok(Ok(_turn)) = tokio::time::timeout(WAIT_FOR_TURN, gate().acquire()).await else {
        return Err(AppError::Unavailable(format!(
            "Tessera is busy checking other sign-ins. Try again in {RETRY_AFTER_SECONDS} seconds."
        )));
    };
    blocking(work).await
}

/// Whether `attempt` is the password `hash` was made from. Without a hash (no such
/// account) a decoy is checked, so the answer takes as long.
pub async fn verify(hash: Option<String>, attempt: &str) -> Result<bool, AppError> {
    let attempt = attempt.to_owned();
    through_gate(move || match hash {
        Some(hash) => secrets::verify_password(&hash, &attempt),
        None => {
            secrets::verify_password(secrets::decoy_password_hash(), &attempt);
            false
        }
    })
    .await
}

/// The argon2 hash of a password, when the gate has room.
pub async fn hash(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    through_gate(move || secrets::hash_password(&password)).await
}

/// A password someone chooses for themselves: 12 to 1024 characters, no composition
/// rules, and not guessable (zxcvbn score 3 or more, knowing the person's email and
/// name), as NIST SP 800-63B asks. The refusal carries zxcvbn's advice.
pub fn check_new(password: &str, email: &str, name: &str) -> Result<(), AppError> {
    validation::password(password)?;
    let judged: String = password.chars().take(JUDGED_CHARS).collect();
    let local_part = email.split('@').next().unwrap_or(email);
    let estimate = zxcvbn::zxcvbn(&judged, &[email, local_part, name, "tessera"]);
    if u8::from(estimate.score()) >= MIN_SCORE {
        return Ok(());
    }
    let mut reason = String::from("This password is too easy to guess.");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            reason.push(' ');
            reason.push_str(&warning.to_string());
        }
        for suggestion in feedback.suggestions() {
            reason.push(' ');
            reason.push_str(&suggestion.to_string());
        }
    }
    if !reason.ends_with("longer passphrase.") {
        reason.push_str(" A few unrelated words make a strong, memorable passphrase.");
    }
    Err(AppError::invalid("password", reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guessable_passwords_are_refused_with_advice() {
        for weak in [
            "password1234",
            "qwertyuiop12",
            "aaaaaaaaaaaa",
            "ada@example.com!",
            "Ada Lovelace 1815",
        ] {
            let error = check_new(weak, "ada@example.com", "Ada Lovelace").unwrap_err();
            assert_eq!(error.field(), Some("password"), "{weak}");
            assert!(error.to_string().contains("too easy to guess"), "{weak}");
        }
        assert!(
            check_new("short", "a@b.c", "A")
                .unwrap_err()
                .to_string()
                .contains("12")
        );
        assert!(check_new(&"x".repeat(1025), "a@b.c", "A").is_err());
        for strong in [
            "violet anchor drizzle",
            "Tr0mbone-Quasar-Lid",
            &"kq8#Zr2!".repeat(128),
        ] {
            assert_eq!(
                check_new(strong, "ada@example.com", "Ada"),
                Ok(()),
                "{strong}"
            );
        }
    }
}
