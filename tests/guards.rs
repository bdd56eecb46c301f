//! Token guards over real HTTP, on SQLite and PostgreSQL: a token's IP allowlist admits its
//! addresses (IPv4, IPv6, IPv4-mapped, through a trusted proxy) and refuses every other one
//! with a 403 that says so — never which addresses it allows —, introspection answers
//! `IP_NOT_ALLOWED` for an address the caller names, refused attempts are kept beside the
//! token's requests, and bad lists are refused with nothing changed. A token's rate limit
//! is announced on every answer (the IETF draft's RateLimit-Policy and RateLimit fields),
//! refused past its quota with 429 and Retry-After — even to parallel requests —, and
//! answered `RATE_LIMITED` by introspection.

mod support;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tessera::server::{state::AppState, store::Db};
use uuid::Uuid;

/// The site on a random port, trusting X-Forwarded-For from loopback (so each call says
/// where it comes from), and an Owner-scoped token of Acme to drive the API with.
struct Site {
    state: AppState,
    api: String,
    workspace: Uuid,
    owner: String,
    _served: support::Served,
}

impl Site {
    async fn start(db: &Db) -> Site {
        let site = support::site(db, |var| {
            (var == "TESSERA_TRUSTED_PROXIES").then(|| "127.0.0.1".to_owned())
        })
        .await;
        Site {
            api: format!("http://{}/api/v1", site.served.addr),
            state: site.state,
            workspace: site.workspace,
            owner: site.secret,
            _served: site.served,
        }
    }

    /// A call with `token`, from `from` (None: the proxy's own loopback address).
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        from: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, String, Value) {
        let mut request = Client::new()
            .request(method, format!("{}{path}", self.api))
            .bearer_auth(token);
        if let Some(from) = from {
            request = request.header("x-forwarded-for", from);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        (
            status,
            content_type,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// `GET /access-token` with `token` from `from`: its status.
    async fn from(&self, token: &str, from: &str) -> StatusCode {
        let (status, _, _) = self
            .call(Method::GET, "/access-token", token, Some(from), None)
            .await;
        status
    }

    /// Makes a token through the API (from an address the owner's token may use).
    async fn create(&self, label: &str, allowed: Value) -> (StatusCode, Value) {
        let body = json!({"label": label, "scope": "viewer", "allowed_ips": allowed});
        let path = format!("/workspaces/{}/tokens", self.workspace);
        let (status, _, body) = self
            .call(Method::POST, &path, &self.owner, None, Some(body))
            .await;
        (status, body)
    }

    async fn patch(&self, id: &str, body: Value) -> (StatusCode, Value) {
        let path = format!("/workspaces/{}/tokens/{id}", self.workspace);
        let (status, _, body) = self
            .call(Method::PATCH, &path, &self.owner, None, Some(body))
            .await;
        (status, body)
    }
}

/// What an answer said of a token's rate limit: its status, `RateLimit-Policy`,
/// `RateLimit` and `Retry-After`.
struct Limited {
    status: StatusCode,
    policy: Option<String>,
    left: Option<String>,
    retry_after: Option<u64>,
    body: Value,
}

impl Site {
    async fn limited(&self, token: &str) -> Limited {
        let response = Client::new()
            .get(format!("{}/access-token", self.api))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (policy, left) = (header("ratelimit-policy"), header("ratelimit"));
        let retry_after = header("retry-after").map(|v| v.parse().unwrap());
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        Limited {
            status,
            policy,
            left,
            retry_after,
            body,
        }
    }

    async fn create_limited(&self, label: &str, limit: Value) -> (StatusCode, Value) {
        let body = json!({"label": label, "scope": "viewer", "rate_limit": limit});
        let path = format!("/workspaces/{}/tokens", self.workspace);
        let (status, _, body) = self
            .call(Method::POST, &path, &self.owner, None, Some(body))
            .await;
        (status, body)
    }
}

fn field_of(body: &Value) -> &str {
    body["errors"][0]["field"].as_str().unwrap_or_default()
}

on_both_engines! {
    async fn an_allowlist_admits_its_addresses_and_refuses_the_rest_saying_so(test: TestDb) {
        let db = &test.db;
        let site = Site::start(db).await;
        let asked = json!(["203.0.113.0/24", "2001:db8::/32", "::ffff:198.51.100.7", "203.0.113.0/24"]);
        let (status, made) = site.create("ci", asked).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        // Canonical: the mapped address as IPv4, the repeat gone.
        assert_eq!(made["token"]["allowed_ips"], json!(["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"]));
        let secret = made["secret"].as_str().unwrap().to_owned();

        for allowed in ["203.0.113.9", "2001:db8:1::5", "198.51.100.7", "::ffff:198.51.100.7", "::ffff:203.0.113.200"] {
            assert_eq!(site.from(&secret, allowed).await, StatusCode::OK, "{allowed}");
        }
        let (status, content_type, problem) = site
            .call(Method::GET, "/access-token", &secret, Some("192.0.2.1"), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(content_type, "application/problem+json");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("may not be used from 192.0.2.1"), "{detail}");
        assert!(!detail.contains("203.0.113") && !detail.contains("2001:db8"), "never the list: {detail}");
        for refused in ["2001:db9::1", "198.51.100.8", "::ffff:192.0.2.1"] {
            assert_eq!(site.from(&secret, refused).await, StatusCode::FORBIDDEN, "{refused}");
        }
        // Without a forwarded address the client is the proxy itself, 127.0.0.1: not listed.
        let (status, _, _) = site.call(Method::GET, "/access-token", &secret, None, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // A token without a list is used from anywhere.
        assert_eq!(site.from(&site.owner, "192.0.2.1").await, StatusCode::OK);

        // Refused attempts are kept beside the served requests; the last use stays the
        // last served one.
        site.state.last_used.flush(db).await.unwrap();
        let id: Uuid = made["token"]["id"].as_str().unwrap().parse().unwrap();
        let kept = db.token_requests(id).await.unwrap();
        let refused: Vec<_> = kept.iter().filter(|r| r.refused.is_some()).map(|r| r.ip.clone().unwrap()).collect();
        assert_eq!(refused.len(), 5, "{kept:?}");
        assert!(refused.contains(&"192.0.2.1".to_owned()));
        assert!(kept.iter().all(|r| r.refused.as_deref().is_none_or(|why| why == "ip_not_allowed")));
        assert_eq!(kept.iter().filter(|r| r.refused.is_none()).count(), 5);
        let (_, _, listed) = site
            .call(Method::GET, &format!("/workspaces/{}/tokens/{id}", site.workspace), &site.owner, None, None)
            .await;
        assert_eq!(listed["last_used_ip"], "203.0.113.200", "{listed}");
        test.remove().await;
    }

    async fn introspection_answers_ip_not_allowed_for_the_address_it_is_given(test: TestDb) {
        let db = &test.db;
        let site = Site::start(db).await;
        let (_, made) = site.create("ci", json!(["203.0.113.0/24"])).await;
        let secret = made["secret"].as_str().unwrap();
        let ask = |ip: Option<&str>| {
            let mut body = json!({"token": secret});
            if let Some(ip) = ip {
                body["ip"] = json!(ip);
            }
            site.call(Method::POST, "/introspect", &site.owner, None, Some(body))
        };
        let (_, _, answer) = ask(Some("192.0.2.1")).await;
        assert_eq!((answer["active"].clone(), answer["reason"].clone()), (json!(false), json!("IP_NOT_ALLOWED")), "{answer}");
        let (_, _, answer) = ask(Some("203.0.113.5")).await;
        assert_eq!((answer["active"].clone(), answer["reason"].clone()), (json!(true), json!("VALID")), "{answer}");
        // Not told where it came from, introspection does not ask the list.
        let (_, _, answer) = ask(None).await;
        assert_eq!(answer["active"], true, "{answer}");
        let (status, _, problem) = ask(Some("somewhere")).await;
        assert_eq!((status, field_of(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, "ip"), "{problem}");
        test.remove().await;
    }

    async fn bad_lists_are_refused_with_nothing_changed_and_a_new_list_applies_at_once(test: TestDb) {
        let db = &test.db;
        let site = Site::start(db).await;
        let too_many: Vec<String> = (0..33).map(|i| format!("192.0.2.{i}")).collect();
        for (bad, says) in [
            (json!(["0.0.0.0/0"]), "Leave the list empty"),
            (json!(["::/0"]), "Leave the list empty"),
            (json!(["10.1.2.3/8"]), "Did you mean 10.0.0.0/8?"),
            (json!(["intranet"]), "not an IP address"),
            (json!(too_many), "At most 32"),
        ] {
            let (status, problem) = site.create("bad", bad.clone()).await;
            assert_eq!((status, field_of(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, "allowed_ips"), "{bad}");
            assert!(problem.to_string().contains(says), "{bad}: {problem}");
        }
        let tokens = format!("/workspaces/{}/tokens", site.workspace);
        let (_, _, listed) = site.call(Method::GET, &tokens, &site.owner, None, None).await;
        assert_eq!(listed["total"], 1, "only the owner's token: {listed}");

        // A token in use (cached) is held to a new list from its very next request.
        let (_, made) = site.create("deploy", json!([])).await;
        assert_eq!(made["token"]["allowed_ips"], json!([]));
        let (id, secret) = (made["token"]["id"].as_str().unwrap().to_owned(), made["secret"].as_str().unwrap().to_owned());
        assert_eq!(site.from(&secret, "192.0.2.1").await, StatusCode::OK);
        let (status, problem) = site.patch(&id, json!({"allowed_ips": ["::/0"]})).await;
        assert_eq!((status, field_of(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, "allowed_ips"));
        assert_eq!(site.from(&secret, "192.0.2.1").await, StatusCode::OK, "the refused edit changed nothing");
        let (status, changed) = site.patch(&id, json!({"allowed_ips": ["203.0.113.7"]})).await;
        assert_eq!((status, changed["allowed_ips"].clone()), (StatusCode::OK, json!(["203.0.113.7"])));
        assert_eq!(site.from(&secret, "192.0.2.1").await, StatusCode::FORBIDDEN);
        assert_eq!(site.from(&secret, "203.0.113.7").await, StatusCode::OK);
        let events = db.audit_events(site.workspace, 1).await.unwrap();
        assert_eq!(events[0].action, "token.edited");
        assert!(events[0].changes.as_deref().unwrap_or_default().contains("allowed_ips"), "{:?}", events[0]);

        // Rotating keeps the list; an empty list lets it be used from anywhere again.
        let path = format!("/workspaces/{}/tokens/{id}/rotate", site.workspace);
        let (status, _, rotated) = site.call(Method::POST, &path, &site.owner, None, Some(json!({}))).await;
        assert_eq!((status, rotated["token"]["allowed_ips"].clone()), (StatusCode::CREATED, json!(["203.0.113.7"])), "{rotated}");
        let successor = rotated["secret"].as_str().unwrap();
        assert_eq!(site.from(successor, "192.0.2.1").await, StatusCode::FORBIDDEN);
        let new_id = rotated["token"]["id"].as_str().unwrap();
        let (status, opened) = site.patch(new_id, json!({"allowed_ips": []})).await;
        assert_eq!((status, opened["allowed_ips"].clone()), (StatusCode::OK, json!([])));
        assert_eq!(site.from(successor, "192.0.2.1").await, StatusCode::OK);
        test.remove().await;
    }
    async fn a_workspace_default_applies_to_new_tokens_unless_their_maker_gives_a_list(test: TestDb) {
        let db = &test.db;
        let site = Site::start(db).await;
        let (_, before) = site.create("before", Value::Null).await;
        let settings = format!("/workspaces/{}", site.workspace);
        let patch = |body: Value| site.call(Method::PATCH, &settings, &site.owner, None, Some(body));

        let (status, _, problem) = patch(json!({"default_allowed_ips": ["::/0"]})).await;
        assert_eq!((status, field_of(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, "default_allowed_ips"), "{problem}");
        let (status, _, set) = patch(json!({"default_allowed_ips": ["10.0.0.0/8", "::ffff:10.1.2.3"]})).await;
        assert_eq!(status, StatusCode::OK, "{set}");
        assert_eq!(set["default_allowed_ips"], json!(["10.0.0.0/8", "10.1.2.3"]));
        let events = db.audit_events(site.workspace, 1).await.unwrap();
        assert_eq!(events[0].action, "workspace.settings_changed");
        assert!(events[0].changes.as_deref().unwrap_or_default().contains("default_allowed_ips"));

        // A Viewer-scoped token may not change it.
        let (_, viewer) = site.create("viewer", json!([])).await;
        let viewer = viewer["secret"].as_str().unwrap();
        let (status, _, _) = site.call(Method::PATCH, &settings, viewer, None, Some(json!({"default_allowed_ips": []}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // New tokens get it unless their maker gives a list; tokens made before keep theirs.
        let (_, defaulted) = site.create("defaulted", Value::Null).await;
        assert_eq!(defaulted["token"]["allowed_ips"], json!(["10.0.0.0/8", "10.1.2.3"]));
        let secret = defaulted["secret"].as_str().unwrap();
        assert_eq!(site.from(secret, "192.0.2.1").await, StatusCode::FORBIDDEN);
        assert_eq!(site.from(secret, "10.9.9.9").await, StatusCode::OK);
        let (_, chosen) = site.create("chosen", json!(["203.0.113.7"])).await;
        assert_eq!(chosen["token"]["allowed_ips"], json!(["203.0.113.7"]));
        let (_, open) = site.create("open", json!([])).await;
        assert_eq!(open["token"]["allowed_ips"], json!([]));
        assert_eq!(before["token"]["allowed_ips"], json!([]));
        assert_eq!(site.from(before["secret"].as_str().unwrap(), "192.0.2.1").await, StatusCode::OK);

        // An empty list lifts the default.
        let (status, _, cleared) = patch(json!({"default_allowed_ips": []})).await;
        assert_eq!((status, cleared["default_allowed_ips"].clone()), (StatusCode::OK, json!([])));
        let (_, after) = site.create("after", Value::Null).await;
        assert_eq!(after["token"]["allowed_ips"], json!([]));
        test.remove().await;
    }

    async fn a_rate_limit_is_announced_on_every_answer_and_refuses_past_its_quota(test: TestDb) {
        let db = &test.db;
        let site = Site::start(db).await;
        let (status, made) = site.create_limited("ci", json!({"requests": 3, "window_seconds": 60})).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!(made["token"]["rate_limit"], json!({"requests": 3, "window_seconds": 60}));
        let (id, secret) = (made["token"]["id"].as_str().unwrap().to_owned(), made["secret"].as_str().unwrap().to_owned());

        // A burst of the quota, each answer saying what is left; a request frees every 20 s.
        for left in [2, 1, 0] {
            let answer = site.limited(&secret).await;
            assert_eq!(answer.status, StatusCode::OK);
            assert_eq!(answer.policy.as_deref(), Some("\"token\";q=3;w=60"));
            assert_eq!(answer.left, Some(format!("\"token\";r={left};t=20")));
            assert_eq!(answer.retry_after, None);
        }
        let refused = site.limited(&secret).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        let wait = refused.retry_after.expect("Retry-After");
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(refused.left, Some(format!("\"token\";r=0;t={wait}")));
        assert_eq!(refused.policy.as_deref(), Some("\"token\";q=3;w=60"));
        let detail = refused.body["detail"].as_str().unwrap();
        assert!(detail.contains("over its rate limit of 3 per minute") && detail.contains("Try again in"), "{detail}");
        assert_eq!(refused.body["status"], 429);

        // Another token has its own quota, and one without a limit says nothing of limits.
        let open = site.limited(&site.owner).await;
        assert_eq!((open.status, open.policy, open.left), (StatusCode::OK, None, None));

        // Introspection counts as a use: nothing left, RATE_LIMITED.
        let (_, _, answer) = site.call(Method::POST, "/introspect", &site.owner, None, Some(json!({"token": secret}))).await;
        assert_eq!((answer["active"].clone(), answer["reason"].clone()), (json!(false), json!("RATE_LIMITED")), "{answer}");
        assert_eq!(answer["rate_limit"]["remaining"], 0, "{answer}");

        // The refused requests are kept for the API access audit; the served ones counted.
        site.state.last_used.flush(db).await.unwrap();
        let kept = db.token_requests(id.parse().unwrap()).await.unwrap();
        assert_eq!(kept.iter().filter(|r| r.refused.as_deref() == Some("rate_limited")).count(), 1, "{kept:?}");
        assert_eq!(kept.iter().filter(|r| r.refused.is_none()).count(), 3, "{kept:?}");

        // A new limit applies from the very next request, with a fresh quota.
        let (status, changed) = site.patch(&id, json!({"rate_limit": {"requests": 100, "window_seconds": 3600}})).await;
        assert_eq!((status, changed["rate_limit"].clone()), (StatusCode::OK, json!({"requests": 100, "window_seconds": 3600})));
        let answer = site.limited(&secret).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.policy.as_deref(), Some("\"token\";q=100;w=3600"));
        assert_eq!(answer.left, Some("\"token\";r=99;t=36".to_owned()));
        let (_, _, answer) = site.call(Method::POST, "/introspect", &site.owner, None, Some(json!({"token": secret}))).await;
        assert_eq!(answer["reason"], "VALID");
        assert_eq!(answer["rate_limit"], json!({"requests": 100, "window_seconds": 3600, "remaining": 98, "reset_seconds": 36}));
        let events = db.audit_events(site.workspace, 1).await.unwrap();
        assert!(events[0].changes.as_deref().unwrap_or_default().contains("rate_limit"), "{:?}", events[0]);

        // Removed: no fields, no refusals.
        let (status, changed) = site.patch(&id, json!({"rate_limit": null})).await;
        assert_eq!((status, changed["rate_limit"].clone()), (StatusCode::OK, Value::Null));
        let answer = site.limited(&secret).await;
        assert_eq!((answer.status, answer.policy, answer.left), (StatusCode::OK, None, None));
        test.remove().await;
    }

    async fn parallel_requests_get_exactly_the_quota(test: TestDb) {
        let db = &test.db;
        let site = Site::start(db).await;
        let (_, made) = site.create_limited("burst", json!({"requests": 5, "window_seconds": 86400})).await;
        let secret = made["secret"].as_str().unwrap();
        let answers = futures_util::future::join_all((0..24).map(|_| site.limited(secret))).await;
        let served = answers.iter().filter(|a| a.status == StatusCode::OK).count();
        let refused = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
        assert_eq!((served, refused), (5, 19));
        assert!(answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).all(|a| a.retry_after.is_some_and(|s| s > 3600)));
        test.remove().await;
    }

    async fn bad_rate_limits_are_refused_and_a_workspace_default_applies_to_new_tokens(test: TestDb) {
        let db = &test.db;
        let site = Site::start(db).await;
        for (bad, says) in [
            (json!({"requests": 0, "window_seconds": 60}), "from 1 to 1000000 requests"),
            (json!({"requests": 2000000, "window_seconds": 60}), "(2000000 was asked)"),
            (json!({"requests": 10, "window_seconds": 0}), "from 1 to 86400 seconds"),
            (json!({"requests": 10, "window_seconds": 90000}), "90000 was asked"),
        ] {
            let (status, problem) = site.create_limited("bad", bad.clone()).await;
            assert_eq!((status, field_of(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, "rate_limit"), "{bad}: {problem}");
            assert!(problem.to_string().contains(says), "{bad}: {problem}");
        }
        let (status, problem) = site.create_limited("bad", json!({"requests": 10, "per": "minute"})).await;
        assert!(status.is_client_error(), "{problem}");
        let tokens = format!("/workspaces/{}/tokens", site.workspace);
        let (_, _, listed) = site.call(Method::GET, &tokens, &site.owner, None, None).await;
        assert_eq!(listed["total"], 1, "nothing made: {listed}");

        let settings = format!("/workspaces/{}", site.workspace);
        let patch = |body: Value| site.call(Method::PATCH, &settings, &site.owner, None, Some(body));
        let (status, _, problem) = patch(json!({"default_rate_limit": {"requests": 0, "window_seconds": 60}})).await;
        assert_eq!((status, field_of(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, "default_rate_limit"), "{problem}");
        let (status, _, set) = patch(json!({"default_rate_limit": {"requests": 600, "window_seconds": 60}})).await;
        assert_eq!((status, set["default_rate_limit"].clone()), (StatusCode::OK, json!({"requests": 600, "window_seconds": 60})), "{set}");
        let events = db.audit_events(site.workspace, 1).await.unwrap();
        assert_eq!(events[0].action, "workspace.settings_changed");
        assert!(events[0].changes.as_deref().unwrap_or_default().contains("default_rate_limit"));

        // Left out: the default; null: none; given: that one.
        let (_, defaulted) = site.create("defaulted", Value::Null).await;
        assert_eq!(defaulted["token"]["rate_limit"], json!({"requests": 600, "window_seconds": 60}));
        let answer = site.limited(defaulted["secret"].as_str().unwrap()).await;
        assert_eq!(answer.policy.as_deref(), Some("\"token\";q=600;w=60"));
        let (_, open) = site.create_limited("open", Value::Null).await;
        assert_eq!(open["token"]["rate_limit"], Value::Null);
        let (_, chosen) = site.create_limited("chosen", json!({"requests": 5, "window_seconds": 1})).await;
        assert_eq!(chosen["token"]["rate_limit"], json!({"requests": 5, "window_seconds": 1}));
        let (status, _, cleared) = patch(json!({"default_rate_limit": null})).await;
        assert_eq!((status, cleared["default_rate_limit"].clone()), (StatusCode::OK, Value::Null));
        let (_, after) = site.create("after", Value::Null).await;
        assert_eq!(after["token"]["rate_limit"], Value::Null);
        test.remove().await;
    }
}
