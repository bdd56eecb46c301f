//! Workspaces and their members.

use serde_json::{Value, json};
use uuid::Uuid;

use super::invitations;
use crate::{
    domain::{
        error::AppError,
        ip_allowlist::IpAllowlist,
        permission::{Action, MemberAction, may_manage_members},
        policy::{PolicyPatch, TokenPolicy},
        rate_limit::RateLimit,
        role::Role,
        validation,
    },
    model::{CurrentUser, Member, MembersPage, WorkspaceSettings, WorkspaceSummary},
    server::{
        context::Ctx,
        store::{
            Db,
            tokens::{allowlist_column, stored_allowlist, stored_rate_limit},
            workspaces::{MemberChange, MemberRow, TokenDefault},
        },
    },
};

fn member(row: MemberRow) -> Member {
    Member {
        user_id: row.user_id,
        role: row.role,
        email: row.email,
        name: row.name,
        joined_at: row.created_at,
    }
}

/// The workspace's details.
pub async fn get(ctx: &Ctx, workspace_id: Uuid) -> Result<WorkspaceSummary, AppError> {
    ctx.workspace(workspace_id, Action::ReadWorkspace).await
}

pub async fn list(ctx: &Ctx<CurrentUser>) -> Result<Vec<WorkspaceSummary>, AppError> {
    Ok(ctx.db().workspaces_of(ctx.principal.id).await?)
}

/// A new workspace with the acting person as its Owner. Who may create one is the
/// instance's setting (`workspace_creation`), applied to `user.may_create_workspaces`.
pub async fn create(ctx: &Ctx<CurrentUser>, name: &str) -> Result<WorkspaceSummary, AppError> {
    let user = &ctx.principal;
    if !user.may_create_workspaces {
        return Err(AppError::Forbidden(
            "Only the instance admin may create workspaces here (workspace_creation = \"admins\"). Ask them to create one and invite you.".into(),
        ));
    }
    let name = validation::workspace_name(name)?;
    let id = Uuid::now_v7();
    let audit = ctx
        .acting()
        .audit(Some(id), "workspace.created")
        .target("workspace", id, &name)
        .changes(json!({ "name": name }));
    ctx.db()
        .create_workspace(id, &name, user.id, ctx.now, &audit)
        .await?;
    Ok(WorkspaceSummary {
        id,
        name,
        role: Role::Owner,
    })
}

/// Changes the workspace's settings (its name): Administrators and Owners.
pub async fn rename(
    ctx: &Ctx,
    workspace_id: Uuid,
    name: &str,
) -> Result<WorkspaceSummary, AppError> {
    let workspace = ctx.workspace(workspace_id, Action::ChangeSettings).await?;
    let name = validation::workspace_name(name)?;
    if name == workspace.name {
        return Ok(workspace);
    }
    let audit = ctx
        .audit(Some(workspace_id), "workspace.settings_changed")
        .target("workspace", workspace_id, &name)
        .changes(json!({ "name": { "from": workspace.name, "to": name } }));
    if !ctx
        .db()
        .rename_workspace(workspace_id, &name, ctx.now, &audit)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(WorkspaceSummary { name, ..workspace })
}

/// The workspace with its token policy, as every member may read them.
pub async fn settings(ctx: &Ctx, workspace_id: Uuid) -> Result<WorkspaceSettings, AppError> {
    let workspace = ctx.workspace(workspace_id, Action::ReadWorkspace).await?;
    let policy = policy_of(ctx, workspace.id).await?;
    Ok(WorkspaceSettings {
        workspace,
        policy,
        default_allowed_ips: default_entries(ctx, workspace_id).await?,
        default_rate_limit: default_rate_limit(ctx, workspace_id).await?,
    })
}

/// The IP allowlist new tokens of a workspace the caller was let into get by default.
pub(super) async fn default_allowed_ips<P>(
    ctx: &Ctx<P>,
    workspace_id: Uuid,
) -> Result<Option<IpAllowlist>, AppError> {
    let column = ctx
        .db()
        .token_default(workspace_id, TokenDefault::AllowedIps)
        .await?;
    Ok(stored_allowlist(column.as_deref())?)
}

/// The rate limit new tokens of a workspace the caller was let into get by default.
pub(super) async fn default_rate_limit<P>(
    ctx: &Ctx<P>,
    workspace_id: Uuid,
) -> Result<Option<RateLimit>, AppError> {
    let column = ctx
        .db()
        .token_default(workspace_id, TokenDefault::RateLimit)
        .await?;
    Ok(stored_rate_limit(column.as_deref())?)
}

/// A field error of a token's guard, said of the workspace's default instead.
fn of_default(error: AppError, field: &str) -> AppError {
    match error {
        AppError::Invalid(mut error) => {
            error.field = field.into();
            AppError::Invalid(error)
        }
        other => other,
    }
}

/// A default IP allowlist as asked, checked; its errors name `default_allowed_ips`.
fn default_allowlist(entries: &[String]) -> Result<Option<IpAllowlist>, AppError> {
    IpAllowlist::parse(entries)
        .map(IpAllowlist::into_option)
        .map_err(|error| of_default(error, "default_allowed_ips"))
}

/// A default rate limit as asked, checked; its errors name `default_rate_limit`.
fn default_limit(asked: Option<RateLimit>) -> Result<Option<RateLimit>, AppError> {
    asked
        .map(RateLimit::checked)
        .transpose()
        .map_err(|error| of_default(error, "default_rate_limit"))
}

/// [`default_allowed_ips`] as views show it (empty: any address).
pub(super) async fn default_entries<P>(
    ctx: &Ctx<P>,
    workspace_id: Uuid,
) -> Result<Vec<String>, AppError> {
    Ok(default_allowed_ips(ctx, workspace_id)
        .await?
        .map(|list| list.entries())
        .unwrap_or_default())
}

/// Sets the IP allowlist a workspace's new tokens get by default (Administrators and
/// Owners, as the workspace's other settings): checked, recorded with what it was.
pub async fn set_default_allowed_ips(
    ctx: &Ctx,
    workspace_id: Uuid,
    entries: &[String],
) -> Result<(), AppError> {
    let workspace = ctx.workspace(workspace_id, Action::ChangeSettings).await?;
    let asked = default_allowlist(entries)?;
    let before = default_allowed_ips(ctx, workspace_id).await?;
    if asked == before {
        return Ok(());
    }
    let shown = |list: &Option<IpAllowlist>| json!(list.as_ref().map(IpAllowlist::entries));
    let change = DefaultChange {
        which: TokenDefault::AllowedIps,
        key: "default_allowed_ips",
        from: shown(&before),
        to: shown(&asked),
        column: allowlist_column(asked.as_ref()),
    };
    set_default(ctx, &workspace, change).await
}

/// Sets the rate limit a workspace's new tokens get by default (None: no limit), as
/// [`set_default_allowed_ips`].
pub async fn set_default_rate_limit(
    ctx: &Ctx,
    workspace_id: Uuid,
    asked: Option<RateLimit>,
) -> Result<(), AppError> {
    let workspace = ctx.workspace(workspace_id, Action::ChangeSettings).await?;
    let asked = default_limit(asked)?;
    let before = default_rate_limit(ctx, workspace_id).await?;
    if asked == before {
        return Ok(());
    }
    let change = DefaultChange {
        which: TokenDefault::RateLimit,
        key: "default_rate_limit",
        from: json!(before),
        to: json!(asked),
        column: asked.as_ref().map(RateLimit::column),
    };
    set_default(ctx, &workspace, change).await
}

/// One default of new tokens changing, as recorded and written.
struct DefaultChange {
    which: TokenDefault,
    key: &'static str,
    from: Value,
    to: Value,
    column: Option<String>,
}

async fn set_default(
    ctx: &Ctx,
    workspace: &WorkspaceSummary,
    change: DefaultChange,
) -> Result<(), AppError> {
    let audit = ctx
        .audit(Some(workspace.id), "workspace.settings_changed")
        .target("workspace", workspace.id, &workspace.name)
        .changes(json!({ change.key: { "from": change.from, "to": change.to } }));
    if !ctx
        .db()
        .set_token_default(
            workspace.id,
            change.which,
            change.column.as_deref(),
            ctx.now,
            &audit,
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// A change to what new tokens get by default: each given is set.
#[derive(Clone, Debug, Default)]
pub struct DefaultsPatch {
    /// A new default IP allowlist (empty: any address).
    pub allowed_ips: Option<Vec<String>>,
    /// A new default rate limit; `Some(None)`: none.
    pub rate_limit: Option<Option<RateLimit>>,
}

impl DefaultsPatch {
    fn is_empty(&self) -> bool {
        self.allowed_ips.is_none() && self.rate_limit.is_none()
    }
}

/// Changes the name and the defaults of new tokens (Administrators and Owners) and the
/// token policy (Owners), as far as each is given. Everything asked is checked before
/// anything is written.
pub async fn change(
    ctx: &Ctx,
    workspace_id: Uuid,
    name: Option<&str>,
    defaults: DefaultsPatch,
    policy: PolicyPatch,
) -> Result<WorkspaceSettings, AppError> {
    if name.is_none() && defaults.is_empty() && policy.is_empty() {
        return Err(AppError::invalid(
            "name",
            "Give the workspace's new name, a default for new tokens (IP allowlist, rate limit) or a token policy setting to change.",
        ));
    }
    // The answer shows the workspace as it now is: whoever changes it must be able to read
    // it. Asked first, so that a token holding `workspace:write` without `workspace:read`
    // is refused before anything is written (it was refused after, the change made).
    let workspace = ctx.workspace(workspace_id, Action::ReadWorkspace).await?;
    if !policy.is_empty() {
        ctx.allow(&workspace, Action::ChangeTokenPolicy)?;
        policy.apply(policy_of(ctx, workspace.id).await?, ctx.now)?;
    }
    if name.is_some() || !defaults.is_empty() {
        ctx.allow(&workspace, Action::ChangeSettings)?;
    }
    if let Some(entries) = &defaults.allowed_ips {
        default_allowlist(entries)?;
    }
    if let Some(asked) = defaults.rate_limit {
        default_limit(asked)?;
    }
    if let Some(name) = name {
        validation::workspace_name(name)?;
        rename(ctx, workspace_id, name).await?;
    }
    if let Some(entries) = &defaults.allowed_ips {
        set_default_allowed_ips(ctx, workspace_id, entries).await?;
    }
    if let Some(asked) = defaults.rate_limit {
        set_default_rate_limit(ctx, workspace_id, asked).await?;
    }
    if !policy.is_empty() {
        set_token_policy(ctx, workspace_id, policy).await?;
    }
    settings(ctx, workspace_id).await
}

/// The workspace's token policy, as every member may read it (the create dialog shows
/// its limits).
pub async fn token_policy(ctx: &Ctx, workspace_id: Uuid) -> Result<TokenPolicy, AppError> {
    let workspace = ctx.workspace(workspace_id, Action::ReadWorkspace).await?;
    policy_of(ctx, workspace.id).await
}

/// The policy of a workspace the caller was already let into.
pub(super) async fn policy_of<P>(
    ctx: &Ctx<P>,
    workspace_id: Uuid,
) -> Result<TokenPolicy, AppError> {
    ctx.db()
        .token_policy(workspace_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Changes the workspace's token policy: its Owners. Recorded with what changed; every
/// token reaching the workspace meets the new rules on its next request.
pub async fn set_token_policy(
    ctx: &Ctx,
    workspace_id: Uuid,
    patch: PolicyPatch,
) -> Result<TokenPolicy, AppError> {
    let workspace = ctx
        .workspace(workspace_id, Action::ChangeTokenPolicy)
        .await?;
    let before = policy_of(ctx, workspace.id).await?;
    let after = patch.apply(before, ctx.now)?;
    if after == before {
        return Ok(before);
    }
    let audit = ctx
        .audit(Some(workspace_id), "workspace.token_policy_changed")
        .target("workspace", workspace_id, &workspace.name)
        .changes(json!({ "from": before, "to": after }));
    if !ctx
        .db()
        .set_token_policy(workspace_id, &after, ctx.now, &audit)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(after)
}

pub async fn members(ctx: &Ctx, workspace_id: Uuid) -> Result<MembersPage, AppError> {
    let workspace = ctx.workspace(workspace_id, Action::ReadMembers).await?;
    let members = ctx
        .db()
        .members(workspace_id)
        .await?
        .into_iter()
        .map(member)
        .collect();
    let can_manage = may_manage_members(workspace.role);
    let grantable_roles = if can_manage {
        workspace.role.at_or_below().collect()
    } else {
        Vec::new()
    };
    let invitations = invitations::list(ctx, workspace_id).await?;
    Ok(MembersPage {
        workspace,
        can_manage,
        grantable_roles,
        members,
        invitations,
        now: ctx.now,
    })
}

async fn target_member(db: &Db, workspace_id: Uuid, user_id: Uuid) -> Result<Member, AppError> {
    db.members(workspace_id)
        .await?
        .into_iter()
        .find(|m| m.user_id == user_id)
        .map(member)
        .ok_or(AppError::NotFound)
}

const LAST_OWNER: &str = "A workspace needs at least one Owner: make someone else an Owner first.";

pub async fn change_role(
    ctx: &Ctx,
    workspace_id: Uuid,
    member_id: Uuid,
    role: Role,
) -> Result<Member, AppError> {
    let change = |role| Action::Member(MemberAction::ChangeRole, role);
    let workspace = ctx.workspace(workspace_id, change(Role::Viewer)).await?;
    let target = target_member(ctx.db(), workspace_id, member_id).await?;
    ctx.allow(&workspace, change(target.role))?;
    ctx.allow(&workspace, change(role))
        .map_err(|_| super::above_own_role(workspace.role))?;
    let audit = ctx
        .audit(Some(workspace_id), "member.role_changed")
        .target("user", member_id, &target.email)
        .changes(json!({ "role": { "from": target.role.as_str(), "to": role.as_str() } }));
    match ctx
        .db()
        .change_member_role(workspace_id, member_id, role, ctx.now, &audit)
        .await?
    {
        MemberChange::Done => Ok(Member { role, ..target }),
        MemberChange::LastOwner => Err(AppError::Conflict(LAST_OWNER.into())),
        _ => Err(AppError::NotFound),
    }
}

pub async fn remove_member(ctx: &Ctx, workspace_id: Uuid, member_id: Uuid) -> Result<(), AppError> {
    let remove = |role| Action::Member(MemberAction::Remove, role);
    let workspace = ctx.workspace(workspace_id, remove(Role::Viewer)).await?;
    let target = target_member(ctx.db(), workspace_id, member_id).await?;
    ctx.allow(&workspace, remove(target.role))?;
    let audit = ctx
        .audit(Some(workspace_id), "member.removed")
        .target("user", member_id, &target.email)
        .changes(json!({ "role": target.role.as_str() }));
    match ctx
        .db()
        .remove_member(workspace_id, member_id, &audit)
        .await?
    {
        MemberChange::Done => Ok(()),
        MemberChange::LastOwner => Err(AppError::Conflict(LAST_OWNER.into())),
        _ => Err(AppError::NotFound),
    }
}
