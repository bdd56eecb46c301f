-- Notification mail (SQLite; kept in step with migrations/postgres/0003_outbox.sql).
-- Messages are written in the same transaction as the change that causes them and sent
-- afterwards by a background task, so a slow or failing relay never blocks or fails the
-- change. Without SMTP configured they stay here ('held'), visible to the workspace's Owners.
CREATE TABLE outbox (
    id              BLOB    PRIMARY KEY NOT NULL,
    workspace_id    BLOB    REFERENCES workspaces (id) ON DELETE CASCADE,
    -- token.created, token.changed, token.expiring
    kind            TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    -- Set for messages that go out once only (an expiry reminder for one expiry time).
    dedup_key       TEXT    UNIQUE,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'held')),
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_workspace_created ON outbox (workspace_id, created_at);
