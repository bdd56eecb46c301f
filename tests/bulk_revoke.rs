//! Bulk revocation through the service both doors call, on SQLite and PostgreSQL: by ids
//! and by criteria, dry runs, the audit records and mail, and refusals that change nothing.
//! The HTTP contract of `POST …/tokens/revoke` is in `api.rs`.

mod support;

use std::collections::VecDeque;

use serde_json::Value;
use tessera::{
    domain::{
        error::AppError,
        revoke::{RevokeAction, RevokeRequest, Selection, TokenCriteria},
        role::Role,
    },
    model::{CurrentUser, Revoked},
    server::{
        config::SecretKey,
        secrets::Keys,
        services::{RequestMeta, bulk_revoke, tokens, workspaces},
        store::{
            Db,
            audit::AuditRow,
            tokens::{TokenRequest, TokenUses},
        },
    },
};
use uuid::Uuid;

const NOW: i64 = 1_795_000_000_000;
const DAY: i64 = 86_400_000;

fn keys() -> Keys {
    Keys::derive(&SecretKey([9; 32]))
}

/// An Owner, an Administrator and a Workspace Manager in "Acme", and a second workspace.
struct World {
    workspace: Uuid,
    other_workspace: Uuid,
    owner: CurrentUser,
    admin: CurrentUser,
    manager: CurrentUser,
}

async fn world(db: &Db) -> World {
    let meta = RequestMeta::default();
    let (owner, workspace) = support::set_up(db, &keys(), "Olive Owner", &meta, NOW).await;
    let by_owner = support::acting(db, &keys(), &owner, &meta, NOW);
    let (admin, _) = support::join(
        &by_owner,
        workspace,
        "admin@example.com",
        "Ada Admin",
        Role::Administrator,
    )
    .await;
    let (manager, _) = support::join(
        &by_owner,
        workspace,
        "manager@example.com",
        "Max Manager",
        Role::WorkspaceManager,
    )
    .await;
    let other = workspaces::create(
        &support::ctx(db, &keys(), owner.clone(), &meta, NOW),
        "Other",
    )
    .await
    .unwrap();
    World {
        workspace,
        other_workspace: other.id,
        owner,
        admin,
        manager,
    }
}

impl World {
    async fn mint(&self, db: &Db, by: &CurrentUser, label: &str, scope: Role) -> Uuid {
        let ctx = support::acting(db, &keys(), by, &RequestMeta::default(), NOW);
        support::mint(&ctx, self.workspace, label, scope, None, None)
            .await
            .0
    }

    /// `request` as `by` would make it, at NOW.
    async fn revoke(
        &self,
        db: &Db,
        by: &CurrentUser,
        selection: Selection,
        action: RevokeAction,
        dry_run: bool,
    ) -> Result<Revoked, AppError> {
        let ctx = support::acting(db, &keys(), by, &RequestMeta::default(), NOW);
        let request = RevokeRequest {
            selection,
            action,
            dry_run,
        };
        bulk_revoke::revoke(&ctx, self.workspace, request).await
    }
}

fn ids(list: &[Uuid]) -> Selection {
    Selection::ids(list.to_vec()).unwrap()
}

fn labels(revoked: &Revoked) -> Vec<&str> {
    let mut labels: Vec<&str> = revoked.tokens.iter().map(|t| t.label.as_str()).collect();
    labels.sort_unstable();
    labels
}

/// The labels of the workspace's tokens that are enabled, and of those disabled.
async fn states(db: &Db, workspace: Uuid) -> (Vec<String>, Vec<String>) {
    let (mut enabled, mut disabled) = (Vec::new(), Vec::new());
    for row in db.tokens(workspace).await.unwrap() {
        match row.disabled_at {
            None => enabled.push(row.label),
            Some(_) => disabled.push(row.label),
        }
    }
    enabled.sort();
    disabled.sort();
    (enabled, disabled)
}

async fn records(db: &Db, workspace: Uuid, action: &str) -> Vec<AuditRow> {
    let mut rows: Vec<AuditRow> = db
        .audit_events(workspace, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.action == action)
        .collect();
    rows.sort_by_key(|row| row.target_label.clone());
    rows
}

/// Records that `token` was last used at `at`.
async fn used(db: &Db, token: Uuid, at: i64) {
    let request = TokenRequest {
        at,
        method: "GET".into(),
        path: "/api/v1/access-token".into(),
        ..TokenRequest::default()
    };
    let uses = TokenUses {
        token_id: token,
        recent: VecDeque::from([request]),
        daily: vec![(at / DAY, 1)],
    };
    db.record_token_uses(&[uses]).await.unwrap();
}

fn criteria(unused_since: Option<i64>, created_by: Option<Uuid>, scope: Option<Role>) -> Selection {
    Selection::matching(TokenCriteria {
        unused_since,
        created_by,
        scope,
    })
    .unwrap()
}

on_both_engines! {
    async fn listed_tokens_are_disabled_then_deleted_each_recorded_and_the_whole_once(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let ws = world.workspace;
        let a = world.mint(db, &world.owner, "a", Role::Viewer).await;
        let b = world.mint(db, &world.owner, "b", Role::TeamMember).await;
        let c = world.mint(db, &world.owner, "c", Role::Viewer).await;

        // The Administrator disables a and b (a listed twice counts once).
        let revoked = world.revoke(db, &world.admin, ids(&[a, b, a]), RevokeAction::Disable, false).await.unwrap();
        assert_eq!((revoked.action, revoked.dry_run), (RevokeAction::Disable, false));
        assert_eq!(labels(&revoked), ["a", "b"]);
        assert_eq!(states(db, ws).await, (vec!["c".to_owned()], vec!["a".to_owned(), "b".to_owned()]));
        // Each token's record is the one a single disable leaves, by the Administrator.
        let disabled = records(db, ws, "token.disabled").await;
        assert_eq!(disabled.iter().map(|r| r.target_id).collect::<Vec<_>>(), [Some(a), Some(b)]);
        for record in &disabled {
            assert_eq!(record.actor_user_id, Some(world.admin.id));
            let changes: Value = serde_json::from_str(record.changes.as_deref().unwrap()).unwrap();
            assert_eq!(changes, serde_json::json!({"enabled": {"from": true, "to": false}}));
        }
        let bulk = records(db, ws, "token.bulk_disabled").await;
        assert_eq!(bulk.len(), 1);
        assert_eq!((bulk[0].target_kind.as_deref(), bulk[0].target_id), (Some("workspace"), Some(ws)));
        let changes: Value = serde_json::from_str(bulk[0].changes.as_deref().unwrap()).unwrap();
        assert_eq!(changes["count"], 2);
        assert_eq!(changes["ids"], serde_json::json!([a, b]));
        // The Owner made them and someone else disabled them: one mail per token, as single
        // disables send.
        let told = db.outbox(ws, 100).await.unwrap();
        assert_eq!(told.iter().filter(|m| m.kind == "token.changed" && m.recipient == "owner@example.com").count(), 2);

        // Disabling again skips what is already disabled: only c changes.
        let revoked = world.revoke(db, &world.admin, ids(&[a, c]), RevokeAction::Disable, false).await.unwrap();
        assert_eq!(labels(&revoked), ["c"]);
        assert_eq!(records(db, ws, "token.disabled").await.len(), 3);
        assert_eq!(records(db, ws, "token.bulk_disabled").await.len(), 2);

        // Deleting takes disabled tokens too.
        let revoked = world.revoke(db, &world.owner, ids(&[a, b]), RevokeAction::Delete, false).await.unwrap();
        assert_eq!(labels(&revoked), ["a", "b"]);
        assert!(db.token(ws, a).await.unwrap().is_none() && db.token(ws, b).await.unwrap().is_none());
        assert!(db.token(ws, c).await.unwrap().is_some());
        let deleted = records(db, ws, "token.deleted").await;
        assert_eq!(deleted.iter().map(|r| r.target_id).collect::<Vec<_>>(), [Some(a), Some(b)]);
        let bulk = records(db, ws, "token.bulk_deleted").await;
        assert_eq!(bulk.len(), 1);
        let changes: Value = serde_json::from_str(bulk[0].changes.as_deref().unwrap()).unwrap();
        assert_eq!((changes["count"].clone(), changes["ids"].clone()), (serde_json::json!(2), serde_json::json!([a, b])));
        test.remove().await;
    }

    async fn criteria_choose_unused_tokens_by_maker_and_scope(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let ws = world.workspace;
        let old = world.mint(db, &world.owner, "old", Role::Viewer).await;
        let fresh = world.mint(db, &world.owner, "fresh", Role::Viewer).await;
        world.mint(db, &world.owner, "never", Role::TeamMember).await;
        world.mint(db, &world.admin, "admins", Role::TeamMember).await;
        used(db, old, NOW - 100 * DAY).await;
        used(db, fresh, NOW - DAY).await;
        let since = Some(NOW - 30 * DAY);

        let preview = |selection| world.revoke(db, &world.owner, selection, RevokeAction::Disable, true);
        assert_eq!(labels(&preview(criteria(since, None, None)).await.unwrap()), ["admins", "never", "old"]);
        assert_eq!(labels(&preview(criteria(None, Some(world.admin.id), None)).await.unwrap()), ["admins"]);
        assert_eq!(labels(&preview(criteria(None, None, Some(Role::Viewer))).await.unwrap()), ["fresh", "old"]);
        assert_eq!(labels(&preview(criteria(since, None, Some(Role::Viewer))).await.unwrap()), ["old"]);
        assert_eq!(labels(&preview(criteria(since, Some(world.owner.id), Some(Role::TeamMember))).await.unwrap()), ["never"]);
        assert!(preview(criteria(None, Some(Uuid::now_v7()), None)).await.unwrap().tokens.is_empty());

        let revoked = world.revoke(db, &world.owner, criteria(since, None, None), RevokeAction::Disable, false).await.unwrap();
        assert_eq!(labels(&revoked), ["admins", "never", "old"]);
        assert_eq!(states(db, ws).await.0, ["fresh"]);
        let bulk = records(db, ws, "token.bulk_disabled").await;
        let changes: Value = serde_json::from_str(bulk[0].changes.as_deref().unwrap()).unwrap();
        assert_eq!(changes["count"], 3);
        assert!(changes["criteria"]["unused_since"].as_str().unwrap().ends_with('Z'), "{changes}");
        // Matching nothing (all disabled now) changes nothing and records nothing.
        let revoked = world.revoke(db, &world.owner, criteria(since, None, None), RevokeAction::Disable, false).await.unwrap();
        assert!(revoked.tokens.is_empty());
        assert_eq!(records(db, ws, "token.bulk_disabled").await.len(), 1);

        let revoked = world.revoke(db, &world.owner, criteria(None, None, Some(Role::TeamMember)), RevokeAction::Delete, false).await.unwrap();
        assert_eq!(labels(&revoked), ["admins", "never"]);
        assert_eq!(db.tokens(ws).await.unwrap().len(), 2);
        test.remove().await;
    }

    async fn a_dry_run_counts_and_changes_nothing(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let ws = world.workspace;
        let a = world.mint(db, &world.owner, "a", Role::Viewer).await;
        let b = world.mint(db, &world.owner, "b", Role::Owner).await;
        let before = db.audit_events(ws, 1000).await.unwrap().len();
        for action in [RevokeAction::Disable, RevokeAction::Delete] {
            let revoked = world.revoke(db, &world.owner, ids(&[a, b]), action, true).await.unwrap();
            assert!(revoked.dry_run);
            assert_eq!(labels(&revoked), ["a", "b"], "{action:?}");
        }
        assert_eq!(states(db, ws).await, (vec!["a".to_owned(), "b".to_owned()], Vec::new()));
        assert_eq!(db.audit_events(ws, 1000).await.unwrap().len(), before);
        assert!(db.outbox(ws, 100).await.unwrap().iter().all(|m| m.kind != "token.changed"));
        test.remove().await;
    }

    async fn an_id_outside_the_workspace_or_a_caller_below_the_rule_changes_nothing(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let ws = world.workspace;
        let mine = world.mint(db, &world.owner, "mine", Role::Viewer).await;
        let by_owner = support::acting(db, &keys(), &world.owner, &RequestMeta::default(), NOW);
        let theirs = support::mint(&by_owner, world.other_workspace, "theirs", Role::Viewer, None, None).await.0;
        let before = db.audit_events(ws, 1000).await.unwrap().len();

        // Another workspace's token, or no token at all, beside one of this workspace's.
        for stranger in [theirs, Uuid::now_v7()] {
            for action in [RevokeAction::Disable, RevokeAction::Delete] {
                let refused = world.revoke(db, &world.owner, ids(&[mine, stranger]), action, false).await;
                assert_eq!(refused, Err(AppError::NotFound), "{action:?}");
            }
        }
        assert!(db.token(world.other_workspace, theirs).await.unwrap().unwrap().disabled_at.is_none());

        // A Workspace Manager may neither disable nor delete a token, even one they made,
        // and is refused even when nothing matches.
        let made = world.mint(db, &world.manager, "managers", Role::Viewer).await;
        for (selection, action) in [
            (ids(&[made]), RevokeAction::Disable),
            (ids(&[mine, made]), RevokeAction::Delete),
            (criteria(None, Some(Uuid::now_v7()), None), RevokeAction::Delete),
        ] {
            let refused = world.revoke(db, &world.manager, selection, action, false).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{action:?}: {refused:?}");
        }
        assert_eq!(states(db, ws).await, (vec!["managers".to_owned(), "mine".to_owned()], Vec::new()));
        let after: Vec<AuditRow> = db.audit_events(ws, 1000).await.unwrap();
        assert_eq!(after.len(), before + 1, "only the manager's token.created");
        test.remove().await;
    }

    async fn each_token_passes_the_rule_its_single_disable_or_delete_passes(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let ws = world.workspace;
        // Disabling and deleting a token stronger than oneself is a safety act the domain
        // allows one at a time (permission.rs, capped_by_role); in bulk it is the same.
        let strong = world.mint(db, &world.owner, "owner-scoped", Role::Owner).await;
        let also = world.mint(db, &world.owner, "also owner-scoped", Role::Owner).await;
        let by_admin = support::acting(db, &keys(), &world.admin, &RequestMeta::default(), NOW);
        let single = tokens::TokenPatch { enabled: Some(false), ..Default::default() };
        tokens::update(&by_admin, ws, also, single).await.expect("a single disable is allowed");
        let revoked = world.revoke(db, &world.admin, ids(&[strong]), RevokeAction::Disable, false).await;
        assert_eq!(revoked.map(|r| labels(&r).len()), Ok(1));
        // Re-enabling is capped by scope, and stays so after a bulk disable.
        let enable = tokens::TokenPatch { enabled: Some(true), ..Default::default() };
        assert!(matches!(tokens::update(&by_admin, ws, strong, enable).await, Err(AppError::Forbidden(_))));
        let revoked = world.revoke(db, &world.admin, ids(&[strong, also]), RevokeAction::Delete, false).await;
        assert_eq!(revoked.map(|r| labels(&r).len()), Ok(2));
        assert!(db.tokens(ws).await.unwrap().is_empty());
        test.remove().await;
    }
}
