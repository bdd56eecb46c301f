//! Logging. Request lines carry method, path and status; never headers or bodies
//! (they hold passwords and tokens).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber with `filter` (already validated by the configuration).
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        // Colour for people at a terminal, plain text for log files and collectors.
        .with_ansi(std::io::stdout().is_terminal())
        .init();
}
