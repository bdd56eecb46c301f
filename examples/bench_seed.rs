//! Fills a database for `make bench`: an owner, two workspaces and COUNT access tokens made
//! by the server's own services — three in four the first workspace's, one in four the
//! owner's personal tokens (for one or both workspaces) — then writes the first SAMPLE
//! secrets to OUT, one per line, for the load generator. Then SAMPLE more, made the same way
//! but guarded — an IP allowlist holding the loopback addresses the load comes from and a
//! rate limit of 1,000,000 a minute, which the load never reaches — written to
//! OUT.guarded. Reads the same `TESSERA_*` configuration as the server.
//!
//! `bench_seed fill N` then adds N more tokens to the second workspace ("Bench 2") straight
//! into the table, in transactions of 10,000 rows (digests no secret has) (making a million through the services
//! takes half an hour): stored tokens the check must not slow down for, never presented.
//!
//! Usage: bench_seed COUNT SAMPLE OUT
//!        bench_seed fill N

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
    if let [fill, count] = args.as_slice()
        && fill == "fill"
    {
        let count: usize = count.parse().map_err(|_| "N must be a number")?;
        return filler(count).await;
    }
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

/// Rows per INSERT (11 values each: under SQLite's 32,766 parameters) and per transaction.
const FILL_ROWS: usize = 1_000;
const FILL_BATCH: usize = 10_000;

/// Adds `count` tokens to "Bench 2", made by the bench's owner, with random digests.
async fn filler(count: usize) -> Result<(), String> {
    use sha2::Digest;
    use tessera::server::store::Pool;
    let state = AppState::open_configured().await?;
    let db = state.db.clone();
    let started = std::time::Instant::now();
    let ids = "SELECT w.id, u.id FROM workspaces w, users u
               WHERE w.name = 'Bench 2' AND u.email = 'bench@example.com'";
    let (workspace, owner): (uuid::Uuid, uuid::Uuid) = match db.pool() {
        Pool::Sqlite(pool) => sqlx::query_as(ids).fetch_one(pool).await,
        Pool::Postgres(pool) => sqlx::query_as(ids).fetch_one(pool).await,
    }
    .map_err(|e| format!("the bench's workspace (run bench_seed COUNT SAMPLE OUT first): {e}"))?;
    let now = tessera::server::services::now_ms();
    let mut made = 0;
    while made < count {
        let batch = FILL_BATCH.min(count - made);
        let mut statements = Vec::new();
        for chunk_start in (0..batch).step_by(FILL_ROWS) {
            let rows = FILL_ROWS.min(batch - chunk_start);
            let mut sql = String::from(
                "INSERT INTO access_tokens (id, workspace_id, label, scope, digest, display_prefix,
                     created_by, created_at, updated_at, permissions, expires_at) VALUES ",
            );
            for row in 0..rows {
                let n = row * 11;
                if row > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6,
                    n + 7,
                    n + 8,
                    n + 9,
                    n + 10,
                    n + 11
                ));
            }
            let index0 = made + chunk_start;
            statements.push((sql, index0, rows));
        }
        macro_rules! insert {
            ($pool:expr) => {{
                let mut tx = $pool.begin().await.map_err(|e| e.to_string())?;
                for (sql, index0, rows) in &statements {
                    let mut query = sqlx::query(sql);
                    for index in *index0..index0 + rows {
                        // Unique and never a real token's (no secret hashes to it).
                        let digest = sha2::Sha256::digest(format!("filler {index} {now}"));
                        query = query
                            .bind(uuid::Uuid::now_v7())
                            .bind(workspace)
                            .bind(format!("filler {index}"))
                            .bind(Role::ALL[index % Role::ALL.len()].as_str())
                            .bind(digest.to_vec())
                            .bind(format!("tsr_f{:07}", index % 10_000_000))
                            .bind(owner)
                            .bind(now)
                            .bind(now)
                            .bind(None::<String>)
                            .bind(None::<i64>);
                    }
                    query.execute(&mut *tx).await.map_err(|e| e.to_string())?;
                }
                tx.commit().await.map_err(|e| e.to_string())?;
            }};
        }
        match db.pool() {
            Pool::Sqlite(pool) => insert!(pool),
            Pool::Postgres(pool) => insert!(pool),
        }
        made += batch;
    }
    // Leave the database as a long-running one would be, not just after a bulk load: the
    // WAL folded back into SQLite's file (else the server's first write checkpoints hundreds
    // of megabytes while it is measured), PostgreSQL's table vacuumed and its statistics
    // taken (else autovacuum does it then), and then checkpointed: the load's WAL volume
    // starts a checkpoint that PostgreSQL spreads over minutes (checkpoint_completion_target),
    // which would be writing beside the measurement; CHECKPOINT does it at once.
    let settle = match db.pool() {
        Pool::Sqlite(pool) => sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await
            .map(drop),
        Pool::Postgres(pool) => {
            async {
                sqlx::query("VACUUM (ANALYZE) access_tokens")
                    .execute(pool)
                    .await?;
                sqlx::query("CHECKPOINT").execute(pool).await.map(drop)
            }
            .await
        }
    };
    settle.map_err(|e| format!("settling the database after the fill: {e}"))?;
    eprintln!(
        "bench_seed: {count} more tokens stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    Ok(())
}
