//! Notification mail, sent through a real SMTP server listening on loopback (started here,
//! mailin-embedded), on SQLite and PostgreSQL: who gets which message, reminders before
//! expiry, retries while the relay is down, and the outbox when no relay is configured.

mod support;

use std::net::TcpListener;

use support::smtp::{relay, smtp_sink, take};
use tessera::{
    domain::{error::AppError, role::Role},
    model::{CurrentUser, TokenInput},
    server::{
        config::SecretKey,
        jobs::mail::{Delivered, Mailer},
        secrets::Keys,
        services::{RequestMeta, notifications, tokens, workspaces},
        store::Db,
    },
};
use uuid::Uuid;

const NOW: i64 = 1_795_000_000_000;
const DAY: i64 = 86_400_000;

fn keys() -> Keys {
    Keys::derive(&SecretKey([9; 32]))
}

fn meta() -> RequestMeta {
    RequestMeta {
        ip: Some("203.0.113.5".into()),
        user_agent: Some("tests".into()),
    }
}

struct World {
    workspace: Uuid,
    owner: CurrentUser,
    second_owner: CurrentUser,
    admin: CurrentUser,
}

async fn world(db: &Db) -> World {
    let (owner, workspace) = support::set_up(db, &keys(), "Olive Owner", &meta(), NOW).await;
    let add = async |email: &str, name: &str, role: Role| {
        support::join(
            &support::acting(db, &keys(), &owner, &RequestMeta::default(), NOW),
            workspace,
            email,
            name,
            role,
        )
        .await
        .0
    };
    let second_owner = add("otto@example.com", "Otto Owner", Role::Owner).await;
    let admin = add("ada@example.com", "Ada Admin", Role::Administrator).await;
    // The invitations' own mail (to the invitees, and their answers to the Owner) is not
    // what these tests count.
    tessera::on_pool!(db, pool => {
        sqlx::query("DELETE FROM outbox").execute(pool).await.unwrap();
    });
    World {
        workspace,
        owner,
        second_owner,
        admin,
    }
}

fn token(label: &str, scope: Role, expires_at: Option<i64>) -> TokenInput {
    TokenInput {
        label: label.into(),
        scope,
        permissions: None,
        expires_at,
        allowed_ips: None,
        rate_limit: Default::default(),
    }
}

on_both_engines! {
    async fn owners_and_creators_are_told_by_mail_through_a_real_smtp_server(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let ws = world.workspace;
        let (port, inbox) = smtp_sink();
        let mailer = relay(port);

        // A token made: every Owner is told who made it, its label, scope and expiry.
        let created = tokens::create(&support::acting(db, &keys(), &world.admin, &meta(), NOW), ws, token("deploy", Role::TeamMember, Some(NOW + 10 * DAY))).await.unwrap();
        assert_eq!(mailer.deliver_due(db, NOW).await.unwrap(), Delivered { sent: 2, ..Delivered::default() });
        let mut mails = take(&inbox, 2).await;
        mails.sort_by_key(|m| m.to.clone());
        assert_eq!(mails[0].to, ["otto@example.com"]);
        assert_eq!(mails[1].to, ["owner@example.com"]);
        for mail in &mails {
            assert_eq!(mail.subject(), "[Tessera] New access token “deploy” in Acme");
            assert!(mail.from().contains("tessera@example.com"), "{}", mail.from());
            let body = mail.body();
            for part in ["deploy", "Team Member", "Ada Admin <ada@example.com> from 203.0.113.5", "2026-11-"] {
                assert!(body.contains(part), "{part:?} in {body}");
            }
            assert!(!body.contains(&created.secret), "never the secret");
        }
        assert_eq!(mailer.deliver_due(db, NOW).await.unwrap(), Delivered::default(), "each goes once");

        // Someone else rescopes, disables, deletes it: its creator is told each time.
        let id = created.token.id;
        tokens::update(&support::acting(db, &keys(), &world.owner, &meta(), NOW), ws, id, token("deploy", Role::Viewer, Some(NOW + 10 * DAY)).into()).await.unwrap();
        tokens::update(&support::acting(db, &keys(), &world.second_owner, &meta(), NOW), ws, id, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();
        tokens::update(&support::acting(db, &keys(), &world.owner, &meta(), NOW), ws, id, tokens::TokenPatch { enabled: Some(true), ..Default::default() }).await.unwrap();
        mailer.deliver_due(db, NOW).await.unwrap();
        let mails = take(&inbox, 2).await;
        assert!(mails.iter().all(|m| m.to == ["ada@example.com"]));
        assert_eq!(mails[0].subject(), "[Tessera] Your access token “deploy” was given a new scope");
        assert!(mails[0].body().contains("from Team Member to Viewer"), "{}", mails[0].body());
        assert!(mails[0].body().contains("Olive Owner <owner@example.com>"), "{}", mails[0].body());
        assert_eq!(mails[1].subject(), "[Tessera] Your access token “deploy” was disabled");
        assert!(mails[1].body().contains("Otto Owner"), "{}", mails[1].body());
        // The creator acting on their own token is not told; a label edit tells nobody.
        tokens::update(&support::acting(db, &keys(), &world.admin, &meta(), NOW), ws, id, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();
        tokens::update(&support::acting(db, &keys(), &world.owner, &meta(), NOW), ws, id, token("deploy-2", Role::Viewer, Some(NOW + 10 * DAY)).into()).await.unwrap();
        assert_eq!(mailer.deliver_due(db, NOW).await.unwrap(), Delivered::default());
        tokens::update(&support::acting(db, &keys(), &world.admin, &meta(), NOW), ws, id, tokens::TokenPatch { enabled: Some(true), ..Default::default() }).await.unwrap();

        // Reminders 7 days and 1 day before expiry, once each.
        let expires = NOW + 10 * DAY;
        assert_eq!(notifications::queue_expiry_reminders(db, expires - 8 * DAY).await.unwrap(), 0);
        assert_eq!(notifications::queue_expiry_reminders(db, expires - 7 * DAY).await.unwrap(), 1);
        assert_eq!(notifications::queue_expiry_reminders(db, expires - 6 * DAY).await.unwrap(), 0, "once");
        assert_eq!(notifications::queue_expiry_reminders(db, expires - DAY + 1).await.unwrap(), 1);
        mailer.deliver_due(db, expires - DAY + 1).await.unwrap();
        let mails = take(&inbox, 2).await;
        assert!(mails.iter().all(|m| m.to == ["ada@example.com"]));
        assert_eq!(mails[0].subject(), "[Tessera] Your access token “deploy-2” expires in 7 days");
        assert_eq!(mails[1].subject(), "[Tessera] Your access token “deploy-2” expires tomorrow");

        // Deleted by someone else: told.
        tokens::delete(&support::acting(db, &keys(), &world.owner, &meta(), NOW), ws, id).await.unwrap();
        mailer.deliver_due(db, NOW + DAY).await.unwrap();
        let mails = take(&inbox, 1).await;
        assert_eq!(mails[0].subject(), "[Tessera] Your access token “deploy-2” was deleted");
        test.remove().await;
    }

    async fn a_relay_that_is_down_delays_mail_but_never_the_change(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let ws = world.workspace;
        // A port nothing listens on.
        let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let down = relay(closed);
        tokens::create(&support::acting(db, &keys(), &world.owner, &meta(), NOW), ws, token("ci", Role::Viewer, None)).await.unwrap();
        assert_eq!(down.deliver_due(db, NOW).await.unwrap(), Delivered { retrying: 2, ..Delivered::default() });
        let outbox = notifications::outbox(&support::acting(db, &keys(), &world.owner, &RequestMeta::default(), NOW), ws).await.unwrap();
        assert!(outbox.entries.iter().all(|e| e.status == "pending" && e.attempts == 1 && e.last_error.is_some()), "{:?}", outbox.entries);
        assert_eq!(down.deliver_due(db, NOW + 29_000).await.unwrap(), Delivered::default(), "backing off");
        // The relay is back: sent at the next try.
        let (port, inbox) = smtp_sink();
        assert_eq!(relay(port).deliver_due(db, NOW + 30_000).await.unwrap(), Delivered { sent: 2, ..Delivered::default() });
        take(&inbox, 2).await;
        let outbox = notifications::outbox(&support::acting(db, &keys(), &world.owner, &RequestMeta::default(), NOW), ws).await.unwrap();
        assert!(outbox.entries.iter().all(|e| e.status == "sent" && e.sent_at == Some(NOW + 30_000)));
        test.remove().await;
    }

    async fn without_a_relay_mail_is_held_in_the_outbox_for_owners(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let ws = world.workspace;
        let none = Mailer::new(None).unwrap();
        assert!(!none.is_configured());
        tokens::create(&support::acting(db, &keys(), &world.admin, &meta(), NOW), ws, token("held", Role::Viewer, None)).await.unwrap();
        assert_eq!(none.deliver_due(db, NOW).await.unwrap(), Delivered { held: 2, ..Delivered::default() });
        let outbox = notifications::outbox(&support::acting(db, &keys(), &world.second_owner, &RequestMeta::default(), NOW), ws).await.unwrap();
        assert_eq!(outbox.entries.len(), 2);
        assert!(outbox.entries.iter().all(|e| e.status == "held" && e.subject.contains("“held”")));
        let error = notifications::outbox(&support::acting(db, &keys(), &world.admin, &RequestMeta::default(), NOW), ws).await.unwrap_err();
        assert!(matches!(error, AppError::Forbidden(_)), "{error:?}");
        assert_eq!(none.deliver_due(db, NOW + DAY).await.unwrap(), Delivered::default(), "held, not retried");
        test.remove().await;
    }

    async fn mail_about_a_token_goes_to_its_creator_only_while_they_are_a_member(test: TestDb) {
        let db = &test.db;
        let world = world(db).await;
        let ws = world.workspace;
        let owner = &world.owner;
        let expires = NOW + 10 * DAY;
        let left = tokens::create(&support::acting(db, &keys(), &world.admin, &meta(), NOW), ws, token("left behind", Role::TeamMember, Some(expires))).await.unwrap().token.id;
        let kept = tokens::create(&support::acting(db, &keys(), &world.second_owner, &meta(), NOW), ws, token("kept", Role::TeamMember, Some(expires))).await.unwrap().token.id;
        workspaces::remove_member(&support::acting(db, &keys(), owner, &meta(), NOW), ws, world.admin.id).await.unwrap();

        // The reminder pass and every change notice skip the creator who has left.
        assert_eq!(notifications::queue_expiry_reminders(db, expires - 7 * DAY).await.unwrap(), 1);
        tokens::update(&support::acting(db, &keys(), owner, &meta(), NOW), ws, left, token("left behind", Role::Viewer, Some(expires)).into()).await.unwrap();
        tokens::update(&support::acting(db, &keys(), owner, &meta(), NOW), ws, left, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();
        tokens::delete(&support::acting(db, &keys(), owner, &meta(), NOW), ws, left).await.unwrap();
        tokens::update(&support::acting(db, &keys(), owner, &meta(), NOW), ws, kept, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();

        let outbox = notifications::outbox(&support::acting(db, &keys(), owner, &RequestMeta::default(), NOW), ws).await.unwrap().entries;
        assert!(outbox.iter().all(|e| e.recipient != "ada@example.com"), "{outbox:#?}");
        let mut told: Vec<_> = outbox.iter()
            .filter(|e| e.kind != "token.created")
            .map(|e| (e.kind.as_str(), e.recipient.as_str(), e.subject.as_str()))
            .collect();
        told.sort();
        assert_eq!(told, [
            ("token.changed", "otto@example.com", "[Tessera] Your access token “kept” was disabled"),
            ("token.expiring", "otto@example.com", "[Tessera] Your access token “kept” expires in 7 days"),
        ]);
        test.remove().await;
    }
}
