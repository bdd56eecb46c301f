//! A token's rate limit: at most `requests` requests per `window_seconds`, enforced as a
//! GCRA (a burst of up to `requests`, refilled evenly across the window). The same rules
//! in the browser (the dialogs) and on the server (the API and the check at every request).
//!
//! It is announced with the fields of the IETF draft "RateLimit header fields for HTTP"
//! (draft-ietf-httpapi-ratelimit-headers-10, sections 3 and 4): the policy as
//! `RateLimit-Policy: "token";q=600;w=60` — a quota policy item named `token` with the
//! quota `q` and window `w` in seconds — and what is left as `RateLimit: "token";r=…;t=…`,
//! `r` the remaining quota and `t` the seconds until more quota is available.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::AppError;

/// The most requests one window may allow.
pub const MAX_REQUESTS: u32 = 1_000_000;
/// The longest window: a day.
pub const MAX_WINDOW_SECONDS: u32 = 86_400;

/// The field errors name.
const FIELD: &str = "rate_limit";

/// The name of the policy in the RateLimit fields.
pub const POLICY_NAME: &str = "token";

/// The windows the dialogs offer, with their names (the API takes any from 1 second to
/// a day).
pub const WINDOWS: [(u32, &str); 4] = [
    (1, "second"),
    (60, "minute"),
    (3600, "hour"),
    (86_400, "day"),
];

/// At most `requests` requests per `window_seconds`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// 1 to 1000000.
    #[cfg_attr(
        feature = "ssr",
        schema(minimum = 1, maximum = 1_000_000, example = 600)
    )]
    #[serde(deserialize_with = "crate::domain::validation::whole_number")]
    pub requests: u32,
    /// 1 to 86400 (a day).
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 86_400, example = 60))]
    #[serde(deserialize_with = "crate::domain::validation::whole_number")]
    pub window_seconds: u32,
}

impl RateLimit {
    /// A limit as asked, checked: 1 to 1,000,000 requests per 1 second to a day.
    pub fn new(requests: i64, window_seconds: i64) -> Result<RateLimit, AppError> {
        let requests = u32::try_from(requests)
            .ok()
            .filter(|n| (1..=MAX_REQUESTS).contains(n))
            .ok_or_else(|| {
                AppError::invalid(
                    FIELD,
                    format!(
                        "Allow from 1 to {MAX_REQUESTS} requests per window ({requests} was asked), or no rate limit at all."
                    ),
                )
            })?;
        let window_seconds = u32::try_from(window_seconds)
            .ok()
            .filter(|n| (1..=MAX_WINDOW_SECONDS).contains(n))
            .ok_or_else(|| {
                AppError::invalid(
                    FIELD,
                    format!(
                        "The window is from 1 to {MAX_WINDOW_SECONDS} seconds (a day); {window_seconds} was asked."
                    ),
                )
            })?;
        Ok(RateLimit {
            requests,
            window_seconds,
        })
    }

    /// Checks a limit that came in whole (from JSON).
    pub fn checked(self) -> Result<RateLimit, AppError> {
        RateLimit::new(self.requests.into(), self.window_seconds.into())
    }

    /// As a column holds it: `600/60`.
    pub fn column(&self) -> String {
        format!("{}/{}", self.requests, self.window_seconds)
    }

    /// A column's text, read back.
    pub fn from_column(text: &str) -> Result<RateLimit, AppError> {
        let unreadable = || {
            AppError::invalid(
                FIELD,
                format!("\u{201c}{text}\u{201d} is not a stored rate limit."),
            )
        };
        let (requests, window) = text.split_once('/').ok_or_else(unreadable)?;
        RateLimit::new(
            requests.parse().map_err(|_| unreadable())?,
            window.parse().map_err(|_| unreadable())?,
        )
    }

    /// The `RateLimit-Policy` field's value.
    pub fn policy_field(&self) -> String {
        format!(
            "\"{POLICY_NAME}\";q={};w={}",
            self.requests, self.window_seconds
        )
    }

    /// The window's name when the dialogs offer it.
    pub fn window_name(&self) -> Option<&'static str> {
        WINDOWS
            .iter()
            .find(|(seconds, _)| *seconds == self.window_seconds)
            .map(|(_, name)| *name)
    }
}

/// The `RateLimit` field's value: `remaining` requests left, more available in `reset`
/// seconds.
pub fn remaining_field(remaining: u32, reset_seconds: u64) -> String {
    format!("\"{POLICY_NAME}\";r={remaining};t={reset_seconds}")
}

impl fmt::Display for RateLimit {
    /// "600 per minute", "5 per 90 seconds".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.window_name() {
            Some(name) => write!(f, "{} per {name}", self.requests),
            None => write!(f, "{} per {} seconds", self.requests, self.window_seconds),
        }
    }
}

/// What a new token is made with: the workspace's default, no limit, or this limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RateLimitChoice {
    #[default]
    WorkspaceDefault,
    Unlimited,
    Limited(RateLimit),
}

impl RateLimitChoice {
    /// A limit or none, as a form or a client gave it.
    pub fn of(limit: Option<RateLimit>) -> RateLimitChoice {
        limit.map_or(RateLimitChoice::Unlimited, RateLimitChoice::Limited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(requests: i64, window: i64) -> String {
        match RateLimit::new(requests, window).unwrap_err() {
            AppError::Invalid(error) => {
                assert_eq!(error.field, FIELD);
                error.message
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_limit_reads_back_from_its_column_and_names_its_window() {
        let limit = RateLimit::new(600, 60).unwrap();
        assert_eq!(limit.column(), "600/60");
        assert_eq!(RateLimit::from_column("600/60").unwrap(), limit);
        assert_eq!(limit.to_string(), "600 per minute");
        assert_eq!(
            RateLimit::new(5, 90).unwrap().to_string(),
            "5 per 90 seconds"
        );
        assert!(RateLimit::from_column("600").is_err());
        assert!(RateLimit::from_column("0/60").is_err());
    }

    #[test]
    fn the_draft_fields_name_the_token_policy() {
        let limit = RateLimit::new(600, 60).unwrap();
        assert_eq!(limit.policy_field(), "\"token\";q=600;w=60");
        assert_eq!(remaining_field(599, 1), "\"token\";r=599;t=1");
    }

    #[test]
    fn out_of_range_limits_are_refused_with_the_range() {
        assert!(refused(0, 60).contains("from 1 to 1000000 requests"));
        assert!(refused(-5, 60).contains("from 1 to 1000000 requests"));
        assert!(refused(1_000_001, 60).contains("(1000001 was asked)"));
        assert!(refused(10, 0).contains("from 1 to 86400 seconds"));
        assert!(refused(10, 86_401).contains("86401 was asked"));
        assert!(RateLimit::new(1, 86_400).is_ok());
        assert!(RateLimit::new(1_000_000, 1).is_ok());
    }
}
