//! Users, sessions, failed-login counters and per-user preferences.

use uuid::Uuid;

use super::{Db, StoreError, audit::AuditEvent};
use crate::{insert_audit, on_pool};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub created_at: i64,
}

pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
}

/// A new session: only the digest of its id is stored.
pub struct NewSession<'a> {
    pub id_digest: &'a [u8],
    pub user_id: Uuid,
    pub expires_at: i64,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

const USER_COLUMNS: &str = "id, email, name, password_hash, created_at";

/// Inserts a user through an executor (pool or transaction) of either engine.
#[macro_export]
macro_rules! insert_user {
    ($executor:expr, $user:expr, $now:expr) => {{
        let user: &$crate::server::store::accounts::NewUser<'_> = $user;
        sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(user.id)
        .bind(user.email)
        .bind(user.name)
        .bind(user.password_hash)
        .bind($now)
        .execute($executor)
        .await
        .map(|_| ())
    }};
}

impl Db {
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM users";
        Ok(on_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await?))
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(email).fetch_optional(pool).await?))
    }

    pub async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
    }

    /// Opens a session, with the audit record of the sign-in that opened it (if any) in
    /// the same transaction.
    pub async fn insert_session(
        &self,
        session: NewSession<'_>,
        now: i64,
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO sessions (id_digest, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
                   VALUES ($1, $2, $3, $3, $4, $5, $6)";
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(sql)
                .bind(session.id_digest)
                .bind(session.user_id)
                .bind(now)
                .bind(session.expires_at)
                .bind(session.ip)
                .bind(session.user_agent)
                .execute(&mut *tx)
                .await?;
            if let Some(audit) = audit {
                insert_audit!(&mut *tx, audit)?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The user of a live session (not expired at `now`).
    pub async fn session_user(
        &self,
        id_digest: &[u8],
        now: i64,
    ) -> Result<Option<SessionUser>, StoreError> {
        let sql = "SELECT u.id, u.email, u.name, s.last_seen_at, s.expires_at
                   FROM sessions s JOIN users u ON u.id = s.user_id
                   WHERE s.id_digest = $1 AND s.expires_at > $2";
        Ok(
            on_pool!(self, pool => sqlx::query_as(sql).bind(id_digest).bind(now).fetch_optional(pool).await?),
        )
    }

    /// Slides a session's idle expiry forward.
    pub async fn touch_session(
        &self,
        id_digest: &[u8],
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_digest = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(id_digest).bind(now).bind(expires_at)
            .execute(pool).await.map(|_| ())?);
        Ok(())
    }

    pub async fn delete_session(&self, id_digest: &[u8]) -> Result<(), StoreError> {
        let sql = "DELETE FROM sessions WHERE id_digest = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(id_digest).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Removes sessions that expired before `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64, StoreError> {
        let sql = "DELETE FROM sessions WHERE expires_at <= $1";
        Ok(
            on_pool!(self, pool => sqlx::query(sql).bind(now).execute(pool).await.map(|done| done.rows_affected())?),
        )
    }

    /// `(failures, last_failed_at)` for a throttling subject.
    pub async fn login_failures(&self, subject: &str) -> Result<Option<(i64, i64)>, StoreError> {
        let sql = "SELECT failures, last_failed_at FROM login_failures WHERE subject = $1";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).bind(subject).fetch_optional(pool).await?))
    }

    /// Counts a failure against each subject, with the failure's audit record, in one
    /// transaction; a run whose last failure is older than `forget_before` starts over.
    pub async fn record_login_failure(
        &self,
        subjects: &[String],
        now: i64,
        forget_before: i64,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let sql =
            "INSERT INTO login_failures (subject, failures, last_failed_at) VALUES ($1, 1, $2)
                   ON CONFLICT (subject) DO UPDATE
                   SET failures = CASE WHEN login_failures.last_failed_at < $3 THEN 1
                                       ELSE login_failures.failures + 1 END,
                       last_failed_at = excluded.last_failed_at";
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for subject in subjects {
                sqlx::query(sql).bind(subject).bind(now).bind(forget_before)
                    .execute(&mut *tx).await?;
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn clear_login_failures(&self, subject: &str) -> Result<(), StoreError> {
        let sql = "DELETE FROM login_failures WHERE subject = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(subject).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    pub async fn preference(
        &self,
        user_id: Uuid,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        let sql = "SELECT value FROM user_preferences WHERE user_id = $1 AND name = $2";
        Ok(
            on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).bind(name).fetch_optional(pool).await?),
        )
    }

    pub async fn set_preference(
        &self,
        user_id: Uuid,
        name: &str,
        value: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO user_preferences (user_id, name, value, updated_at) VALUES ($1, $2, $3, $4)
                   ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
        on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(name).bind(value).bind(now)
            .execute(pool).await.map(|_| ())?);
        Ok(())
    }
}
