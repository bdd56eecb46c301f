-- Rotations made with an Idempotency-Key (SQLite; kept in step with
-- migrations/postgres/0006_rotation.sql). A retry with the same key from the same caller
-- within ten minutes gets the same answer, new secret included, so a lost answer never
-- locks automation out. The key itself is never stored: `digest` is an HMAC of the
-- caller and the key under the server's key. The sweeper deletes rows past `expires_at`.
CREATE TABLE rotation_keys (
    digest        BLOB    PRIMARY KEY NOT NULL,
    -- The token rotated and its successor; ids without foreign keys: either may go, and
    -- the row dies within ten minutes anyway.
    old_token_id  BLOB    NOT NULL,
    new_token_id  BLOB    NOT NULL,
    -- The successor's secret sealed with AES-256-GCM (its id as AAD), as a token's own.
    sealed_secret BLOB    NOT NULL,
    -- When the old token stops, as the first answer said.
    grace_ends_at INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX rotation_keys_expires_at ON rotation_keys (expires_at);
