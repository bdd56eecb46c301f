//! Audit records, written in the same transaction as the change they describe.

use uuid::Uuid;

/// Who did something.
#[derive(Clone, Debug)]
pub enum Actor {
    User { id: Uuid, email: String },
    Token { id: Uuid, label: String },
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
            _ => None,
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

/// Inserts an [`AuditEvent`] through `$executor` (a pool or `&mut *transaction` of
/// either engine). A macro so the one SQL text serves both engines' types.
#[macro_export]
macro_rules! insert_audit {
    ($executor:expr, $event:expr) => {{
        let event: &$crate::server::store::audit::AuditEvent = $event;
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
        .await
        .map(|_| ())
    }};
}

/// An audit record as read back.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub workspace_id: Option<Uuid>,
    pub actor_kind: String,
    pub actor_user_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub target_id: Option<Uuid>,
    pub target_label: Option<String>,
    pub changes: Option<String>,
    pub created_at: i64,
}

impl super::Db {
    /// A workspace's audit records, newest first.
    pub async fn audit_events(
        &self,
        workspace_id: Uuid,
        limit: i64,
    ) -> Result<Vec<AuditRow>, super::StoreError> {
        let sql = "SELECT id, workspace_id, actor_kind, actor_user_id, actor_label, action,
                          target_id, target_label, changes, created_at
                   FROM audit_events WHERE workspace_id = $1
                   ORDER BY created_at DESC, id DESC LIMIT $2";
        Ok(crate::on_pool!(self, pool => sqlx::query_as(sql)
            .bind(workspace_id)
            .bind(limit)
            .fetch_all(pool)
            .await?))
    }
}
