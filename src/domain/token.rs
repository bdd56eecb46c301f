//! A token as the table shows it: its status and the table's columns.

use serde::{Deserialize, Serialize};

use super::{notify::REMINDER_DAYS, time::DAY_MS};

/// Where a token stands at a moment. Disabled wins over expired: re-enabling an expired
/// token would not make it usable, but the admin's explicit choice is what they look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TokenStatus {
    Active,
    Expired,
    Disabled,
}

impl TokenStatus {
    pub const ALL: [TokenStatus; 3] = [
        TokenStatus::Active,
        TokenStatus::Expired,
        TokenStatus::Disabled,
    ];

    /// The name in URLs and the API (`active`).
    pub fn name(self) -> &'static str {
        match self {
            TokenStatus::Active => "active",
            TokenStatus::Expired => "expired",
            TokenStatus::Disabled => "disabled",
        }
    }

    pub fn parse(name: &str) -> Option<TokenStatus> {
        TokenStatus::ALL.into_iter().find(|s| s.name() == name)
    }

    /// `expires_at` and `now` in milliseconds since the epoch (UTC).
    pub fn at(disabled: bool, expires_at: Option<i64>, now: i64) -> TokenStatus {
        if disabled {
            TokenStatus::Disabled
        } else if expires_at.is_some_and(|at| at <= now) {
            TokenStatus::Expired
        } else {
            TokenStatus::Active
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TokenStatus::Active => "Active",
            TokenStatus::Expired => "Expired",
            TokenStatus::Disabled => "Disabled",
        }
    }
}

/// Whether a token's expiry is past or near enough that the tables show it in red: within
/// the first expiry reminder's reach (its creator is being told already).
pub fn expiry_is_near(expires_at: Option<i64>, now: i64) -> bool {
    expires_at.is_some_and(|at| at <= now + REMINDER_DAYS[0] * DAY_MS)
}

/// The token table's columns, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenColumn {
    Label,
    Token,
    Scope,
    Created,
    Expires,
    LastUsed,
    Status,
    Actions,
}

impl TokenColumn {
    pub const ALL: [TokenColumn; 8] = [
        TokenColumn::Label,
        TokenColumn::Token,
        TokenColumn::Scope,
        TokenColumn::Created,
        TokenColumn::Expires,
        TokenColumn::LastUsed,
        TokenColumn::Status,
        TokenColumn::Actions,
    ];

    /// The columns the "Columns" menu may hide, in order.
    pub fn toggleable() -> impl Iterator<Item = TokenColumn> {
        Self::ALL
            .into_iter()
            .filter(|column| column.is_toggleable())
    }

    pub fn title(self) -> &'static str {
        match self {
            TokenColumn::Label => "Label",
            TokenColumn::Token => "Token",
            TokenColumn::Scope => "Scope",
            TokenColumn::Created => "Created",
            TokenColumn::Expires => "Expires",
            TokenColumn::LastUsed => "Last used",
            TokenColumn::Status => "Status",
            TokenColumn::Actions => "Actions",
        }
    }

    /// Status always shows: it carries the expired/disabled state that the row styling
    /// only hints at. Every other column may be hidden.
    pub fn is_toggleable(self) -> bool {
        self != TokenColumn::Status
    }
}

/// The columns a user has hidden; what is stored as their preference.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenColumns(pub Vec<TokenColumn>);

impl HiddenColumns {
    pub fn is_hidden(&self, column: TokenColumn) -> bool {
        self.0.contains(&column)
    }

    /// Hides or shows `column`; columns that may not be hidden are left alone.
    pub fn set(&mut self, column: TokenColumn, hidden: bool) {
        if !column.is_toggleable() {
            return;
        }
        self.0.retain(|c| *c != column);
        if hidden {
            self.0.push(column);
            self.0.sort();
        }
    }

    /// Drops what may not be hidden and duplicates (a stored value is not trusted).
    pub fn sanitised(mut self) -> HiddenColumns {
        self.0.retain(|c| c.is_toggleable());
        self.0.sort();
        self.0.dedup();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_at_a_moment() {
        assert_eq!(TokenStatus::at(false, None, 10), TokenStatus::Active);
        assert_eq!(TokenStatus::at(false, Some(11), 10), TokenStatus::Active);
        assert_eq!(TokenStatus::at(false, Some(10), 10), TokenStatus::Expired);
        assert_eq!(TokenStatus::at(true, Some(5), 10), TokenStatus::Disabled);
        assert_eq!(TokenStatus::at(true, None, 10), TokenStatus::Disabled);
    }

    #[test]
    fn an_expiry_is_near_within_the_first_reminder_and_once_past() {
        let now = 1_000 * DAY_MS;
        assert!(!expiry_is_near(None, now));
        assert!(!expiry_is_near(Some(now + 7 * DAY_MS + 1), now));
        assert!(expiry_is_near(Some(now + 7 * DAY_MS), now));
        assert!(expiry_is_near(Some(now + 1), now));
        assert!(expiry_is_near(Some(now - DAY_MS), now));
    }

    #[test]
    fn status_cannot_be_hidden_and_duplicates_are_dropped() {
        let mut hidden = HiddenColumns::default();
        hidden.set(TokenColumn::Status, true);
        hidden.set(TokenColumn::Scope, true);
        hidden.set(TokenColumn::Label, true);
        hidden.set(TokenColumn::Scope, true);
        assert_eq!(hidden.0, vec![TokenColumn::Label, TokenColumn::Scope]);
        hidden.set(TokenColumn::Label, false);
        assert!(!hidden.is_hidden(TokenColumn::Label));
        let stored = HiddenColumns(vec![
            TokenColumn::Status,
            TokenColumn::Token,
            TokenColumn::Token,
        ]);
        assert_eq!(stored.sanitised().0, vec![TokenColumn::Token]);
    }

    #[test]
    fn columns_serialise_as_snake_case() {
        let json = serde_json::to_string(&HiddenColumns(vec![TokenColumn::LastUsed])).unwrap();
        assert_eq!(json, r#"["last_used"]"#);
    }
}
