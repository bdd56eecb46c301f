//! Who may do what: the one place the permission matrix lives. The server asks it
//! before every change; the UI asks it to decide which controls to show.

use serde::{Deserialize, Serialize};

use super::{
    api_permission::{ApiPermission, PermissionSet},
    role::Role,
};

/// What can be done to an access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenAction {
    View,
    Create,
    Edit,
    Disable,
    Enable,
    Delete,
    Copy,
    /// Replace it by a successor with a fresh secret (the old one may keep a grace).
    Rotate,
}

impl TokenAction {
    pub const ALL: [TokenAction; 8] = [
        TokenAction::View,
        TokenAction::Create,
        TokenAction::Edit,
        TokenAction::Disable,
        TokenAction::Enable,
        TokenAction::Delete,
        TokenAction::Copy,
        TokenAction::Rotate,
    ];

    /// The lowest role that may do this at all.
    fn minimum_role(self) -> Role {
        match self {
            TokenAction::View => Role::Viewer,
            // Rotating makes a token, so it takes what creating one takes.
            TokenAction::Create | TokenAction::Edit | TokenAction::Copy | TokenAction::Rotate => {
                Role::WorkspaceManager
            }
            TokenAction::Disable | TokenAction::Enable | TokenAction::Delete => Role::Administrator,
        }
    }

    /// Whether the token's scope must not exceed the actor's role: nobody creates, edits,
    /// copies, rotates or re-enables a token more powerful than themselves (so a token an
    /// Owner disabled stays disabled until an Owner says otherwise, and nobody obtains a
    /// stronger token's fresh secret by rotating it). Disabling and deleting are not
    /// capped: revoking a stronger token is a safety act.
    fn capped_by_role(self) -> bool {
        matches!(
            self,
            TokenAction::Create
                | TokenAction::Edit
                | TokenAction::Copy
                | TokenAction::Enable
                | TokenAction::Rotate
        )
    }
}

/// What someone asks to do in a workspace they belong to. Every service names its action
/// here, and [`authorize`] holds both halves of the rule for each: the role it takes and
/// the API permission a token must also hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the workspace's name and one's own role.
    ReadWorkspace,
    /// Change the workspace's settings (its name).
    ChangeSettings,
    /// Change the workspace's token policy (approval, secrets shown once, lifetime, scope).
    ChangeTokenPolicy,
    /// List and read the workspace's tokens.
    ReadTokens,
    /// Do something to a token of this scope (for `Create` and `Edit`, the scope asked for).
    Token(TokenAction, Role),
    /// List the workspace's members.
    ReadMembers,
    /// See the workspace's open invitations (those who manage members).
    ReadInvitations,
    /// Do something to a member of this role (for `Add`, the role to grant).
    Member(MemberAction, Role),
    /// Read the audit log and the API access audit.
    ReadAudit,
    /// Read the workspace's notification mail.
    ReadOutbox,
    /// Ask whether a token of the workspace is valid.
    Introspect,
    /// Let one's own personal token act here with this scope.
    PersonalToken(Role),
    /// See the personal tokens that can reach the workspace (never their secrets).
    ReadPersonalTokens,
    /// Take the workspace away from someone's personal token.
    ManagePersonalTokens,
}

impl Action {
    /// Every action, with every scope or role it can name.
    pub fn all() -> impl Iterator<Item = Action> {
        let plain = [
            Action::ReadWorkspace,
            Action::ChangeSettings,
            Action::ChangeTokenPolicy,
            Action::ReadTokens,
            Action::ReadMembers,
            Action::ReadInvitations,
            Action::ReadAudit,
            Action::ReadOutbox,
            Action::Introspect,
            Action::ReadPersonalTokens,
            Action::ManagePersonalTokens,
        ];
        let personal = Role::ALL.map(Action::PersonalToken);
        let tokens = TokenAction::ALL
            .into_iter()
            .flat_map(|action| Role::ALL.map(|scope| Action::Token(action, scope)));
        let members = MemberAction::ALL
            .into_iter()
            .flat_map(|action| Role::ALL.map(|target| Action::Member(action, target)));
        plain
            .into_iter()
            .chain(personal)
            .chain(tokens)
            .chain(members)
    }
}

/// What an access token needs for an action, beside its scope's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiRule {
    /// The token must hold this permission.
    Needs(ApiPermission),
    /// No token may, whatever it holds: a person in the UI only.
    PeopleOnly,
}

impl Action {
    /// The permission a token needs for this action.
    pub fn api_rule(self) -> ApiRule {
        use ApiPermission::*;
        ApiRule::Needs(match self {
            Action::ReadWorkspace => WorkspaceRead,
            Action::ChangeSettings | Action::ChangeTokenPolicy => WorkspaceWrite,
            Action::ReadTokens | Action::Token(TokenAction::View, _) => TokensRead,
            // Secrets leave Tessera once, at creation; copying is for people in the UI.
            Action::Token(TokenAction::Copy, _) => return ApiRule::PeopleOnly,
            // Rotating another token makes one, as creating does. A token rotating itself
            // is no action here: any valid token may (`services::rotation::rotate_self`),
            // as it may revoke itself, since its successor holds exactly what it held.
            Action::Token(TokenAction::Rotate, _) => TokensWrite,
            Action::Token(_, _) => TokensWrite,
            Action::ReadMembers
            | Action::ReadInvitations
            | Action::Member(MemberAction::View, _) => MembersRead,
            Action::Member(_, _) => MembersWrite,
            Action::ReadAudit => AuditRead,
            // Mail names people and carries links: it stays in the UI.
            Action::ReadOutbox => return ApiRule::PeopleOnly,
            Action::Introspect => Introspect,
            // A personal token is its owner's own act, made in the UI.
            Action::PersonalToken(_) => return ApiRule::PeopleOnly,
            Action::ReadPersonalTokens => TokensRead,
            Action::ManagePersonalTokens => TokensWrite,
        })
    }

    /// The role rule alone, for a member whose role is `role`.
    pub fn role_allows(self, role: Role) -> Result<(), Denied> {
        let at_least = |minimum: Role| {
            if role >= minimum {
                Ok(())
            } else {
                Err(Denied::Forbidden(self))
            }
        };
        match self {
            Action::ReadWorkspace
            | Action::ReadTokens
            | Action::ReadMembers
            | Action::Introspect => Ok(()),
            Action::ChangeSettings
            | Action::ReadAudit
            | Action::ReadInvitations
            | Action::ReadPersonalTokens
            | Action::ManagePersonalTokens => at_least(Role::Administrator),
            // Any member may, for no more than their own role.
            Action::PersonalToken(scope) if scope > role => Err(Denied::ScopeAboveRole),
            Action::PersonalToken(_) => Ok(()),
            // The rules every token of the workspace lives by, as GitHub leaves its
            // organisations' token policies to their owners.
            Action::ReadOutbox | Action::ChangeTokenPolicy => at_least(Role::Owner),
            Action::Token(action, scope) => {
                at_least(action.minimum_role())?;
                if action.capped_by_role() && scope > role {
                    return Err(Denied::ScopeAboveRole);
                }
                Ok(())
            }
            Action::Member(MemberAction::View, _) => Ok(()),
            Action::Member(_, target) => {
                at_least(Role::Administrator)?;
                if target > role {
                    return Err(Denied::ScopeAboveRole);
                }
                Ok(())
            }
        }
    }

    /// The refusal a member gets when their role does not allow this.
    pub fn refusal(self) -> &'static str {
        match self {
            Action::ChangeSettings => {
                "Only Administrators and Owners can change the workspace's settings."
            }
            Action::ReadAudit => "Only Administrators and Owners can read the audit log.",
            Action::ReadOutbox => "Only the workspace's Owners can read its notification mail.",
            Action::ChangeTokenPolicy => "Only the workspace's Owners can change its token policy.",
            Action::ReadPersonalTokens | Action::ManagePersonalTokens => {
                "Only Administrators and Owners can see and manage the personal tokens that reach this workspace."
            }
            _ => "Your role in this workspace does not allow this.",
        }
    }
}

/// Who acts in a workspace: a member with their role, or a token acting with its scope as
/// its role and the permissions it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    /// None for a person; a token's permissions otherwise.
    pub token: Option<PermissionSet>,
}

impl Actor {
    pub fn person(role: Role) -> Actor {
        Actor { role, token: None }
    }

    pub fn token(scope: Role, permissions: PermissionSet) -> Actor {
        Actor {
            role: scope,
            token: Some(permissions),
        }
    }

    /// The most a token this actor makes may be given: a person's role, or what the acting
    /// token itself holds.
    pub fn ceiling(self) -> PermissionSet {
        self.token
            .unwrap_or_else(|| PermissionSet::of_role(self.role))
    }

    /// Whether [`authorize`] lets this actor do `action` (to show or hide a control).
    pub fn may(self, action: Action) -> bool {
        authorize(self, action).is_ok()
    }
}

/// Why an action is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// Not a member of the workspace: it must look as if the thing did not exist.
    #[error("not found")]
    NotFound,
    /// A member whose role does not allow the action.
    #[error("your role does not allow this")]
    Forbidden(Action),
    /// The token's scope (or the member's role) is above the actor's role.
    #[error("the token's scope is above your role")]
    ScopeAboveRole,
    /// A token without the permission the action needs.
    #[error("the token lacks the {0} permission")]
    MissingPermission(ApiPermission),
    /// A token asking for what only people may do.
    #[error("tokens may not do this")]
    PeopleOnly(Action),
}

/// The one authorization step: may `actor` do `action`? A token must pass its API rule
/// first (what it was given), then its scope must pass the role rule like a member's role.
pub fn authorize(actor: Actor, action: Action) -> Result<(), Denied> {
    if let Some(permissions) = actor.token {
        match action.api_rule() {
            ApiRule::Needs(permission) if !permissions.contains(permission) => {
                return Err(Denied::MissingPermission(permission));
            }
            ApiRule::Needs(_) => {}
            ApiRule::PeopleOnly => return Err(Denied::PeopleOnly(action)),
        }
    }
    action.role_allows(actor.role)
}

/// May a user whose membership in the token's workspace is `membership` (None: not a
/// member) do `action` to a token of `scope`? The role rule alone (see [`authorize`]).
pub fn authorize_token(
    membership: Option<Role>,
    action: TokenAction,
    scope: Role,
) -> Result<(), Denied> {
    let role = membership.ok_or(Denied::NotFound)?;
    Action::Token(action, scope).role_allows(role)
}

/// What an edit moving a token's expiry from `current` to `asked` at `now` needs beyond
/// [`TokenAction::Edit`]: a new expiry on an expired token brings it back to life, so it
/// takes the right to enable the token. Keeping the expiry, or moving one that has not yet
/// passed, needs nothing more.
pub fn authorize_expiry_change(
    membership: Option<Role>,
    scope: Role,
    current: Option<i64>,
    asked: Option<i64>,
    now: i64,
) -> Result<(), Denied> {
    let expired = current.is_some_and(|at| at <= now);
    if expired && asked != current {
        authorize_token(membership, TokenAction::Enable, scope)
    } else {
        Ok(())
    }
}

/// Whether `role` may do `action` to some token at all (to show a "New token" button, say).
pub fn may_ever(role: Role, action: TokenAction) -> bool {
    // A Viewer-scoped token is never above anyone's role: only the role rule is asked.
    Actor::person(role).may(Action::Token(action, Role::Viewer))
}

/// Whether `role` may see and manage the personal tokens reaching the workspace.
pub fn may_manage_personal_tokens(role: Role) -> bool {
    Actor::person(role).may(Action::ManagePersonalTokens)
}

/// The scope a personal token acts with in a workspace: what its owner gave it there, but
/// never more than the owner's role there now (so demoting the owner narrows the token).
pub fn personal_scope(granted: Role, owner_role: Role) -> Role {
    granted.min(owner_role)
}

/// What can be done to a workspace's membership list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MemberAction {
    View,
    Add,
    ChangeRole,
    Remove,
}

impl MemberAction {
    pub const ALL: [MemberAction; 4] = [
        MemberAction::View,
        MemberAction::Add,
        MemberAction::ChangeRole,
        MemberAction::Remove,
    ];
}

/// May a user whose membership is `membership` do `action` to a member whose role is
/// `target` (for `Add`, the role to grant; for `ChangeRole`, checked for both the current
/// and the new role)? Owners and Administrators manage members; nobody grants, changes or
/// removes a role above their own. Whether the last Owner would be lost is the caller's
/// check: it needs the member count.
pub fn authorize_member(
    membership: Option<Role>,
    action: MemberAction,
    target: Role,
) -> Result<(), Denied> {
    let role = membership.ok_or(Denied::NotFound)?;
    Action::Member(action, target).role_allows(role)
}

/// Whether `role` may manage members at all (to show the controls).
pub fn may_manage_members(role: Role) -> bool {
    Actor::person(role).may(Action::Member(MemberAction::Add, Role::Viewer))
}

/// Whether `role` may read the audit log and the API Access Audit (who used which token
/// from where): Administrators and Owners.
pub fn may_audit(role: Role) -> bool {
    Actor::person(role).may(Action::ReadAudit)
}

/// Whether `role` may change the workspace's settings (its name): Administrators and Owners.
pub fn may_change_settings(role: Role) -> bool {
    Actor::person(role).may(Action::ChangeSettings)
}

/// Whether `role` may change the workspace's token policy: Owners.
pub fn may_change_token_policy(role: Role) -> bool {
    Actor::person(role).may(Action::ChangeTokenPolicy)
}

#[cfg(test)]
mod tests;
