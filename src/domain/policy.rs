//! A workspace's token policy: the rules its Owners set for every token that acts in it.
//! Pure (both targets): the server enforces them, the UI shows them before the server has
//! to refuse.
//!
//! - **Approval of personal tokens** (GitHub organisations' fine-grained token approval):
//!   a personal token that asks for the workspace waits until an Administrator approves.
//! - **Secrets shown once**: new tokens keep no sealed copy, so no Copy button.
//! - **Maximum lifetime** (GitLab's and GitHub's token lifetime policies): new tokens,
//!   and edits that set an expiry, must expire within N days. A token whose remaining
//!   life is longer (or has no expiry) is *over policy*: flagged at once, and refused at
//!   the API from the grace date the Owner sets.
//! - **Highest scope**: no new token (or rotation, or personal token's workspace) above it.

use serde::{Deserialize, Serialize};

use super::{
    error::AppError,
    role::Role,
    time::{DAY_MS, utc},
};

/// The longest maximum lifetime an Owner may set: ten years, as GitLab's bound is.
pub const MAX_LIFETIME_DAYS: i64 = 3650;

/// When an Owner sets a maximum lifetime without a grace date, tokens over it keep working
/// this long before the API refuses them.
pub const DEFAULT_GRACE_DAYS: i64 = 30;

/// Introspection's reason for a token over the lifetime policy past its grace date.
pub const OVER_POLICY: &str = "OVER_POLICY";

/// What the Owners of a workspace require of its tokens. The default asks nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPolicy {
    /// Personal tokens wait for an Administrator's approval before they act here.
    pub approve_personal_tokens: bool,
    /// New tokens keep no sealed copy of their secret: it is shown once, never copied.
    pub secret_shown_once: bool,
    /// New tokens must expire within this many days.
    pub max_lifetime_days: Option<i64>,
    /// From this moment, tokens over the maximum lifetime are refused (ms since epoch).
    pub lifetime_grace_until: Option<i64>,
    /// No new token may have a higher scope.
    pub max_scope: Option<Role>,
}

/// A maximum lifetime and the moment from which tokens over it are refused: what a
/// token's check needs of the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifetimeLimit {
    pub max_days: i64,
    pub refused_from: i64,
}

impl LifetimeLimit {
    /// A token is over the limit when it has no expiry, or more life left at `now` than a
    /// token made now could have. A token made within the limit stays within it.
    pub fn lifetime(self, expires_at: Option<i64>, now: i64) -> Lifetime {
        let latest = now + self.max_days * DAY_MS;
        if expires_at.is_none_or(|at| at > latest) {
            Lifetime::OverPolicy {
                refused_from: self.refused_from,
            }
        } else {
            Lifetime::Within
        }
    }

    /// Whether the API refuses a token of this expiry at `now`.
    pub fn refuses(self, expires_at: Option<i64>, now: i64) -> bool {
        matches!(self.lifetime(expires_at, now), Lifetime::OverPolicy { refused_from } if now >= refused_from)
    }

    /// What a refused token's caller reads.
    pub fn refusal(self) -> String {
        let days = self.max_days;
        format!(
            "This token does not expire within the workspace's maximum token lifetime of {days} days, and the grace for older tokens has ended. Make a token that expires within {days} days and use it instead."
        )
    }
}

/// Where a token stands against the lifetime policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lifetime {
    Within,
    /// Longer than the policy allows; refused at the API from `refused_from`.
    OverPolicy {
        refused_from: i64,
    },
}

impl TokenPolicy {
    /// Checks a policy an Owner asks for; `now` fills the grace date when a lifetime
    /// limit comes without one.
    pub fn checked(mut self, now: i64) -> Result<TokenPolicy, AppError> {
        match self.max_lifetime_days {
            Some(days) if !(1..=MAX_LIFETIME_DAYS).contains(&days) => {
                return Err(AppError::invalid(
                    "max_token_lifetime_days",
                    format!(
                        "Choose a maximum lifetime from 1 to {MAX_LIFETIME_DAYS} days, or none for no limit."
                    ),
                ));
            }
            Some(_) => {
                self.lifetime_grace_until = Some(
                    self.lifetime_grace_until
                        .unwrap_or(now + DEFAULT_GRACE_DAYS * DAY_MS),
                );
            }
            None if self.lifetime_grace_until.is_some() => {
                return Err(AppError::invalid(
                    "token_lifetime_grace_until",
                    "A grace date only applies with a maximum lifetime: set one, or leave the date empty.",
                ));
            }
            None => {}
        }
        Ok(self)
    }

    /// The latest expiry a token made or edited at `now` may have.
    pub fn latest_expiry(&self, now: i64) -> Option<i64> {
        self.max_lifetime_days.map(|days| now + days * DAY_MS)
    }

    /// Checks the expiry asked for a new token, or the new expiry an edit sets.
    pub fn check_expiry(&self, expires_at: Option<i64>, now: i64) -> Result<(), AppError> {
        let (Some(days), Some(latest)) = (self.max_lifetime_days, self.latest_expiry(now)) else {
            return Ok(());
        };
        match expires_at {
            Some(at) if at <= latest => Ok(()),
            _ => Err(AppError::invalid(
                "expires_at",
                format!(
                    "This workspace's tokens must expire within {days} days: choose an expiry on or before {}.",
                    utc(latest)
                ),
            )),
        }
    }

    /// The lifetime limit as the API enforces it, when there is one.
    pub fn lifetime_limit(&self) -> Option<LifetimeLimit> {
        Some(LifetimeLimit {
            max_days: self.max_lifetime_days?,
            refused_from: self.lifetime_grace_until?,
        })
    }

    /// Where a token of this expiry stands at `now`.
    pub fn lifetime(&self, expires_at: Option<i64>, now: i64) -> Lifetime {
        self.lifetime_limit()
            .map_or(Lifetime::Within, |limit| limit.lifetime(expires_at, now))
    }

    /// Checks the scope asked for a new token.
    pub fn check_scope(&self, scope: Role) -> Result<(), AppError> {
        match self.max_scope {
            Some(max) if scope > max => Err(AppError::invalid(
                "scope",
                format!(
                    "This workspace allows new tokens up to the {} scope. Choose that or a lower one.",
                    max.label()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The scopes a new token may have, of those `up_to` allows.
    pub fn scopes(&self, up_to: Role) -> impl Iterator<Item = Role> + '_ {
        Role::ALL
            .into_iter()
            .filter(move |scope| *scope <= up_to && self.check_scope(*scope).is_ok())
    }
}

/// A change to a policy: each field given replaces the current one (`Some(None)` clears
/// an optional rule).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyPatch {
    pub approve_personal_tokens: Option<bool>,
    pub secret_shown_once: Option<bool>,
    pub max_lifetime_days: Option<Option<i64>>,
    pub lifetime_grace_until: Option<Option<i64>>,
    pub max_scope: Option<Option<Role>>,
}

impl PolicyPatch {
    /// Every rule of `policy`, as a patch that sets them all.
    pub fn whole(policy: TokenPolicy) -> PolicyPatch {
        PolicyPatch {
            approve_personal_tokens: Some(policy.approve_personal_tokens),
            secret_shown_once: Some(policy.secret_shown_once),
            max_lifetime_days: Some(policy.max_lifetime_days),
            lifetime_grace_until: Some(policy.lifetime_grace_until),
            max_scope: Some(policy.max_scope),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == PolicyPatch::default()
    }

    /// The policy after this change at `now`, checked. A new or changed lifetime limit
    /// without a grace date given gets [`DEFAULT_GRACE_DAYS`] from now, so no token is
    /// refused the moment the limit tightens; clearing the limit clears its grace.
    pub fn apply(self, to: TokenPolicy, now: i64) -> Result<TokenPolicy, AppError> {
        let mut policy = to;
        if let Some(on) = self.approve_personal_tokens {
            policy.approve_personal_tokens = on;
        }
        if let Some(on) = self.secret_shown_once {
            policy.secret_shown_once = on;
        }
        if let Some(max_scope) = self.max_scope {
            policy.max_scope = max_scope;
        }
        if let Some(days) = self.max_lifetime_days
            && days != to.max_lifetime_days
        {
            policy.max_lifetime_days = days;
            policy.lifetime_grace_until = None;
        }
        if let Some(grace) = self.lifetime_grace_until
            && (grace.is_some() || policy.max_lifetime_days.is_none())
        {
            policy.lifetime_grace_until = grace;
        }
        policy.checked(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn limited(days: i64) -> TokenPolicy {
        TokenPolicy {
            max_lifetime_days: Some(days),
            ..TokenPolicy::default()
        }
        .checked(NOW)
        .unwrap()
    }

    #[test]
    fn a_lifetime_limit_takes_a_grace_date_and_bounds_itself() {
        let policy = limited(90);
        assert_eq!(
            policy.lifetime_grace_until,
            Some(NOW + DEFAULT_GRACE_DAYS * DAY_MS)
        );
        for days in [0, -1, MAX_LIFETIME_DAYS + 1] {
            let asked = TokenPolicy {
                max_lifetime_days: Some(days),
                ..TokenPolicy::default()
            };
            assert!(asked.checked(NOW).is_err(), "{days}");
        }
        let grace_alone = TokenPolicy {
            lifetime_grace_until: Some(NOW),
            ..TokenPolicy::default()
        };
        assert!(grace_alone.checked(NOW).is_err());
        let given = TokenPolicy {
            max_lifetime_days: Some(30),
            lifetime_grace_until: Some(NOW + 5),
            ..TokenPolicy::default()
        };
        assert_eq!(
            given.checked(NOW).unwrap().lifetime_grace_until,
            Some(NOW + 5)
        );
    }

    #[test]
    fn a_patch_changes_what_it_names_and_a_new_limit_gets_a_fresh_grace() {
        let set = PolicyPatch {
            max_lifetime_days: Some(Some(90)),
            ..PolicyPatch::default()
        };
        let policy = set.apply(TokenPolicy::default(), NOW).unwrap();
        assert_eq!(policy.max_lifetime_days, Some(90));
        assert_eq!(policy.lifetime_grace_until, Some(NOW + 30 * DAY_MS));
        // Unrelated changes keep the grace; a tighter limit starts a new one.
        let later = NOW + 40 * DAY_MS;
        let approve = PolicyPatch {
            approve_personal_tokens: Some(true),
            ..PolicyPatch::default()
        };
        let approving = approve.apply(policy, later).unwrap();
        assert!(approving.approve_personal_tokens);
        assert_eq!(approving.lifetime_grace_until, policy.lifetime_grace_until);
        let tighter = PolicyPatch {
            max_lifetime_days: Some(Some(30)),
            ..PolicyPatch::default()
        };
        let tightened = tighter.apply(approving, later).unwrap();
        assert_eq!(tightened.lifetime_grace_until, Some(later + 30 * DAY_MS));
        // Given with the limit, the grace date is the one asked for; clearing clears both.
        let dated = PolicyPatch {
            max_lifetime_days: Some(Some(7)),
            lifetime_grace_until: Some(Some(later + 1)),
            ..PolicyPatch::default()
        };
        assert_eq!(
            dated.apply(tightened, later).unwrap().lifetime_grace_until,
            Some(later + 1)
        );
        let cleared = PolicyPatch {
            max_lifetime_days: Some(None),
            ..PolicyPatch::default()
        };
        let none = cleared.apply(tightened, later).unwrap();
        assert_eq!(
            (none.max_lifetime_days, none.lifetime_grace_until),
            (None, None)
        );
        assert!(PolicyPatch::default().is_empty());
        assert_eq!(
            PolicyPatch::whole(tightened)
                .apply(TokenPolicy::default(), later)
                .unwrap(),
            tightened
        );
    }

    #[test]
    fn new_tokens_must_expire_within_the_limit() {
        let policy = limited(30);
        assert!(policy.check_expiry(Some(NOW + 30 * DAY_MS), NOW).is_ok());
        assert!(policy.check_expiry(Some(NOW + DAY_MS), NOW).is_ok());
        let too_late = policy.check_expiry(Some(NOW + 30 * DAY_MS + 1), NOW);
        let never = policy.check_expiry(None, NOW);
        for refused in [too_late, never] {
            let Err(AppError::Invalid(error)) = refused else {
                panic!("{refused:?}");
            };
            assert_eq!(error.field, "expires_at");
            assert!(
                error.message.contains("within 30 days"),
                "{}",
                error.message
            );
        }
        assert!(TokenPolicy::default().check_expiry(None, NOW).is_ok());
    }

    #[test]
    fn tokens_over_the_limit_are_flagged_at_once_and_refused_from_the_grace_date() {
        let policy = limited(30);
        let grace = policy.lifetime_grace_until.unwrap();
        assert_eq!(policy.lifetime(Some(NOW + DAY_MS), NOW), Lifetime::Within);
        for over in [None, Some(NOW + 31 * DAY_MS)] {
            assert_eq!(
                policy.lifetime(over, NOW),
                Lifetime::OverPolicy {
                    refused_from: grace
                }
            );
        }
        let limit = policy.lifetime_limit().unwrap();
        assert!(!limit.refuses(None, NOW));
        assert!(!limit.refuses(None, grace - 1));
        assert!(limit.refuses(None, grace));
        assert!(limit.refuses(Some(grace + 31 * DAY_MS), grace));
        assert!(limit.refusal().contains("30 days"));
        // A token made within the limit stays within it as time passes.
        let made = Some(NOW + 30 * DAY_MS);
        assert!(!limit.refuses(made, grace + 10 * DAY_MS));
        assert_eq!(TokenPolicy::default().lifetime_limit(), None);
        assert_eq!(TokenPolicy::default().lifetime(None, NOW), Lifetime::Within);
    }

    #[test]
    fn the_highest_scope_keeps_higher_ones_from_being_made() {
        let policy = TokenPolicy {
            max_scope: Some(Role::WorkspaceManager),
            ..TokenPolicy::default()
        };
        assert!(policy.check_scope(Role::WorkspaceManager).is_ok());
        assert!(policy.check_scope(Role::Administrator).is_err());
        assert_eq!(
            policy.scopes(Role::Owner).collect::<Vec<_>>(),
            vec![Role::Viewer, Role::TeamMember, Role::WorkspaceManager]
        );
        assert_eq!(
            policy.scopes(Role::TeamMember).collect::<Vec<_>>(),
            vec![Role::Viewer, Role::TeamMember]
        );
    }
}
