//! Leaked tokens: the channels a leak is reported through, what a report may hold, and
//! what a token reported as leaked becomes — disabled for good, to be rotated or replaced.

use serde::{Deserialize, Serialize};

use super::error::AppError;

/// The most tokens one report may name (as GitHub's `POST /credentials/revoke`).
pub const MAX_REPORTED: usize = 1000;

/// The longest location kept (a URL where the token was found).
pub const MAX_LOCATION: usize = 2048;

/// What the audit log and the table say a leaked token was disabled for.
pub const LEAK_REASON: &str = "reported as leaked";

/// The token type GitLab's secret detection names a Tessera token by: `gitleaks_rule_id_`
/// and the id of the gitleaks rule that finds `tsr_` tokens (README "When a token leaks").
pub const GITLAB_TOKEN_TYPE: &str = "gitleaks_rule_id_tessera_access_token";

/// The secret type GitHub's secret scanning names a Tessera token by.
pub const GITHUB_TOKEN_TYPE: &str = "tessera_access_token";

/// Who reported a leak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LeakSource {
    /// Anyone, through `POST /api/v1/credentials/revoke`.
    PublicReport,
    /// GitLab's secret detection, through the Token Revocation API.
    GitLab,
    /// GitHub's secret scanning partner alerts.
    GitHub,
}

impl LeakSource {
    pub const ALL: [LeakSource; 3] = [
        LeakSource::PublicReport,
        LeakSource::GitLab,
        LeakSource::GitHub,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            LeakSource::PublicReport => "public_report",
            LeakSource::GitLab => "gitlab",
            LeakSource::GitHub => "github",
        }
    }

    pub fn parse(text: &str) -> Option<LeakSource> {
        LeakSource::ALL
            .into_iter()
            .find(|source| source.as_str() == text)
    }

    /// As people read it: "reported by GitLab secret detection".
    pub fn label(self) -> &'static str {
        match self {
            LeakSource::PublicReport => "a public report",
            LeakSource::GitLab => "GitLab secret detection",
            LeakSource::GitHub => "GitHub secret scanning",
        }
    }
}

/// A leak as a token's views show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leak {
    pub at: i64,
    pub source: LeakSource,
    /// Where it was found, when the reporter said.
    pub location: Option<String>,
}

/// A reported location as kept: trimmed, without control characters, at most
/// [`MAX_LOCATION`] characters; None when nothing is left.
pub fn location(text: Option<&str>) -> Option<String> {
    let kept: String = text?
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_LOCATION)
        .collect();
    (!kept.is_empty()).then_some(kept)
}

/// A report naming more tokens than one may.
pub fn check_count(count: usize, field: &str) -> Result<(), AppError> {
    if count > MAX_REPORTED {
        return Err(AppError::invalid(
            field,
            format!(
                "At most {MAX_REPORTED} tokens per report; this one names {count}. Send the rest in further reports."
            ),
        ));
    }
    Ok(())
}

/// Why a leaked token may not be enabled again.
pub const NO_REVIVAL: &str = "This token was reported as leaked: its secret is known outside, so it cannot be enabled again. Rotate it for a new secret, or create a new token.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_kept_clean_and_bounded() {
        assert_eq!(
            location(Some("  https://x.test/a\u{0}b\n ")),
            Some("https://x.test/ab".to_owned())
        );
        assert_eq!(location(Some(" \n")), None);
        assert_eq!(location(None), None);
        assert_eq!(
            location(Some(&"a".repeat(5000))).unwrap().len(),
            MAX_LOCATION
        );
    }

    #[test]
    fn sources_read_back_and_counts_are_bounded() {
        for source in LeakSource::ALL {
            assert_eq!(LeakSource::parse(source.as_str()), Some(source));
        }
        assert!(check_count(1000, "credentials").is_ok());
        assert!(check_count(1001, "credentials").is_err());
    }
}
