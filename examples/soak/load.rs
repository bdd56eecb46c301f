//! The load: what each step sends, and what came back.

use std::{
    path::Path,
    sync::{
        Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{OWNER_EMAIL, OWNER_PASSWORD};

/// How many failed answers are printed in full; the rest are only counted.
const SHOWN_ERRORS: usize = 5;

/// What one step of the load does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `GET /api/v1/access-token`, presenting the seeded tokens in turn: the token check,
    /// the token cache and the last-use recorder over every seeded token.
    Me,
    /// `POST /api/v1/introspect` of a seeded token, by the driver's token.
    Introspect,
    /// `GET …/tokens?limit=50&offset=…`, walking through the pages.
    List,
    /// `GET …/tokens/{id}` of a seeded token.
    Get,
    /// The next step of this worker's write cycle: create, rename, disable, enable, delete.
    /// Each worker holds at most one token of its own, so the number of tokens stays put.
    Write,
    /// The UI's server functions, with the session cookie: who is signed in, the workspace
    /// list, one workspace, the account page, and the whole access-token page (every token).
    Session,
    Workspaces,
    Workspace,
    Account,
    TokensPage,
}

/// The mix, in requests out of every 100. The two lists are rare: each reads every token of
/// the workspace (the API pages in memory), some 15 ms of the server's time with 2,000 tokens
/// against well under a millisecond for the rest.
pub const MIX: [(Op, usize); 10] = [
    (Op::Me, 50),
    (Op::Introspect, 15),
    (Op::Get, 10),
    (Op::List, 2),
    (Op::Write, 10),
    (Op::Session, 5),
    (Op::Workspaces, 3),
    (Op::Workspace, 3),
    (Op::Account, 1),
    (Op::TokensPage, 1),
];

/// [`MIX`] as a cycle of 100 steps, each kind spread evenly over it (not in runs).
pub fn schedule() -> Vec<Op> {
    let mut steps: Vec<(f64, Op)> = MIX
        .iter()
        .flat_map(|&(op, share)| (0..share).map(move |k| ((k as f64 + 0.5) / share as f64, op)))
        .collect();
    steps.sort_by(|a, b| a.0.total_cmp(&b.0));
    steps.into_iter().map(|(_, op)| op).collect()
}

/// The server as the load sees it.
pub struct Target {
    client: Client,
    base: String,
    workspace: Uuid,
    /// `Bearer …` with the driver's Owner-scope token: every API call below is allowed.
    bearer: String,
    /// `tessera_session=…`, from signing in.
    cookie: String,
    /// The seeded tokens: (id, secret).
    tokens: Vec<(Uuid, String)>,
    /// Which seeded token comes next.
    turn: AtomicUsize,
    /// Which page of the list comes next.
    page: AtomicUsize,
}

/// One worker's write cycle: the token it holds (if any) and the next step.
pub struct Writer {
    worker: usize,
    made: u64,
    token: Option<Uuid>,
    step: u8,
}

impl Writer {
    pub fn new(worker: usize) -> Writer {
        Writer {
            worker,
            made: 0,
            token: None,
            step: 0,
        }
    }
}

impl Target {
    /// The server at `base` with what `soak seed` wrote to `dir`, signed in.
    pub async fn open(client: Client, base: &str, dir: &Path) -> Result<Target, String> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path)
                .map_err(|e| format!("{}: {e} (run soak seed first)", path.display()))
        };
        let workspace = read("workspace")?.trim().parse();
        let tokens: Vec<(Uuid, String)> = read("tokens")?
            .lines()
            .filter_map(|line| line.split_once(' '))
            .filter_map(|(id, secret)| Some((id.parse().ok()?, secret.to_owned())))
            .collect();
        if tokens.is_empty() {
            return Err("DIR/tokens holds no token".into());
        }
        Ok(Target {
            workspace: workspace.map_err(|_| "DIR/workspace holds no workspace id")?,
            bearer: format!("Bearer {}", read("driver")?.trim()),
            cookie: sign_in(&client, base).await?,
            client,
            base: base.to_owned(),
            tokens,
            turn: AtomicUsize::new(0),
            page: AtomicUsize::new(0),
        })
    }

    fn next_token(&self) -> &(Uuid, String) {
        &self.tokens[self.turn.fetch_add(1, Ordering::Relaxed) % self.tokens.len()]
    }

    /// A request to the workspace's part of the API, with the driver's token.
    fn api(&self, method: Method, tail: &str) -> RequestBuilder {
        let url = format!("{}/api/v1/workspaces/{}{tail}", self.base, self.workspace);
        self.client
            .request(method, url)
            .header("authorization", &self.bearer)
    }

    /// A server function called the way the page's script calls it.
    fn rpc(&self, name: &str, body: Value) -> RequestBuilder {
        self.client
            .post(format!("{}/rpc/{name}", self.base))
            .header("accept", "application/json")
            .header("sec-fetch-site", "same-origin")
            .header("cookie", &self.cookie)
            .json(&body)
    }

    /// Sends `request`; the body when the status is `expected`, else what came instead.
    async fn call(&self, request: RequestBuilder, expected: StatusCode) -> Result<String, String> {
        let response = request
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        let status = response.status();
        // Read whole even when unwanted, so that the connection can be used again.
        let body = response
            .text()
            .await
            .map_err(|e| format!("{status}, body cut off: {e}"))?;
        if status != expected {
            let start: String = body.chars().take(300).collect();
            return Err(format!("{status} (expected {expected}): {start}"));
        }
        Ok(body)
    }

    pub async fn step(&self, op: Op, writer: &mut Writer) -> Result<(), String> {
        let ok = StatusCode::OK;
        let ws = json!({ "workspace": self.workspace });
        match op {
            Op::Me => {
                let url = format!("{}/api/v1/access-token", self.base);
                let bearer = format!("Bearer {}", self.next_token().1);
                let request = self.client.get(url).header("authorization", bearer);
                self.call(request, ok).await.map(drop)
            }
            Op::Introspect => {
                let url = format!("{}/api/v1/introspect", self.base);
                let body = json!({ "token": self.next_token().1 });
                let request = self.client.post(url).header("authorization", &self.bearer);
                let answer = self.call(request.json(&body), ok).await?;
                expect(&answer, "\"active\":true")
            }
            Op::List => {
                let offset = self.page.fetch_add(50, Ordering::Relaxed) % self.tokens.len();
                let tail = format!("/tokens?limit=50&offset={offset}");
                self.call(self.api(Method::GET, &tail), ok).await.map(drop)
            }
            Op::Get => {
                let tail = format!("/tokens/{}", self.next_token().0);
                self.call(self.api(Method::GET, &tail), ok).await.map(drop)
            }
            Op::Write => self.write(writer).await,
            Op::Session => {
                let answer = self.call(self.rpc("session", json!({})), ok).await?;
                expect(&answer, "SignedIn")
            }
            Op::Workspaces => self
                .call(self.rpc("workspaces", json!({})), ok)
                .await
                .map(drop),
            Op::Workspace => self.call(self.rpc("workspace", ws), ok).await.map(drop),
            Op::Account => self
                .call(self.rpc("account", json!({})), ok)
                .await
                .map(drop),
            Op::TokensPage => self.call(self.rpc("tokens", ws), ok).await.map(drop),
        }
    }

    async fn write(&self, writer: &mut Writer) -> Result<(), String> {
        let Some(token) = writer.token else {
            writer.made += 1;
            let label = format!("soak {}-{}", writer.worker, writer.made);
            let request = self.api(Method::POST, "/tokens");
            let body = json!({ "label": label, "scope": "viewer" });
            let answer = self.call(request.json(&body), StatusCode::CREATED).await?;
            let created: Value = serde_json::from_str(&answer).map_err(|e| e.to_string())?;
            let id = created["token"]["id"]
                .as_str()
                .and_then(|id| id.parse().ok());
            writer.token = Some(id.ok_or_else(|| format!("a new token without an id: {answer}"))?);
            writer.step = 1;
            return Ok(());
        };
        let tail = format!("/tokens/{token}");
        let patch = |body: Value| (self.api(Method::PATCH, &tail).json(&body), StatusCode::OK);
        let (request, expected) = match writer.step {
            1 => {
                patch(json!({ "label": format!("soak {}-{} renamed", writer.worker, writer.made) }))
            }
            2 => patch(json!({ "enabled": false })),
            3 => patch(json!({ "enabled": true })),
            _ => (self.api(Method::DELETE, &tail), StatusCode::NO_CONTENT),
        };
        writer.step += 1;
        if writer.step > 4 {
            writer.token = None;
        }
        let result = self.call(request, expected).await.map(drop);
        if result.is_err() {
            // Start a new cycle; the failed one is counted as an error.
            writer.token = None;
        }
        result
    }
}

/// A 200 whose body must say `part` (an introspected token active, a session signed in).
fn expect(answer: &str, part: &str) -> Result<(), String> {
    if answer.contains(part) {
        Ok(())
    } else {
        Err(format!("200 without {part}: {answer}"))
    }
}

/// What the load has done so far, shared by the workers and the sampler.
#[derive(Default)]
pub struct Tally {
    pub requests: AtomicU64,
    pub errors: AtomicU64,
    pub by_kind: [Kind; MIX.len()],
    pub shown: Mutex<Vec<String>>,
}

/// One kind of request: how many, and their time in µs (all of them, the longest).
#[derive(Default)]
pub struct Kind {
    pub count: AtomicU64,
    pub micros: AtomicU64,
    pub slowest: AtomicU64,
}

impl Tally {
    pub fn note(&self, op: Op, took: Duration, result: Result<(), String>) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let kind = &self.by_kind[MIX.iter().position(|(known, _)| *known == op).unwrap_or(0)];
        kind.count.fetch_add(1, Ordering::Relaxed);
        let micros = took.as_micros() as u64;
        kind.micros.fetch_add(micros, Ordering::Relaxed);
        kind.slowest.fetch_max(micros, Ordering::Relaxed);
        if let Err(error) = result {
            let errors = self.errors.fetch_add(1, Ordering::Relaxed) + 1;
            if errors as usize <= SHOWN_ERRORS {
                eprintln!("soak: error {errors}: {op:?}: {error}");
                self.shown.lock().unwrap().push(format!("{op:?}: {error}"));
            }
        }
    }
}

async fn sign_in(client: &Client, base: &str) -> Result<String, String> {
    let response = client
        .post(format!("{base}/rpc/login"))
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)])
        .send()
        .await
        .map_err(|e| format!("signing in: {e}"))?;
    let status = response.status();
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(str::to_owned);
    match cookie {
        Some(cookie) if status == StatusCode::OK => Ok(cookie),
        _ => Err(format!(
            "signing in as {OWNER_EMAIL} answered {status} without a session cookie"
        )),
    }
}
