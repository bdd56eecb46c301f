//! Who may do what: the one place the permission matrix lives. The server asks it
//! before every change; the UI asks it to decide which controls to show.

use serde::{Deserialize, Serialize};

use super::role::Role;

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
}

impl TokenAction {
    pub const ALL: [TokenAction; 7] = [
        TokenAction::View,
        TokenAction::Create,
        TokenAction::Edit,
        TokenAction::Disable,
        TokenAction::Enable,
        TokenAction::Delete,
        TokenAction::Copy,
    ];

    /// The lowest role that may do this at all.
    fn minimum_role(self) -> Role {
        match self {
            TokenAction::View => Role::Viewer,
            TokenAction::Create | TokenAction::Edit | TokenAction::Copy => Role::WorkspaceManager,
            TokenAction::Disable | TokenAction::Enable | TokenAction::Delete => Role::Administrator,
        }
    }

    /// Whether the token's scope must not exceed the actor's role: nobody creates, edits,
    /// copies or re-enables a token more powerful than themselves (so a token an Owner
    /// disabled stays disabled until an Owner says otherwise). Disabling and deleting are
    /// not capped: revoking a stronger token is a safety act.
    fn capped_by_role(self) -> bool {
        matches!(
            self,
            TokenAction::Create | TokenAction::Edit | TokenAction::Copy | TokenAction::Enable
        )
    }
}

/// Why an action is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Denied {
    /// Not a member of the workspace: it must look as if the thing did not exist.
    #[error("not found")]
    NotFound,
    /// A member whose role does not allow the action.
    #[error("your role does not allow this")]
    Forbidden,
    /// The token's scope is above the actor's role.
    #[error("the token's scope is above your role")]
    ScopeAboveRole,
}

/// May a user whose membership in the token's workspace is `membership` (None: not a
/// member) do `action` to a token of `scope`? For `Create` and `Edit`, `scope` is the scope
/// asked for; an edit must pass for the token's current scope as well.
pub fn authorize_token(
    membership: Option<Role>,
    action: TokenAction,
    scope: Role,
) -> Result<(), Denied> {
    let role = membership.ok_or(Denied::NotFound)?;
    if role < action.minimum_role() {
        return Err(Denied::Forbidden);
    }
    if action.capped_by_role() && scope > role {
        return Err(Denied::ScopeAboveRole);
    }
    Ok(())
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
    role >= action.minimum_role()
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
    if action == MemberAction::View {
        return Ok(());
    }
    if role < Role::Administrator {
        return Err(Denied::Forbidden);
    }
    if target > role {
        return Err(Denied::ScopeAboveRole);
    }
    Ok(())
}

/// Whether `role` may manage members at all (to show the controls).
pub fn may_manage_members(role: Role) -> bool {
    role >= Role::Administrator
}

/// Whether `role` may read the audit log and the API Access Audit (who used which token
/// from where): Administrators and Owners.
pub fn may_audit(role: Role) -> bool {
    role >= Role::Administrator
}

/// Whether `role` may change the workspace's settings (its name): Administrators and Owners.
pub fn may_change_settings(role: Role) -> bool {
    role >= Role::Administrator
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenAction::*;

    /// The matrix as the product defines it: which actions each role has.
    fn granted(role: Role) -> &'static [TokenAction] {
        match role {
            Role::Owner | Role::Administrator => {
                &[View, Create, Edit, Disable, Enable, Delete, Copy]
            }
            Role::WorkspaceManager => &[View, Create, Edit, Copy],
            Role::TeamMember | Role::Viewer => &[View],
        }
    }

    #[test]
    fn every_role_action_and_scope_in_the_own_workspace() {
        for role in Role::ALL {
            for action in TokenAction::ALL {
                for scope in Role::ALL {
                    let result = authorize_token(Some(role), action, scope);
                    let expected = if !granted(role).contains(&action) {
                        Err(Denied::Forbidden)
                    } else if matches!(action, Create | Edit | Copy | Enable) && scope > role {
                        Err(Denied::ScopeAboveRole)
                    } else {
                        Ok(())
                    };
                    assert_eq!(result, expected, "{role:?} {action:?} on a {scope:?} token");
                    assert_eq!(may_ever(role, action), granted(role).contains(&action));
                }
            }
        }
    }

    #[test]
    fn outsiders_get_not_found_for_everything() {
        for action in TokenAction::ALL {
            for scope in Role::ALL {
                assert_eq!(authorize_token(None, action, scope), Err(Denied::NotFound));
            }
        }
    }

    /// Revoking a more powerful token is a safety act anyone who may revoke can take;
    /// bringing one back (enabling it) is not.
    #[test]
    fn administrators_may_revoke_but_not_copy_an_owner_token() {
        let admin = Some(Role::Administrator);
        assert_eq!(authorize_token(admin, Disable, Role::Owner), Ok(()));
        assert_eq!(authorize_token(admin, Delete, Role::Owner), Ok(()));
        assert_eq!(
            authorize_token(admin, Enable, Role::Owner),
            Err(Denied::ScopeAboveRole)
        );
        assert_eq!(
            authorize_token(admin, Copy, Role::Owner),
            Err(Denied::ScopeAboveRole)
        );
        assert_eq!(
            authorize_token(admin, Edit, Role::Owner),
            Err(Denied::ScopeAboveRole)
        );
    }

    #[test]
    fn a_new_expiry_on_an_expired_token_takes_the_right_to_enable_it() {
        const NOW: i64 = 1_000_000;
        let expired = Some(NOW - 1);
        let change = |role: Option<Role>, scope, current, asked| {
            authorize_expiry_change(role, scope, current, asked, NOW)
        };
        for role in Role::ALL {
            for scope in Role::ALL {
                let enable = authorize_token(Some(role), Enable, scope);
                for asked in [Some(NOW + 1), None] {
                    assert_eq!(
                        change(Some(role), scope, expired, asked),
                        enable,
                        "{role:?} {scope:?}"
                    );
                }
                // Expired at the very moment it ends, as TokenStatus counts it.
                assert_eq!(change(Some(role), scope, Some(NOW), None), enable);
                // Kept as it is, or moved before it passed: an ordinary edit.
                assert_eq!(change(Some(role), scope, expired, expired), Ok(()));
                assert_eq!(
                    change(Some(role), scope, Some(NOW + 1), Some(NOW + 9)),
                    Ok(())
                );
                assert_eq!(change(Some(role), scope, None, Some(NOW + 9)), Ok(()));
            }
        }
        assert_eq!(
            change(Some(Role::WorkspaceManager), Role::Viewer, expired, None),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            change(Some(Role::Administrator), Role::Owner, expired, None),
            Err(Denied::ScopeAboveRole)
        );
        assert_eq!(
            change(None, Role::Viewer, expired, None),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn member_management_matrix() {
        for role in Role::ALL {
            for action in MemberAction::ALL {
                for target in Role::ALL {
                    let result = authorize_member(Some(role), action, target);
                    let expected = if action == MemberAction::View {
                        Ok(())
                    } else if role < Role::Administrator {
                        Err(Denied::Forbidden)
                    } else if target > role {
                        Err(Denied::ScopeAboveRole)
                    } else {
                        Ok(())
                    };
                    assert_eq!(result, expected, "{role:?} {action:?} a {target:?}");
                }
                assert_eq!(
                    authorize_member(None, action, Role::Viewer),
                    Err(Denied::NotFound)
                );
            }
            assert_eq!(may_manage_members(role), role >= Role::Administrator);
            assert_eq!(may_audit(role), role >= Role::Administrator);
            assert_eq!(may_change_settings(role), role >= Role::Administrator);
        }
    }
}
