//! Revoking many of a workspace's tokens at once: which tokens (listed, or every one that
//! matches some criteria), what to do to them, and whether only to count them. A request
//! becomes a [`RevokeRequest`] in one step, so a selection that breaks these rules (no
//! criterion, ids and criteria together, too many ids) never reaches a service, whichever
//! door it came through.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{permission::TokenAction, role::Role, validation::FieldError};

/// The most ids one request may list: enough for any table page, small enough that one
/// transaction holding them stays short.
pub const MAX_IDS: usize = 1000;

/// What a refused bulk revocation's "not found" says (at both doors): unknown ids, ids of
/// another workspace and a workspace the caller cannot see answer alike, so that nobody
/// learns which tokens other workspaces hold.
pub const NOT_FOUND: &str = "A selected token does not exist in this workspace, or you have no access to it. Nothing was changed.";

/// What a bulk revocation does to each token it selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RevokeAction {
    Disable,
    Delete,
}

impl RevokeAction {
    /// The single-token action whose rule each selected token must pass.
    pub fn token_action(self) -> TokenAction {
        match self {
            RevokeAction::Disable => TokenAction::Disable,
            RevokeAction::Delete => TokenAction::Delete,
        }
    }

    /// Whether it changes a token that is (or is not) disabled already: disabling a
    /// disabled token would change nothing, so it is not selected (nor counted, nor
    /// recorded); deleting applies to every token.
    pub fn applies_to(self, disabled: bool) -> bool {
        match self {
            RevokeAction::Disable => !disabled,
            RevokeAction::Delete => true,
        }
    }

    /// The audit action of the record left for the whole request (each token also gets
    /// the record a single disable or delete leaves). In the `token` family, so that
    /// filtering the log by `token` finds them.
    pub fn bulk_audit_action(self) -> &'static str {
        match self {
            RevokeAction::Disable => "token.bulk_disabled",
            RevokeAction::Delete => "token.bulk_deleted",
        }
    }

    /// The verb people read: "Disable".
    pub fn verb(self) -> &'static str {
        match self {
            RevokeAction::Disable => "Disable",
            RevokeAction::Delete => "Delete",
        }
    }

    /// What was done: "disabled".
    pub fn done(self) -> &'static str {
        match self {
            RevokeAction::Disable => "disabled",
            RevokeAction::Delete => "deleted",
        }
    }
}

/// "3 tokens", "1 token".
pub fn count_tokens(count: usize) -> String {
    match count {
        1 => "1 token".to_owned(),
        _ => format!("{count} tokens"),
    }
}

/// What every token chosen by criteria matches (each criterion given must hold).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCriteria {
    /// Never used, or last used before this moment (milliseconds since the epoch).
    pub unused_since: Option<i64>,
    /// Made by this person.
    pub created_by: Option<Uuid>,
    /// Of exactly this scope.
    pub scope: Option<Role>,
}

impl TokenCriteria {
    pub fn is_empty(&self) -> bool {
        *self == TokenCriteria::default()
    }

    /// Whether a token of `scope`, made by `created_by`, last used at `last_used_at`
    /// matches.
    pub fn matches(
        &self,
        scope: Role,
        created_by: Option<Uuid>,
        last_used_at: Option<i64>,
    ) -> bool {
        let unused = self
            .unused_since
            .is_none_or(|since| last_used_at.is_none_or(|used| used < since));
        let maker = self.created_by.is_none_or(|who| created_by == Some(who));
        unused && maker && self.scope.is_none_or(|wanted| wanted == scope)
    }
}

/// Which tokens a bulk revocation takes. Only made through the rules below (from the wire,
/// [`Selection::ids`] or [`Selection::matching`]): a selection of no criteria would take
/// every token, so none can be built around them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SelectionFields", into = "SelectionFields")]
pub struct Selection(Chosen);

/// What a [`Selection`] takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chosen {
    /// These tokens, each once, in the order first given (1 to [`MAX_IDS`]).
    Ids(Vec<Uuid>),
    /// Every token of the workspace that matches (at least one criterion).
    Matching(TokenCriteria),
}

impl Selection {
    /// These tokens.
    pub fn ids(ids: Vec<Uuid>) -> Result<Selection, FieldError> {
        Selection::try_from(SelectionFields {
            ids: Some(ids),
            ..SelectionFields::default()
        })
    }

    /// Every token that matches `criteria`.
    pub fn matching(criteria: TokenCriteria) -> Result<Selection, FieldError> {
        Selection::try_from(SelectionFields::from(Chosen::Matching(criteria)))
    }

    pub fn chosen(&self) -> &Chosen {
        &self.0
    }
}

/// A selection as a request states it: ids, or criteria, never both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionFields {
    #[serde(default)]
    pub ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub unused_since: Option<i64>,
    #[serde(default)]
    pub created_by: Option<Uuid>,
    #[serde(default)]
    pub scope: Option<Role>,
}

impl TryFrom<SelectionFields> for Selection {
    type Error = FieldError;

    fn try_from(fields: SelectionFields) -> Result<Selection, FieldError> {
        let criteria = TokenCriteria {
            unused_since: fields.unused_since,
            created_by: fields.created_by,
            scope: fields.scope,
        };
        let Some(ids) = fields.ids else {
            return if criteria.is_empty() {
                Err(FieldError::new(
                    "ids",
                    "Choose the tokens: a list of ids, or at least one of unused_since, created_by and scope.",
                ))
            } else {
                Ok(Selection(Chosen::Matching(criteria)))
            };
        };
        if !criteria.is_empty() {
            return Err(FieldError::new(
                "ids",
                "Give either a list of ids or criteria (unused_since, created_by, scope), not both.",
            ));
        }
        if ids.is_empty() {
            return Err(FieldError::new("ids", "Select at least one token."));
        }
        if ids.len() > MAX_IDS {
            return Err(FieldError::new(
                "ids",
                format!(
                    "At most {MAX_IDS} tokens can be revoked in one request ({} were sent); nothing was changed. Send the rest in another request.",
                    ids.len()
                ),
            ));
        }
        let mut unique = Vec::with_capacity(ids.len());
        for id in ids {
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        Ok(Selection(Chosen::Ids(unique)))
    }
}

impl From<Selection> for SelectionFields {
    fn from(selection: Selection) -> SelectionFields {
        selection.0.into()
    }
}

impl From<Chosen> for SelectionFields {
    fn from(chosen: Chosen) -> SelectionFields {
        match chosen {
            Chosen::Ids(ids) => SelectionFields {
                ids: Some(ids),
                ..SelectionFields::default()
            },
            Chosen::Matching(criteria) => SelectionFields {
                ids: None,
                unused_since: criteria.unused_since,
                created_by: criteria.created_by,
                scope: criteria.scope,
            },
        }
    }
}

/// One bulk revocation: the tokens, what to do to them, and whether only to count them
/// (`dry_run`: the same answer, nothing changed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeRequest {
    pub selection: Selection,
    pub action: RevokeAction,
    #[serde(default)]
    pub dry_run: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(ids: Option<Vec<Uuid>>, scope: Option<Role>) -> SelectionFields {
        SelectionFields {
            ids,
            scope,
            ..SelectionFields::default()
        }
    }

    #[test]
    fn a_selection_is_ids_or_criteria_never_both_nor_neither() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        assert_eq!(
            Selection::try_from(fields(Some(vec![a, b, a]), None)),
            Ok(Selection(Chosen::Ids(vec![a, b]))),
            "each id once, in the order first given"
        );
        assert_eq!(
            Selection::try_from(fields(None, Some(Role::Viewer))),
            Ok(Selection(Chosen::Matching(TokenCriteria {
                scope: Some(Role::Viewer),
                ..TokenCriteria::default()
            })))
        );
        for (case, refused) in [
            ("neither", fields(None, None)),
            ("both", fields(Some(vec![a]), Some(Role::Viewer))),
            ("empty", fields(Some(Vec::new()), None)),
            ("too many", fields(Some(vec![a; MAX_IDS + 1]), None)),
        ] {
            let error = Selection::try_from(refused).expect_err(case);
            assert_eq!(error.field, "ids", "{case}");
        }
        assert!(Selection::try_from(fields(Some(vec![a; MAX_IDS]), None)).is_ok());
        // The wire form goes through the same rules.
        let json = r#"{"selection": {"ids": []}, "action": "delete"}"#;
        assert!(serde_json::from_str::<RevokeRequest>(json).is_err());
        let json = format!(r#"{{"selection": {{"ids": ["{a}"]}}, "action": "disable"}}"#);
        let request: RevokeRequest = serde_json::from_str(&json).unwrap();
        assert_eq!(request.selection.chosen(), &Chosen::Ids(vec![a]));
        assert!(
            Selection::matching(TokenCriteria::default()).is_err(),
            "no criterion would take every token"
        );
        assert!(!request.dry_run);
    }

    #[test]
    fn criteria_all_hold() {
        let maker = Uuid::now_v7();
        let since = 1_000;
        let unused = TokenCriteria {
            unused_since: Some(since),
            ..TokenCriteria::default()
        };
        assert!(unused.matches(Role::Owner, None, None), "never used");
        assert!(unused.matches(Role::Owner, None, Some(since - 1)));
        assert!(
            !unused.matches(Role::Owner, None, Some(since)),
            "used at that moment"
        );
        let narrow = TokenCriteria {
            unused_since: Some(since),
            created_by: Some(maker),
            scope: Some(Role::Viewer),
        };
        assert!(narrow.matches(Role::Viewer, Some(maker), None));
        assert!(!narrow.matches(Role::TeamMember, Some(maker), None));
        assert!(!narrow.matches(Role::Viewer, Some(Uuid::now_v7()), None));
        assert!(!narrow.matches(Role::Viewer, None, None), "no known maker");
        assert!(!narrow.matches(Role::Viewer, Some(maker), Some(since + 1)));
    }

    #[test]
    fn disabling_skips_disabled_tokens_deleting_takes_all() {
        assert!(RevokeAction::Disable.applies_to(false));
        assert!(!RevokeAction::Disable.applies_to(true));
        assert!(RevokeAction::Delete.applies_to(true));
        assert_eq!(count_tokens(1), "1 token");
        assert_eq!(count_tokens(3), "3 tokens");
    }
}
