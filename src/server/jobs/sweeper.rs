//! The sweeper: what piles up under attack is removed on a timer.

use crate::server::{clock::now_ms, state::AppState};

/// Every ten minutes: deletes expired sessions (they are refused anyway), failed-sign-in
/// counters no longer slowing anyone, old sign-in networks and dead reset links, so none of
/// these tables grows without bound under attack; and rotations past their ten-minute
/// retry window, whose sealed secrets have no business staying; and the rate limiters of
/// tokens idle for longer than their window.
pub async fn sweep(state: AppState) {
    let db = &state.db;
    use crate::domain::sign_in::{FAILURES_FORGOTTEN_AFTER_MS, KNOWN_NETWORK_MS};
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = now_ms();
        match db.delete_expired_sessions(now).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed expired sessions"),
            Err(error) => tracing::warn!("could not remove expired sessions: {error}"),
        }
        match db
            .sweep_sign_in_records(
                now - FAILURES_FORGOTTEN_AFTER_MS,
                now - KNOWN_NETWORK_MS,
                now,
            )
            .await
        {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed old sign-in records"),
            Err(error) => tracing::warn!("could not remove old sign-in records: {error}"),
        }
        match db.delete_expired_rotation_keys(now).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "forgot rotations past their retry window"),
            Err(error) => tracing::warn!("could not forget old rotation keys: {error}"),
        }
        state.leak_reports.prune();
        state.invalid_tokens.prune(now);
        let idle = state.token_limits.prune(now);
        if idle > 0 {
            tracing::debug!(idle, "let go of idle rate limiters");
        }
    }
}
