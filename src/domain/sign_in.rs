//! How sign-in attempts are slowed down, and whose they are.
//!
//! Every attempt is counted against three subjects before its password is checked:
//!
//! 1. the pair of account and client network — one attacker guessing one account;
//! 2. the client network alone — one attacker trying many accounts;
//! 3. the account alone — many networks guessing one account. This one does not apply to
//!    networks the account has signed in from before (within [`KNOWN_NETWORK_MS`]), so an
//!    attacker elsewhere can slow the account's owner down only where the owner has never
//!    signed in, and never lock them out of their usual places.
//!
//! Each subject gets [`FAILURES_BEFORE_DELAY`] free failures, then waits 30 seconds,
//! doubling up to 15 minutes; a run is forgotten after an hour without a failure. An IPv6
//! client's network is its /64 (one customer's allocation), an IPv4 client's its address.

use std::net::IpAddr;

/// Failed sign-ins in a row per subject before attempts are slowed.
pub const FAILURES_BEFORE_DELAY: i64 = 10;
/// The first delay; it doubles with each further failure.
pub const FIRST_DELAY_MS: i64 = 30 * 1000;
pub const MAX_DELAY_MS: i64 = 15 * 60 * 1000;
/// A run of failures is forgotten after an hour without one.
pub const FAILURES_FORGOTTEN_AFTER_MS: i64 = 60 * 60 * 1000;
/// A network the account signed in from within this long is one of its own.
pub const KNOWN_NETWORK_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// How long a subject must wait after its `failures`-th failure in a row (0: not at all).
pub fn delay_after(failures: i64) -> i64 {
    if failures < FAILURES_BEFORE_DELAY {
        return 0;
    }
    let doublings = (failures - FAILURES_BEFORE_DELAY).min(10) as u32;
    (FIRST_DELAY_MS << doublings).min(MAX_DELAY_MS)
}

/// The delay as steps `(from this many failures, wait)`, largest first: what the store
/// turns into SQL so counting and blocking happen in one statement.
pub fn delay_steps() -> Vec<(i64, i64)> {
    let mut steps = Vec::new();
    let mut failures = FAILURES_BEFORE_DELAY;
    loop {
        let delay = delay_after(failures);
        steps.push((failures, delay));
        if delay >= MAX_DELAY_MS {
            break;
        }
        failures += 1;
    }
    steps.reverse();
    steps
}

/// The network an address throttles as: IPv4 (and IPv4-mapped IPv6) by address, IPv6 by
/// its /64.
pub fn network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The subjects an attempt counts against, in the order they are reserved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subjects {
    /// The email tried, normalised.
    pub email: String,
    pub pair: String,
    pub network: Option<String>,
    pub account: String,
}

impl Subjects {
    pub fn new(email: &str, network: Option<&str>) -> Subjects {
        Subjects {
            email: email.to_owned(),
            pair: format!("pair:{email}|{}", network.unwrap_or("-")),
            network: network.map(|net| format!("net:{net}")),
            account: format!("email:{email}"),
        }
    }

    /// What to reserve: the account-wide counter only for a network the account has not
    /// signed in from.
    pub fn to_reserve(&self, known_network: bool) -> Vec<String> {
        let mut subjects = vec![self.pair.clone()];
        subjects.extend(self.network.clone());
        if !known_network {
            subjects.push(self.account.clone());
        }
        subjects
    }
}

/// "30 seconds", "1 second", "15 minutes": how a wait is said.
pub fn human_wait(ms: i64) -> String {
    let seconds = (ms + 999) / 1000;
    if seconds >= 120 {
        format!("{} minutes", (seconds + 59) / 60)
    } else if seconds == 1 {
        "1 second".to_owned()
    } else {
        format!("{seconds} seconds")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_ten_failures_and_double_to_fifteen_minutes() {
        assert_eq!(delay_after(9), 0);
        assert_eq!(delay_after(10), 30_000);
        assert_eq!(delay_after(11), 60_000);
        assert_eq!(delay_after(14), 480_000);
        assert_eq!(delay_after(15), MAX_DELAY_MS);
        assert_eq!(delay_after(400), MAX_DELAY_MS);
        assert_eq!(
            delay_steps(),
            vec![
                (15, 900_000),
                (14, 480_000),
                (13, 240_000),
                (12, 120_000),
                (11, 60_000),
                (10, 30_000)
            ]
        );
        assert_eq!(human_wait(1_000), "1 second");
        assert_eq!(human_wait(29_001), "30 seconds");
        assert_eq!(human_wait(900_000), "15 minutes");
    }

    #[test]
    fn ipv6_clients_throttle_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network(a), "2001:db8:1:2::/64");
        assert_eq!(network(a), network(b));
        assert_ne!(network(a), network(c));
        assert_eq!(network("192.0.2.7".parse().unwrap()), "192.0.2.7");
        assert_eq!(network("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7");
    }

    #[test]
    fn the_account_counter_spares_known_networks() {
        let subjects = Subjects::new("a@b.c", Some("192.0.2.7"));
        assert_eq!(
            subjects.to_reserve(false),
            vec!["pair:a@b.c|192.0.2.7", "net:192.0.2.7", "email:a@b.c"]
        );
        assert_eq!(
            subjects.to_reserve(true),
            vec!["pair:a@b.c|192.0.2.7", "net:192.0.2.7"]
        );
        assert_eq!(
            Subjects::new("a@b.c", None).to_reserve(false),
            vec!["pair:a@b.c|-", "email:a@b.c"]
        );
    }
}
