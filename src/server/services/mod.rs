//! The rules applied to stored data: every server function and REST handler goes
//! through these, so each rule is written once. Each takes the acting user (already
//! authenticated), the request's metadata for the audit log, and `now`.

pub mod accounts;
pub mod tokens;
pub mod workspaces;

use uuid::Uuid;

use super::store::{
    StoreError,
    audit::{Actor, AuditEvent},
};
use crate::{domain::error::AppError, model::CurrentUser};

/// Where a request came from, for the audit log and throttling.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        tracing::error!("{error}");
        AppError::Internal
    }
}

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// An audit event by `user`, to be filled in with its target and changes.
pub(crate) fn audit_by(
    user: &CurrentUser,
    workspace_id: Option<Uuid>,
    action: &'static str,
    meta: &RequestMeta,
    now: i64,
) -> AuditEvent {
    AuditEvent {
        id: Uuid::now_v7(),
        workspace_id,
        actor: Actor::User {
            id: user.id,
            email: user.email.clone(),
        },
        action,
        target_kind: None,
        target_id: None,
        target_label: None,
        ip: meta.ip.clone(),
        user_agent: meta.user_agent.clone(),
        changes: None,
        created_at: now,
    }
}

impl AuditEvent {
    pub(crate) fn target(mut self, kind: &'static str, id: Uuid, label: &str) -> AuditEvent {
        self.target_kind = Some(kind);
        self.target_id = Some(id);
        self.target_label = Some(label.to_owned());
        self
    }

    pub(crate) fn changes(mut self, changes: serde_json::Value) -> AuditEvent {
        self.changes = Some(changes.to_string());
        self
    }
}

/// Runs argon2 off the async worker threads.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work).await.map_err(|error| {
        tracing::error!("a blocking task failed: {error}");
        AppError::Internal
    })
}
