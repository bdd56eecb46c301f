//! The services as the UI and the API use them, on SQLite and PostgreSQL: set-up,
//! sign-in and throttling, sessions, members, and every token action for every role.

mod support;

use tessera::{
    domain::{
        error::AppError,
        role::Role,
        token::{HiddenColumns, TokenColumn, TokenStatus},
        token_format::TokenSecret,
    },
    model::{CurrentUser, InvitationAnswer, SessionState, TokenInput},
    server::{
        config::SecretKey,
        secrets::Keys,
        services::{
            RequestMeta,
            accounts::{self, SESSION_IDLE_MS, SetupInput},
            invitations, token_views, tokens, workspaces,
        },
        store::{Db, tokens::TokenHolder},
    },
};
use uuid::Uuid;

const NOW: i64 = 1_795_000_000_000;
const DAY: i64 = 86_400_000;

fn keys() -> Keys {
    Keys::derive(&SecretKey([3; 32]))
}

fn meta() -> RequestMeta {
    RequestMeta {
        ip: Some("192.0.2.7".into()),
        user_agent: Some("tests".into()),
    }
}

fn owner_input() -> SetupInput {
    SetupInput {
        email: "Owner@Example.com".into(),
        name: "Olive Owner".into(),
        password: "correct horse battery".into(),
        workspace_name: "Acme".into(),
    }
}

/// Set-up, then one member per role below Owner; returns the workspace and the users.
struct World {
    workspace: Uuid,
    owner: CurrentUser,
    by_role: Vec<(Role, CurrentUser)>,
}

async fn world(db: &Db) -> World {
    let (session, workspace) =
        accounts::setup(&support::ctx(db, &keys(), (), &meta(), NOW), owner_input())
            .await
            .unwrap();
    let owner = session.user;
    let mut by_role = vec![(Role::Owner, owner.clone())];
    for role in [
        Role::Administrator,
        Role::WorkspaceManager,
        Role::TeamMember,
        Role::Viewer,
    ] {
        let email = format!("{}@example.com", role.as_str());
        let (user, _) = support::join(
            &support::acting(db, &keys(), &owner, &RequestMeta::default(), NOW),
            workspace,
            &email,
            role.label(),
            role,
        )
        .await;
        by_role.push((role, user));
    }
    World {
        workspace,
        owner,
        by_role,
    }
}

impl World {
    fn user(&self, role: Role) -> &CurrentUser {
        &self.by_role.iter().find(|(r, _)| *r == role).unwrap().1
    }
}

fn input(label: &str, scope: Role) -> TokenInput {
    TokenInput {
        permissions: None,
        label: label.into(),
        scope,
        expires_at: None,
        allowed_ips: None,
        rate_limit: Default::default(),
    }
}

async fn audit_count(db: &Db, workspace: Uuid, action: &str) -> usize {
    db.audit_events(workspace, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

on_both_engines! {
    async fn setup_creates_the_owner_once_and_bad_input_saves_nothing(test: TestDb) {
        let db = &test.db;
        let state = accounts::session_state(&support::ctx(db, &keys(), (), &RequestMeta::default(), NOW), None).await.unwrap();
        assert_eq!(state, SessionState::SetupRequired);

        let short = SetupInput { password: "too short".into(), ..owner_input() };
        let error = accounts::setup(&support::ctx(db, &keys(), (), &meta(), NOW), short).await.unwrap_err();
        assert_eq!(error.field(), Some("password"));
        assert_eq!(db.count_users().await.unwrap(), 0, "nothing is saved on bad input");
        let no_workspace = SetupInput { workspace_name: " ".into(), ..owner_input() };
        let error = accounts::setup(&support::ctx(db, &keys(), (), &meta(), NOW), no_workspace).await.unwrap_err();
        assert_eq!(error.field(), Some("workspace_name"));

        let (session, workspace) = accounts::setup(&support::ctx(db, &keys(), (), &meta(), NOW), owner_input()).await.unwrap();
        assert_eq!(session.user.email, "owner@example.com");
        let list = workspaces::list(&support::ctx(db, &keys(), session.user.clone(), &RequestMeta::default(), NOW)).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].id, workspace);
        assert_eq!(list[0].role, Role::Owner);
        let state = accounts::session_state(&support::ctx(db, &keys(), (), &RequestMeta::default(), NOW), Some(&session.id)).await.unwrap();
        assert_eq!(state, SessionState::SignedIn(session.user.clone()));

        let again = accounts::setup(&support::ctx(db, &keys(), (), &meta(), NOW), owner_input()).await.unwrap_err();
        assert_eq!(again, AppError::NotFound);
        assert_eq!(accounts::session_state(&support::ctx(db, &keys(), (), &RequestMeta::default(), NOW), None).await.unwrap(), SessionState::SignedOut);
        test.remove().await;
    }

    async fn sign_in_sessions_expire_when_idle_and_end_on_sign_out(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let session = accounts::login(&support::ctx(db, &keys(), (), &meta(), NOW), " OWNER@example.com ", "correct horse battery")
            .await
            .unwrap();
        assert_eq!(session.user, world.owner);
        let signed_in = accounts::authenticate(&support::ctx(db, &keys(), (), &RequestMeta::default(), NOW + 1000), Some(&session.id)).await.unwrap();
        assert_eq!(signed_in.as_ref(), Some(&world.owner));
        // Used within the idle limit, the session slides on.
        let later = NOW + SESSION_IDLE_MS - 1000;
        assert!(accounts::authenticate(&support::ctx(db, &keys(), (), &RequestMeta::default(), later), Some(&session.id)).await.unwrap().is_some());
        assert!(accounts::authenticate(&support::ctx(db, &keys(), (), &RequestMeta::default(), later + SESSION_IDLE_MS - 1), Some(&session.id)).await.unwrap().is_some());
        // Left idle, it ends.
        let idle = later + 2 * SESSION_IDLE_MS;
        assert!(accounts::authenticate(&support::ctx(db, &keys(), (), &RequestMeta::default(), idle), Some(&session.id)).await.unwrap().is_none());
        // The sweeper removes it (and those set-up and the four invitees' acceptances
        // opened, idle as long).
        assert_eq!(db.delete_expired_sessions(idle).await.unwrap(), 6);
        assert_eq!(db.delete_expired_sessions(idle).await.unwrap(), 0);

        let session = accounts::login(&support::ctx(db, &keys(), (), &meta(), NOW), "owner@example.com", "correct horse battery").await.unwrap();
        accounts::logout(&support::ctx(db, &keys(), (), &RequestMeta::default(), NOW), Some(&session.id)).await.unwrap();
        assert!(accounts::authenticate(&support::ctx(db, &keys(), (), &RequestMeta::default(), NOW), Some(&session.id)).await.unwrap().is_none());
        // A forged or truncated cookie is nobody.
        assert!(accounts::authenticate(&support::ctx(db, &keys(), (), &RequestMeta::default(), NOW), Some("abc")).await.unwrap().is_none());
        test.remove().await;
    }

    async fn failed_sign_ins_do_not_say_which_part_was_wrong_and_ten_slow_the_account(test: TestDb) {
        let db = &test.db;
        world(db).await;
        let unknown = accounts::login(&support::ctx(db, &keys(), (), &meta(), NOW), "nobody@example.com", "correct horse battery")
            .await
            .unwrap_err();
        let wrong = accounts::login(&support::ctx(db, &keys(), (), &meta(), NOW), "owner@example.com", "wrong password!")
            .await
            .unwrap_err();
        assert_eq!(unknown, wrong, "the same answer for an unknown email and a wrong password");

        // From another address each time, so only the account's counter grows.
        for attempt in 1..10 {
            let from = RequestMeta { ip: Some(format!("198.51.100.{attempt}")), user_agent: None };
            accounts::login(&support::ctx(db, &keys(), (), &from, NOW), "owner@example.com", "wrong password!").await.unwrap_err();
        }
        let elsewhere = RequestMeta { ip: Some("203.0.113.1".into()), user_agent: None };
        let throttled = accounts::login(&support::ctx(db, &keys(), (), &elsewhere, NOW + 1000), "owner@example.com", "correct horse battery")
            .await
            .unwrap_err();
        let AppError::Throttled(message) = &throttled else { panic!("{throttled:?}") };
        assert!(message.contains("Too many failed sign-in attempts"), "{message}");
        // An unknown account is slowed the same way: no enumeration by throttling either.
        for _ in 0..10 {
            accounts::login(&support::ctx(db, &keys(), (), &elsewhere, NOW), "ghost@example.com", "x").await.unwrap_err();
        }
        let ghost = accounts::login(&support::ctx(db, &keys(), (), &elsewhere, NOW + 1), "ghost@example.com", "x").await.unwrap_err();
        assert!(matches!(ghost, AppError::Throttled(_)), "{ghost:?}");
        // After the wait the right password works again.
        let session = accounts::login(&support::ctx(db, &keys(), (), &meta(), NOW + 60_000), "owner@example.com", "correct horse battery")
            .await;
        assert!(session.is_ok(), "{session:?}");
        test.remove().await;
    }

    async fn members_are_managed_by_admins_and_the_last_owner_stays(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let ws = world.workspace;
        let admin = world.user(Role::Administrator);
        let member = world.user(Role::TeamMember);

        // Everyone in the workspace sees the list; only admins and owners may manage it.
        let page = workspaces::members(&support::acting(db, &keys(), member, &RequestMeta::default(), NOW), ws).await.unwrap();
        assert_eq!(page.members.len(), 5);
        assert!(!page.can_manage);
        let page = workspaces::members(&support::acting(db, &keys(), admin, &RequestMeta::default(), NOW), ws).await.unwrap();
        assert!(page.can_manage);
        assert_eq!(page.grantable_roles.last(), Some(&Role::Administrator));

        let invite = async |by: &CurrentUser, email: &str, role: Role| {
            invitations::invite(&support::acting(db, &keys(), by, &meta(), NOW), ws, email, role).await
        };
        let denied = invite(member, "new@example.com", Role::Viewer).await.unwrap_err();
        assert!(matches!(denied, AppError::Forbidden(_)), "{denied:?}");
        let above = invite(admin, "new@example.com", Role::Owner).await.unwrap_err();
        assert_eq!(above.field(), Some("role"));

        // An invitation makes no account and no member until the invitee accepts.
        let sent = invite(admin, "new@example.com", Role::Viewer).await.unwrap();
        assert!(db.user_by_email("new@example.com").await.unwrap().is_none());
        assert_eq!(workspaces::members(&support::acting(db, &keys(), admin, &RequestMeta::default(), NOW), ws).await.unwrap().members.len(), 5);
        let twice = invite(admin, "new@example.com", Role::Viewer).await.unwrap_err();
        assert!(twice.to_string().contains("already has an open invitation"), "{twice}");
        let code = sent.link.unwrap().rsplit('/').next().unwrap().to_owned();
        let answer = InvitationAnswer { accept: true, name: Some("Nina New".into()), password: Some(support::JOINED_PASSWORD.into()) };
        invitations::answer(&support::ctx(db, &keys(), None, &meta(), NOW), &code, answer.clone()).await.unwrap();
        accounts::login(&support::ctx(db, &keys(), (), &meta(), NOW), "new@example.com", support::JOINED_PASSWORD).await.unwrap();
        // The link works once.
        let again = invitations::answer(&support::ctx(db, &keys(), None, &meta(), NOW), &code, answer).await.unwrap_err();
        assert_eq!(again.field(), Some("code"), "{again:?}");
        let member_now = invite(admin, "new@example.com", Role::Viewer).await.unwrap_err();
        assert!(member_now.to_string().contains("already a member"), "{member_now}");

        // Administrators cannot touch Owners; nobody can remove or demote the last Owner.
        let owner = &world.owner;
        let error = workspaces::change_role(&support::acting(db, &keys(), admin, &meta(), NOW), ws, owner.id, Role::Viewer).await.unwrap_err();
        assert!(matches!(error, AppError::Forbidden(_)), "{error:?}");
        let error = workspaces::change_role(&support::acting(db, &keys(), owner, &meta(), NOW), ws, owner.id, Role::Administrator).await.unwrap_err();
        assert!(matches!(&error, AppError::Conflict(m) if m.contains("at least one Owner")), "{error:?}");
        let error = workspaces::remove_member(&support::acting(db, &keys(), owner, &meta(), NOW), ws, owner.id).await.unwrap_err();
        assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
        // With a second Owner, the first may step down.
        workspaces::change_role(&support::acting(db, &keys(), owner, &meta(), NOW), ws, admin.id, Role::Owner).await.unwrap();
        workspaces::change_role(&support::acting(db, &keys(), owner, &meta(), NOW), ws, owner.id, Role::Administrator).await.unwrap();
        workspaces::remove_member(&support::acting(db, &keys(), admin, &meta(), NOW), ws, member.id).await.unwrap();
        assert_eq!(workspaces::members(&support::acting(db, &keys(), member, &RequestMeta::default(), NOW), ws).await.unwrap_err(), AppError::NotFound);
        assert_eq!(audit_count(db, ws, "member.role_changed").await, 2);
        assert_eq!(audit_count(db, ws, "member.removed").await, 1);
        test.remove().await;
    }

    async fn two_owners_stepping_down_at_once_leave_the_workspace_one_owner(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let ws = world.workspace;
        let first = &world.owner;
        let second = world.user(Role::Administrator);
        let meta = meta();
        workspaces::change_role(&support::acting(db, &keys(), first, &meta, NOW), ws, second.id, Role::Owner).await.unwrap();
        let owners = async || {
            let members = db.members(ws).await.unwrap().into_iter();
            members.filter(|m| m.role == Role::Owner).map(|m| m.user_id).collect::<Vec<_>>()
        };
        // Each Owner demotes (even rounds) or removes (odd rounds) themselves, both at once,
        // each on its own connection from the pool.
        for round in 0..20 {
            let removing = round % 2 == 1;
            let by_first = support::acting(db, &keys(), first, &meta, NOW);
            let by_second = support::acting(db, &keys(), second, &meta, NOW);
            let (a, b) = if removing {
                tokio::join!(
                    workspaces::remove_member(&by_first, ws, first.id),
                    workspaces::remove_member(&by_second, ws, second.id),
                )
            } else {
                let (a, b) = tokio::join!(
                    workspaces::change_role(&by_first, ws, first.id, Role::Administrator),
                    workspaces::change_role(&by_second, ws, second.id, Role::Administrator),
                );
                (a.map(drop), b.map(drop))
            };
            let remaining = owners().await;
            assert_eq!(remaining.len(), 1, "round {round}: {a:?} {b:?}");
            let refused = [&a, &b].into_iter().filter(|r| matches!(r, Err(AppError::Conflict(m)) if m.contains("at least one Owner"))).count();
            assert_eq!((refused, a.is_ok() as usize + b.is_ok() as usize), (1, 1), "round {round}: {a:?} {b:?}");
            // Back to two Owners for the next round.
            let (stayed, left) = if remaining[0] == first.id { (first, second) } else { (second, first) };
            if removing {
                        let sent = invitations::invite(&support::acting(db, &keys(), stayed, &meta, NOW), ws, &left.email, Role::Owner).await.unwrap();
                let code = sent.link.unwrap().rsplit('/').next().unwrap().to_owned();
                let accept = InvitationAnswer { accept: true, name: None, password: None };
                invitations::answer(&support::ctx(db, &keys(), Some(left.clone()), &meta, NOW), &code, accept).await.unwrap();
            } else {
                workspaces::change_role(&support::acting(db, &keys(), stayed, &meta, NOW), ws, left.id, Role::Owner).await.unwrap();
            }
        }
        test.remove().await;
    }

    async fn every_role_may_do_exactly_its_token_actions(test: TestDb) {
        let db = &test.db;
        let keys = keys();
        let world = world(db).await;
        let ws = world.workspace;
        let owner_token = tokens::create(&support::acting(db, &keys, &world.owner, &meta(), NOW), ws, input("owner scope", Role::Owner)).await.unwrap();
        let viewer_token = tokens::create(&support::acting(db, &keys, &world.owner, &meta(), NOW), ws, input("viewer scope", Role::Viewer)).await.unwrap();

        for (role, user) in &world.by_role {
            let role = *role;
            let page = token_views::page(&support::acting(db, &keys, user, &RequestMeta::default(), NOW), ws).await.unwrap();
            for id in [owner_token.token.id, viewer_token.token.id] {
                assert!(page.tokens.iter().any(|t| t.id == id), "{role:?} sees every token");
            }
            let writer = role >= Role::WorkspaceManager;
            let admin = role >= Role::Administrator;
            assert_eq!(page.can_create, writer, "{role:?}");

            let created = tokens::create(&support::acting(db, &keys, user, &meta(), NOW), ws, input(&format!("{role:?} own"), Role::Viewer)).await;
            assert_eq!(created.is_ok(), writer, "{role:?} create: {created:?}");
            let copied = tokens::copy(&support::acting(db, &keys, user, &meta(), NOW), ws, viewer_token.token.id).await;
            assert_eq!(copied.is_ok(), writer, "{role:?} copy: {copied:?}");
            let edited = tokens::update(&support::acting(db, &keys, user, &meta(), NOW), ws, viewer_token.token.id, input("viewer scope", Role::Viewer).into()).await;
            assert_eq!(edited.is_ok(), writer, "{role:?} edit: {edited:?}");
            let disabled = tokens::update(&support::acting(db, &keys, user, &meta(), NOW), ws, viewer_token.token.id, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await;
            assert_eq!(disabled.is_ok(), admin, "{role:?} disable: {disabled:?}");
            let enabled = tokens::update(&support::acting(db, &keys, user, &meta(), NOW), ws, viewer_token.token.id, tokens::TokenPatch { enabled: Some(true), ..Default::default() }).await;
            assert_eq!(enabled.is_ok(), admin, "{role:?} enable: {enabled:?}");
            // Nobody copies or edits a token above their role.
            let above = tokens::copy(&support::acting(db, &keys, user, &meta(), NOW), ws, owner_token.token.id).await;
            assert_eq!(above.is_ok(), role == Role::Owner, "{role:?} copy owner token");
            if !writer {
                assert!(matches!(created.unwrap_err(), AppError::Forbidden(_)));
            }
            let view = page.tokens.iter().find(|t| t.id == owner_token.token.id).unwrap();
            assert_eq!(view.may_copy, role == Role::Owner, "{role:?}");
            assert_eq!(view.may_edit, role == Role::Owner, "{role:?}");
            assert_eq!(view.may_delete, admin, "{role:?}");
        }
        // A scope above one's own role is refused on create and on edit, saving nothing.
        let manager = world.user(Role::WorkspaceManager);
        let error = tokens::create(&support::acting(db, &keys, manager, &meta(), NOW), ws, input("too strong", Role::Administrator)).await.unwrap_err();
        assert_eq!(error.field(), Some("scope"));
        let error = tokens::update(&support::acting(db, &keys, manager, &meta(), NOW), ws, viewer_token.token.id, input("viewer scope", Role::Owner).into()).await.unwrap_err();
        assert_eq!(error.field(), Some("scope"));
        assert!(!token_views::page(&support::acting(db, &keys, manager, &RequestMeta::default(), NOW), ws).await.unwrap().tokens.iter().any(|t| t.label == "too strong"));

        // Administrators may delete a token above them (revoking is safe), and it is gone.
        let admin = world.user(Role::Administrator);
        tokens::delete(&support::acting(db, &keys, admin, &meta(), NOW), ws, owner_token.token.id).await.unwrap();
        assert!(db.token(ws, owner_token.token.id).await.unwrap().is_none());
        let copies = audit_count(db, ws, "token.copied").await;
        assert_eq!(copies, 4, "three writers copied the viewer token and the owner its own");
        assert_eq!(audit_count(db, ws, "token.deleted").await, 1);
        assert_eq!(audit_count(db, ws, "token.disabled").await, 2);
        assert_eq!(audit_count(db, ws, "token.enabled").await, 2);
        test.remove().await;
    }

    async fn an_administrator_cannot_re_enable_an_owner_token_an_owner_disabled(test: TestDb) {
        let db = &test.db;
        let keys = keys();
        let world = world(db).await;
        let ws = world.workspace;
        let owner = &world.owner;
        let admin = world.user(Role::Administrator);
        let token = tokens::create(&support::acting(db, &keys, owner, &meta(), NOW), ws, input("root", Role::Owner)).await.unwrap();
        tokens::update(&support::acting(db, &keys, owner, &meta(), NOW), ws, token.token.id, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();

        let refused = tokens::update(&support::acting(db, &keys, admin, &meta(), NOW), ws, token.token.id, tokens::TokenPatch { enabled: Some(true), ..Default::default() }).await.unwrap_err();
        assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");
        assert_eq!(refused.http_status(), 403);
        assert!(db.token(ws, token.token.id).await.unwrap().unwrap().disabled_at.is_some(), "still disabled");
        assert_eq!(audit_count(db, ws, "token.enabled").await, 0);
        // The table offers the Administrator no Enable button for it, and the Owner one.
        let seen = |page: tessera::model::TokensPage| page.tokens.into_iter().find(|t| t.id == token.token.id).unwrap();
        assert!(!seen(token_views::page(&support::acting(db, &keys, admin, &RequestMeta::default(), NOW), ws).await.unwrap()).may_disable);
        assert!(seen(token_views::page(&support::acting(db, &keys, owner, &RequestMeta::default(), NOW), ws).await.unwrap()).may_disable);

        // Revoking stays open to Administrators: they may still disable an Owner token.
        let enabled = tokens::update(&support::acting(db, &keys, owner, &meta(), NOW), ws, token.token.id, tokens::TokenPatch { enabled: Some(true), ..Default::default() }).await.unwrap();
        assert_eq!(enabled.status, TokenStatus::Active);
        assert!(seen(token_views::page(&support::acting(db, &keys, admin, &RequestMeta::default(), NOW), ws).await.unwrap()).may_disable);
        let disabled = tokens::update(&support::acting(db, &keys, admin, &meta(), NOW), ws, token.token.id, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();
        assert_eq!(disabled.status, TokenStatus::Disabled);
        test.remove().await;
    }

    async fn secrets_are_shown_once_stored_as_digests_and_copy_returns_them(test: TestDb) {
        let db = &test.db;
        let keys = keys();
        let world = world(db).await;
        let ws = world.workspace;
        let created = tokens::create(&support::acting(db, &keys, &world.owner, &meta(), NOW), ws, TokenInput {
            permissions: None,
            label: "  CI deploy ".into(), scope: Role::TeamMember, expires_at: Some(NOW + 3 * DAY),
            allowed_ips: None, rate_limit: Default::default(),
        }).await.unwrap();
        let secret = TokenSecret::parse(&created.secret).expect("a well-formed token");
        assert_eq!(created.token.label, "CI deploy");
        assert_eq!(created.token.display_prefix, &created.secret[..10]);
        assert_eq!(created.token.status, TokenStatus::Active);

        // Found by its digest; the secret itself is nowhere in the row.
        let row = db.token_by_digest(&keys.token_digest(secret.as_presented())).await.unwrap().unwrap();
        assert_eq!(row.id, created.token.id);
        let sealed = db.sealed_secret(TokenHolder::Workspace(ws), row.id).await.unwrap().unwrap().unwrap();
        assert!(!sealed.windows(20).any(|w| w == &created.secret.as_bytes()[10..30]));

        let copied = tokens::copy(&support::acting(db, &keys, &world.owner, &meta(), NOW), ws, row.id).await.unwrap();
        assert_eq!(copied, created.secret);
        // Another workspace's member gets "not found" for everything about it.
        let other = accounts::login(&support::ctx(db, &keys, (), &meta(), NOW), "viewer@example.com", "x").await;
        assert!(other.is_err());
        // As if workspace_creation = "everyone".
        let creator = CurrentUser { may_create_workspaces: true, ..world.user(Role::Viewer).clone() };
        let stranger = workspaces::create(&support::ctx(db, &keys, creator.clone(), &meta(), NOW), "Elsewhere").await.unwrap();
        let elsewhere = token_views::page(&support::acting(db, &keys, world.user(Role::Viewer), &RequestMeta::default(), NOW), stranger.id).await.unwrap();
        assert!(elsewhere.tokens.is_empty());
        let outsider = CurrentUser { id: Uuid::now_v7(), email: "x@example.com".into(), name: "X".into(), ..world.owner.clone() };
        assert_eq!(token_views::page(&support::acting(db, &keys, &outsider, &RequestMeta::default(), NOW), ws).await.unwrap_err(), AppError::NotFound);
        assert_eq!(tokens::copy(&support::acting(db, &keys, &outsider, &meta(), NOW), ws, row.id).await.unwrap_err(), AppError::NotFound);
        // The token id under the wrong workspace is not found either, even for its Owner.
        let owner_elsewhere = workspaces::create(&support::ctx(db, &keys, world.owner.clone(), &meta(), NOW), "Second").await.unwrap();
        assert_eq!(tokens::copy(&support::acting(db, &keys, &world.owner, &meta(), NOW), owner_elsewhere.id, row.id).await.unwrap_err(), AppError::NotFound);
        assert_eq!(tokens::delete(&support::acting(db, &keys, &world.owner, &meta(), NOW), owner_elsewhere.id, row.id).await.unwrap_err(), AppError::NotFound);
        test.remove().await;
    }

    async fn bad_token_input_explains_itself_and_saves_nothing(test: TestDb) {
        let db = &test.db;
        let keys = keys();
        let world = world(db).await;
        let ws = world.workspace;
        let owner = &world.owner;
        tokens::create(&support::acting(db, &keys, owner, &meta(), NOW), ws, input("Deploy", Role::Viewer)).await.unwrap();

        let taken = tokens::create(&support::acting(db, &keys, owner, &meta(), NOW), ws, input("deploy", Role::Viewer)).await.unwrap_err();
        assert_eq!(taken.field(), Some("label"));
        assert!(taken.to_string().contains("already has a token labelled"), "{taken}");
        let empty = tokens::create(&support::acting(db, &keys, owner, &meta(), NOW), ws, input("   ", Role::Viewer)).await.unwrap_err();
        assert_eq!(empty.field(), Some("label"));
        let long = tokens::create(&support::acting(db, &keys, owner, &meta(), NOW), ws, input(&"x".repeat(101), Role::Viewer)).await.unwrap_err();
        assert!(long.to_string().contains("at most 100 characters"), "{long}");
        let past = tokens::create(&support::acting(db, &keys, owner, &meta(), NOW), ws, TokenInput {
            permissions: None,
            label: "old".into(), scope: Role::Viewer, expires_at: Some(NOW - 1),
            allowed_ips: None, rate_limit: Default::default(),
        }).await.unwrap_err();
        assert_eq!(past.field(), Some("expires_at"));
        let page = token_views::page(&support::acting(db, &keys, owner, &RequestMeta::default(), NOW), ws).await.unwrap();
        assert_eq!(page.tokens.len(), 1, "nothing half-written");
        assert_eq!(audit_count(db, ws, "token.created").await, 1);

        // The same label in another workspace is fine; renaming onto a taken label is not.
        let second = workspaces::create(&support::ctx(db, &keys, owner.clone(), &meta(), NOW), "Second").await.unwrap();
        tokens::create(&support::acting(db, &keys, owner, &meta(), NOW), second.id, input("Deploy", Role::Viewer)).await.unwrap();
        let other = tokens::create(&support::acting(db, &keys, owner, &meta(), NOW), ws, input("Other", Role::Viewer)).await.unwrap();
        let clash = tokens::update(&support::acting(db, &keys, owner, &meta(), NOW), ws, other.token.id, input("DEPLOY", Role::Viewer).into()).await.unwrap_err();
        assert_eq!(clash.field(), Some("label"));
        assert_eq!(db.token(ws, other.token.id).await.unwrap().unwrap().label, "Other");
        test.remove().await;
    }

    async fn expiry_and_disabling_show_in_the_status(test: TestDb) {
        let db = &test.db;
        let keys = keys();
        let world = world(db).await;
        let ws = world.workspace;
        let owner = &world.owner;
        let soon = tokens::create(&support::acting(db, &keys, owner, &meta(), NOW), ws, TokenInput {
            permissions: None,
            label: "soon".into(), scope: Role::Viewer, expires_at: Some(NOW + DAY),
            allowed_ips: None, rate_limit: Default::default(),
        }).await.unwrap();
        let later = NOW + 2 * DAY;
        let page = token_views::page(&support::acting(db, &keys, owner, &RequestMeta::default(), later), ws).await.unwrap();
        let view = &page.tokens[0];
        assert_eq!(view.status, TokenStatus::Expired);
        assert!(!view.may_copy, "no copy button on an expired token");
        // Editing the label keeps an expiry that has passed.
        let edited = tokens::update(&support::acting(db, &keys, owner, &meta(), later), ws, soon.token.id, TokenInput {
            permissions: None,
            label: "soon (old)".into(), scope: Role::Viewer, expires_at: Some(NOW + DAY),
            allowed_ips: None, rate_limit: Default::default(),
        }.into()).await.unwrap();
        assert_eq!(edited.status, TokenStatus::Expired);
        let disabled = tokens::update(&support::acting(db, &keys, owner, &meta(), NOW), ws, soon.token.id, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();
        assert_eq!(disabled.status, TokenStatus::Disabled);
        // Asking again changes and records nothing.
        tokens::update(&support::acting(db, &keys, owner, &meta(), NOW), ws, soon.token.id, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();
        assert_eq!(audit_count(db, ws, "token.disabled").await, 1);
        test.remove().await;
    }

    async fn only_those_who_may_enable_a_token_can_give_an_expired_one_a_new_expiry(test: TestDb) {
        let db = &test.db;
        let keys = keys();
        let world = world(db).await;
        let ws = world.workspace;
        let manager = world.user(Role::WorkspaceManager);
        let admin = world.user(Role::Administrator);
        let expiry = NOW + DAY;
        let created = tokens::create(&support::acting(db, &keys, &world.owner, &meta(), NOW), ws, TokenInput {
            expires_at: Some(expiry), ..input("nightly", Role::Viewer)
        }).await.unwrap();
        let id = created.token.id;
        let later = NOW + 2 * DAY;
        let with_expiry = |label: &str, expires_at: Option<i64>| TokenInput { expires_at, ..input(label, Role::Viewer) };

        // A Workspace Manager may not enable tokens, so may not revive an expired one either.
        for revived in [Some(later + 30 * DAY), None] {
            let error = tokens::update(&support::acting(db, &keys, manager, &meta(), later), ws, id, with_expiry("nightly (again)", revived).into()).await.unwrap_err();
            assert!(matches!(&error, AppError::Forbidden(m) if m.contains("has expired")), "{error:?}");
        }
        let row = db.token(ws, id).await.unwrap().unwrap();
        assert_eq!((row.label.as_str(), row.expires_at), ("nightly", Some(expiry)), "nothing changed");
        assert_eq!(audit_count(db, ws, "token.edited").await, 0);

        // Leaving the expiry as it is, the Manager may still edit the rest.
        let relabelled = tokens::update(&support::acting(db, &keys, manager, &meta(), later), ws, id, with_expiry("nightly (old)", Some(expiry)).into()).await.unwrap();
        assert_eq!((relabelled.label.as_str(), relabelled.status), ("nightly (old)", TokenStatus::Expired));

        // An Administrator may revive it; once it is active, the Manager may move its expiry again.
        let revived = tokens::update(&support::acting(db, &keys, admin, &meta(), later), ws, id, with_expiry("nightly", Some(later + 30 * DAY)).into()).await.unwrap();
        assert_eq!(revived.status, TokenStatus::Active);
        let moved = tokens::update(&support::acting(db, &keys, manager, &meta(), later), ws, id, with_expiry("nightly", Some(later + 7 * DAY)).into()).await.unwrap();
        assert_eq!(moved.expires_at, Some(later + 7 * DAY));
        test.remove().await;
    }

    async fn hidden_columns_are_remembered_per_user(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let owner = &world.owner;
        let saved = token_views::set_hidden_columns(&support::ctx(db, &keys(), owner.clone(), &RequestMeta::default(), NOW), HiddenColumns(vec![
            TokenColumn::Scope, TokenColumn::Status, TokenColumn::Scope,
        ])).await.unwrap();
        assert_eq!(saved.0, vec![TokenColumn::Scope]);
        let page = token_views::page(&support::acting(db, &keys(), owner, &RequestMeta::default(), NOW), world.workspace).await.unwrap();
        assert_eq!(page.hidden_columns.0, vec![TokenColumn::Scope]);
        let other = token_views::page(&support::acting(db, &keys(), world.user(Role::Viewer), &RequestMeta::default(), NOW), world.workspace).await.unwrap();
        assert!(other.hidden_columns.0.is_empty());
        test.remove().await;
    }

    async fn the_api_access_audit_finds_tokens_by_value_prefix_ip_scope_permission_and_admin(test: TestDb) {
        use tessera::{
            domain::api_permission::{ApiPermission, PermissionSet},
            model::AccessAuditQuery,
            server::{jobs::last_used::{LastUsed, Use}, services::access_audit},
        };
        let db = &test.db;
        let keys = keys();
        let world = world(db).await;
        let ws = world.workspace;
        let owner = &world.owner;
        let admin = world.user(Role::Administrator);
        let deploy = tokens::create(&support::acting(db, &keys, owner, &meta(), NOW), ws, input("deploy", Role::TeamMember)).await.unwrap();
        let ops = tokens::create(&support::acting(db, &keys, admin, &meta(), NOW), ws, input("ops", Role::Administrator)).await.unwrap();
        let narrow = tokens::create(&support::acting(db, &keys, owner, &meta(), NOW), ws, TokenInput {
            permissions: Some([ApiPermission::Introspect].into_iter().collect()),
            ..input("verifier", Role::Viewer)
        }).await.unwrap();
        // Uses: deploy from two addresses (the older one only in its kept requests), ops from one.
        let recorder = LastUsed::default();
        let used = |token: Uuid, at: i64, ip: [u8; 4]| Use {
            token_id: token, at, ip: Some(ip.into()), user_agent: Some("curl/8"), method: "GET", path: "/api/v1/access-token", refused: None,
        };
        recorder.record(used(deploy.token.id, NOW + 1, [203, 0, 113, 9]));
        recorder.record(used(deploy.token.id, NOW + 2, [198, 51, 100, 4]));
        recorder.record(used(ops.token.id, NOW + 3, [10, 1, 2, 3]));
        recorder.flush(db).await.unwrap();

        let keys = &keys;
        let find = |query: AccessAuditQuery| async move {
            let page = access_audit::page(&support::acting(db, keys, admin, &RequestMeta::default(), NOW + 10), ws, &query).await.unwrap();
            page.rows.into_iter().map(|r| r.token.label).collect::<Vec<_>>()
        };
        assert_eq!(find(AccessAuditQuery::default()).await, ["ops", "deploy", "verifier"], "most recently used first");
        let whole = AccessAuditQuery { token: Some(format!(" {} ", deploy.secret)), ..Default::default() };
        assert_eq!(find(whole).await, ["deploy"]);
        let prefix = AccessAuditQuery { token: Some(ops.secret[..8].to_owned()), ..Default::default() };
        assert!(find(prefix).await.contains(&"ops".to_owned()));
        let longer = AccessAuditQuery { token: Some(ops.secret[..20].to_owned()), ..Default::default() };
        assert_eq!(find(longer).await, ["ops"], "a partly pasted token is matched on what is stored");
        // A whole token of another workspace finds nothing here.
        let elsewhere = workspaces::create(&support::ctx(db, keys, owner.clone(), &meta(), NOW), "Elsewhere").await.unwrap();
        let foreign = tokens::create(&support::acting(db, keys, owner, &meta(), NOW), elsewhere.id, input("foreign", Role::Viewer)).await.unwrap();
        let foreign = AccessAuditQuery { token: Some(foreign.secret), ..Default::default() };
        assert!(find(foreign).await.is_empty());
        let older_ip = AccessAuditQuery { ip: Some("203.0.113.9".into()), ..Default::default() };
        assert_eq!(find(older_ip).await, ["deploy"], "an address from the kept requests, not only the last");
        let range = AccessAuditQuery { ip: Some("10.0.0.0/8".into()), ..Default::default() };
        assert_eq!(find(range).await, ["ops"]);
        let scope = AccessAuditQuery { scopes: vec![Role::TeamMember, Role::Viewer], ..Default::default() };
        assert_eq!(find(scope).await, ["deploy", "verifier"]);
        let admin_only = AccessAuditQuery { admin: true, ..Default::default() };
        assert_eq!(find(admin_only).await, ["ops"]);
        let permission = AccessAuditQuery { permissions: PermissionSet::from_iter([ApiPermission::TokensRead]), ..Default::default() };
        assert_eq!(find(permission).await, ["ops", "deploy"], "the verifier was narrowed to introspect");
        let creator = AccessAuditQuery { creator: Some("ADMINISTRATOR@".into()), ..Default::default() };
        assert_eq!(find(creator).await, ["ops"]);
        let bad = AccessAuditQuery { ip: Some("10.0.0".into()), ..Default::default() };
        let error = access_audit::page(&support::acting(db, keys, admin, &RequestMeta::default(), NOW), ws, &bad).await.unwrap_err();
        assert_eq!(error.field(), Some("ip"));

        // The detail: permissions, newest requests first, and today's count in the chart.
        let detail = access_audit::detail(&support::acting(db, keys, admin, &RequestMeta::default(), NOW + 10), ws, deploy.token.id).await.unwrap();
        let ips: Vec<_> = detail.recent.iter().map(|r| r.ip.clone().unwrap()).collect();
        assert_eq!(ips, ["198.51.100.4", "203.0.113.9"]);
        assert_eq!(detail.recent[0].user_agent.as_deref(), Some("curl/8"));
        assert_eq!(detail.daily.len(), 30);
        assert_eq!(detail.daily[29], 2);
        assert_eq!(detail.daily.iter().sum::<i64>(), 2);
        assert_eq!(detail.row.creator_email.as_deref(), Some("owner@example.com"));
        // Only Administrators and Owners.
        for role in [Role::WorkspaceManager, Role::TeamMember, Role::Viewer] {
            let error = access_audit::page(&support::acting(db, keys, world.user(role), &RequestMeta::default(), NOW), ws, &AccessAuditQuery::default()).await.unwrap_err();
            assert!(matches!(error, AppError::Forbidden(_)), "{role:?}: {error:?}");
            let error = access_audit::detail(&support::acting(db, keys, world.user(role), &RequestMeta::default(), NOW), ws, deploy.token.id).await.unwrap_err();
            assert!(matches!(error, AppError::Forbidden(_)), "{role:?}: {error:?}");
        }
        let _ = narrow;
        test.remove().await;
    }
}
