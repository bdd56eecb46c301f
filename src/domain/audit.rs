//! The audit log's vocabulary: the actions it records, how a filter names them, and the
//! cursor that pages through it.

use uuid::Uuid;

use super::error::AppError;

/// Every action the audit log records, with how the UI names it.
pub const ACTIONS: [(&str, &str); 39] = [
    ("token.created", "Token created"),
    ("token.edited", "Token edited"),
    ("token.disabled", "Token disabled"),
    ("token.enabled", "Token enabled"),
    ("token.deleted", "Token deleted"),
    ("token.copied", "Token copied"),
    ("token.revoked", "Token revoked itself"),
    ("token.reported_leaked", "Token reported as leaked"),
    ("token.bulk_disabled", "Tokens disabled in bulk"),
    ("token.bulk_deleted", "Tokens deleted in bulk"),
    ("token.rotated", "Token rotated"),
    ("personal_token.created", "Personal token created"),
    ("personal_token.changed", "Personal token changed"),
    ("personal_token.disabled", "Personal token disabled"),
    ("personal_token.enabled", "Personal token enabled"),
    ("personal_token.deleted", "Personal token deleted"),
    (
        "personal_token.removed",
        "Workspace removed from a personal token",
    ),
    ("personal_token.approved", "Personal token approved"),
    ("personal_token.denied", "Personal token denied"),
    ("member.added", "Member added"),
    ("member.role_changed", "Member's role changed"),
    ("member.removed", "Member removed"),
    ("member.invited", "Member invited"),
    ("member.invitation_resent", "Invitation sent again"),
    ("member.invitation_revoked", "Invitation revoked"),
    ("member.invitation_accepted", "Invitation accepted"),
    ("member.invitation_declined", "Invitation declined"),
    ("login.succeeded", "Sign-in succeeded"),
    ("login.failed", "Sign-in failed"),
    ("workspace.created", "Workspace created"),
    ("workspace.settings_changed", "Workspace settings changed"),
    ("workspace.token_policy_changed", "Token policy changed"),
    ("password.changed", "Password changed"),
    ("password.change_failed", "Password change refused"),
    ("password.reset_requested", "Password reset asked for"),
    (
        "password.reset_issued",
        "Password reset link issued by the operator",
    ),
    ("password.reset", "Password reset"),
    ("account.deleted", "Account deleted"),
    ("account.delete_refused", "Account deletion refused"),
];

/// How the UI names `action`.
pub fn action_label(action: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(name, _)| *name == action)
        .map_or(action, |(_, label)| label)
}

/// The families of actions (`token`, `member`, …), in the order [`ACTIONS`] has them.
pub fn families() -> Vec<&'static str> {
    let mut families: Vec<&str> = Vec::new();
    for (action, _) in ACTIONS {
        let family = action.split_once('.').map_or(action, |(family, _)| family);
        if !families.contains(&family) {
            families.push(family);
        }
    }
    families
}

/// An action filter: one action (`token.created`) or a family (`token`, meaning every
/// `token.…`). Returns the `LIKE` pattern to match, or says what is allowed.
pub fn action_filter(text: &str) -> Result<String, AppError> {
    let text = text.trim().to_lowercase();
    if ACTIONS.iter().any(|(action, _)| *action == text) {
        return Ok(text);
    }
    if families().contains(&text.as_str()) {
        return Ok(format!("{text}.%"));
    }
    let actions: Vec<&str> = ACTIONS.iter().map(|(action, _)| *action).collect();
    Err(AppError::invalid(
        "action",
        format!(
            "Unknown action {text:?}; use one of {}, or a family: {}.",
            actions.join(", "),
            families().join(", ")
        ),
    ))
}

/// The cursor after the record `(at, id)`: opaque to clients.
pub fn cursor(at: i64, id: Uuid) -> String {
    format!("{at}.{}", id.simple())
}

/// Reads a cursor made by [`cursor`].
pub fn parse_cursor(text: &str) -> Result<(i64, Uuid), AppError> {
    // Exactly the form `cursor` writes (and the OpenAPI document's pattern says): a time
    // of at most 18 digits, a dot, and the id's 32 hex digits.
    let time = |at: &str| {
        let digits = at.strip_prefix('-').unwrap_or(at);
        (matches!(digits.len(), 1..=18) && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| at.parse().ok())
            .flatten()
    };
    text.split_once('.')
        .filter(|(_, id)| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .and_then(|(at, id)| Some((time(at)?, Uuid::try_parse(id).ok()?)))
        .ok_or_else(|| {
            AppError::invalid(
                "after",
                "This page cursor is not one Tessera gave out; start again from the first page.",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_families_become_patterns() {
        assert_eq!(action_filter("token.created").unwrap(), "token.created");
        assert_eq!(action_filter(" Token ").unwrap(), "token.%");
        assert_eq!(action_filter("workspace").unwrap(), "workspace.%");
        let error = action_filter("token.exploded").unwrap_err();
        assert_eq!(error.field(), Some("action"));
        assert!(error.to_string().contains("token.created"), "{error}");
        assert!(action_filter("%").is_err(), "no wildcards from outside");
    }

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let id = Uuid::now_v7();
        assert_eq!(
            parse_cursor(&cursor(1_700_000_000_000, id)).unwrap(),
            (1_700_000_000_000, id)
        );
        assert_eq!(parse_cursor(&cursor(-5, id)).unwrap(), (-5, id));
        // Only the form `cursor` writes, as the document's pattern says: no sign, no other
        // spelling of the id, no time past 18 digits.
        let simple = id.simple().to_string();
        let junk = [
            String::new(),
            "12".into(),
            "x.y".into(),
            "12.not-a-uuid".into(),
            ".0190".into(),
            format!("+12.{simple}"),
            format!("12.{id}"),
            format!("{}.{simple}", "9".repeat(19)),
            format!(" 12.{simple}"),
        ];
        for junk in junk {
            assert_eq!(
                parse_cursor(&junk).unwrap_err().field(),
                Some("after"),
                "{junk}"
            );
        }
    }

    #[test]
    fn labels_name_known_actions_and_pass_others_through() {
        assert_eq!(action_label("token.revoked"), "Token revoked itself");
        assert_eq!(action_label("something.new"), "something.new");
    }
}
