-- Accounts people own (SQLite; kept in step with migrations/postgres/0004_accounts.sql):
-- invitations instead of minted passwords, password resets, the instance admin, sign-in
-- throttling that reserves an attempt before checking it.

-- The account made at set-up administers the instance (who may create workspaces, the
-- sign-in history of every account).
ALTER TABLE users ADD COLUMN is_instance_admin INTEGER NOT NULL DEFAULT 0;
-- Set while the password is one somebody else chose: the account must choose its own at
-- its next sign-in, before anything else.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- A password somebody else chose stops working at this time (a reset link still works).
ALTER TABLE users ADD COLUMN password_expires_at INTEGER;

-- Before this change the only accounts were the set-up owner (the first) and accounts
-- minted by "add member", whose initial password their creator saw.
UPDATE users SET is_instance_admin = 1
WHERE id = (SELECT id FROM users ORDER BY created_at, id LIMIT 1);
UPDATE users SET must_change_password = 1,
                 password_expires_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 7 * 86400000
WHERE is_instance_admin = 0;

-- Failed-login counters are reserved before the password is checked: `blocked_until` is
-- when the subject may try again (0: now). Subjects: 'pair:<email>|<network>',
-- 'net:<network>', 'email:<email>'; an IPv6 client's network is its /64.
ALTER TABLE login_failures ADD COLUMN blocked_until INTEGER NOT NULL DEFAULT 0;
DELETE FROM login_failures;
CREATE INDEX login_failures_last_failed_at ON login_failures (last_failed_at);

-- Networks an account has signed in from: the account-wide failure counter does not slow
-- them, so an attacker elsewhere cannot lock the account's owner out.
CREATE TABLE sign_in_networks (
    user_id      BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    network      TEXT    NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, network)
);

-- An invitation to join a workspace. Only a keyed digest of its code is stored; the code
-- travels in the mailed link.
CREATE TABLE invitations (
    id           BLOB    PRIMARY KEY NOT NULL,
    workspace_id BLOB    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email        TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('viewer', 'team_member', 'workspace_manager', 'administrator', 'owner')),
    code_digest  BLOB    NOT NULL UNIQUE,
    -- Who invited: a person, or a token (then the label snapshot names it).
    invited_by_user  BLOB REFERENCES users (id) ON DELETE SET NULL,
    invited_by_token BLOB,
    invited_by_label TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
    resolved_at  INTEGER
);
-- One open invitation per email and workspace.
CREATE UNIQUE INDEX invitations_pending ON invitations (workspace_id, email) WHERE status = 'pending';

-- A one-time password reset link (30 minutes). Only a keyed digest of its code is stored.
CREATE TABLE password_resets (
    code_digest BLOB    PRIMARY KEY NOT NULL,
    user_id     BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX password_resets_user_id ON password_resets (user_id);
