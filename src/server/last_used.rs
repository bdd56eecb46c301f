//! When each token was last used, and from where — without a database write per request.
//! Requests record into memory; a background task writes each token's newest use at most
//! once per flush interval, and once more at shutdown.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use uuid::Uuid;

use super::store::{Db, StoreError, tokens::TokenUse};

#[derive(Debug, Default)]
pub struct LastUsed {
    pending: Mutex<HashMap<Uuid, TokenUse>>,
}

impl LastUsed {
    /// Notes a use; only the newest per token is kept until the next flush.
    pub fn record(&self, used: TokenUse) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        match pending.get(&used.token_id) {
            Some(known) if known.at > used.at => {}
            _ => {
                pending.insert(used.token_id, used);
            }
        }
    }

    /// How many tokens wait to be written.
    pub fn pending(&self) -> usize {
        self.pending.lock().map(|p| p.len()).unwrap_or(0)
    }

    /// Writes what is pending in one transaction; returns how many tokens were written.
    /// On failure the uses are kept for the next attempt.
    pub async fn flush(&self, db: &Db) -> Result<usize, StoreError> {
        let uses: Vec<TokenUse> = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            pending.drain().map(|(_, used)| used).collect()
        };
        if uses.is_empty() {
            return Ok(0);
        }
        match db.record_token_uses(&uses).await {
            Ok(()) => Ok(uses.len()),
            Err(error) => {
                for used in uses {
                    self.record(used);
                }
                Err(error)
            }
        }
    }
}

/// Flushes every `interval` until the task is stopped.
pub async fn flush_periodically(recorder: Arc<LastUsed>, db: Db, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = recorder.flush(&db).await {
            tracing::warn!("could not record tokens' last use (will retry): {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn use_at(token: Uuid, at: i64) -> TokenUse {
        TokenUse {
            token_id: token,
            at,
            ip: None,
            user_agent: None,
            method: "GET".into(),
            path: format!("/api/v1/access-token?{at}"),
        }
    }

    #[test]
    fn only_the_newest_use_per_token_is_kept() {
        let recorder = LastUsed::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        recorder.record(use_at(a, 10));
        recorder.record(use_at(a, 30));
        recorder.record(use_at(a, 20));
        recorder.record(use_at(b, 5));
        assert_eq!(recorder.pending(), 2);
        let pending = recorder.pending.lock().unwrap();
        assert_eq!(pending[&a].at, 30);
        assert_eq!(pending[&b].at, 5);
    }
}
