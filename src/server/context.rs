//! The one context every use-case runs in: the shared state (database, keys,
//! configuration), who is acting, where the request came from, and the moment it is
//! served. The server-function door and the REST door each build it once per request;
//! services take `&Ctx` and their input, nothing else.

use uuid::Uuid;

use super::{
    config::Config,
    secrets::Keys,
    services::{self, Principal, RequestMeta},
    state::AppState,
    store::{
        Db,
        audit::{Actor as AuditActor, AuditEvent},
        token_cache::{Grant, Standing},
    },
};
use crate::{
    domain::{
        api_permission::PermissionSet,
        error::AppError,
        permission::{Action, Actor, Denied, authorize},
    },
    model::{CurrentUser, WorkspaceSummary},
};

/// Why a personal token is refused in a workspace that has not yet approved it.
pub const PENDING_APPROVAL: &str = "This personal token is waiting for an Administrator of the workspace to approve it; it cannot act there until then.";

/// A request's context. `P` is who acts: any [`Principal`] (the default), a signed-in
/// person only ([`CurrentUser`]), a token only, or nobody yet (`()`: sign-in, set-up,
/// links in mail).
#[derive(Clone, Debug)]
pub struct Ctx<P = Principal> {
    pub state: AppState,
    pub principal: P,
    pub meta: RequestMeta,
    /// Milliseconds since the Unix epoch, read once so one request sees one moment.
    pub now: i64,
}

impl<P> Ctx<P> {
    pub fn new(state: AppState, principal: P, meta: RequestMeta) -> Ctx<P> {
        Ctx {
            state,
            principal,
            meta,
            now: services::now_ms(),
        }
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub fn keys(&self) -> &Keys {
        &self.state.keys
    }

    pub fn config(&self) -> &Config {
        &self.state.config
    }

    /// The same request with someone else acting (a person who just signed in, say).
    pub fn acting_as<Q>(&self, principal: Q) -> Ctx<Q> {
        Ctx {
            state: self.state.clone(),
            principal,
            meta: self.meta.clone(),
            now: self.now,
        }
    }

    /// An audit event of this request by `actor` (the system, say, for a failed sign-in),
    /// to be filled in with its target and changes.
    pub(crate) fn audit_as(
        &self,
        actor: AuditActor,
        workspace_id: Option<Uuid>,
        action: &'static str,
    ) -> AuditEvent {
        AuditEvent {
            id: Uuid::now_v7(),
            workspace_id,
            actor,
            action,
            target_kind: None,
            target_id: None,
            target_label: None,
            ip: self.meta.ip.clone(),
            user_agent: self.meta.user_agent.clone(),
            changes: None,
            created_at: self.now,
            mail: Vec::new(),
        }
    }
}

impl Ctx<CurrentUser> {
    /// This person as the acting principal, for services any principal may call.
    pub fn acting(&self) -> Ctx {
        self.acting_as(Principal::User(self.principal.clone()))
    }
}

impl Ctx {
    /// The workspace as the acting principal sees it (not found when they are no member,
    /// whether or not it exists), once they may do `action` there.
    pub async fn workspace(
        &self,
        workspace_id: Uuid,
        action: Action,
    ) -> Result<WorkspaceSummary, AppError> {
        let workspace = self.membership(workspace_id).await?;
        self.allow(&workspace, action)?;
        Ok(workspace)
    }

    /// The workspace as the acting principal sees it (their role in it), or not found
    /// when they are no member, whether or not it exists. Services ask
    /// [`Ctx::workspace`], which also authorizes the action, unless the action depends on
    /// what they look up first.
    pub async fn membership(&self, workspace_id: Uuid) -> Result<WorkspaceSummary, AppError> {
        let db = self.db();
        match &self.principal {
            Principal::User(user) => db
                .workspace_for(workspace_id, user.id)
                .await?
                .ok_or(AppError::NotFound),
            // A token acts with its scope there as its role; a personal token's scope is
            // already capped by its owner's role there.
            Principal::Token(token) => {
                let grant = token.reach.grant(workspace_id).ok_or(AppError::NotFound)?;
                match grant.standing(token.expires_at, self.now) {
                    Standing::Acts => Ok(WorkspaceSummary {
                        id: workspace_id,
                        name: grant.workspace_name.clone(),
                        role: grant.scope,
                    }),
                    Standing::Pending => Err(AppError::Forbidden(PENDING_APPROVAL.into())),
                    Standing::OverPolicy(limit) => Err(AppError::Forbidden(limit.refusal())),
                }
            }
        }
    }

    /// Who acts in `workspace`, for the domain's rules.
    pub fn actor(&self, workspace: &WorkspaceSummary) -> Actor {
        match &self.principal {
            Principal::User(_) => Actor::person(workspace.role),
            Principal::Token(token) => Actor::token(
                workspace.role,
                token
                    .reach
                    .grant(workspace.id)
                    .map_or_else(PermissionSet::default, Grant::permissions),
            ),
        }
    }

    /// The one authorization step ([`authorize`]) for an action in a workspace already
    /// looked up.
    pub fn allow(&self, workspace: &WorkspaceSummary, action: Action) -> Result<(), AppError> {
        Ok(self.check(workspace, action)?)
    }

    /// [`Ctx::allow`] with the domain's reason, for a service that words one refusal
    /// its own way.
    pub fn check(&self, workspace: &WorkspaceSummary, action: Action) -> Result<(), Denied> {
        authorize(self.actor(workspace), action)
    }

    /// An audit event by the acting principal, to be filled in with its target and changes.
    pub(crate) fn audit(&self, workspace_id: Option<Uuid>, action: &'static str) -> AuditEvent {
        self.audit_as(self.principal.audit_actor(), workspace_id, action)
    }

    pub fn user_id(&self) -> Option<Uuid> {
        self.principal.user_id()
    }
}
