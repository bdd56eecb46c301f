-- Tessera's first schema (SQLite). Kept in step with migrations/postgres/0001_initial.sql:
-- same tables, columns, constraints and indexes; only the column types differ.
--
-- Conventions
--   * ids are UUIDv7 (time-ordered), stored as 16-byte BLOBs.
--   * times are INTEGER milliseconds since the Unix epoch, always UTC; `*_at` names them.
--   * roles are the lower-case names the domain uses.

CREATE TABLE users (
    id            BLOB    PRIMARY KEY NOT NULL,
    -- Stored normalised (trimmed, lower-case) so the unique index matches how people log in.
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    -- argon2id PHC string.
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Per-user UI preferences (for example which token-table columns are shown), JSON values.
CREATE TABLE user_preferences (
    user_id    BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, name)
);

-- Only a digest of the session id is stored: a database leak does not hand out live sessions.
CREATE TABLE sessions (
    id_digest    BLOB    PRIMARY KEY NOT NULL,
    user_id      BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Failed-login counters, keyed by subject ('email:<address>' or 'ip:<address>'), shared by
-- every instance so throttling holds behind a load balancer.
CREATE TABLE login_failures (
    subject        TEXT    PRIMARY KEY NOT NULL,
    failures       INTEGER NOT NULL,
    last_failed_at INTEGER NOT NULL
);

CREATE TABLE workspaces (
    id         BLOB    PRIMARY KEY NOT NULL,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    workspace_id BLOB    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT    NOT NULL CHECK (role IN ('viewer', 'team_member', 'workspace_manager', 'administrator', 'owner')),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
-- "Which workspaces is this user in?"
CREATE INDEX memberships_user_id ON memberships (user_id);

CREATE TABLE access_tokens (
    id                BLOB    PRIMARY KEY NOT NULL,
    workspace_id      BLOB    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    label             TEXT    NOT NULL,
    scope             TEXT    NOT NULL CHECK (scope IN ('viewer', 'team_member', 'workspace_manager', 'administrator', 'owner')),
    -- Space-separated fine-grained permissions narrowing the scope; NULL means the whole role.
    permissions       TEXT,
    -- HMAC-SHA256 of the secret under the server key: how a presented token is found.
    digest            BLOB    NOT NULL UNIQUE,
    -- The first characters of the secret, safe to display.
    display_prefix    TEXT    NOT NULL,
    -- The secret sealed with AES-256-GCM (nonce || ciphertext || tag), the token id as AAD.
    sealed_secret     BLOB    NOT NULL,
    -- A token outlives its creator's account: automation must not break when someone leaves.
    created_by        BLOB    REFERENCES users (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    expires_at        INTEGER,
    -- NULL while enabled.
    disabled_at       INTEGER,
    last_used_at      INTEGER,
    last_used_ip      TEXT,
    last_used_user_agent TEXT,
    last_used_method  TEXT,
    last_used_path    TEXT
);
-- Labels are unique within a workspace, ignoring case.
CREATE UNIQUE INDEX access_tokens_workspace_label ON access_tokens (workspace_id, lower(label));
CREATE INDEX access_tokens_created_by ON access_tokens (created_by);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);

-- The audit log. Actor and target are snapshotted (label, ids without foreign keys where the
-- object may be deleted) so the record outlives what it describes.
CREATE TABLE audit_events (
    id             BLOB    PRIMARY KEY NOT NULL,
    -- NULL for events outside any workspace (a login, for instance).
    workspace_id   BLOB    REFERENCES workspaces (id) ON DELETE CASCADE,
    actor_kind     TEXT    NOT NULL CHECK (actor_kind IN ('user', 'token', 'system')),
    actor_user_id  BLOB    REFERENCES users (id) ON DELETE SET NULL,
    actor_token_id BLOB,
    actor_label    TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    target_kind    TEXT,
    target_id      BLOB,
    target_label   TEXT,
    ip             TEXT,
    user_agent     TEXT,
    -- JSON describing what changed.
    changes        TEXT,
    created_at     INTEGER NOT NULL
);
CREATE INDEX audit_events_workspace_created ON audit_events (workspace_id, created_at);
CREATE INDEX audit_events_target ON audit_events (target_id);
CREATE INDEX audit_events_actor_user ON audit_events (actor_user_id);
CREATE INDEX audit_events_actor_token ON audit_events (actor_token_id);
