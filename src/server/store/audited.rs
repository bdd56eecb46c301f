//! The one shape of an audited write. Every write that leaves an audit record goes
//! through [`audited_write!`]: a transaction opens, the write's own statements run in it,
//! and only when their outcome says the write happened is the audit event recorded (with
//! the mail it carries), the change announced to other instances, the transaction
//! committed and this instance's cached tokens dropped. Otherwise it rolls back and
//! nothing is left behind. A statement that fails returns its error from the calling
//! function, and the transaction rolls back as it is dropped.
//!
//! A macro rather than a function because the two engines' transactions are different
//! types (see `on_pool!`).

/// `audited_write!(db, tx => { statements… outcome }, DONE => audit)`, or with a last
/// argument `stale`:
///
/// - `tx` is the name the statements give the open transaction (`&mut *tx`); the block
///   evaluates to the write's outcome, a `Copy` value;
/// - the write happened when the outcome matches the pattern `DONE`, whose bindings the
///   `audit` expression may use;
/// - `audit` is a `&AuditEvent`, an `Option<&AuditEvent>` for writes that record one
///   only sometimes, or a `&[AuditEvent]` for a write that records several (a bulk
///   revocation: one per token and one for the whole); see [`AuditRecords`];
/// - `stale`, a [`Stale`](super::token_cache::Stale) or a `&[Stale]`, names the cached
///   tokens the write changes: each announced inside the transaction on PostgreSQL, so
///   every instance drops them once it commits (and none if it rolls back), and dropped
///   here after the commit; see [`StaleTokens`].
///
/// Evaluates to the outcome.
macro_rules! audited_write {
    ($db:expr, $tx:ident => $write:block, $done:pat => $audit:expr $(, $stale:expr)?) => {{
        let db: &$crate::server::store::Db = $db;
        // `()`, nothing stale, unless the caller names it.
        let stale = { $($stale)? };
        let (outcome, happened) = $crate::on_pool!(db, pool => {
            let mut $tx = $crate::server::store::BeginWrite::begin_write(pool).await?;
            let outcome = $write;
            // A write that always happens has a pattern that matches everything.
            #[allow(unreachable_patterns)]
            let happened = match outcome {
                $done => {
                    // In the loop's head, so that an event made here lives until it is
                    // written.
                    for audit in $crate::server::store::audited::AuditRecords::records($audit) {
                        $crate::insert_audit!(&mut *$tx, audit)?;
                    }
                    if db.engine() == $crate::server::store::Engine::Postgres {
                        for stale in $crate::server::store::audited::StaleTokens::each(stale) {
                            sqlx::query("SELECT pg_notify($1, $2)")
                                .bind($crate::server::store::token_cache::TOKEN_CHANGES)
                                .bind(stale.payload())
                                .execute(&mut *$tx)
                                .await?;
                        }
                    }
                    $tx.commit().await?;
                    true
                }
                _ => {
                    $tx.rollback().await?;
                    false
                }
            };
            (outcome, happened)
        });
        if happened {
            for stale in $crate::server::store::audited::StaleTokens::each(stale) {
                stale.drop_from(db.token_cache());
            }
        }
        outcome
    }};
}
pub(super) use audited_write;

use super::{audit::AuditEvent, token_cache::Stale};

/// The audit records an audited write leaves when it happens.
pub trait AuditRecords<'a> {
    fn records(self) -> impl Iterator<Item = &'a AuditEvent>;
}

impl<'a> AuditRecords<'a> for &'a AuditEvent {
    fn records(self) -> impl Iterator<Item = &'a AuditEvent> {
        std::iter::once(self)
    }
}

impl<'a> AuditRecords<'a> for Option<&'a AuditEvent> {
    fn records(self) -> impl Iterator<Item = &'a AuditEvent> {
        self.into_iter()
    }
}

impl<'a> AuditRecords<'a> for &'a [AuditEvent] {
    fn records(self) -> impl Iterator<Item = &'a AuditEvent> {
        self.iter()
    }
}

/// The cached tokens an audited write changes: none (`()`, a write that changes no
/// token), one, or several.
pub trait StaleTokens: Copy {
    fn each(self) -> impl Iterator<Item = Stale>;
}

impl StaleTokens for () {
    fn each(self) -> impl Iterator<Item = Stale> {
        std::iter::empty()
    }
}

impl StaleTokens for Stale {
    fn each(self) -> impl Iterator<Item = Stale> {
        std::iter::once(self)
    }
}

impl StaleTokens for &[Stale] {
    fn each(self) -> impl Iterator<Item = Stale> {
        self.iter().copied()
    }
}
