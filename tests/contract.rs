//! What the OpenAPI document promises about request bodies, held by the server over HTTP
//! (SQLite and PostgreSQL), beside the fuzzer's run (`scripts/schemathesis.sh`): a body is one
//! JSON object (an array of a struct's fields is not read as one), a whole number is one
//! however it is written (`60.0`), a state conflict is a 409 rather than a field error, and
//! the document itself carries the rules the derives cannot state.

mod support;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

struct Api {
    site: support::Site,
}

impl Api {
    async fn call(&self, method: Method, path: &str, body: Option<&str>) -> (StatusCode, Value) {
        let mut request = Client::new()
            .request(
                method,
                format!("http://{}/api/v1{path}", self.site.served.addr),
            )
            .bearer_auth(&self.site.secret);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    fn tokens(&self) -> String {
        format!("/workspaces/{}/tokens", self.site.workspace)
    }
}

on_both_engines! {
    async fn a_body_is_one_json_object_and_nothing_else(test: TestDb) {
        let api = Api { site: support::site(&test.db, |_| None).await };
        let tokens = api.tokens();
        // serde reads a struct from an array of its fields; the API does not.
        for body in [r#"["ci", "viewer"]"#, "[[]]", "\"ci\"", "42", "null"] {
            let (status, problem) = api.call(Method::POST, &tokens, Some(body)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
            assert!(problem["detail"].as_str().unwrap().contains("one JSON object"), "{problem}");
        }
        let (status, _) = api.call(Method::POST, "/credentials/revoke", Some("[[]]")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "a leak report too");
        let (_, listed) = api.call(Method::GET, &tokens, None).await;
        assert_eq!(listed["total"], 1, "nothing was made: {listed}");
        // Broken JSON is a 400 too; a wrong field a 422 naming it.
        let (status, _) = api.call(Method::POST, &tokens, Some("{\"label\": ")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, problem) = api.call(Method::POST, &tokens, Some(r#"{"label": "x", "scope": "viewer", "colour": 1}"#)).await;
        assert_eq!((status, problem["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("colour")));
        test.remove().await;
    }

    async fn whole_numbers_are_read_however_they_are_written(test: TestDb) {
        let api = Api { site: support::site(&test.db, |_| None).await };
        let body = r#"{"label": "ci", "scope": "viewer", "rate_limit": {"requests": 6e2, "window_seconds": 60.0}}"#;
        let (status, made) = api.call(Method::POST, &api.tokens(), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!(made["token"]["rate_limit"], json!({"requests": 600, "window_seconds": 60}));
        let body = r#"{"label": "half", "scope": "viewer", "rate_limit": {"requests": 1.5, "window_seconds": 60}}"#;
        let (status, problem) = api.call(Method::POST, &api.tokens(), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "rate_limit.requests");
        let patch = format!("/workspaces/{}", api.site.workspace);
        let (status, changed) = api.call(Method::PATCH, &patch, Some(r#"{"max_token_lifetime_days": 90.0}"#)).await;
        assert_eq!((status, changed["token_policy"]["max_token_lifetime_days"].clone()), (StatusCode::OK, json!(90)), "{changed}");
        test.remove().await;
    }

    async fn inviting_a_member_or_an_invited_address_again_is_a_conflict(test: TestDb) {
        let api = Api { site: support::site(&test.db, |_| None).await };
        let members = format!("/workspaces/{}/members", api.site.workspace);
        let invite = |email: &str| format!(r#"{{"email": "{email}", "role": "viewer"}}"#);
        let (status, _) = api.call(Method::POST, &members, Some(&invite("new@example.com"))).await;
        assert_eq!(status, StatusCode::CREATED);
        for (email, says) in [("new@example.com", "already has an open invitation"), ("owner@example.com", "already a member")] {
            let (status, problem) = api.call(Method::POST, &members, Some(&invite(email))).await;
            assert_eq!(status, StatusCode::CONFLICT, "{email}: {problem}");
            assert!(problem["detail"].as_str().unwrap().contains(says), "{problem}");
        }
        test.remove().await;
    }

    async fn the_document_states_the_rules_the_derives_cannot(test: TestDb) {
        let api = Api { site: support::site(&test.db, |_| None).await };
        let doc: Value = Client::new()
            .get(format!("http://{}/api/v1/openapi.json", api.site.served.addr))
            .send().await.unwrap().json().await.unwrap();
        let schemas = &doc["components"]["schemas"];
        assert!(schemas["CreateToken"]["properties"]["label"]["pattern"].as_str().unwrap().contains("{0,98}"));
        assert_eq!(schemas["InviteMember"]["properties"]["email"]["maxLength"], 254);
        assert_eq!(schemas["PatchWorkspace"]["anyOf"].as_array().unwrap().len(), 8);
        assert_eq!(schemas["RevokeTokens"]["oneOf"][0]["properties"]["ids"]["maxItems"], 1000);
        let tokens = &doc["paths"]["/workspaces/{workspace}/tokens"];
        let list = tokens["get"]["parameters"].as_array().unwrap();
        let limit = list.iter().find(|p| p["name"] == "limit").unwrap();
        assert_eq!((limit["schema"]["minimum"].clone(), limit["schema"]["maximum"].clone()), (json!(1), json!(200)));
        assert_eq!(tokens["post"]["responses"]["201"]["links"]["GetToken"]["parameters"]["token"], "$response.body#/token/id");
        assert!(tokens["post"]["responses"]["400"].is_object(), "a body that is not JSON is documented");
        let rotate = &doc["paths"]["/workspaces/{workspace}/tokens/{token}/rotate"]["post"]["parameters"];
        let key = rotate.as_array().unwrap().iter().find(|p| p["name"] == "Idempotency-Key").unwrap();
        let pattern = regex::Regex::new(key["schema"]["pattern"].as_str().unwrap()).unwrap();
        for (header, ok) in [("0190d1c2-aaaa", true), (r#""with space""#, true), (r#""a\"b""#, true), ("", false), (r#""""#, false), ("a b", false), (&"k".repeat(256), false)] {
            assert_eq!(pattern.is_match(header), ok, "{header}");
        }
        test.remove().await;
    }
}
