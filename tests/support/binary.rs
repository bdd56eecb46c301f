//! The compiled `tessera` binary as the tests start it: a clean environment, a free port,
//! and its address once it says it listens.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub fn tessera() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    // Only what the test sets: no stray TESSERA_* or DATABASE_URL from the caller.
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

/// The server's log lines after "listening", kept for failure messages.
pub type Log = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

pub fn start_with(dir: &std::path::Path, env: &[(&str, &str)]) -> (Child, String, Log) {
    let mut child = tessera()
        .current_dir(dir)
        .envs(env.iter().copied())
        .env("TESSERA_SITE_ADDR", "127.0.0.1:0")
        .env("TESSERA_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(at) = line.find("listening on http://") {
            // Up to the end of the word: a JSON log line has `"}` after it.
            let addr = line[at + "listening on http://".len()..]
                .split(|c: char| c == '"' || c.is_whitespace())
                .next()
                .unwrap_or_default()
                .to_owned();
            // Keep draining the log so the server never blocks on a full pipe.
            let log = Log::default();
            let kept = log.clone();
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    kept.lock().unwrap().push(line);
                }
            });
            return (child, addr, log);
        }
        seen.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start listening:\n{}", seen.join("\n"));
}
