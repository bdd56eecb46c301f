//! People's own tokens and the workspaces each may act in (`token_workspaces`). Every read
//! and write names the owner, or the workspace for what its Administrators see and do: a
//! token id from elsewhere finds nothing.

use uuid::Uuid;

use super::{
    Db, StoreError,
    audit::AuditEvent,
    audited::audited_write,
    token_cache::Stale,
    tokens::{GRANT_APPROVED, GRANT_PENDING, TokenWrite, token_write},
};
use crate::{
    domain::{api_permission::PermissionSet, role::Role},
    on_pool,
};

/// A workspace a personal token is to act in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewGrant {
    pub workspace_id: Uuid,
    pub scope: Role,
    pub permissions: Option<PermissionSet>,
    /// Waiting for the workspace's approval.
    pub pending: bool,
}

pub struct NewPersonalToken<'a> {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub label: &'a str,
    pub digest: &'a [u8],
    pub display_prefix: &'a str,
    pub sealed_secret: Option<&'a [u8]>,
    pub expires_at: Option<i64>,
    pub grants: &'a [NewGrant],
    /// Its IP allowlist as the column holds it.
    pub allowed_ips: Option<String>,
    /// Its rate limit as the column holds it.
    pub rate_limit: Option<String>,
}

/// A personal token as its owner, or an Administrator of a workspace it reaches, sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PersonalTokenRow {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub owner_email: String,
    pub label: String,
    pub display_prefix: String,
    pub secret_kept: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: Option<i64>,
    pub disabled_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    /// Its successor, once rotated (it works on until its grace ends).
    pub rotated_to: Option<Uuid>,
    /// Its IP allowlist as the column holds it (None: any address).
    pub allowed_ips: Option<String>,
    /// Its rate limit as the column holds it (None: none).
    pub rate_limit: Option<String>,
    /// When it was reported as leaked, by which channel, and where it was found.
    pub leaked_at: Option<i64>,
    pub leak_source: Option<String>,
    pub leak_location: Option<String>,
}

/// One workspace of a personal token.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GrantRow {
    pub token_id: Uuid,
    pub workspace_id: Uuid,
    pub workspace_name: String,
    /// The scope its owner gave it there.
    pub scope: Role,
    pub permissions: Option<PermissionSet>,
    pub status: String,
    /// The owner's role there now (None once they left: the grant goes with them).
    pub owner_role: Option<Role>,
}

impl GrantRow {
    pub fn pending(&self) -> bool {
        self.status == GRANT_PENDING
    }
}

/// The editable fields of a personal token, all set at once; `grants` replaces its
/// workspaces.
pub struct PersonalEdit<'a> {
    pub label: &'a str,
    pub expires_at: Option<i64>,
    /// When it was switched off; None while it is on.
    pub disabled_at: Option<i64>,
    pub grants: &'a [NewGrant],
    /// Its IP allowlist as the column holds it.
    pub allowed_ips: Option<String>,
    /// Its rate limit as the column holds it.
    pub rate_limit: Option<String>,
}

/// The columns of a `PersonalTokenRow` (`t` the token, `u` its owner).
macro_rules! personal_columns {
    () => {
        "t.id, t.owner_id, u.name AS owner_name,
        u.email AS owner_email, t.label, t.display_prefix,
        (t.sealed_secret IS NOT NULL) AS secret_kept, t.created_at, t.updated_at, t.expires_at,
        t.disabled_at, t.last_used_at, t.last_used_ip, t.rotated_to, t.allowed_ips,
        t.rate_limit, t.leaked_at, t.leak_source, t.leak_location"
    };
}

/// The columns of a `GrantRow` (`g` the grant, `w` its workspace, `m` the owner's
/// membership there).
macro_rules! grant_columns {
    () => {
        "g.token_id, g.workspace_id, w.name AS workspace_name,
        g.scope, g.permissions, g.status, m.role AS owner_role"
    };
}

/// From a grant to its token, owner, workspace and the owner's membership there.
macro_rules! grant_joins {
    () => {
        "FROM token_workspaces g JOIN access_tokens t ON t.id = g.token_id
    JOIN workspaces w ON w.id = g.workspace_id
    LEFT JOIN memberships m ON m.workspace_id = g.workspace_id AND m.user_id = t.owner_id"
    };
}

const PERSONAL_SELECT: &str = concat!(
    "SELECT ",
    personal_columns!(),
    " FROM access_tokens t JOIN users u ON u.id = t.owner_id"
);

const GRANT_SELECT: &str = concat!("SELECT ", grant_columns!(), " ", grant_joins!());

/// A grant's place in the approval queue: waiting ones (0) before the others (1).
macro_rules! waiting_rank {
    () => {
        "CASE WHEN g.status = 'pending' THEN 0 ELSE 1 END"
    };
}

/// A personal token and its standing in one workspace, read as one row.
pub(super) const REACHING_SELECT: &str = concat!(
    "SELECT ",
    personal_columns!(),
    ", ",
    grant_columns!(),
    ", ",
    waiting_rank!(),
    " AS waiting_rank ",
    grant_joins!(),
    " JOIN users u ON u.id = t.owner_id"
);

/// Where a page of the personal tokens reaching a workspace resumes: after this token, in
/// the order waiting ones first, then newest first.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReachingEdge {
    pub waiting: bool,
    pub created_at: i64,
    pub id: Uuid,
}

impl ReachingEdge {
    pub fn of(token: &PersonalTokenRow, grant: &GrantRow) -> ReachingEdge {
        ReachingEdge {
            waiting: grant.pending(),
            created_at: token.created_at,
            id: token.id,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ReachingRow {
    #[sqlx(flatten)]
    pub token: PersonalTokenRow,
    #[sqlx(flatten)]
    pub grant: GrantRow,
}

/// A page of the personal tokens reaching a workspace, how many reach it in all and how
/// many of those wait for its approval.
#[derive(Clone, Debug)]
pub struct ReachingPage {
    pub tokens: Vec<(PersonalTokenRow, GrantRow)>,
    pub more: bool,
    pub total: u64,
    pub waiting: u64,
}

/// Inserts a token's workspaces in the open transaction.
macro_rules! insert_grants {
    ($tx:ident, $token_id:expr, $grants:expr, $now:expr) => {
        for grant in $grants {
            sqlx::query(
                "INSERT INTO token_workspaces
                     (token_id, workspace_id, scope, permissions, status, requested_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind($token_id)
            .bind(grant.workspace_id)
            .bind(grant.scope)
            .bind(grant.permissions)
            .bind(if grant.pending {
                GRANT_PENDING
            } else {
                GRANT_APPROVED
            })
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        }
    };
}

impl Db {
    /// A person's own tokens, newest first, each with its workspaces.
    pub async fn personal_tokens(
        &self,
        owner_id: Uuid,
    ) -> Result<Vec<(PersonalTokenRow, Vec<GrantRow>)>, StoreError> {
        let tokens = format!(
            "{PERSONAL_SELECT} WHERE t.owner_id = $1 ORDER BY t.created_at DESC, t.id DESC"
        );
        let grants =
            format!("{GRANT_SELECT} WHERE t.owner_id = $1 ORDER BY w.name, g.workspace_id");
        let (tokens, grants): (Vec<PersonalTokenRow>, Vec<GrantRow>) = on_pool!(self, pool => (
            sqlx::query_as(&tokens).bind(owner_id).fetch_all(pool).await?,
            sqlx::query_as(&grants).bind(owner_id).fetch_all(pool).await?,
        ));
        Ok(with_grants(tokens, grants))
    }

    /// One of a person's own tokens.
    pub async fn personal_token(
        &self,
        owner_id: Uuid,
        id: Uuid,
    ) -> Result<Option<(PersonalTokenRow, Vec<GrantRow>)>, StoreError> {
        let token = format!("{PERSONAL_SELECT} WHERE t.owner_id = $1 AND t.id = $2");
        let grants = format!("{GRANT_SELECT} WHERE t.id = $1 ORDER BY w.name, g.workspace_id");
        let token: Option<PersonalTokenRow> = on_pool!(self, pool =>
            sqlx::query_as(&token).bind(owner_id).bind(id).fetch_optional(pool).await?);
        let Some(token) = token else { return Ok(None) };
        let grants: Vec<GrantRow> =
            on_pool!(self, pool => sqlx::query_as(&grants).bind(id).fetch_all(pool).await?);
        Ok(Some((token, grants)))
    }

    /// A page of `limit` of the personal tokens that can reach a workspace, after `after`:
    /// those waiting for its approval first, then newest first, each with its standing
    /// there only.
    pub async fn personal_tokens_reaching_page(
        &self,
        workspace_id: Uuid,
        after: Option<&ReachingEdge>,
        limit: usize,
    ) -> Result<ReachingPage, StoreError> {
        // Keyset: beyond the edge in (waiting rank ascending, created_at and id descending).
        let beyond = if after.is_some() {
            concat!(
                " AND (",
                waiting_rank!(),
                " > $2 OR (",
                waiting_rank!(),
                " = $2 AND (t.created_at, t.id) < ($3, $4)))"
            )
        } else {
            ""
        };
        let limit_arg = if after.is_some() { "$5" } else { "$2" };
        let page = format!(
            "{REACHING_SELECT} WHERE g.workspace_id = $1{beyond}
             ORDER BY waiting_rank, t.created_at DESC, t.id DESC LIMIT {limit_arg}"
        );
        let counts =
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0)
             FROM token_workspaces WHERE workspace_id = $1";
        let read = limit as i64 + 1;
        let (mut rows, (total, waiting)): (Vec<ReachingRow>, (i64, i64)) = on_pool!(self, pool => {
            let query = sqlx::query_as(&page).bind(workspace_id);
            let query = match after {
                Some(edge) => query
                    .bind(if edge.waiting { 0_i64 } else { 1 })
                    .bind(edge.created_at)
                    .bind(edge.id),
                None => query,
            };
            let rows = query.bind(read).fetch_all(pool).await?;
            let counts = sqlx::query_as(counts).bind(workspace_id).fetch_one(pool).await?;
            (rows, counts)
        });
        let more = rows.len() > limit;
        rows.truncate(limit);
        Ok(ReachingPage {
            tokens: rows.into_iter().map(|row| (row.token, row.grant)).collect(),
            more,
            total: total.max(0) as u64,
            waiting: waiting.max(0) as u64,
        })
    }

    /// One personal token that can reach a workspace, with its standing there.
    pub async fn personal_token_reaching(
        &self,
        workspace_id: Uuid,
        id: Uuid,
    ) -> Result<Option<(PersonalTokenRow, GrantRow)>, StoreError> {
        let token = format!(
            "{PERSONAL_SELECT} JOIN token_workspaces g ON g.token_id = t.id
             WHERE g.workspace_id = $1 AND t.id = $2"
        );
        let grant = format!("{GRANT_SELECT} WHERE g.workspace_id = $1 AND g.token_id = $2");
        let (token, grant): (Option<PersonalTokenRow>, Option<GrantRow>) = on_pool!(self, pool => (
            sqlx::query_as(&token).bind(workspace_id).bind(id).fetch_optional(pool).await?,
            sqlx::query_as(&grant).bind(workspace_id).bind(id).fetch_optional(pool).await?,
        ));
        Ok(token.zip(grant))
    }

    /// Makes a personal token with its workspaces; `audits` are one record per workspace.
    pub async fn insert_personal_token(
        &self,
        token: &NewPersonalToken<'_>,
        now: i64,
        audits: &[AuditEvent],
    ) -> Result<TokenWrite, StoreError> {
        // Nothing to announce: no instance can hold a token that did not exist.
        let written = audited_write!(self, tx => {
            let inserted = sqlx::query(
                "INSERT INTO access_tokens (id, owner_id, label, digest, display_prefix,
                     sealed_secret, created_by, created_at, updated_at, expires_at, allowed_ips,
                     rate_limit)
                 VALUES ($1, $2, $3, $4, $5, $6, $2, $7, $7, $8, $9, $10)",
            )
            .bind(token.id).bind(token.owner_id).bind(token.label).bind(token.digest)
            .bind(token.display_prefix).bind(token.sealed_secret).bind(now).bind(token.expires_at)
            .bind(token.allowed_ips.as_deref()).bind(token.rate_limit.as_deref())
            .execute(&mut *tx).await;
            let outcome = token_write(inserted.map(|done| done.rows_affected()))?;
            if outcome == TokenWrite::Done {
                insert_grants!(tx, token.id, token.grants, now);
            }
            outcome
        }, TokenWrite::Done => audits);
        Ok(written)
    }

    /// Changes a person's token and replaces its workspaces, in one transaction.
    pub async fn update_personal_token(
        &self,
        owner_id: Uuid,
        id: Uuid,
        edit: &PersonalEdit<'_>,
        now: i64,
        audits: &[AuditEvent],
    ) -> Result<TokenWrite, StoreError> {
        let written = audited_write!(self, tx => {
            let updated = sqlx::query(
                "UPDATE access_tokens SET label = $3, expires_at = $4, disabled_at = $5,
                     updated_at = $6, allowed_ips = $7, rate_limit = $8
                 WHERE owner_id = $1 AND id = $2",
            )
            .bind(owner_id).bind(id).bind(edit.label).bind(edit.expires_at)
            .bind(edit.disabled_at).bind(now).bind(edit.allowed_ips.as_deref())
            .bind(edit.rate_limit.as_deref())
            .execute(&mut *tx).await;
            let outcome = token_write(updated.map(|done| done.rows_affected()))?;
            if outcome == TokenWrite::Done {
                sqlx::query("DELETE FROM token_workspaces WHERE token_id = $1")
                    .bind(id).execute(&mut *tx).await?;
                insert_grants!(tx, id, edit.grants, now);
            }
            outcome
        }, TokenWrite::Done => audits, Stale::Token(id));
        Ok(written)
    }

    /// Takes a workspace away from a personal token (an Administrator's act there).
    pub async fn remove_token_workspace(
        &self,
        workspace_id: Uuid,
        token_id: Uuid,
        audit: &AuditEvent,
    ) -> Result<TokenWrite, StoreError> {
        let written = audited_write!(self, tx => {
            let removed = sqlx::query(
                "DELETE FROM token_workspaces WHERE workspace_id = $1 AND token_id = $2",
            )
            .bind(workspace_id).bind(token_id)
            .execute(&mut *tx).await;
            token_write(removed.map(|done| done.rows_affected()))?
        }, TokenWrite::Done => audit, Stale::Token(token_id));
        Ok(written)
    }
}

/// What an approval decision did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Done,
    /// No such grant, or no longer pending (decided, or edited away, meanwhile).
    NotPending,
}

impl Db {
    /// Approves (or, denied, deletes) a personal token's pending grant in a workspace. Only
    /// a grant still pending is decided, so two Administrators deciding at once cannot both.
    pub async fn decide_token_workspace(
        &self,
        workspace_id: Uuid,
        token_id: Uuid,
        approve: Option<(Option<Uuid>, i64)>,
        audit: &AuditEvent,
    ) -> Result<Decision, StoreError> {
        let written = audited_write!(self, tx => {
            let done = match approve {
                Some((by, at)) => sqlx::query(
                    "UPDATE token_workspaces SET status = $3, decided_by = $4, decided_at = $5
                     WHERE workspace_id = $1 AND token_id = $2 AND status = $6",
                )
                .bind(workspace_id).bind(token_id).bind(GRANT_APPROVED).bind(by).bind(at)
                .bind(GRANT_PENDING)
                .execute(&mut *tx).await?,
                None => sqlx::query(
                    "DELETE FROM token_workspaces
                     WHERE workspace_id = $1 AND token_id = $2 AND status = $3",
                )
                .bind(workspace_id).bind(token_id).bind(GRANT_PENDING)
                .execute(&mut *tx).await?,
            };
            if done.rows_affected() == 0 { Decision::NotPending } else { Decision::Done }
        }, Decision::Done => audit, Stale::Token(token_id));
        Ok(written)
    }
}

/// Pairs each token with its grants (both lists read in the tokens' order or any order).
fn with_grants(
    tokens: Vec<PersonalTokenRow>,
    grants: Vec<GrantRow>,
) -> Vec<(PersonalTokenRow, Vec<GrantRow>)> {
    let mut by_token: std::collections::HashMap<Uuid, Vec<GrantRow>> =
        std::collections::HashMap::new();
    for grant in grants {
        by_token.entry(grant.token_id).or_default().push(grant);
    }
    tokens
        .into_iter()
        .map(|token| {
            let grants = by_token.remove(&token.id).unwrap_or_default();
            (token, grants)
        })
        .collect()
}
