//! Access tokens. Every read and write names the workspace: a token id from another
//! workspace finds nothing.

use std::{
    net::IpAddr,
    sync::{Arc, atomic::Ordering},
};

use uuid::Uuid;

use super::{
    Db, StoreError,
    audit::AuditEvent,
    audited::audited_write,
    token_cache::{AuthToken, Digest, Grant, Reach, Stale},
};
use crate::{
    domain::{
        api_permission::PermissionSet,
        ip_allowlist::IpAllowlist,
        leak::{Leak, LeakSource},
        permission::personal_scope,
        policy::LifetimeLimit,
        rate_limit::RateLimit,
        revoke::RevokeAction,
        role::Role,
    },
    on_pool,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub label: String,
    pub scope: Role,
    /// The permissions chosen at creation (None: the whole scope).
    pub permissions: Option<PermissionSet>,
    pub display_prefix: String,
    pub created_by: Option<Uuid>,
    pub created_by_name: Option<String>,
    pub created_by_email: Option<String>,
    /// The token that made it through the API (its label then), the person behind that
    /// token being `created_by`.
    pub created_by_token_label: Option<String>,
    /// The creator's email while they are a member of the token's workspace: news of the
    /// token goes there, and not to someone who has left.
    pub member_creator_email: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: Option<i64>,
    pub disabled_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub last_used_user_agent: Option<String>,
    pub last_used_method: Option<String>,
    pub last_used_path: Option<String>,
    /// Its successor, once rotated (it works on until its `expires_at`, the grace end).
    pub rotated_to: Option<Uuid>,
    /// Whether Tessera keeps its sealed secret (for the Copy button).
    pub secret_kept: bool,
    /// The workspace's lifetime limit, if it has one.
    pub max_token_lifetime_days: Option<i64>,
    pub token_lifetime_grace_until: Option<i64>,
    /// Its IP allowlist as the column holds it (None: any address).
    pub allowed_ips: Option<String>,
    /// Its rate limit as the column holds it (None: none).
    pub rate_limit: Option<String>,
    /// When it was reported as leaked, by which channel, and where it was found.
    pub leaked_at: Option<i64>,
    pub leak_source: Option<String>,
    pub leak_location: Option<String>,
}

impl TokenRow {
    /// The workspace's lifetime limit as it applies to this token.
    pub fn lifetime_limit(&self) -> Option<LifetimeLimit> {
        lifetime_limit(
            self.max_token_lifetime_days,
            self.token_lifetime_grace_until,
        )
    }
}

pub(super) const TOKEN_SELECT: &str =
    "SELECT t.id, t.workspace_id, t.label, t.scope, t.permissions, t.display_prefix,
        t.created_by, u.name AS created_by_name, u.email AS created_by_email,
        t.created_by_token_label,
        CASE WHEN m.user_id IS NOT NULL THEN u.email END AS member_creator_email,
        t.created_at, t.updated_at, t.expires_at,
        t.disabled_at, t.last_used_at, t.last_used_ip, t.last_used_user_agent,
        t.last_used_method, t.last_used_path, t.rotated_to,
        (t.sealed_secret IS NOT NULL) AS secret_kept,
        w.max_token_lifetime_days, w.token_lifetime_grace_until, t.allowed_ips, t.rate_limit,
        t.leaked_at, t.leak_source, t.leak_location
    FROM access_tokens t JOIN workspaces w ON w.id = t.workspace_id
    LEFT JOIN users u ON u.id = t.created_by
    LEFT JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = t.created_by";

const AUTH_SELECT: &str =
    "SELECT t.id, t.workspace_id, w.name AS workspace_name, t.owner_id, t.created_by,
        t.label, t.scope, t.permissions, t.created_at, t.expires_at, t.disabled_at,
        t.last_used_at, w.max_token_lifetime_days, w.token_lifetime_grace_until, t.allowed_ips,
        t.rate_limit
    FROM access_tokens t LEFT JOIN workspaces w ON w.id = t.workspace_id
    WHERE t.digest = $1";

/// A personal token's workspaces where its owner is still a member, with the owner's role
/// there as it is now.
const AUTH_GRANTS_SELECT: &str =
    "SELECT g.workspace_id, w.name AS workspace_name, g.scope, g.permissions, g.status,
        m.role AS owner_role, w.max_token_lifetime_days, w.token_lifetime_grace_until
    FROM token_workspaces g JOIN workspaces w ON w.id = g.workspace_id
    JOIN memberships m ON m.workspace_id = g.workspace_id AND m.user_id = $2
    WHERE g.token_id = $1
    ORDER BY w.name, g.workspace_id";

/// A token's row as the API's check reads it.
#[derive(sqlx::FromRow)]
struct AuthRow {
    id: Uuid,
    workspace_id: Option<Uuid>,
    workspace_name: Option<String>,
    owner_id: Option<Uuid>,
    created_by: Option<Uuid>,
    label: String,
    scope: Option<Role>,
    permissions: Option<PermissionSet>,
    created_at: i64,
    expires_at: Option<i64>,
    disabled_at: Option<i64>,
    last_used_at: Option<i64>,
    max_token_lifetime_days: Option<i64>,
    token_lifetime_grace_until: Option<i64>,
    allowed_ips: Option<String>,
    rate_limit: Option<String>,
}

/// An IP allowlist as a column holds it (canonical, comma-separated; NULL: any address).
/// A stored list that no longer parses is a decoding error, never "any address".
pub fn stored_allowlist(column: Option<&str>) -> Result<Option<IpAllowlist>, StoreError> {
    column
        .map(|text| {
            IpAllowlist::parse_text(text)
                .map(IpAllowlist::into_option)
                .map_err(|error| StoreError::Query(sqlx::Error::Decode(error.to_string().into())))
        })
        .transpose()
        .map(Option::flatten)
}

/// A rate limit as a column holds it (`600/60`; NULL: none). A stored limit that no longer
/// parses is a decoding error, never "no limit".
pub fn stored_rate_limit(column: Option<&str>) -> Result<Option<RateLimit>, StoreError> {
    column
        .map(|text| {
            RateLimit::from_column(text)
                .map_err(|error| StoreError::Query(sqlx::Error::Decode(error.to_string().into())))
        })
        .transpose()
}

/// A rate limit column as views show it (the check at every request reads it strictly).
pub fn shown_rate_limit(column: Option<&str>) -> Option<RateLimit> {
    column.and_then(|text| RateLimit::from_column(text).ok())
}

/// A leak as its three columns hold it.
pub fn stored_leak(at: Option<i64>, source: Option<&str>, location: Option<&str>) -> Option<Leak> {
    Some(Leak {
        at: at?,
        source: source
            .and_then(LeakSource::parse)
            .unwrap_or(LeakSource::PublicReport),
        location: location.map(str::to_owned),
    })
}

/// The entries of an IP allowlist column, as views show them (empty: any address).
pub fn allowlist_entries(column: Option<&str>) -> Vec<String> {
    column
        .map(|column| column.split(',').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// An IP allowlist as a column holds it.
pub fn allowlist_column(list: Option<&IpAllowlist>) -> Option<String> {
    list.filter(|list| !list.is_empty())
        .map(|list| list.entries().join(","))
}

/// The workspace's lifetime limit, as its two columns hold it.
fn lifetime_limit(days: Option<i64>, refused_from: Option<i64>) -> Option<LifetimeLimit> {
    Some(LifetimeLimit {
        max_days: days?,
        refused_from: refused_from?,
    })
}

#[derive(sqlx::FromRow)]
struct AuthGrantRow {
    workspace_id: Uuid,
    workspace_name: String,
    scope: Role,
    permissions: Option<PermissionSet>,
    status: String,
    owner_role: Role,
    max_token_lifetime_days: Option<i64>,
    token_lifetime_grace_until: Option<i64>,
}

impl From<AuthGrantRow> for Grant {
    fn from(row: AuthGrantRow) -> Grant {
        Grant {
            workspace_id: row.workspace_id,
            workspace_name: row.workspace_name,
            scope: personal_scope(row.scope, row.owner_role),
            chosen: row.permissions,
            pending: row.status == GRANT_PENDING,
            lifetime: lifetime_limit(row.max_token_lifetime_days, row.token_lifetime_grace_until),
        }
    }
}

/// A personal token's standing in a workspace that must approve it first.
pub const GRANT_PENDING: &str = "pending";
pub const GRANT_APPROVED: &str = "approved";

pub struct NewToken<'a> {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub label: &'a str,
    pub scope: Role,
    pub permissions: Option<PermissionSet>,
    pub digest: &'a [u8],
    pub display_prefix: &'a str,
    /// None when the workspace shows secrets once only.
    pub sealed_secret: Option<&'a [u8]>,
    pub created_by: Option<Uuid>,
    /// The token that made it through the API, and its label.
    pub created_by_token: Option<(Uuid, &'a str)>,
    pub expires_at: Option<i64>,
    /// Its IP allowlist as the column holds it (see [`allowlist_column`]).
    pub allowed_ips: Option<String>,
    /// Its rate limit as the column holds it (see [`RateLimit::column`]).
    pub rate_limit: Option<String>,
}

/// One request a token made.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenRequest {
    pub at: i64,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub method: String,
    pub path: String,
    /// Why it was refused (None: it was served).
    pub refused: Option<&'static str>,
}

/// A stored request of a token.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRequestRow {
    pub at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub method: String,
    pub path: String,
    /// Why it was refused (None: it was served).
    pub refused: Option<String>,
}

/// How many of a token's requests are kept (the API Access Audit shows them).
pub const RECENT_REQUESTS: usize = 20;

/// How long requests-per-day counts are kept.
pub const DAILY_REQUESTS_KEPT_DAYS: i64 = 90;

/// What one token's requests left since they were last written: the newest
/// [`RECENT_REQUESTS`], oldest first, and how many there were on each UTC day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenUses {
    pub token_id: Uuid,
    pub recent: std::collections::VecDeque<TokenRequest>,
    /// `(days since 1970-01-01, requests)`.
    pub daily: Vec<(i64, i64)>,
}

impl TokenUses {
    /// The newest request that was served: a refused attempt is no use.
    pub fn newest(&self) -> Option<&TokenRequest> {
        self.recent
            .iter()
            .rev()
            .find(|request| request.refused.is_none())
    }
}

/// The editable fields, all set at once.
pub struct TokenEdit<'a> {
    pub label: &'a str,
    pub scope: Role,
    pub permissions: Option<PermissionSet>,
    pub expires_at: Option<i64>,
    /// When it was switched off; None while it is on.
    pub disabled_at: Option<i64>,
    /// Its IP allowlist as the column holds it.
    pub allowed_ips: Option<String>,
    /// Its rate limit as the column holds it.
    pub rate_limit: Option<String>,
}

/// Who holds a token: every write names its holder, so a token id from elsewhere finds
/// nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenHolder {
    Workspace(Uuid),
    /// A person, for their personal tokens.
    Owner(Uuid),
}

impl TokenHolder {
    pub fn of(reach: &Reach) -> TokenHolder {
        match reach {
            Reach::Workspace { grant, .. } => TokenHolder::Workspace(grant.workspace_id),
            Reach::Personal { owner_id, .. } => TokenHolder::Owner(*owner_id),
        }
    }

    /// The column naming the holder (a constant, never input).
    fn column(self) -> &'static str {
        match self {
            TokenHolder::Workspace(_) => "workspace_id",
            TokenHolder::Owner(_) => "owner_id",
        }
    }

    fn id(self) -> Uuid {
        match self {
            TokenHolder::Workspace(id) | TokenHolder::Owner(id) => id,
        }
    }
}

/// Why a write changed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenWrite {
    Done,
    NotFound,
    /// Another token in the workspace has this label (ignoring case).
    LabelTaken,
}

fn label_conflict(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation()
        && db.constraint().is_none_or(|name| name.contains("label")))
}

/// What a token write's statement did, from how many rows it changed or why it failed.
pub(super) fn token_write(changed: Result<u64, sqlx::Error>) -> Result<TokenWrite, sqlx::Error> {
    match changed {
        Err(error) if label_conflict(&error) => Ok(TokenWrite::LabelTaken),
        Err(error) => Err(error),
        Ok(0) => Ok(TokenWrite::NotFound),
        Ok(_) => Ok(TokenWrite::Done),
    }
}

impl Db {
    pub async fn tokens(&self, workspace_id: Uuid) -> Result<Vec<TokenRow>, StoreError> {
        let sql = format!(
            "{TOKEN_SELECT} WHERE t.workspace_id = $1 ORDER BY t.created_at DESC, t.id DESC"
        );
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(workspace_id).fetch_all(pool).await?))
    }

    pub async fn token(
        &self,
        workspace_id: Uuid,
        id: Uuid,
    ) -> Result<Option<TokenRow>, StoreError> {
        let sql = format!("{TOKEN_SELECT} WHERE t.workspace_id = $1 AND t.id = $2");
        Ok(
            on_pool!(self, pool => sqlx::query_as(&sql).bind(workspace_id).bind(id).fetch_optional(pool).await?),
        )
    }

    /// `f` of the token with this digest if this instance holds it in memory (no database
    /// read), called in place: the API's check takes no count to give back.
    pub fn with_cached_token<R>(
        &self,
        digest: &Digest,
        f: impl FnOnce(&Arc<AuthToken>) -> R,
    ) -> Option<R> {
        self.token_cache().with(digest, f)
    }

    /// The token a presented secret's digest belongs to, in any workspace: from the cache
    /// of recently presented tokens when it is there, else from the database (and then
    /// cached). A digest the database does not hold is remembered as such, so that asking
    /// again reads nothing (see `token_cache`).
    pub async fn token_by_digest(
        &self,
        digest: &Digest,
    ) -> Result<Option<Arc<AuthToken>>, StoreError> {
        if let Some(token) = self.with_cached_token(digest, Arc::clone) {
            return Ok(Some(token));
        }
        let cache = self.token_cache();
        if cache.is_unknown(digest) {
            return Ok(None);
        }
        let since = cache.epoch();
        cache.counts().misses.fetch_add(1, Ordering::Relaxed);
        let row: Option<AuthRow> = on_pool!(self, pool =>
            sqlx::query_as(AUTH_SELECT).bind(&digest[..]).fetch_optional(pool).await?);
        let Some(row) = row else {
            cache.note_unknown(*digest);
            return Ok(None);
        };
        let reach = match (
            row.workspace_id,
            row.workspace_name,
            row.scope,
            row.owner_id,
        ) {
            (Some(workspace_id), Some(workspace_name), Some(scope), _) => Reach::Workspace {
                grant: Grant {
                    workspace_id,
                    workspace_name,
                    scope,
                    chosen: row.permissions,
                    pending: false,
                    lifetime: lifetime_limit(
                        row.max_token_lifetime_days,
                        row.token_lifetime_grace_until,
                    ),
                },
                made_by: row.created_by,
            },
            (_, _, _, Some(owner_id)) => {
                // A second read on a miss only, for personal tokens: a write between the two
                // bumps the epoch, and then the token is not kept.
                let grants: Vec<AuthGrantRow> = on_pool!(self, pool =>
                    sqlx::query_as(AUTH_GRANTS_SELECT).bind(row.id).bind(owner_id).fetch_all(pool).await?);
                Reach::Personal {
                    owner_id,
                    grants: grants.into_iter().map(Grant::from).collect(),
                }
            }
            // The schema's checks make every token one or the other.
            _ => return Ok(None),
        };
        let mut token = AuthToken::new(
            row.id,
            row.label,
            reach,
            row.created_at,
            row.expires_at,
            row.disabled_at,
            row.last_used_at,
        );
        token.allowed_ips = stored_allowlist(row.allowed_ips.as_deref())?;
        token.rate_limit = stored_rate_limit(row.rate_limit.as_deref())?;
        let token = Arc::new(token);
        cache.insert(since, *digest, token.clone());
        Ok(Some(token))
    }

    /// Writes what each token's requests left: its newest use onto the token (skipping
    /// older news), its recent requests (keeping the newest [`RECENT_REQUESTS`]) and its
    /// requests per day (keeping [`DAILY_REQUESTS_KEPT_DAYS`]). Tokens deleted meanwhile
    /// are skipped. One transaction (see `token_uses`).
    pub async fn record_token_uses(&self, uses: &[TokenUses]) -> Result<(), StoreError> {
        super::token_uses::write(self.pool(), uses).await?;
        for used in uses {
            if let Some(newest) = used.newest() {
                self.token_cache().note_use(used.token_id, newest.at);
            }
        }
        Ok(())
    }

    /// The addresses each token of the workspace, and each personal token reaching it,
    /// made its kept requests from.
    pub async fn token_request_ips(
        &self,
        workspace_id: Uuid,
    ) -> Result<Vec<(Uuid, String)>, StoreError> {
        let sql = "SELECT DISTINCT r.token_id, r.ip FROM token_requests r
                   JOIN access_tokens t ON t.id = r.token_id
                   WHERE (t.workspace_id = $1 OR t.id IN
                          (SELECT token_id FROM token_workspaces WHERE workspace_id = $1))
                     AND r.ip IS NOT NULL";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).bind(workspace_id).fetch_all(pool).await?))
    }

    /// A token's kept requests, newest first.
    pub async fn token_requests(&self, token_id: Uuid) -> Result<Vec<TokenRequestRow>, StoreError> {
        let sql = "SELECT at, ip, user_agent, method, path, refused FROM token_requests
                   WHERE token_id = $1 ORDER BY at DESC, id DESC LIMIT $2";
        Ok(on_pool!(self, pool => sqlx::query_as(sql)
            .bind(token_id).bind(RECENT_REQUESTS as i64).fetch_all(pool).await?))
    }

    /// A token's requests per UTC day, from `first_day` on: `(day, requests)`.
    pub async fn token_daily_requests(
        &self,
        token_id: Uuid,
        first_day: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let sql = "SELECT day, requests FROM token_daily_requests
                   WHERE token_id = $1 AND day >= $2 ORDER BY day";
        Ok(on_pool!(self, pool => sqlx::query_as(sql)
            .bind(token_id).bind(first_day).fetch_all(pool).await?))
    }

    /// The sealed secret of a token of `holder`; `Some(None)` when none was kept.
    pub async fn sealed_secret(
        &self,
        holder: TokenHolder,
        id: Uuid,
    ) -> Result<Option<Option<Vec<u8>>>, StoreError> {
        let sql = format!(
            "SELECT sealed_secret FROM access_tokens WHERE {} = $1 AND id = $2",
            holder.column()
        );
        Ok(
            on_pool!(self, pool => sqlx::query_scalar(&sql).bind(holder.id()).bind(id).fetch_optional(pool).await?),
        )
    }

    pub async fn insert_token(
        &self,
        token: &NewToken<'_>,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<TokenWrite, StoreError> {
        // Nothing to announce: no instance can hold a token that did not exist.
        let written = audited_write!(self, tx => {
            let inserted = sqlx::query(
                "INSERT INTO access_tokens (id, workspace_id, label, scope, permissions, digest,
                     display_prefix, sealed_secret, created_by, created_at, updated_at, expires_at,
                     created_by_token, created_by_token_label, allowed_ips, rate_limit)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15)",
            )
            .bind(token.id).bind(token.workspace_id).bind(token.label).bind(token.scope)
            .bind(token.permissions).bind(token.digest).bind(token.display_prefix)
            .bind(token.sealed_secret).bind(token.created_by).bind(now).bind(token.expires_at)
            .bind(token.created_by_token.map(|(id, _)| id))
            .bind(token.created_by_token.map(|(_, label)| label))
            .bind(token.allowed_ips.as_deref()).bind(token.rate_limit.as_deref())
            .execute(&mut *tx).await;
            token_write(inserted.map(|done| done.rows_affected()))?
        }, TokenWrite::Done => audit);
        Ok(written)
    }

    pub async fn update_token(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        edit: &TokenEdit<'_>,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<TokenWrite, StoreError> {
        let written = audited_write!(self, tx => {
            let updated = sqlx::query(
                "UPDATE access_tokens SET label = $3, scope = $4, expires_at = $5, updated_at = $6,
                     permissions = $7, disabled_at = $8, allowed_ips = $9, rate_limit = $10
                 WHERE workspace_id = $1 AND id = $2",
            )
            .bind(workspace_id).bind(id).bind(edit.label).bind(edit.scope).bind(edit.expires_at).bind(now)
            .bind(edit.permissions).bind(edit.disabled_at).bind(edit.allowed_ips.as_deref())
            .bind(edit.rate_limit.as_deref())
            .execute(&mut *tx).await;
            token_write(updated.map(|done| done.rows_affected()))?
        }, TokenWrite::Done => audit, Stale::Token(id));
        Ok(written)
    }

    /// Marks a token reported as leaked: disabled (if it was not), with when, by which
    /// channel and where it was found, `audits` (and their mail) written with it. False,
    /// writing nothing, for a token already reported (or gone): a report is idempotent.
    pub async fn mark_leaked(
        &self,
        id: Uuid,
        source: LeakSource,
        location: Option<&str>,
        now: i64,
        audits: &[AuditEvent],
    ) -> Result<bool, StoreError> {
        let marked = audited_write!(self, tx => {
            let done = sqlx::query(
                "UPDATE access_tokens SET disabled_at = COALESCE(disabled_at, $2), leaked_at = $2,
                     leak_source = $3, leak_location = $4, updated_at = $2
                 WHERE id = $1 AND leaked_at IS NULL",
            )
            .bind(id).bind(now).bind(source.as_str()).bind(location)
            .execute(&mut *tx).await?;
            done.rows_affected() > 0
        }, true => audits, Stale::Token(id));
        Ok(marked)
    }

    /// Deletes a token of `holder`, with an audit record in each workspace it could reach.
    pub async fn delete_token(
        &self,
        holder: TokenHolder,
        id: Uuid,
        audits: &[AuditEvent],
    ) -> Result<TokenWrite, StoreError> {
        let sql = format!(
            "DELETE FROM access_tokens WHERE {} = $1 AND id = $2",
            holder.column()
        );
        let written = audited_write!(self, tx => {
            let deleted = sqlx::query(&sql).bind(holder.id()).bind(id).execute(&mut *tx).await;
            token_write(deleted.map(|done| done.rows_affected()))?
        }, TokenWrite::Done => audits, Stale::Token(id));
        Ok(written)
    }

    /// Disables (those still enabled) or deletes every token of `ids` in the workspace, in
    /// one transaction with every record of `audits`, each token announced to other
    /// instances and dropped from the cache. All or nothing: when one of them is gone, or
    /// already disabled, by the time the transaction reaches it (another write came
    /// between the service's read and this), nothing is changed and the answer is
    /// `NotFound`.
    pub async fn revoke_tokens(
        &self,
        workspace_id: Uuid,
        ids: &[Uuid],
        action: RevokeAction,
        now: i64,
        audits: &[AuditEvent],
    ) -> Result<TokenWrite, StoreError> {
        let stale: Vec<Stale> = ids.iter().copied().map(Stale::Token).collect();
        let written = audited_write!(self, tx => {
            let mut outcome = TokenWrite::Done;
            for id in ids {
                let changed = match action {
                    RevokeAction::Disable => sqlx::query(
                        "UPDATE access_tokens SET disabled_at = $3, updated_at = $3
                         WHERE workspace_id = $1 AND id = $2 AND disabled_at IS NULL",
                    )
                    .bind(workspace_id).bind(id).bind(now)
                    .execute(&mut *tx).await?,
                    RevokeAction::Delete => sqlx::query(
                        "DELETE FROM access_tokens WHERE workspace_id = $1 AND id = $2",
                    )
                    .bind(workspace_id).bind(id)
                    .execute(&mut *tx).await?,
                };
                if changed.rows_affected() == 0 {
                    outcome = TokenWrite::NotFound;
                    break;
                }
            }
            outcome
        }, TokenWrite::Done => audits, &stale[..]);
        Ok(written)
    }
}
