-- A workspace's token policy (PostgreSQL; kept in step with
-- migrations/sqlite/0007_token_policy.sql). See src/domain/policy.rs for the rules.
-- Personal tokens wait for an Administrator's approval before acting here.
ALTER TABLE workspaces ADD COLUMN approve_personal_tokens BOOLEAN NOT NULL DEFAULT FALSE;
-- New tokens keep no sealed copy of their secret.
ALTER TABLE workspaces ADD COLUMN secret_shown_once BOOLEAN NOT NULL DEFAULT FALSE;
-- New tokens must expire within this many days (NULL: no limit).
ALTER TABLE workspaces ADD COLUMN max_token_lifetime_days BIGINT
    CHECK (max_token_lifetime_days BETWEEN 1 AND 3650);
-- From this moment (ms since the epoch) tokens over the lifetime limit are refused.
ALTER TABLE workspaces ADD COLUMN token_lifetime_grace_until BIGINT;
-- No new token above this scope (NULL: up to Owner).
ALTER TABLE workspaces ADD COLUMN max_token_scope TEXT
    CHECK (max_token_scope IN ('viewer', 'team_member', 'workspace_manager', 'administrator', 'owner'));
-- The approval queue: a workspace's pending grants, oldest first.
CREATE INDEX token_workspaces_pending ON token_workspaces (workspace_id, requested_at)
    WHERE status = 'pending';
