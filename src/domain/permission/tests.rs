//! The permission matrix as the product defines it, checked case by case.

use super::*;
use TokenAction::*;

/// The matrix as the product defines it: which actions each role has.
fn granted(role: Role) -> &'static [TokenAction] {
    match role {
        Role::Owner | Role::Administrator => {
            &[View, Create, Edit, Disable, Enable, Delete, Copy, Rotate]
        }
        Role::WorkspaceManager => &[View, Create, Edit, Copy, Rotate],
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
                    Err(Denied::Forbidden(Action::Token(action, scope)))
                } else if matches!(action, Create | Edit | Copy | Enable | Rotate) && scope > role {
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
        Err(Denied::Forbidden(Action::Token(Enable, Role::Viewer)))
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
                    Err(Denied::Forbidden(Action::Member(action, target)))
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

/// Every action has both halves: a role rule that refuses someone (only a Viewer's
/// reads are open to every member) and an API rule that refuses a token lacking its
/// permission, while a token holding everything is judged by its scope like a person.
#[test]
fn every_action_has_a_role_rule_and_an_api_rule() {
    let all: PermissionSet = ApiPermission::ALL.into_iter().collect();
    let mut checked = 0;
    for action in Action::all() {
        let open_to_all = matches!(
            action,
            Action::ReadWorkspace
                | Action::ReadTokens
                | Action::ReadMembers
                | Action::Introspect
                | Action::Token(View, _)
                | Action::Member(MemberAction::View, _)
                | Action::PersonalToken(Role::Viewer)
        );
        assert_eq!(
            action.role_allows(Role::Viewer).is_ok(),
            open_to_all,
            "{action:?}: the role rule"
        );
        for role in Role::ALL {
            let person = authorize(Actor::person(role), action);
            assert_eq!(person, action.role_allows(role), "{action:?} {role:?}");
            let everything = authorize(Actor::token(role, all), action);
            match action.api_rule() {
                ApiRule::Needs(permission) => {
                    assert_eq!(everything, person, "{action:?} {role:?}");
                    let without: PermissionSet = all.iter().filter(|p| *p != permission).collect();
                    assert_eq!(
                        authorize(Actor::token(role, without), action),
                        Err(Denied::MissingPermission(permission)),
                        "{action:?} {role:?}"
                    );
                }
                ApiRule::PeopleOnly => {
                    assert_eq!(everything, Err(Denied::PeopleOnly(action)));
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} cases");
}

#[test]
fn a_personal_token_acts_with_at_most_its_owners_live_role() {
    for role in Role::ALL {
        for scope in Role::ALL {
            // Asking: any member, for no more than their role; never a token.
            let asked = authorize(Actor::person(role), Action::PersonalToken(scope));
            let expected = if scope > role {
                Err(Denied::ScopeAboveRole)
            } else {
                Ok(())
            };
            assert_eq!(asked, expected, "{role:?} asks for {scope:?}");
            let all: PermissionSet = ApiPermission::ALL.into_iter().collect();
            assert_eq!(
                authorize(Actor::token(role, all), Action::PersonalToken(scope)),
                Err(Denied::PeopleOnly(Action::PersonalToken(scope)))
            );
            // Acting: the lower of what was given and what the owner is now.
            let acting = personal_scope(scope, role);
            assert!(acting <= scope && acting <= role);
            assert!(acting == scope || acting == role);
        }
        assert_eq!(
            may_manage_personal_tokens(role),
            role >= Role::Administrator
        );
    }
}

/// Rotating a token makes one with the same scope and permissions and a fresh secret, so
/// it takes exactly what creating a token of that scope takes, for people and tokens.
#[test]
fn rotating_takes_what_creating_takes() {
    let all: PermissionSet = ApiPermission::ALL.into_iter().collect();
    for role in Role::ALL {
        for scope in Role::ALL {
            let rotate = Action::Token(Rotate, scope);
            let create = Action::Token(Create, scope);
            assert_eq!(
                rotate.role_allows(role).is_ok(),
                create.role_allows(role).is_ok(),
                "{role:?} {scope:?}"
            );
            assert_eq!(rotate.api_rule(), create.api_rule());
            assert_eq!(
                authorize(Actor::token(role, all), rotate).is_ok(),
                authorize(Actor::token(role, all), create).is_ok()
            );
        }
    }
    assert_eq!(
        Action::Token(Rotate, Role::Viewer).api_rule(),
        ApiRule::Needs(ApiPermission::TokensWrite)
    );
}
