//! Audit records, written in the same transaction as the change they describe.

use uuid::Uuid;

/// Who did something.
#[derive(Clone, Debug)]
pub enum Actor {
    User {
        id: Uuid,
        email: String,
    },
    /// A token, and the person behind it (a personal token's owner, or whoever made a
    /// workspace's token) while their account exists.
    Token {
        id: Uuid,
        label: String,
        person: Option<Uuid>,
    },
    System,
}

/// One audit record to write.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub id: Uuid,
    pub workspace_id: Option<Uuid>,
    pub actor: Actor,
    pub action: &'static str,
    pub target_kind: Option<&'static str>,
    pub target_id: Option<Uuid>,
    pub target_label: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// JSON describing what changed.
    pub changes: Option<String>,
    pub created_at: i64,
    /// Notification mail the change causes, written with it.
    pub mail: Vec<super::outbox::OutgoingMail>,
}

impl AuditEvent {
    pub fn actor_kind(&self) -> &'static str {
        match self.actor {
            Actor::User { .. } => "user",
            Actor::Token { .. } => "token",
            Actor::System => "system",
        }
    }
    pub fn actor_user_id(&self) -> Option<Uuid> {
        match self.actor {
            Actor::User { id, .. } => Some(id),
            Actor::Token { person, .. } => person,
            Actor::System => None,
        }
    }
    pub fn actor_token_id(&self) -> Option<Uuid> {
        match self.actor {
            Actor::Token { id, .. } => Some(id),
            _ => None,
        }
    }
    pub fn actor_label(&self) -> String {
        match &self.actor {
            Actor::User { email, .. } => email.clone(),
            Actor::Token { label, .. } => label.clone(),
            Actor::System => "system".to_owned(),
        }
    }
}

/// Inserts an [`AuditEvent`] and the mail it causes through `$executor` (a pool or
/// `&mut *transaction` of either engine). A macro so the one SQL text serves both
/// engines' types.
#[macro_export]
macro_rules! insert_audit {
    ($executor:expr, $event:expr) => {{
        let event: &$crate::server::store::audit::AuditEvent = $event;
        // The record, then the mail the change causes, through the same executor.
        async {
        sqlx::query(
            "INSERT INTO audit_events (id, workspace_id, actor_kind, actor_user_id, actor_token_id,
                 actor_label, action, target_kind, target_id, target_label, ip, user_agent,
                 changes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(event.id)
        .bind(event.workspace_id)
        .bind(event.actor_kind())
        .bind(event.actor_user_id())
        .bind(event.actor_token_id())
        .bind(event.actor_label())
        .bind(event.action)
        .bind(event.target_kind)
        .bind(event.target_id)
        .bind(event.target_label.clone())
        .bind(event.ip.clone())
        .bind(event.user_agent.clone())
        .bind(event.changes.clone())
        .bind(event.created_at)
        .execute($executor)
        .await?;
        for mail in &event.mail {
            $crate::insert_mail!($executor, mail, event.created_at)?;
        }
        Ok::<(), sqlx::Error>(())
        }
        .await
    }};
}

/// An audit record as read back.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub workspace_id: Option<Uuid>,
    pub actor_kind: String,
    pub actor_user_id: Option<Uuid>,
    pub actor_token_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<Uuid>,
    pub target_label: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub changes: Option<String>,
    pub created_at: i64,
}

/// Which records of a workspace to read (all filters combine), newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// A `LIKE` pattern over the actor's label, lower-cased (see [`like_pattern`]).
    pub actor: Option<String>,
    /// A `LIKE` pattern over the action.
    pub action: Option<String>,
    /// A `LIKE` pattern over the target's label, lower-cased.
    pub target: Option<String>,
    /// The target's id (matches besides the label pattern).
    pub target_id: Option<Uuid>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    /// Only records older than this `(created_at, id)`: where the previous page ended.
    pub before: Option<(i64, Uuid)>,
    pub limit: i64,
}

/// A `LIKE` pattern (escape character `\`) matching text that contains `needle`.
pub fn like_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl super::Db {
    /// Writes an audit record (and the mail it carries) on its own: an act that changes
    /// nothing else (a copied secret, a failed sign-in).
    pub async fn record(&self, audit: &AuditEvent) -> Result<(), super::StoreError> {
        super::audited::audited_write!(self, tx => {}, () => audit);
        Ok(())
    }

    /// A workspace's audit records, newest first. Sign-ins belong to the person, not to
    /// any workspace: they are not here (a workspace's admins must not see where its
    /// members sign in from), but on each person's account page.
    pub async fn audit_page(
        &self,
        workspace_id: Uuid,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRow>, super::StoreError> {
        let sql = r"SELECT id, workspace_id, actor_kind, actor_user_id, actor_token_id, actor_label,
                          action, target_kind, target_id, target_label, ip, user_agent, changes,
                          created_at
                   FROM audit_events e
                   WHERE e.workspace_id = $1
                     AND ($2 IS NULL OR lower(e.actor_label) LIKE $2 ESCAPE '\')
                     AND ($3 IS NULL OR e.action LIKE $3 ESCAPE '\')
                     AND (($4 IS NULL AND $5 IS NULL)
                          OR lower(coalesce(e.target_label, '')) LIKE $4 ESCAPE '\'
                          OR e.target_id = $5)
                     AND ($6 IS NULL OR e.created_at >= $6)
                     AND ($7 IS NULL OR e.created_at < $7)
                     AND ($8 IS NULL OR e.created_at < $8 OR (e.created_at = $8 AND e.id < $9))
                   ORDER BY e.created_at DESC, e.id DESC LIMIT $10";
        let (before_at, before_id) = filter.before.unzip();
        Ok(crate::on_pool!(self, pool => sqlx::query_as(sql)
            .bind(workspace_id)
            .bind(filter.actor.as_deref())
            .bind(filter.action.as_deref())
            .bind(filter.target.as_deref())
            .bind(filter.target_id)
            .bind(filter.from)
            .bind(filter.until)
            .bind(before_at)
            .bind(before_id)
            .bind(filter.limit)
            .fetch_all(pool)
            .await?))
    }

    /// The newest `limit` records of a workspace, unfiltered.
    pub async fn audit_events(
        &self,
        workspace_id: Uuid,
        limit: i64,
    ) -> Result<Vec<AuditRow>, super::StoreError> {
        let filter = AuditFilter {
            limit,
            ..AuditFilter::default()
        };
        self.audit_page(workspace_id, &filter).await
    }
}
