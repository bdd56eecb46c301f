//! Fills a database for `make bench`: an owner, two workspaces and COUNT access tokens made
//! by the server's own services — three in four the first workspace's, one in four the
//! owner's personal tokens (for one or both workspaces) — then writes the first SAMPLE
//! secrets to OUT, one per line, for the load generator. Reads the same `TESSERA_*`
//! configuration as the server.
//!
//! Usage: bench_seed COUNT SAMPLE OUT

use std::{io::Write, sync::Arc};

use tessera::{
    domain::role::Role,
    model::{GrantInput, PersonalTokenInput, TokenInput},
    server::{
        config::Config,
        context::Ctx,
        secrets::Keys,
        services::{Principal, RequestMeta, accounts, personal_tokens, tokens, workspaces},
        state::AppState,
        store::Db,
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
    let config = Config::load().map_err(|e| e.to_string())?;
    let keys = Keys::load_or_create(&config).map_err(|e| e.to_string())?;
    let db = Db::connect(&config.database_url)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    // The seeder, not a request: no address to record.
    let visitor = Ctx::new(
        AppState::new(config, db.clone(), keys),
        (),
        RequestMeta::default(),
    );
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
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let (owner, person) = (owner.clone(), person.clone());
        workers.push(tokio::spawn(async move {
            let mut secrets = Vec::new();
            for index in (worker..count).step_by(WORKERS) {
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
                        allowed_ips: None,
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
                    allowed_ips: None,
                };
                let created = tokens::create(&owner, workspace, input)
                    .await
                    .map_err(|e| e.to_string())?;
                secrets.push((index, created.secret));
            }
            Ok::<_, String>(secrets)
        }));
    }
    let mut secrets = Vec::with_capacity(count);
    for worker in workers {
        secrets.extend(worker.await.map_err(|e| e.to_string())??);
    }
    secrets.sort();
    let mut file = std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?;
    for (_, secret) in secrets.iter().take(sample) {
        writeln!(file, "{secret}").map_err(|e| e.to_string())?;
    }
    eprintln!(
        "bench_seed: {count} tokens in {:.1} s; {} secrets in {out}",
        started.elapsed().as_secs_f64(),
        sample.min(count)
    );
    db.close().await;
    Ok(())
}
