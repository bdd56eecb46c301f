-- Rotations made with an Idempotency-Key (PostgreSQL; kept in step with
-- migrations/sqlite/0006_rotation.sql, which explains each column).
CREATE TABLE rotation_keys (
    digest        BYTEA   PRIMARY KEY NOT NULL,
    old_token_id  UUID    NOT NULL,
    new_token_id  UUID    NOT NULL,
    sealed_secret BYTEA   NOT NULL,
    grace_ends_at BIGINT  NOT NULL,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX rotation_keys_expires_at ON rotation_keys (expires_at);
