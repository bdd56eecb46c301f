//! When each token was last used, and from where — without a database write per request.
//! Requests record into memory (per token: its newest requests and a count per day); a
//! background task writes them at most once per flush interval, and once more at shutdown.
//!
//! Memory is bounded by construction: at most [`PENDING_TOKENS`] tokens are held between
//! flushes, each with at most [`RECENT_REQUESTS`] requests. Half full, the writer is woken
//! to flush early; full (the database not keeping up), a token not already held has its use
//! left out and counted in [`LastUsed::dropped`], while held tokens go on being counted.

use std::{
    collections::{HashMap, hash_map::Entry},
    net::IpAddr,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::sync::Notify;

use uuid::Uuid;

use crate::domain::time::DAY_MS;

use crate::server::store::{
    Db, StoreError,
    tokens::{RECENT_REQUESTS, TokenRequest, TokenUses},
};

/// Requests on every worker thread record here: the map is split so that they seldom wait
/// for each other.
const SHARDS: usize = 16;

/// Keyed by token id: made by the server, so a fast hash is safe.
type Pending = HashMap<Uuid, TokenUses, foldhash::fast::RandomState>;

/// The most tokens held between two flushes.
pub const PENDING_TOKENS: usize = 10_000;

#[derive(Debug)]
pub struct LastUsed {
    shards: [Mutex<Pending>; SHARDS],
    /// How many tokens the shards hold.
    held: AtomicUsize,
    capacity: usize,
    /// Woken when half the capacity is held.
    half_full: Notify,
    /// Uses left out because the recorder was full.
    dropped: AtomicU64,
}

impl Default for LastUsed {
    fn default() -> Self {
        LastUsed::with_capacity(PENDING_TOKENS)
    }
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
    /// Why it was refused (None: it was served). A refused attempt is kept among the
    /// token's newest requests but is not counted as a use.
    pub refused: Option<&'static str>,
}

impl LastUsed {
    /// A recorder holding at most `capacity` tokens between flushes.
    pub fn with_capacity(capacity: usize) -> LastUsed {
        LastUsed {
            shards: Default::default(),
            held: AtomicUsize::new(0),
            capacity,
            half_full: Notify::new(),
            dropped: AtomicU64::new(0),
        }
    }

    fn shard(&self, token_id: Uuid) -> MutexGuard<'_, Pending> {
        // Version 7 ids end in random bits, which spread tokens evenly.
        let index = (token_id.as_u128() % SHARDS as u128) as usize;
        self.shards[index].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes a use: it is counted, and kept among the token's newest requests until the
    /// next flush. Once a token has made that many requests, recording one more reuses the
    /// oldest one's buffers: no allocation when it comes from the same kind of place.
    pub fn record(&self, used: Use<'_>) {
        let mut pending = self.shard(used.token_id);
        let uses = match pending.entry(used.token_id) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                if !self.hold_one() {
                    return;
                }
                entry.insert(TokenUses {
                    token_id: used.token_id,
                    recent: std::collections::VecDeque::with_capacity(RECENT_REQUESTS),
                    daily: Vec::with_capacity(1),
                })
            }
        };
        if used.refused.is_none() {
            count(&mut uses.daily, day_of(used.at), 1);
        }
        keep(&mut uses.recent, used);
    }

    /// Counts one more token held, unless the recorder is full (then the use is dropped).
    /// Wakes the writer when half full.
    fn hold_one(&self) -> bool {
        let held = self.held.fetch_add(1, Ordering::AcqRel);
        if held >= self.capacity {
            self.held.fetch_sub(1, Ordering::AcqRel);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        if held + 1 == self.capacity.div_ceil(2) {
            self.half_full.notify_one();
        }
        true
    }

    /// How many tokens have uses waiting for the next flush.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    /// Uses left out since the start because the recorder was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Resolves once the recorder is half full (or was since the last call).
    pub async fn filling(&self) {
        self.half_full.notified().await;
    }

    /// Puts back what could not be written, merged with what came meanwhile. Put back even
    /// past the capacity: these uses were already accepted.
    fn restore(&self, old: TokenUses) {
        let mut pending = self.shard(old.token_id);
        match pending.entry(old.token_id) {
            Entry::Vacant(entry) => {
                self.held.fetch_add(1, Ordering::AcqRel);
                entry.insert(old);
            }
            Entry::Occupied(mut entry) => {
                let uses = entry.get_mut();
                for (day, requests) in old.daily {
                    count(&mut uses.daily, day, requests);
                }
                for request in &old.recent {
                    keep(
                        &mut uses.recent,
                        Use {
                            token_id: old.token_id,
                            at: request.at,
                            ip: request.ip,
                            user_agent: request.user_agent.as_deref(),
                            method: &request.method,
                            path: &request.path,
                            refused: request.refused,
                        },
                    );
                }
            }
        }
    }

    /// How many tokens wait to be written.
    pub fn pending(&self) -> usize {
        self.held.load(Ordering::Acquire)
    }

    /// Writes what is pending in one transaction; returns how many tokens were written.
    /// On failure the uses are kept for the next attempt.
    pub async fn flush(&self, db: &Db) -> Result<usize, StoreError> {
        let uses: Vec<TokenUses> = self
            .shards
            .iter()
            .flat_map(|shard| {
                let mut pending = shard.lock().unwrap_or_else(|e| e.into_inner());
                self.held.fetch_sub(pending.len(), Ordering::AcqRel);
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
    fn get(&self, token_id: Uuid) -> Option<TokenUses> {
        self.shard(token_id).get(&token_id).cloned()
    }
}

/// Days since 1970-01-01 (UTC) of a time in milliseconds.
pub fn day_of(at: i64) -> i64 {
    at.div_euclid(DAY_MS)
}

fn count(daily: &mut Vec<(i64, i64)>, day: i64, requests: i64) {
    match daily.iter_mut().rev().find(|(d, _)| *d == day) {
        Some((_, count)) => *count += requests,
        None => daily.push((day, requests)),
    }
}

/// Keeps `used` among `recent` (oldest first, at most [`RECENT_REQUESTS`]); a request
/// older than all of a full list is left out.
fn keep(recent: &mut std::collections::VecDeque<TokenRequest>, used: Use<'_>) {
    if recent.len() >= RECENT_REQUESTS && recent.front().is_some_and(|old| old.at > used.at) {
        return;
    }
    let mut slot = if recent.len() >= RECENT_REQUESTS {
        recent.pop_front().unwrap_or_default()
    } else {
        TokenRequest::default()
    };
    slot.at = used.at;
    slot.ip = used.ip;
    slot.refused = used.refused;
    match (&mut slot.user_agent, used.user_agent) {
        (Some(known), Some(agent)) => {
            if known != agent {
                agent.clone_into(known);
            }
        }
        (known, agent) => *known = agent.map(str::to_owned),
    }
    if slot.method != used.method {
        used.method.clone_into(&mut slot.method);
    }
    if slot.path != used.path {
        used.path.clone_into(&mut slot.path);
    }
    // Requests come nearly in order: look for the place from the newest end.
    let at = recent
        .iter()
        .rposition(|known| known.at <= slot.at)
        .map_or(0, |i| i + 1);
    recent.insert(at, slot);
}

/// Flushes every `interval`, and early when the recorder is half full, until `stop`
/// resolves. A flush under way is finished first: cancelling it between taking the pending
/// uses and writing them would lose them.
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
            () = recorder.filling() => {}
            () = &mut stop => return,
        }
        let started = std::time::Instant::now();
        match recorder.flush(&db).await {
            Ok(0) => {}
            Ok(tokens) => tracing::debug!(
                tokens,
                took_ms = started.elapsed().as_millis() as u64,
                "recorded tokens' last use"
            ),
            Err(error) => {
                tracing::warn!("could not record tokens' last use (will retry): {error}")
            }
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
            refused: None,
        }
    }

    #[test]
    fn the_newest_requests_are_kept_in_order_and_every_one_is_counted() {
        let recorder = LastUsed::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        recorder.record(use_at(a, 10, "/ten"));
        recorder.record(use_at(a, 30, "/thirty"));
        recorder.record(use_at(a, 20, "/twenty"));
        recorder.record(use_at(b, 5, "/five"));
        assert_eq!(recorder.pending(), 2);
        let uses = recorder.get(a).unwrap();
        let paths: Vec<_> = uses.recent.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/ten", "/twenty", "/thirty"]);
        assert_eq!(uses.newest().unwrap().at, 30);
        assert_eq!(uses.daily, [(0, 3)]);

        // Past the limit the oldest go; a request older than all kept is only counted.
        let day = DAY_MS;
        for i in 0..30 {
            recorder.record(use_at(a, day + 100 + i, "/many"));
        }
        recorder.record(use_at(a, 1, "/ancient"));
        let uses = recorder.get(a).unwrap();
        assert_eq!(uses.recent.len(), RECENT_REQUESTS);
        assert_eq!(uses.recent.front().unwrap().at, day + 110);
        assert_eq!(uses.newest().unwrap().at, day + 129);
        assert_eq!(uses.daily, [(0, 4), (1, 30)]);
    }

    #[test]
    fn a_failed_write_is_merged_back_with_what_came_meanwhile() {
        let recorder = LastUsed::default();
        let a = Uuid::now_v7();
        recorder.record(use_at(a, 10, "/ten"));
        let stale = recorder.get(a).unwrap();
        recorder.shards.iter().for_each(|shard| {
            let mut shard = shard.lock().unwrap();
            recorder.held.fetch_sub(shard.len(), Ordering::AcqRel);
            shard.clear();
        });
        recorder.record(use_at(a, 40, "/forty"));
        recorder.restore(stale);
        let uses = recorder.get(a).unwrap();
        let paths: Vec<_> = uses.recent.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/ten", "/forty"]);
        assert_eq!(uses.daily, [(0, 2)]);
        let other = Uuid::now_v7();
        recorder.restore(TokenUses {
            token_id: other,
            ..uses
        });
        assert_eq!(recorder.pending(), 2);
    }

    #[tokio::test]
    async fn at_most_its_capacity_of_tokens_is_held_and_half_full_wakes_the_writer() {
        let recorder = LastUsed::with_capacity(4);
        let tokens: Vec<Uuid> = (0..6).map(|_| Uuid::now_v7()).collect();
        recorder.record(use_at(tokens[0], 1, "/a"));
        recorder.record(use_at(tokens[1], 1, "/a"));
        // Half full: the writer's wait resolves at once.
        tokio::time::timeout(Duration::from_secs(1), recorder.filling())
            .await
            .expect("woken at half");
        for token in &tokens[2..] {
            recorder.record(use_at(*token, 1, "/a"));
        }
        assert_eq!(recorder.pending(), 4);
        assert_eq!(recorder.dropped(), 2);
        assert!(recorder.get(tokens[5]).is_none());
        // A token already held is still counted when full.
        recorder.record(use_at(tokens[0], 2, "/b"));
        assert_eq!(recorder.get(tokens[0]).unwrap().daily, [(0, 2)]);
        assert_eq!(recorder.dropped(), 2);
    }
}
