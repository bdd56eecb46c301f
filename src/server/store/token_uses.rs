//! Writing what the last-use recorder gathered (`jobs/last_used.rs`): each token's newest
//! use onto its row, its newest requests (keeping [`RECENT_REQUESTS`]) and its requests per
//! day (keeping [`DAILY_REQUESTS_KEPT_DAYS`]), skipping tokens deleted meanwhile, in one
//! transaction.
//!
//! A flush of 1,000 busy tokens holds some 20,000 requests. Both engines write them in a
//! handful of statements over many rows: PostgreSQL one statement per step over arrays
//! (`UNNEST`), SQLite statements of up to [`SQLITE_ROWS`] rows each. One statement per token
//! and request (some 24,000) took 1.0–1.3 s on SQLite, each crossing to sqlx's SQLite
//! thread and back, all the while holding the database's write lock; on PostgreSQL each was
//! a round trip waking a backend on the cores that serve the requests.

use std::collections::BTreeMap;

use sqlx::{PgPool, QueryBuilder, Sqlite, SqlitePool};
use uuid::Uuid;

use super::{
    BeginWrite,
    tokens::{DAILY_REQUESTS_KEPT_DAYS, RECENT_REQUESTS, TokenRequest, TokenUses},
};

/// Rows per SQLite statement: at 8 parameters a row, far under SQLite's limit of 32,766
/// (sqlite.org/limits.html, "Maximum Number Of Host Parameters In A Single SQL Statement").
/// A flush of 20,000 requests is some 200 statements instead of 24,000, and each statement's
/// parse stays small: SQLite allocates it with the system allocator, which keeps the high
/// water mark (with 1,000 rows a statement, the debug soak's memory rose 7–10 % after the
/// first flush, against −4 to +3 % before).
pub const SQLITE_ROWS: usize = 100;

/// Writes `uses` (see the module notes).
pub(super) async fn write(pool: &super::Pool, uses: &[TokenUses]) -> Result<(), sqlx::Error> {
    let rows = Rows::new(uses);
    match pool {
        super::Pool::Postgres(pool) => write_postgres(pool, &rows).await,
        super::Pool::Sqlite(pool) => write_sqlite(pool, &rows).await,
    }
}

/// Kept requests as columns, for `UNNEST`.
#[derive(Default)]
struct RequestColumns {
    token_ids: Vec<Uuid>,
    ats: Vec<i64>,
    ips: Vec<Option<String>>,
    agents: Vec<Option<String>>,
    methods: Vec<String>,
    paths: Vec<String>,
    refused: Vec<Option<String>>,
}

impl RequestColumns {
    fn push(&mut self, token_id: Uuid, made: &TokenRequest) {
        self.token_ids.push(token_id);
        self.ats.push(made.at);
        self.ips.push(made.ip.map(|ip| ip.to_string()));
        self.agents.push(made.user_agent.clone());
        self.methods.push(made.method.clone());
        self.paths.push(made.path.clone());
        self.refused.push(made.refused.map(str::to_owned));
    }

    fn len(&self) -> usize {
        self.token_ids.len()
    }
}

/// What a flush writes, the same for both engines.
struct Rows {
    /// The newest served use of each token.
    newest: RequestColumns,
    /// Every kept request, oldest first within each token (ids follow that order).
    requests: RequestColumns,
    /// Requests per token and day, summed (a token listed twice adds up).
    daily: Vec<(Uuid, i64, i64)>,
    /// Per token, the first day kept.
    forget: Vec<(Uuid, i64)>,
    /// Every token written, once.
    touched: Vec<Uuid>,
}

impl Rows {
    fn new(uses: &[TokenUses]) -> Rows {
        let (mut newest, mut requests) = (RequestColumns::default(), RequestColumns::default());
        let mut daily: BTreeMap<(Uuid, i64), i64> = BTreeMap::new();
        let mut forget: BTreeMap<Uuid, i64> = BTreeMap::new();
        for used in uses {
            if let Some(made) = used.newest() {
                newest.push(used.token_id, made);
            }
            for made in &used.recent {
                requests.push(used.token_id, made);
            }
            for (day, count) in &used.daily {
                *daily.entry((used.token_id, *day)).or_default() += count;
            }
            if let Some((last_day, _)) = used.daily.last() {
                let before = last_day - DAILY_REQUESTS_KEPT_DAYS;
                let kept = forget.entry(used.token_id).or_insert(before);
                *kept = (*kept).max(before);
            }
        }
        let mut touched: Vec<Uuid> = uses.iter().map(|used| used.token_id).collect();
        touched.sort_unstable();
        touched.dedup();
        Rows {
            newest,
            requests,
            daily: daily
                .into_iter()
                .map(|((id, day), n)| (id, day, n))
                .collect(),
            forget: forget.into_iter().collect(),
            touched,
        }
    }
}

/// PostgreSQL: each step is one statement over arrays of every token's values.
async fn write_postgres(pool: &PgPool, rows: &Rows) -> Result<(), sqlx::Error> {
    let Rows {
        newest, requests, ..
    } = rows;
    let (day_ids, days, counts): (Vec<Uuid>, Vec<i64>, Vec<i64>) = rows.daily.iter().fold(
        Default::default(),
        |(mut a, mut b, mut c), &(id, day, n)| {
            a.push(id);
            b.push(day);
            c.push(n);
            (a, b, c)
        },
    );
    let (forget_ids, forget_before): (Vec<Uuid>, Vec<i64>) = rows.forget.iter().copied().unzip();

    let mut tx = pool.begin_write().await?;
    sqlx::query(
        "UPDATE access_tokens t SET last_used_at = u.at, last_used_ip = u.ip,
             last_used_user_agent = u.agent, last_used_method = u.method, last_used_path = u.path
         FROM UNNEST($1::uuid[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[])
             AS u(id, at, ip, agent, method, path)
         WHERE t.id = u.id AND (t.last_used_at IS NULL OR t.last_used_at < u.at)",
    )
    .bind(&newest.token_ids)
    .bind(&newest.ats)
    .bind(&newest.ips)
    .bind(&newest.agents)
    .bind(&newest.methods)
    .bind(&newest.paths)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO token_requests (token_id, at, ip, user_agent, method, path, refused)
         SELECT r.token_id, r.at, r.ip, r.agent, r.method, r.path, r.refused
         FROM UNNEST($1::uuid[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[]) WITH ORDINALITY AS r(token_id, at, ip, agent, method, path, refused, n)
         WHERE EXISTS (SELECT 1 FROM access_tokens WHERE id = r.token_id)
         ORDER BY r.n",
    )
    .bind(&requests.token_ids).bind(&requests.ats).bind(&requests.ips).bind(&requests.agents)
    .bind(&requests.methods).bind(&requests.paths).bind(&requests.refused)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM token_requests r USING (
             SELECT id FROM (
                 SELECT id, row_number() OVER (PARTITION BY token_id ORDER BY at DESC, id DESC)
                     AS newer
                 FROM token_requests WHERE token_id = ANY($1)) ranked
             WHERE newer > $2) old
         WHERE r.id = old.id",
    )
    .bind(&rows.touched)
    .bind(RECENT_REQUESTS as i64)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO token_daily_requests (token_id, day, requests)
         SELECT d.token_id, d.day, d.requests
         FROM UNNEST($1::uuid[], $2::int8[], $3::int8[]) AS d(token_id, day, requests)
         WHERE EXISTS (SELECT 1 FROM access_tokens WHERE id = d.token_id)
         ON CONFLICT (token_id, day)
         DO UPDATE SET requests = token_daily_requests.requests + excluded.requests",
    )
    .bind(&day_ids)
    .bind(&days)
    .bind(&counts)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM token_daily_requests d
         USING UNNEST($1::uuid[], $2::int8[]) AS f(token_id, before)
         WHERE d.token_id = f.token_id AND d.day < f.before",
    )
    .bind(&forget_ids)
    .bind(&forget_before)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// SQLite: the same steps, each in statements of up to [`SQLITE_ROWS`] rows given as a
/// `VALUES` list (a common table expression: sqlite.org/lang_with.html). Their text changes
/// with the number of rows, so they are not kept in sqlx's per-connection statement cache
/// (`persistent(false)`): up to 100 statements of thousands of parameters on each of the
/// pool's connections would be memory held for nothing.
async fn write_sqlite(pool: &SqlitePool, rows: &Rows) -> Result<(), sqlx::Error> {
    let Rows {
        newest, requests, ..
    } = rows;
    let mut tx = pool.begin_write().await?;
    for chunk in chunks(newest.len()) {
        let mut sql = QueryBuilder::<Sqlite>::new("WITH u(id, at, ip, agent, method, path) AS (");
        sql.push_values(chunk, |mut row, i| {
            row.push_bind(newest.token_ids[i])
                .push_bind(newest.ats[i])
                .push_bind(&newest.ips[i])
                .push_bind(&newest.agents[i])
                .push_bind(&newest.methods[i])
                .push_bind(&newest.paths[i]);
        });
        // UPDATE … FROM: sqlite.org/lang_update.html#update_from (SQLite 3.33).
        sql.push(
            ") UPDATE access_tokens AS t SET last_used_at = u.at, last_used_ip = u.ip,
                 last_used_user_agent = u.agent, last_used_method = u.method,
                 last_used_path = u.path
               FROM u WHERE t.id = u.id AND (t.last_used_at IS NULL OR t.last_used_at < u.at)",
        );
        sql.build().persistent(false).execute(&mut *tx).await?;
    }
    for chunk in chunks(requests.len()) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "WITH r(n, token_id, at, ip, agent, method, path, refused) AS (",
        );
        sql.push_values(chunk, |mut row, i| {
            row.push_bind(i as i64)
                .push_bind(requests.token_ids[i])
                .push_bind(requests.ats[i])
                .push_bind(&requests.ips[i])
                .push_bind(&requests.agents[i])
                .push_bind(&requests.methods[i])
                .push_bind(&requests.paths[i])
                .push_bind(&requests.refused[i]);
        });
        sql.push(
            ") INSERT INTO token_requests (token_id, at, ip, user_agent, method, path, refused)
               SELECT token_id, at, ip, agent, method, path, refused FROM r
               WHERE EXISTS (SELECT 1 FROM access_tokens WHERE id = r.token_id)
               ORDER BY n",
        );
        sql.build().persistent(false).execute(&mut *tx).await?;
    }
    for chunk in rows.touched.chunks(SQLITE_ROWS) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "DELETE FROM token_requests WHERE id IN (
                 SELECT id FROM (
                     SELECT id, row_number() OVER (PARTITION BY token_id ORDER BY at DESC, id DESC)
                         AS newer
                     FROM token_requests WHERE token_id IN (",
        );
        let mut ids = sql.separated(", ");
        for id in chunk {
            ids.push_bind(*id);
        }
        sql.push(")) WHERE newer > ")
            .push_bind(RECENT_REQUESTS as i64)
            .push(")");
        sql.build().persistent(false).execute(&mut *tx).await?;
    }
    for chunk in rows.daily.chunks(SQLITE_ROWS) {
        let mut sql = QueryBuilder::<Sqlite>::new("WITH d(token_id, day, requests) AS (");
        sql.push_values(chunk, |mut row, &(id, day, n)| {
            row.push_bind(id).push_bind(day).push_bind(n);
        });
        // The WHERE also keeps SQLite from reading ON CONFLICT as a join's ON
        // (sqlite.org/lang_upsert.html, "Parsing Ambiguity").
        sql.push(
            ") INSERT INTO token_daily_requests (token_id, day, requests)
               SELECT token_id, day, requests FROM d
               WHERE EXISTS (SELECT 1 FROM access_tokens WHERE id = d.token_id)
               ON CONFLICT (token_id, day)
               DO UPDATE SET requests = token_daily_requests.requests + excluded.requests",
        );
        sql.build().persistent(false).execute(&mut *tx).await?;
    }
    for chunk in rows.forget.chunks(SQLITE_ROWS) {
        let mut sql = QueryBuilder::<Sqlite>::new("WITH f(token_id, before) AS (");
        sql.push_values(chunk, |mut row, &(id, before)| {
            row.push_bind(id).push_bind(before);
        });
        // Driven by the list, through the table's (token_id, day) key.
        sql.push(
            ") DELETE FROM token_daily_requests WHERE rowid IN (
                 SELECT d.rowid FROM f JOIN token_daily_requests d
                 ON d.token_id = f.token_id AND d.day < f.before)",
        );
        sql.build().persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// `0..len` in ranges of at most [`SQLITE_ROWS`].
fn chunks(len: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..len)
        .step_by(SQLITE_ROWS)
        .map(move |start| start..(start + SQLITE_ROWS).min(len))
}
