//! A page of a workspace's tokens, filtered, ordered and paged in SQL (keyset pagination;
//! `domain::token_list` has the orders and the page edges, migration 0011 the indexes).

use uuid::Uuid;

use super::{
    Db, StoreError,
    sql::{Arg, Sql, like_escaped},
    tokens::{TOKEN_SELECT, TokenRow},
};
use crate::{
    domain::{
        role::Role,
        token::TokenStatus,
        token_list::{Edge, Page, Position, SortField, SortKey, SortedToken, TokenSort},
    },
    on_pool,
};

/// Which of a workspace's tokens a list shows, and which page of them.
#[derive(Clone, Debug)]
pub struct TokenListQuery<'a> {
    /// Labels containing this text, ignoring case (as SQL's `lower` folds it).
    pub label: Option<&'a str>,
    pub status: Option<TokenStatus>,
    pub scope: Option<Role>,
    pub sort: TokenSort,
    pub position: &'a Position,
    pub limit: usize,
    /// The moment statuses are judged at.
    pub now: i64,
}

/// `WHERE …` for the workspace's tokens the filters keep (no page edge).
fn filtered(sql: &mut Sql, workspace_id: Uuid, query: &TokenListQuery<'_>) {
    let workspace = sql.arg(Arg::Id(workspace_id));
    sql.text
        .push_str(&format!(" WHERE t.workspace_id = {workspace}"));
    if let Some(label) = query.label.filter(|label| !label.is_empty()) {
        // Both sides folded by the same `lower`, so the engines agree with themselves; no
        // index serves a search inside labels: it reads the workspace's tokens (bounded by
        // the workspace), in the order's index.
        let needle = sql.arg(Arg::Text(like_escaped(label)));
        sql.text.push_str(&format!(
            " AND lower(t.label) LIKE '%' || lower({needle}) || '%' ESCAPE '\\'"
        ));
    }
    // The same rule as `TokenStatus::at`: disabled wins over expired.
    match query.status {
        None => {}
        Some(TokenStatus::Disabled) => sql.text.push_str(" AND t.disabled_at IS NOT NULL"),
        Some(TokenStatus::Expired) => {
            let now = sql.arg(Arg::Number(query.now));
            sql.text.push_str(&format!(
                " AND t.disabled_at IS NULL AND t.expires_at <= {now}"
            ));
        }
        Some(TokenStatus::Active) => {
            let now = sql.arg(Arg::Number(query.now));
            sql.text.push_str(&format!(
                " AND t.disabled_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > {now})"
            ));
        }
    }
    if let Some(scope) = query.scope {
        let scope = sql.arg(Arg::Text(scope.as_str().to_owned()));
        sql.text.push_str(&format!(" AND t.scope = {scope}"));
    }
}

/// ` AND (key, id) > (edge)` (or `<`): the tokens beyond `edge` reading `descending` or not.
fn beyond(sql: &mut Sql, field: SortField, edge: &Edge, descending: bool) {
    let key = field.key_sql();
    let edge_key = match &edge.key {
        SortKey::Number(n) => sql.arg(Arg::Number(*n)),
        // A label is compared folded, the edge's as the rows'.
        SortKey::Text(text) if field == SortField::Label => {
            format!("lower({})", sql.arg(Arg::Text(text.clone())))
        }
        SortKey::Text(text) => sql.arg(Arg::Text(text.clone())),
    };
    let id = sql.arg(Arg::Id(edge.id));
    let comparison = if descending { '<' } else { '>' };
    sql.text.push_str(&format!(
        " AND ({key}, t.id) {comparison} ({edge_key}, {id})"
    ));
}

/// The statement that reads a page: `limit + 1` rows from the page's edge, to know whether
/// there are more that way.
fn page_sql(workspace_id: Uuid, query: &TokenListQuery<'_>) -> Sql {
    let field = query.sort.field;
    let key = field.key_sql();
    let mut sql = Sql {
        text: TOKEN_SELECT.to_owned(),
        args: Vec::new(),
    };
    filtered(&mut sql, workspace_id, query);
    // Reading backwards from an edge (the previous page) reverses the order.
    let backwards = matches!(query.position, Position::Before(_));
    let descending = query.sort.descending != backwards;
    if let Position::After(edge) | Position::Before(edge) = query.position {
        beyond(&mut sql, field, edge, descending);
    }
    let direction = if descending { "DESC" } else { "ASC" };
    let limit = sql.arg(Arg::Number(query.limit as i64 + 1));
    sql.text.push_str(&format!(
        " ORDER BY {key} {direction}, t.id {direction} LIMIT {limit}"
    ));
    if let Position::Offset(skip) = query.position {
        let skip = sql.arg(Arg::Number(i64::try_from(*skip).unwrap_or(i64::MAX)));
        sql.text.push_str(&format!(" OFFSET {skip}"));
    }
    sql
}

/// A page of tokens, how many the filters keep in all, and how many of those come before
/// the page.
#[derive(Clone, Debug)]
pub struct ListedTokens {
    pub page: Page<TokenRow>,
    pub total: u64,
    pub start: u64,
}

impl TokenRow {
    /// What its place in an order is read from.
    pub fn sorted(&self) -> SortedToken<'_> {
        SortedToken {
            id: self.id,
            created_at: self.created_at,
            label: &self.label,
            scope: self.scope,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
        }
    }
}

impl Db {
    /// A page of the workspace's tokens that `query` keeps, in its order, how many it keeps
    /// in all, and where the page starts among them.
    pub async fn token_page(
        &self,
        workspace_id: Uuid,
        query: &TokenListQuery<'_>,
    ) -> Result<ListedTokens, StoreError> {
        let sql = page_sql(workspace_id, query);
        let count = |edge: Option<&Edge>| {
            let mut count = Sql {
                text: "SELECT COUNT(*) FROM access_tokens t".to_owned(),
                args: Vec::new(),
            };
            filtered(&mut count, workspace_id, query);
            // Those before the page: beyond its first token, reading the other way.
            if let Some(edge) = edge {
                beyond(&mut count, query.sort.field, edge, !query.sort.descending);
            }
            count
        };
        let total = count(None);
        let (rows, total): (Vec<TokenRow>, i64) = on_pool!(self, pool => {
            let rows = sql.bind_all(sqlx::query_as(&sql.text)).fetch_all(pool).await?;
            let (total,): (i64,) = total.bind_all(sqlx::query_as(&total.text)).fetch_one(pool).await?;
            (rows, total)
        });
        let total = total.max(0) as u64;
        let page = Page::from_read(rows, query.limit, query.position);
        let start = match (query.position, page.items.first()) {
            (Position::First, _) => 0,
            (Position::Offset(skip), _) => (*skip).min(total),
            (Position::After(_), None) => total,
            (Position::Before(_), None) => 0,
            (Position::After(_) | Position::Before(_), Some(first)) => {
                let before = count(Some(&Edge::of(query.sort, &first.sorted())));
                let (n,): (i64,) = on_pool!(self, pool =>
                    before.bind_all(sqlx::query_as(&before.text)).fetch_one(pool).await?);
                n.max(0) as u64
            }
        };
        Ok(ListedTokens { page, total, start })
    }

    /// How SQLite reads that page (`EXPLAIN QUERY PLAN`'s details, joined by "; "), for the
    /// tests that check each order is read from its index. None on PostgreSQL.
    pub async fn token_page_plan(
        &self,
        workspace_id: Uuid,
        query: &TokenListQuery<'_>,
    ) -> Result<Option<String>, StoreError> {
        let super::Pool::Sqlite(pool) = self.pool() else {
            return Ok(None);
        };
        let mut sql = page_sql(workspace_id, query);
        sql.text.insert_str(0, "EXPLAIN QUERY PLAN ");
        let rows: Vec<(i64, i64, i64, String)> = sql
            .bind_all(sqlx::query_as(&sql.text))
            .fetch_all(pool)
            .await?;
        let details: Vec<String> = rows.into_iter().map(|(_, _, _, detail)| detail).collect();
        Ok(Some(details.join("; ")))
    }
}
