-- A token's rate limit, as "requests/window seconds" (NULL: none), and the one a
-- workspace's new tokens get when their maker gives none.
ALTER TABLE access_tokens ADD COLUMN rate_limit TEXT;
ALTER TABLE workspaces ADD COLUMN default_rate_limit TEXT;
