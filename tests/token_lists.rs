//! The API's token list, filtered, ordered and paged in SQL, over real HTTP on SQLite and
//! PostgreSQL: every order walked forwards and backwards by cursor against the order worked
//! out here from the tokens made, with each filter; cursors that survive tokens being
//! created and deleted between pages; every refusal; and (SQLite) every order read from its
//! index.

mod support;

use std::collections::VecDeque;

use serde_json::Value;
use tessera::{
    domain::{
        role::Role,
        token::TokenStatus,
        token_list::{Position, SortField, TokenSort},
    },
    model::CurrentUser,
    server::{
        services::{RequestMeta, now_ms, tokens as token_service, workspaces},
        store::{
            Db,
            token_lists::TokenListQuery,
            tokens::{TokenRequest, TokenUses},
        },
    },
};
use uuid::Uuid;

use support::{ApiServer as Server, api_keys as keys};

const DAY: i64 = 86_400_000;

/// A token as made here, with what each order reads.
#[derive(Clone, Debug)]
struct Made {
    id: Uuid,
    label: String,
    scope: Role,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    disabled: bool,
}

impl Made {
    fn status(&self, now: i64) -> TokenStatus {
        TokenStatus::at(self.disabled, self.expires_at, now)
    }

    /// Where it stands in `field`'s order: the same far ends as the server's, labels folded
    /// as SQL's `lower` folds ASCII (the labels here are ASCII).
    fn key(&self, field: SortField) -> (i64, String) {
        match field {
            SortField::CreatedAt => (self.created_at, String::new()),
            SortField::Label => (0, self.label.to_ascii_lowercase()),
            SortField::Scope => (
                Role::ALL.iter().position(|r| *r == self.scope).unwrap() as i64,
                String::new(),
            ),
            SortField::ExpiresAt => (
                self.expires_at.unwrap_or(253_402_300_800_000),
                String::new(),
            ),
            SortField::LastUsedAt => (self.last_used_at.unwrap_or(-1), String::new()),
        }
    }
}

struct World {
    owner: CurrentUser,
    workspace: Uuid,
    other: Uuid,
    /// An Owner-scoped token of the workspace (not among `made`).
    reader: String,
    made: Vec<Made>,
    now: i64,
}

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

/// 120 tokens: labels with shared words and mixed case, every scope, created in groups at the
/// same millisecond (ties go by id), a third expiring (some already expired), a quarter
/// disabled, half used at various times.
async fn world(db: &Db) -> World {
    let now = now_ms();
    let start = now - 30 * DAY;
    let (owner, workspace) =
        support::set_up(db, &keys(), "Owner", &RequestMeta::default(), start - DAY).await;
    let other = workspaces::create(
        &support::ctx(
            db,
            &keys(),
            owner.clone(),
            &RequestMeta::default(),
            start - DAY,
        ),
        "Other",
    )
    .await
    .unwrap()
    .id;
    let by = |at| support::acting(db, &keys(), &owner, &RequestMeta::default(), at);
    let (reader_id, reader) = support::mint(
        &by(start - DAY),
        workspace,
        "zz reader",
        Role::Owner,
        None,
        None,
    )
    .await;
    let words = ["Deploy", "backup", "CI runner", "metrics", "Billing export"];
    let mut made = Vec::new();
    for i in 0..120_i64 {
        let label = format!(
            "{} {:03}{}",
            words[i as usize % words.len()],
            (i * 37) % 120,
            if i % 7 == 0 { " EU" } else { "" }
        );
        let scope = Role::ALL[i as usize % Role::ALL.len()];
        // Four tokens share each creation instant.
        let created_at = start + (i / 4) * 3_600_000;
        let expires_at = match i % 6 {
            0 => Some(created_at + 10 * DAY), // some already past
            3 => Some(now + (i % 13 + 1) * DAY),
            _ => None,
        };
        let (id, _) =
            support::mint(&by(created_at), workspace, &label, scope, None, expires_at).await;
        let disabled = i % 4 == 1;
        if disabled {
            let patch = token_service::TokenPatch {
                enabled: Some(false),
                ..Default::default()
            };
            token_service::update(&by(created_at + 1), workspace, id, patch)
                .await
                .unwrap();
        }
        let last_used_at = (i % 2 == 0).then(|| start + ((i * 7919) % 1000) * 60_000);
        if let Some(at) = last_used_at {
            used(db, id, at).await;
        }
        made.push(Made {
            id,
            label,
            scope,
            created_at,
            expires_at,
            last_used_at,
            disabled,
        });
    }
    // The reader is a token of the workspace too: it is listed like the rest.
    made.push(Made {
        id: reader_id,
        label: "zz reader".into(),
        scope: Role::Owner,
        created_at: start - DAY,
        expires_at: None,
        last_used_at: None,
        disabled: false,
    });
    // Tokens of another workspace, which no list of this one may show.
    for i in 0..5 {
        support::mint(
            &by(start + i),
            other,
            &format!("Deploy other {i}"),
            Role::Viewer,
            None,
            None,
        )
        .await;
    }
    World {
        owner,
        workspace,
        other,
        reader,
        made,
        now,
    }
}

/// The ids `made` holds that the filter keeps, in `sort`'s order.
fn expected(made: &[Made], sort: TokenSort, keep: impl Fn(&Made) -> bool) -> Vec<Uuid> {
    let mut kept: Vec<&Made> = made.iter().filter(|m| keep(m)).collect();
    kept.sort_by(|a, b| {
        let order = a
            .key(sort.field)
            .cmp(&b.key(sort.field))
            .then(a.id.cmp(&b.id));
        if sort.descending {
            order.reverse()
        } else {
            order
        }
    });
    kept.into_iter().map(|m| m.id).collect()
}

fn ids(page: &Value) -> Vec<Uuid> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Every page of a list, forwards by `next` then backwards by `previous` from the last;
/// checks each page's total and limit on the way.
async fn walk(
    server: &Server,
    token: &str,
    base: &str,
    limit: usize,
    total: usize,
) -> (Vec<Uuid>, Vec<Uuid>) {
    let mut forwards = Vec::new();
    let (status, mut page) = server.get(&format!("{base}&limit={limit}"), token).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page["previous"].is_null(),
        "the first page has nothing before it: {page}"
    );
    let mut pages = 0;
    loop {
        pages += 1;
        assert_eq!(page["total"], total, "{base}");
        let these = ids(&page);
        assert!(these.len() <= limit);
        forwards.extend(these);
        let Some(next) = page["next"].as_str() else {
            break;
        };
        assert_eq!(ids(&page).len(), limit, "only the last page is short");
        let (status, next_page) = server
            .get(&format!("{base}&limit={limit}&after={next}"), token)
            .await;
        assert_eq!(status, 200, "{next_page}");
        page = next_page;
        assert!(pages < 1000, "a loop");
    }
    assert_eq!(pages, total.div_ceil(limit).max(1), "{base}: pages");
    // Back from the last page.
    let mut backwards: Vec<Vec<Uuid>> = vec![ids(&page)];
    while let Some(previous) = page["previous"].as_str() {
        let (status, before) = server
            .get(&format!("{base}&limit={limit}&before={previous}"), token)
            .await;
        assert_eq!(status, 200, "{before}");
        assert_eq!(before["total"], total);
        page = before;
        backwards.push(ids(&page));
        assert!(backwards.len() < 1000, "a loop");
    }
    backwards.reverse();
    (forwards, backwards.concat())
}

on_both_engines! {
    async fn every_order_pages_forwards_and_backwards_with_each_filter(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let base = format!("/workspaces/{}/tokens", world.workspace);
        let now = world.now;
        let mut checked = 0;
        for sort in TokenSort::names().map(|name| TokenSort::parse(&name).unwrap()) {
            type Keep = Box<dyn Fn(&Made) -> bool>;
            let filters: Vec<(String, Keep)> = vec![
                (String::new(), Box::new(|_| true)),
                ("&label=dEpLoY".into(), Box::new(|m| m.label.to_lowercase().contains("deploy"))),
                ("&status=active".into(), Box::new(move |m| m.status(now) == TokenStatus::Active)),
                ("&status=expired".into(), Box::new(move |m| m.status(now) == TokenStatus::Expired)),
                ("&status=disabled".into(), Box::new(move |m| m.status(now) == TokenStatus::Disabled)),
                ("&scope=team_member&label=%20eu".into(), Box::new(|m| m.scope == Role::TeamMember && m.label.to_lowercase().contains(" eu"))),
            ];
            for (filter, keep) in filters {
                let want = expected(&world.made, sort, keep);
                let query = format!("{base}?sort={}{filter}", sort.name());
                let (forwards, backwards) = walk(&server, &world.reader, &query, 17, want.len()).await;
                assert_eq!(forwards, want, "{query}: forwards");
                assert_eq!(backwards, want, "{query}: backwards");
                checked += 1;
            }
        }
        println!("{checked} lists walked both ways");
        assert_eq!(checked, 60);

        // The default order is the newest first; offset pages agree with cursor pages.
        let all = expected(&world.made, TokenSort::default(), |_| true);
        let (_, page) = server.get(&format!("{base}?limit=10&offset=20"), &world.reader).await;
        assert_eq!(ids(&page), all[20..30].to_vec());
        assert_eq!((page["offset"].as_u64(), page["sort"].as_str()), (Some(20), Some("-created_at")));
        assert!(page["previous"].is_string() && page["next"].is_string(), "{page}");
        let (_, after) = server.get(&format!("{base}?limit=10&after={}", page["next"].as_str().unwrap()), &world.reader).await;
        assert_eq!(ids(&after), all[30..40].to_vec());
        let (_, end) = server.get(&format!("{base}?limit=10&offset=200"), &world.reader).await;
        assert!(ids(&end).is_empty() && end["next"].is_null(), "{end}");
        test.remove().await;
    }

    async fn a_cursor_survives_tokens_made_and_deleted_between_pages(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let base = format!("/workspaces/{}/tokens?sort=label&limit=20", world.workspace);
        let before = expected(&world.made, TokenSort::parse("label").unwrap(), |_| true);
        let (_, first) = server.get(&base, &world.reader).await;
        assert_eq!(ids(&first), before[..20].to_vec());
        // Meanwhile: the next page's first token goes, a token that sorts first and one that
        // sorts into the next page are made.
        let by = support::acting(db, &keys(), &world.owner, &RequestMeta::default(), now_ms());
        token_service::delete(&by, world.workspace, before[20]).await.unwrap();
        support::mint(&by, world.workspace, "aaa first of all", Role::Viewer, None, None).await;
        let last_shown = world.made.iter().find(|m| m.id == before[19]).unwrap().label.clone();
        let (squeezed, _) = support::mint(&by, world.workspace, &format!("{last_shown} and then"), Role::Viewer, None, None).await;
        let (_, second) = server.get(&format!("{base}&after={}", first["next"].as_str().unwrap()), &world.reader).await;
        let second = ids(&second);
        assert_eq!(second[0], squeezed, "a token made after the edge is on the next page");
        assert_eq!(second[1..], before[21..40], "nothing repeated, nothing skipped");
        test.remove().await;
    }

    async fn bad_list_requests_are_refused_naming_the_parameter(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let server = Server::start(db).await;
        let base = format!("/workspaces/{}/tokens", world.workspace);
        let (_, first) = server.get(&format!("{base}?sort=label&limit=5"), &world.reader).await;
        let next = first["next"].as_str().unwrap().to_owned();
        let refusals = [
            (format!("{base}?sort=status"), "sort", "-last_used_at"),
            (format!("{base}?sort=-"), "sort", "label"),
            (format!("{base}?after=not-a-cursor"), "after", "next"),
            (format!("{base}?before=bm90IGpzb24"), "before", "previous"),
            // A cursor of another order: says which to ask for.
            (format!("{base}?after={next}"), "after", "sort=label"),
            (format!("{base}?sort=label&after={next}&offset=5"), "after", "one of offset, after and before"),
            (format!("{base}?sort=label&after={next}&before={next}"), "after", "one of offset, after and before"),
            (format!("{base}?limit=0"), "limit", "1 to 200"),
            (format!("{base}?limit=201"), "limit", "1 to 200"),
        ];
        for (query, field, says) in refusals {
            let (status, body) = server.get(&query, &world.reader).await;
            assert_eq!(status, 422, "{query}: {body}");
            assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
            assert!(body["detail"].as_str().unwrap().contains(says), "{query}: {body}");
        }
        // A cursor of this workspace on another's list starts that list there: only the other
        // workspace's tokens, never this one's.
        let by_owner = support::acting(db, &keys(), &world.owner, &RequestMeta::default(), now_ms());
        let (_, owner_token) = support::mint(&by_owner, world.other, "other reader", Role::Owner, None, None).await;
        let (status, other) = server.get(&format!("/workspaces/{}/tokens?sort=label&after={next}", world.other), &owner_token).await;
        assert_eq!(status, 200, "{other}");
        let mine: Vec<Uuid> = world.made.iter().map(|m| m.id).collect();
        assert!(ids(&other).iter().all(|id| !mine.contains(id)), "{other}");
        // The workspace's reader cannot list the other workspace at all.
        let (status, _) = server.get(&format!("/workspaces/{}/tokens", world.other), &world.reader).await;
        assert_eq!(status, 404);
        // LIKE's wildcards are searched for as themselves.
        support::mint(&by_owner, world.workspace, "50% off_sale", Role::Viewer, None, None).await;
        for (needle, found) in [("%25", 1), ("_", 1), ("%25%20off_", 1), ("%5C", 0), ("0%25_", 0)] {
            let (status, body) = server.get(&format!("{base}?label={needle}"), &world.reader).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["total"], found, "label={needle}: {body}");
        }
        test.remove().await;
    }

    async fn the_access_audit_pages_and_filters_in_sql_as_the_rules_say(test: TestDb) {
        // The audit lists the workspace's tokens and the members' personal tokens reaching
        // it as one list, most recently used first: every filter's pages, walked by cursor,
        // are what the domain's rules keep from the tokens made here.
        use tessera::{
            domain::api_permission::{ApiPermission, PermissionSet},
            model::{AccessAuditQuery, GrantInput, PersonalTokenInput},
            server::services::{access_audit, personal_tokens},
        };
        let db = &test.db;
        let world = world(db).await;
        let owner_ctx = support::acting(db, &keys(), &world.owner, &RequestMeta::default(), world.now);
        // Ada, an Administrator, makes 14 personal tokens for this workspace with her whole
        // role (some narrowed, half used), then becomes a Team Member: they act as one.
        let (ada, _) = support::join(&owner_ctx, world.workspace, "ada@example.com", "Ada Lovelace", Role::Administrator).await;
        let ada_ctx = support::ctx(db, &keys(), ada.clone(), &RequestMeta::default(), world.now);
        // (id, last used, acting scope, chosen permissions, creator's email, personal)
        type Row = (Uuid, Option<i64>, Role, Option<PermissionSet>, String, bool);
        let mut all: Vec<Row> = world
            .made
            .iter()
            .map(|m| (m.id, m.last_used_at, m.scope, None, "owner@example.com".to_owned(), false))
            .collect();
        for i in 0..14_i64 {
            let permissions = (i % 3 == 0).then(|| PermissionSet::from_iter([ApiPermission::TokensRead, ApiPermission::TokensWrite]));
            let input = PersonalTokenInput {
                label: format!("ada {i}"),
                expires_at: None,
                workspaces: vec![GrantInput { workspace_id: world.workspace, scope: Role::Administrator, permissions }],
                allowed_ips: None,
                rate_limit: Default::default(),
            };
            let made = personal_tokens::create(&ada_ctx, input).await.unwrap();
            let last_used_at = (i % 2 == 1).then(|| world.now - 40 * DAY + i * 60_000);
            if let Some(at) = last_used_at {
                used(db, made.token.id, at).await;
            }
            all.push((made.token.id, last_used_at, Role::TeamMember, permissions, "ada@example.com".into(), true));
        }
        workspaces::change_role(&owner_ctx, world.workspace, ada.id, Role::TeamMember).await.unwrap();
        // Most recently used first, never-used last, ties by id from the highest.
        all.sort_by_key(|r| std::cmp::Reverse((r.1.unwrap_or(-1), r.0)));

        type Keep = Box<dyn Fn(&Row) -> bool>;
        let write = PermissionSet::from_iter([ApiPermission::TokensWrite]);
        let queries: Vec<(AccessAuditQuery, Keep)> = vec![
            (AccessAuditQuery::default(), Box::new(|_| true)),
            (AccessAuditQuery { scopes: vec![Role::TeamMember], ..Default::default() }, Box::new(|r| r.2 == Role::TeamMember)),
            (AccessAuditQuery { admin: true, ..Default::default() }, Box::new(|r| r.2 >= Role::Administrator)),
            (AccessAuditQuery { permissions: write, ..Default::default() },
                Box::new(move |r| write.is_subset_of(PermissionSet::effective(r.2, r.3)))),
            (AccessAuditQuery { creator: Some("LOVELACE".into()), ..Default::default() }, Box::new(|r| r.5)),
            (AccessAuditQuery { creator: Some("owner@".into()), scopes: vec![Role::Viewer, Role::Owner], ..Default::default() },
                Box::new(|r| !r.5 && matches!(r.2, Role::Viewer | Role::Owner))),
        ];
        let mut walked = 0;
        for (query, keep) in queries {
            let want: Vec<Uuid> = all.iter().filter(|r| keep(r)).map(|r| r.0).collect();
            let mut got = Vec::new();
            let mut query = query;
            loop {
                let page = access_audit::page(&owner_ctx, world.workspace, &query).await.unwrap();
                assert_eq!(page.total, want.len() as u64, "{query:?}");
                assert!(page.rows.len() <= access_audit::PAGE);
                got.extend(page.rows.iter().map(|r| r.token.id));
                walked += 1;
                match page.next {
                    Some(next) => query.after = Some(next),
                    None => break,
                }
            }
            assert_eq!(got, want, "{query:?}");
        }
        assert!(walked >= 8, "the whole list is more than one page: {walked}");
        // A narrowed personal token shows what it holds here: its scope's, narrowed.
        let page = access_audit::page(&owner_ctx, world.workspace, &AccessAuditQuery { creator: Some("ada".into()), ..Default::default() }).await.unwrap();
        assert!(page.rows.iter().all(|r| r.personal && r.token.scope == Role::TeamMember));
        // A cursor this list did not give is refused, naming it.
        let bad = AccessAuditQuery { after: Some("bm90IGpzb24".into()), ..Default::default() };
        let error = access_audit::page(&owner_ctx, world.workspace, &bad).await.unwrap_err();
        assert_eq!(error.field(), Some("after"));
        // Another workspace's list names none of these.
        let other = access_audit::page(&owner_ctx, world.other, &AccessAuditQuery::default()).await.unwrap();
        assert_eq!(other.total, 5);
        assert!(other.rows.iter().all(|r| !all.iter().any(|a| a.0 == r.token.id)));
        test.remove().await;
    }
}

/// SQLite's plan for every order, with and without filters: read from that order's index,
/// never sorted afterwards in a temporary b-tree.
#[tokio::test]
async fn every_order_is_read_from_its_index_on_sqlite() {
    let test = support::TestDb::sqlite().await;
    let db = &test.db;
    let world = world(db).await;
    let indexes = [
        (SortField::CreatedAt, "access_tokens_workspace_created"),
        (SortField::Label, "access_tokens_workspace_label_order"),
        (SortField::Scope, "access_tokens_workspace_scope"),
        (SortField::ExpiresAt, "access_tokens_workspace_expires"),
        (SortField::LastUsedAt, "access_tokens_workspace_last_used"),
    ];
    for (field, index) in indexes {
        for descending in [false, true] {
            for (label, status) in [(None, None), (Some("deploy"), Some(TokenStatus::Active))] {
                let query = TokenListQuery {
                    label,
                    status,
                    scope: None,
                    sort: TokenSort::new(field, descending),
                    position: &Position::First,
                    limit: 50,
                    now: world.now,
                };
                let plan = db
                    .token_page_plan(world.workspace, &query)
                    .await
                    .unwrap()
                    .unwrap();
                assert!(plan.contains(index), "{field:?} {descending}: {plan}");
                assert!(
                    !plan.contains("TEMP B-TREE"),
                    "{field:?} {descending}: {plan}"
                );
            }
        }
    }
    test.remove().await;
}
