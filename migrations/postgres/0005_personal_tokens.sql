-- Personal tokens, true ownership and rotation (PostgreSQL; kept in step with
-- migrations/sqlite/0005_personal_tokens.sql, which explains each column).

ALTER TABLE access_tokens ALTER COLUMN workspace_id DROP NOT NULL;
ALTER TABLE access_tokens ADD COLUMN owner_id UUID REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE access_tokens ALTER COLUMN scope DROP NOT NULL;
ALTER TABLE access_tokens ALTER COLUMN sealed_secret DROP NOT NULL;
ALTER TABLE access_tokens ADD COLUMN created_by_token UUID;
ALTER TABLE access_tokens ADD COLUMN created_by_token_label TEXT;
ALTER TABLE access_tokens ADD COLUMN rotated_from UUID;
ALTER TABLE access_tokens ADD COLUMN rotated_to UUID;
ALTER TABLE access_tokens ADD CONSTRAINT access_tokens_one_holder
    CHECK ((workspace_id IS NULL) <> (owner_id IS NULL));
ALTER TABLE access_tokens ADD CONSTRAINT access_tokens_scope_with_workspace
    CHECK ((workspace_id IS NULL) = (scope IS NULL));

DROP INDEX access_tokens_workspace_label;
CREATE UNIQUE INDEX access_tokens_workspace_label ON access_tokens (workspace_id, lower(label))
    WHERE workspace_id IS NOT NULL AND rotated_to IS NULL;
CREATE UNIQUE INDEX access_tokens_owner_label ON access_tokens (owner_id, lower(label))
    WHERE owner_id IS NOT NULL AND rotated_to IS NULL;
CREATE INDEX access_tokens_owner ON access_tokens (owner_id);

CREATE TABLE token_workspaces (
    token_id     UUID    NOT NULL REFERENCES access_tokens (id) ON DELETE CASCADE,
    workspace_id UUID    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    scope        TEXT    NOT NULL CHECK (scope IN ('viewer', 'team_member', 'workspace_manager', 'administrator', 'owner')),
    permissions  TEXT,
    status       TEXT    NOT NULL CHECK (status IN ('approved', 'pending')),
    requested_at BIGINT  NOT NULL,
    decided_by   UUID    REFERENCES users (id) ON DELETE SET NULL,
    decided_at   BIGINT,
    PRIMARY KEY (token_id, workspace_id)
);
CREATE INDEX token_workspaces_workspace ON token_workspaces (workspace_id);
