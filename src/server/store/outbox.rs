//! Notification mail waiting to be sent, sent, or held. See migrations' `outbox`.

use uuid::Uuid;

use super::{Db, StoreError};
use crate::{model::OutboxEntry, on_pool};

/// A message to write with the change that causes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    pub id: Uuid,
    pub workspace_id: Option<Uuid>,
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Goes out once only for this key.
    pub dedup_key: Option<String>,
}

impl OutgoingMail {
    /// A message to one person, outside (`None`) or inside a workspace.
    pub fn new(
        workspace_id: Option<Uuid>,
        kind: &'static str,
        recipient: &str,
        notice: crate::domain::notify::Notice,
    ) -> OutgoingMail {
        OutgoingMail {
            id: Uuid::now_v7(),
            workspace_id,
            kind,
            recipient: recipient.to_owned(),
            subject: notice.subject,
            body: notice.body,
            dedup_key: None,
        }
    }

    /// Listed in `workspace_id`'s outbox (its Owners see it there).
    pub fn with_workspace(mut self, workspace_id: Uuid) -> OutgoingMail {
        self.workspace_id = Some(workspace_id);
        self
    }
}

/// Inserts an [`OutgoingMail`] as `pending` through `$executor`, due at `$now`; a message
/// whose `dedup_key` is already there is skipped.
#[macro_export]
macro_rules! insert_mail {
    ($executor:expr, $mail:expr, $now:expr) => {{
        let mail: &$crate::server::store::outbox::OutgoingMail = $mail;
        sqlx::query(
            "INSERT INTO outbox (id, workspace_id, kind, recipient, subject, body, dedup_key,
                 status, attempts, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8)
             ON CONFLICT (dedup_key) DO NOTHING",
        )
        .bind(mail.id)
        .bind(mail.workspace_id)
        .bind(mail.kind)
        .bind(&mail.recipient)
        .bind(&mail.subject)
        .bind(&mail.body)
        .bind(mail.dedup_key.as_deref())
        .bind($now)
        .execute($executor)
        .await
        .map(|done| done.rows_affected())
    }};
}

/// A stored message as the sender needs it (the outbox page reads an `OutboxEntry`).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MailRow {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
}

const MAIL_COLUMNS: &str = "id, recipient, subject, body, attempts, next_attempt_at";

/// A token whose expiry may call for a reminder.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExpiringToken {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub workspace_name: String,
    pub label: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub creator_email: String,
}

impl Db {
    /// Queues messages on their own (reminders); returns how many were new.
    pub async fn queue_mail(&self, mail: &[OutgoingMail], now: i64) -> Result<u64, StoreError> {
        let mut added = 0;
        on_pool!(self, pool => {
            let mut tx = crate::server::store::BeginWrite::begin_write(pool).await?;
            for one in mail {
                added += crate::insert_mail!(&mut *tx, one, now)?;
            }
            tx.commit().await?;
        });
        Ok(added)
    }

    /// Pending messages due at `now`, oldest first.
    pub async fn due_mail(&self, now: i64, limit: i64) -> Result<Vec<MailRow>, StoreError> {
        let sql = format!(
            "SELECT {MAIL_COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
             ORDER BY next_attempt_at, id LIMIT $2"
        );
        Ok(
            on_pool!(self, pool => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(pool).await?),
        )
    }

    /// Takes a due message for this instance until `lease_until` (another instance that
    /// read it too gets `false` and leaves it).
    pub async fn claim_mail(
        &self,
        id: Uuid,
        seen_next_attempt_at: i64,
        lease_until: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE outbox SET next_attempt_at = $3
                   WHERE id = $1 AND status = 'pending' AND next_attempt_at = $2";
        let claimed = on_pool!(self, pool => sqlx::query(sql).bind(id).bind(seen_next_attempt_at)
            .bind(lease_until).execute(pool).await?.rows_affected());
        Ok(claimed == 1)
    }

    /// Records the outcome of one try: `sent`, `held` (no relay), or a failure to retry at
    /// `next_attempt_at` (or `failed` for good). `error` is for Owners and operators.
    pub async fn settle_mail(
        &self,
        id: Uuid,
        status: &str,
        attempts: i64,
        next_attempt_at: i64,
        error: Option<&str>,
        sent_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE outbox SET status = $2, attempts = $3, next_attempt_at = $4,
                       last_error = $5, sent_at = $6 WHERE id = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(id).bind(status).bind(attempts)
            .bind(next_attempt_at).bind(error).bind(sent_at).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// How many messages the outbox holds in each status (pending, sent, held, failed).
    pub async fn outbox_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let sql = "SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?))
    }

    /// A workspace's messages, newest first.
    pub async fn outbox(
        &self,
        workspace_id: Uuid,
        limit: i64,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let sql = "SELECT id, kind, recipient, subject, body, status, attempts, last_error,
                created_at, sent_at
            FROM outbox WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2";
        Ok(
            on_pool!(self, pool => sqlx::query_as(sql).bind(workspace_id).bind(limit).fetch_all(pool).await?),
        )
    }

    /// Enabled tokens that expire after `now` and by `until`, whose creator is still a
    /// member of the token's workspace: someone who has left is no longer told about it.
    /// A token rotated out is left alone: its end is its grace, chosen by whoever rotated.
    pub async fn expiring_tokens(
        &self,
        now: i64,
        until: i64,
    ) -> Result<Vec<ExpiringToken>, StoreError> {
        let sql = "SELECT t.id, t.workspace_id, w.name AS workspace_name, t.label, t.created_at,
                          t.expires_at, u.email AS creator_email
                   FROM access_tokens t
                   JOIN workspaces w ON w.id = t.workspace_id
                   JOIN users u ON u.id = t.created_by
                   JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = t.created_by
                   WHERE t.disabled_at IS NULL AND t.expires_at > $1 AND t.expires_at <= $2
                     AND t.rotated_to IS NULL";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).bind(now).bind(until).fetch_all(pool).await?))
    }
}
