use std::process::ExitCode;

use tessera::server::{self, config::Config};

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
