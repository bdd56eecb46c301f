//! `make soak`: a long, steady, mixed load on one server while its resident memory is sampled,
//! to show that nothing a request touches grows without bound. Two halves:
//!
//! `soak seed DIR COUNT` fills a fresh database before the server starts, with the server's
//! own services and its `TESSERA_*` configuration: an Owner, a workspace, COUNT workspace
//! tokens (every scope in turn) and the driver's own token with the Owner scope. It writes
//! DIR/workspace (the id), DIR/driver (the driver's secret) and DIR/tokens (`id secret` a line).
//!
//! `soak run BASE PID DIR [--duration 10m] [--rate 500] [--sample 10s] [--workers 32]` signs
//! in through the real sign-in server function, then sends `--rate` requests a second for
//! `--duration` to the server at BASE — API reads, writes and introspection, and the UI's
//! server functions, mixed as [`MIX`] says — and reads the server's (PID) resident memory
//! every `--sample`. It exits 1 when any answer was not the expected one, or when memory grew
//! by 10 % or more after warm-up (see [`Growth`]).

mod load;
mod memory;
mod seed;

use std::{
    path::PathBuf,
    process::ExitCode,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use reqwest::Client;
use tokio::time::{Instant, MissedTickBehavior};

use load::{MIX, Tally, Target, Writer, schedule};
use memory::{Growth, Sample, mb, memory};

const OWNER_EMAIL: &str = "soak@example.com";
/// Only ever on a throw-away instance; long enough for the server's password rules.
const OWNER_PASSWORD: &str = "steady pacing lantern orchard";
/// Memory may grow by less than this after warm-up.
const GROWTH_LIMIT: f64 = 0.10;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("seed") => seed::seed(&args[1..]).await.map(|()| true),
        Some("run") => match Options::parse(&args[1..]) {
            Ok(options) => run(options).await,
            Err(error) => Err(error),
        },
        _ => Err(
            "usage: soak seed DIR COUNT\n       soak run BASE PID DIR [--duration 10m] [--rate 500] [--sample 10s] [--workers 32]".into(),
        ),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("soak: {message}");
            ExitCode::from(2)
        }
    }
}

struct Options {
    base: String,
    pid: u32,
    dir: PathBuf,
    duration: Duration,
    /// Requests a second, over all workers.
    rate: f64,
    sample: Duration,
    workers: usize,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let [base, pid, dir, flags @ ..] = args else {
            return Err("usage: soak run BASE PID DIR [--flag value]…".into());
        };
        let mut options = Options {
            base: base.trim_end_matches('/').to_owned(),
            pid: pid
                .parse()
                .map_err(|_| format!("PID {pid:?} is not a number"))?,
            dir: dir.into(),
            duration: Duration::from_secs(600),
            rate: 500.0,
            sample: Duration::from_secs(10),
            workers: 32,
        };
        for pair in flags.chunks(2) {
            let [flag, value] = pair else {
                return Err(format!("{} needs a value", pair[0]));
            };
            let number = || {
                let parsed = value.parse::<f64>();
                parsed.map_err(|_| format!("{flag} {value:?}: expected a number"))
            };
            match flag.as_str() {
                "--duration" => options.duration = duration(value)?,
                "--sample" => options.sample = duration(value)?,
                "--rate" => options.rate = number()?,
                "--workers" => options.workers = number()? as usize,
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        if options.rate <= 0.0 || options.workers == 0 || options.sample.is_zero() {
            return Err("--rate, --workers and --sample must be above zero".into());
        }
        Ok(options)
    }
}

/// `90`, `90s`, `10m` or `1h`.
fn duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = match text.char_indices().last() {
        Some((at, 's')) => (&text[..at], 1),
        Some((at, 'm')) => (&text[..at], 60),
        Some((at, 'h')) => (&text[..at], 3600),
        _ => (text, 1),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 90s, 10m or 1h"))?;
    Ok(Duration::from_secs(number * unit))
}

async fn run(options: Options) -> Result<bool, String> {
    let client = Client::builder()
        .user_agent("tessera-soak/1")
        .pool_max_idle_per_host(options.workers)
        .build()
        .map_err(|e| e.to_string())?;
    let target = Arc::new(Target::open(client, &options.base, &options.dir).await?);
    let tally = Arc::new(Tally::default());
    let (before, _) = memory(options.pid)?;
    println!(
        "soak: {} requests/s for {} s from {} workers; the server's memory every {} s (before: {:.1} MB)",
        options.rate,
        options.duration.as_secs(),
        options.workers,
        options.sample.as_secs(),
        mb(before),
    );

    let start = Instant::now();
    let end = start + options.duration;
    let schedule = Arc::new(schedule());
    // Each worker keeps its own pace, offset from the others so that they do not fire at once.
    let count = options.workers;
    let period = Duration::from_secs_f64(count as f64 / options.rate);
    let workers: Vec<_> = (0..count)
        .map(|worker| {
            let (target, tally, schedule) = (target.clone(), tally.clone(), schedule.clone());
            let first = start + period.mul_f64(worker as f64 / count as f64);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval_at(first, period);
                // Behind (a slow answer): carry on at the pace, never in a burst to catch up.
                tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
                let mut writer = Writer::new(worker);
                let mut slot = worker * schedule.len() / count;
                while tick.tick().await < end {
                    let op = schedule[slot % schedule.len()];
                    slot += 1;
                    let began = Instant::now();
                    let result = target.step(op, &mut writer).await;
                    tally.note(op, began.elapsed(), result);
                }
            })
        })
        .collect();

    // A sample every interval, the last one at the end of the load.
    let mut samples: Vec<Sample> = Vec::new();
    let mut next = start;
    while next < end {
        next = (next + options.sample).min(end);
        tokio::time::sleep_until(next).await;
        let (rss, anon) = memory(options.pid)?;
        let requests = tally.requests.load(Ordering::Relaxed);
        let errors = tally.errors.load(Ordering::Relaxed);
        let at = (next - start).as_secs_f64().round() as u64;
        let (then, before) = samples.last().map_or((0, 0), |s| (s.at, s.requests));
        println!(
            "t={at}s rss={:.1}MB anon={:.1}MB requests={requests} ({:.0}/s) errors={errors}",
            mb(rss),
            mb(anon),
            (requests - before) as f64 / (at - then).max(1) as f64,
        );
        samples.push(Sample {
            at,
            rss,
            anon,
            requests,
        });
    }
    for worker in workers {
        worker.await.map_err(|e| format!("a worker failed: {e}"))?;
    }
    // The requests still under way at the end were sent within it: they count in its time.
    Ok(report(&options, &tally, &samples))
}

/// Prints the summary; true when the run passed.
fn report(options: &Options, tally: &Tally, samples: &[Sample]) -> bool {
    let requests = tally.requests.load(Ordering::Relaxed);
    let errors = tally.errors.load(Ordering::Relaxed);
    let took = options.duration.as_secs_f64();
    println!(
        "\nsoak: {requests} requests in {took:.0} s: {:.0} requests/s (target {}), {errors} errors",
        requests as f64 / took,
        options.rate,
    );
    println!("by kind: requests, mean and slowest answer");
    for ((op, _), kind) in MIX.iter().zip(&tally.by_kind) {
        let count = kind.count.load(Ordering::Relaxed);
        let micros = kind.micros.load(Ordering::Relaxed);
        println!(
            "  {:<11} {count:>9} {:>8.2} ms {:>8.1} ms",
            format!("{op:?}"),
            micros as f64 / count.max(1) as f64 / 1000.0,
            kind.slowest.load(Ordering::Relaxed) as f64 / 1000.0,
        );
    }
    for shown in tally.shown.lock().unwrap().iter() {
        println!("error: {shown}");
    }
    let series = |pick: fn(&Sample) -> u64| {
        let values: Vec<String> = samples
            .iter()
            .map(|s| format!("{:.1}", mb(pick(s))))
            .collect();
        values.join(" ")
    };
    println!(
        "RSS (MB), every {} s: {}",
        options.sample.as_secs(),
        series(|s| s.rss)
    );
    println!("of it anonymous (MB):  {}", series(|s| s.anon));
    let memory_ok = match Growth::after_warm_up(options.duration, samples) {
        Ok(growth) => {
            println!(
                "warm-up: the first {} s (a fifth of the run, at most 60 s); after it, the median of the first third {:.1} MB, of the last third {:.1} MB (highest {:.1} MB): growth {:+.1} % (limit {:.0} %)",
                growth.warm_up,
                mb(growth.early),
                mb(growth.late),
                mb(growth.highest),
                growth.ratio() * 100.0,
                GROWTH_LIMIT * 100.0,
            );
            growth.ratio() < GROWTH_LIMIT
        }
        Err(why) => {
            println!("memory: {why}");
            false
        }
    };
    let passed = errors == 0 && memory_ok;
    println!("soak: {}", if passed { "passed" } else { "FAILED" });
    passed
}
