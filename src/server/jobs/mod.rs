//! What runs beside the requests: the notification sender, the last-used flusher, the
//! sweeper, and the follower of other instances' token changes.

pub mod last_used;
pub mod mail;
pub mod sweeper;

use std::time::Duration;

use tokio::{sync::oneshot, task::JoinHandle};

use super::{state::AppState, store::Db};

/// How often the sender looks for mail due.
const MAIL_EVERY: Duration = Duration::from_secs(5);

/// The background tasks of a running server.
pub struct Jobs {
    sweeper: JoinHandle<()>,
    follower: JoinHandle<()>,
    flusher: JoinHandle<()>,
    stop_flusher: oneshot::Sender<()>,
    sender: JoinHandle<()>,
    stop_sender: oneshot::Sender<()>,
    last_used: std::sync::Arc<last_used::LastUsed>,
}

impl Jobs {
    pub fn start(state: &AppState, mailer: mail::Mailer) -> Jobs {
        let db = state.db.clone();
        let (stop_flusher, flusher_stopped) = oneshot::channel::<()>();
        let (stop_sender, sender_stopped) = oneshot::channel::<()>();
        let follower = {
            let db = db.clone();
            tokio::spawn(async move { db.follow_token_changes().await })
        };
        Jobs {
            sweeper: tokio::spawn(sweeper::sweep(state.clone())),
            follower,
            flusher: tokio::spawn(last_used::flush_periodically(
                state.last_used.clone(),
                db.clone(),
                Duration::from_secs(state.config.last_used_flush_seconds),
                async {
                    let _ = flusher_stopped.await;
                },
            )),
            stop_flusher,
            sender: tokio::spawn(mail::run(mailer, db, MAIL_EVERY, async {
                let _ = sender_stopped.await;
            })),
            stop_sender,
            last_used: state.last_used.clone(),
        }
    }

    /// Stops every task; a send or flush under way finishes, and what is left of the
    /// last-used record is written before the database closes.
    pub async fn stop(self, db: &Db) {
        self.sweeper.abort();
        self.follower.abort();
        // What is left to send goes out after the next start.
        let _ = self.stop_sender.send(());
        if let Err(error) = self.sender.await {
            tracing::warn!("the notification sender failed: {error}");
        }
        let _ = self.stop_flusher.send(());
        if let Err(error) = self.flusher.await {
            tracing::warn!("the last-used flusher failed: {error}");
        }
        match self.last_used.flush(db).await {
            Ok(0) => {}
            Ok(written) => tracing::info!(tokens = written, "recorded tokens' last use"),
            Err(error) => tracing::warn!("could not record tokens' last use: {error}"),
        }
    }
}
