//! Rotating a token: replacing it by a successor with a fresh secret while the old one
//! keeps working for a grace period, so whatever uses it can switch without downtime.
//! The rules here are pure (both targets): how long the grace may be and when it ends,
//! what expiry the successor gets, which tokens may be rotated at all, and what an
//! `Idempotency-Key` may hold.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{error::AppError, time::relative};

/// The longest grace: seven days, as long as a weekly job may take to pick up a new secret.
pub const MAX_GRACE_SECONDS: i64 = 7 * 24 * 3600;

/// The grace when none is asked for: none. Rotating is often the answer to a leak, and a
/// leaked token should stop at once unless the caller says otherwise.
pub const DEFAULT_GRACE_SECONDS: i64 = 0;

/// How long a rotation made with an `Idempotency-Key` is remembered, so that a retry
/// whose first answer was lost gets the same new secret instead of a refusal.
pub const REPLAY_WINDOW_MS: i64 = 10 * 60_000;

/// The longest `Idempotency-Key` accepted (a UUID is 36 characters).
pub const KEY_MAX_LEN: usize = 255;

/// The grace choices the UI offers, in seconds, with their words.
pub const GRACE_CHOICES: [(i64, &str); 4] = [
    (0, "End the old token now"),
    (3600, "In 1 hour"),
    (24 * 3600, "In 24 hours"),
    (MAX_GRACE_SECONDS, "In 7 days"),
];

/// How long the old token keeps working, once checked to be 0 to 7 days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grace(i64);

impl Grace {
    pub fn seconds(seconds: i64) -> Result<Grace, AppError> {
        if (0..=MAX_GRACE_SECONDS).contains(&seconds) {
            Ok(Grace(seconds))
        } else {
            Err(AppError::invalid(
                "grace_seconds",
                format!(
                    "Choose a grace from 0 (the old token stops at once) to {MAX_GRACE_SECONDS} seconds (7 days)."
                ),
            ))
        }
    }

    pub fn as_seconds(self) -> i64 {
        self.0
    }

    /// When the old token stops: after the grace, but never later than its own expiry
    /// (rotating must not lengthen the life of the secret being replaced).
    pub fn ends_at(self, old_expires_at: Option<i64>, now: i64) -> i64 {
        let end = now.saturating_add(self.0 * 1000);
        old_expires_at.map_or(end, |at| at.min(end))
    }
}

/// The successor's expiry: the old token's whole lifetime again, counted from now, so a
/// token made to last 90 days and rotated lasts 90 days from its rotation; a token
/// without an expiry gets none. This is what a scheduled rotation wants (and what the
/// expiry reminder suggests); a shorter life is one edit away.
pub fn successor_expiry(created_at: i64, expires_at: Option<i64>, now: i64) -> Option<i64> {
    expires_at.map(|at| now.saturating_add((at - created_at).max(1)))
}

/// Why a token cannot be rotated (a 409: the request is fine, the token's state is not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotRotatable {
    /// Already replaced: its successor is the one to rotate.
    AlreadyRotated(Uuid),
    Disabled,
    Expired,
}

impl NotRotatable {
    /// May a token in this state be rotated at `now`? A rotated token is named first: it
    /// is the most useful thing to hear, even once its grace has ended.
    pub fn check(
        rotated_to: Option<Uuid>,
        disabled: bool,
        expires_at: Option<i64>,
        now: i64,
    ) -> Result<(), NotRotatable> {
        match rotated_to {
            Some(successor) => Err(NotRotatable::AlreadyRotated(successor)),
            None if disabled => Err(NotRotatable::Disabled),
            None if expires_at.is_some_and(|at| at <= now) => Err(NotRotatable::Expired),
            None => Ok(()),
        }
    }
}

impl From<NotRotatable> for AppError {
    fn from(why: NotRotatable) -> AppError {
        AppError::Conflict(match why {
            NotRotatable::AlreadyRotated(successor) => format!(
                "This token was already rotated; its successor is {successor}. Rotate the successor instead."
            ),
            NotRotatable::Disabled => {
                "This token is disabled, so it cannot be rotated. Enable it first, or create a new token.".to_owned()
            }
            NotRotatable::Expired => {
                "This token has expired, so it cannot be rotated. Create a new token instead.".to_owned()
            }
        })
    }
}

/// What the table shows for a token being rotated out: `rotating — ends in 3 hours`, from
/// the `now` the server sent with the page, so the server's HTML and the browser's first
/// render agree.
pub fn rotating_hint(grace_ends_at: i64, now: i64) -> String {
    if grace_ends_at > now {
        format!("rotating — ends {}", relative(grace_ends_at, now))
    } else {
        "rotated".to_owned()
    }
}

/// An `Idempotency-Key` as a client sent it (draft-ietf-httpapi-idempotency-key-header,
/// section 2.1: an RFC 8941 sf-string such as `"8e03978e-40d5-43e8-bc93-6894a57f9324"`).
/// Many clients send the bare value without the quotes; both are accepted. Either way it
/// is 1 to [`KEY_MAX_LEN`] visible ASCII characters once unquoted: the draft's security
/// considerations ask for a fixed, published format, and a key is never stored as sent
/// (only a keyed digest of it and its caller).
#[derive(Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl std::fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdempotencyKey(…)")
    }
}

impl IdempotencyKey {
    pub fn parse(header: &str) -> Result<IdempotencyKey, String> {
        let header = header.trim_matches(' ');
        let key = match header.strip_prefix('"') {
            Some(quoted) => unquote(quoted)?,
            None => header.to_owned(),
        };
        if key.is_empty() || key.len() > KEY_MAX_LEN {
            return Err(format!(
                "An Idempotency-Key holds 1 to {KEY_MAX_LEN} characters; a UUID is a good one."
            ));
        }
        // Visible ASCII and spaces, as an sf-string allows (a bare key: no spaces).
        let quoted = header.starts_with('"');
        if !key
            .chars()
            .all(|c| c.is_ascii_graphic() || (quoted && c == ' '))
        {
            return Err(
                "An Idempotency-Key holds visible ASCII characters only (write it as \"…\" to include spaces)."
                    .to_owned(),
            );
        }
        Ok(IdempotencyKey(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The inside of an sf-string after its opening quote: `\"` and `\\` escapes, then the
/// closing quote and nothing after it.
fn unquote(rest: &str) -> Result<String, String> {
    let malformed = || "The Idempotency-Key is not a well-formed quoted string.".to_owned();
    let mut key = String::with_capacity(rest.len());
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('"' | '\\')) => key.push(escaped),
                _ => return Err(malformed()),
            },
            '"' => {
                return if chars.as_str().is_empty() {
                    Ok(key)
                } else {
                    Err(malformed())
                };
            }
            other => key.push(other),
        }
    }
    Err(malformed())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;
    const HOUR: i64 = 3_600_000;

    #[test]
    fn grace_is_zero_to_seven_days() {
        assert!(Grace::seconds(0).is_ok());
        assert!(Grace::seconds(MAX_GRACE_SECONDS).is_ok());
        for bad in [-1, MAX_GRACE_SECONDS + 1, i64::MAX] {
            let error = Grace::seconds(bad).unwrap_err();
            assert_eq!(error.field(), Some("grace_seconds"), "{bad}");
            assert_eq!(error.http_status(), 422);
        }
    }

    #[test]
    fn grace_never_runs_past_the_old_expiry() {
        let hour = Grace::seconds(3600).unwrap();
        assert_eq!(hour.ends_at(None, NOW), NOW + HOUR);
        assert_eq!(hour.ends_at(Some(NOW + 2 * HOUR), NOW), NOW + HOUR);
        assert_eq!(hour.ends_at(Some(NOW + HOUR / 2), NOW), NOW + HOUR / 2);
        assert_eq!(
            Grace::seconds(0).unwrap().ends_at(Some(NOW + HOUR), NOW),
            NOW
        );
    }

    #[test]
    fn the_successor_lives_as_long_as_the_old_token_did() {
        let made = NOW - 80 * 24 * HOUR;
        let expires = made + 90 * 24 * HOUR;
        assert_eq!(
            successor_expiry(made, Some(expires), NOW),
            Some(NOW + 90 * 24 * HOUR)
        );
        assert_eq!(successor_expiry(made, None, NOW), None);
    }

    #[test]
    fn only_a_live_unrotated_token_rotates() {
        let next = Uuid::now_v7();
        assert_eq!(NotRotatable::check(None, false, None, NOW), Ok(()));
        assert_eq!(NotRotatable::check(None, false, Some(NOW + 1), NOW), Ok(()));
        assert_eq!(
            NotRotatable::check(None, false, Some(NOW), NOW),
            Err(NotRotatable::Expired)
        );
        assert_eq!(
            NotRotatable::check(None, true, None, NOW),
            Err(NotRotatable::Disabled)
        );
        assert_eq!(
            NotRotatable::check(Some(next), true, Some(NOW - 1), NOW),
            Err(NotRotatable::AlreadyRotated(next))
        );
        let error = AppError::from(NotRotatable::AlreadyRotated(next));
        assert_eq!(error.http_status(), 409);
        assert!(error.to_string().contains(&next.to_string()), "{error}");
    }

    #[test]
    fn hints_count_down_the_grace() {
        assert_eq!(
            rotating_hint(NOW + 3 * HOUR, NOW),
            "rotating — ends in 3 hours"
        );
        assert_eq!(rotating_hint(NOW, NOW), "rotated");
    }

    #[test]
    fn keys_are_sf_strings_or_bare_visible_ascii() {
        let key = |text: &str| IdempotencyKey::parse(text).map(|k| k.as_str().to_owned());
        assert_eq!(key("\"8e03978e-40d5\"").unwrap(), "8e03978e-40d5");
        assert_eq!(key("8e03978e-40d5").unwrap(), "8e03978e-40d5");
        assert_eq!(key(r#""say \"hi\" \\ now""#).unwrap(), r#"say "hi" \ now"#);
        assert_eq!(key(&"k".repeat(KEY_MAX_LEN)).unwrap().len(), KEY_MAX_LEN);
        for bad in [
            "",
            "\"\"",
            "\"open",
            "\"a\"b",
            "\"bad \\x escape\"",
            "two words",
            "naïve",
            &"k".repeat(KEY_MAX_LEN + 1),
        ] {
            assert!(key(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            format!("{:?}", IdempotencyKey::parse("secret").unwrap()),
            "IdempotencyKey(…)"
        );
    }
}
