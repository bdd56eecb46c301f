//! Rotation: a token replaced by its successor in one transaction, the keys that make a
//! retried rotation answer the same, and what the table shows of a token being rotated
//! out (where it is still used from).

use uuid::Uuid;

use super::{Db, StoreError, audit::AuditEvent, audited::audited_write, token_cache::Stale};
use crate::on_pool;

/// A rotation to write. The successor copies the old token's holder (workspace or owner),
/// label, scope and permissions in SQL, so nothing the service read can have gone stale.
pub struct Rotation<'a> {
    pub old_id: Uuid,
    pub new_id: Uuid,
    pub digest: &'a [u8],
    pub display_prefix: &'a str,
    /// The new secret sealed under the new id: kept on the successor only if the old
    /// token kept its own (a workspace may keep none: "secret shown once").
    pub sealed_secret: &'a [u8],
    /// False when the workspace now shows secrets once only: the successor keeps none.
    pub keep_secret: bool,
    /// The acting person, or the person behind the acting token.
    pub created_by: Option<Uuid>,
    /// The acting token and its label, when a token rotates.
    pub created_by_token: Option<(Uuid, &'a str)>,
    pub expires_at: Option<i64>,
    /// The old token's new expiry.
    pub grace_ends_at: i64,
}

/// The `Idempotency-Key` a rotation is made under: the digest of caller and key, and how
/// long a retry gets the same answer.
pub struct ReplayKey<'a> {
    pub digest: &'a [u8],
    pub expires_at: i64,
}

/// What a rotation write did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RotationWrite {
    Done,
    /// Another request under the same key committed first: its answer is the one to give.
    KeyTaken,
    /// The old token is gone, disabled, expired or already rotated (read it again to say
    /// which).
    NotRotatable,
}

/// A rotation remembered under its key.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredRotation {
    pub old_token_id: Uuid,
    pub new_token_id: Uuid,
    pub sealed_secret: Vec<u8>,
    pub grace_ends_at: i64,
}

/// A token of the workspace being rotated out.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RotatingRow {
    pub id: Uuid,
    pub successor: Uuid,
    pub rotated_at: i64,
    pub grace_ends_at: i64,
}

/// Where a token was used from since a moment: one row per address and user agent.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PlaceRow {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub last_at: i64,
    pub requests: i64,
}

/// A presented token's rotation state, whatever else it is (expired, disabled).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PresentedRow {
    pub id: Uuid,
    /// None for a personal token.
    pub workspace_id: Option<Uuid>,
    /// A personal token's owner.
    pub owner_id: Option<Uuid>,
    pub disabled_at: Option<i64>,
    pub rotated_to: Option<Uuid>,
}

impl Db {
    /// Rotates in one transaction: claims the key (if any) first, then ends the old token's
    /// life at its grace end and points it at its successor, inserts the successor with
    /// the old token's personal workspaces, records both audit events (`rotated`, the
    /// write's own, and the successor's `created`) and drops the old token from every
    /// instance's cache. Claiming the key first serializes retries: a parallel request
    /// under the same key waits for this one (SQLite's write lock; PostgreSQL's unique
    /// index) and then finds the key taken.
    pub async fn rotate_token(
        &self,
        rotation: &Rotation<'_>,
        key: Option<&ReplayKey<'_>>,
        now: i64,
        rotated: &[AuditEvent],
        created: &[AuditEvent],
    ) -> Result<RotationWrite, StoreError> {
        let (actor_token, actor_label) = rotation.created_by_token.unzip();
        let written = audited_write!(self, tx => {
            'write: {
                if let Some(key) = key {
                    sqlx::query("DELETE FROM rotation_keys WHERE digest = $1 AND expires_at <= $2")
                        .bind(key.digest).bind(now)
                        .execute(&mut *tx).await?;
                    let claimed = sqlx::query(
                        "INSERT INTO rotation_keys (digest, old_token_id, new_token_id, sealed_secret,
                             grace_ends_at, created_at, expires_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (digest) DO NOTHING",
                    )
                    .bind(key.digest).bind(rotation.old_id).bind(rotation.new_id)
                    .bind(rotation.sealed_secret).bind(rotation.grace_ends_at).bind(now)
                    .bind(key.expires_at)
                    .execute(&mut *tx).await?;
                    if claimed.rows_affected() == 0 {
                        break 'write RotationWrite::KeyTaken;
                    }
                }
                // Before the successor exists: the label's unique index skips rotated tokens.
                let ended = sqlx::query(
                    "UPDATE access_tokens SET rotated_to = $2, expires_at = $3, updated_at = $4
                     WHERE id = $1 AND rotated_to IS NULL
                       AND (disabled_at IS NULL OR leaked_at IS NOT NULL)
                       AND (expires_at IS NULL OR expires_at > $4)",
                )
                .bind(rotation.old_id).bind(rotation.new_id).bind(rotation.grace_ends_at).bind(now)
                .execute(&mut *tx).await?;
                if ended.rows_affected() == 0 {
                    break 'write RotationWrite::NotRotatable;
                }
                sqlx::query(
                    "INSERT INTO access_tokens (id, workspace_id, owner_id, label, scope, permissions,
                         digest, display_prefix, sealed_secret, created_by, created_by_token,
                         created_by_token_label, created_at, updated_at, expires_at, rotated_from,
                         allowed_ips, rate_limit)
                     SELECT $1, workspace_id, owner_id, label, scope, permissions, $2, $3,
                         CASE WHEN sealed_secret IS NULL OR NOT $11 THEN NULL ELSE $4 END,
                         $5, $6, $7, $8, $8, $9, id, allowed_ips, rate_limit
                     FROM access_tokens WHERE id = $10",
                )
                .bind(rotation.new_id).bind(rotation.digest).bind(rotation.display_prefix)
                .bind(rotation.sealed_secret).bind(rotation.created_by).bind(actor_token)
                .bind(actor_label).bind(now).bind(rotation.expires_at).bind(rotation.old_id)
                .bind(rotation.keep_secret)
                .execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO token_workspaces (token_id, workspace_id, scope, permissions, status,
                         requested_at, decided_by, decided_at)
                     SELECT $1, workspace_id, scope, permissions, status, requested_at, decided_by,
                         decided_at
                     FROM token_workspaces WHERE token_id = $2",
                )
                .bind(rotation.new_id).bind(rotation.old_id)
                .execute(&mut *tx).await?;
                for event in created {
                    crate::insert_audit!(&mut *tx, event)?;
                }
                RotationWrite::Done
            }
        }, RotationWrite::Done => rotated, Stale::Token(rotation.old_id));
        Ok(written)
    }

    /// The rotation remembered under this key digest, while it is remembered at `now`.
    pub async fn stored_rotation(
        &self,
        digest: &[u8],
        now: i64,
    ) -> Result<Option<StoredRotation>, StoreError> {
        let sql = "SELECT old_token_id, new_token_id, sealed_secret, grace_ends_at
                   FROM rotation_keys WHERE digest = $1 AND expires_at > $2";
        Ok(on_pool!(self, pool => sqlx::query_as(sql)
            .bind(digest).bind(now).fetch_optional(pool).await?))
    }

    /// Forgets the rotations no longer remembered at `now` (the sweeper's job).
    pub async fn delete_expired_rotation_keys(&self, now: i64) -> Result<u64, StoreError> {
        let sql = "DELETE FROM rotation_keys WHERE expires_at <= $1";
        Ok(on_pool!(self, pool => sqlx::query(sql).bind(now).execute(pool).await?.rows_affected()))
    }

    /// The workspace's tokens still in their grace at `now`, with when the rotation began.
    pub async fn rotating_tokens(
        &self,
        workspace_id: Uuid,
        now: i64,
    ) -> Result<Vec<RotatingRow>, StoreError> {
        let sql = "SELECT o.id, o.rotated_to AS successor,
                       COALESCE(n.created_at, o.updated_at) AS rotated_at,
                       o.expires_at AS grace_ends_at
                   FROM access_tokens o LEFT JOIN access_tokens n ON n.id = o.rotated_to
                   WHERE o.workspace_id = $1 AND o.rotated_to IS NOT NULL AND o.expires_at > $2";
        Ok(on_pool!(self, pool => sqlx::query_as(sql)
            .bind(workspace_id).bind(now).fetch_all(pool).await?))
    }

    /// Where a token's kept requests came from since `since`, the latest first.
    pub async fn token_places_since(
        &self,
        token_id: Uuid,
        since: i64,
    ) -> Result<Vec<PlaceRow>, StoreError> {
        let sql = "SELECT ip, user_agent, MAX(at) AS last_at, COUNT(*) AS requests
                   FROM token_requests WHERE token_id = $1 AND at >= $2
                   GROUP BY ip, user_agent ORDER BY last_at DESC";
        Ok(on_pool!(self, pool => sqlx::query_as(sql)
            .bind(token_id).bind(since).fetch_all(pool).await?))
    }

    /// The token with this digest in any state, for a retried self-rotation whose token
    /// the rotation itself has stopped.
    pub async fn presented_token(&self, digest: &[u8]) -> Result<Option<PresentedRow>, StoreError> {
        let sql = "SELECT id, workspace_id, owner_id, disabled_at, rotated_to FROM access_tokens WHERE digest = $1";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).bind(digest).fetch_optional(pool).await?))
    }
}
