//! Attacks on accounts, over real HTTP: the server on a random port (SQLite and
//! PostgreSQL), browsers that keep their own session cookie and come from their own
//! address (through a trusted proxy's X-Forwarded-For), and API tokens. Each test is an
//! attack that used to work and must now fail, or a rule that closes a gap.

mod support;

use futures_util::future::join_all;
use reqwest::{Client, StatusCode, header};
use serde_json::{Value, json};
use tessera::{
    domain::{api_permission::ApiPermission, role::Role, sign_in::FAILURES_BEFORE_DELAY},
    model::CurrentUser,
    server::{
        config::{Config, SecretKey},
        secrets::Keys,
        services::{
            RequestMeta,
            accounts::{self, SetupInput},
            now_ms, password_changes, tokens,
        },
        state::AppState,
        store::Db,
    },
};
use uuid::Uuid;

const OWNER_EMAIL: &str = "owner@acme.example";
const OWNER_PASSWORD: &str = "correct horse battery";

fn keys() -> Keys {
    Keys::derive(&SecretKey([9; 32]))
}

use support::run;

/// Runs each `async fn name(db: TestDb)` once per engine, serially on the shared runtime.
macro_rules! attacks {
    ($(async fn $name:ident($db:ident: TestDb) $body:block)*) => {
        $(async fn $name($db: support::TestDb) $body)*
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::run(async { super::$name(super::support::TestDb::sqlite().await).await });
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    super::run(async { super::$name(super::support::TestDb::postgres().await).await });
                }
            )*
        }
    };
}

struct Site {
    base: String,
    _served: support::Served,
}

impl Site {
    /// The whole site on a random port, believing X-Forwarded-For from loopback (so each
    /// browser here has its own address), with `extra` configuration.
    async fn start(db: &Db, extra: &[(&str, &str)]) -> Site {
        let mut env: Vec<(String, String)> =
            vec![("TESSERA_TRUSTED_PROXIES".into(), "127.0.0.1".into())];
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let config = Config::from_sources("Leptos.toml", "", |var| {
            env.iter().find(|(k, _)| k == var).map(|(_, v)| v.clone())
        })
        .unwrap();
        let served = support::serve(AppState::new(config, db.clone(), keys())).await;
        Site {
            base: format!("http://{}", served.addr),
            _served: served,
        }
    }

    fn browser(&self, ip: &str) -> Browser {
        Browser {
            base: self.base.clone(),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
            ip: ip.to_owned(),
        }
    }

    /// A REST call with a bearer token.
    async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Client::new()
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// A browser: its own cookie, its own address.
#[derive(Clone)]
struct Browser {
    base: String,
    client: Client,
    cookie: Option<String>,
    ip: String,
}

impl Browser {
    fn request(&self, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-forwarded-for", &self.ip)
            .header("sec-fetch-site", "same-origin")
            .header(header::USER_AGENT, "attack-test/1.0");
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request
    }

    fn keep_cookie(&mut self, headers: &header::HeaderMap) {
        if let Some(set) = headers.get(header::SET_COOKIE) {
            self.cookie = Some(set.to_str().unwrap().split(';').next().unwrap().to_owned());
        }
    }

    /// A server function called the way the page's script calls it.
    async fn rpc(&mut self, name: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .request(&format!("/rpc/{name}"))
            .header(header::ACCEPT, "application/json")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        self.keep_cookie(response.headers());
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A url-encoded form: by script (`plain` false) or as the browser posts it before the
    /// WASM loads (`plain` true: Accept text/html, the answer is a redirect).
    async fn form(
        &mut self,
        name: &str,
        fields: &[(&str, &str)],
        plain: bool,
    ) -> reqwest::Response {
        let accept = if plain {
            "text/html,application/xhtml+xml"
        } else {
            "application/json"
        };
        let response = self
            .request(&format!("/rpc/{name}"))
            .header(header::ACCEPT, accept)
            .form(fields)
            .send()
            .await
            .unwrap();
        self.keep_cookie(response.headers());
        response
    }

    async fn login(&mut self, email: &str, password: &str) -> StatusCode {
        self.form("login", &[("email", email), ("password", password)], false)
            .await
            .status()
    }
}

/// Acme with its Owner (the instance admin, made at set-up).
async fn acme(db: &Db) -> (CurrentUser, Uuid) {
    let input = SetupInput {
        email: OWNER_EMAIL.into(),
        name: "Olive Owner".into(),
        password: OWNER_PASSWORD.into(),
        workspace_name: "Acme".into(),
    };
    let (session, workspace) = accounts::setup(
        &support::ctx(db, &keys(), (), &RequestMeta::default(), now_ms()),
        input,
    )
    .await
    .unwrap();
    (session.user, workspace)
}

fn code_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

async fn token(
    db: &Db,
    owner: &CurrentUser,
    workspace: Uuid,
    label: &str,
    scope: Role,
    permissions: Option<&[ApiPermission]>,
    expires_at: Option<i64>,
) -> (Uuid, String) {
    let by = support::acting(
        db,
        &keys(),
        owner,
        &RequestMeta::default(),
        now_ms() - 10_000,
    );
    support::mint(&by, workspace, label, scope, permissions, expires_at).await
}

async fn count(db: &Db, sql: &str) -> i64 {
    tessera::on_pool!(db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap())
}

attacks! {
    // 0. Personal tokens through the UI's server functions are one's own: a visitor gets
    // nothing, another person's token id finds nothing, nobody asks above their role.
    async fn personal_tokens_through_server_functions_are_ones_own(test: TestDb) {
        let db = &test.db;
        let (owner, acme) = acme(db).await;
        let by_owner = support::acting(db, &keys(), &owner, &RequestMeta::default(), now_ms());
        support::join(&by_owner, acme, "bob@acme.example", "Bob", Role::Viewer).await;
        let site = Site::start(db, &[]).await;
        let mut olive = site.browser("198.51.100.70");
        assert_eq!(olive.login(OWNER_EMAIL, OWNER_PASSWORD).await, StatusCode::OK);
        let ask = |scope: &str| json!({"input": {"label": "laptop", "expires_at": null,
            "workspaces": [{"workspace_id": acme, "scope": scope}]}});
        let (status, made) = olive.rpc("create_personal_token", ask("owner")).await;
        assert_eq!(status, StatusCode::OK, "{made}");
        let (id, secret) = (made["token"]["id"].clone(), made["secret"].as_str().unwrap().to_owned());
        let workspace = format!("/workspaces/{acme}");
        assert_eq!(site.api(reqwest::Method::GET, &workspace, &secret, None).await.0, StatusCode::OK);

        let mut visitor = site.browser("198.51.100.71");
        assert_eq!(visitor.rpc("personal_tokens", json!({})).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(visitor.rpc("copy_personal_token", json!({"token": id})).await.0, StatusCode::UNAUTHORIZED);

        let mut bob = site.browser("198.51.100.72");
        assert_eq!(bob.login("bob@acme.example", support::JOINED_PASSWORD).await, StatusCode::OK);
        let (_, page) = bob.rpc("personal_tokens", json!({})).await;
        assert_eq!(page["tokens"], json!([]));
        for call in ["copy_personal_token", "delete_personal_token"] {
            assert_eq!(bob.rpc(call, json!({"token": id})).await.0, StatusCode::NOT_FOUND, "{call}");
        }
        assert_eq!(bob.rpc("create_personal_token", ask("owner")).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        // A Viewer does not see the personal tokens reaching the workspace; its Owner does.
        let reaching = json!({"workspace": acme});
        assert_eq!(bob.rpc("workspace_personal_tokens", reaching.clone()).await.0, StatusCode::FORBIDDEN);
        let (status, seen) = olive.rpc("workspace_personal_tokens", reaching).await;
        assert_eq!((status, seen["tokens"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
        assert_eq!((seen["total"].as_u64(), seen["next"].as_str()), (Some(1), None), "{seen}");
        assert!(!seen.to_string().contains(&secret[4..]), "never the secret");
        assert_eq!(site.api(reqwest::Method::GET, &workspace, &secret, None).await.0, StatusCode::OK);
        let (status, copied) = olive.rpc("copy_personal_token", json!({"token": id})).await;
        assert_eq!((status, copied), (StatusCode::OK, json!(secret)));
        test.remove().await;
    }

    // 1. Account pre-hijack: inviting an address makes no account and hands out nothing;
    // the real owner of the mailbox makes the account with their own password, and an
    // invitation to an existing account needs that account's password to accept.
    async fn an_invitation_never_hands_out_an_account(test: TestDb) {
        let db = &test.db;
        let (owner, acme) = acme(db).await;
        let site = Site::start(db, &[("TESSERA_WORKSPACE_CREATION", "everyone")]).await;
        let (mallory, _) = support::join(&support::acting(db, &keys(), &owner, &RequestMeta::default(), now_ms()), acme, "mallory@evil.example", "Mallory", Role::Viewer).await;
        let mut attacker = site.browser("203.0.113.66");
        assert_eq!(attacker.login(&mallory.email, support::JOINED_PASSWORD).await, StatusCode::OK);
        let (status, evil) = attacker.rpc("create_workspace", json!({"name": "Evil"})).await;
        assert_eq!(status, StatusCode::OK, "{evil}");
        let (status, sent) = attacker.rpc("invite_member", json!({"workspace": evil["id"], "email": "cfo@corp.example", "role": "owner"})).await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        assert!(sent.to_string().to_lowercase().find("password").is_none(), "{sent}");
        assert!(db.user_by_email("cfo@corp.example").await.unwrap().is_none(), "no account is minted");
        let evil_link = sent["link"].as_str().unwrap().to_owned();

        // Acme's Owner invites the CFO too; the CFO opens Acme's mail and makes the account.
        let mut acme_owner = site.browser("198.51.100.10");
        assert_eq!(acme_owner.login(OWNER_EMAIL, OWNER_PASSWORD).await, StatusCode::OK);
        let (_, sent) = acme_owner.rpc("invite_member", json!({"workspace": acme, "email": "cfo@corp.example", "role": "administrator"})).await;
        let mut cfo = site.browser("198.51.100.20");
        let answer = json!({"code": code_of(sent["link"].as_str().unwrap()), "answer": {"accept": true, "name": "Cleo CFO", "password": "ledger tulips orbit quietly"}});
        let (status, joined) = cfo.rpc("answer_invitation", answer).await;
        assert_eq!((status, joined), (StatusCode::OK, json!(acme)));

        // The attacker's own invitation now needs the CFO's password: guessing fails and
        // nothing joins; and the attacker never had a password to sign in as the CFO.
        let mut holder = site.browser("203.0.113.66");
        let (_, view) = holder.rpc("invitation", json!({"code": code_of(&evil_link)})).await;
        assert_eq!(view["account_exists"], true, "{view}");
        for password in [None, Some("hunter2hunter2"), Some(support::JOINED_PASSWORD)] {
            let answer = json!({"code": code_of(&evil_link), "answer": {"accept": true, "password": password}});
            let (status, body) = holder.rpc("answer_invitation", answer).await;
            assert!(status.is_client_error(), "{status} {body}");
            assert!(holder.cookie.is_none(), "no session for the attacker");
        }
        let (_, workspaces) = cfo.rpc("workspaces", json!({})).await;
        assert_eq!(workspaces.as_array().unwrap().len(), 1, "only Acme: {workspaces}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'cfo@corp.example'").await, 1);

        // Inside one workspace: whoever invited Bob never knows Bob's password.
        let (_, sent) = acme_owner.rpc("invite_member", json!({"workspace": acme, "email": "bob@acme.example", "role": "viewer"})).await;
        let mut bob = site.browser("198.51.100.30");
        let answer = json!({"code": code_of(sent["link"].as_str().unwrap()), "answer": {"accept": true, "name": "Bob", "password": "bob chooses granite rivers"}});
        assert_eq!(bob.rpc("answer_invitation", answer).await.0, StatusCode::OK);
        let mut owner_as_bob = site.browser("198.51.100.10");
        assert_eq!(owner_as_bob.login("bob@acme.example", OWNER_PASSWORD).await, StatusCode::UNPROCESSABLE_ENTITY);
        test.remove().await;
    }

    // 2. Sign-in history of anyone: a workspace's audit log shows no sign-ins; they are the
    // person's own (account page) and the instance admin's.
    async fn sign_ins_belong_to_the_person(test: TestDb) {
        let db = &test.db;
        let (owner, acme) = acme(db).await;
        let site = Site::start(db, &[]).await;
        let (victim, _) = support::join(&support::acting(db, &keys(), &owner, &RequestMeta::default(), now_ms()), acme, "victim@acme.example", "Vic", Role::Viewer).await;
        let mut victim_browser = site.browser("203.0.113.9");
        assert_eq!(victim_browser.login(&victim.email, support::JOINED_PASSWORD).await, StatusCode::OK);
        assert_eq!(site.browser("203.0.113.10").login(&victim.email, "wrong guess here").await, StatusCode::UNPROCESSABLE_ENTITY);

        // The workspace's Owner (an admin of the workspace) reads its audit log: no sign-ins.
        let mut admin = site.browser("198.51.100.10");
        assert_eq!(admin.login(OWNER_EMAIL, OWNER_PASSWORD).await, StatusCode::OK);
        let (status, page) = admin.rpc("audit", json!({"workspace": acme, "query": {}})).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let text = page.to_string();
        assert!(!text.contains("login.") && !text.contains("203.0.113.9"), "{page}");
        let (_, secret) = token(db, &owner, acme, "auditor", Role::Owner, None, None).await;
        let (status, events) = site.api(reqwest::Method::GET, &format!("/workspaces/{acme}/audit-events?action=login"), &secret, None).await;
        assert_eq!(status, StatusCode::OK, "{events}");
        assert_eq!(events["items"], json!([]), "{events}");

        // The person sees their own, success and failure, with the address.
        let (_, account) = victim_browser.rpc("account", json!({})).await;
        let sign_ins = account["sign_ins"].as_array().unwrap();
        assert!(sign_ins.iter().any(|s| s["succeeded"] == true && s["ip"] == "203.0.113.9"), "{account}");
        assert!(sign_ins.iter().any(|s| s["succeeded"] == false && s["ip"] == "203.0.113.10"), "{account}");
        assert!(sign_ins.iter().all(|s| s["email"] == victim.email), "only their own: {account}");
        // Only the instance admin sees everybody's.
        let (status, _) = victim_browser.rpc("all_sign_ins", json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, all) = admin.rpc("all_sign_ins", json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(all[0].as_array().unwrap().len() >= 3, "{all}");
        test.remove().await;
    }

    // 3. The throttle raced: a hundred parallel wrong passwords are counted before any is
    // checked, so no more than the allowance is ever tried — and the account's owner still
    // gets in from a network they signed in from before.
    async fn parallel_guesses_are_counted_before_they_are_tried(test: TestDb) {
        let db = &test.db;
        acme(db).await;
        let site = Site::start(db, &[]).await;
        let mut owner = site.browser("198.51.100.7");
        assert_eq!(owner.login(OWNER_EMAIL, OWNER_PASSWORD).await, StatusCode::OK);

        let attacker = site.browser("203.0.113.50");
        let guesses = (0..100).map(|i| {
            let mut browser = attacker.clone();
            async move { browser.login(OWNER_EMAIL, &format!("guess number {i}")).await }
        });
        let answers = join_all(guesses).await;
        let tried = answers.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
        let slowed = answers.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS || **s == StatusCode::SERVICE_UNAVAILABLE).count();
        assert_eq!(tried + slowed, 100, "{answers:?}");
        assert!(tried as i64 <= FAILURES_BEFORE_DELAY, "{tried} passwords were tried");
        let failures = count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'login.failed'").await;
        assert_eq!(failures, tried as i64);
        // The right password from the attacker's network waits too.
        assert_eq!(site.browser("203.0.113.50").login(OWNER_EMAIL, OWNER_PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
        // The owner, from where they signed in before, is not locked out.
        assert_eq!(site.browser("198.51.100.7").login(OWNER_EMAIL, OWNER_PASSWORD).await, StatusCode::OK);
        test.remove().await;
    }

    // 3b. A flood of sign-ins for accounts that do not exist: every answer is quick and
    // clear (422, or 503 with Retry-After when the password gate is full), never a 500,
    // and nothing beyond a counter row per subject is stored.
    async fn a_flood_without_an_account_is_refused_cleanly(test: TestDb) {
        let db = &test.db;
        acme(db).await;
        let site = Site::start(db, &[]).await;
        let flood = (0..60).map(|i| {
            let mut browser = site.browser(&format!("203.0.{}.{}", 100 + i / 200, i % 200 + 1));
            async move {
                let response = browser.form("login", &[("email", &format!("nobody{i}@example.com")), ("password", "whatever it is")], false).await;
                (response.status(), response.headers().get(header::RETRY_AFTER).cloned())
            }
        });
        for (status, retry_after) in join_all(flood).await {
            match status {
                StatusCode::UNPROCESSABLE_ENTITY => {}
                StatusCode::SERVICE_UNAVAILABLE => assert_eq!(retry_after.unwrap(), "2"),
                other => panic!("{other}"),
            }
        }
        test.remove().await;
    }

    // 4. A token with members:write invites; it never gets a password or a link, so it can
    // never become a person with a UI session.
    async fn a_token_cannot_become_a_person(test: TestDb) {
        let db = &test.db;
        let (owner, acme) = acme(db).await;
        let site = Site::start(db, &[]).await;
        let (_, secret) = token(db, &owner, acme, "robot", Role::Administrator, Some(&[ApiPermission::MembersRead, ApiPermission::MembersWrite]), None).await;
        let (status, body) = site.api(reqwest::Method::POST, &format!("/workspaces/{acme}/members"), &secret, Some(json!({"email": "robot-admin@evil.example", "role": "administrator"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let text = body.to_string();
        assert!(!text.contains("/invite/") && !text.contains("password"), "{body}");
        assert!(db.user_by_email("robot-admin@evil.example").await.unwrap().is_none());
        // No password works for an account that does not exist.
        for guess in [support::JOINED_PASSWORD, "robot-admin@evil.example"] {
            assert_eq!(site.browser("203.0.113.70").login("robot-admin@evil.example", guess).await, StatusCode::UNPROCESSABLE_ENTITY);
        }
        // The held mail is where the link is, and only the workspace's Owners read it.
        let mut owner_browser = site.browser("198.51.100.10");
        assert_eq!(owner_browser.login(OWNER_EMAIL, OWNER_PASSWORD).await, StatusCode::OK);
        let (status, outbox) = owner_browser.rpc("outbox", json!({"workspace": acme})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(outbox.to_string().contains("/invite/"), "{outbox}");
        // Another workspace's token cannot see or touch this workspace's invitations.
        let other = tessera::server::services::workspaces::create(&support::ctx(db, &keys(), owner.clone(), &RequestMeta::default(), now_ms()), "Other").await.unwrap();
        let (_, stranger) = token(db, &owner, other.id, "stranger", Role::Owner, None, None).await;
        let (_, list) = site.api(reqwest::Method::GET, &format!("/workspaces/{acme}/invitations"), &secret, None).await;
        let id = list[0]["id"].as_str().unwrap().to_owned();
        for (method, path) in [
            (reqwest::Method::GET, format!("/workspaces/{acme}/invitations")),
            (reqwest::Method::DELETE, format!("/workspaces/{acme}/invitations/{id}")),
            (reqwest::Method::POST, format!("/workspaces/{acme}/invitations/{id}/resend")),
            (reqwest::Method::DELETE, format!("/workspaces/{}/invitations/{id}", other.id)),
        ] {
            let (status, body) = site.api(method, &path, &stranger, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        }
        test.remove().await;
    }

    // 5. Smaller, same family.
    async fn bad_sign_in_input_is_refused_before_anything_is_stored(test: TestDb) {
        let db = &test.db;
        acme(db).await;
        let site = Site::start(db, &[]).await;
        let long = format!("{}@example.com", "a".repeat(300));
        let response = site.browser("203.0.113.1").form("login", &[("email", &long), ("password", "x")], false).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("254"));
        assert_eq!(count(db, "SELECT COUNT(*) FROM login_failures").await, 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'login.failed'").await, 0);
        test.remove().await;
    }

    async fn ipv6_clients_are_throttled_by_their_64(test: TestDb) {
        let db = &test.db;
        acme(db).await;
        let site = Site::start(db, &[]).await;
        // Rotating addresses inside one /64 and trying many accounts: one network's counter.
        for i in 1..=FAILURES_BEFORE_DELAY {
            let ip = format!("2001:db8:1:2:{i:x}::{i:x}");
            let status = site.browser(&ip).login(&format!("user{i}@example.com"), "not it at all").await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{ip}");
        }
        let status = site.browser("2001:db8:1:2:ffff:ffff:ffff:ffff").login("someone@example.com", "not it at all").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        // The next /64 is another network.
        let status = site.browser("2001:db8:1:3::1").login("someone@example.com", "not it at all").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        test.remove().await;
    }

    async fn the_sign_in_form_works_before_the_wasm_loads(test: TestDb) {
        let db = &test.db;
        acme(db).await;
        let site = Site::start(db, &[]).await;
        let mut browser = site.browser("198.51.100.40");
        let wrong = browser.form("login", &[("email", OWNER_EMAIL), ("password", "no no no no no")], true).await;
        assert_eq!(wrong.status(), StatusCode::FOUND);
        assert_eq!(wrong.headers()[header::LOCATION], "/login?error=invalid");
        assert!(browser.cookie.is_none());
        let right = browser.form("login", &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)], true).await;
        assert_eq!(right.status(), StatusCode::FOUND);
        assert_eq!(right.headers()[header::LOCATION], "/");
        assert!(browser.cookie.is_some());
        let (status, _) = browser.rpc("workspaces", json!({})).await;
        assert_eq!(status, StatusCode::OK);
        test.remove().await;
    }

    // Replays and races on mailed links: each works once, even when raced.
    async fn links_work_once_even_when_raced(test: TestDb) {
        let db = &test.db;
        let (_, acme) = acme(db).await;
        let site = Site::start(db, &[]).await;
        let mut owner = site.browser("198.51.100.10");
        owner.login(OWNER_EMAIL, OWNER_PASSWORD).await;
        let (_, sent) = owner.rpc("invite_member", json!({"workspace": acme, "email": "new@acme.example", "role": "viewer"})).await;
        let code = code_of(sent["link"].as_str().unwrap());
        let answers = (0..8).map(|i| {
            let mut browser = site.browser(&format!("198.51.100.{}", 100 + i));
            let answer = json!({"code": code, "answer": {"accept": true, "name": format!("Racer {i}"), "password": "racing kites over dunes"}});
            async move { browser.rpc("answer_invitation", answer).await.0 }
        });
        let statuses = join_all(answers).await;
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM users WHERE email = 'new@acme.example'").await, 1);
        let replay = json!({"code": code, "answer": {"accept": true, "name": "Late", "password": "racing kites over dunes"}});
        assert_eq!(site.browser("198.51.100.99").rpc("answer_invitation", replay).await.0, StatusCode::UNPROCESSABLE_ENTITY);

        // A resent invitation's old link is dead; a revoked one's too.
        let (_, sent) = owner.rpc("invite_member", json!({"workspace": acme, "email": "later@acme.example", "role": "viewer"})).await;
        let old = code_of(sent["link"].as_str().unwrap());
        let (_, resent) = owner.rpc("resend_invitation", json!({"workspace": acme, "invitation": sent["invitation"]["id"]})).await;
        let (status, _) = site.browser("198.51.100.98").rpc("invitation", json!({"code": old})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let fresh = code_of(resent["link"].as_str().unwrap());
        assert_eq!(site.browser("198.51.100.98").rpc("invitation", json!({"code": fresh})).await.0, StatusCode::OK);
        owner.rpc("revoke_invitation", json!({"workspace": acme, "invitation": sent["invitation"]["id"]})).await;
        assert_eq!(site.browser("198.51.100.98").rpc("invitation", json!({"code": fresh})).await.0, StatusCode::UNPROCESSABLE_ENTITY);

        // A reset link, raced by five browsers: one new password, then dead.
        let link = password_changes::issue_password_reset(&support::ctx(db, &keys(), (), &RequestMeta::default(), now_ms()), "new@acme.example").await.unwrap();
        let code = code_of(&link);
        let resets = (0..5).map(|i| {
            let mut browser = site.browser(&format!("198.51.100.{}", 150 + i));
            let body = json!({"code": code, "password": format!("harbour lights number {i}")});
            async move { browser.rpc("reset_password", body).await.0 }
        });
        let statuses = join_all(resets).await;
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
        test.remove().await;
    }

    // Counters, networks and reset links do not pile up: the sweeper forgets what no longer
    // slows anyone down.
    async fn old_sign_in_records_are_swept(test: TestDb) {
        let db = &test.db;
        acme(db).await;
        let site = Site::start(db, &[]).await;
        for i in 0..5 {
            site.browser(&format!("203.0.113.{i}")).login(&format!("ghost{i}@example.com"), "not the one").await;
        }
        site.browser("198.51.100.7").login(OWNER_EMAIL, OWNER_PASSWORD).await;
        password_changes::issue_password_reset(&support::ctx(db, &keys(), (), &RequestMeta::default(), now_ms()), OWNER_EMAIL).await.unwrap();
        assert!(count(db, "SELECT COUNT(*) FROM login_failures").await > 0);
        // Nothing is old yet.
        let now = now_ms();
        assert_eq!(db.sweep_sign_in_records(now - 3_600_000, now - 90 * 86_400_000, now).await.unwrap(), 0);
        // Two hours later, the failures are forgotten and the link is dead; 91 days later, the
        // network the owner signed in from is forgotten too.
        let later = now + 91 * 86_400_000;
        let removed = db.sweep_sign_in_records(later - 3_600_000, later - 90 * 86_400_000, later).await.unwrap();
        assert!(removed > 5, "{removed}");
        for table in ["login_failures", "sign_in_networks", "password_resets"] {
            assert_eq!(count(db, &format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table}");
        }
        test.remove().await;
    }

    // Other people's links: an invitation for Bob does nothing for Carol, signed in.
    async fn an_invitation_is_only_for_its_address(test: TestDb) {
        let db = &test.db;
        let (owner, acme) = acme(db).await;
        let site = Site::start(db, &[]).await;
        let other = tessera::server::services::workspaces::create(&support::ctx(db, &keys(), owner.clone(), &RequestMeta::default(), now_ms()), "Other").await.unwrap();
        let (carol, carol_session) = support::join(&support::acting(db, &keys(), &owner, &RequestMeta::default(), now_ms()), other.id, "carol@acme.example", "Carol", Role::Viewer).await;
        let mut owner_browser = site.browser("198.51.100.10");
        owner_browser.login(OWNER_EMAIL, OWNER_PASSWORD).await;
        let (_, sent) = owner_browser.rpc("invite_member", json!({"workspace": acme, "email": "bob@acme.example", "role": "administrator"})).await;
        let mut browser = site.browser("198.51.100.11");
        browser.cookie = Some(format!("tessera_session={carol_session}"));
        let answer = json!({"code": code_of(sent["link"].as_str().unwrap()), "answer": {"accept": true}});
        let (status, body) = browser.rpc("answer_invitation", answer).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.to_string().contains("bob@acme.example"), "{body}");
        assert_eq!(count(db, &format!("SELECT COUNT(*) FROM memberships WHERE workspace_id = (SELECT id FROM workspaces WHERE name = 'Acme') AND user_id IN (SELECT id FROM users WHERE email = '{}')", carol.email)).await, 0);
        test.remove().await;
    }

    // Own passwords: the current one is required, guessable ones are refused, and every
    // other session ends; reset requests say the same whatever the address and cannot
    // flood a mailbox.
    async fn passwords_are_the_persons_own(test: TestDb) {
        let db = &test.db;
        acme(db).await;
        let site = Site::start(db, &[]).await;
        let mut here = site.browser("198.51.100.10");
        let mut there = site.browser("198.51.100.11");
        here.login(OWNER_EMAIL, OWNER_PASSWORD).await;
        there.login(OWNER_EMAIL, OWNER_PASSWORD).await;
        let (status, body) = here.rpc("change_password", json!({"current_password": "not it at all", "password": "fresh meadow compass"})).await;
        assert_eq!((status, body["Invalid"]["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("current_password")), "{body}");
        let (status, body) = here.rpc("change_password", json!({"current_password": OWNER_PASSWORD, "password": "password1234"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains("too easy to guess"), "{body}");
        let (status, ended) = here.rpc("change_password", json!({"current_password": OWNER_PASSWORD, "password": "fresh meadow compass"})).await;
        // The other browser's session and the one set-up opened.
        assert_eq!((status, ended), (StatusCode::OK, json!(2)));
        assert_eq!(there.rpc("workspaces", json!({})).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(here.rpc("workspaces", json!({})).await.0, StatusCode::OK);
        assert_eq!(site.browser("198.51.100.12").login(OWNER_EMAIL, OWNER_PASSWORD).await, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(site.browser("198.51.100.12").login(OWNER_EMAIL, "fresh meadow compass").await, StatusCode::OK);

        // Resets: the same answer for an account and for nobody; at most three open links.
        for email in [OWNER_EMAIL, "nobody@acme.example"] {
            let (status, body) = site.browser("203.0.113.5").rpc("request_password_reset", json!({"email": email})).await;
            assert_eq!((status, body), (StatusCode::OK, Value::Null));
        }
        for _ in 0..10 {
            site.browser("203.0.113.5").rpc("request_password_reset", json!({"email": OWNER_EMAIL})).await;
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM password_resets").await, 3);
        assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE kind = 'password.reset'").await, 3);
        test.remove().await;
    }

    // Deleting one's account: the password again, never the last Owner of a workspace nor
    // the instance's admin; once gone, its sessions and personal tokens are refused at once,
    // the tokens it made for a workspace stay the workspace's, and each workspace's log
    // keeps who it was.
    async fn deleting_an_account_takes_its_tokens_and_leaves_every_workspace_an_owner(test: TestDb) {
        let db = &test.db;
        let (owner, acme) = acme(db).await;
        let by_owner = support::acting(db, &keys(), &owner, &RequestMeta::default(), now_ms());
        let beta = tessera::server::services::workspaces::create(&support::ctx(db, &keys(), owner.clone(), &RequestMeta::default(), now_ms()), "Beta").await.unwrap().id;
        let (bob, _) = support::join(&by_owner, acme, "bob@acme.example", "Bob", Role::Administrator).await;
        let site = Site::start(db, &[]).await;
        let mut browser = site.browser("198.51.100.80");
        assert_eq!(browser.login("bob@acme.example", support::JOINED_PASSWORD).await, StatusCode::OK);
        let ask = json!({"input": {"label": "laptop", "expires_at": null,
            "workspaces": [{"workspace_id": acme, "scope": "administrator"}]}});
        let (status, made) = browser.rpc("create_personal_token", ask).await;
        assert_eq!(status, StatusCode::OK, "{made}");
        let personal = made["secret"].as_str().unwrap().to_owned();
        let (_, acmes) = token(db, &bob, acme, "acme-ci", Role::Viewer, None, None).await;
        let workspace = format!("/workspaces/{acme}");
        let answers = |secret: String| {
            let (site, workspace) = (&site, workspace.clone());
            async move { site.api(reqwest::Method::GET, &workspace, &secret, None).await.0 }
        };
        assert_eq!(answers(personal.clone()).await, StatusCode::OK);

        // Without the password, or with a wrong one: nothing happens.
        let (status, body) = browser.rpc("delete_account", json!({"password": "not my password"})).await;
        assert_eq!((status, body["Invalid"]["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("password")), "{body}");
        assert_eq!(site.browser("198.51.100.81").rpc("delete_account", json!({"password": support::JOINED_PASSWORD})).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(answers(personal.clone()).await, StatusCode::OK);

        // The only Owner of a workspace is told which, and stays until it has another.
        let olive = support::acting(db, &keys(), &owner, &RequestMeta::default(), now_ms());
        support::invite_existing(&olive, beta, &bob, Role::Owner).await;
        tessera::server::services::workspaces::change_role(&olive, beta, owner.id, Role::Administrator).await.unwrap();
        let (status, body) = browser.rpc("delete_account", json!({"password": support::JOINED_PASSWORD})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body.to_string().contains("only Owner of “Beta”"), "{body}");
        assert_eq!(answers(personal.clone()).await, StatusCode::OK);
        let by_bob = support::acting(db, &keys(), &bob, &RequestMeta::default(), now_ms());
        tessera::server::services::workspaces::change_role(&by_bob, beta, owner.id, Role::Owner).await.unwrap();

        // The instance's admin account is never deleted.
        let mut admin = site.browser("198.51.100.82");
        admin.login(OWNER_EMAIL, OWNER_PASSWORD).await;
        let (status, body) = admin.rpc("delete_account", json!({"password": OWNER_PASSWORD})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body.to_string().contains("instance's admin"), "{body}");

        let (status, body) = browser.rpc("delete_account", json!({"password": support::JOINED_PASSWORD})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(answers(personal).await, StatusCode::UNAUTHORIZED, "the personal token dies with the account");
        assert_eq!(answers(acmes).await, StatusCode::OK, "a workspace's token stays the workspace's");
        assert_eq!(browser.rpc("account", json!({})).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(site.browser("198.51.100.83").login("bob@acme.example", support::JOINED_PASSWORD).await, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(db.user_by_email("bob@acme.example").await.unwrap().is_none());
        for ws in [acme, beta] {
            let events = db.audit_events(ws, 1).await.unwrap();
            assert_eq!((events[0].action.as_str(), events[0].actor_label.as_str()), ("account.deleted", "bob@acme.example"));
            assert_eq!(events[0].ip.as_deref(), Some("198.51.100.80"));
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM access_tokens WHERE owner_id IS NOT NULL").await, 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'account.delete_refused'").await, 1);
        test.remove().await;
    }

    // Two Owners of a workspace delete their accounts at the same moment: one goes, the
    // other is told the workspace needs them, and the workspace keeps an Owner.
    async fn two_owners_deleting_their_accounts_at_once_leave_one(test: TestDb) {
        use tessera::server::services::workspaces;
        let db = &test.db;
        let (owner, acme) = acme(db).await;
        let by_owner = support::acting(db, &keys(), &owner, &RequestMeta::default(), now_ms());
        support::join(&by_owner, acme, "bob@acme.example", "Bob", Role::Owner).await;
        support::join(&by_owner, acme, "cleo@acme.example", "Cleo", Role::Owner).await;
        workspaces::change_role(&by_owner, acme, owner.id, Role::Administrator).await.unwrap();
        let site = Site::start(db, &[]).await;
        let (mut bob, mut cleo) = (site.browser("198.51.100.90"), site.browser("198.51.100.91"));
        bob.login("bob@acme.example", support::JOINED_PASSWORD).await;
        cleo.login("cleo@acme.example", support::JOINED_PASSWORD).await;
        let delete = json!({"password": support::JOINED_PASSWORD});
        let (first, second) = tokio::join!(bob.rpc("delete_account", delete.clone()), cleo.rpc("delete_account", delete.clone()));
        let mut statuses = [first.0, second.0];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{first:?} {second:?}");
        let owners = count(db, "SELECT COUNT(*) FROM memberships WHERE role = 'owner'").await;
        assert_eq!(owners, 1);
        test.remove().await;
    }

    // Who may create workspaces: by default only the instance admin.
    async fn only_the_instance_admin_creates_workspaces_by_default(test: TestDb) {
        let db = &test.db;
        let (owner, acme) = acme(db).await;
        let site = Site::start(db, &[]).await;
        let (member, session) = support::join(&support::acting(db, &keys(), &owner, &RequestMeta::default(), now_ms()), acme, "member@acme.example", "Mem", Role::Administrator).await;
        let mut browser = site.browser("198.51.100.10");
        browser.cookie = Some(format!("tessera_session={session}"));
        let (status, body) = browser.rpc("create_workspace", json!({"name": "Mine"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (_, state) = browser.rpc("session", json!({})).await;
        assert_eq!(state["SignedIn"]["may_create_workspaces"], false, "{state}");
        assert_eq!(state["SignedIn"]["email"], member.email.as_str());
        let mut admin = site.browser("198.51.100.11");
        admin.login(OWNER_EMAIL, OWNER_PASSWORD).await;
        assert_eq!(admin.rpc("create_workspace", json!({"name": "Second"})).await.0, StatusCode::OK);
        test.remove().await;
    }

    // Rules that close gaps, through the API.
    async fn token_rules_hold_through_the_api(test: TestDb) {
        let db = &test.db;
        let (owner, acme) = acme(db).await;
        let site = Site::start(db, &[]).await;
        let (owner_token_id, _) = token(db, &owner, acme, "owner scoped", Role::Owner, None, None).await;
        tokens::update(&support::acting(db, &keys(), &owner, &RequestMeta::default(), now_ms()), acme, owner_token_id, tokens::TokenPatch { enabled: Some(false), ..Default::default() }).await.unwrap();
        let (_, admin) = token(db, &owner, acme, "admin robot", Role::Administrator, None, None).await;
        let (status, body) = site.api(reqwest::Method::PATCH, &format!("/workspaces/{acme}/tokens/{owner_token_id}"), &admin, Some(json!({"enabled": true}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "an Administrator cannot re-enable an Owner's token: {body}");
        let (expired_id, _) = token(db, &owner, acme, "expired", Role::Viewer, None, Some(now_ms() - 5_000)).await;
        let (_, manager) = token(db, &owner, acme, "manager robot", Role::WorkspaceManager, None, None).await;
        let later = serde_json::to_value(tessera::server::api::json::Time(now_ms() + 30 * 86_400_000)).unwrap();
        let (status, body) = site.api(reqwest::Method::PATCH, &format!("/workspaces/{acme}/tokens/{expired_id}"), &manager, Some(json!({"expires_at": later}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a Manager cannot revive an expired token: {body}");

        // Two Owners demoting each other at once: one stays.
        let (second, _) = support::join(&support::acting(db, &keys(), &owner, &RequestMeta::default(), now_ms()), acme, "second@acme.example", "Second Owner", Role::Owner).await;
        let (_, first_token) = token(db, &owner, acme, "first owner robot", Role::Owner, None, None).await;
        let (_, second_token) = token(db, &second, acme, "second owner robot", Role::Owner, None, None).await;
        let demote = |token: String, user: Uuid| {
            let site = &site;
            async move { site.api(reqwest::Method::PATCH, &format!("/workspaces/{acme}/members/{user}"), &token, Some(json!({"role": "administrator"}))).await.0 }
        };
        let (a, b) = tokio::join!(demote(first_token, second.id), demote(second_token, owner.id));
        let mut statuses = [a, b];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
        assert_eq!(count(db, "SELECT COUNT(*) FROM memberships WHERE role = 'owner'").await, 1);
        test.remove().await;
    }
}

/// The schema as it was before accounts were people's own (migrations 1-3), with the set-up
/// owner and an account "add member" minted, its password chosen by the Owner.
async fn installation_before_accounts(test: &support::TestDb) -> Uuid {
    use tessera::server::store::Pool;
    let hash = |password: &str| tessera::server::secrets::hash_password(password);
    let (owner, minted, ws) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let before = now_ms() - 86_400_000;
    support::migrate_up_to(&test.db, 3).await;
    macro_rules! old_install {
        ($pool:expr) => {{
            for (id, email, password, at) in [
                (owner, OWNER_EMAIL, OWNER_PASSWORD, before),
                (minted, "minted@acme.example", "Zq7XbRk2mW9pLs4Hc8Ty", before + 1),
            ] {
                sqlx::query("INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
                    .bind(id).bind(email).bind(email).bind(hash(password)).bind(at)
                    .execute($pool).await.unwrap();
            }
            sqlx::query("INSERT INTO workspaces (id, name, created_at, updated_at) VALUES ($1, 'Acme', $2, $2)")
                .bind(ws).bind(before).execute($pool).await.unwrap();
            for (user, role) in [(owner, "owner"), (minted, "viewer")] {
                sqlx::query("INSERT INTO memberships (workspace_id, user_id, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
                    .bind(ws).bind(user).bind(role).bind(before).execute($pool).await.unwrap();
            }
        }};
    }
    match test.db.pool() {
        Pool::Sqlite(pool) => old_install!(pool),
        Pool::Postgres(pool) => old_install!(pool),
    }
    assert_eq!(test.db.schema_version().await.unwrap(), 3);
    ws
}

/// An upgrade: the set-up account becomes the instance admin; a minted account must choose
/// its own password before anything else, and its old one stops working after 7 days (a
/// reset link still works).
async fn an_upgrade_makes_minted_passwords_temporary(test: support::TestDb) {
    let ws = installation_before_accounts(&test).await;
    let db = &test.db;
    db.migrate().await.unwrap();
    assert_eq!(db.schema_version().await.unwrap(), support::SCHEMA_VERSION);
    let owner = db.user_by_email(OWNER_EMAIL).await.unwrap().unwrap();
    assert!(
        owner.is_instance_admin
            && !owner.must_change_password
            && owner.password_expires_at.is_none()
    );
    let minted = db
        .user_by_email("minted@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert!(!minted.is_instance_admin && minted.must_change_password);
    let expires = minted.password_expires_at.unwrap();
    assert!(
        (expires - (now_ms() + 7 * 86_400_000)).abs() < 60_000,
        "{expires}"
    );

    let site = Site::start(db, &[]).await;
    let mut person = site.browser("198.51.100.60");
    assert_eq!(
        person
            .login("minted@acme.example", "Zq7XbRk2mW9pLs4Hc8Ty")
            .await,
        StatusCode::OK
    );
    let (_, state) = person.rpc("session", json!({})).await;
    assert_eq!(state["SignedIn"]["must_change_password"], true, "{state}");
    // Nothing else until the password is their own.
    for (name, body) in [
        ("workspaces", json!({})),
        ("tokens", json!({"workspace": ws})),
        ("members", json!({"workspace": ws})),
    ] {
        let (status, body) = person.rpc(name, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        assert!(
            body.to_string().contains("Choose your own password first"),
            "{body}"
        );
    }
    let (status, _) = person.rpc("change_password", json!({"current_password": "Zq7XbRk2mW9pLs4Hc8Ty", "password": "minted no more, mine now"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(person.rpc("workspaces", json!({})).await.0, StatusCode::OK);
    let changed = db
        .user_by_email("minted@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert!(!changed.must_change_password && changed.password_expires_at.is_none());

    // Seven days after the upgrade a minted password no longer signs in; a reset does.
    let meta = RequestMeta {
        ip: Some("198.51.100.61".into()),
        user_agent: None,
    };
    tessera::on_pool!(db, pool => {
        sqlx::query("UPDATE users SET must_change_password = TRUE, password_expires_at = $1 WHERE email = $2")
            .bind(now_ms() - 1).bind(OWNER_EMAIL).execute(pool).await.unwrap();
    });
    let refused = accounts::login(
        &support::ctx(db, &keys(), (), &meta, now_ms()),
        OWNER_EMAIL,
        OWNER_PASSWORD,
    )
    .await
    .unwrap_err();
    assert!(refused.to_string().contains("stopped working"), "{refused}");
    let link = password_changes::issue_password_reset(
        &support::ctx(db, &keys(), (), &RequestMeta::default(), now_ms()),
        OWNER_EMAIL,
    )
    .await
    .unwrap();
    password_changes::complete_password_reset(
        &support::ctx(db, &keys(), (), &meta, now_ms()),
        &code_of(&link),
        "a fresh start for olive",
    )
    .await
    .unwrap();
    accounts::login(
        &support::ctx(db, &keys(), (), &meta, now_ms()),
        OWNER_EMAIL,
        "a fresh start for olive",
    )
    .await
    .unwrap();
    test.remove().await;
}

#[test]
fn an_upgrade_makes_minted_passwords_temporary_on_sqlite() {
    run(async {
        an_upgrade_makes_minted_passwords_temporary(support::TestDb::sqlite_empty().await).await
    });
}

#[test]
fn an_upgrade_makes_minted_passwords_temporary_on_postgres() {
    run(async {
        an_upgrade_makes_minted_passwords_temporary(support::TestDb::postgres_empty().await).await
    });
}
