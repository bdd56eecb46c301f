//! Security notifications: who is told what, when reminders fall due, and how failed
//! sends are retried. Pure text and arithmetic; the server stores and sends.

use super::{
    role::Role,
    time::{DAY_MS as DAY, utc},
};

/// A message to one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
}

/// What happened to a token, for the mail to its creator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenChange {
    Disabled,
    Deleted,
    ScopeChanged { from: Role, to: Role },
}

fn expiry_text(expires_at: Option<i64>) -> String {
    expires_at.map_or_else(|| "never".to_owned(), utc)
}

fn origin(ip: Option<&str>) -> String {
    ip.map_or_else(String::new, |ip| format!(" from {ip}"))
}

/// To every Owner of the workspace, when a token is made there.
pub struct Created<'a> {
    pub workspace: &'a str,
    pub label: &'a str,
    pub scope: Role,
    pub expires_at: Option<i64>,
    pub by: &'a str,
    pub ip: Option<&'a str>,
    pub at: i64,
}

pub fn token_created(created: &Created<'_>) -> Notice {
    Notice {
        subject: format!(
            "[Tessera] New access token “{}” in {}",
            created.label, created.workspace
        ),
        body: format!(
            "A new access token was created in the workspace {workspace}.\n\n\
             Label:   {label}\n\
             Scope:   {scope}\n\
             Expires: {expires}\n\
             By:      {by}{origin}\n\
             When:    {when}\n\n\
             If you did not expect this, review the token in Tessera's API access audit and revoke it.\n\
             You receive this because you are an Owner of {workspace}.\n",
            workspace = created.workspace,
            label = created.label,
            scope = created.scope.label(),
            expires = expiry_text(created.expires_at),
            by = created.by,
            origin = origin(created.ip),
            when = utc(created.at),
        ),
    }
}

/// To a token's creator, when someone else disables, deletes or rescopes it.
pub fn token_changed(
    workspace: &str,
    label: &str,
    change: TokenChange,
    by: &str,
    at: i64,
) -> Notice {
    let (verb, detail) = match change {
        TokenChange::Disabled => (
            "disabled".to_owned(),
            "Requests with it are refused until someone enables it again.".to_owned(),
        ),
        TokenChange::Deleted => (
            "deleted".to_owned(),
            "Requests with it are refused; it cannot be restored. Create a new token if you still need one.".to_owned(),
        ),
        TokenChange::ScopeChanged { from, to } => (
            "given a new scope".to_owned(),
            format!("Its scope changed from {} to {}.", from.label(), to.label()),
        ),
    };
    Notice {
        subject: format!("[Tessera] Your access token “{label}” was {verb}"),
        body: format!(
            "Your access token “{label}” in the workspace {workspace} was {verb} by {by} at {when}.\n\
             {detail}\n\n\
             You receive this because you created the token.\n",
            when = utc(at),
        ),
    }
}

/// A token reported as leaked, to its creator and the workspace's Owners.
pub struct Leaked<'a> {
    pub workspace: &'a str,
    pub label: &'a str,
    pub source: &'a str,
    pub location: Option<&'a str>,
    pub reporter_ip: Option<&'a str>,
    pub at: i64,
}

pub fn token_leaked(leak: &Leaked<'_>) -> Notice {
    Notice {
        subject: format!(
            "[Tessera] Access token “{}” in {} was reported as leaked and disabled",
            leak.label, leak.workspace
        ),
        body: format!(
            "The access token “{label}” in the workspace {workspace} was reported as leaked by {source}{origin} at {when},              and Tessera disabled it at once.\n\n             Found at: {location}\n\n             Its secret is known outside, so it cannot be enabled again. If it is still needed, rotate it              (Access tokens page, \"Rotate\": a new secret, the same label, scope and permissions) and put the new              secret where the old one was used; then remove the old secret from wherever it was found and review              the token's requests in the API access audit.\n\n             You receive this because you created the token or are an Owner of {workspace}.\n",
            label = leak.label,
            workspace = leak.workspace,
            source = leak.source,
            origin = origin(leak.reporter_ip),
            when = utc(leak.at),
            location = leak.location.unwrap_or("not said"),
        ),
    }
}

/// To a token's creator, before the token expires.
pub fn expiry_reminder(workspace: &str, label: &str, days: i64, expires_at: i64) -> Notice {
    let when = if days == 1 {
        "tomorrow".to_owned()
    } else {
        format!("in {days} days")
    };
    Notice {
        subject: format!("[Tessera] Your access token “{label}” expires {when}"),
        body: format!(
            "Your access token “{label}” in the workspace {workspace} expires at {expires}.\n\
             After that every request with it is refused. If it is still needed, rotate it before then: \
             a successor with the same label, scope and permissions and a fresh secret, while the old \
             token keeps working for a grace of up to 7 days.\n\n\
             - In Tessera: the workspace's Access tokens page, \"Rotate\" on the token's row.\n\
             - Through the API, with the token itself: POST /api/v1/access-token/rotate \
             with the body {{\"grace_seconds\": 3600}} and an Idempotency-Key header; the answer holds \
             the new secret.\n\
             - Or as someone allowed to create tokens: POST /api/v1/workspaces/<workspace>/tokens/<token>/rotate.\n\n\
             You receive this because you created the token.\n",
            expires = utc(expires_at),
        ),
    }
}

/// To a person invited to a workspace: the link is the only way in, and opening it is the
/// proof that the mailbox is theirs.
pub fn invitation(
    workspace: &str,
    role: Role,
    invited_by: &str,
    link: &str,
    expires_at: i64,
) -> Notice {
    Notice {
        subject: format!("[Tessera] You are invited to {workspace}"),
        body: format!(
            "{invited_by} invited you to the workspace {workspace} in Tessera, as {role}.\n\n\
             Open this link to accept or decline (it works once, until {expires}):\n\n\
             {link}\n\n\
             If you have no Tessera account yet, you choose your own password there.\n\
             If you did not expect this invitation, ignore this message: nothing happens unless you accept.\n",
            role = role.label(),
            expires = utc(expires_at),
        ),
    }
}

/// To the person who invited someone, when the invitation is answered.
pub fn invitation_answered(workspace: &str, email: &str, accepted: bool) -> Notice {
    let answer = if accepted { "accepted" } else { "declined" };
    Notice {
        subject: format!("[Tessera] {email} {answer} your invitation to {workspace}"),
        body: format!(
            "{email} {answer} the invitation to the workspace {workspace}.\n\n\
             You receive this because you invited them.\n"
        ),
    }
}

/// To the owner of a personal token, when an Administrator of a workspace takes that
/// workspace away from it (as Buildkite tells the token's owner).
pub fn personal_token_removed(workspace: &str, label: &str, by: &str) -> Notice {
    Notice {
        subject: format!("[Tessera] Your token “{label}” can no longer act in {workspace}"),
        body: format!(
            "{by} removed the workspace {workspace} from your personal token “{label}”.\n\n\
             Requests it makes there are refused from now on; it still works in its other \
             workspaces. To use it there again, add the workspace back on your Personal \
             tokens page (an Administrator of {workspace} may remove it again).\n"
        ),
    }
}

/// To the owner of a personal token, when an Administrator of a workspace that asks for
/// approval decides on it (as GitHub tells the requester of a fine-grained token).
pub fn personal_token_decided(workspace: &str, label: &str, by: &str, approved: bool) -> Notice {
    if approved {
        Notice {
            subject: format!("[Tessera] Your token “{label}” may act in {workspace}"),
            body: format!(
                "{by} approved your personal token “{label}” in the workspace {workspace}.\n\n\
                 It may act there from now on, with the scope you gave it.\n"
            ),
        }
    } else {
        Notice {
            subject: format!("[Tessera] Your token “{label}” was not approved in {workspace}"),
            body: format!(
                "{by} denied your personal token “{label}” in the workspace {workspace}, so \
                 the workspace was taken from it.\n\n\
                 It still works in its other workspaces. Ask an Administrator of {workspace} \
                 why, and add the workspace again on your account's Access tokens page to ask \
                 once more.\n"
            ),
        }
    }
}

/// To a person who asked to reset their password.
pub fn password_reset(name: &str, link: &str, valid_ms: i64) -> Notice {
    Notice {
        subject: "[Tessera] Reset your password".to_owned(),
        body: format!(
            "Hello {name},\n\n\
             Someone (hopefully you) asked to reset the password of your Tessera account.\n\
             Open this link within {minutes} minutes to choose a new one (it works once):\n\n\
             {link}\n\n\
             If you did not ask, ignore this message: your password stays as it is.\n",
            minutes = valid_ms / 60_000,
        ),
    }
}

/// To a person whose password was just changed (by them, or through a reset link).
pub fn password_changed(name: &str, at: i64) -> Notice {
    Notice {
        subject: "[Tessera] Your password was changed".to_owned(),
        body: format!(
            "Hello {name},\n\n\
             The password of your Tessera account was changed at {when}, and your other sessions were ended.\n\
             If this was not you, reset your password at once from the sign-in page and tell your administrator.\n",
            when = utc(at),
        ),
    }
}

/// The reminders sent before expiry, in days.
pub const REMINDER_DAYS: [i64; 2] = [7, 1];

/// Which reminder is due for a token at `now`: the nearest of [`REMINDER_DAYS`] whose
/// moment has passed while the token is still valid — and only if the token existed at
/// that moment (a token made to last two days gets no "7 days left" mail).
pub fn reminder_due(created_at: i64, expires_at: i64, now: i64) -> Option<i64> {
    if now >= expires_at {
        return None;
    }
    REMINDER_DAYS
        .into_iter()
        .filter(|days| {
            let moment = expires_at - days * DAY;
            now >= moment && created_at <= moment
        })
        .min()
}

/// How many times a message is tried before it is given up.
pub const MAX_ATTEMPTS: i64 = 8;

/// How long to wait after the `attempts`-th failed try: 30 s, doubling, at most an hour.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let doublings = (attempts - 1).clamp(0, 7) as u32;
    (30_000_i64 << doublings).min(3_600_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_fall_due_seven_days_and_one_day_before() {
        let expires = 100 * DAY;
        let long_ago = 0;
        assert_eq!(reminder_due(long_ago, expires, expires - 8 * DAY), None);
        assert_eq!(reminder_due(long_ago, expires, expires - 7 * DAY), Some(7));
        assert_eq!(reminder_due(long_ago, expires, expires - 2 * DAY), Some(7));
        assert_eq!(reminder_due(long_ago, expires, expires - DAY), Some(1));
        assert_eq!(reminder_due(long_ago, expires, expires - 1), Some(1));
        assert_eq!(
            reminder_due(long_ago, expires, expires),
            None,
            "expired: nothing to remind"
        );
        // Made with three days to live: no seven-day reminder, the one-day one still comes.
        let made = expires - 3 * DAY;
        assert_eq!(reminder_due(made, expires, made + DAY), None);
        assert_eq!(reminder_due(made, expires, expires - DAY), Some(1));
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(retry_delay_ms(1), 30_000);
        assert_eq!(retry_delay_ms(2), 60_000);
        assert_eq!(retry_delay_ms(8), 3_600_000);
        assert_eq!(retry_delay_ms(40), 3_600_000);
    }

    #[test]
    fn messages_say_who_what_and_when() {
        let notice = token_created(&Created {
            workspace: "Acme",
            label: "deploy",
            scope: Role::Administrator,
            expires_at: Some(DAY),
            by: "ada@example.com",
            ip: Some("203.0.113.9"),
            at: 0,
        });
        assert_eq!(
            notice.subject,
            "[Tessera] New access token “deploy” in Acme"
        );
        for part in [
            "deploy",
            "Administrator",
            "1970-01-02 00:00 UTC",
            "ada@example.com from 203.0.113.9",
        ] {
            assert!(notice.body.contains(part), "{part} in {}", notice.body);
        }
        let changed = token_changed(
            "Acme",
            "ci",
            TokenChange::ScopeChanged {
                from: Role::Viewer,
                to: Role::Owner,
            },
            "bob@example.com",
            0,
        );
        assert!(
            changed.body.contains("from Viewer to Owner"),
            "{}",
            changed.body
        );
        let reminder = expiry_reminder("Acme", "ci", 1, DAY);
        assert_eq!(
            reminder.subject,
            "[Tessera] Your access token “ci” expires tomorrow"
        );
        for part in [
            "rotate it before then",
            "\"Rotate\" on the token's row",
            "POST /api/v1/access-token/rotate",
            "{\"grace_seconds\": 3600}",
            "Idempotency-Key",
            "/tokens/<token>/rotate",
        ] {
            assert!(reminder.body.contains(part), "{part} in {}", reminder.body);
        }
    }
}
