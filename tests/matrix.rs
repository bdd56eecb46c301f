//! The authorization matrix, generated. For every caller — each role as a signed-in person,
//! each token scope with its whole scope and with each single permission it may hold, and
//! nobody — and every REST operation and server function, in the caller's own workspace,
//! another workspace and a workspace that does not exist, the expected answer is derived
//! from the domain's rules alone (`domain::permission::authorize`, `Actor::ceiling`), and
//! the operation is called over HTTP against a served site, on both engines. Every
//! answer must be the derived one: 0 mismatches, and the number of cases is printed.
//!
//! What an operation asks of the rules is written once per operation below (`needs`): the
//! actions its service authorizes, in order, and the permissions the token it makes or
//! changes would hold. A refusal is 404 where the caller may not even know the workspace,
//! 403 where the rule says no, 422 where the service words it as a field error ("at most
//! your own role" on a form's scope field), and 401 where the door does not open at all:
//! a session never opens the API, a token never opens a server function.
//!
//! Not in the matrix: the server functions anyone may call by design (set-up, sign-in,
//! sign-out, the session, password reset and invitation links, each guarded by its own
//! secret; `tests/accounts.rs` attacks them), the leak-report endpoints (their callers hold
//! no Tessera token; `tests/leaks.rs`) and the public OpenAPI document.

mod support;

use std::fmt;

use reqwest::{Client, Method, header};
use serde_json::{Value, json};
use tessera::{
    domain::{
        api_permission::{ApiPermission, PermissionSet},
        permission::{Action, Actor, Denied, MemberAction, TokenAction, authorize},
        policy::PolicyPatch,
        revoke::{RevokeAction, RevokeRequest, Selection},
        role::Role,
    },
    model::{CurrentUser, GrantInput, PersonalTokenInput, TokenInput},
    server::{
        context::Ctx,
        services::{RequestMeta, invitations, now_ms, personal_tokens, workspaces},
        store::Db,
    },
};
use uuid::Uuid;

/// Who calls.
#[derive(Clone, Copy, Debug)]
enum Caller {
    Nobody,
    /// A member of the workspace with this role, signed in.
    Person(Role),
    /// A token of the workspace with this scope, narrowed to one permission or not.
    Token(Role, Option<ApiPermission>),
}

impl Caller {
    /// Every caller: nobody, a person of each role, and a token of each scope with its whole
    /// scope and with each single permission the scope carries.
    fn all() -> Vec<Caller> {
        let mut all = vec![Caller::Nobody];
        all.extend(Role::ALL.map(Caller::Person));
        for scope in Role::ALL {
            all.push(Caller::Token(scope, None));
            for permission in PermissionSet::of_role(scope).iter() {
                all.push(Caller::Token(scope, Some(permission)));
            }
        }
        all
    }

    /// The caller as the domain's rules see them in their own workspace.
    fn actor(self) -> Option<Actor> {
        match self {
            Caller::Nobody => None,
            Caller::Person(role) => Some(Actor::person(role)),
            Caller::Token(scope, chosen) => Some(Actor::token(
                scope,
                PermissionSet::effective(scope, chosen.map(|p| [p].into_iter().collect())),
            )),
        }
    }
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caller::Nobody => write!(f, "nobody"),
            Caller::Person(role) => write!(f, "person {}", role.as_str()),
            Caller::Token(scope, None) => write!(f, "token {}", scope.as_str()),
            Caller::Token(scope, Some(p)) => write!(f, "token {} [{}]", scope.as_str(), p),
        }
    }
}

/// Which workspace the call names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Own,
    /// A workspace the caller does not belong to (it exists, with the same things in it).
    Other,
    /// A workspace id nobody has.
    Nowhere,
}

/// What the rules say an operation needs, in the order its service asks.
#[derive(Clone, Copy, Debug)]
enum Need {
    /// The action, and the status a scope-above-role refusal of it gets (403, or 422 where
    /// the service says it about a form field).
    Act(Action, u16),
    /// The token made or changed would hold these permissions: the caller must hold them
    /// all (`Actor::ceiling`); the status of the refusal.
    Ceiling(PermissionSet, u16),
}

fn act(action: Action) -> Need {
    Need::Act(action, 403)
}

/// What an operation is done to: made fresh for every call, in the named workspace.
#[derive(Clone, Copy, Debug)]
enum Target {
    Nothing,
    Token(Role),
    Member(Role),
    Invitation(Role),
    /// A personal token of someone else, waiting for the workspace's approval.
    PersonalToken,
    /// For the personal-token server functions: the caller's own personal token (in the
    /// own place), someone else's (other), or an id nobody has (nowhere).
    MyPersonalToken,
}

/// How an operation is reached.
#[derive(Clone, Copy, Debug)]
enum Door {
    /// A REST operation on this path (`{ws}` and `{id}` filled in).
    Rest(&'static str, &'static str),
    /// A REST operation on the calling token itself.
    RestSelf(&'static str, &'static str),
    /// A server function of a workspace's pages.
    Rpc(&'static str),
    /// A server function of the signed-in person's own (no workspace named).
    PersonRpc(&'static str),
}

struct Op {
    name: &'static str,
    door: Door,
    target: Target,
    /// The token scope or member role the target has or the body names.
    role: Role,
    /// The body, from the workspace, the target's id and a string unique to the call.
    body: fn(&Call) -> Value,
    /// What the rules ask, given the target's role or scope.
    needs: fn(Role) -> Vec<Need>,
    /// The answer when everything is allowed.
    ok: u16,
    /// The answer in a workspace the caller does not belong to (or that does not exist).
    elsewhere: u16,
}

/// What one call names.
struct Call {
    workspace: Uuid,
    id: Uuid,
    unique: String,
    /// For policy writes: the workspace's policy as it is (written back unchanged).
    policy: Value,
    /// For introspection: a token secret of the named workspace.
    secret: String,
}

fn no_body(_: &Call) -> Value {
    Value::Null
}

fn ws_body(c: &Call) -> Value {
    json!({ "workspace": c.workspace })
}

fn token_body(c: &Call) -> Value {
    json!({ "workspace": c.workspace, "token": c.id })
}

fn input(label: &str, scope: Role) -> TokenInput {
    TokenInput {
        label: label.to_owned(),
        scope,
        permissions: Some([ApiPermission::TokensRead].into_iter().collect()),
        expires_at: None,
        allowed_ips: None,
        rate_limit: Default::default(),
    }
}

fn tokens_read() -> PermissionSet {
    [ApiPermission::TokensRead].into_iter().collect()
}

impl Op {
    /// An operation in a workspace, on nothing made for it: `ok` 200, 404 elsewhere.
    fn new(
        name: &'static str,
        door: Door,
        body: fn(&Call) -> Value,
        needs: fn(Role) -> Vec<Need>,
    ) -> Op {
        Op {
            name,
            door,
            target: Target::Nothing,
            role: Role::Viewer,
            body,
            needs,
            ok: 200,
            elsewhere: 404,
        }
    }

    /// A server function of the signed-in person's own: past the door, `ok` anywhere.
    fn mine(name: &'static str, endpoint: &'static str, body: fn(&Call) -> Value) -> Op {
        Op::new(name, Door::PersonRpc(endpoint), body, |_| vec![]).elsewhere(200)
    }

    /// Done to `target` (whose role or scope the rules are asked about).
    fn on(self, target: Target) -> Op {
        let role = match target {
            Target::Token(role) | Target::Member(role) | Target::Invitation(role) => role,
            _ => self.role,
        };
        Op {
            target,
            role,
            ..self
        }
    }

    /// Naming `role` in its body (with no target made).
    fn naming(self, role: Role) -> Op {
        Op { role, ..self }
    }

    fn ok(self, ok: u16) -> Op {
        Op { ok, ..self }
    }

    fn elsewhere(self, elsewhere: u16) -> Op {
        Op { elsewhere, ..self }
    }
}

// What the operations that share a service ask (REST and server function alike).

fn creating(scope: Role) -> Vec<Need> {
    // Above one's own role is said about the scope field; the new token holds tokens:read.
    vec![
        Need::Act(Action::Token(TokenAction::Create, scope), 422),
        Need::Ceiling(tokens_read(), 422),
    ]
}

fn editing(scope: Role) -> Vec<Need> {
    // The answer shows the token; the edited token keeps its whole scope's permissions.
    vec![
        act(Action::ReadTokens),
        act(Action::Token(TokenAction::Edit, scope)),
        Need::Ceiling(PermissionSet::of_role(scope), 422),
    ]
}

fn disabling(scope: Role) -> Vec<Need> {
    vec![
        act(Action::ReadTokens),
        act(Action::Token(TokenAction::Disable, scope)),
    ]
}

fn deleting(scope: Role) -> Vec<Need> {
    vec![act(Action::Token(TokenAction::Delete, scope))]
}

fn rotating(scope: Role) -> Vec<Need> {
    // The successor holds what the token holds: the caller must hold it too.
    vec![
        act(Action::Token(TokenAction::Rotate, scope)),
        Need::Ceiling(PermissionSet::of_role(scope), 403),
    ]
}

fn inviting(role: Role) -> Vec<Need> {
    // Inviting above one's own role is said about the role field.
    vec![
        act(Action::Member(MemberAction::Add, Role::Viewer)),
        Need::Act(Action::Member(MemberAction::Add, role), 422),
    ]
}

fn handling_invitation(role: Role) -> Vec<Need> {
    vec![
        act(Action::Member(MemberAction::Add, Role::Viewer)),
        act(Action::Member(MemberAction::Add, role)),
    ]
}

fn changing_role(role: Role) -> Vec<Need> {
    // From the member's role to Team Member (a role above one's own: the role field).
    let change = |role| Action::Member(MemberAction::ChangeRole, role);
    vec![
        act(change(Role::Viewer)),
        act(change(role)),
        Need::Act(change(Role::TeamMember), 422),
    ]
}

fn removing(role: Role) -> Vec<Need> {
    vec![
        act(Action::Member(MemberAction::Remove, Role::Viewer)),
        act(Action::Member(MemberAction::Remove, role)),
    ]
}

fn managing_personal_tokens(_: Role) -> Vec<Need> {
    vec![act(Action::ManagePersonalTokens)]
}

fn needing(action: Action) -> Vec<Need> {
    vec![act(action)]
}

/// Every operation, REST and server function, with what the rules ask of it.
fn operations() -> Vec<Op> {
    use Door::*;
    let mut ops = vec![
        // --- REST, a workspace's -----------------------------------------------------
        Op::new(
            "GET workspace",
            Rest("GET", "/workspaces/{ws}"),
            no_body,
            |_| needing(Action::ReadWorkspace),
        ),
        // The answer shows the workspace: changing it takes reading it.
        Op::new(
            "PATCH workspace name",
            Rest("PATCH", "/workspaces/{ws}"),
            |c| json!({ "name": format!("Acme {}", c.unique) }),
            |_| vec![act(Action::ReadWorkspace), act(Action::ChangeSettings)],
        ),
        Op::new(
            "PATCH workspace policy",
            Rest("PATCH", "/workspaces/{ws}"),
            |_| json!({ "secret_shown_once": false }),
            |_| vec![act(Action::ReadWorkspace), act(Action::ChangeTokenPolicy)],
        ),
        Op::new(
            "GET members",
            Rest("GET", "/workspaces/{ws}/members"),
            no_body,
            |_| needing(Action::ReadMembers),
        ),
        // Listed for every member (empty below Administrator).
        Op::new(
            "GET invitations",
            Rest("GET", "/workspaces/{ws}/invitations"),
            no_body,
            |_| needing(Action::ReadMembers),
        ),
        Op::new(
            "GET tokens",
            Rest("GET", "/workspaces/{ws}/tokens"),
            no_body,
            |_| needing(Action::ReadTokens),
        ),
        Op::new(
            "GET personal-tokens",
            Rest("GET", "/workspaces/{ws}/personal-tokens"),
            no_body,
            |_| needing(Action::ReadPersonalTokens),
        ),
        Op::new(
            "GET audit-events",
            Rest("GET", "/workspaces/{ws}/audit-events"),
            no_body,
            |_| needing(Action::ReadAudit),
        ),
        Op::new(
            "GET token",
            Rest("GET", "/workspaces/{ws}/tokens/{id}"),
            no_body,
            |_| needing(Action::ReadTokens),
        )
        .on(Target::Token(Role::Viewer)),
        Op::new(
            "PATCH token enabled",
            Rest("PATCH", "/workspaces/{ws}/tokens/{id}"),
            |_| json!({ "enabled": false }),
            disabling,
        )
        .on(Target::Token(Role::Viewer)),
        Op::new(
            "POST tokens/revoke",
            Rest("POST", "/workspaces/{ws}/tokens/revoke"),
            |c| json!({ "ids": [c.id], "action": "disable" }),
            |scope| {
                let mut needs = disabling(Role::Viewer);
                needs.push(act(Action::Token(TokenAction::Disable, scope)));
                needs
            },
        )
        .on(Target::Token(Role::Owner)),
        Op::new(
            "POST personal-tokens/{id}/approve",
            Rest("POST", "/workspaces/{ws}/personal-tokens/{id}/approve"),
            no_body,
            managing_personal_tokens,
        )
        .on(Target::PersonalToken),
        // Denied, it no longer reaches the workspace: nothing to show.
        Op::new(
            "POST personal-tokens/{id}/deny",
            Rest("POST", "/workspaces/{ws}/personal-tokens/{id}/deny"),
            no_body,
            managing_personal_tokens,
        )
        .on(Target::PersonalToken)
        .ok(204),
        Op::new(
            "DELETE personal-tokens/{id}",
            Rest("DELETE", "/workspaces/{ws}/personal-tokens/{id}"),
            no_body,
            managing_personal_tokens,
        )
        .on(Target::PersonalToken)
        .ok(204),
        // --- server functions, a workspace's ---------------------------------------------
        Op::new("rpc workspace", Rpc("workspace"), ws_body, |_| {
            needing(Action::ReadWorkspace)
        }),
        Op::new("rpc tokens", Rpc("tokens"), ws_body, |_| {
            needing(Action::ReadTokens)
        }),
        Op::new(
            "rpc set_token_enabled",
            Rpc("set_token_enabled"),
            |c| json!({ "workspace": c.workspace, "token": c.id, "enabled": false }),
            disabling,
        )
        .on(Target::Token(Role::Viewer)),
        Op::new(
            "rpc revoke_tokens",
            Rpc("revoke_tokens"),
            |c| {
                let request = RevokeRequest {
                    selection: Selection::ids(vec![c.id]).unwrap(),
                    action: RevokeAction::Delete,
                    dry_run: false,
                };
                json!({ "workspace": c.workspace, "request": request })
            },
            |scope| {
                vec![
                    act(Action::ReadTokens),
                    act(Action::Token(TokenAction::Delete, Role::Viewer)),
                    act(Action::Token(TokenAction::Delete, scope)),
                ]
            },
        )
        .on(Target::Token(Role::Owner)),
        Op::new(
            "rpc audit",
            Rpc("audit"),
            |c| json!({ "workspace": c.workspace, "query": tessera::model::AuditQuery::default() }),
            |_| needing(Action::ReadAudit),
        ),
        Op::new(
            "rpc access_audit",
            Rpc("access_audit"),
            |c| json!({ "workspace": c.workspace, "query": tessera::model::AccessAuditQuery::default() }),
            |_| needing(Action::ReadAudit),
        ),
        Op::new(
            "rpc access_audit_token",
            Rpc("access_audit_token"),
            token_body,
            |_| needing(Action::ReadAudit),
        )
        .on(Target::Token(Role::Viewer)),
        Op::new("rpc outbox", Rpc("outbox"), ws_body, |_| {
            needing(Action::ReadOutbox)
        }),
        Op::new("rpc members", Rpc("members"), ws_body, |_| {
            needing(Action::ReadMembers)
        }),
        Op::new(
            "rpc workspace_personal_tokens",
            Rpc("workspace_personal_tokens"),
            ws_body,
            |_| needing(Action::ReadPersonalTokens),
        ),
        Op::new(
            "rpc remove_personal_token",
            Rpc("remove_personal_token"),
            token_body,
            managing_personal_tokens,
        )
        .on(Target::PersonalToken),
        Op::new(
            "rpc decide_personal_token",
            Rpc("decide_personal_token"),
            |c| json!({ "workspace": c.workspace, "token": c.id, "approve": true }),
            managing_personal_tokens,
        )
        .on(Target::PersonalToken),
        Op::new(
            "rpc rename_workspace",
            Rpc("rename_workspace"),
            |c| json!({ "workspace": c.workspace, "name": format!("Acme {}", c.unique) }),
            |_| needing(Action::ChangeSettings),
        ),
        Op::new("rpc token_defaults", Rpc("token_defaults"), ws_body, |_| {
            needing(Action::ReadWorkspace)
        }),
        Op::new(
            "rpc set_default_rate_limit",
            Rpc("set_default_rate_limit"),
            |c| json!({ "workspace": c.workspace, "limit": null }),
            |_| needing(Action::ChangeSettings),
        ),
        Op::new(
            "rpc set_default_allowed_ips",
            Rpc("set_default_allowed_ips"),
            |c| json!({ "workspace": c.workspace, "entries": [] }),
            |_| needing(Action::ChangeSettings),
        ),
        Op::new("rpc token_policy", Rpc("token_policy"), ws_body, |_| {
            needing(Action::ReadWorkspace)
        }),
        Op::new(
            "rpc set_token_policy",
            Rpc("set_token_policy"),
            |c| json!({ "workspace": c.workspace, "policy": c.policy }),
            |_| needing(Action::ChangeTokenPolicy),
        ),
        // --- the calling token's own ---------------------------------------------------
        Op::new(
            "GET access-token",
            RestSelf("GET", "/access-token"),
            no_body,
            |_| vec![],
        )
        .elsewhere(200),
        Op::new(
            "DELETE access-token",
            RestSelf("DELETE", "/access-token"),
            no_body,
            |_| vec![],
        )
        .ok(204)
        .elsewhere(204),
        Op::new(
            "POST access-token/rotate",
            RestSelf("POST", "/access-token/rotate"),
            |_| json!({ "grace_seconds": 0 }),
            |_| vec![],
        )
        .ok(201)
        .elsewhere(201),
        Op::new(
            "POST introspect",
            RestSelf("POST", "/introspect"),
            |c| json!({ "token": c.secret }),
            |_| needing(Action::Introspect),
        )
        .elsewhere(200),
        // --- the signed-in person's own ------------------------------------------------
        Op::mine("rpc account", "account", |_| json!({})),
        Op::mine("rpc workspaces", "workspaces", |_| json!({})),
        Op::mine("rpc api_reference", "api_reference", |_| json!({})),
        Op::mine("rpc personal_tokens", "personal_tokens", |_| json!({})),
        Op::mine(
            "rpc set_hidden_columns",
            "set_hidden_columns",
            |_| json!({ "hidden": tessera::domain::token::HiddenColumns::default() }),
        ),
        // Every sign-in on the instance is for its admin alone, and only the instance admin
        // creates workspaces here (`workspace_creation = "admins"`): no caller is.
        Op::mine("rpc all_sign_ins", "all_sign_ins", |_| json!({}))
            .ok(403)
            .elsewhere(403),
        Op::mine(
            "rpc create_workspace",
            "create_workspace",
            |c| json!({ "name": format!("New {}", c.unique) }),
        )
        .ok(403)
        .elsewhere(403),
        // A wrong current password: past the door, refused by the password check.
        Op::mine(
            "rpc change_password",
            "change_password",
            |_| json!({ "current_password": "not it at all", "password": "a new one entirely 77" }),
        )
        .ok(422)
        .elsewhere(422),
        Op::mine(
            "rpc delete_account",
            "delete_account",
            |_| json!({ "password": "not it at all" }),
        )
        .ok(422)
        .elsewhere(422),
        // One's own personal token; someone else's, or one nobody has, is not found.
        Op::mine(
            "rpc set_personal_token_enabled",
            "set_personal_token_enabled",
            |c| json!({ "token": c.id, "enabled": false }),
        )
        .on(Target::MyPersonalToken)
        .elsewhere(404),
        Op::mine(
            "rpc copy_personal_token",
            "copy_personal_token",
            |c| json!({ "token": c.id }),
        )
        .on(Target::MyPersonalToken)
        .elsewhere(404),
        Op::mine(
            "rpc rotate_personal_token",
            "rotate_personal_token",
            |c| json!({ "token": c.id, "grace_seconds": 0 }),
        )
        .on(Target::MyPersonalToken)
        .elsewhere(404),
        Op::mine(
            "rpc delete_personal_token",
            "delete_personal_token",
            |c| json!({ "token": c.id }),
        )
        .on(Target::MyPersonalToken)
        .elsewhere(404),
    ];
    // The operations with a scope or role in them: once below everyone (Viewer) and once
    // above all but Owners (Owner), so that "never above your own role" is asked too.
    for target in [Role::Viewer, Role::Owner] {
        ops.extend(targeted(target));
    }
    ops
}

/// The operations done to (or granting) a token scope or a member role `target`. The
/// bodies name it through the call's unique string (see [`role_of`]).
fn targeted(target: Role) -> Vec<Op> {
    use Door::*;
    let token = Target::Token(target);
    let member = Target::Member(target);
    let invitation = Target::Invitation(target);
    let invitation_body = |c: &Call| json!({ "workspace": c.workspace, "invitation": c.id });
    vec![
        Op::new(
            "POST tokens",
            Rest("POST", "/workspaces/{ws}/tokens"),
            |c| json!({ "label": c.unique, "scope": role_of(c), "permissions": ["tokens:read"] }),
            creating,
        )
        .on(token)
        .ok(201),
        Op::new(
            "PATCH token label",
            Rest("PATCH", "/workspaces/{ws}/tokens/{id}"),
            |c| json!({ "label": c.unique }),
            editing,
        )
        .on(token),
        Op::new("DELETE token", Rest("DELETE", "/workspaces/{ws}/tokens/{id}"), no_body, deleting)
            .on(token)
            .ok(204),
        Op::new(
            "POST token rotate",
            Rest("POST", "/workspaces/{ws}/tokens/{id}/rotate"),
            |_| json!({ "grace_seconds": 0 }),
            rotating,
        )
        .on(token)
        .ok(201),
        Op::new(
            "POST members",
            Rest("POST", "/workspaces/{ws}/members"),
            |c| json!({ "email": format!("{}@example.com", c.unique), "role": role_of(c) }),
            inviting,
        )
        .on(invitation)
        .ok(201),
        Op::new(
            "PATCH member",
            Rest("PATCH", "/workspaces/{ws}/members/{id}"),
            |_| json!({ "role": "team_member" }),
            changing_role,
        )
        .on(member),
        Op::new("DELETE member", Rest("DELETE", "/workspaces/{ws}/members/{id}"), no_body, removing)
            .on(member)
            .ok(204),
        Op::new(
            "DELETE invitation",
            Rest("DELETE", "/workspaces/{ws}/invitations/{id}"),
            no_body,
            handling_invitation,
        )
        .on(invitation)
        .ok(204),
        Op::new(
            "POST invitation resend",
            Rest("POST", "/workspaces/{ws}/invitations/{id}/resend"),
            no_body,
            handling_invitation,
        )
        .on(invitation),
        Op::new(
            "rpc create_token",
            Rpc("create_token"),
            |c| json!({ "workspace": c.workspace, "input": input(&c.unique, role_of(c)) }),
            creating,
        )
        .on(token),
        Op::new(
            "rpc edit_token",
            Rpc("edit_token"),
            |c| {
                let mut edit = input(&c.unique, role_of(c));
                edit.permissions = None;
                json!({ "workspace": c.workspace, "token": c.id, "input": edit })
            },
            editing,
        )
        .on(token),
        Op::new("rpc delete_token", Rpc("delete_token"), token_body, deleting).on(token),
        Op::new("rpc copy_token", Rpc("copy_token"), token_body, |scope| {
            needing(Action::Token(TokenAction::Copy, scope))
        })
        .on(token),
        Op::new(
            "rpc rotate_token",
            Rpc("rotate_token"),
            |c| json!({ "workspace": c.workspace, "token": c.id, "grace_seconds": 0 }),
            rotating,
        )
        .on(token),
        Op::new(
            "rpc invite_member",
            Rpc("invite_member"),
            |c| {
                json!({ "workspace": c.workspace, "email": format!("{}@example.com", c.unique), "role": role_of(c) })
            },
            inviting,
        )
        .on(invitation),
        Op::new(
            "rpc resend_invitation",
            Rpc("resend_invitation"),
            invitation_body,
            handling_invitation,
        )
        .on(invitation),
        Op::new(
            "rpc revoke_invitation",
            Rpc("revoke_invitation"),
            invitation_body,
            handling_invitation,
        )
        .on(invitation),
        Op::new(
            "rpc change_member_role",
            Rpc("change_member_role"),
            |c| json!({ "workspace": c.workspace, "member": c.id, "role": "team_member" }),
            changing_role,
        )
        .on(member),
        Op::new(
            "rpc remove_member",
            Rpc("remove_member"),
            |c| json!({ "workspace": c.workspace, "member": c.id }),
            removing,
        )
        .on(member),
        // A personal token of one's own, reaching the workspace named, with this scope
        // there: any member may, for no more than their role (a field error above it, or
        // for a workspace they do not belong to).
        Op::new(
            "rpc create_personal_token",
            Rpc("create_personal_token"),
            |c| {
                let input = PersonalTokenInput {
                    label: c.unique.clone(),
                    expires_at: None,
                    workspaces: vec![GrantInput {
                        workspace_id: c.workspace,
                        scope: role_of(c),
                        permissions: None,
                    }],
                    allowed_ips: None,
                    rate_limit: None,
                };
                json!({ "input": input })
            },
            |scope| vec![Need::Act(Action::PersonalToken(scope), 422)],
        )
        .naming(target)
        .elsewhere(422),
    ]
}

/// The role an operation's body names: the call's unique string ends in it.
fn role_of(c: &Call) -> Role {
    Role::ALL
        .into_iter()
        .find(|role| c.unique.ends_with(role.as_str()))
        .expect("the unique string names the target role")
}

/// The answer the rules give `caller` for `op` in `place`, on a target of `role`.
fn expected(caller: Caller, op: &Op, place: Place, role: Role) -> u16 {
    let rest = matches!(op.door, Door::Rest(..) | Door::RestSelf(..));
    match caller {
        Caller::Nobody => return 401,
        // A session never opens the API; a token never opens a server function.
        Caller::Person(_) if rest => return 401,
        Caller::Token(..) if !rest => return 401,
        _ => {}
    }
    if place != Place::Own {
        return op.elsewhere;
    }
    let actor = caller.actor().expect("a caller with a role");
    for need in (op.needs)(role) {
        match need {
            Need::Act(action, above) => match authorize(actor, action) {
                Ok(()) => {}
                Err(Denied::NotFound) => return 404,
                Err(Denied::ScopeAboveRole) => return above,
                Err(_) => return 403,
            },
            Need::Ceiling(wanted, status) => {
                if !wanted.is_subset_of(actor.ceiling()) {
                    return status;
                }
            }
        }
    }
    op.ok
}

/// The served site, its two workspaces and everyone in them.
struct World {
    base: String,
    client: Client,
    db: Db,
    /// Olive: Owner of both workspaces, who makes every target.
    olive: CurrentUser,
    own: Uuid,
    other: Uuid,
    /// A signed-in person of each role in the own workspace, and their session cookie.
    people: Vec<(Role, CurrentUser, String)>,
    /// Pat, a Viewer in both workspaces, whose personal tokens wait for approval.
    pat: CurrentUser,
    /// Tom, whose membership (in either workspace) member operations change.
    tom: CurrentUser,
    counter: std::cell::Cell<u64>,
    /// The callers' tokens, by scope and permission.
    bearers: std::cell::RefCell<std::collections::HashMap<(Role, Option<ApiPermission>), String>>,
}

impl World {
    async fn new(db: &Db) -> (World, support::Site) {
        // A few hundred 401s come from one address: lift the per-address quota.
        let site = support::site(db, |var| {
            (var == "TESSERA_INVALID_TOKEN_REQUESTS_PER_HOUR").then(|| "100000".to_owned())
        })
        .await;
        let keys = support::api_keys();
        let meta = RequestMeta::default();
        let olive_ctx = support::acting(db, &keys, &site.owner, &meta, now_ms());
        let other = workspaces::create(
            &support::ctx(db, &keys, site.owner.clone(), &meta, now_ms()),
            "Elsewhere",
        )
        .await
        .unwrap()
        .id;
        let mut people = Vec::new();
        for role in Role::ALL {
            let email = format!("{}@people.example.com", role.as_str());
            let (person, session) =
                support::join(&olive_ctx, site.workspace, &email, role.label(), role).await;
            people.push((role, person, session));
        }
        let (pat, _) = support::join(
            &olive_ctx,
            site.workspace,
            "pat@people.example.com",
            "Pat",
            Role::Viewer,
        )
        .await;
        support::invite_existing(&olive_ctx, other, &pat, Role::Viewer).await;
        let (tom, _) = support::join(
            &olive_ctx,
            site.workspace,
            "tom@people.example.com",
            "Tom",
            Role::Viewer,
        )
        .await;
        support::invite_existing(&olive_ctx, other, &tom, Role::Viewer).await;
        // Personal tokens wait for approval in both workspaces (so that approving and
        // denying have something to decide on).
        for workspace in [site.workspace, other] {
            workspaces::set_token_policy(
                &olive_ctx,
                workspace,
                PolicyPatch {
                    approve_personal_tokens: Some(true),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        let world = World {
            base: format!("http://{}", site.served.addr),
            client: Client::new(),
            db: db.clone(),
            olive: site.owner.clone(),
            own: site.workspace,
            other,
            people,
            pat,
            tom,
            counter: Default::default(),
            bearers: Default::default(),
        };
        (world, site)
    }

    fn olive(&self) -> Ctx {
        support::acting(
            &self.db,
            &support::api_keys(),
            &self.olive,
            &RequestMeta::default(),
            now_ms(),
        )
    }

    fn as_person(&self, person: &CurrentUser) -> Ctx<CurrentUser> {
        support::ctx(
            &self.db,
            &support::api_keys(),
            person.clone(),
            &RequestMeta::default(),
            now_ms(),
        )
    }

    fn unique(&self, role: Role) -> String {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        format!("m{n}-{}", role.as_str())
    }

    /// A token of the own workspace as `caller` holds it (made fresh: some operations
    /// revoke or rotate the caller).
    async fn bearer(&self, scope: Role, chosen: Option<ApiPermission>) -> String {
        let label = self.unique(scope);
        let permissions = chosen.map(|p| [p]);
        support::mint(
            &self.olive(),
            self.own,
            &label,
            scope,
            permissions.as_ref().map(|p| &p[..]),
            None,
        )
        .await
        .1
    }

    /// Makes the target in `workspace` and returns its id (or a fresh id for nothing).
    async fn target(
        &self,
        target: Target,
        workspace: Uuid,
        place: Place,
        me: Option<&CurrentUser>,
    ) -> Uuid {
        let olive = self.olive();
        match target {
            Target::Nothing => Uuid::now_v7(),
            Target::Token(scope) => {
                support::mint(&olive, workspace, &self.unique(scope), scope, None, None)
                    .await
                    .0
            }
            Target::Invitation(role) => {
                let email = format!("{}@invited.example.com", self.unique(role));
                invitations::invite(&olive, workspace, &email, role)
                    .await
                    .unwrap()
                    .invitation
                    .id
            }
            Target::Member(role) => {
                let members = workspaces::members(&olive, workspace).await.unwrap();
                match members.members.iter().find(|m| m.user_id == self.tom.id) {
                    Some(member) if member.role == role => {}
                    Some(_) => {
                        workspaces::change_role(&olive, workspace, self.tom.id, role)
                            .await
                            .unwrap();
                    }
                    None => support::invite_existing(&olive, workspace, &self.tom, role).await,
                }
                self.tom.id
            }
            Target::PersonalToken => self.personal_token(&self.pat, workspace).await,
            Target::MyPersonalToken => match (place, me) {
                (Place::Own, Some(me)) => self.personal_token(me, self.own).await,
                (Place::Other, _) => self.personal_token(&self.pat, self.own).await,
                _ => Uuid::now_v7(),
            },
        }
    }

    /// A new personal token of `owner` reaching `workspace` with the Viewer scope.
    async fn personal_token(&self, owner: &CurrentUser, workspace: Uuid) -> Uuid {
        let input = PersonalTokenInput {
            label: self.unique(Role::Viewer),
            expires_at: None,
            workspaces: vec![GrantInput {
                workspace_id: workspace,
                scope: Role::Viewer,
                permissions: None,
            }],
            allowed_ips: None,
            rate_limit: None,
        };
        personal_tokens::create(&self.as_person(owner), input)
            .await
            .unwrap()
            .token
            .id
    }

    /// Calls `op` as `caller` in `place`; the status it answered.
    async fn call(&self, caller: Caller, op: &Op, place: Place, role: Role) -> u16 {
        let workspace = match place {
            Place::Own => self.own,
            Place::Other => self.other,
            Place::Nowhere => Uuid::now_v7(),
        };
        let me = match caller {
            Caller::Person(role) => Some(&self.people[role as usize].1),
            _ => None,
        };
        // Targets live where the call looks (a workspace nobody has holds nothing).
        let made_in = if place == Place::Nowhere {
            self.other
        } else {
            workspace
        };
        let id = self.target(op.target, made_in, place, me).await;
        let secret = if op.name == "POST introspect" {
            let label = self.unique(Role::Viewer);
            support::mint(&self.olive(), made_in, &label, Role::Viewer, None, None)
                .await
                .1
        } else {
            String::new()
        };
        let policy = if op.name == "rpc set_token_policy" {
            let policy = workspaces::token_policy(&self.olive(), made_in)
                .await
                .unwrap();
            serde_json::to_value(policy).unwrap()
        } else {
            Value::Null
        };
        let call = Call {
            workspace,
            id,
            unique: self.unique(role),
            policy,
            secret,
        };
        let body = (op.body)(&call);
        let (method, path) = match op.door {
            Door::Rest(method, path) | Door::RestSelf(method, path) => (
                method,
                format!(
                    "/api/v1{}",
                    path.replace("{ws}", &workspace.to_string())
                        .replace("{id}", &id.to_string())
                ),
            ),
            Door::Rpc(name) | Door::PersonRpc(name) => ("POST", format!("/rpc/{name}")),
        };
        let mut request = self
            .client
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", self.base),
            )
            .header(header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin");
        if !body.is_null() {
            request = request.json(&body);
        }
        match caller {
            Caller::Nobody => {}
            Caller::Person(role) => {
                let session = &self.people[role as usize].2;
                request = request.header(header::COOKIE, format!("tessera_session={session}"));
            }
            Caller::Token(scope, chosen) => {
                // Revoking or rotating itself ends a token: those calls get a fresh one.
                let spent = matches!(
                    op.door,
                    Door::RestSelf("DELETE" | "POST", "/access-token" | "/access-token/rotate")
                );
                let kept = self.bearers.borrow().get(&(scope, chosen)).cloned();
                let secret = match kept {
                    Some(secret) if !spent => secret,
                    _ => {
                        let secret = self.bearer(scope, chosen).await;
                        if !spent {
                            self.bearers
                                .borrow_mut()
                                .insert((scope, chosen), secret.clone());
                        }
                        secret
                    }
                };
                request = request.bearer_auth(secret);
            }
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        if status >= 500 {
            panic!(
                "{op} as {caller} in {place:?}: {status} {}",
                response.text().await.unwrap_or_default(),
                op = op.name
            );
        }
        status
    }
}

async fn the_matrix(test: support::TestDb) {
    let (world, site) = World::new(&test.db).await;
    let callers = Caller::all();
    let ops = operations();
    let mut cases = 0;
    let mut mismatches = Vec::new();
    for op in &ops {
        let role = op.role;
        for &caller in &callers {
            for place in [Place::Own, Place::Other, Place::Nowhere] {
                let self_door = matches!(op.door, Door::RestSelf(..) | Door::PersonRpc(..));
                if self_door && place != Place::Own && !matches!(op.target, Target::MyPersonalToken)
                {
                    continue;
                }
                let want = expected(caller, op, place, role);
                let got = world.call(caller, op, place, role).await;
                cases += 1;
                if got != want {
                    mismatches.push(format!(
                        "{} as {caller} in {place:?} (target {}): expected {want}, got {got}",
                        op.name,
                        role.as_str()
                    ));
                }
            }
        }
    }
    println!(
        "authorization matrix on {}: {cases} cases ({} callers × {} operations, each in the caller's own workspace, another and one that does not exist where it names one), {} mismatches",
        test.db.engine().name(),
        callers.len(),
        ops.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cases} cases differ from the rules:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    drop(site);
    test.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    the_matrix(support::TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    the_matrix(support::TestDb::postgres().await).await;
}
