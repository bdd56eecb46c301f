//! When each token was last used, and from where — without a database write per request.
//! Requests record into memory; a background task writes each token's newest use at most
//! once per flush interval, and once more at shutdown.

use std::{
    collections::{HashMap, hash_map::Entry},
    net::IpAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use uuid::Uuid;

use super::store::{Db, StoreError, tokens::TokenUse};

/// Requests on every worker thread record here: the map is split so that they seldom wait
/// for each other.
const SHARDS: usize = 16;

/// Keyed by token id: made by the server, so a fast hash is safe.
type Pending = HashMap<Uuid, TokenUse, foldhash::fast::RandomState>;

#[derive(Debug, Default)]
pub struct LastUsed {
    shards: [Mutex<Pending>; SHARDS],
}

/// A use as a request sees it, borrowed from the request.
#[derive(Clone, Copy, Debug)]
pub struct Use<'a> {
    pub token_id: Uuid,
    pub at: i64,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
    pub method: &'a str,
    pub path: &'a str,
}

impl LastUsed {
    fn shard(&self, token_id: Uuid) -> MutexGuard<'_, Pending> {
        // Version 7 ids end in random bits, which spread tokens evenly.
        let index = (token_id.as_u128() % SHARDS as u128) as usize;
        self.shards[index].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes a use; only the newest per token is kept until the next flush. A token used
    /// again from the same place costs no allocation.
    pub fn record(&self, used: Use<'_>) {
        let mut pending = self.shard(used.token_id);
        match pending.entry(used.token_id) {
            Entry::Occupied(mut entry) => {
                let known = entry.get_mut();
                if known.at > used.at {
                    return;
                }
                known.at = used.at;
                known.ip = used.ip;
                if known.user_agent.as_deref() != used.user_agent {
                    known.user_agent = used.user_agent.map(str::to_owned);
                }
                if known.method != used.method {
                    used.method.clone_into(&mut known.method);
                }
                if known.path != used.path {
                    used.path.clone_into(&mut known.path);
                }
            }
            Entry::Vacant(entry) => {
                entry.insert(TokenUse {
                    token_id: used.token_id,
                    at: used.at,
                    ip: used.ip,
                    user_agent: used.user_agent.map(str::to_owned),
                    method: used.method.to_owned(),
                    path: used.path.to_owned(),
                });
            }
        }
    }

    /// Puts back a use that could not be written, unless a newer one came meanwhile.
    fn restore(&self, used: TokenUse) {
        let mut pending = self.shard(used.token_id);
        match pending.get(&used.token_id) {
            Some(known) if known.at >= used.at => {}
            _ => {
                pending.insert(used.token_id, used);
            }
        }
    }

    /// How many tokens wait to be written.
    pub fn pending(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().map(|p| p.len()).unwrap_or(0))
            .sum()
    }

    /// Writes what is pending in one transaction; returns how many tokens were written.
    /// On failure the uses are kept for the next attempt.
    pub async fn flush(&self, db: &Db) -> Result<usize, StoreError> {
        let uses: Vec<TokenUse> = self
            .shards
            .iter()
            .flat_map(|shard| {
                let mut pending = shard.lock().unwrap_or_else(|e| e.into_inner());
                pending.drain().map(|(_, used)| used).collect::<Vec<_>>()
            })
            .collect();
        if uses.is_empty() {
            return Ok(0);
        }
        match db.record_token_uses(&uses).await {
            Ok(()) => Ok(uses.len()),
            Err(error) => {
                for used in uses {
                    self.restore(used);
                }
                Err(error)
            }
        }
    }

    #[cfg(test)]
    fn get(&self, token_id: Uuid) -> Option<TokenUse> {
        self.shard(token_id).get(&token_id).cloned()
    }
}

/// Flushes every `interval` until `stop` resolves. A flush under way is finished first:
/// cancelling it between taking the pending uses and writing them would lose them.
pub async fn flush_periodically(
    recorder: Arc<LastUsed>,
    db: Db,
    interval: Duration,
    stop: impl Future<Output = ()>,
) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stop = std::pin::pin!(stop);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = &mut stop => return,
        }
        if let Err(error) = recorder.flush(&db).await {
            tracing::warn!("could not record tokens' last use (will retry): {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn use_at(token: Uuid, at: i64, path: &str) -> Use<'_> {
        Use {
            token_id: token,
            at,
            ip: Some(IpAddr::from([192, 0, 2, 1])),
            user_agent: None,
            method: "GET",
            path,
        }
    }

    #[test]
    fn only_the_newest_use_per_token_is_kept() {
        let recorder = LastUsed::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        recorder.record(use_at(a, 10, "/ten"));
        recorder.record(use_at(a, 30, "/thirty"));
        recorder.record(use_at(a, 20, "/twenty"));
        recorder.record(use_at(b, 5, "/five"));
        assert_eq!(recorder.pending(), 2);
        let newest = recorder.get(a).unwrap();
        assert_eq!((newest.at, newest.path.as_str()), (30, "/thirty"));
        assert_eq!(recorder.get(b).unwrap().at, 5);

        // A failed write puts back only what nothing newer replaced.
        let stale = recorder.get(a).unwrap();
        recorder.record(use_at(a, 40, "/forty"));
        recorder.restore(stale);
        recorder.restore(TokenUse {
            token_id: Uuid::now_v7(),
            ..recorder.get(b).unwrap()
        });
        assert_eq!(recorder.get(a).unwrap().path, "/forty");
        assert_eq!(recorder.pending(), 3);
    }
}
