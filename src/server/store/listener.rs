//! On PostgreSQL, an instance follows the token writes of every instance through
//! `LISTEN`/`NOTIFY`, and trusts its token cache only while it knows it is hearing them.
//!
//! A notification connection can fail without closing: a network path that drops packets,
//! a stateful firewall that forgets the connection. Nothing arrives then, which looks just
//! like nobody writing. So the instance sends itself a heartbeat on the same channel every
//! [`HEARTBEAT_EVERY`]; when none has come back for [`HEARTBEAT_LOST_AFTER`], it stops
//! using its cache (every token is read from the database), drops the connection and
//! listens again on a new one, starting with an empty cache.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use tokio::time::Instant;
use uuid::Uuid;

use super::{
    Db, Pool,
    token_cache::{Heard, TOKEN_CHANGES, TokenCache},
};

/// How often an instance sends itself a heartbeat through the notification channel.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);
/// How long an instance goes without hearing its own heartbeat before it stops trusting
/// the notification connection: token changes made elsewhere reach it within this bound.
pub const HEARTBEAT_LOST_AFTER: Duration = Duration::from_secs(3);

/// Why a listening session ended.
enum Ended {
    /// The connection closed or failed (a notification in between may be lost).
    Lost(Option<sqlx::Error>),
    /// No heartbeat came back in time: the connection may be open but deaf.
    Deaf,
}

impl Db {
    /// On PostgreSQL, keeps this instance's token cache true to every instance's writes for
    /// as long as it runs: the cache is used only while the notification connection is
    /// known to deliver (its heartbeat comes back), and starts empty each time it is
    /// (re)established. On SQLite it returns at once.
    pub async fn follow_token_changes(&self) {
        let Pool::Postgres(pool) = self.pool() else {
            return;
        };
        let cache = self.token_cache();
        let mut delay = Duration::from_millis(250);
        loop {
            // Each session has a connection of its own, outside the request pool: dropping
            // a deaf listener leaves its `UNLISTEN` waiting on that connection until the
            // operating system gives up on it, and it must not hold a request's connection.
            let own = listening_pool(pool);
            let listening = async {
                let mut listener = PgListener::connect_with(&own).await?;
                listener.listen(TOKEN_CHANGES).await?;
                Ok::<_, sqlx::Error>(listener)
            };
            // Bounded: on a deaf path `LISTEN` itself may never be answered.
            let listening = tokio::time::timeout(HEARTBEAT_LOST_AFTER, listening)
                .await
                .unwrap_or_else(|_| Err(sqlx::Error::PoolTimedOut));
            match listening {
                Ok(listener) => {
                    cache.reset(true);
                    delay = Duration::from_millis(250);
                    tracing::debug!("following token changes on PostgreSQL");
                    let ended = listen(listener, pool, cache).await;
                    cache.reset(false);
                    match ended {
                        Ended::Lost(error) => tracing::warn!(
                            "lost the PostgreSQL notification connection{}; checking every token against the database until it is back",
                            error.map(|e| format!(" ({e})")).unwrap_or_default()
                        ),
                        Ended::Deaf => tracing::warn!(
                            "no heartbeat came back on the PostgreSQL notification connection in {} s; checking every token against the database and listening again",
                            HEARTBEAT_LOST_AFTER.as_secs()
                        ),
                    }
                }
                Err(error) => tracing::warn!(
                    "cannot listen for token changes on PostgreSQL (tokens are checked against the database meanwhile): {error}"
                ),
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(30));
        }
    }
}

/// A pool of one connection to the database `pool` reaches, for one listening session.
fn listening_pool(pool: &PgPool) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(HEARTBEAT_LOST_AFTER)
        .connect_lazy_with((*pool.connect_options()).clone())
}

/// Applies the notifications `listener` hears to `cache` until the connection is lost or
/// stops delivering this instance's own heartbeats, which are sent through `pool`.
async fn listen(mut listener: PgListener, pool: &PgPool, cache: &TokenCache) -> Ended {
    let me = Uuid::now_v7();
    let beat = Heard::heartbeat(me);
    let mut heard_at = Instant::now();
    let mut ticks = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        tokio::select! {
            // Cancel-safe: sqlx reads a message whole or not at all (its stream's `recv`).
            received = listener.try_recv() => match received {
                Ok(Some(notification)) => match Heard::from_payload(notification.payload()) {
                    Heard::Heartbeat(from) if from == me => heard_at = Instant::now(),
                    // Another instance's heartbeat.
                    Heard::Heartbeat(_) => {}
                    Heard::Stale(stale) => stale.drop_from(cache),
                    // Something this version does not know: trust nothing cached.
                    Heard::Unknown => cache.reset(true),
                },
                // The connection closed: notifications meanwhile are gone.
                Ok(None) => return Ended::Lost(None),
                Err(error) => return Ended::Lost(Some(error)),
            },
            _ = ticks.tick() => {
                if heard_at.elapsed() > HEARTBEAT_LOST_AFTER {
                    return Ended::Deaf;
                }
                // Sent from a task, so that a database that does not answer cannot hold up
                // the notifications already arriving; bounded, so such sends do not pile up.
                let (pool, beat) = (pool.clone(), beat.clone());
                tokio::spawn(async move {
                    let sent = sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(TOKEN_CHANGES)
                        .bind(beat)
                        .execute(&pool);
                    let _ = tokio::time::timeout(HEARTBEAT_LOST_AFTER, sent).await;
                });
            }
        }
    }
}
