//! The server's resident memory, as /proc tells it, and whether it grew.

use std::time::Duration;

/// One reading of the server's memory: seconds into the run, resident KiB (all, anonymous),
/// and the requests so far.
pub struct Sample {
    pub at: u64,
    pub rss: u64,
    pub anon: u64,
    pub requests: u64,
}

/// The server's resident memory in KiB, all and anonymous (the rest is mapped files:
/// the binary, SQLite's shared memory).
pub fn memory(pid: u32) -> Result<(u64, u64), String> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {path} (has the server stopped?): {e}"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("{path} has no {name}"))
    };
    Ok((field("VmRSS:")?, field("RssAnon:")?))
}

pub fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// How the server's memory moved after warm-up, in KiB.
///
/// Warm-up is the first fifth of the run, at most a minute: the token cache, the connection
/// pool, SQLite's page caches and the allocator's per-thread pages fill then. The samples
/// after it are cut in thirds, and growth is the median of the last third against the
/// median of the first. Medians, because every `last_used_flush_seconds` (30 s) the last-use
/// recorder hands its buffer to a flush that takes seconds, while requests fill a new one: a
/// sample that lands in a flush reads up to about 7 MB more (measured with 2,000 tokens), and
/// one during a few concurrent whole-table lists a little more again. A leak moves every
/// sample; a median of a third passes over such passing highs, which the highest sample
/// shows.
pub struct Growth {
    pub warm_up: u64,
    pub early: u64,
    pub late: u64,
    pub highest: u64,
}

impl Growth {
    pub fn after_warm_up(duration: Duration, samples: &[Sample]) -> Result<Growth, String> {
        let warm_up = (duration.as_secs() / 5).min(60);
        let after: Vec<u64> = samples
            .iter()
            .filter(|s| s.at > warm_up)
            .map(|s| s.rss)
            .collect();
        let third = after.len() / 3;
        if third == 0 {
            return Err(format!(
                "only {} samples after the {warm_up} s warm-up: too few to judge (run longer or sample more often)",
                after.len()
            ));
        }
        let median = |part: &[u64]| {
            let mut part = part.to_vec();
            part.sort_unstable();
            part[part.len() / 2]
        };
        Ok(Growth {
            warm_up,
            early: median(&after[..third]),
            late: median(&after[after.len() - third..]),
            highest: after.iter().copied().max().unwrap_or(0),
        })
    }

    pub fn ratio(&self) -> f64 {
        self.late as f64 / self.early as f64 - 1.0
    }
}
