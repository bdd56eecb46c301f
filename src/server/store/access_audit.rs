//! The API access audit's list in SQL: a workspace's own tokens and the members' personal
//! tokens reaching it, as one list, filtered, most recently used first and paged by keyset.
//! Each filter is the same rule the audit page states: a creator (the maker of a workspace
//! token, the owner of a personal one), a token's first characters, the scope it acts with
//! here, Administrator and up, and permissions it holds (its scope's, narrowed to those
//! chosen). The address filter is applied by the service, which hands the ids it keeps.

use uuid::Uuid;

use super::{
    Db, Pool, StoreError,
    personal_tokens::{GrantRow, PersonalTokenRow, REACHING_SELECT, ReachingRow},
    sql::{Arg, Sql, like_escaped},
    tokens::{TOKEN_SELECT, TokenRow},
};
use crate::{
    domain::{api_permission::PermissionSet, role::Role, token_list::scope_rank},
    on_pool,
};

/// A role's rank in SQL (`column` holds a role's name), as [`scope_rank`] has it.
fn rank_sql(column: &str) -> String {
    let arms: String = Role::ALL
        .iter()
        .map(|role| format!(" WHEN '{}' THEN {}", role.as_str(), scope_rank(*role)))
        .collect();
    format!("(CASE {column}{arms} END)")
}

/// Which tokens the list keeps.
#[derive(Clone, Debug, Default)]
pub struct AccessAuditFilter<'a> {
    /// Part of the creator's (or owner's) name or email, any case (as SQL's `lower` folds).
    pub creator: Option<&'a str>,
    /// The token's display prefix starts with this, or this starts with the prefix (as
    /// `token_format::prefix_matches` has it).
    pub prefix: Option<&'a str>,
    /// Only this token (a whole token found by its digest).
    pub id: Option<Uuid>,
    /// Only tokens acting here with one of these scopes (empty: any).
    pub scopes: &'a [Role],
    /// Only tokens acting as Administrator or Owner.
    pub admin: bool,
    /// Only tokens holding every one of these.
    pub permissions: PermissionSet,
    /// Only these tokens (the address filter's).
    pub ids: Option<&'a [Uuid]>,
}

/// Where a page resumes: after the token last used at `used` (`NEVER_USED` for never) with
/// this id, reading most recent first.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditEdge {
    pub used: i64,
    pub id: Uuid,
}

/// A token on the page: the workspace's own, or a personal one with its standing here.
#[derive(Clone, Debug)]
pub enum AuditedToken {
    Own(TokenRow),
    Personal(PersonalTokenRow, GrantRow),
}

/// A page of the list and how many tokens the filter keeps in all.
#[derive(Clone, Debug)]
pub struct AuditedTokens {
    pub tokens: Vec<AuditedToken>,
    pub more: bool,
    pub total: u64,
}

#[derive(sqlx::FromRow)]
struct Listed {
    id: Uuid,
    personal: i64,
}

/// Both kinds of token as rows of one list (`a`): id, kind, display prefix, last use, the
/// rank of the scope it acts with here, its chosen permissions and its creator's name and
/// email. A personal token acts with the lower of its scope here and its owner's role; one
/// whose owner left is not listed.
fn union_sql(sql: &mut Sql, workspace_id: Uuid) {
    let workspace = sql.arg(Arg::Id(workspace_id));
    let own_rank = rank_sql("t.scope");
    let (granted, owners) = (rank_sql("g.scope"), rank_sql("m.role"));
    sql.text.push_str(&format!(
        "(SELECT t.id, CAST(0 AS BIGINT) AS personal, t.display_prefix,
                 COALESCE(t.last_used_at, -1) AS used, {own_rank} AS acting_rank, t.permissions,
                 u.name AS creator_name, u.email AS creator_email
             FROM access_tokens t LEFT JOIN users u ON u.id = t.created_by
             WHERE t.workspace_id = {workspace}
         UNION ALL
         SELECT t.id, CAST(1 AS BIGINT) AS personal, t.display_prefix,
                 COALESCE(t.last_used_at, -1) AS used,
                 CASE WHEN {granted} < {owners} THEN {granted} ELSE {owners} END AS acting_rank,
                 g.permissions, u.name AS creator_name, u.email AS creator_email
             FROM token_workspaces g JOIN access_tokens t ON t.id = g.token_id
             JOIN users u ON u.id = t.owner_id
             JOIN memberships m ON m.workspace_id = g.workspace_id AND m.user_id = t.owner_id
             WHERE g.workspace_id = {workspace}) a
         WHERE 1 = 1"
    ));
}

/// ` AND …` for each filter.
fn filtered(sql: &mut Sql, engine: &Pool, filter: &AccessAuditFilter<'_>) {
    if let Some(creator) = filter.creator.filter(|c| !c.is_empty()) {
        let needle = sql.arg(Arg::Text(like_escaped(creator)));
        let like = |column: &str| {
            format!("lower(COALESCE({column}, '')) LIKE '%' || lower({needle}) || '%' ESCAPE '\\'")
        };
        sql.text.push_str(&format!(
            " AND ({} OR {})",
            like("a.creator_name"),
            like("a.creator_email")
        ));
    }
    if let Some(typed) = filter.prefix {
        let starts = sql.arg(Arg::Text(like_escaped(typed)));
        let whole = sql.arg(Arg::Text(typed.to_owned()));
        sql.text.push_str(&format!(
            " AND (a.display_prefix LIKE {starts} || '%' ESCAPE '\\'
                   OR substr({whole}, 1, length(a.display_prefix)) = a.display_prefix)"
        ));
    }
    if let Some(id) = filter.id {
        let id = sql.arg(Arg::Id(id));
        sql.text.push_str(&format!(" AND a.id = {id}"));
    }
    if !filter.scopes.is_empty() {
        let ranks: Vec<String> = filter
            .scopes
            .iter()
            .map(|scope| scope_rank(*scope).to_string())
            .collect();
        sql.text
            .push_str(&format!(" AND a.acting_rank IN ({})", ranks.join(", ")));
    }
    if filter.admin {
        sql.text.push_str(&format!(
            " AND a.acting_rank >= {}",
            scope_rank(Role::Administrator)
        ));
    }
    // `PermissionSet::effective`: what its scope carries, narrowed to the chosen names
    // (stored space-separated; none chosen: all its scope's).
    for permission in filter.permissions.iter() {
        let name = sql.arg(Arg::Text(format!("% {} %", permission.as_str())));
        sql.text.push_str(&format!(
            " AND a.acting_rank >= {} AND (a.permissions IS NULL OR ' ' || a.permissions || ' ' LIKE {name})",
            scope_rank(permission.minimum_role())
        ));
    }
    if let Some(ids) = filter.ids {
        // The ids as one JSON array of 32 hex digits each, read back by the engine.
        let list: Vec<String> = ids.iter().map(|id| id.simple().to_string()).collect();
        let list = sql.arg(Arg::Text(
            serde_json::to_string(&list).unwrap_or_else(|_| "[]".into()),
        ));
        sql.text.push_str(&match engine {
            Pool::Sqlite(_) => format!(" AND a.id IN (SELECT unhex(value) FROM json_each({list}))"),
            Pool::Postgres(_) => format!(
                " AND a.id IN (SELECT value::uuid FROM jsonb_array_elements_text({list}::jsonb))"
            ),
        });
    }
}

/// `select` narrowed to the workspace (`workspace_column`) and the tokens `ids`; None when
/// there are none.
fn listed_sql(
    select: &str,
    workspace_column: &str,
    workspace_id: Uuid,
    ids: impl Iterator<Item = Uuid>,
) -> Option<Sql> {
    let mut sql = Sql::default();
    let workspace = sql.arg(Arg::Id(workspace_id));
    let ids: Vec<String> = ids.map(|id| sql.arg(Arg::Id(id))).collect();
    if ids.is_empty() {
        return None;
    }
    sql.text = format!(
        "{select} WHERE {workspace_column} = {workspace} AND t.id IN ({})",
        ids.join(", ")
    );
    Some(sql)
}

impl Db {
    /// A page of `limit` of the workspace's audited tokens that `filter` keeps, after
    /// `after`, most recently used first (never used last), and how many it keeps in all.
    pub async fn access_audit_page(
        &self,
        workspace_id: Uuid,
        filter: &AccessAuditFilter<'_>,
        after: Option<&AuditEdge>,
        limit: usize,
    ) -> Result<AuditedTokens, StoreError> {
        let engine = self.pool();
        let mut page = Sql {
            text: "SELECT a.id, a.personal FROM ".to_owned(),
            args: Vec::new(),
        };
        union_sql(&mut page, workspace_id);
        filtered(&mut page, engine, filter);
        if let Some(edge) = after {
            let used = page.arg(Arg::Number(edge.used));
            let id = page.arg(Arg::Id(edge.id));
            page.text
                .push_str(&format!(" AND (a.used, a.id) < ({used}, {id})"));
        }
        let read = page.arg(Arg::Number(limit as i64 + 1));
        page.text
            .push_str(&format!(" ORDER BY a.used DESC, a.id DESC LIMIT {read}"));
        let mut count = Sql {
            text: "SELECT COUNT(*) FROM ".to_owned(),
            args: Vec::new(),
        };
        union_sql(&mut count, workspace_id);
        filtered(&mut count, engine, filter);
        let (mut listed, (total,)): (Vec<Listed>, (i64,)) = on_pool!(self, pool => (
            page.bind_all(sqlx::query_as(&page.text)).fetch_all(pool).await?,
            count.bind_all(sqlx::query_as(&count.text)).fetch_one(pool).await?,
        ));
        let more = listed.len() > limit;
        listed.truncate(limit);
        let tokens = self.audited(workspace_id, &listed).await?;
        Ok(AuditedTokens {
            tokens,
            more,
            total: total.max(0) as u64,
        })
    }

    /// The whole rows of the listed tokens, in the list's order.
    async fn audited(
        &self,
        workspace_id: Uuid,
        listed: &[Listed],
    ) -> Result<Vec<AuditedToken>, StoreError> {
        let of_kind = |personal: i64| {
            listed
                .iter()
                .filter(move |row| row.personal == personal)
                .map(|row| row.id)
        };
        let own = listed_sql(TOKEN_SELECT, "t.workspace_id", workspace_id, of_kind(0));
        let personal = listed_sql(REACHING_SELECT, "g.workspace_id", workspace_id, of_kind(1));
        let (own, personal): (Vec<TokenRow>, Vec<ReachingRow>) = on_pool!(self, pool => {
            let own = match &own {
                Some(sql) => sql.bind_all(sqlx::query_as(&sql.text)).fetch_all(pool).await?,
                None => Vec::new(),
            };
            let personal = match &personal {
                Some(sql) => sql.bind_all(sqlx::query_as(&sql.text)).fetch_all(pool).await?,
                None => Vec::new(),
            };
            (own, personal)
        });
        let mut own: std::collections::HashMap<Uuid, TokenRow> =
            own.into_iter().map(|row| (row.id, row)).collect();
        let mut personal: std::collections::HashMap<Uuid, ReachingRow> = personal
            .into_iter()
            .map(|row| (row.token.id, row))
            .collect();
        // A token deleted between the two reads is left out.
        Ok(listed
            .iter()
            .filter_map(|row| {
                if row.personal == 0 {
                    own.remove(&row.id).map(AuditedToken::Own)
                } else {
                    personal
                        .remove(&row.id)
                        .map(|row| AuditedToken::Personal(row.token, row.grant))
                }
            })
            .collect())
    }

    /// Every address the workspace's tokens, and the personal tokens reaching it, were last
    /// used from: `(token, address)`.
    pub async fn audited_last_addresses(
        &self,
        workspace_id: Uuid,
    ) -> Result<Vec<(Uuid, String)>, StoreError> {
        let sql = "SELECT t.id, t.last_used_ip FROM access_tokens t
                   WHERE t.workspace_id = $1 AND t.last_used_ip IS NOT NULL
                   UNION ALL
                   SELECT t.id, t.last_used_ip FROM token_workspaces g
                   JOIN access_tokens t ON t.id = g.token_id
                   WHERE g.workspace_id = $1 AND t.last_used_ip IS NOT NULL";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).bind(workspace_id).fetch_all(pool).await?))
    }
}
