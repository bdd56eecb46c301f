//! The tokens that were recently presented, by digest, so that checking a bearer token
//! usually costs no database round trip.
//!
//! Correctness comes first: an entry is dropped by every write to its token (edit,
//! disable, enable, delete) before that write returns, and on PostgreSQL by the
//! notification every instance receives when another one writes (sent inside the writing
//! transaction). While an instance cannot listen for those notifications it does not use
//! the cache at all. Expiry is checked at each request against the cached `expires_at`.
//!
//! A look-up that raced a write must not put the old row back: every invalidation bumps an
//! epoch, and a row read from the database is only kept if no invalidation happened since
//! the read began.

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering},
    },
};

use uuid::Uuid;

use crate::domain::{api_permission::PermissionSet, role::Role};

/// A token as cached, decoded straight from its row: its scope and the permissions chosen
/// at creation already understood, its last use kept current by this instance's own
/// last-used flushes. Shared by every request that presents it; each takes its own copy
/// (`services::TokenPrincipal`), so no count is shared between requests.
#[derive(Debug, sqlx::FromRow)]
pub struct AuthToken {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub workspace_name: String,
    pub label: String,
    pub scope: Role,
    /// The permissions chosen at creation (None: the whole scope).
    #[sqlx(rename = "permissions")]
    pub chosen: Option<PermissionSet>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub disabled_at: Option<i64>,
    #[sqlx(try_from = "Option<i64>")]
    last_used_at: LastUse,
}

impl AuthToken {
    /// What it may do: its scope's permissions narrowed to the chosen ones (a few bit
    /// operations on two bytes, so not kept).
    pub fn permissions(&self) -> PermissionSet {
        PermissionSet::effective(self.scope, self.chosen)
    }

    pub fn last_used_at(&self) -> Option<i64> {
        Some(self.last_used_at.0.load(Ordering::Relaxed)).filter(|&at| at != NEVER)
    }

    pub(super) fn note_use(&self, at: i64) {
        self.last_used_at.0.fetch_max(at, Ordering::Relaxed);
    }
}

/// When a token was last used, only ever moved forward.
#[derive(Debug)]
struct LastUse(AtomicI64);

const NEVER: i64 = i64::MIN;

impl From<Option<i64>> for LastUse {
    fn from(at: Option<i64>) -> Self {
        LastUse(AtomicI64::new(at.unwrap_or(NEVER)))
    }
}

/// The PostgreSQL channel on which every token write is announced to every instance, so
/// that their caches drop what it changed (see [`Stale`]).
pub const TOKEN_CHANGES: &str = "tessera_token_changes";

/// The payload prefix announcing a change to every token of a workspace.
const WORKSPACE_CHANGE: &str = "workspace:";

/// The cached tokens a write changed, in every instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stale {
    Token(Uuid),
    /// Every token of the workspace (they carry its name).
    Workspace(Uuid),
}

impl Stale {
    /// The notification's payload: the token id, or `workspace:` and the workspace id.
    pub fn payload(self) -> String {
        match self {
            Stale::Token(id) => id.to_string(),
            Stale::Workspace(id) => format!("{WORKSPACE_CHANGE}{id}"),
        }
    }

    /// What a notification's payload names; `None` when it names nothing known.
    pub fn from_payload(payload: &str) -> Option<Stale> {
        match payload.strip_prefix(WORKSPACE_CHANGE) {
            Some(workspace) => workspace.parse().ok().map(Stale::Workspace),
            None => payload.parse().ok().map(Stale::Token),
        }
    }

    pub fn drop_from(self, cache: &TokenCache) {
        match self {
            Stale::Token(id) => cache.invalidate(id),
            Stale::Workspace(id) => cache.invalidate_workspace(id),
        }
    }
}

pub type Digest = [u8; 32];

/// The keys are HMAC digests and server-made ids, which no client can choose, so a fast
/// hash is enough: SipHash showed in `make bench` for every request.
#[derive(Debug, Default)]
struct Entries {
    by_digest: HashMap<Digest, Arc<AuthToken>, foldhash::fast::RandomState>,
    by_id: HashMap<Uuid, Digest, foldhash::fast::RandomState>,
}

/// A bounded map from token digest to token, see the module notes.
#[derive(Debug)]
pub struct TokenCache {
    entries: RwLock<Entries>,
    epoch: AtomicU64,
    enabled: AtomicBool,
    capacity: usize,
}

/// Where a look-up began, to be handed back to [`TokenCache::insert`].
#[derive(Clone, Copy, Debug)]
pub struct Epoch(u64);

impl TokenCache {
    /// A cache of at most `capacity` tokens, in use from the start or only once enabled.
    pub fn new(capacity: usize, enabled: bool) -> Self {
        TokenCache {
            entries: RwLock::default(),
            epoch: AtomicU64::new(0),
            enabled: AtomicBool::new(enabled),
            capacity,
        }
    }

    pub fn get(&self, digest: &Digest) -> Option<Arc<AuthToken>> {
        self.with(digest, |token| token.clone())
    }

    /// `f` of the cached token, called under the read lock.
    pub fn with<R>(&self, digest: &Digest, f: impl FnOnce(&Arc<AuthToken>) -> R) -> Option<R> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        self.read().by_digest.get(digest).map(f)
    }

    /// Call before reading a row from the database.
    pub fn epoch(&self) -> Epoch {
        Epoch(self.epoch.load(Ordering::Acquire))
    }

    /// Keeps `token` unless the cache was invalidated since `since` or is not in use.
    pub fn insert(&self, since: Epoch, digest: Digest, token: Arc<AuthToken>) {
        let mut entries = self.write();
        // Checked under the lock that invalidation also takes: no write can slip between.
        if self.epoch.load(Ordering::Acquire) != since.0 || !self.enabled.load(Ordering::Acquire) {
            return;
        }
        if entries.by_digest.len() >= self.capacity
            && let Some(evicted) = entries.by_digest.keys().next().copied()
            && let Some(old) = entries.by_digest.remove(&evicted)
        {
            entries.by_id.remove(&old.id);
        }
        entries.by_id.insert(token.id, digest);
        entries.by_digest.insert(digest, token);
    }

    /// Drops the token `id` (a write changed or deleted it).
    pub fn invalidate(&self, id: Uuid) {
        let mut entries = self.write();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Some(digest) = entries.by_id.remove(&id) {
            entries.by_digest.remove(&digest);
        }
    }

    /// Drops every token of a workspace (its name, which they carry, changed).
    pub fn invalidate_workspace(&self, workspace_id: Uuid) {
        let mut entries = self.write();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let Entries { by_digest, by_id } = &mut *entries;
        by_digest.retain(|_, token| {
            let keep = token.workspace_id != workspace_id;
            if !keep {
                by_id.remove(&token.id);
            }
            keep
        });
    }

    /// Drops everything and stops or resumes using the cache (while notifications from
    /// other instances cannot be received, nothing cached could be trusted).
    pub fn reset(&self, enabled: bool) {
        let mut entries = self.write();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.enabled.store(enabled, Ordering::Release);
        *entries = Entries::default();
    }

    /// Brings a cached token's last use forward (after this instance wrote it).
    pub fn note_use(&self, id: Uuid, at: i64) {
        let entries = self.read();
        if let Some(token) = entries
            .by_id
            .get(&id)
            .and_then(|digest| entries.by_digest.get(digest))
        {
            token.note_use(at);
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    pub fn len(&self) -> usize {
        self.read().by_digest.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: Uuid) -> Arc<AuthToken> {
        Arc::new(AuthToken {
            id,
            workspace_id: Uuid::nil(),
            workspace_name: "W".into(),
            label: "t".into(),
            scope: Role::Viewer,
            chosen: None,
            created_at: 0,
            expires_at: None,
            disabled_at: None,
            last_used_at: None.into(),
        })
    }

    #[test]
    fn payloads_name_what_went_stale() {
        let id = Uuid::now_v7();
        for stale in [Stale::Token(id), Stale::Workspace(id)] {
            assert_eq!(Stale::from_payload(&stale.payload()), Some(stale));
        }
        assert_eq!(Stale::from_payload("workspace:nonsense"), None);
        assert_eq!(Stale::from_payload(""), None);
    }

    #[test]
    fn a_row_read_before_an_invalidation_is_not_kept() {
        let cache = TokenCache::new(10, true);
        let id = Uuid::now_v7();
        let before = cache.epoch();
        cache.invalidate(id);
        cache.insert(before, [1; 32], token(id));
        assert!(cache.get(&[1; 32]).is_none());

        let now = cache.epoch();
        cache.insert(now, [1; 32], token(id));
        assert_eq!(cache.get(&[1; 32]).map(|t| t.id), Some(id));
        cache.invalidate(id);
        assert!(cache.get(&[1; 32]).is_none());
    }

    #[test]
    fn a_disabled_cache_keeps_and_returns_nothing() {
        let cache = TokenCache::new(10, false);
        let id = Uuid::now_v7();
        cache.insert(cache.epoch(), [2; 32], token(id));
        assert!(cache.get(&[2; 32]).is_none());
        cache.reset(true);
        cache.insert(cache.epoch(), [2; 32], token(id));
        assert!(cache.get(&[2; 32]).is_some());
        cache.reset(false);
        assert!(cache.get(&[2; 32]).is_none());
        assert!(cache.is_empty());
    }

    #[test]
    fn capacity_is_kept_and_uses_move_forward_only() {
        let cache = TokenCache::new(2, true);
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        for (n, id) in ids.iter().enumerate() {
            cache.insert(cache.epoch(), [n as u8; 32], token(*id));
        }
        assert_eq!(cache.len(), 2);
        let kept = cache.get(&[2; 32]).expect("the newest is kept");
        assert_eq!(kept.last_used_at(), None);
        cache.note_use(ids[2], 50);
        cache.note_use(ids[2], 40);
        assert_eq!(kept.last_used_at(), Some(50));
    }
}
