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
//!
//! Digests the database does not hold (a well-formed token with a valid checksum but no
//! row: made up, or deleted) are remembered too, in a bounded set, so that a flood of them
//! costs one database read per distinct digest rather than one per request. That needs no
//! invalidation: a token's secret is made by the server and first known to anyone in the
//! answer that creates it, after its row is committed, so no digest on the list can later
//! become a token.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering},
    },
};

use uuid::Uuid;

use crate::domain::{
    api_permission::PermissionSet, ip_allowlist::IpAllowlist, policy::LifetimeLimit,
    rate_limit::RateLimit, role::Role,
};

/// One workspace a token may act in, as cached: a workspace token's own, or one a
/// personal token's owner chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub workspace_id: Uuid,
    pub workspace_name: String,
    /// The scope it acts with there. A personal token's is already capped by its owner's
    /// role there as it was read (a change of that role drops the cached token).
    pub scope: Role,
    /// The permissions chosen for it (None: the whole scope).
    pub chosen: Option<PermissionSet>,
    /// Waiting for an Administrator of the workspace to approve it: it may not act there.
    pub pending: bool,
    /// The workspace's maximum token lifetime, when it has one.
    pub lifetime: Option<LifetimeLimit>,
}

/// Whether a token may act in a workspace it reaches, at a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    Acts,
    /// Waiting for an Administrator's approval.
    Pending,
    /// Over the workspace's lifetime limit, past its grace.
    OverPolicy(LifetimeLimit),
}

impl Grant {
    /// May the token (expiring at `expires_at`) act here at `now`?
    pub fn standing(&self, expires_at: Option<i64>, now: i64) -> Standing {
        match self.lifetime {
            _ if self.pending => Standing::Pending,
            Some(limit) if limit.refuses(expires_at, now) => Standing::OverPolicy(limit),
            _ => Standing::Acts,
        }
    }

    /// What it may do there: the scope's permissions narrowed to the chosen ones (a few bit
    /// operations on two bytes, so not kept).
    pub fn permissions(&self) -> PermissionSet {
        PermissionSet::effective(self.scope, self.chosen)
    }
}

/// Where a token may act.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// A workspace's token acts in that workspace only; `made_by` is the person who made
    /// it (or the person behind the token that did), while their account exists.
    Workspace { grant: Grant, made_by: Option<Uuid> },
    /// A person's token acts in the workspaces they chose, where they are still members.
    Personal { owner_id: Uuid, grants: Vec<Grant> },
}

impl Reach {
    pub fn grants(&self) -> &[Grant] {
        match self {
            Reach::Workspace { grant, .. } => std::slice::from_ref(grant),
            Reach::Personal { grants, .. } => grants,
        }
    }

    /// The token's standing in `workspace_id`, pending or not; None when it cannot reach it.
    pub fn grant(&self, workspace_id: Uuid) -> Option<&Grant> {
        self.grants()
            .iter()
            .find(|g| g.workspace_id == workspace_id)
    }

    pub fn owner_id(&self) -> Option<Uuid> {
        match self {
            Reach::Workspace { .. } => None,
            Reach::Personal { owner_id, .. } => Some(*owner_id),
        }
    }

    /// The person behind the token: a personal token's owner, or who made a workspace's.
    pub fn person(&self) -> Option<Uuid> {
        match self {
            Reach::Workspace { made_by, .. } => *made_by,
            Reach::Personal { owner_id, .. } => Some(*owner_id),
        }
    }

    /// The workspace a workspace token belongs to.
    pub fn home(&self) -> Option<&Grant> {
        match self {
            Reach::Workspace { grant, .. } => Some(grant),
            Reach::Personal { .. } => None,
        }
    }
}

/// A token as cached: what it may do already understood, its last use kept current by this
/// instance's own last-used flushes. Shared by every request that presents it; each takes
/// its own copy (`services::TokenPrincipal`), so no count is shared between requests.
#[derive(Debug)]
pub struct AuthToken {
    pub id: Uuid,
    pub label: String,
    pub reach: Reach,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub disabled_at: Option<i64>,
    /// Where it may be used from (None: any address).
    pub allowed_ips: Option<IpAllowlist>,
    /// How often it may be used (None: no limit).
    pub rate_limit: Option<RateLimit>,
    last_used_at: LastUse,
}

impl AuthToken {
    pub fn new(
        id: Uuid,
        label: String,
        reach: Reach,
        created_at: i64,
        expires_at: Option<i64>,
        disabled_at: Option<i64>,
        last_used_at: Option<i64>,
    ) -> AuthToken {
        AuthToken {
            id,
            label,
            reach,
            created_at,
            expires_at,
            disabled_at,
            allowed_ips: None,
            rate_limit: None,
            last_used_at: last_used_at.into(),
        }
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
/// The payload prefix announcing a change to every personal token of a person (their role
/// somewhere changed, or they left a workspace).
const OWNER_CHANGE: &str = "owner:";

/// The cached tokens a write changed, in every instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stale {
    Token(Uuid),
    /// Every token that can reach the workspace (they carry its name and policy).
    Workspace(Uuid),
    /// Every personal token of this person (they act with at most the person's role).
    Owner(Uuid),
}

impl Stale {
    /// The notification's payload: the token id, or `workspace:` or `owner:` and an id.
    pub fn payload(self) -> String {
        match self {
            Stale::Token(id) => id.to_string(),
            Stale::Workspace(id) => format!("{WORKSPACE_CHANGE}{id}"),
            Stale::Owner(id) => format!("{OWNER_CHANGE}{id}"),
        }
    }

    /// What a notification's payload names; `None` when it names nothing known.
    pub fn from_payload(payload: &str) -> Option<Stale> {
        if let Some(workspace) = payload.strip_prefix(WORKSPACE_CHANGE) {
            workspace.parse().ok().map(Stale::Workspace)
        } else if let Some(owner) = payload.strip_prefix(OWNER_CHANGE) {
            owner.parse().ok().map(Stale::Owner)
        } else {
            payload.parse().ok().map(Stale::Token)
        }
    }

    pub fn drop_from(self, cache: &TokenCache) {
        match self {
            Stale::Token(id) => cache.invalidate(id),
            Stale::Workspace(id) => cache.drop_where(|token| token.reach.grant(id).is_some()),
            Stale::Owner(id) => cache.drop_where(|token| token.reach.owner_id() == Some(id)),
        }
    }
}

/// The payload prefix of an instance's heartbeat to itself (see `listener`).
const HEARTBEAT: &str = "heartbeat:";

/// What a notification on [`TOKEN_CHANGES`] says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heard {
    Stale(Stale),
    /// The heartbeat of the instance that chose this id.
    Heartbeat(Uuid),
    /// Nothing this version knows.
    Unknown,
}

impl Heard {
    /// The payload of the heartbeat of the instance that chose `id`.
    pub fn heartbeat(id: Uuid) -> String {
        format!("{HEARTBEAT}{id}")
    }

    pub fn from_payload(payload: &str) -> Heard {
        match payload.strip_prefix(HEARTBEAT) {
            Some(id) => id.parse().map_or(Heard::Unknown, Heard::Heartbeat),
            None => Stale::from_payload(payload).map_or(Heard::Unknown, Heard::Stale),
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

/// Digests known not to be tokens, the oldest forgotten first past the capacity.
#[derive(Debug, Default)]
struct Unknown {
    digests: HashSet<Digest, foldhash::fast::RandomState>,
    order: VecDeque<Digest>,
}

/// A bounded map from token digest to token, see the module notes.
#[derive(Debug)]
pub struct TokenCache {
    entries: RwLock<Entries>,
    epoch: AtomicU64,
    enabled: AtomicBool,
    capacity: usize,
    unknown: Mutex<Unknown>,
    counts: Counts,
}

/// How look-ups went since the start, for `/metrics`.
#[derive(Debug, Default)]
pub struct Counts {
    /// Answered from memory: a cached token.
    pub hits: AtomicU64,
    /// Read from the database.
    pub misses: AtomicU64,
    /// Answered from memory: a digest known not to be a token.
    pub unknown_hits: AtomicU64,
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
            unknown: Mutex::default(),
            counts: Counts::default(),
        }
    }

    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Whether `digest` is known not to be a token (see the module notes).
    pub fn is_unknown(&self, digest: &Digest) -> bool {
        let known = self.unknown().digests.contains(digest);
        if known {
            self.counts.unknown_hits.fetch_add(1, Ordering::Relaxed);
        }
        known
    }

    /// Remembers that the database holds no token with `digest`, forgetting the oldest such
    /// digest when `capacity` are already remembered.
    pub fn note_unknown(&self, digest: Digest) {
        let mut unknown = self.unknown();
        if !unknown.digests.insert(digest) {
            return;
        }
        unknown.order.push_back(digest);
        while unknown.order.len() > self.capacity {
            if let Some(oldest) = unknown.order.pop_front() {
                unknown.digests.remove(&oldest);
            }
        }
    }

    /// How many digests are remembered as not being tokens.
    pub fn unknown_len(&self) -> usize {
        self.unknown().order.len()
    }

    fn unknown(&self) -> std::sync::MutexGuard<'_, Unknown> {
        self.unknown.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, digest: &Digest) -> Option<Arc<AuthToken>> {
        self.with(digest, |token| token.clone())
    }

    /// `f` of the cached token, called under the read lock.
    pub fn with<R>(&self, digest: &Digest, f: impl FnOnce(&Arc<AuthToken>) -> R) -> Option<R> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        let found = self.read().by_digest.get(digest).map(f);
        if found.is_some() {
            self.counts.hits.fetch_add(1, Ordering::Relaxed);
        }
        found
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

    /// Drops every token `stale` says a write changed (see [`Stale`]).
    fn drop_where(&self, stale: impl Fn(&AuthToken) -> bool) {
        let mut entries = self.write();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let Entries { by_digest, by_id } = &mut *entries;
        by_digest.retain(|_, token| {
            let keep = !stale(token);
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

    fn grant(workspace_id: Uuid) -> Grant {
        Grant {
            workspace_id,
            workspace_name: "W".into(),
            scope: Role::Viewer,
            chosen: None,
            pending: false,
            lifetime: None,
        }
    }

    fn token(id: Uuid) -> Arc<AuthToken> {
        with_reach(id, workspace_reach(Uuid::nil()))
    }

    fn workspace_reach(workspace_id: Uuid) -> Reach {
        Reach::Workspace {
            grant: grant(workspace_id),
            made_by: None,
        }
    }

    fn with_reach(id: Uuid, reach: Reach) -> Arc<AuthToken> {
        Arc::new(AuthToken::new(id, "t".into(), reach, 0, None, None, None))
    }

    #[test]
    fn payloads_name_what_went_stale() {
        let id = Uuid::now_v7();
        for stale in [Stale::Token(id), Stale::Workspace(id), Stale::Owner(id)] {
            assert_eq!(Stale::from_payload(&stale.payload()), Some(stale));
        }
        assert_eq!(Stale::from_payload("workspace:nonsense"), None);
        assert_eq!(Stale::from_payload("owner:nonsense"), None);
        assert_eq!(Stale::from_payload(""), None);
        let me = Uuid::now_v7();
        assert_eq!(
            Heard::from_payload(&Heard::heartbeat(me)),
            Heard::Heartbeat(me)
        );
        assert_eq!(
            Heard::from_payload(&Stale::Token(me).payload()),
            Heard::Stale(Stale::Token(me))
        );
        assert_eq!(Heard::from_payload("heartbeat:nonsense"), Heard::Unknown);
        assert_eq!(Heard::from_payload("nonsense"), Heard::Unknown);
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

    #[test]
    fn unknown_digests_are_remembered_up_to_the_capacity_oldest_first_out() {
        let cache = TokenCache::new(2, true);
        for n in 1..=3 {
            cache.note_unknown([n; 32]);
        }
        cache.note_unknown([3; 32]);
        assert_eq!(cache.unknown_len(), 2);
        assert!(!cache.is_unknown(&[1; 32]), "the oldest was forgotten");
        assert!(cache.is_unknown(&[2; 32]) && cache.is_unknown(&[3; 32]));
        assert_eq!(cache.counts().unknown_hits.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_workspace_or_owner_change_drops_every_token_it_reaches() {
        let cache = TokenCache::new(10, true);
        let (acme, beta, ada) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let workspace_token = Uuid::now_v7();
        let personal = Uuid::now_v7();
        let fill = |cache: &TokenCache| {
            cache.insert(
                cache.epoch(),
                [1; 32],
                with_reach(workspace_token, workspace_reach(acme)),
            );
            let grants = vec![grant(acme), grant(beta)];
            cache.insert(
                cache.epoch(),
                [2; 32],
                with_reach(
                    personal,
                    Reach::Personal {
                        owner_id: ada,
                        grants,
                    },
                ),
            );
        };
        fill(&cache);
        Stale::Workspace(beta).drop_from(&cache);
        assert!(cache.get(&[1; 32]).is_some() && cache.get(&[2; 32]).is_none());
        fill(&cache);
        Stale::Owner(ada).drop_from(&cache);
        assert!(cache.get(&[1; 32]).is_some() && cache.get(&[2; 32]).is_none());
        fill(&cache);
        Stale::Workspace(acme).drop_from(&cache);
        assert!(cache.is_empty());
    }
}
