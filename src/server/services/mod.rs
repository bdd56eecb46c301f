//! The rules applied to stored data: every server function and REST handler goes
//! through these, so each rule is written once. Each takes the acting user (already
//! authenticated), the request's metadata for the audit log, and `now`.

pub mod access_audit;
pub mod account_deletion;
pub mod accounts;
pub mod audit;
pub mod bulk_revoke;
pub mod cursor;
pub mod invitations;
pub mod leaks;
pub mod notifications;
pub mod password_changes;
pub mod passwords;
pub mod personal_tokens;
pub mod rate_limits;
pub mod rotation;
pub mod token_check;
pub mod token_views;
pub mod tokens;
pub mod workspaces;

use uuid::Uuid;

use super::store::{
    StoreError,
    audit::{Actor, AuditEvent},
    token_cache::Reach,
};
use crate::{
    domain::{error::AppError, rate_limit::RateLimit, role::Role},
    model::CurrentUser,
};

/// Who is acting: a signed-in person (through the UI) or an access token (through the API).
#[derive(Clone, Debug)]
pub enum Principal {
    User(CurrentUser),
    Token(TokenPrincipal),
}

/// A valid token presented to the API: this request's own copy of the cached
/// [`AuthToken`](super::store::token_cache::AuthToken), with its last use as of the check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPrincipal {
    pub id: Uuid,
    // Copies, not shared counts: a count shared by requests on both worker threads moves
    // its cache line between cores on every request (seen in `make bench`).
    pub label: String,
    /// Where it may act, and with what scope and permissions in each place.
    pub reach: Reach,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    /// How often it may be used (None: no limit).
    pub rate_limit: Option<RateLimit>,
}

impl From<&CurrentUser> for Principal {
    fn from(user: &CurrentUser) -> Self {
        Principal::User(user.clone())
    }
}

impl From<&Principal> for Principal {
    fn from(principal: &Principal) -> Self {
        principal.clone()
    }
}

impl Principal {
    /// The person acting, or the person behind the acting token.
    pub fn person(&self) -> Option<Uuid> {
        match self {
            Principal::User(user) => Some(user.id),
            Principal::Token(token) => token.reach.person(),
        }
    }

    /// The acting token and its label, when a token acts.
    pub fn token(&self) -> Option<(Uuid, &str)> {
        match self {
            Principal::User(_) => None,
            Principal::Token(token) => Some((token.id, &token.label)),
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Principal::User(user) => Some(user.id),
            Principal::Token(_) => None,
        }
    }
}

/// Where a request came from, for the audit log and throttling.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            tracing::warn!("the database is unavailable: {error}");
            return AppError::Unavailable(
                "The database is not answering right now. Try again in a few seconds.".into(),
            );
        }
        tracing::error!("{error}");
        AppError::Internal
    }
}

pub use super::clock::now_ms;

impl Principal {
    /// Who the audit log names for this principal's acts.
    pub(crate) fn audit_actor(&self) -> Actor {
        match self {
            Principal::User(user) => Actor::User {
                id: user.id,
                email: user.email.clone(),
            },
            Principal::Token(token) => token.audit_actor(),
        }
    }
}

impl TokenPrincipal {
    pub(crate) fn audit_actor(&self) -> Actor {
        Actor::Token {
            id: self.id,
            label: self.label.clone(),
            person: self.reach.person(),
        }
    }
}

impl AuditEvent {
    pub(crate) fn target(mut self, kind: &'static str, id: Uuid, label: &str) -> AuditEvent {
        self.target_kind = Some(kind);
        self.target_id = Some(id);
        self.target_label = Some(label.to_owned());
        self
    }

    /// Mail the change causes, written in its transaction.
    pub(crate) fn notify(mut self, mail: Vec<super::store::outbox::OutgoingMail>) -> AuditEvent {
        self.mail.extend(mail);
        self
    }

    pub(crate) fn changes(mut self, changes: serde_json::Value) -> AuditEvent {
        self.changes = Some(changes.to_string());
        self
    }
}

/// A role to grant that is above the granter's own: said about the `role` field.
pub(crate) fn above_own_role(own: Role) -> AppError {
    AppError::invalid(
        "role",
        format!("You can grant at most your own role ({}).", own.label()),
    )
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
