//! Fills a database for `make bench`: an owner, two workspaces and COUNT access tokens made
//! by the server's own services — three in four the first workspace's, one in four the
//! owner's personal tokens (for one or both workspaces) — then writes the first SAMPLE
//! secrets to OUT, one per line, for the load generator. Then SAMPLE more, made the same way
//! but guarded — an IP allowlist holding the loopback addresses the load comes from and a
//! rate limit of 1,000,000 a minute, which the load never reaches — written to
//! OUT.guarded. Reads the same `TESSERA_*` configuration as the server.
//!
//! Usage: bench_seed COUNT SAMPLE OUT

use std::{io::Write, sync::Arc};

use tessera::{
    domain::{
        rate_limit::{RateLimit, RateLimitChoice},
        role::Role,
    },
    model::{GrantInput, PersonalTokenInput, TokenInput},
    server::{
        context::Ctx,
        services::{Principal, RequestMeta, accounts, personal_tokens, tokens, workspaces},
        state::AppState,
    },
};

const WORKERS: usize = 8;

#[tokio::main]
async fn main() {
    if let Err(message) = run().await {
        eprintln!("bench_seed: {message}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [count, sample, out] = args.as_slice() else {
        return Err("usage: bench_seed COUNT SAMPLE OUT".into());
    };
    let count: usize = count.parse().map_err(|_| "COUNT must be a number")?;
    let sample: usize = sample.parse().map_err(|_| "SAMPLE must be a number")?;
    let state = AppState::open_configured().await?;
    let db = state.db.clone();
    // The seeder, not a request: no address to record.
    let visitor = Ctx::new(state, (), RequestMeta::default());
    let setup = accounts::SetupInput {
        email: "bench@example.com".into(),
        name: "Bench".into(),
        password: "benchmark violet anchor drizzle".into(),
        workspace_name: "Bench".into(),
    };
    let (session, workspace) = accounts::setup(&visitor, setup)
        .await
        .map_err(|e| format!("set-up (is the database fresh?): {e}"))?;
    let person = Arc::new(visitor.acting_as(session.user.clone()));
    let owner = Arc::new(visitor.acting_as(Principal::User(session.user)));
    let second = workspaces::create(&person, "Bench 2")
        .await
        .map_err(|e| e.to_string())?
        .id;

    let started = std::time::Instant::now();
    let plain = make(&owner, &person, (workspace, second), 0..count, None).await?;
    write(out, &plain[..sample.min(plain.len())])?;
    let guard = Guard {
        allowed_ips: vec!["127.0.0.1".into(), "::1".into()],
        rate_limit: RateLimit::new(1_000_000, 60).map_err(|e| e.to_string())?,
    };
    let guarded = make(
        &owner,
        &person,
        (workspace, second),
        count..count + sample,
        Some(guard),
    )
    .await?;
    write(&format!("{out}.guarded"), &guarded)?;
    eprintln!(
        "bench_seed: {count} tokens and {sample} guarded ones in {:.1} s; {} secrets in {out}, {} in {out}.guarded",
        started.elapsed().as_secs_f64(),
        sample.min(count),
        guarded.len(),
    );
    db.close().await;
    Ok(())
}

/// What guarded tokens are held to.
#[derive(Clone)]
struct Guard {
    allowed_ips: Vec<String>,
    rate_limit: RateLimit,
}

/// Makes the tokens numbered `indexes` (three in four the first workspace's, one in four
/// personal), on `WORKERS` tasks; their secrets in index order.
async fn make(
    owner: &Arc<Ctx>,
    person: &Arc<Ctx<tessera::model::CurrentUser>>,
    (workspace, second): (uuid::Uuid, uuid::Uuid),
    indexes: std::ops::Range<usize>,
    guard: Option<Guard>,
) -> Result<Vec<String>, String> {
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let (owner, person, guard) = (owner.clone(), person.clone(), guard.clone());
        let indexes = indexes.clone();
        workers.push(tokio::spawn(async move {
            let allowed_ips = guard.as_ref().map(|g| g.allowed_ips.clone());
            let rate_limit = guard.as_ref().map(|g| g.rate_limit);
            let mut secrets = Vec::new();
            for index in (indexes.start + worker..indexes.end).step_by(WORKERS) {
                let scope = Role::ALL[index % Role::ALL.len()];
                if index % 4 == 3 {
                    let grant = |workspace_id| GrantInput {
                        workspace_id,
                        scope,
                        permissions: None,
                    };
                    let mut reach = vec![grant(workspace)];
                    if index % 8 == 7 {
                        reach.push(grant(second));
                    }
                    let input = PersonalTokenInput {
                        label: format!("bench {index}"),
                        expires_at: None,
                        workspaces: reach,
                        allowed_ips: allowed_ips.clone(),
                        rate_limit,
                    };
                    let created = personal_tokens::create(&person, input)
                        .await
                        .map_err(|e| e.to_string())?;
                    secrets.push((index, created.secret));
                    continue;
                }
                let input = TokenInput {
                    label: format!("bench {index}"),
                    scope: Role::ALL[index % Role::ALL.len()],
                    permissions: None,
                    expires_at: None,
                    allowed_ips: allowed_ips.clone(),
                    rate_limit: RateLimitChoice::of(rate_limit),
                };
                let created = tokens::create(&owner, workspace, input)
                    .await
                    .map_err(|e| e.to_string())?;
                secrets.push((index, created.secret));
            }
            Ok::<_, String>(secrets)
        }));
    }
    let mut secrets = Vec::new();
    for worker in workers {
        secrets.extend(worker.await.map_err(|e| e.to_string())??);
    }
    secrets.sort();
    Ok(secrets.into_iter().map(|(_, secret)| secret).collect())
}

fn write(path: &str, secrets: &[String]) -> Result<(), String> {
    let mut file = std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
    for secret in secrets {
        writeln!(file, "{secret}").map_err(|e| e.to_string())?;
    }
    Ok(())
}
