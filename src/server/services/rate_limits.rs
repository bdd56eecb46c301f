//! Tokens' rate limits, enforced in this instance's memory: one GCRA limiter per limited
//! token (the `governor` crate), made when the token is first used and replaced when its
//! limit changes. With several instances each enforces a token's limit over the requests
//! it serves, so a token spread over N instances may get up to N times its limit.
//!
//! Also the limits per client address: on leak reports ([`AddressLimits`]) and on requests
//! without a valid token ([`InvalidTokens`]).

use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::{
        Arc, Mutex,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::{InMemoryState, NotKeyed, keyed::HashMapStateStore},
};
use uuid::Uuid;

use crate::domain::{rate_limit::RateLimit, sign_in::network};

type Limiter = RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;

/// So many requests per hour from one client address (IPv6 by its /64, as sign-in
/// throttling counts them), in this instance's memory.
pub struct AddressLimits {
    limiter: RateLimiter<String, HashMapStateStore<String>, DefaultClock>,
}

impl std::fmt::Debug for AddressLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddressLimits").finish_non_exhaustive()
    }
}

impl AddressLimits {
    pub fn per_hour(requests: u32) -> AddressLimits {
        let burst = NonZeroU32::new(requests).unwrap_or(NonZeroU32::MIN);
        AddressLimits {
            limiter: RateLimiter::hashmap(Quota::per_hour(burst)),
        }
    }

    /// Counts one request from `ip`; Err with the seconds to wait when it is one too many.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), u64> {
        self.limiter.check_key(&address(ip)).map_err(|not_until| {
            whole_seconds(not_until.wait_time_from(DefaultClock::default().now())).max(1)
        })
    }

    /// Forgets the addresses whose quota is whole again.
    pub fn prune(&self) {
        self.limiter.retain_recent();
    }
}

/// The key an address is counted by: IPv6 by its /64.
fn address(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "unknown".to_owned(), network)
}

/// API requests refused for want of a valid token (401), per client address: past so many
/// an hour, the address's requests whose token is not already in this instance's memory
/// are refused with a 429 until its quota comes back, without a database read. A token in
/// use (cached) from that address goes on working, so a caller with a stale token beside
/// good ones loses only the stale one; a flood of made-up tokens costs no database work.
pub struct InvalidTokens {
    limits: AddressLimits,
    /// The addresses over the limit, and until when (ms) they are refused.
    refused: Mutex<HashMap<String, i64>>,
    /// Whether any address is refused: the usual answer, known without a lock.
    any: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for InvalidTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvalidTokens").finish_non_exhaustive()
    }
}

impl InvalidTokens {
    pub fn per_hour(requests: u32) -> InvalidTokens {
        InvalidTokens {
            limits: AddressLimits::per_hour(requests),
            refused: Mutex::default(),
            any: false.into(),
        }
    }

    /// The seconds left while `ip` is refused at `now` (ms).
    pub fn refused(&self, ip: Option<IpAddr>, now: i64) -> Option<u64> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        refused
            .get(&address(ip))
            .filter(|&&until| until > now)
            .map(|until| ((until - now) as u64).div_ceil(1000))
    }

    /// Counts one request from `ip` refused for want of a valid token; when it is one too
    /// many, the address is refused from now on for the seconds returned.
    pub fn failed(&self, ip: Option<IpAddr>, now: i64) -> Option<u64> {
        let wait = self.limits.check(ip).err()?;
        let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        refused.insert(address(ip), now + wait as i64 * 1000);
        self.any.store(true, Ordering::Release);
        Some(wait)
    }

    /// Forgets the addresses no longer refused and those whose quota is whole again.
    pub fn prune(&self, now: i64) {
        self.limits.prune();
        let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        refused.retain(|_, until| *until > now);
        self.any.store(!refused.is_empty(), Ordering::Release);
    }
}

/// What one request's check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Served: `remaining` requests left now, more available in `reset_seconds`.
    Allowed { remaining: u32, reset_seconds: u64 },
    /// Refused: try again in `retry_after_seconds`.
    Limited { retry_after_seconds: u64 },
}

impl Verdict {
    /// The `RateLimit` field's remaining quota and seconds until more is available.
    pub fn remaining(self) -> (u32, u64) {
        match self {
            Verdict::Allowed {
                remaining,
                reset_seconds,
            } => (remaining, reset_seconds),
            Verdict::Limited {
                retry_after_seconds,
            } => (0, retry_after_seconds),
        }
    }
}

struct Entry {
    limit: RateLimit,
    limiter: Arc<Limiter>,
    /// When it was last asked (ms), so an idle one can be let go: idle for a window, it is
    /// full again and a new one is the same.
    touched: AtomicI64,
}

#[derive(Default)]
pub struct TokenLimits {
    limiters: Mutex<HashMap<Uuid, Arc<Entry>, foldhash::fast::RandomState>>,
}

impl std::fmt::Debug for TokenLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenLimits").finish_non_exhaustive()
    }
}

impl TokenLimits {
    /// Counts one request of token `id` against `limit`.
    pub fn check(&self, id: Uuid, limit: RateLimit, now: i64) -> Verdict {
        let entry = self.entry(id, limit);
        entry.touched.fetch_max(now, Ordering::Relaxed);
        match entry.limiter.check() {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Verdict::Allowed {
                    remaining,
                    // A full quota needs nothing more; otherwise the next request frees
                    // within one emission interval (rounded up to whole seconds).
                    reset_seconds: if remaining >= limit.requests {
                        0
                    } else {
                        whole_seconds(interval(limit))
                    },
                }
            }
            Err(not_until) => Verdict::Limited {
                retry_after_seconds: whole_seconds(
                    not_until.wait_time_from(DefaultClock::default().now()),
                )
                .max(1),
            },
        }
    }

    /// The limiter of token `id`, new when it has none or its limit changed.
    fn entry(&self, id: Uuid, limit: RateLimit) -> Arc<Entry> {
        let mut limiters = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        match limiters.get(&id) {
            Some(entry) if entry.limit == limit => entry.clone(),
            _ => {
                let entry = Arc::new(Entry {
                    limit,
                    limiter: Arc::new(limiter(limit)),
                    touched: AtomicI64::new(0),
                });
                limiters.insert(id, entry.clone());
                entry
            }
        }
    }

    /// Lets go of the limiters idle for longer than their window (they are full again),
    /// so memory follows the tokens in use rather than every token ever seen.
    pub fn prune(&self, now: i64) -> usize {
        let mut limiters = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        let before = limiters.len();
        limiters.retain(|_, entry| {
            now - entry.touched.load(Ordering::Relaxed)
                <= i64::from(entry.limit.window_seconds) * 1000
        });
        before - limiters.len()
    }

    pub fn len(&self) -> usize {
        self.limiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The time one request's quota takes to come back.
fn interval(limit: RateLimit) -> Duration {
    Duration::from_secs(limit.window_seconds.into()) / limit.requests
}

fn limiter(limit: RateLimit) -> Limiter {
    let burst = NonZeroU32::new(limit.requests).unwrap_or(NonZeroU32::MIN);
    // A limit's interval is at least a microsecond (a million per second at most).
    let quota = Quota::with_period(interval(limit))
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst);
    RateLimiter::direct(quota).with_middleware::<StateInformationMiddleware>()
}

fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(requests: i64, window: i64) -> RateLimit {
        RateLimit::new(requests, window).unwrap()
    }

    #[test]
    fn a_burst_of_the_quota_then_refusals_with_a_wait() {
        let limits = TokenLimits::default();
        let id = Uuid::now_v7();
        let three = limit(3, 60);
        let seen: Vec<Verdict> = (0..4).map(|_| limits.check(id, three, 0)).collect();
        assert_eq!(
            seen[..3],
            [
                Verdict::Allowed {
                    remaining: 2,
                    reset_seconds: 20
                },
                Verdict::Allowed {
                    remaining: 1,
                    reset_seconds: 20
                },
                Verdict::Allowed {
                    remaining: 0,
                    reset_seconds: 20
                },
            ]
        );
        match seen[3] {
            Verdict::Limited {
                retry_after_seconds,
            } => {
                assert!(
                    (19..=20).contains(&retry_after_seconds),
                    "{retry_after_seconds}"
                )
            }
            other => panic!("{other:?}"),
        }
        // Another token has its own quota.
        assert!(matches!(
            limits.check(Uuid::now_v7(), three, 0),
            Verdict::Allowed { remaining: 2, .. }
        ));
    }

    #[test]
    fn addresses_have_their_own_hourly_quota_and_an_ipv6_64_is_one_address() {
        let limits = AddressLimits::per_hour(2);
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(limits.check(ip("192.0.2.1")), Ok(()));
        assert_eq!(limits.check(ip("::ffff:192.0.2.1")), Ok(()));
        let wait = limits.check(ip("192.0.2.1")).unwrap_err();
        assert!((1..=1800).contains(&wait), "{wait}");
        assert_eq!(limits.check(ip("192.0.2.2")), Ok(()));
        assert_eq!(limits.check(ip("2001:db8::1")), Ok(()));
        assert_eq!(limits.check(ip("2001:db8::2")), Ok(()));
        assert!(limits.check(ip("2001:db8::3")).is_err(), "the same /64");
    }

    #[test]
    fn an_address_past_its_invalid_token_quota_is_refused_until_it_comes_back() {
        let limits = InvalidTokens::per_hour(2);
        let ip = Some("2001:db8::1".parse::<IpAddr>().unwrap());
        let neighbour = Some("2001:db8::2".parse::<IpAddr>().unwrap());
        let other = Some("192.0.2.9".parse::<IpAddr>().unwrap());
        assert_eq!(limits.refused(ip, 0), None);
        assert_eq!(limits.failed(ip, 0), None);
        assert_eq!(limits.failed(ip, 0), None);
        let wait = limits.failed(neighbour, 0).expect("the third from one /64");
        assert!((1..=1800).contains(&wait), "{wait}");
        assert_eq!(limits.refused(ip, 0), Some(wait));
        assert_eq!(limits.refused(other, 0), None);
        let later = wait as i64 * 1000;
        assert_eq!(limits.refused(ip, later), None, "refused only for the wait");
        limits.prune(later);
        assert!(!limits.any.load(Ordering::Acquire));
    }

    #[test]
    fn a_changed_limit_starts_afresh_and_idle_limiters_are_let_go() {
        let limits = TokenLimits::default();
        let id = Uuid::now_v7();
        limits.check(id, limit(1, 60), 1_000);
        assert!(matches!(
            limits.check(id, limit(1, 60), 1_000),
            Verdict::Limited { .. }
        ));
        assert!(matches!(
            limits.check(id, limit(5, 60), 1_000),
            Verdict::Allowed { remaining: 4, .. }
        ));
        assert_eq!(limits.prune(61_000), 0, "used within its window");
        assert_eq!(limits.prune(61_001), 1);
        assert!(limits.is_empty());
    }
}
