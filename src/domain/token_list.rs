//! How a list of a workspace's tokens is ordered and paged: the orders it can have, where a
//! token stands in each, and what a page's edge is (keyset pagination: the next page starts
//! after the last token shown, wherever that token now stands, so a page never repeats or
//! skips a token when others are created or deleted in between, and reading page 200 costs
//! what page 1 does).
//!
//! The store turns an order into SQL with the same keys ([`SortField::key_sql`]); the
//! server seals a page's edge into an opaque cursor.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{role::Role, token::TokenColumn};

/// A token that never expires sorts as if it expired after the year 9999 (milliseconds
/// since the epoch): last when the soonest come first.
pub const NEVER_EXPIRES: i64 = 253_402_300_800_000;
/// A token never used sorts as if it was used before any time: last when the most recently
/// used come first.
pub const NEVER_USED: i64 = -1;

/// What a token list can be ordered by. Every order ends with the token's id, so that each
/// token has exactly one place in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortField {
    CreatedAt,
    /// Ignoring case (ASCII letters, as the workspace's one-label-per-name rule does).
    Label,
    /// Lowest role first.
    Scope,
    ExpiresAt,
    LastUsedAt,
}

impl SortField {
    pub const ALL: [SortField; 5] = [
        SortField::CreatedAt,
        SortField::Label,
        SortField::Scope,
        SortField::ExpiresAt,
        SortField::LastUsedAt,
    ];

    /// The name in URLs and the API (`created_at`).
    pub fn name(self) -> &'static str {
        match self {
            SortField::CreatedAt => "created_at",
            SortField::Label => "label",
            SortField::Scope => "scope",
            SortField::ExpiresAt => "expires_at",
            SortField::LastUsedAt => "last_used_at",
        }
    }

    /// The SQL expression a token (`t`) is ordered by, and which the store's indexes hold.
    /// A label's key is compared as `lower(…)` on both sides, the cursor's too.
    pub fn key_sql(self) -> &'static str {
        match self {
            SortField::CreatedAt => "t.created_at",
            SortField::Label => "lower(t.label)",
            SortField::Scope => {
                "CASE t.scope WHEN 'viewer' THEN 0 WHEN 'team_member' THEN 1 \
                 WHEN 'workspace_manager' THEN 2 WHEN 'administrator' THEN 3 ELSE 4 END"
            }
            SortField::ExpiresAt => "COALESCE(t.expires_at, 253402300800000)",
            SortField::LastUsedAt => "COALESCE(t.last_used_at, -1)",
        }
    }

    /// Where a token stands in this order (what [`SortField::key_sql`] computes).
    pub fn key(self, token: &SortedToken<'_>) -> SortKey {
        match self {
            SortField::CreatedAt => SortKey::Number(token.created_at),
            SortField::Label => SortKey::Text(token.label.to_owned()),
            SortField::Scope => SortKey::Number(scope_rank(token.scope)),
            SortField::ExpiresAt => SortKey::Number(token.expires_at.unwrap_or(NEVER_EXPIRES)),
            SortField::LastUsedAt => SortKey::Number(token.last_used_at.unwrap_or(NEVER_USED)),
        }
    }
}

impl SortField {
    /// The token table's column that sorts by this field (Token, Status and Actions sort
    /// by none: a prefix is random, and a status depends on the moment it is read, which no
    /// index can hold; the status has its own filter instead).
    pub fn of_column(column: TokenColumn) -> Option<SortField> {
        match column {
            TokenColumn::Label => Some(SortField::Label),
            TokenColumn::Scope => Some(SortField::Scope),
            TokenColumn::Created => Some(SortField::CreatedAt),
            TokenColumn::Expires => Some(SortField::ExpiresAt),
            TokenColumn::LastUsed => Some(SortField::LastUsedAt),
            TokenColumn::Token | TokenColumn::Status | TokenColumn::Actions => None,
        }
    }

    /// The order a first click on its column asks for: labels from A, scopes from the
    /// lowest, expiries from the soonest; creation and last use from the newest.
    pub fn first_sort(self) -> TokenSort {
        let descending = matches!(self, SortField::CreatedAt | SortField::LastUsedAt);
        TokenSort::new(self, descending)
    }
}

/// A role's place in the scope order, lowest first (the `CASE` in [`SortField::key_sql`]).
pub fn scope_rank(scope: Role) -> i64 {
    Role::ALL.iter().position(|r| *r == scope).unwrap_or(0) as i64
}

/// An order: a field and a direction. Written as in JSON:API (`label`, `-created_at`: a
/// leading minus for descending).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenSort {
    pub field: SortField,
    pub descending: bool,
}

impl Default for TokenSort {
    /// Newest first.
    fn default() -> TokenSort {
        TokenSort {
            field: SortField::CreatedAt,
            descending: true,
        }
    }
}

impl TokenSort {
    pub fn new(field: SortField, descending: bool) -> TokenSort {
        TokenSort { field, descending }
    }

    /// `label` or `-created_at`.
    pub fn name(self) -> String {
        let sign = if self.descending { "-" } else { "" };
        format!("{sign}{}", self.field.name())
    }

    /// Every order's name, for error messages and the API document.
    pub fn names() -> impl Iterator<Item = String> {
        SortField::ALL
            .into_iter()
            .flat_map(|field| [TokenSort::new(field, false), TokenSort::new(field, true)])
            .map(TokenSort::name)
    }

    pub fn parse(text: &str) -> Result<TokenSort, String> {
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, text),
        };
        SortField::ALL
            .into_iter()
            .find(|field| field.name() == name)
            .map(|field| TokenSort::new(field, descending))
            .ok_or_else(|| {
                let known: Vec<String> = TokenSort::names().collect();
                format!(
                    "Unknown sort {text:?}; use one of {} (a leading minus for descending).",
                    known.join(", ")
                )
            })
    }
}

/// What a token's place in an order is read from.
pub struct SortedToken<'a> {
    pub id: Uuid,
    pub created_at: i64,
    pub label: &'a str,
    pub scope: Role,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// A token's place in one order, without its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    Number(i64),
    Text(String),
}

/// The edge of a page: the order it was read in, and the place of its first or last token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub sort: TokenSort,
    pub key: SortKey,
    pub id: Uuid,
}

impl Edge {
    pub fn of(sort: TokenSort, token: &SortedToken<'_>) -> Edge {
        Edge {
            sort,
            key: sort.field.key(token),
            id: token.id,
        }
    }
}

/// Which tokens of an order a page holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Position {
    /// From the first.
    #[default]
    First,
    /// Skipping this many (the API's `offset`; costs a scan of those skipped).
    Offset(u64),
    /// Those after this edge (the next page).
    After(Edge),
    /// Those just before this edge (the previous page).
    Before(Edge),
}

/// One page of a list, as the store reads it: the tokens in order, and whether there are
/// more beyond each end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub more_before: bool,
    pub more_after: bool,
}

impl<T> Page<T> {
    /// The page from `limit + 1` rows read from `position` in the direction it reads (for
    /// [`Position::Before`], backwards): the extra row only says there are more that way.
    pub fn from_read(mut rows: Vec<T>, limit: usize, position: &Position) -> Page<T> {
        let more_that_way = rows.len() > limit;
        rows.truncate(limit);
        match position {
            Position::Before(_) => {
                rows.reverse();
                Page {
                    items: rows,
                    more_before: more_that_way,
                    // The edge itself is after this page.
                    more_after: true,
                }
            }
            Position::First => Page {
                items: rows,
                more_before: false,
                more_after: more_that_way,
            },
            Position::Offset(skipped) => Page {
                items: rows,
                more_before: *skipped > 0,
                more_after: more_that_way,
            },
            Position::After(_) => Page {
                items: rows,
                more_before: true,
                more_after: more_that_way,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(label: &str, scope: Role) -> SortedToken<'_> {
        SortedToken {
            id: Uuid::nil(),
            created_at: 5,
            label,
            scope,
            expires_at: None,
            last_used_at: None,
        }
    }

    #[test]
    fn sort_names_round_trip_and_unknown_ones_say_what_is_known() {
        for name in TokenSort::names() {
            assert_eq!(TokenSort::parse(&name).unwrap().name(), name);
        }
        assert_eq!(TokenSort::names().count(), 10);
        assert_eq!(
            TokenSort::parse("-created_at").unwrap(),
            TokenSort::default()
        );
        let error = TokenSort::parse("status").unwrap_err();
        assert!(error.contains("\"status\""), "{error}");
        assert!(error.contains("-last_used_at"), "{error}");
        assert!(TokenSort::parse("--label").is_err());
        assert!(TokenSort::parse("").is_err());
    }

    #[test]
    fn sortable_columns_map_to_their_fields() {
        let sortable: Vec<SortField> = TokenColumn::ALL
            .into_iter()
            .filter_map(SortField::of_column)
            .collect();
        assert_eq!(
            sortable.len(),
            SortField::ALL.len(),
            "every field has its column"
        );
        assert_eq!(SortField::CreatedAt.first_sort(), TokenSort::default());
        assert_eq!(SortField::Label.first_sort().name(), "label");
        assert_eq!(SortField::ExpiresAt.first_sort().name(), "expires_at");
    }

    #[test]
    fn keys_put_never_at_the_far_end() {
        let t = token("Deploy", Role::Administrator);
        assert_eq!(SortField::ExpiresAt.key(&t), SortKey::Number(NEVER_EXPIRES));
        assert_eq!(SortField::LastUsedAt.key(&t), SortKey::Number(NEVER_USED));
        assert_eq!(SortField::Scope.key(&t), SortKey::Number(3));
        assert_eq!(SortField::Label.key(&t), SortKey::Text("Deploy".into()));
        // The SQL holds the same far ends.
        assert!(
            SortField::ExpiresAt
                .key_sql()
                .contains(&NEVER_EXPIRES.to_string())
        );
        assert!(
            SortField::LastUsedAt
                .key_sql()
                .contains(&NEVER_USED.to_string())
        );
        for (rank, role) in Role::ALL.into_iter().enumerate() {
            assert_eq!(scope_rank(role), rank as i64);
            let case = format!("WHEN '{}' THEN {rank}", role.as_str());
            assert!(
                role == Role::Owner || SortField::Scope.key_sql().contains(&case),
                "{case}"
            );
        }
    }

    #[test]
    fn a_page_knows_what_lies_beyond_each_end() {
        let first = Page::from_read(vec![1, 2, 3], 2, &Position::First);
        assert_eq!(
            (first.items, first.more_before, first.more_after),
            (vec![1, 2], false, true)
        );
        let last = Page::from_read(vec![1, 2], 2, &Position::Offset(4));
        assert_eq!((last.more_before, last.more_after), (true, false));
        let edge = Edge::of(TokenSort::default(), &token("a", Role::Viewer));
        // Read backwards from an edge: 3 2 1 read, 2 kept, shown in order.
        let before = Page::from_read(vec![3, 2, 1], 2, &Position::Before(edge.clone()));
        assert_eq!(
            (before.items, before.more_before, before.more_after),
            (vec![2, 3], true, true)
        );
        let start = Page::from_read(vec![3], 2, &Position::Before(edge));
        assert_eq!((start.items, start.more_before), (vec![3], false));
    }
}
