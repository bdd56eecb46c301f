use std::process::ExitCode;

use tessera::server::{self, config::Config};

/// Tokio moves tasks between worker threads, so memory is often freed on another thread
/// than the one that allocated it; glibc's malloc then takes the other arena's lock (a
/// futex per contended free under load). mimalloc frees across threads without a lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::load() {
        Ok(config) => config,
        Err(error) => {
            // One line, naming the key and what it expects: the operator's fix is obvious.
            eprintln!("tessera: {error}");
            return ExitCode::from(2);
        }
    };
    server::telemetry::init(&config.log);
    match server::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("tessera: {error}");
            ExitCode::FAILURE
        }
    }
}
