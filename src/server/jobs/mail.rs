//! Sends the outbox's mail through the configured SMTP relay, in the background: a slow or
//! failing relay never blocks or fails the change that queued the mail. Failed sends are
//! retried with backoff; without a relay, mail is held in the outbox for Owners to read
//! and logged (recipient and subject; mail never holds a secret).

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::authentication::Credentials,
};

use crate::domain::notify::{MAX_ATTEMPTS, retry_delay_ms};
use crate::server::{
    config::{Smtp, SmtpTls},
    services::{self, notifications},
    store::{Db, StoreError, outbox::MailRow},
};

/// How long a claimed message is this instance's to send before another may try.
const LEASE_MS: i64 = 120_000;

/// The relay, or none.
#[derive(Clone)]
pub struct Mailer {
    relay: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

/// What one round of sending did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    pub held: usize,
}

impl Mailer {
    /// A mailer for the configured relay (or none). Fails only on a host name lettre
    /// cannot use for TLS.
    pub fn new(smtp: Option<&Smtp>) -> Result<Mailer, String> {
        let Some(smtp) = smtp else {
            return Ok(Mailer { relay: None });
        };
        let builder = match smtp.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                .map_err(|e| format!("[smtp] host {:?}: {e}", smtp.host))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
                .map_err(|e| format!("[smtp] host {:?}: {e}", smtp.host))?,
        };
        let mut builder = builder
            .port(smtp.port)
            .timeout(Some(Duration::from_secs(15)));
        if let Some((user, password)) = &smtp.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from: Mailbox = smtp
            .from
            .parse()
            .map_err(|e| format!("[smtp] from {:?}: {e}", smtp.from))?;
        Ok(Mailer {
            relay: Some((builder.build(), from)),
        })
    }

    pub fn is_configured(&self) -> bool {
        self.relay.is_some()
    }

    /// Sends (or holds) every message due at `now`.
    pub async fn deliver_due(&self, db: &Db, now: i64) -> Result<Delivered, StoreError> {
        let mut done = Delivered::default();
        for mail in db.due_mail(now, 100).await? {
            if !db
                .claim_mail(mail.id, mail.next_attempt_at, now + LEASE_MS)
                .await?
            {
                continue; // another instance has it
            }
            let Some((transport, from)) = &self.relay else {
                tracing::info!(
                    recipient = %mail.recipient,
                    subject = %mail.subject,
                    "notification kept in the outbox: no SMTP relay is configured (set [smtp] host in Leptos.toml)"
                );
                db.settle_mail(mail.id, "held", mail.attempts, now, None, None)
                    .await?;
                done.held += 1;
                continue;
            };
            let attempts = mail.attempts + 1;
            match send(transport, from, &mail).await {
                Ok(()) => {
                    db.settle_mail(mail.id, "sent", attempts, now, None, Some(now))
                        .await?;
                    done.sent += 1;
                }
                Err(error) if attempts >= MAX_ATTEMPTS => {
                    tracing::warn!(recipient = %mail.recipient, "gave up sending a notification after {attempts} tries: {error}");
                    db.settle_mail(mail.id, "failed", attempts, now, Some(&error), None)
                        .await?;
                    done.failed += 1;
                }
                Err(error) => {
                    let retry_at = now + retry_delay_ms(attempts);
                    tracing::warn!(recipient = %mail.recipient, "could not send a notification (try {attempts}, will retry): {error}");
                    db.settle_mail(mail.id, "pending", attempts, retry_at, Some(&error), None)
                        .await?;
                    done.retrying += 1;
                }
            }
        }
        Ok(done)
    }
}

async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    mail: &MailRow,
) -> Result<(), String> {
    let to: Mailbox = mail
        .recipient
        .parse()
        .map_err(|e| format!("bad recipient address: {e}"))?;
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| format!("cannot build the message: {e}"))?;
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Until `stop` resolves: queues due expiry reminders every minute and sends due mail
/// every `interval`.
pub async fn run(mailer: Mailer, db: Db, interval: Duration, stop: impl Future<Output = ()>) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stop = std::pin::pin!(stop);
    let mut last_reminders: Option<i64> = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = &mut stop => return,
        }
        let now = services::now_ms();
        if last_reminders.is_none_or(|last| now - last >= 60_000) {
            match notifications::queue_expiry_reminders(&db, now).await {
                Ok(_) => last_reminders = Some(now),
                Err(error) => tracing::warn!("could not queue expiry reminders: {error}"),
            }
        }
        if let Err(error) = mailer.deliver_due(&db, now).await {
            tracing::warn!("could not send notifications (will retry): {error}");
        }
    }
}
