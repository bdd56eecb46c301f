//! Workspaces and memberships. Changes that could leave a workspace without an Owner
//! check the count inside their transaction, so two admins acting at once cannot race
//! past the rule.

use uuid::Uuid;

use super::{
    Db, Engine, StoreError, accounts::NewUser, audit::AuditEvent, audited::audited_write,
    token_cache::Stale,
};
use crate::{
    domain::{policy::TokenPolicy, role::Role},
    insert_user,
    model::WorkspaceSummary,
    on_pool,
};

#[derive(sqlx::FromRow)]
struct PolicyRow {
    approve_personal_tokens: bool,
    secret_shown_once: bool,
    max_token_lifetime_days: Option<i64>,
    token_lifetime_grace_until: Option<i64>,
    max_token_scope: Option<Role>,
}

impl PolicyRow {
    fn into_policy(self) -> TokenPolicy {
        TokenPolicy {
            approve_personal_tokens: self.approve_personal_tokens,
            secret_shown_once: self.secret_shown_once,
            max_lifetime_days: self.max_token_lifetime_days,
            lifetime_grace_until: self.token_lifetime_grace_until,
            max_scope: self.max_token_scope,
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: i64,
}

/// What became of a membership change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberChange {
    Done,
    /// The user is not (or, for an add, already) a member.
    NoSuchMember,
    AlreadyMember,
    /// The change would leave the workspace without an Owner; nothing was changed.
    LastOwner,
}

macro_rules! insert_workspace_with_owner {
    ($tx:expr, $id:expr, $name:expr, $owner:expr, $now:expr) => {{
        sqlx::query(
            "INSERT INTO workspaces (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)",
        )
        .bind($id)
        .bind($name)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO memberships (workspace_id, user_id, role, created_at, updated_at)
             VALUES ($1, $2, 'owner', $3, $3)",
        )
        .bind($id)
        .bind($owner)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}

const COUNT_USERS: &str = "SELECT COUNT(*) FROM users";

const COUNT_OWNERS: &str =
    "SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner'";

/// Inside a transaction, runs `$statement` (a membership change that may take an Owner
/// away) and tells what became of it: no such member, the last Owner gone, or done.
///
/// On PostgreSQL, under READ COMMITTED, two such changes would each count the other's
/// Owner as still there and both commit; the workspace row's lock makes them take turns,
/// so the second counts after the first has committed. `NO KEY UPDATE` leaves the
/// foreign-key checks of token and audit writes in the workspace unblocked. SQLite needs
/// no lock: the change's first statement is its write, which waits for any other writer to
/// commit before it reads anything.
macro_rules! change_owner_set {
    ($db:expr, $tx:ident, $workspace_id:expr, $statement:expr) => {{
        if $db.engine() == Engine::Postgres {
            sqlx::query("SELECT id FROM workspaces WHERE id = $1 FOR NO KEY UPDATE")
                .bind($workspace_id)
                .execute(&mut *$tx)
                .await?;
        }
        let changed = $statement.execute(&mut *$tx).await?.rows_affected();
        if changed == 0 {
            MemberChange::NoSuchMember
        } else {
            let owners: i64 = sqlx::query_scalar(COUNT_OWNERS)
                .bind($workspace_id)
                .fetch_one(&mut *$tx)
                .await?;
            if owners == 0 {
                MemberChange::LastOwner
            } else {
                MemberChange::Done
            }
        }
    }};
}

impl Db {
    /// The first account and its workspace, only while no user exists. `Ok(false)` when
    /// someone else got there first (nothing is written then).
    pub async fn create_first_owner(
        &self,
        user: &NewUser<'_>,
        workspace_id: Uuid,
        workspace_name: &str,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let created = audited_write!(self, tx => {
            let users: i64 = sqlx::query_scalar(COUNT_USERS).fetch_one(&mut *tx).await?;
            if users > 0 {
                false
            } else {
                insert_user!(&mut *tx, user, now)?;
                insert_workspace_with_owner!(tx, workspace_id, workspace_name, user.id, now);
                let users: i64 = sqlx::query_scalar(COUNT_USERS).fetch_one(&mut *tx).await?;
                users == 1
            }
        }, true => audit);
        Ok(created)
    }

    pub async fn create_workspace(
        &self,
        workspace_id: Uuid,
        name: &str,
        owner: Uuid,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        audited_write!(self, tx => {
            insert_workspace_with_owner!(tx, workspace_id, name, owner, now);
        }, () => audit);
        Ok(())
    }

    /// Renames a workspace. Cached tokens carry the name, so every instance drops that
    /// workspace's tokens. `Ok(false)` when there is no such workspace.
    pub async fn rename_workspace(
        &self,
        workspace_id: Uuid,
        name: &str,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let renamed = audited_write!(self, tx => {
            let done = sqlx::query("UPDATE workspaces SET name = $2, updated_at = $3 WHERE id = $1")
                .bind(workspace_id).bind(name).bind(now)
                .execute(&mut *tx).await?;
            done.rows_affected() > 0
        }, true => audit, Stale::Workspace(workspace_id));
        Ok(renamed)
    }

    /// What a workspace's new tokens get for `which` when their maker gives nothing, as
    /// the column holds it.
    pub async fn token_default(
        &self,
        workspace_id: Uuid,
        which: TokenDefault,
    ) -> Result<Option<String>, StoreError> {
        let sql = match which {
            TokenDefault::AllowedIps => "SELECT default_allowed_ips FROM workspaces WHERE id = $1",
            TokenDefault::RateLimit => "SELECT default_rate_limit FROM workspaces WHERE id = $1",
        };
        let found: Option<Option<String>> = on_pool!(self, pool =>
            sqlx::query_scalar(sql).bind(workspace_id).fetch_optional(pool).await?);
        Ok(found.flatten())
    }

    /// Sets a default of new tokens (tokens that exist keep theirs).
    pub async fn set_token_default(
        &self,
        workspace_id: Uuid,
        which: TokenDefault,
        column: Option<&str>,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let sql = match which {
            TokenDefault::AllowedIps => {
                "UPDATE workspaces SET default_allowed_ips = $2, updated_at = $3 WHERE id = $1"
            }
            TokenDefault::RateLimit => {
                "UPDATE workspaces SET default_rate_limit = $2, updated_at = $3 WHERE id = $1"
            }
        };
        let set = audited_write!(self, tx => {
            let done = sqlx::query(sql)
            .bind(workspace_id).bind(column).bind(now)
            .execute(&mut *tx).await?;
            done.rows_affected() > 0
        }, true => audit);
        Ok(set)
    }

    /// The workspace's token policy; None when there is no such workspace.
    pub async fn token_policy(
        &self,
        workspace_id: Uuid,
    ) -> Result<Option<TokenPolicy>, StoreError> {
        let sql = "SELECT approve_personal_tokens, secret_shown_once, max_token_lifetime_days,
                       token_lifetime_grace_until, max_token_scope
                   FROM workspaces WHERE id = $1";
        let row: Option<PolicyRow> = on_pool!(self, pool => sqlx::query_as(sql).bind(workspace_id).fetch_optional(pool).await?);
        Ok(row.map(PolicyRow::into_policy))
    }

    /// Sets the workspace's token policy; every instance drops the tokens that reach the
    /// workspace, so the next request of each meets the new lifetime limit.
    pub async fn set_token_policy(
        &self,
        workspace_id: Uuid,
        policy: &TokenPolicy,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let set = audited_write!(self, tx => {
            let done = sqlx::query(
                "UPDATE workspaces SET approve_personal_tokens = $2, secret_shown_once = $3,
                     max_token_lifetime_days = $4, token_lifetime_grace_until = $5,
                     max_token_scope = $6, updated_at = $7
                 WHERE id = $1",
            )
            .bind(workspace_id).bind(policy.approve_personal_tokens).bind(policy.secret_shown_once)
            .bind(policy.max_lifetime_days).bind(policy.lifetime_grace_until)
            .bind(policy.max_scope).bind(now)
            .execute(&mut *tx).await?;
            done.rows_affected() > 0
        }, true => audit, Stale::Workspace(workspace_id));
        Ok(set)
    }

    /// The workspaces `user_id` belongs to, by name.
    pub async fn workspaces_of(&self, user_id: Uuid) -> Result<Vec<WorkspaceSummary>, StoreError> {
        let sql = "SELECT w.id, w.name, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
                   WHERE m.user_id = $1 ORDER BY lower(w.name), w.id";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).fetch_all(pool).await?))
    }

    /// The workspace with the role `user_id` has in it, if they are a member.
    pub async fn workspace_for(
        &self,
        workspace_id: Uuid,
        user_id: Uuid,
    ) -> Result<Option<WorkspaceSummary>, StoreError> {
        let sql = "SELECT w.id, w.name, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
                   WHERE m.workspace_id = $1 AND m.user_id = $2";
        Ok(
            on_pool!(self, pool => sqlx::query_as(sql).bind(workspace_id).bind(user_id).fetch_optional(pool).await?),
        )
    }

    pub async fn workspace_name(&self, workspace_id: Uuid) -> Result<Option<String>, StoreError> {
        let sql = "SELECT name FROM workspaces WHERE id = $1";
        Ok(
            on_pool!(self, pool => sqlx::query_scalar(sql).bind(workspace_id).fetch_optional(pool).await?),
        )
    }

    pub async fn members(&self, workspace_id: Uuid) -> Result<Vec<MemberRow>, StoreError> {
        let sql = "SELECT u.id AS user_id, u.email, u.name, m.role, m.created_at
                   FROM memberships m JOIN users u ON u.id = m.user_id
                   WHERE m.workspace_id = $1 ORDER BY lower(u.name), u.email";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).bind(workspace_id).fetch_all(pool).await?))
    }

    /// Adds a member, creating the user first when `new_user` is given.
    pub async fn add_member(
        &self,
        workspace_id: Uuid,
        user_id: Uuid,
        role: Role,
        new_user: Option<&NewUser<'_>>,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<MemberChange, StoreError> {
        let added = audited_write!(self, tx => {
            if let Some(user) = new_user {
                insert_user!(&mut *tx, user, now)?;
            }
            let done = sqlx::query(
                "INSERT INTO memberships (workspace_id, user_id, role, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $4) ON CONFLICT (workspace_id, user_id) DO NOTHING",
            )
            .bind(workspace_id).bind(user_id).bind(role).bind(now)
            .execute(&mut *tx).await?;
            match done.rows_affected() {
                0 => MemberChange::AlreadyMember,
                _ => MemberChange::Done,
            }
        }, MemberChange::Done => audit);
        Ok(added)
    }

    pub async fn change_member_role(
        &self,
        workspace_id: Uuid,
        user_id: Uuid,
        role: Role,
        now: i64,
        audit: &AuditEvent,
    ) -> Result<MemberChange, StoreError> {
        let changed = audited_write!(self, tx => {
            change_owner_set!(self, tx, workspace_id, sqlx::query(
                "UPDATE memberships SET role = $3, updated_at = $4 WHERE workspace_id = $1 AND user_id = $2",
            )
            .bind(workspace_id).bind(user_id).bind(role).bind(now))
        }, MemberChange::Done => audit, Stale::Owner(user_id));
        Ok(changed)
    }

    pub async fn remove_member(
        &self,
        workspace_id: Uuid,
        user_id: Uuid,
        audit: &AuditEvent,
    ) -> Result<MemberChange, StoreError> {
        let removed = audited_write!(self, tx => {
            let removed = change_owner_set!(self, tx, workspace_id,
                sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2")
                    .bind(workspace_id).bind(user_id));
            if removed == MemberChange::Done {
                // Their personal tokens lose the workspace for good: joining again does not
                // bring it back.
                sqlx::query(
                    "DELETE FROM token_workspaces WHERE workspace_id = $1
                     AND token_id IN (SELECT id FROM access_tokens WHERE owner_id = $2)",
                )
                .bind(workspace_id).bind(user_id)
                .execute(&mut *tx).await?;
            }
            removed
        }, MemberChange::Done => audit, Stale::Owner(user_id));
        Ok(removed)
    }
}

/// A guard a workspace gives its new tokens unless their maker chooses otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenDefault {
    AllowedIps,
    RateLimit,
}
