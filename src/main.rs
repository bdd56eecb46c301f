use std::process::ExitCode;

use tessera::server::{
    self,
    admin::{self, Command},
    config::Config,
};

/// Tokio moves tasks between worker threads, so memory is often freed on another thread
/// than the one that allocated it; glibc's malloc then takes the other arena's lock (a
/// futex per contended free under load). mimalloc frees across threads without a lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match Command::parse(&args) {
        Ok(command) => command,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::load() {
        Ok(config) => config,
        Err(error) => {
            // One line, naming the key and what it expects: the operator's fix is obvious.
            eprintln!("tessera: {error}");
            return ExitCode::from(2);
        }
    };
    if let Command::ResetPassword { email } = command {
        return match admin::reset_password(&config, &email).await {
            Ok(link) => {
                println!("{link}");
                eprintln!(
                    "A one-time link to choose a new password for {email}: it works once, for 30 minutes. Give it only to them."
                );
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("tessera: {error}");
                ExitCode::FAILURE
            }
        };
    }
    if let Command::Backup { file } = command {
        return match admin::backup(&config, &file).await {
            Ok(done) => {
                println!("{done}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("tessera: {error}");
                ExitCode::FAILURE
            }
        };
    }
    server::telemetry::init(&config.log, config.log_format);
    match server::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("tessera: {error}");
            ExitCode::FAILURE
        }
    }
}
