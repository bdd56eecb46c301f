//! Users, sessions, failed-login counters and per-user preferences.

use uuid::Uuid;

use super::{
    Db, Engine, StoreError, audit::AuditEvent, audited::audited_write, token_cache::Stale,
};
use crate::on_pool;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub created_at: i64,
    pub is_instance_admin: bool,
    /// The password is one somebody else chose: choose one before anything else.
    pub must_change_password: bool,
    /// When a password somebody else chose stops working.
    pub password_expires_at: Option<i64>,
}

pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub is_instance_admin: bool,
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
    pub is_instance_admin: bool,
    pub must_change_password: bool,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

const USER_COLUMNS: &str = "id, email, name, password_hash, created_at, is_instance_admin, must_change_password, password_expires_at";

/// A sign-in attempt as the audit log recorded it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SignInRow {
    pub action: String,
    pub actor_label: String,
    pub target_label: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: i64,
}

/// What became of a reservation of a sign-in attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reservation {
    /// Counted as a failure until the password proves right.
    Reserved,
    /// A subject is slowed down until this time; nothing was counted.
    BlockedUntil(i64),
}

/// Inserts a user through an executor (pool or transaction) of either engine.
#[macro_export]
macro_rules! insert_user {
    ($executor:expr, $user:expr, $now:expr) => {{
        let user: &$crate::server::store::accounts::NewUser<'_> = $user;
        sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, created_at, updated_at, is_instance_admin)
             VALUES ($1, $2, $3, $4, $5, $5, $6)",
        )
        .bind(user.id)
        .bind(user.email)
        .bind(user.name)
        .bind(user.password_hash)
        .bind($now)
        .bind(user.is_instance_admin)
        .execute($executor)
        .await
        .map(|_| ())
    }};
}

/// What became of deleting an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountDeletion {
    Deleted,
    /// It is the only Owner of a workspace: nothing was deleted.
    SoleOwner,
    NoSuchUser,
}

/// The workspaces where `$1` is the only Owner, by name.
const SOLE_OWNED: &str = "SELECT w.name FROM workspaces w
     JOIN memberships m ON m.workspace_id = w.id AND m.user_id = $1 AND m.role = 'owner'
     WHERE NOT EXISTS (SELECT 1 FROM memberships o
                       WHERE o.workspace_id = w.id AND o.role = 'owner' AND o.user_id <> $1)
     ORDER BY w.name";

/// Counts a failure against a subject unless it is slowed down (`$1` subject, `$2` now,
/// `$3` forget runs before), returning the new count. The next `blocked_until` is computed
/// in the same statement, from the domain's delay steps, so counting and blocking cannot
/// be raced apart. Built once.
static RESERVE_SIGN_IN: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    const NEW_COUNT: &str = "(CASE WHEN login_failures.last_failed_at < $3 THEN 1 ELSE login_failures.failures + 1 END)";
    let blocked_after = |count: &str| {
        crate::domain::sign_in::delay_steps()
            .iter()
            .fold(String::from("CASE"), |sql, (from, wait)| {
                format!("{sql} WHEN {count} >= {from} THEN $2 + {wait}")
            })
            + " ELSE 0 END"
    };
    format!(
        "INSERT INTO login_failures (subject, failures, last_failed_at, blocked_until)
         VALUES ($1, 1, $2, {first})
         ON CONFLICT (subject) DO UPDATE
         SET failures = {NEW_COUNT}, last_failed_at = $2, blocked_until = {blocked}
         WHERE login_failures.blocked_until <= $2
         RETURNING failures",
        first = blocked_after("1"),
        blocked = blocked_after(NEW_COUNT),
    )
});

/// Sets a chosen password inside a transaction: it no longer needs changing or expires,
/// and open reset links of the account die.
macro_rules! set_password_in {
    ($tx:expr, $user_id:expr, $hash:expr, $now:expr) => {{
        sqlx::query(
            "UPDATE users SET password_hash = $2, must_change_password = FALSE,
                              password_expires_at = NULL, updated_at = $3 WHERE id = $1",
        )
        .bind($user_id)
        .bind($hash)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind($user_id)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
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

    /// The workspaces that would have no Owner without this person.
    pub async fn sole_owned_workspaces(&self, user_id: Uuid) -> Result<Vec<String>, StoreError> {
        Ok(
            on_pool!(self, pool => sqlx::query_scalar(SOLE_OWNED).bind(user_id).fetch_all(pool).await?),
        )
    }

    /// Deletes an account with all that is only its own: its sessions, memberships, reset
    /// links and personal tokens (which stop at once on every instance). The tokens it made
    /// for workspaces stay theirs. Refused, with nothing written, while it is a workspace's
    /// only Owner. The check and the delete cannot be raced apart by another Owner leaving
    /// or being demoted: on PostgreSQL its workspaces are locked first, as every change to
    /// who owns a workspace does; on SQLite the transaction writes first, which makes it
    /// wait for any other writer and then read what that one committed. The audit records
    /// go in before the row goes: they keep the person's email, and their user id is
    /// cleared with the account.
    pub async fn delete_user(
        &self,
        user_id: Uuid,
        audits: &[AuditEvent],
    ) -> Result<AccountDeletion, StoreError> {
        let deleted = audited_write!(self, tx => {
            let lock = match self.engine() {
                Engine::Postgres => {
                    "SELECT w.id FROM workspaces w JOIN memberships m ON m.workspace_id = w.id
                     WHERE m.user_id = $1 FOR NO KEY UPDATE OF w"
                }
                Engine::Sqlite => "UPDATE users SET updated_at = updated_at WHERE id = $1",
            };
            sqlx::query(lock).bind(user_id).execute(&mut *tx).await?;
            let sole: Vec<String> = sqlx::query_scalar(SOLE_OWNED).bind(user_id).fetch_all(&mut *tx).await?;
            if sole.is_empty() {
                for audit in audits {
                    crate::insert_audit!(&mut *tx, audit)?;
                }
                let gone = sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if gone == 1 { AccountDeletion::Deleted } else { AccountDeletion::NoSuchUser }
            } else {
                AccountDeletion::SoleOwner
            }
        }, AccountDeletion::Deleted => &[] as &[AuditEvent], Stale::Owner(user_id));
        Ok(deleted)
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
        audited_write!(self, tx => {
            sqlx::query(sql)
                .bind(session.id_digest)
                .bind(session.user_id)
                .bind(now)
                .bind(session.expires_at)
                .bind(session.ip)
                .bind(session.user_agent)
                .execute(&mut *tx)
                .await?;
        }, () => audit);
        Ok(())
    }

    /// The user of a live session (not expired at `now`).
    pub async fn session_user(
        &self,
        id_digest: &[u8],
        now: i64,
    ) -> Result<Option<SessionUser>, StoreError> {
        let sql = "SELECT u.id, u.email, u.name, u.is_instance_admin, u.must_change_password,
                          s.last_seen_at, s.expires_at
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

    /// Reserves a sign-in attempt against every subject, in one transaction, before the
    /// password is checked: each counter goes up by one unless a subject is slowed down
    /// (then nothing is counted). Parallel attempts each see the others' reservations, so
    /// no more than the allowance is ever tried.
    pub async fn reserve_sign_in(
        &self,
        subjects: &[String],
        now: i64,
        forget_before: i64,
    ) -> Result<Reservation, StoreError> {
        let sql: &str = &RESERVE_SIGN_IN;
        let blocked_until = "SELECT blocked_until FROM login_failures WHERE subject = $1";
        on_pool!(self, pool => {
            let mut tx = crate::server::store::BeginWrite::begin_write(pool).await?;
            for subject in subjects {
                let counted: Option<i64> = sqlx::query_scalar(sql)
                    .bind(subject).bind(now).bind(forget_before)
                    .fetch_optional(&mut *tx).await?;
                if counted.is_none() {
                    let until: i64 = sqlx::query_scalar(blocked_until).bind(subject)
                        .fetch_one(&mut *tx).await?;
                    tx.rollback().await?;
                    return Ok(Reservation::BlockedUntil(until));
                }
            }
            tx.commit().await?;
        });
        Ok(Reservation::Reserved)
    }

    /// After a right password: the subjects in `clear` start over, those in `release`
    /// give back the attempt reserved for it, and `network` is remembered as one the user
    /// signs in from.
    pub async fn sign_in_succeeded(
        &self,
        clear: &[String],
        release: &[String],
        known: Option<(Uuid, &str)>,
        now: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::server::store::BeginWrite::begin_write(pool).await?;
            for subject in clear {
                sqlx::query("DELETE FROM login_failures WHERE subject = $1")
                    .bind(subject).execute(&mut *tx).await?;
            }
            for subject in release {
                sqlx::query("UPDATE login_failures SET failures = failures - 1 WHERE subject = $1 AND failures > 0")
                    .bind(subject).execute(&mut *tx).await?;
            }
            if let Some((user_id, network)) = known {
                sqlx::query(
                    "INSERT INTO sign_in_networks (user_id, network, last_seen_at) VALUES ($1, $2, $3)
                     ON CONFLICT (user_id, network) DO UPDATE SET last_seen_at = excluded.last_seen_at",
                )
                .bind(user_id).bind(network).bind(now).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Whether `user_id` signed in from `network` since `since`.
    pub async fn is_known_network(
        &self,
        user_id: Uuid,
        network: &str,
        since: i64,
    ) -> Result<bool, StoreError> {
        let sql = "SELECT COUNT(*) FROM sign_in_networks WHERE user_id = $1 AND network = $2 AND last_seen_at >= $3";
        let count: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).bind(network).bind(since).fetch_one(pool).await?);
        Ok(count > 0)
    }

    /// Forgets failure runs that ended before `before` and are no longer slowing anyone,
    /// networks unused since `networks_before`, and reset links past their time.
    pub async fn sweep_sign_in_records(
        &self,
        before: i64,
        networks_before: i64,
        now: i64,
    ) -> Result<u64, StoreError> {
        let mut removed = 0;
        on_pool!(self, pool => {
            removed += sqlx::query("DELETE FROM login_failures WHERE last_failed_at < $1 AND blocked_until <= $2")
                .bind(before).bind(now).execute(pool).await?.rows_affected();
            removed += sqlx::query("DELETE FROM sign_in_networks WHERE last_seen_at < $1")
                .bind(networks_before).execute(pool).await?.rows_affected();
            removed += sqlx::query("DELETE FROM password_resets WHERE expires_at < $1")
                .bind(now).execute(pool).await?.rows_affected();
        });
        Ok(removed)
    }

    /// Sets a password the user chose: a password somebody else chose stops being one,
    /// every session but `keep` ends, and open reset links die.
    pub async fn set_password(
        &self,
        user_id: Uuid,
        password_hash: &str,
        keep: Option<&[u8]>,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<u64, StoreError> {
        let ended = audited_write!(self, tx => {
            set_password_in!(tx, user_id, password_hash, now);
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id_digest <> $2)")
                .bind(user_id).bind(keep).execute(&mut *tx).await?.rows_affected()
        }, _ => audit);
        Ok(ended)
    }

    /// Stores a reset link's digest (with the audit record that mails it).
    pub async fn insert_password_reset(
        &self,
        code_digest: &[u8],
        user_id: Uuid,
        now: i64,
        expires_at: i64,
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError> {
        audited_write!(self, tx => {
            sqlx::query("INSERT INTO password_resets (code_digest, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(code_digest).bind(user_id).bind(now).bind(expires_at)
                .execute(&mut *tx).await?;
        }, () => audit);
        Ok(())
    }

    /// How many of the user's reset links are still open.
    pub async fn open_password_resets(&self, user_id: Uuid, now: i64) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2";
        Ok(
            on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).bind(now).fetch_one(pool).await?),
        )
    }

    /// The user a live, unused reset link belongs to.
    pub async fn password_reset_user(
        &self,
        code_digest: &[u8],
        now: i64,
    ) -> Result<Option<UserRow>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id =
               (SELECT user_id FROM password_resets WHERE code_digest = $1 AND used_at IS NULL AND expires_at > $2)"
        );
        Ok(
            on_pool!(self, pool => sqlx::query_as(&sql).bind(code_digest).bind(now).fetch_optional(pool).await?),
        )
    }

    /// Uses a reset link once: claims it, sets the password, ends every session and every
    /// other open link of the account, in one transaction. `None` (nothing changed) when
    /// the link is unknown, used or past its time — also when two use it at once.
    pub async fn complete_password_reset(
        &self,
        code_digest: &[u8],
        password_hash: &str,
        now: i64,
        audit: impl FnOnce(Uuid) -> AuditEvent,
    ) -> Result<Option<Uuid>, StoreError> {
        let claim = "UPDATE password_resets SET used_at = $2
                     WHERE code_digest = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id";
        let claimed = audited_write!(self, tx => {
            let claimed: Option<Uuid> = sqlx::query_scalar(claim).bind(code_digest).bind(now)
                .fetch_optional(&mut *tx).await?;
            if let Some(user_id) = claimed {
                set_password_in!(tx, user_id, password_hash, now);
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            }
            claimed
        }, Some(user_id) => &audit(user_id));
        Ok(claimed)
    }

    /// A person's own sign-ins (successful ones by them, failed ones naming their email),
    /// or everybody's when `user` is None; newest first.
    pub async fn sign_ins(
        &self,
        user: Option<(Uuid, &str)>,
        limit: i64,
    ) -> Result<Vec<SignInRow>, StoreError> {
        let (id, email) = user.unzip();
        let sql = "SELECT action, actor_label, target_label, ip, user_agent, created_at FROM audit_events
                   WHERE action LIKE 'login.%' AND workspace_id IS NULL
                     AND ($1 IS NULL OR actor_user_id = $1 OR (actor_kind = 'system' AND target_label = $2))
                   ORDER BY created_at DESC, id DESC LIMIT $3";
        Ok(
            on_pool!(self, pool => sqlx::query_as(sql).bind(id).bind(email).bind(limit).fetch_all(pool).await?),
        )
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
