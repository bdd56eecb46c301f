//! Invitations to join a workspace. Only a keyed digest of each code is stored; an
//! invitation is answered once (the claim and the membership are one transaction).

use uuid::Uuid;

use super::{Db, StoreError, accounts::NewUser, audit::AuditEvent, audited::audited_write};
use crate::{domain::role::Role, insert_user, on_pool};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub email: String,
    pub role: Role,
    pub invited_by_user: Option<Uuid>,
    pub invited_by_label: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub status: String,
    pub resolved_at: Option<i64>,
}

const COLUMNS: &str =
    "i.id, i.workspace_id, i.email, i.role, i.invited_by_user, i.invited_by_label,
    i.created_at, i.expires_at, i.status, i.resolved_at";

pub struct NewInvitation<'a> {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub email: &'a str,
    pub role: Role,
    pub code_digest: &'a [u8],
    pub invited_by_user: Option<Uuid>,
    pub invited_by_token: Option<Uuid>,
    pub invited_by_label: &'a str,
    pub expires_at: i64,
}

/// What became of an invitation write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationWrite {
    Done,
    /// The email already belongs to a member.
    AlreadyMember,
    /// An invitation for the email is already open (resend it instead).
    AlreadyInvited,
    /// No such open invitation (answered, revoked, expired, or never there).
    Gone,
}

/// Who answers an invitation.
pub enum Invitee<'a> {
    Existing(Uuid),
    /// A new account, made in the same transaction.
    New(&'a NewUser<'a>),
    /// Declining needs no account.
    Nobody,
}

impl Db {
    /// Opens an invitation (with its audit record and mail). An open invitation for the
    /// same email that has expired is closed first.
    pub async fn insert_invitation(
        &self,
        invitation: &NewInvitation<'_>,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<InvitationWrite, StoreError> {
        let opened = audited_write!(self, tx => {
            let members: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE m.workspace_id = $1 AND u.email = $2",
            )
            .bind(invitation.workspace_id).bind(invitation.email)
            .fetch_one(&mut *tx).await?;
            if members > 0 {
                InvitationWrite::AlreadyMember
            } else {
                sqlx::query(
                    "UPDATE invitations SET status = 'revoked', resolved_at = $3
                     WHERE workspace_id = $1 AND email = $2 AND status = 'pending' AND expires_at <= $3",
                )
                .bind(invitation.workspace_id).bind(invitation.email).bind(now)
                .execute(&mut *tx).await?;
                let done = sqlx::query(
                    "INSERT INTO invitations (id, workspace_id, email, role, code_digest, invited_by_user,
                         invited_by_token, invited_by_label, created_at, expires_at, status)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending')
                     ON CONFLICT (workspace_id, email) WHERE status = 'pending' DO NOTHING",
                )
                .bind(invitation.id).bind(invitation.workspace_id).bind(invitation.email)
                .bind(invitation.role).bind(invitation.code_digest).bind(invitation.invited_by_user)
                .bind(invitation.invited_by_token).bind(invitation.invited_by_label).bind(now)
                .bind(invitation.expires_at)
                .execute(&mut *tx).await?;
                match done.rows_affected() {
                    0 => InvitationWrite::AlreadyInvited,
                    _ => InvitationWrite::Done,
                }
            }
        }, InvitationWrite::Done => audit);
        Ok(opened)
    }

    /// A workspace's open invitations and those answered in the last 30 days, newest first.
    pub async fn invitations(
        &self,
        workspace_id: Uuid,
        since: i64,
    ) -> Result<Vec<InvitationRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM invitations i
             WHERE i.workspace_id = $1 AND (i.status = 'pending' OR i.resolved_at >= $2)
             ORDER BY i.created_at DESC, i.id DESC LIMIT 200"
        );
        Ok(
            on_pool!(self, pool => sqlx::query_as(&sql).bind(workspace_id).bind(since).fetch_all(pool).await?),
        )
    }

    pub async fn invitation(
        &self,
        workspace_id: Uuid,
        id: Uuid,
    ) -> Result<Option<InvitationRow>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM invitations i WHERE i.workspace_id = $1 AND i.id = $2");
        Ok(
            on_pool!(self, pool => sqlx::query_as(&sql).bind(workspace_id).bind(id).fetch_optional(pool).await?),
        )
    }

    /// The open invitation a code opens, with its workspace's name.
    pub async fn invitation_by_code(
        &self,
        code_digest: &[u8],
        now: i64,
    ) -> Result<Option<(InvitationRow, String)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Found {
            #[sqlx(flatten)]
            row: InvitationRow,
            workspace_name: String,
        }
        let sql = format!(
            "SELECT {COLUMNS}, w.name AS workspace_name FROM invitations i
             JOIN workspaces w ON w.id = i.workspace_id
             WHERE i.code_digest = $1 AND i.status = 'pending' AND i.expires_at > $2"
        );
        let found: Option<Found> = on_pool!(self, pool => sqlx::query_as(&sql).bind(code_digest).bind(now).fetch_optional(pool).await?);
        Ok(found.map(|found| (found.row, found.workspace_name)))
    }

    /// Gives an open invitation a new code and expiry (the old link stops working).
    pub async fn renew_invitation(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        code_digest: &[u8],
        expires_at: i64,
        audit: &AuditEvent,
    ) -> Result<InvitationWrite, StoreError> {
        self.close_or_change(
            "UPDATE invitations SET code_digest = $3, expires_at = $4
             WHERE workspace_id = $1 AND id = $2 AND status = 'pending'",
            workspace_id,
            id,
            Some(code_digest),
            expires_at,
            audit,
        )
        .await
    }

    /// Closes an open invitation: its link stops working.
    pub async fn revoke_invitation(
        &self,
        workspace_id: Uuid,
        id: Uuid,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<InvitationWrite, StoreError> {
        self.close_or_change(
            "UPDATE invitations SET status = 'revoked', resolved_at = $4
             WHERE workspace_id = $1 AND id = $2 AND status = 'pending'
               AND ($3 IS NULL OR code_digest <> $3)",
            workspace_id,
            id,
            None,
            now,
            audit,
        )
        .await
    }

    async fn close_or_change(
        &self,
        sql: &str,
        workspace_id: Uuid,
        id: Uuid,
        digest: Option<&[u8]>,
        time: i64,
        audit: &AuditEvent,
    ) -> Result<InvitationWrite, StoreError> {
        let written = audited_write!(self, tx => {
            let done = sqlx::query(sql).bind(workspace_id).bind(id).bind(digest).bind(time)
                .execute(&mut *tx).await?;
            match done.rows_affected() {
                0 => InvitationWrite::Gone,
                _ => InvitationWrite::Done,
            }
        }, InvitationWrite::Done => audit);
        Ok(written)
    }

    /// Answers an open invitation once: claims it, makes the new account if there is one,
    /// and on acceptance the membership, in one transaction. `Gone` (nothing written) if
    /// it was answered, revoked or expired meanwhile — also when two answer it at once.
    pub async fn answer_invitation(
        &self,
        invitation: &InvitationRow,
        accept: bool,
        invitee: Invitee<'_>,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<InvitationWrite, StoreError> {
        let status = if accept { "accepted" } else { "declined" };
        let answered = audited_write!(self, tx => {
            let claimed = sqlx::query(
                "UPDATE invitations SET status = $2, resolved_at = $3
                 WHERE id = $1 AND status = 'pending' AND expires_at > $3",
            )
            .bind(invitation.id).bind(status).bind(now)
            .execute(&mut *tx).await?;
            if claimed.rows_affected() == 0 {
                InvitationWrite::Gone
            } else {
                let user_id = match invitee {
                    Invitee::Existing(id) => Some(id),
                    Invitee::New(user) => {
                        insert_user!(&mut *tx, user, now)?;
                        Some(user.id)
                    }
                    Invitee::Nobody => None,
                };
                if let (true, Some(user_id)) = (accept, user_id) {
                    sqlx::query(
                        "INSERT INTO memberships (workspace_id, user_id, role, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (workspace_id, user_id) DO NOTHING",
                    )
                    .bind(invitation.workspace_id).bind(user_id).bind(invitation.role).bind(now)
                    .execute(&mut *tx).await?;
                }
                InvitationWrite::Done
            }
        }, InvitationWrite::Done => audit);
        Ok(answered)
    }
}
