//! Leaked tokens over real HTTP, on SQLite and PostgreSQL: anyone's report
//! (`POST /api/v1/credentials/revoke`), GitLab's Token Revocation API and GitHub's signed
//! secret scanning alerts each disable a real token for good ("reported as leaked"), mail
//! its creator and Owners through a real SMTP server, and audit the report with the
//! reporter's address — once, however often it is replayed; unknown and malformed strings,
//! oversized lists, bad credentials and bad signatures change nothing; reports are limited
//! per address, even in parallel.

mod support;

use base64::Engine as _;
use p256::{
    ecdsa::{Signature, SigningKey, signature::Signer as _},
    pkcs8::{EncodePublicKey, LineEnding},
};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use support::smtp::{relay, smtp_sink, take};
use tessera::{
    domain::role::Role,
    server::{
        services::{RequestMeta, now_ms},
        store::Db,
    },
};
use uuid::Uuid;

const GITLAB_TOKEN: &str = "gitlab-revocation-token-0123456789abcdef";
const KEY_ID: &str = "test-key-1";

/// The site on a random port (trusting X-Forwarded-For from loopback, so each call says
/// where it comes from), set up for both scanners, with an Owner token to look with.
struct Site {
    api: String,
    workspace: Uuid,
    owner: String,
    signer: SigningKey,
    _served: support::Served,
}

/// A key pair made for this test run.
fn key_pair() -> SigningKey {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(Uuid::now_v7().as_bytes());
    bytes[16..].copy_from_slice(Uuid::now_v7().as_bytes());
    bytes[0] &= 0x7f;
    SigningKey::from_slice(&bytes).unwrap()
}

impl Site {
    async fn start(db: &Db, per_hour: u32) -> Site {
        let signer = key_pair();
        let pem = signer
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let site = support::site(db, |var| match var {
            "TESSERA_TRUSTED_PROXIES" => Some("127.0.0.1".to_owned()),
            "TESSERA_LEAK_REPORTS_PER_HOUR" => Some(per_hour.to_string()),
            "TESSERA_GITLAB_REVOCATION_TOKEN" => Some(GITLAB_TOKEN.to_owned()),
            "TESSERA_GITHUB_SECRET_SCANNING_KEYS" => Some(format!("{KEY_ID}={pem}")),
            _ => None,
        })
        .await;
        let meta = RequestMeta::default();
        let by = support::acting(db, &support::api_keys(), &site.owner, &meta, now_ms());
        support::join(&by, site.workspace, "otto@example.com", "Otto", Role::Owner).await;
        Site {
            api: format!("http://{}/api/v1", site.served.addr),
            workspace: site.workspace,
            owner: site.secret,
            signer,
            _served: site.served,
        }
    }

    fn post(&self, path: &str, from: &str) -> RequestBuilder {
        Client::new()
            .post(format!("{}{path}", self.api))
            .header("x-forwarded-for", from)
    }

    /// Makes a token (its id and secret) with the Owner's token.
    async fn token(&self, label: &str) -> (String, String) {
        let made: Value = Client::new()
            .post(format!("{}/workspaces/{}/tokens", self.api, self.workspace))
            .bearer_auth(&self.owner)
            .json(&json!({"label": label, "scope": "viewer"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            made["token"]["id"].as_str().unwrap().to_owned(),
            made["secret"].as_str().unwrap().to_owned(),
        )
    }

    /// The token as the API shows it.
    async fn shown(&self, id: &str) -> Value {
        Client::new()
            .get(format!(
                "{}/workspaces/{}/tokens/{id}",
                self.api, self.workspace
            ))
            .bearer_auth(&self.owner)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Whether `secret` still works.
    async fn works(&self, secret: &str) -> bool {
        Client::new()
            .get(format!("{}/access-token", self.api))
            .bearer_auth(secret)
            .send()
            .await
            .unwrap()
            .status()
            == StatusCode::OK
    }

    /// Waits (up to 5 s) until the token is reported as leaked.
    async fn leaked(&self, id: &str) -> Value {
        for _ in 0..250 {
            let shown = self.shown(id).await;
            if !shown["leak"].is_null() {
                return shown;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("{id} was never reported as leaked");
    }

    async fn reported_events(&self, db: &Db) -> Vec<tessera::server::store::audit::AuditRow> {
        db.audit_events(self.workspace, 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|event| event.action == "token.reported_leaked")
            .collect()
    }

    /// GitHub's alert: `body` signed with this run's key.
    fn github(&self, body: &str, from: &str) -> RequestBuilder {
        self.signed(body, from, KEY_ID)
    }

    /// `body` signed with this run's key, said to be `key_id`.
    fn signed(&self, body: &str, from: &str, key_id: &str) -> RequestBuilder {
        let signature: Signature = self.signer.sign(body.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes());
        self.post("/github/secret-scanning", from)
            .header("content-type", "application/json")
            .header("Github-Public-Key-Identifier", key_id)
            .header("Github-Public-Key-Signature", signature)
            .body(body.to_owned())
    }
}

/// A string shaped as a token (prefix, length, checksum) that no token has.
fn unknown_token() -> String {
    tessera::server::secrets::new_token_secret()
        .expose()
        .to_owned()
}

on_both_engines! {
    async fn anyone_may_report_a_token_and_it_is_disabled_for_good_with_mail_and_audit(test: TestDb) {
        let db = &test.db;
        let site = Site::start(db, 60).await;
        let (id, secret) = site.token("ci").await;
        let (other_id, other) = site.token("untouched").await;
        let (port, inbox) = smtp_sink();
        let mailer = relay(port);
        mailer.deliver_due(db, now_ms() + 1).await.unwrap();
        inbox.lock().unwrap().clear();

        let body = json!({"credentials": ["not-a-token", unknown_token(), secret]});
        let answer = site.post("/credentials/revoke", "198.51.100.9").json(&body).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::ACCEPTED);
        let shown = site.leaked(&id).await;
        assert_eq!(shown["status"], "disabled");
        assert_eq!(shown["leak"]["source"], "public_report", "{shown}");
        assert!(!site.works(&secret).await, "refused from its very next request");
        assert!(site.works(&other).await);
        assert!(site.shown(&other_id).await["leak"].is_null());

        // Recorded once, with the reporter's address, by no one signed in.
        let events = site.reported_events(db).await;
        assert_eq!(events.len(), 1, "{events:?}");
        let changes: Value = serde_json::from_str(events[0].changes.as_deref().unwrap()).unwrap();
        assert_eq!(changes["reason"], "reported as leaked");
        assert_eq!(changes["reporter_ip"], "198.51.100.9");
        assert_eq!(events[0].actor_kind, "system");

        // Its creator and every Owner told, through the real SMTP server, never the secret.
        mailer.deliver_due(db, now_ms() + 1).await.unwrap();
        let mut mails = take(&inbox, 2).await;
        mails.sort_by_key(|mail| mail.to.clone());
        assert_eq!(mails[0].to, ["otto@example.com"]);
        assert_eq!(mails[1].to, ["owner@example.com"]);
        for mail in &mails {
            assert_eq!(mail.subject(), "[Tessera] Access token “ci” in Acme was reported as leaked and disabled");
            let text = mail.body();
            assert!(text.contains("a public report from 198.51.100.9") && text.contains("rotate it"), "{text}");
            assert!(!text.contains(&secret));
        }

        // Replayed: still 202, nothing more recorded or sent.
        let again = site.post("/credentials/revoke", "198.51.100.9").json(&body).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::ACCEPTED);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(site.reported_events(db).await.len(), 1);
        mailer.deliver_due(db, now_ms() + 1).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(inbox.lock().unwrap().is_empty(), "no second mail");

        // It cannot be enabled again; rotating it is the way out.
        let patch = Client::new()
            .patch(format!("{}/workspaces/{}/tokens/{id}", site.api, site.workspace))
            .bearer_auth(&site.owner)
            .json(&json!({"enabled": true}))
            .send().await.unwrap();
        assert_eq!(patch.status(), StatusCode::CONFLICT);
        let problem: Value = patch.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains("cannot be enabled again"), "{problem}");
        let rotated = Client::new()
            .post(format!("{}/workspaces/{}/tokens/{id}/rotate", site.api, site.workspace))
            .bearer_auth(&site.owner)
            .json(&json!({}))
            .send().await.unwrap();
        assert_eq!(rotated.status(), StatusCode::CREATED);
        let rotated: Value = rotated.json().await.unwrap();
        assert!(site.works(rotated["secret"].as_str().unwrap()).await);
        assert!(rotated["token"]["leak"].is_null());
        assert!(!site.works(&secret).await, "the leaked one stays off");
        test.remove().await;
    }

    async fn reports_are_bounded_checked_and_limited_per_address(test: TestDb) {
        let db = &test.db;
        let site = Site::start(db, 3).await;
        let (id, secret) = site.token("ci").await;
        let mut too_many: Vec<String> = (0..1000).map(|_| unknown_token()).collect();
        too_many.push(secret.clone());
        let answer = site.post("/credentials/revoke", "192.0.2.1").json(&json!({"credentials": too_many})).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = answer.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "credentials");
        assert!(problem["detail"].as_str().unwrap().contains("At most 1000"), "{problem}");
        let answer = site.post("/credentials/revoke", "192.0.2.1").header("content-type", "application/json").body("{not json").send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
        let answer = site.post("/credentials/revoke", "192.0.2.1").json(&json!({"tokens": [secret]})).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(site.works(&secret).await, "nothing refused was acted on");
        assert!(site.shown(&id).await["leak"].is_null());

        // Three reports an hour from an address, however fast they come; another has its own.
        let flood = futures_util::future::join_all((0..10).map(|_| {
            site.post("/credentials/revoke", "203.0.113.50").json(&json!({"credentials": []})).send()
        }))
        .await;
        let statuses: Vec<StatusCode> = flood.iter().map(|answer| answer.as_ref().unwrap().status()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::ACCEPTED).count(), 3, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 7);
        let limited = flood.into_iter().map(Result::unwrap).find(|a| a.status() == StatusCode::TOO_MANY_REQUESTS).unwrap();
        let wait: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=1200).contains(&wait), "{wait}");
        let elsewhere = site.post("/credentials/revoke", "203.0.113.51").json(&json!({"credentials": [secret]})).send().await.unwrap();
        assert_eq!(elsewhere.status(), StatusCode::ACCEPTED);
        site.leaked(&id).await;
        test.remove().await;
    }

    async fn gitlab_revokes_what_its_secret_detection_finds(test: TestDb) {
        let db = &test.db;
        let site = Site::start(db, 60).await;
        let (id, secret) = site.token("deploy").await;
        let (_, other) = site.token("other").await;
        let types = |auth: Option<&str>| {
            let mut request = Client::new().get(format!("{}/gitlab/revocable_token_types", site.api));
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            request.send()
        };
        assert_eq!(types(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
        assert_eq!(types(Some("wrong-token-wrong-token-wrong-token")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
        let listed: Value = types(Some(GITLAB_TOKEN)).await.unwrap().json().await.unwrap();
        assert_eq!(listed, json!({"types": ["gitleaks_rule_id_tessera_access_token"]}));

        let revoke = |body: String, auth: &str| {
            site.post("/gitlab/revoke_tokens", "192.0.2.30")
                .header("authorization", auth.to_owned())
                .header("content-type", "application/json")
                .body(body)
                .send()
        };
        let found = |token: &str, kind: &str| json!({"type": kind, "token": token, "location": "https://gitlab.example/acme/app/-/blob/abc123/.env"});
        let ours = "gitleaks_rule_id_tessera_access_token";
        // Refused, changing nothing: no credential, another type, not JSON, over 1000.
        let body = json!([found(&other, ours)]).to_string();
        assert_eq!(revoke(body.clone(), "Bearer nope").await.unwrap().status(), StatusCode::UNAUTHORIZED);
        let mixed = json!([found(&other, ours), found(&other, "gitleaks_rule_id_aws_access_token")]).to_string();
        assert_eq!(revoke(mixed, GITLAB_TOKEN).await.unwrap().status(), StatusCode::BAD_REQUEST);
        assert_eq!(revoke("{}".into(), GITLAB_TOKEN).await.unwrap().status(), StatusCode::BAD_REQUEST);
        let many: Vec<Value> = (0..1001).map(|_| found(&unknown_token(), ours)).collect();
        assert_eq!(revoke(json!(many).to_string(), GITLAB_TOKEN).await.unwrap().status(), StatusCode::BAD_REQUEST);
        assert!(site.works(&other).await);

        // Accepted: disabled before the answer, the location recorded; a replay does nothing.
        let body = json!([found(&secret, ours), found(&unknown_token(), ours)]).to_string();
        assert_eq!(revoke(body.clone(), &format!("Bearer {GITLAB_TOKEN}")).await.unwrap().status(), StatusCode::NO_CONTENT);
        assert!(!site.works(&secret).await);
        let shown = site.shown(&id).await;
        assert_eq!((shown["leak"]["source"].clone(), shown["leak"]["location"].clone()), (json!("gitlab"), json!("https://gitlab.example/acme/app/-/blob/abc123/.env")));
        assert_eq!(revoke(body, GITLAB_TOKEN).await.unwrap().status(), StatusCode::NO_CONTENT);
        let events = site.reported_events(db).await;
        assert_eq!(events.len(), 1);
        assert!(events[0].changes.as_deref().unwrap().contains("gitlab.example/acme/app"));
        assert!(site.works(&other).await);
        test.remove().await;
    }

    async fn github_alerts_are_verified_revoked_and_answered_with_feedback(test: TestDb) {
        let db = &test.db;
        let site = Site::start(db, 60).await;
        let (id, secret) = site.token("leaky").await;
        let unknown = unknown_token();
        let body = json!([
            {"token": secret, "type": "tessera_access_token", "url": "https://github.com/acme/app/blob/abc/.env", "source": "content"},
            {"token": unknown, "type": "tessera_access_token", "url": "https://github.com/acme/app/blob/abc/x", "source": "commit"},
            {"token": "tsr_nonsense", "type": "tessera_access_token", "url": "https://github.com/acme/app/blob/abc/y", "source": "content"},
        ]).to_string();

        // Unsigned, signed by another key, signed over another body: 401, nothing done.
        let unsigned = site.post("/github/secret-scanning", "192.0.2.40").header("content-type", "application/json").body(body.clone()).send().await.unwrap();
        assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
        let stranger = key_pair();
        let forged: Signature = stranger.sign(body.as_bytes());
        let forged = site.post("/github/secret-scanning", "192.0.2.40")
            .header("Github-Public-Key-Identifier", KEY_ID)
            .header("Github-Public-Key-Signature", base64::engine::general_purpose::STANDARD.encode(forged.to_der().as_bytes()))
            .body(body.clone()).send().await.unwrap();
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        let tampered = site.github(&body.replace("abc/.env", "abc/.env2"), "192.0.2.40")
            .body(body.clone()).send().await.unwrap();
        assert_eq!(tampered.status(), StatusCode::UNAUTHORIZED);
        let unknown_key = site.signed(&body, "192.0.2.40", "other-key").send().await.unwrap();
        assert_eq!(unknown_key.status(), StatusCode::UNAUTHORIZED);
        assert!(site.works(&secret).await);

        // Signed: revoked, and the feedback GitHub asks for.
        let answer = site.github(&body, "192.0.2.40").send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let feedback: Value = answer.json().await.unwrap();
        let hash = |token: &str| hex_of(&Sha256::digest(token.as_bytes()));
        assert_eq!(feedback, json!([
            {"token_hash": hash(&secret), "token_type": "tessera_access_token", "label": "true_positive"},
            {"token_hash": hash(&unknown), "token_type": "tessera_access_token", "label": "false_positive"},
            {"token_hash": hash("tsr_nonsense"), "token_type": "tessera_access_token", "label": "false_positive"},
        ]));
        assert!(!site.works(&secret).await);
        let shown = site.shown(&id).await;
        assert_eq!(shown["leak"]["source"], "github");
        assert_eq!(shown["leak"]["location"], "https://github.com/acme/app/blob/abc/.env (content)");

        // Replayed: the same answer, nothing recorded again.
        let replay = site.github(&body, "192.0.2.40").send().await.unwrap();
        assert_eq!(replay.json::<Value>().await.unwrap(), feedback);
        assert_eq!(site.reported_events(db).await.len(), 1);

        // Over 1000 matches: refused whole.
        let many: Vec<Value> = (0..1001).map(|_| json!({"token": unknown_token(), "type": "tessera_access_token", "url": "u"})).collect();
        let many = json!(many).to_string();
        assert_eq!(site.github(&many, "192.0.2.40").send().await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
        test.remove().await;
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
