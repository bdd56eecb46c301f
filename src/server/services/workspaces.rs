//! Workspaces and their members.

use serde_json::json;
use uuid::Uuid;

use super::{Principal, RequestMeta, audit_by, invitations};
use crate::{
    domain::{
        api_permission::ApiPermission,
        error::AppError,
        permission::{MemberAction, authorize_member, may_change_settings, may_manage_members},
        role::Role,
        validation,
    },
    model::{CurrentUser, Member, MembersPage, WorkspaceSummary},
    server::store::{
        Db,
        workspaces::{MemberChange, MemberRow, WorkspaceRow},
    },
};

/// A role as stored; a bad stored value is the server's fault, logged.
pub(crate) fn parse_role(stored: &str) -> Result<Role, AppError> {
    stored.parse().map_err(|error| {
        tracing::error!("stored role: {error}");
        AppError::Internal
    })
}

fn summary(row: WorkspaceRow) -> Result<WorkspaceSummary, AppError> {
    Ok(WorkspaceSummary {
        id: row.id,
        role: parse_role(&row.role)?,
        name: row.name,
    })
}

fn member(row: MemberRow) -> Result<Member, AppError> {
    Ok(Member {
        user_id: row.user_id,
        role: parse_role(&row.role)?,
        email: row.email,
        name: row.name,
        joined_at: row.created_at,
    })
}

/// The workspace as `user` sees it, or not found when they are not a member (whether or
/// not it exists).
pub async fn membership(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
) -> Result<WorkspaceSummary, AppError> {
    match actor.into() {
        Principal::User(user) => match db.workspace_for(workspace_id, user.id).await? {
            Some(row) => summary(row),
            None => Err(AppError::NotFound),
        },
        // A token lives in one workspace and acts there with its scope as its role.
        Principal::Token(token) if token.workspace_id == workspace_id => {
            let name = db
                .workspace_name(workspace_id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(WorkspaceSummary {
                id: workspace_id,
                name,
                role: token.scope,
            })
        }
        Principal::Token(_) => Err(AppError::NotFound),
    }
}

/// The workspace's details (`workspace:read` for tokens).
pub async fn get(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
) -> Result<WorkspaceSummary, AppError> {
    let actor: Principal = actor.into();
    let workspace = membership(db, &actor, workspace_id).await?;
    actor.require(ApiPermission::WorkspaceRead)?;
    Ok(workspace)
}

pub async fn list(db: &Db, user: &CurrentUser) -> Result<Vec<WorkspaceSummary>, AppError> {
    db.workspaces_of(user.id)
        .await?
        .into_iter()
        .map(summary)
        .collect()
}

/// A new workspace with `user` as its Owner. Who may create one is the instance's
/// setting (`workspace_creation`), applied to `user.may_create_workspaces`.
pub async fn create(
    db: &Db,
    user: &CurrentUser,
    name: &str,
    meta: &RequestMeta,
    now: i64,
) -> Result<WorkspaceSummary, AppError> {
    if !user.may_create_workspaces {
        return Err(AppError::Forbidden(
            "Only the instance admin may create workspaces here (workspace_creation = \"admins\"). Ask them to create one and invite you.".into(),
        ));
    }
    let name = validation::workspace_name(name)?;
    let id = Uuid::now_v7();
    let audit = audit_by(&user.into(), Some(id), "workspace.created", meta, now)
        .target("workspace", id, &name)
        .changes(json!({ "name": name }));
    db.create_workspace(id, &name, user.id, now, &audit).await?;
    Ok(WorkspaceSummary {
        id,
        name,
        role: Role::Owner,
    })
}

/// Changes the workspace's settings (its name): Administrators and Owners.
pub async fn rename(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    name: &str,
    meta: &RequestMeta,
    now: i64,
) -> Result<WorkspaceSummary, AppError> {
    let actor: Principal = actor.into();
    let workspace = membership(db, &actor, workspace_id).await?;
    actor.require(ApiPermission::WorkspaceWrite)?;
    if !may_change_settings(workspace.role) {
        return Err(AppError::Forbidden(
            "Only Administrators and Owners can change the workspace's settings.".into(),
        ));
    }
    let name = validation::workspace_name(name)?;
    if name == workspace.name {
        return Ok(workspace);
    }
    let audit = audit_by(
        &actor,
        Some(workspace_id),
        "workspace.settings_changed",
        meta,
        now,
    )
    .target("workspace", workspace_id, &name)
    .changes(json!({ "name": { "from": workspace.name, "to": name } }));
    if !db
        .rename_workspace(workspace_id, &name, now, &audit)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(WorkspaceSummary { name, ..workspace })
}

pub async fn members(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    now: i64,
) -> Result<MembersPage, AppError> {
    let actor: Principal = actor.into();
    let workspace = membership(db, &actor, workspace_id).await?;
    actor.require(ApiPermission::MembersRead)?;
    let members = db
        .members(workspace_id)
        .await?
        .into_iter()
        .map(member)
        .collect::<Result<Vec<_>, _>>()?;
    let can_manage = may_manage_members(workspace.role);
    let grantable_roles = if can_manage {
        workspace.role.at_or_below().collect()
    } else {
        Vec::new()
    };
    let invitations = invitations::list(db, &actor, workspace_id, now).await?;
    Ok(MembersPage {
        workspace,
        can_manage,
        grantable_roles,
        members,
        invitations,
        now,
    })
}

async fn target_member(db: &Db, workspace_id: Uuid, user_id: Uuid) -> Result<Member, AppError> {
    db.members(workspace_id)
        .await?
        .into_iter()
        .find(|m| m.user_id == user_id)
        .map(member)
        .transpose()?
        .ok_or(AppError::NotFound)
}

/// A role to grant that is above the granter's own: said about the `role` field.
pub(crate) fn above_own_role(own: Role) -> AppError {
    AppError::invalid(
        "role",
        format!("You can grant at most your own role ({}).", own.label()),
    )
}

const LAST_OWNER: &str = "A workspace needs at least one Owner: make someone else an Owner first.";

pub async fn change_role(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    member_id: Uuid,
    role: Role,
    meta: &RequestMeta,
    now: i64,
) -> Result<Member, AppError> {
    let actor: Principal = actor.into();
    let workspace = membership(db, &actor, workspace_id).await?;
    actor.require(ApiPermission::MembersWrite)?;
    authorize_member(Some(workspace.role), MemberAction::ChangeRole, Role::Viewer)?;
    let target = target_member(db, workspace_id, member_id).await?;
    authorize_member(Some(workspace.role), MemberAction::ChangeRole, target.role)?;
    authorize_member(Some(workspace.role), MemberAction::ChangeRole, role)
        .map_err(|_| above_own_role(workspace.role))?;
    let audit = audit_by(&actor, Some(workspace_id), "member.role_changed", meta, now)
        .target("user", member_id, &target.email)
        .changes(json!({ "role": { "from": target.role.as_str(), "to": role.as_str() } }));
    match db
        .change_member_role(workspace_id, member_id, role.as_str(), now, &audit)
        .await?
    {
        MemberChange::Done => Ok(Member { role, ..target }),
        MemberChange::LastOwner => Err(AppError::Conflict(LAST_OWNER.into())),
        _ => Err(AppError::NotFound),
    }
}

pub async fn remove_member(
    db: &Db,
    actor: impl Into<Principal>,
    workspace_id: Uuid,
    member_id: Uuid,
    meta: &RequestMeta,
    now: i64,
) -> Result<(), AppError> {
    let actor: Principal = actor.into();
    let workspace = membership(db, &actor, workspace_id).await?;
    actor.require(ApiPermission::MembersWrite)?;
    authorize_member(Some(workspace.role), MemberAction::Remove, Role::Viewer)?;
    let target = target_member(db, workspace_id, member_id).await?;
    authorize_member(Some(workspace.role), MemberAction::Remove, target.role)?;
    let audit = audit_by(&actor, Some(workspace_id), "member.removed", meta, now)
        .target("user", member_id, &target.email)
        .changes(json!({ "role": target.role.as_str() }));
    match db.remove_member(workspace_id, member_id, &audit).await? {
        MemberChange::Done => Ok(()),
        MemberChange::LastOwner => Err(AppError::Conflict(LAST_OWNER.into())),
        _ => Err(AppError::NotFound),
    }
}
