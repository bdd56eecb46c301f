-- Personal tokens, true ownership and rotation (SQLite; kept in step with
-- migrations/postgres/0005_personal_tokens.sql).
--
-- A token now belongs either to a workspace (`workspace_id`, with its `scope`) or to a
-- person (`owner_id`), in which case the workspaces it may act in, and its scope in each,
-- are rows of `token_workspaces`. SQLite cannot relax a NOT NULL column in place, so
-- `access_tokens` is rebuilt. Migrations run in a transaction with foreign keys on, so
-- dropping the old table cascades into the rows that refer to a token: they are set
-- aside first and put back once the rebuilt table has taken the name they refer to.
CREATE TEMP TABLE saved_token_requests AS SELECT * FROM token_requests;
CREATE TEMP TABLE saved_token_daily_requests AS SELECT * FROM token_daily_requests;

CREATE TABLE access_tokens_rebuilt (
    id                BLOB    PRIMARY KEY NOT NULL,
    -- Set for a workspace's token; NULL for a personal one.
    workspace_id      BLOB    REFERENCES workspaces (id) ON DELETE CASCADE,
    -- Set for a personal token: it dies with its owner's account.
    owner_id          BLOB    REFERENCES users (id) ON DELETE CASCADE,
    label             TEXT    NOT NULL,
    -- A workspace token's role; a personal token has one per workspace (token_workspaces).
    scope             TEXT    CHECK (scope IN ('viewer', 'team_member', 'workspace_manager', 'administrator', 'owner')),
    -- Space-separated fine-grained permissions narrowing the scope; NULL means the whole role.
    permissions       TEXT,
    -- HMAC-SHA256 of the secret under the server key: how a presented token is found.
    digest            BLOB    NOT NULL UNIQUE,
    -- The first characters of the secret, safe to display.
    display_prefix    TEXT    NOT NULL,
    -- The secret sealed with AES-256-GCM (nonce || ciphertext || tag), the token id as AAD;
    -- NULL when the workspace's policy shows a secret once only.
    sealed_secret     BLOB,
    -- The person who made it, or the person behind the token that made it. A token
    -- outlives its creator's account: automation must not break when someone leaves.
    created_by        BLOB    REFERENCES users (id) ON DELETE SET NULL,
    -- The token that made it through the API, and its label then (the token may go).
    created_by_token  BLOB,
    created_by_token_label TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    expires_at        INTEGER,
    -- NULL while enabled.
    disabled_at       INTEGER,
    last_used_at      INTEGER,
    last_used_ip      TEXT,
    last_used_user_agent TEXT,
    last_used_method  TEXT,
    last_used_path    TEXT,
    -- Rotation: the token this one replaced, and the one that replaced this one (whose
    -- grace ends at this one's `expires_at`). Ids without foreign keys: either may go.
    rotated_from      BLOB,
    rotated_to        BLOB,
    CHECK ((workspace_id IS NULL) <> (owner_id IS NULL)),
    CHECK ((workspace_id IS NULL) = (scope IS NULL))
);

INSERT INTO access_tokens_rebuilt (
    id, workspace_id, label, scope, permissions, digest, display_prefix, sealed_secret,
    created_by, created_at, updated_at, expires_at, disabled_at, last_used_at, last_used_ip,
    last_used_user_agent, last_used_method, last_used_path)
SELECT
    id, workspace_id, label, scope, permissions, digest, display_prefix, sealed_secret,
    created_by, created_at, updated_at, expires_at, disabled_at, last_used_at, last_used_ip,
    last_used_user_agent, last_used_method, last_used_path
FROM access_tokens;

DROP TABLE access_tokens;
ALTER TABLE access_tokens_rebuilt RENAME TO access_tokens;
INSERT INTO token_requests SELECT * FROM saved_token_requests;
INSERT INTO token_daily_requests SELECT * FROM saved_token_daily_requests;
DROP TABLE saved_token_requests;
DROP TABLE saved_token_daily_requests;

-- Labels are unique among a workspace's tokens, and among a person's, ignoring case; a
-- token being rotated out leaves its label to its successor.
CREATE UNIQUE INDEX access_tokens_workspace_label ON access_tokens (workspace_id, lower(label))
    WHERE workspace_id IS NOT NULL AND rotated_to IS NULL;
CREATE UNIQUE INDEX access_tokens_owner_label ON access_tokens (owner_id, lower(label))
    WHERE owner_id IS NOT NULL AND rotated_to IS NULL;
CREATE INDEX access_tokens_created_by ON access_tokens (created_by);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);

-- The workspaces a personal token may act in, each with a scope no higher than its
-- owner's role there (checked again, against the live role, at every request).
CREATE TABLE token_workspaces (
    token_id     BLOB    NOT NULL REFERENCES access_tokens (id) ON DELETE CASCADE,
    workspace_id BLOB    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    scope        TEXT    NOT NULL CHECK (scope IN ('viewer', 'team_member', 'workspace_manager', 'administrator', 'owner')),
    permissions  TEXT,
    -- 'pending' while the workspace's policy waits for an Administrator to approve it.
    status       TEXT    NOT NULL CHECK (status IN ('approved', 'pending')),
    requested_at INTEGER NOT NULL,
    decided_by   BLOB    REFERENCES users (id) ON DELETE SET NULL,
    decided_at   INTEGER,
    PRIMARY KEY (token_id, workspace_id)
);
-- "Which personal tokens can reach this workspace?"
CREATE INDEX token_workspaces_workspace ON token_workspaces (workspace_id);
CREATE INDEX access_tokens_owner ON access_tokens (owner_id);
