//! Logging. Request lines carry method, path and status; never headers or bodies
//! (they hold passwords and tokens).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use super::config::LogFormat;

/// Installs the global subscriber with `filter` (already validated by the configuration),
/// writing lines as `format` says: readable text, or one JSON object per line (timestamp,
/// level, message and the event's fields) for log shippers.
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match format {
        // Colour for people at a terminal, plain text for log files and collectors.
        LogFormat::Text => builder.with_ansi(std::io::stdout().is_terminal()).init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init(),
    }
}
